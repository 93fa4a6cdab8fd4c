"""A fifth municipality joins without a line of code (docs/onboarding.md).

Its agreement comes from a data file, its officer and council member from management commands;
then its public pages, its PDF, the register with an accession, and a follow-up cycle from
creation to a published evaluation all work as for the first four.
"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from django.urls import reverse

from agreements.models import Agreement
from followup import services as followup
from followup.models import Cycle, Evaluation
from organisations.models import Accession, CouncilMembership, OfficerRole
from tests.factories import RepresentativeFactory, with_mfa

pytestmark = pytest.mark.django_db

FEMBO = """
slug: fembo
municipality: {name: Fembo kommun, short_name: Fembo, slug: fembo}
title: Överenskommelse om samverkan mellan Fembo kommun och idéburen sektor
summary: Fembo kommuns och de idéburna organisationernas gemensamma överenskommelse.
terms: {principle_singular: princip, principle_plural: principer, civil_society: idéburen sektor}
versions:
  - key: "2026"
    status: current
    title: Överenskommelse om samverkan mellan Fembo kommun och idéburen sektor
    adopted_on: "2026-06"
    principles:
      - key: dialog
        title: Dialog
        body: Parterna för en öppen dialog om det som rör föreningslivet i Fembo.
        themes: [dialogue]
        commitments:
          - {key: k1, party: municipality, body: Att bjuda in till dialogforum två gånger om året.}
          - {key: i1, party: civil_society, body: Att delta i dialogforum och sprida kunskap.}
      - key: sjalvstandighet
        title: Självständighet
        body: De idéburna organisationerna är självständiga och oberoende.
        themes: [independence]
        commitments:
          - {key: k2, party: municipality, body: Att respektera organisationernas självständighet.}
    bodies:
      - {key: radet, name: Samverkansrådet i Fembo, kind: council, is_council: true}
    followup_rules:
      - {kind: followup, interval_years: 1}
"""


@pytest.fixture(autouse=True)
def pdf_storage(tmp_path, monkeypatch):
    monkeypatch.setattr(
        Evaluation._meta.get_field("pdf"),
        "storage",
        FileSystemStorage(location=tmp_path / "evaluations"),
    )


@pytest.fixture
def fembo(tmp_path):
    path = tmp_path / "fembo.yaml"
    path.write_text(FEMBO, encoding="utf-8")
    call_command("load_agreements", str(path), stdout=StringIO())
    return Agreement.objects.get(slug="fembo")


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def add_sara() -> str:
    """Sara joins Fembo's council for civil society."""
    return run(
        *("add_council_member", "--agreement", "fembo", "--email", "sara@fembo.example"),
        *("--side", "civil_society"),
    )


def test_officers_and_council_are_added_by_command(fembo):
    said = run("add_officer", "--municipality", "fembo", "--email", "Frida@Fembo.example")
    officer = get_user_model().objects.get(email="frida@fembo.example")
    assert "is now an officer" in said and "set a password" in said
    assert not officer.has_usable_password()  # they set it themselves, then add two-factor
    assert OfficerRole.objects.get(user=officer).municipality == fembo.municipality
    # Again: nothing changes.
    assert "already was" in run(
        "add_officer", "--municipality", "fembo", "--email", "frida@fembo.example"
    )
    assert OfficerRole.objects.filter(user=officer).count() == 1

    add_sara()
    membership = CouncilMembership.objects.get(user__email="sara@fembo.example")
    assert membership.agreement == fembo
    assert membership.body.name == "Samverkansrådet i Fembo"
    assert membership.side == CouncilMembership.Side.CIVIL_SOCIETY


def test_wrong_municipality_or_agreement_is_refused_and_changes_nothing(fembo):
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match="No municipality 'sexbo'"):
        run("add_officer", "--municipality", "sexbo", "--email", "a@sexbo.example")
    with pytest.raises(CommandError, match="no unit named"):
        run(
            "add_officer",
            "--municipality",
            "fembo",
            "--email",
            "a@fembo.example",
            "--unit",
            "Nämnd X",
        )
    with pytest.raises(CommandError, match="No agreement 'sexbo'"):
        run(
            "add_council_member",
            "--agreement",
            "sexbo",
            "--email",
            "a@x.example",
            "--side",
            "municipality",
        )
    assert get_user_model().objects.count() == users


def test_a_fifth_municipality_works_end_to_end(
    client, fembo, django_capture_on_commit_callbacks, mailoutbox
):
    run("add_officer", "--municipality", "fembo", "--email", "frida@fembo.example")
    add_sara()
    officer = with_mfa(get_user_model().objects.get(email="frida@fembo.example"))
    member = with_mfa(get_user_model().objects.get(email="sara@fembo.example"))

    # Its public pages and its PDF.
    assert "Fembo" in client.get("/").content.decode()
    page = client.get("/overenskommelser/fembo/").content.decode()
    assert "Att bjuda in till dialogforum två gånger om året." in page
    assert "Samverkansrådet i Fembo" in page
    pdf = client.get("/overenskommelser/fembo/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "Fembo" in client.get("/jamfor/").content.decode()

    # The register: an organisation in Fembo signs online and the new officer verifies it.
    rep = RepresentativeFactory(
        organisation__municipality=fembo.municipality, organisation__name="Fembo IF"
    )
    client.force_login(rep.user)
    signed = client.post(
        reverse("organisations:sign", kwargs={"pk": rep.organisation.pk}),
        {
            "declaration_confirmed": "on",
            "basis": Accession.Basis.SIGNATORY,
            "board_decision_date": "",
            "signer_name": "Anna Andersson",
            "signer_title": "Ordförande",
        },
    )
    assert signed.status_code == 302
    accession = Accession.objects.get(organisation=rep.organisation)
    assert accession.status == Accession.Status.PENDING and accession.agreement == fembo
    client.force_login(officer)
    assert "Fembo IF" in client.get(reverse("organisations:officer")).content.decode()
    assert client.post(reverse("organisations:verify", args=[accession.pk])).status_code == 302
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    client.logout()
    assert "Fembo IF" in client.get(reverse("organisations:register")).content.decode()

    # A follow-up cycle: created and opened by the officer, answered, compiled, approved by the
    # council and published, with its PDF.
    client.force_login(officer)
    rule = fembo.current_version.followup_rules.get(kind="followup")
    created = client.post(
        reverse("followup:cycle-create", kwargs={"slug": "fembo"}), {"rule": rule.pk}
    )
    assert created.status_code == 302
    cycle = Cycle.objects.get(agreement=fembo)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("followup:cycle-open", args=[cycle.pk])).status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN
    assert any(rep.user.email in message.to for message in mailoutbox)  # the invitation

    report = cycle.reports.get(organisation=rep.organisation)
    answers = [
        followup.AnswerInput(question_id=q.pk, score=5, comment="Dialogforumen fungerar.")
        for q in cycle.questions.all()
        if q.asks(report.group) and q.answer_kind == "scale"
    ]
    assert answers
    followup.report_save(
        report=report, actor=rep.user, answers=answers, based_on_revision=0, submit=True
    )
    assert client.post(reverse("followup:cycle-close", args=[cycle.pk])).status_code == 302
    narrative = {
        "summary": "Samverkan i Fembo har kommit igång väl.",
        "conclusions": "Dialogforumen uppskattas.",
        "recommendations": "Fortsätt.",
    }
    assert (
        client.post(reverse("followup:evaluation-edit", args=[cycle.pk]), narrative).status_code
        == 302
    )
    assert client.post(reverse("followup:evaluation-send", args=[cycle.pk])).status_code == 302
    client.force_login(member)
    assert client.post(reverse("followup:evaluation-approve", args=[cycle.pk])).status_code == 302
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(reverse("followup:evaluation-publish", args=[cycle.pk])).status_code == 302
        )
    evaluation = Evaluation.objects.get(cycle=cycle)
    assert evaluation.is_published and evaluation.pdf_status == Evaluation.PdfStatus.READY

    client.logout()
    public = client.get(
        reverse("followup:public-evaluation", kwargs={"slug": "fembo", "pk": cycle.pk})
    )
    assert public.status_code == 200
    assert "Samverkan i Fembo har kommit igång väl." in public.content.decode()
    download = client.get(
        reverse("followup:public-evaluation-pdf", kwargs={"slug": "fembo", "pk": cycle.pk})
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_unit_of_another_municipality_is_refused(fembo):
    from django.core.exceptions import ValidationError

    from organisations import services
    from organisations.models import MunicipalUnit

    other = MunicipalUnit.objects.create(
        municipality=Agreement.objects.get(slug="boras").municipality,
        name="Kulturnämnden",
        kind=MunicipalUnit.Kind.choices[0][0],
    )
    with pytest.raises(ValidationError):
        services.officer_add(email="x@fembo.example", municipality=fembo.municipality, unit=other)
    assert not get_user_model().objects.filter(email="x@fembo.example").exists()

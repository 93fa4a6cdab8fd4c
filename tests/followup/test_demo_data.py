"""The follow-up demo data: published history and an open cycle for every agreement.

Depends on organisations' ``load_demo`` command, which makes the organisations, accessions,
municipal units and accounts that ``load_followup_demo`` builds on.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from followup import services
from followup.compile import evaluation_from_json
from followup.models import Cycle, CycleEvent, Evaluation, Report, ReportVersion
from organisations.models import Accession

pytestmark = pytest.mark.django_db

SLUGS = ["boras", "sodertalje", "goteborg", "botkyrka"]


@pytest.fixture
def debug(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path  # the rendered PDFs
    return settings


def load(command, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    """How many rows, and the latest change, of everything the command writes."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model

    from followup.models import Answer, EvaluationApproval, EvaluationComment, Question
    from organisations.models import CouncilMembership

    models = [
        get_user_model(),
        EmailAddress,
        Authenticator,
        CouncilMembership,
        Cycle,
        Question,
        Report,
        Answer,
        ReportVersion,
        Evaluation,
        EvaluationComment,
        EvaluationApproval,
        CycleEvent,
    ]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["cycle events"] = sorted(CycleEvent.objects.values_list("pk", "created_at", "details"))
    counts["report revisions"] = sorted(Report.objects.values_list("pk", "revision"))
    counts["evaluations"] = sorted(
        Evaluation.objects.values_list("pk", "revision", "pdf", "pdf_status", "published_at")
    )
    return counts


def test_each_agreement_gets_published_history_and_an_open_cycle_once(debug):
    load("load_demo")
    output = load("load_followup_demo")
    assert "8 PDFs rendered" in output
    today = timezone.localdate()
    for slug in SLUGS:
        cycles = Cycle.objects.filter(agreement__slug=slug).order_by("period_start")
        published = [c for c in cycles if c.status == Cycle.Status.PUBLISHED]
        assert len(published) >= 2, slug
        for cycle in published:
            evaluation = cycle.evaluation
            assert evaluation.frozen_data and evaluation.is_published
            assert evaluation.summary and evaluation.conclusions and evaluation.recommendations
            assert evaluation.pdf_status == Evaluation.PdfStatus.READY
            with evaluation.pdf.open("rb") as pdf:
                assert pdf.read(5) == b"%PDF-"
            assert cycle.deadline < today and evaluation.published_at.date() < today
            assert services.evaluation_is_approved(evaluation)
            assert evaluation.comments.exists()
            scores = [s for s in evaluation.frozen_data["scores"] if s["kind"] == "principle"]
            assert all(s["mean"] is not None for s in scores)
            assert any(s["distribution"]["na"] for s in evaluation.frozen_data["scores"])
            assert any(t["answers"] for t in evaluation.frozen_data["texts"])
            # Its history: every step by someone, on the cycle's own calendar.
            events = cycle.events.select_related("actor")
            assert all(event.actor_id for event in events)
            kinds = [e.kind for e in events.order_by("created_at", "pk")]
            added = [CycleEvent.Kind.QUESTION_ADDED] * (slug == "boras")  # the officer's own
            assert kinds[: 1 + len(added)] == [CycleEvent.Kind.CREATED, *added]
            steps = [
                k
                for k in kinds
                if k not in (CycleEvent.Kind.REPORT_REOPENED, CycleEvent.Kind.QUESTION_ADDED)
            ]
            assert steps[:3] == [CycleEvent.Kind.CREATED, CycleEvent.Kind.OPENED, "closed"]
            assert steps[-1] == CycleEvent.Kind.PUBLISHED
            assert {"evaluation_edited", "sent_to_council", "commented", "approved"} <= set(steps)
            assert steps == [e.kind for e in events.order_by("pk") if e.kind in steps]
            assert events.get(kind="opened").created_at == cycle.opened_at
            assert events.get(kind="closed").created_at == cycle.closed_at
            assert events.get(kind="published").created_at == evaluation.published_at
            created = events.get(kind="created")
            assert created.created_at == cycle.created_at
            assert created.details["after"]["deadline"] == cycle.deadline.isoformat()
        # The second published cycle is compared with the first, and the means rose on the whole.
        latest = published[-1].evaluation.frozen_data
        assert latest["previous_title"] == published[-2].title
        changes = [s["change"] for s in latest["scores"] if s["kind"] == "principle"]
        assert sum(change > 0 for change in changes) > len(changes) / 2, slug

        (open_cycle,) = [c for c in cycles if c.status == Cycle.Status.OPEN]
        assert open_cycle.deadline > today and open_cycle.accepts_reports
        statuses = set(open_cycle.reports.values_list("status", flat=True))
        assert {Report.Status.SUBMITTED, Report.Status.DRAFT} <= statuses, slug
        assert ReportVersion.objects.filter(
            report__cycle=open_cycle, action=ReportVersion.Action.REOPENED
        ).exclude(note="")
        assert open_cycle.events.get(kind="opened").created_at == open_cycle.opened_at
        assert open_cycle.events.filter(kind="report_reopened").exists()

    # Borås's evaluations show everything compiled: its own table's 1–5 questions and the
    # officer's added one (asked of the council too), the parties apart, the counts with their
    # base, the list answers merged.
    boras = Cycle.objects.filter(agreement__slug="boras", status=Cycle.Status.PUBLISHED)
    for cycle in boras:
        compiled = evaluation_from_json(cycle.evaluation.frozen_data)
        table = [s for s in compiled.scores if s.kind == "agreement"]
        assert len(table) == 4 and all(s.mean is not None for s in table)
        (added,) = [s for s in compiled.scores if s.kind == "custom"]
        assert [g.group for g in added.groups] == ["organisations", "units", "council"]
        assert added.group("council").n > 0
        assert compiled.differing_scores
        (iop,) = [c for c in compiled.counts if c.question == "Antal samverkansavtal och IOP:er?"]
        assert iop.total > 0 and iop.asked == 3 and 0 < iop.answered <= iop.asked
        forums = [t for t in compiled.texts if t.question.startswith("Vilka återkommande forum")]
        first = forums[0].entries[0]
        assert first.text.casefold() == "stormötet" and first.count > 1
    latest = evaluation_from_json(boras.order_by("-period_start")[0].evaluation.frozen_data)
    assert all(s.change is not None for s in latest.scores if s.kind == "agreement")
    # The demo representative finds a draft to finish in Göteborg's open cycle.
    backa = Report.objects.get(
        cycle__agreement__slug="goteborg",
        cycle__status=Cycle.Status.OPEN,
        organisation__representatives__user__email="representant@demo.example",
    )
    assert backa.status == Report.Status.DRAFT

    before = snapshot()
    assert "No changes" in load("load_followup_demo")
    assert snapshot() == before


def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load("load_followup_demo")
    assert not Cycle.objects.exists()


def test_refuses_without_the_organisations_demo_data(debug):
    with pytest.raises(CommandError, match="load_demo") as excinfo:
        load("load_followup_demo", force=True)
    assert "municipal units" in str(excinfo.value)
    assert not Cycle.objects.exists()


def test_names_what_is_missing_and_writes_nothing(debug):
    load("load_demo")
    Accession.objects.filter(agreement__slug="botkyrka").update(status=Accession.Status.WITHDRAWN)
    with pytest.raises(CommandError, match="active accession to the agreement of Botkyrka"):
        load("load_followup_demo")
    assert not Cycle.objects.exists()

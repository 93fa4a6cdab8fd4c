"""The review tells people (issue 16, item 5): each council member gets their own e-mail, the
officers hear of comments and approvals, members whose approval lapsed are asked again, and
publication is announced to the council and the respondents; the review page says which side
still has to approve."""

import pytest
from django.urls import reverse

from core.models import OutgoingMail
from followup import services
from organisations.models import CouncilMembership
from tests.factories import CouncilMembershipFactory, UserFactory, with_mfa
from tests.followup.worlds import closed_cycle

pytestmark = pytest.mark.django_db


def _mails(template: str) -> list[OutgoingMail]:
    return list(OutgoingMail.objects.filter(template=f"followup/email/{template}").order_by("pk"))


def _recipients(template: str) -> list[list[str]]:
    return [mail.recipients for mail in _mails(template)]


def _member(side=CouncilMembership.Side.CIVIL_SOCIETY, **user):
    return with_mfa(CouncilMembershipFactory(side=side, user=UserFactory(**user)).user)


@pytest.fixture
def council():
    return {
        "civil": _member(first_name="Cilla", last_name="Civil"),
        "civil2": _member(),
        "municipal": _member(CouncilMembership.Side.MUNICIPALITY),
    }


@pytest.fixture
def in_review(officer, council, django_capture_on_commit_callbacks):
    cycle = closed_cycle(django_capture_on_commit_callbacks)
    services.evaluation_update(
        cycle=cycle, actor=officer, summary="Bra år.", conclusions="", recommendations=""
    )
    services.evaluation_send_to_council(cycle=cycle, actor=officer)
    cycle.refresh_from_db()
    return cycle


def test_each_member_gets_an_e_mail_of_their_own(in_review, council):
    sent = _recipients("review")
    assert sorted(sent) == sorted([[member.email] for member in council.values()])
    body = _mails("review")[0].body
    assert reverse("followup:evaluation", args=[in_review.pk]) in body


def test_the_officers_are_told_of_a_comment_with_its_text(in_review, council, officer):
    services.evaluation_comment(
        cycle=in_review, actor=council["civil"], section="summary", text="Saknar siffror & fakta."
    )
    mails = _mails("council_commented")
    officers = {officer.email, in_review.created_by.email}  # every officer of Göteborg, each
    assert sorted(mail.recipients for mail in mails) == sorted([a] for a in officers)
    assert "Cilla Civil" in mails[0].body
    assert "Saknar siffror & fakta." in mails[0].body  # the member's words, not "&amp;"
    assert "kommenterat" in mails[0].subject


def test_an_approval_tells_the_officers_which_side_is_still_to_approve(
    in_review, council, officer, client
):
    services.evaluation_approve(cycle=in_review, actor=council["civil"])
    first = _mails("council_approved")[-1]
    assert len(_mails("council_approved")) == 2  # the two officers of Göteborg
    assert "En ledamot för kommunen behöver också godkänna" in first.body
    evaluation = in_review.evaluation
    assert services.evaluation_sides_waiting(evaluation) == [CouncilMembership.Side.MUNICIPALITY]

    client.force_login(officer)
    page = client.get(reverse("followup:evaluation", args=[in_review.pk])).content.decode()
    assert "behöver fortfarande godkännas av en ledamot för kommunen" in page

    services.evaluation_approve(cycle=in_review, actor=council["municipal"])
    last = _mails("council_approved")[-1]
    assert "kan publiceras" in last.subject and "du kan publicera den nu" in last.body
    assert services.evaluation_sides_waiting(evaluation) == []
    page = client.get(reverse("followup:evaluation", args=[in_review.pk])).content.decode()
    assert "behöver fortfarande godkännas" not in page


def test_members_whose_approval_lapsed_are_asked_again_and_only_they(in_review, council, officer):
    services.evaluation_approve(cycle=in_review, actor=council["civil"])
    services.evaluation_approve(cycle=in_review, actor=council["municipal"])
    services.evaluation_update(
        cycle=in_review, actor=officer, summary="Bra år.", conclusions="", recommendations=""
    )
    assert _mails("approve_again") == []  # nothing changed: nobody is asked again

    services.evaluation_update(
        cycle=in_review, actor=officer, summary="Ett bättre år.", conclusions="", recommendations=""
    )
    assert sorted(_recipients("approve_again")) == sorted(
        [[council["civil"].email], [council["municipal"].email]]
    )
    assert services.evaluation_sides_waiting(in_review.evaluation) == [
        CouncilMembership.Side.MUNICIPALITY,
        CouncilMembership.Side.CIVIL_SOCIETY,
    ]


def test_a_member_who_left_the_council_is_not_asked_again(in_review, council, officer):
    services.evaluation_approve(cycle=in_review, actor=council["civil"])
    services.evaluation_approve(cycle=in_review, actor=council["municipal"])
    CouncilMembership.objects.filter(user=council["civil"]).delete()
    services.evaluation_update(
        cycle=in_review, actor=officer, summary="Ett bättre år.", conclusions="", recommendations=""
    )
    assert _recipients("approve_again") == [[council["municipal"].email]]


def test_publication_is_announced_to_the_council_and_every_respondent_once(
    in_review, council, officer, django_capture_on_commit_callbacks
):
    services.evaluation_approve(cycle=in_review, actor=council["civil"])
    services.evaluation_approve(cycle=in_review, actor=council["municipal"])
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_publish(cycle=in_review, actor=officer)
    sent = [address for (address,) in _recipients("published")]
    respondent = in_review.rep.user.email
    expected = {member.email for member in council.values()} | {respondent}
    assert sorted(sent) == sorted(expected)  # one e-mail each, nobody twice
    public = reverse("followup:public-evaluation", args=[in_review.agreement.slug, in_review.pk])
    assert all(public in mail.body for mail in _mails("published"))


def test_a_refused_step_sends_nothing(in_review, officer):
    outsider = with_mfa(UserFactory())
    before = OutgoingMail.objects.count()
    with pytest.raises(services.ActionRefused):
        services.evaluation_approve(cycle=in_review, actor=outsider)
    with pytest.raises(services.ActionRefused):
        services.evaluation_publish(cycle=in_review, actor=officer)  # not approved yet
    assert OutgoingMail.objects.count() == before


def test_invitations_and_reminders_speak_to_the_respondent(in_review):
    (invitation,) = _mails("invitation")
    assert "du rapporterar för " + in_review.rep.organisation.name in invitation.body


def test_the_published_record_of_approvals_stays_as_it_was_approved(
    in_review, council, officer, django_capture_on_commit_callbacks
):
    """A member who leaves the council, or deletes their account, after publication is still
    named, for their side, on the published evaluation as on its PDF."""
    from followup.selectors import approvals_of_the_text

    services.evaluation_approve(cycle=in_review, actor=council["civil"])
    services.evaluation_approve(cycle=in_review, actor=council["municipal"])
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_publish(cycle=in_review, actor=officer)
    in_review.evaluation.refresh_from_db()
    before = [(a.name, a.side, a.approved_at) for a in approvals_of_the_text(in_review.evaluation)]
    assert ("Cilla Civil", "idéburen sektor") in [(n, s) for n, s, _at in before]

    CouncilMembership.objects.filter(user=council["civil"]).delete()
    council["civil"].first_name = "Raderad"
    council["civil"].save()
    after = [(a.name, a.side, a.approved_at) for a in approvals_of_the_text(in_review.evaluation)]
    assert after == before

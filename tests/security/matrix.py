"""The permission matrix: every URL pattern of the portal, what each role gets for GET and POST.

One ``Row`` per URL pattern (a few patterns have a second row, a *variant* such as a private
organisation or a published evaluation, keyed ``name@variant``). Each row knows how to build a
concrete address from the test world (``tests/security/test_permission_matrix.py`` builds it) and
the answer every role must get:

- an HTTP status (200, 400, 403, 404, 405, 409, …), or
- ``LOGIN``: a redirect to the site's login page (anonymous visitors of private pages),
- ``MFA``: a redirect to activating two-factor authentication,
- ``ADMIN_LOGIN``: a redirect to the admin's login (which sends on to the site's login, or
  refuses non-staff with 403: ``tests/portal/test_admin_access.py``),
- ``REAUTHENTICATE``: a redirect to confirm the password again (allauth's sensitive pages),
- ``302``: any other redirect (success after a POST, "already signed in", …).

POSTs send ``Row.data`` (an empty body unless a minimal valid body is what proves the refusal:
a comment form, for example, would otherwise stop at its own validation). The test client does
not enforce CSRF.

The admin has a pattern per model and kind of page; it is covered by one row per *kind* (the view
behind the pattern: changelist, change, add, delete, history, …): ``admin_kind`` names it, and the
completeness test accepts any pattern under ``admin/`` whose kind has a row (see ``ADMIN_PREFIX``
and ``admin_kind``). A new kind of admin page, like any new URL pattern, needs a row.

There are no static or media patterns: WhiteNoise serves static files from its middleware and
uploads are never served by Django. Patterns added with ``django.conf.urls.static.static()``
would be unnamed; an unnamed pattern is keyed by its route and needs a row like any other.

A cell marked ``# BUG:`` would hold the answer the portal gives today where the design says
otherwise; the comment says what it should be. Fix the view, then the cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

ROLES = (
    "anonymous",
    "representative_a",  # a representative (not admin) of organisation A, Göteborg
    "representative_b",  # the admin of organisation B, Göteborg: another organisation
    "organisation_admin",  # the admin of organisation A
    "officer_x",  # an officer of Göteborg (X), with MFA
    "officer_y",  # an officer of Borås (Y), with MFA
    "council_member",  # a member of Göteborg's council, with MFA
    "staff",  # is_staff and is_superuser, with MFA
)

LOGIN = "login"
MFA = "mfa"
ADMIN_LOGIN = "admin-login"
REAUTHENTICATE = "reauthenticate"

ADMIN_PREFIX = "admin/"


def cells(*, anonymous: Any, others: Any, **roles: Any) -> dict[str, Any]:
    """Every role's answer: ``others`` for each role not named."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return {role: anonymous if role == "anonymous" else roles.get(role, others) for role in ROLES}


def everyone(value: Any) -> dict[str, Any]:
    return dict.fromkeys(ROLES, value)


def private(anonymous: Any = LOGIN, others: Any = 403, **roles: Any) -> dict[str, Any]:
    """A page behind login: anonymous visitors log in, the named roles get their answer."""
    return cells(anonymous=anonymous, others=others, **roles)


PUBLIC = everyone(200)
READ_ONLY = everyone(405)  # @require_safe outermost: refused before any login check


@dataclass(frozen=True)
class Row:
    key: str  # the URL name ("organisations:sign"), with "@variant" for a second row
    url: Callable[[Any], str]  # the world -> a concrete address
    get: dict[str, Any]
    post: dict[str, Any]
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    # Where officers and council members need MFA: the method whose answer, for an officer or
    # council member without MFA, is the redirect to activate it (None: no MFA check here).
    mfa: str | None = None
    admin_kind: str | None = None  # for admin rows: the kind of admin page this row stands for

    @property
    def name(self) -> str:
        return self.key.split("@", 1)[0]

    def body(self, world) -> dict[str, Any]:
        return self.data(world) if callable(self.data) else self.data


def _r(name: str, *args) -> Callable[[Any], str]:
    """An address by URL name, its arguments taken from the world by attribute name."""

    def build(world) -> str:
        return reverse(name, args=[getattr(world, a) if isinstance(a, str) else a for a in args])

    return build


def _slug(name: str, slug: str = "goteborg") -> Callable[[Any], str]:
    return lambda world: reverse(name, kwargs={"slug": slug})


# --- The portal's own pages and the agreements (public) ---------------------------------------

PORTAL_ROWS = [
    Row("home", _r("home"), PUBLIC, READ_ONLY),
    Row("accessibility", _r("accessibility"), PUBLIC, READ_ONLY),
    Row("privacy", _r("privacy"), PUBLIC, READ_ONLY),
    Row("healthz", _r("healthz"), PUBLIC, READ_ONLY),
    # Django's language switch: GET and POST both send the visitor back (to "/" here); only a
    # POST sets the language.
    Row("set_language", _r("set_language"), everyone(302), everyone(302)),
    Row("agreements:list", _r("agreements:list"), PUBLIC, READ_ONLY),
    Row("agreements:detail", _slug("agreements:detail"), PUBLIC, READ_ONLY),
    Row("agreements:pdf", _slug("agreements:pdf"), PUBLIC, READ_ONLY),
    Row("agreements:comparison", _r("agreements:comparison"), PUBLIC, READ_ONLY),
]

# --- Organisations: the public register and open data -----------------------------------------

PUBLIC_ORGANISATION_ROWS = [
    Row("organisations:register", _r("organisations:register"), PUBLIC, READ_ONLY),
    # Organisation A has an active accession: public.
    Row("organisations:detail", _r("organisations:detail", "org_a"), PUBLIC, READ_ONLY),
    # Organisation B has only a pending accession: its existence is private (404), except to
    # those who may edit it (its representatives, its municipality's officers).
    Row(
        "organisations:detail@private",
        _r("organisations:detail", "org_b"),
        cells(anonymous=404, others=404, representative_b=200, officer_x=200),
        READ_ONLY,
    ),
    Row("organisations:open-data", _r("organisations:open-data"), PUBLIC, READ_ONLY),
    Row("organisations:register-csv", _r("organisations:register-csv"), PUBLIC, READ_ONLY),
    Row("organisations:register-json", _r("organisations:register-json"), PUBLIC, READ_ONLY),
    Row("organisations:agreement-json", _slug("organisations:agreement-json"), PUBLIC, READ_ONLY),
    Row("organisations:agreement-csv", _slug("organisations:agreement-csv"), PUBLIC, READ_ONLY),
]

# --- Organisations' own pages ---------------------------------------------------------------------

OF_A = {"representative_a": 200, "organisation_admin": 200}

SELFSERVICE_ROWS = [
    Row(
        "organisations:dashboard",
        _r("organisations:dashboard"),
        private(others=200),
        private(others=405),
        mfa="GET",
    ),
    Row(
        "organisations:create",
        _r("organisations:create"),
        private(others=200),
        private(others=400),  # an empty form
        mfa="GET",
    ),
    Row(
        "organisations:edit",
        _r("organisations:edit", "org_a"),
        private(**OF_A, officer_x=200),
        private(representative_a=400, organisation_admin=400, officer_x=400),
        mfa="GET",
    ),
    Row(
        "organisations:sign",
        _r("organisations:sign", "org_a"),
        private(**OF_A),
        # A has joined already: a conflict with the current state.
        private(representative_a=409, organisation_admin=409),
        mfa="GET",
    ),
    Row(
        "organisations:representatives",
        _r("organisations:representatives", "org_a"),
        private(**OF_A),
        private(others=405),  # each action posts to an address of its own (below)
        mfa="GET",
    ),
    # The representatives' page's actions, a POST view each: only the organisation's admins.
    Row(
        "organisations:representative-invite",
        _r("organisations:representative-invite", "org_a"),
        READ_ONLY,
        private(organisation_admin=400),  # an empty form
        mfa="POST",
    ),
    # Removing, answering a request and withdrawing an invitation name the object by id: an
    # empty POST names none (404).
    *[
        Row(
            f"organisations:{name}",
            _r(f"organisations:{name}", "org_a"),
            READ_ONLY,
            private(organisation_admin=404),
            mfa="POST",
        )
        for name in (
            "representative-remove",
            "access-request-approve",
            "access-request-decline",
            "invitation-revoke",
        )
    ],
    Row(
        "organisations:request-access",
        _r("organisations:request-access", "org_a"),
        # A's own representatives are sent to their pages; anyone else may ask.
        private(others=200, representative_a=302, organisation_admin=302),
        private(others=302),  # the message is optional: the request is made
        mfa="GET",
    ),
    # B is not in the public register: only those who may edit it (its municipality's officers)
    # reach the page without B's organisation number; everyone else gets 404, as on
    # organisations:detail. (With the number, from the duplicate-registration page, anyone may
    # ask: tests/organisations/test_request_access.py.)
    Row(
        "organisations:request-access@private",
        _r("organisations:request-access", "org_b"),
        private(others=404, representative_b=302, officer_x=200),
        private(others=404, representative_b=302, officer_x=302),
        mfa="GET",
    ),
    Row(
        "organisations:invitation",
        _r("organisations:invitation", "invitation_token"),
        # Anyone may open the link (it offers to log in or sign up); a signed-in person whose
        # address is not the invited one is refused.
        cells(anonymous=200, others=403),
        cells(anonymous=LOGIN, others=403),
    ),
    Row(
        "organisations:accession",
        _r("organisations:accession", "accession_a"),
        private(**OF_A, officer_x=200),
        private(others=405),
        mfa="GET",
    ),
    Row(
        "organisations:receipt",
        _r("organisations:receipt", "accession_a"),
        private(others=404, **OF_A, officer_x=200),  # private files: 404
        private(others=405),
        mfa="GET",
    ),
    Row(
        "organisations:minutes",
        _r("organisations:minutes", "accession_a"),
        private(others=404, **OF_A, officer_x=200),
        private(others=405),
        mfa="GET",
    ),
    # A has no scanned application: nothing to download for anyone.
    Row(
        "organisations:application",
        _r("organisations:application", "accession_a"),
        private(others=404),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "organisations:application-attach",
        _r("organisations:application-attach", "accession_a"),
        private(officer_x=200),
        private(officer_x=400),  # no file chosen
        mfa="GET",
    ),
    # Withdrawing is for the organisation's admins: a plain representative is told why not, and
    # who can (403); an empty POST lacks the reason and the confirmation (400).
    Row(
        "organisations:withdraw",
        _r("organisations:withdraw", "accession_a"),
        private(organisation_admin=200),
        private(organisation_admin=400),
        mfa="GET",
    ),
    # Answering the municipality's question: A's accession has none open (409, before the form).
    Row(
        "organisations:answer",
        _r("organisations:answer", "accession_a"),
        READ_ONLY,
        private(**dict.fromkeys(OF_A, 409)),
        mfa="POST",
    ),
    Row(
        "organisations:reconfirm",
        _r("organisations:reconfirm", "accession_a"),
        private(**OF_A),
        # A signed the version in force: nothing to re-confirm.
        private(representative_a=409, organisation_admin=409),
        mfa="GET",
    ),
]

# --- Officers' workspace --------------------------------------------------------------------------

OFFICERS = {"officer_x": 200, "officer_y": 200}

OFFICER_ROWS = [
    Row(
        "organisations:officer",
        _r("organisations:officer"),
        private(**OFFICERS),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "organisations:officer-organisations",
        _r("organisations:officer-organisations"),
        private(**OFFICERS),
        READ_ONLY,
        mfa="GET",
    ),
    # Every officer gets their own municipalities' organisations (tests/organisations).
    Row(
        "organisations:officer-organisations-csv",
        _r("organisations:officer-organisations-csv"),
        private(**OFFICERS),
        READ_ONLY,
        mfa="GET",
    ),
    # Every officer gets their own municipalities' organisations (tests/organisations).
    Row(
        "organisations:officer-organisations-xlsx",
        _r("organisations:officer-organisations-xlsx"),
        private(**OFFICERS),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "organisations:record",
        _r("organisations:record", "org_a"),
        private(officer_x=200),
        private(officer_x=409),  # A has an open accession already
        mfa="GET",
    ),
    Row(
        "organisations:officer-organisation-create",
        _r("organisations:officer-organisation-create"),
        private(**OFFICERS),
        private(officer_x=400, officer_y=400),  # an empty body: the form again
        mfa="GET",
    ),
    Row(
        "organisations:officer-import",
        _r("organisations:officer-import"),
        private(**OFFICERS),
        private(officer_x=400, officer_y=400),  # an empty body: no file chosen
        mfa="GET",
    ),
    Row(
        "organisations:officer-import-template",
        lambda world: reverse("organisations:officer-import-template", args=["xlsx"]),
        private(**OFFICERS),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "organisations:officer-import-confirm",
        lambda world: reverse("organisations:officer-import-confirm", args=["0" * 32]),
        READ_ONLY,
        private(officer_x=404, officer_y=404),  # no checked file of this session has the token
        mfa="POST",
    ),
    Row(
        "organisations:invite-reconfirm",
        _slug("organisations:invite-reconfirm"),
        READ_ONLY,
        private(officer_x=302),
        mfa="POST",
    ),
    Row(
        "organisations:verify",
        _r("organisations:verify", "accession_b"),
        READ_ONLY,
        private(officer_x=302),
        mfa="POST",
    ),
    Row(
        "organisations:reject",
        _r("organisations:reject", "accession_b"),
        READ_ONLY,
        private(officer_x=400),  # a rejection needs a reason
        mfa="POST",
    ),
    Row(
        "organisations:request-information",
        _r("organisations:request-information", "accession_b"),
        READ_ONLY,
        private(officer_x=400),  # a question is needed
        mfa="POST",
    ),
    Row(
        "organisations:officer-work-mail",
        _r("organisations:officer-work-mail"),
        READ_ONLY,
        private(officer_x=400, officer_y=400),  # a choice is needed
        mfa="POST",
    ),
    Row(
        "organisations:invite-admin",
        _r("organisations:invite-admin", "org_a"),
        READ_ONLY,
        private(officer_x=400),  # an address is needed (and A has an admin: 409 with one)
        mfa="POST",
    ),
]

# --- The person's own data (login only: no MFA needed to see or delete one's own data) --------

ACCOUNT_ROWS = [
    Row(
        "organisations:profile",
        _r("organisations:profile"),
        private(others=200),
        private(others=400),  # an empty form: nothing is saved
    ),
    Row("organisations:my-data", _r("organisations:my-data"), private(others=200), READ_ONLY),
    Row(
        "organisations:my-data-json",
        _r("organisations:my-data-json"),
        private(others=200),
        READ_ONLY,
    ),
    Row(
        "organisations:delete-account",
        _r("organisations:delete-account"),
        private(others=200),
        private(others=400),  # no password: nothing is deleted
    ),
]

# --- Follow-up ------------------------------------------------------------------------------------

FOLLOWUP_OFFICER_ROWS = [
    Row("followup:cycles", _r("followup:cycles"), private(**OFFICERS), READ_ONLY, mfa="GET"),
    Row(
        "followup:cycle-create",
        _slug("followup:cycle-create"),
        private(officer_x=200),
        private(officer_x=400),  # no rule chosen
        mfa="GET",
    ),
    Row(
        "followup:cycle",
        _r("followup:cycle", "open_cycle"),
        private(officer_x=200),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "followup:cycle-edit",
        _r("followup:cycle-edit", "draft_cycle"),
        private(officer_x=200),
        private(officer_x=400),
        mfa="GET",
    ),
    Row(
        "followup:questions",
        _r("followup:questions", "draft_cycle"),
        private(officer_x=200),
        private(officer_x=400),
        mfa="GET",
    ),
    Row(
        "followup:question-edit",
        _r("followup:question-edit", "draft_cycle", "draft_question"),
        private(officer_x=200),
        private(officer_x=400),
        mfa="GET",
    ),
    # Opening, closing and deleting: GET is the confirmation page, POST the step.
    Row(
        "followup:cycle-open",
        _r("followup:cycle-open", "draft_cycle"),
        private(officer_x=200),
        private(officer_x=302),
        mfa="GET",
    ),
    Row(
        "followup:cycle-schedule",
        _r("followup:cycle-schedule", "draft_cycle"),  # its opening date is ahead
        READ_ONLY,
        private(officer_x=302),
        mfa="POST",
    ),
    Row(
        "followup:cycle-unschedule",
        _r("followup:cycle-unschedule", "draft_cycle"),
        READ_ONLY,
        private(officer_x=409),  # a draft is not scheduled
        mfa="POST",
    ),
    Row(
        "followup:cycle-close",
        _r("followup:cycle-close", "open_cycle"),
        private(officer_x=200),
        private(officer_x=302),
        mfa="GET",
    ),
    Row(
        "followup:cycle-delete",
        _r("followup:cycle-delete", "draft_cycle"),
        private(officer_x=200),
        private(officer_x=302),
        mfa="GET",
    ),
    Row(
        "followup:cycle-reminders",
        _r("followup:cycle-reminders", "open_cycle"),
        private(officer_x=200),
        private(officer_x=400),
        data={"reminder_days": "0"},  # on the deadline: too late
        mfa="GET",
    ),
    Row(
        "followup:unit-recipient",
        _r("followup:unit-recipient", "draft_cycle", "unit"),
        private(officer_x=200),
        private(officer_x=400),  # no address
        mfa="GET",
    ),
    Row(
        "followup:cycle-remind",
        _r("followup:cycle-remind", "open_cycle"),
        READ_ONLY,
        private(officer_x=302),
        mfa="POST",
    ),
    Row(
        "followup:cycle-deadline",
        _r("followup:cycle-deadline", "open_cycle"),
        private(officer_x=200),
        private(officer_x=400),
        mfa="GET",
    ),
    Row(
        "followup:answers-csv",
        _r("followup:answers-csv", "open_cycle"),
        private(officer_x=200),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "followup:answers-xlsx",
        _r("followup:answers-xlsx", "open_cycle"),
        private(officer_x=200),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "followup:reports-csv",
        _r("followup:reports-csv", "open_cycle"),
        private(officer_x=200),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "followup:reports-xlsx",
        _r("followup:reports-xlsx", "open_cycle"),
        private(officer_x=200),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "followup:pending-csv",
        _r("followup:pending-csv", "open_cycle"),
        private(officer_x=200),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "followup:pending-xlsx",
        _r("followup:pending-xlsx", "open_cycle"),
        private(officer_x=200),
        READ_ONLY,
        mfa="GET",
    ),
    Row(
        "followup:report-reopen",
        _r("followup:report-reopen", "submitted_report"),
        READ_ONLY,
        private(officer_x=400),  # a reopening needs a reason
        mfa="POST",
    ),
]

FOLLOWUP_REPORT_ROWS = [
    Row(
        "followup:my-reports",
        _r("followup:my-reports"),
        private(others=200),
        private(others=405),
        mfa="GET",
    ),
    Row(
        "followup:report",
        _r("followup:report", "report_a"),
        # A's representatives file it; Göteborg's officers may read it.
        private(**OF_A, officer_x=200),
        private(representative_a=400, organisation_admin=400),  # an empty form
        mfa="GET",
    ),
]

READERS = {"officer_x": 200, "council_member": 200}
COMMENT = {"section": "summary", "text": "En kommentar från samrådet."}

FOLLOWUP_EVALUATION_ROWS = [
    Row(
        "followup:evaluation",
        _r("followup:evaluation", "review_cycle"),
        private(**READERS),
        private(others=405),
        mfa="GET",
    ),
    # The PDF's status of a draft: for its readers only. Officers and council members without
    # MFA are refused (403): the page that polls it is behind MFA.
    Row(
        "followup:pdf-status",
        _r("followup:pdf-status", "review_cycle"),
        private(**READERS),
        READ_ONLY,
    ),
    Row(
        "followup:pdf-status@published",
        _r("followup:pdf-status", "published_cycle"),
        PUBLIC,
        READ_ONLY,
    ),
    Row(
        "followup:evaluation-edit",
        _r("followup:evaluation-edit", "closed_cycle"),
        private(others=405),
        private(officer_x=302),  # the narrative may be empty
        mfa="POST",
    ),
    Row(
        "followup:evaluation-send",
        _r("followup:evaluation-send", "closed_cycle"),
        private(others=405),
        private(officer_x=302),
        mfa="POST",
    ),
    Row(
        "followup:evaluation-comment",
        _r("followup:evaluation-comment", "review_cycle"),
        private(others=405),
        # A valid comment, so that the refusal is the role's, not the form's.
        private(council_member=302),
        data=COMMENT,
        mfa="POST",
    ),
    Row(
        "followup:evaluation-approve",
        _r("followup:evaluation-approve", "review_cycle"),
        private(others=405),
        private(council_member=302),
        mfa="POST",
    ),
    Row(
        "followup:evaluation-publish",
        _r("followup:evaluation-publish", "review_cycle"),
        private(others=405),
        private(officer_x=409),  # the council has not approved it
        mfa="POST",
    ),
    Row(
        "followup:evaluation-retry-pdf",
        _r("followup:evaluation-retry-pdf", "published_cycle"),
        private(others=405),
        private(officer_x=409),  # only a failed PDF is made again
        mfa="POST",
    ),
    Row(
        "followup:public-evaluation",
        lambda w: reverse(
            "followup:public-evaluation", kwargs={"slug": "goteborg", "pk": w.published_cycle}
        ),
        PUBLIC,
        READ_ONLY,
    ),
    Row(
        "followup:public-evaluation-pdf",
        lambda w: reverse(
            "followup:public-evaluation-pdf", kwargs={"slug": "goteborg", "pk": w.published_cycle}
        ),
        PUBLIC,
        READ_ONLY,
    ),
    # The evaluation as a Word document: the draft's for its readers, as the draft's page; the
    # published one's for everyone, and none at the public address before publication.
    Row(
        "followup:evaluation-word",
        _r("followup:evaluation-word", "review_cycle"),
        private(**READERS),
        private(others=405),
        mfa="GET",
    ),
    Row(
        "followup:public-evaluation-word",
        lambda w: reverse(
            "followup:public-evaluation-word", kwargs={"slug": "goteborg", "pk": w.published_cycle}
        ),
        PUBLIC,
        READ_ONLY,
    ),
    Row(
        "followup:public-evaluation-word@draft",
        lambda w: reverse(
            "followup:public-evaluation-word", kwargs={"slug": "goteborg", "pk": w.review_cycle}
        ),
        everyone(404),
        READ_ONLY,
    ),
]

# --- Accounts (allauth, under /konto/) --------------------------------------------------------
# allauth's own answers: a signed-in person is sent on from login and signup (302), an invalid
# form is shown again with 200, sensitive MFA pages ask to reauthenticate first (the tests log
# in without a recent authentication), and pages about codes that do not exist answer 404.

SIGNED_IN_SENT_ON = cells(anonymous=200, others=302)
NO_LOGIN_IN_PROGRESS = cells(anonymous=LOGIN, others=302)
WITH_MFA = {"officer_x": 200, "officer_y": 200, "council_member": 200, "staff": 200}
NO_TOTP = {"representative_a": 404, "representative_b": 404, "organisation_admin": 404}

ALLAUTH_ROWS = [
    Row("account_login", _r("account_login"), SIGNED_IN_SENT_ON, SIGNED_IN_SENT_ON),
    Row("account_signup", _r("account_signup"), SIGNED_IN_SENT_ON, SIGNED_IN_SENT_ON),
    Row(
        "account_logout",
        _r("account_logout"),
        cells(anonymous=302, others=200),  # GET asks to confirm
        everyone(302),
    ),
    Row("account_inactive", _r("account_inactive"), PUBLIC, READ_ONLY),
    Row(
        "account_reauthenticate",
        _r("account_reauthenticate"),
        private(others=200),
        private(others=200),
    ),
    Row("account_email", _r("account_email"), private(others=200), private(others=302)),
    Row(
        "account_email_verification_sent", _r("account_email_verification_sent"), PUBLIC, READ_ONLY
    ),
    Row(
        "account_confirm_email",
        lambda w: reverse("account_confirm_email", args=["no-such-key"]),
        PUBLIC,  # explains that the link is invalid
        everyone(404),
    ),
    Row(
        "account_change_password",
        _r("account_change_password"),
        private(others=200),
        private(others=200),
    ),
    Row(
        "account_set_password",
        _r("account_set_password"),
        private(others=302),  # they have a password: sent to change it
        private(others=302),
    ),
    Row("account_reset_password", _r("account_reset_password"), PUBLIC, PUBLIC),
    Row("account_reset_password_done", _r("account_reset_password_done"), PUBLIC, READ_ONLY),
    Row(
        "account_reset_password_from_key",
        lambda w: reverse("account_reset_password_from_key", args=["0", "no-such-key"]),
        PUBLIC,  # explains that the link is invalid
        PUBLIC,
    ),
    Row(
        "account_reset_password_from_key_done",
        _r("account_reset_password_from_key_done"),
        PUBLIC,
        READ_ONLY,
    ),
    Row(
        "account_confirm_login_code",
        _r("account_confirm_login_code"),
        NO_LOGIN_IN_PROGRESS,
        NO_LOGIN_IN_PROGRESS,
    ),
    Row("mfa_index", _r("mfa_index"), private(others=200), private(others=405)),
    Row("mfa_authenticate", _r("mfa_authenticate"), NO_LOGIN_IN_PROGRESS, NO_LOGIN_IN_PROGRESS),
    Row(
        "mfa_reauthenticate",
        _r("mfa_reauthenticate"),
        private(others=REAUTHENTICATE, **WITH_MFA),  # without MFA: with the password instead
        private(others=REAUTHENTICATE, **WITH_MFA),
    ),
    Row(
        "mfa_activate_totp",
        _r("mfa_activate_totp"),
        private(others=REAUTHENTICATE),
        private(others=REAUTHENTICATE),
    ),
    Row(
        "mfa_deactivate_totp",
        _r("mfa_deactivate_totp"),
        private(others=REAUTHENTICATE, **NO_TOTP),
        private(others=REAUTHENTICATE, **NO_TOTP),
    ),
    Row(
        "mfa_view_recovery_codes",
        _r("mfa_view_recovery_codes"),
        private(others=404),  # none have been made
        private(others=405),
    ),
    Row(
        "mfa_generate_recovery_codes",
        _r("mfa_generate_recovery_codes"),
        private(others=REAUTHENTICATE),
        private(others=REAUTHENTICATE),
    ),
    Row(
        "mfa_download_recovery_codes",
        _r("mfa_download_recovery_codes"),
        private(others=404),
        private(others=404),
    ),
]

# --- The admin (one row per kind of admin page) ------------------------------------------------
# Staff (with MFA) reach it; anyone else is sent to the admin's login, which sends anonymous
# visitors to the site's login and refuses signed-in non-staff with 403 (the admin:login row).


def admin(staff: Any) -> dict[str, Any]:
    return cells(anonymous=ADMIN_LOGIN, others=ADMIN_LOGIN, staff=staff)


def _admin(key: str, kind: str, url, get, post) -> Row:
    return Row(key, url, admin(get), admin(post), admin_kind=kind)


def _admin_page(model: str, page: str, *args) -> Callable[[Any], str]:
    return _r(f"admin:{model}_{page}", *args)


ORGANISATION = "organisations_organisation"


def _goteborg() -> int:
    """Göteborg's agreement, which the world's organisations signed."""
    from agreements.models import Agreement

    return Agreement.objects.get(slug="goteborg").pk


def _goteborg_current() -> int:
    from agreements.models import AgreementVersion

    return AgreementVersion.objects.get(agreement__slug="goteborg", status="current").pk


def _goteborg_signed_principle() -> int:
    from agreements.models import Principle

    return Principle.objects.filter(version_id=_goteborg_current()).order_by("pk").first().pk


ADMIN_ROWS = [
    _admin("admin:index", "AdminSite.index", _r("admin:index"), 200, 200),
    Row(
        "admin:login",
        _r("admin:login"),
        cells(anonymous=LOGIN, others=403, staff=302),
        cells(anonymous=LOGIN, others=403, staff=302),
        admin_kind="PortalAdminSite.login",
    ),
    Row(
        "admin:logout",
        _r("admin:logout"),
        cells(anonymous=302, others=302, staff=405),  # logging out takes a POST
        cells(anonymous=302, others=302, staff=200),
        admin_kind="AdminSite.logout",
    ),
    _admin(
        "admin:password_change", "AdminSite.password_change", _r("admin:password_change"), 200, 200
    ),
    _admin(
        "admin:password_change_done",
        "AdminSite.password_change_done",
        _r("admin:password_change_done"),
        200,
        405,
    ),
    # Without the field and model to complete, even staff are refused.
    _admin("admin:autocomplete", "AdminSite.autocomplete_view", _r("admin:autocomplete"), 403, 405),
    _admin("admin:jsi18n", "AdminSite.i18n_javascript", _r("admin:jsi18n"), 200, 405),
    _admin(
        "admin:view_on_site",
        "shortcut",
        _r("admin:view_on_site", "organisation_type", "org_a"),
        302,
        302,
    ),
    _admin(
        "admin:app_list",
        "AdminSite.app_index",
        lambda w: reverse("admin:app_list", kwargs={"app_label": "organisations"}),
        200,
        200,
    ),
    _admin(
        "admin:(catch-all)",
        "AdminSite.catch_all_view",
        lambda w: reverse("admin:index") + "organisations/no-such-page/",
        404,
        404,
    ),
    # An object's address without a page: sent to its change page.
    _admin(
        "admin:(object-redirect)",
        "RedirectView",
        lambda w: reverse(f"admin:{ORGANISATION}_changelist") + f"{w.org_a}/",
        302,
        302,
    ),
    _admin(
        f"admin:{ORGANISATION}_changelist",
        "ModelAdmin.changelist_view",
        _admin_page(ORGANISATION, "changelist"),
        200,
        200,
    ),
    _admin(
        f"admin:{ORGANISATION}_add",
        "ModelAdmin.add_view",
        _admin_page(ORGANISATION, "add"),
        200,
        200,  # an empty form is shown again
    ),
    _admin(
        f"admin:{ORGANISATION}_change",
        "ModelAdmin.change_view",
        _admin_page(ORGANISATION, "change", "org_a"),
        200,
        200,
    ),
    # Organisations are never deleted (organisations.admin.NoDeleteMixin): even staff get 403.
    _admin(
        f"admin:{ORGANISATION}_delete",
        "ModelAdmin.delete_view",
        _admin_page(ORGANISATION, "delete", "org_a"),
        403,
        403,
    ),
    _admin(
        "admin:organisations_accession_history",
        "ModelAdmin.history_view",
        _admin_page("organisations_accession", "history", "accession_a"),
        200,
        200,
    ),
    _admin(
        f"admin:{ORGANISATION}_history",
        "SimpleHistoryAdmin.history_view",
        _admin_page(ORGANISATION, "history", "org_a"),
        200,
        200,
    ),
    _admin(
        f"admin:{ORGANISATION}_simple_history",
        "SimpleHistoryAdmin.history_form_view",
        _admin_page(ORGANISATION, "simple_history", "org_a", "org_a_history"),
        200,
        200,
    ),
    _admin("admin:auth_user_add", "UserAdmin.add_view", _admin_page("auth_user", "add"), 200, 200),
    # Accounts are anonymised, never deleted (organisations.admin.PortalUserAdmin): even staff
    # get 403 on the delete page; the anonymise page asks again unless "post=yes" is sent.
    _admin(
        "admin:auth_user_delete@no-delete",
        "ModelAdmin.delete_view",
        _admin_page("auth_user", "delete", "user_a"),
        403,
        403,
    ),
    # Agreement content: a signed version's parts cannot be deleted (agreements.admin): its
    # delete page sends even staff back to the change page with the reason.
    _admin(
        "admin:agreements_agreement_change",
        "ContentAdmin.change_view",
        lambda w: reverse("admin:agreements_agreement_change", args=[_goteborg()]),
        200,
        200,  # an empty form is shown again
    ),
    _admin(
        "admin:agreements_agreement_delete",
        "ContentAdmin.delete_view",
        lambda w: reverse("admin:agreements_agreement_delete", args=[_goteborg()]),
        302,
        302,
    ),
    # A signed version's text is read only: its page opens, a POST is refused (403).
    _admin(
        "admin:agreements_agreementversion_change",
        "SignedTextAdminMixin.change_view",
        lambda w: reverse("admin:agreements_agreementversion_change", args=[_goteborg_current()]),
        200,
        403,
    ),
    # A part of a signed version (a principle, a commitment, …) is read only in the same way.
    _admin(
        "admin:agreements_principle_change",
        "SignedTextAdminMixin.change_view",
        lambda w: reverse("admin:agreements_principle_change", args=[_goteborg_signed_principle()]),
        200,
        403,
    ),
    _admin(
        "admin:agreements_agreementversion_new_version",
        "AgreementVersionAdmin.new_version_view",
        lambda w: reverse(
            "admin:agreements_agreementversion_new_version", args=[_goteborg_current()]
        ),
        200,
        302,  # a draft is made, and its page opened
    ),
    # Only a draft is published: the version in force is refused with the reason (409).
    _admin(
        "admin:agreements_agreementversion_publish",
        "AgreementVersionAdmin.publish_view",
        lambda w: reverse("admin:agreements_agreementversion_publish", args=[_goteborg_current()]),
        200,
        409,
    ),
    _admin(
        "admin:auth_user_anonymise",
        "PortalUserAdmin.anonymise_view",
        _admin_page("auth_user", "anonymise", "user_a"),
        200,
        200,
    ),
    _admin(
        "admin:auth_user_password_change",
        "UserAdmin.user_change_password",
        _admin_page("auth_user", "password_change", "user_a"),
        200,
        200,
    ),
]

ROWS: list[Row] = [
    *PORTAL_ROWS,
    *PUBLIC_ORGANISATION_ROWS,
    *SELFSERVICE_ROWS,
    *OFFICER_ROWS,
    *ACCOUNT_ROWS,
    *FOLLOWUP_OFFICER_ROWS,
    *FOLLOWUP_REPORT_ROWS,
    *FOLLOWUP_EVALUATION_ROWS,
    *ALLAUTH_ROWS,
    *ADMIN_ROWS,
]

"""Every URL pattern, every role, GET and POST: the answer each must get (tests/security/matrix.py).

The world (two organisations, their accessions, Göteborg's cycles in each state, a published
evaluation, an invitation) is built once for this module inside a transaction that is rolled
back when the module ends, so nothing of it is left for other tests (pytest-django wraps each test
in a savepoint inside it, so what a POST changes is undone after the cell). Every user signs in
once, and each cell's client carries that session. PDFs are not rendered: the matrix is about who
gets what, and the PDF tests live with their apps.

A failing cell is named by its row, role and method, e.g.
``test_cell[organisations:sign[representative_b-POST]]``; run one row with
``-k "organisations:sign["``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from agreements.models import Agreement
from followup import services as followup
from followup.models import Evaluation
from organisations.models import Accession, Invitation, Organisation, Representative
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    mfa_officer,
    minimal_pdf,
    with_mfa,
)

from .matrix import ADMIN_LOGIN, ADMIN_PREFIX, LOGIN, MFA, REAUTHENTICATE, ROLES, ROWS, Row

STUB_PDF = b"%PDF-1.7\n% the matrix does not render PDFs\n"
DATABASE_SESSIONS = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
    "core.sessions",
)


# --- The URL patterns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route, e.g. "organisationer/<int:pk>/underteckna/"
    name: str | None  # with namespaces, e.g. "organisations:sign"
    callback: object

    @property
    def is_admin(self) -> bool:
        return self.route.startswith(ADMIN_PREFIX)

    @property
    def key(self) -> str:
        return self.name or self.route


def admin_kind(callback) -> str:
    """The kind of admin page a pattern leads to: the view behind it (the same for every model)."""
    view_class = getattr(callback, "view_class", None)
    return view_class.__name__ if view_class else callback.__qualname__


def url_patterns(patterns=None, prefix: str = "", namespace: str | None = None) -> list[Pattern]:
    """Every pattern of the project's URL configuration, with its full route and name."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            found += url_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            found.append(Pattern(prefix + str(entry.pattern), name, entry.callback))
    return found


def test_every_url_pattern_has_a_row():
    keys = {row.name for row in ROWS if row.admin_kind is None}
    admin_kinds = {row.admin_kind for row in ROWS if row.admin_kind}
    missing = [
        f"{p.route} ({p.name or 'unnamed'})"
        + (f", admin kind {admin_kind(p.callback)}" if p.is_admin else "")
        for p in url_patterns()
        if (admin_kind(p.callback) not in admin_kinds if p.is_admin else p.key not in keys)
    ]
    assert not missing, "URL patterns without a row in tests/security/matrix.py:\n" + "\n".join(
        missing
    )


def test_every_row_stands_for_an_existing_url_pattern():
    patterns = url_patterns()
    keys = {p.key for p in patterns if not p.is_admin}
    admin_kinds = {admin_kind(p.callback) for p in patterns if p.is_admin}
    stale = [
        row.key
        for row in ROWS
        if (row.admin_kind not in admin_kinds if row.admin_kind else row.name not in keys)
    ]
    assert not stale, "Rows whose URL pattern no longer exists: " + ", ".join(stale)


def test_rows_are_unique_and_complete():
    keys = [row.key for row in ROWS]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for row in ROWS:
        assert set(row.get) == set(ROLES), row.key
        assert set(row.post) == set(ROLES), row.key


# --- The world ----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, AbstractBaseUser]
    storage: FileSystemStorage
    org_a: int = 0
    org_b: int = 0
    accession_a: int = 0
    accession_b: int = 0
    invitation_token: str = ""
    draft_cycle: int = 0
    draft_question: int = 0
    open_cycle: int = 0
    report_a: int = 0
    submitted_report: int = 0
    closed_cycle: int = 0
    review_cycle: int = 0
    published_cycle: int = 0
    unit: int = 0  # a board of Göteborg with nobody to receive its mail
    org_a_history: int = 0
    user_a: int = 0
    organisation_type: int = 0
    without_mfa: dict[str, AbstractBaseUser] = field(default_factory=dict)
    sessions: dict[int, str] = field(default_factory=dict)  # user id -> a signed-in session

    def sign_in(self) -> None:
        """One session per user, made once: logging in for every cell would double the time.

        Only where sessions live in the database (rolled back with each cell's changes); with
        another session engine each cell logs in for itself.
        """
        if settings.SESSION_ENGINE not in DATABASE_SESSIONS:
            return
        for user in [*self.users.values(), *self.without_mfa.values()]:
            client = Client()
            client.force_login(user)
            self.sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value


def _submit(report, user) -> None:
    answers = [
        followup.AnswerInput(question_id=q.pk, score=4)
        for q in report.cycle.questions.all()
        if q.asks(report.group) and q.answer_kind == "scale"
    ]
    followup.report_save(
        report=report, actor=user, answers=answers, based_on_revision=0, submit=True
    )


def build_world(storage: FileSystemStorage) -> World:
    """Göteborg (X) and Borås (Y); organisations A (active accession, with minutes), B (pending)
    and C (active, not one of the roles: its report is the submitted one); Göteborg's follow-up
    cycles in each state: published (PDF ready), in review, closed, open, draft."""
    goteborg = Agreement.objects.get(slug="goteborg")
    org_a = OrganisationFactory(name="Matrisföreningen A")
    org_b = OrganisationFactory(name="Matrisföreningen B")
    org_c = OrganisationFactory(name="Matrisföreningen C")
    role = Representative.Role
    users = {
        "representative_a": RepresentativeFactory(
            organisation=org_a, role=role.REPRESENTATIVE
        ).user,
        "representative_b": RepresentativeFactory(organisation=org_b, role=role.ADMIN).user,
        "organisation_admin": RepresentativeFactory(organisation=org_a, role=role.ADMIN).user,
        "officer_x": mfa_officer("goteborg"),
        "officer_y": mfa_officer("boras"),
        "council_member": with_mfa(CouncilMembershipFactory(agreement=goteborg).user),
        "staff": with_mfa(UserFactory(is_staff=True, is_superuser=True)),
    }
    without_mfa = {
        "officer_x": OfficerRoleFactory().user,
        "council_member": CouncilMembershipFactory(agreement=goteborg).user,
    }
    accession_a = AccessionFactory(
        organisation=org_a,
        basis=Accession.Basis.BOARD_DECISION,
        board_decision_date=datetime.date(2024, 3, 1),
    )
    accession_a.minutes.save("protokoll.pdf", ContentFile(minimal_pdf()))
    accession_b = AccessionFactory(organisation=org_b, status=Accession.Status.PENDING)
    AccessionFactory(organisation=org_c)
    rep_c = RepresentativeFactory(organisation=org_c)
    invitation = Invitation.objects.create(
        organisation=org_a,
        email="inbjuden@example.se",
        invited_by=users["organisation_admin"],
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )

    rule = goteborg.current_version.followup_rules.get(kind="followup")
    officer = users["officer_x"]
    member = users["council_member"]

    def cycle(*steps):
        created = followup.cycle_create(agreement=goteborg, rule=rule, actor=officer)
        for step in steps:
            step(created)
        created.refresh_from_db()
        return created

    def opened(c):
        followup.cycle_open(cycle=c, actor=officer)

    def closed(c):
        followup.cycle_close(cycle=c, actor=officer)

    def sent(c):
        followup.evaluation_send_to_council(cycle=c, actor=officer)

    def published(c):
        for user in (member, without_mfa["council_member"]):
            followup.evaluation_approve(cycle=c, actor=user)
        evaluation = followup.evaluation_publish(cycle=c, actor=officer)
        # Marked ready without rendering: the PDF's own tests render it.
        evaluation.pdf.save("utvardering.pdf", ContentFile(minimal_pdf()), save=False)
        evaluation.pdf_status = Evaluation.PdfStatus.READY
        evaluation.save()

    published_cycle = cycle(opened, closed, sent, published)
    review_cycle = cycle(opened, closed, sent)
    closed_cycle = cycle(opened, closed)
    open_cycle = cycle(opened)
    submitted = open_cycle.reports.get(organisation=org_c)
    _submit(submitted, rep_c.user)
    draft_cycle = cycle()
    unit = MunicipalUnitFactory(municipality=goteborg.municipality, name="Matrisnämnden")

    return World(
        users=users,
        without_mfa=without_mfa,
        storage=storage,
        org_a=org_a.pk,
        org_b=org_b.pk,
        accession_a=accession_a.pk,
        accession_b=accession_b.pk,
        invitation_token=str(invitation.token),
        draft_cycle=draft_cycle.pk,
        draft_question=draft_cycle.questions.first().pk,
        open_cycle=open_cycle.pk,
        report_a=open_cycle.reports.get(organisation=org_a).pk,
        submitted_report=submitted.pk,
        closed_cycle=closed_cycle.pk,
        review_cycle=review_cycle.pk,
        published_cycle=published_cycle.pk,
        unit=unit.pk,
        org_a_history=org_a.history.first().history_id,
        user_a=users["representative_a"].pk,
        organisation_type=ContentType.objects.get_for_model(Organisation).pk,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once, in a transaction rolled back when the module's tests are done.

    Each test runs in a savepoint inside it (pytest-django), so a POST's changes, a logout or a
    deleted account are undone before the next cell.
    """
    storage = FileSystemStorage(location=tmp_path_factory.mktemp("matrix-files"))
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(Accession._meta.get_field("minutes"), "storage", storage)
        patch.setattr(Evaluation._meta.get_field("pdf"), "storage", storage)
        with transaction.atomic():
            world = build_world(storage)
            world.sign_in()
            yield world
            transaction.set_rollback(True)


@pytest.fixture
def matrix(world, db, _temporary_files, monkeypatch):
    """The world for one test: its files where the world put them, PDFs not rendered."""
    monkeypatch.setattr(Accession._meta.get_field("minutes"), "storage", world.storage)
    monkeypatch.setattr(Evaluation._meta.get_field("pdf"), "storage", world.storage)
    monkeypatch.setattr("agreements.views.render_pdf", lambda *a, **k: STUB_PDF)
    monkeypatch.setattr(
        "organisations.views.selfservice.accessions.render_pdf", lambda *a, **k: STUB_PDF
    )
    return world


# --- The cells ----------------------------------------------------------------------------------


def outcome(response):
    """The status; for a redirect to login, MFA activation, the admin's login or
    reauthentication, its name (matrix.LOGIN, …)."""
    if response.status_code in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        named = {
            reverse("account_login"): LOGIN,
            reverse("mfa_activate_totp"): MFA,
            reverse("admin:login"): ADMIN_LOGIN,
            reverse("account_reauthenticate"): REAUTHENTICATE,
        }
        return named.get(path, response.status_code)
    return response.status_code


def request(world: World, row: Row, method: str, user=None):
    client = Client(raise_request_exception=False)
    if user is not None and user.pk in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[user.pk]
    elif user is not None:
        client.force_login(user)
    url = row.url(world)
    if method == "GET":
        return url, client.get(url)
    return url, client.post(url, row.body(world))


def _describe(url, response) -> str:
    location = f" -> {response['Location']}" if response.has_header("Location") else ""
    return f"{url} answered {response.status_code}{location}"


CELLS = [
    pytest.param(row, role, method, id=f"{row.key}[{role}-{method}]")
    for row in ROWS
    for role in ROLES
    for method in ("GET", "POST")
]


@pytest.mark.parametrize(("row", "role", "method"), CELLS)
def test_cell(matrix, row, role, method):
    user = None if role == "anonymous" else matrix.users[role]
    url, response = request(matrix, row, method, user)
    expected = (row.get if method == "GET" else row.post)[role]
    assert outcome(response) == expected, _describe(url, response)
    if user is not None:
        # Whatever a signed-in user gets may carry personal data: no cache may keep it.
        policy = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= policy, f"{url}: Cache-Control {policy}"


def test_each_row_builds_an_address_of_its_own_pattern(matrix):
    """A row whose address led to another pattern would assert that pattern's answers."""
    wrong = []
    for row in ROWS:
        match = resolve(urlsplit(row.url(matrix)).path)
        if row.admin_kind:
            found = admin_kind(match.func)
        else:
            found = match.view_name if match.url_name else match.route
        if found != (row.admin_kind or row.name):
            wrong.append(f"{row.key} -> {found}")
    assert not wrong, wrong


# --- Two-factor authentication ------------------------------------------------------------------

NO_MFA = [
    pytest.param(row, role, id=f"{row.key}[{role}_without_mfa-{row.mfa}]")
    for row in ROWS
    if row.mfa
    for role in ("officer_x", "council_member")
]


@pytest.mark.parametrize(("row", "role"), NO_MFA)
def test_officers_and_council_members_without_mfa_are_sent_to_activate_it(matrix, row, role):
    url, response = request(matrix, row, row.mfa, matrix.without_mfa[role])
    assert outcome(response) == MFA, _describe(url, response)


@pytest.mark.parametrize("role", ["officer_x", "council_member"])
def test_draft_pdf_status_refuses_readers_without_mfa(matrix, role):
    """A JSON endpoint polled by a page behind MFA: refused outright rather than redirected."""
    row = next(r for r in ROWS if r.key == "followup:pdf-status")
    url, response = request(matrix, row, "GET", matrix.without_mfa[role])
    assert response.status_code == 403, _describe(url, response)

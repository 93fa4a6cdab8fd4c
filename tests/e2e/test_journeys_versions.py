"""The agreement's text changed the safe way, clicked through in Chromium (issue 17, item 1).

An editor opens the version in force in the admin (read only: organisations signed it), makes a
new version, edits a principle of the draft, publishes it; an organisation that signed the old
version finds the new one waiting for its re-confirmation and signs it. Every page on the way is
audited as in test_journeys.py (axe-core, reflow, the Nu Html Checker).
"""

import re

import pytest

from agreements.models import Agreement, AgreementVersion
from organisations.models import Accession
from tests.e2e.test_journeys import account_menu, field, log_in, main_menu, sv
from tests.factories import (
    AccessionFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    with_mfa,
)

pytestmark = pytest.mark.browser


def test_an_editor_makes_a_new_version_and_an_organisation_re_confirms(site):
    agreement = Agreement.objects.get(municipality__slug="goteborg")
    old = agreement.current_version
    organisation = OrganisationFactory(name="Föreningen Lönnen")
    secretary = RepresentativeFactory(organisation=organisation).user
    accession = AccessionFactory(organisation=organisation)
    editor = with_mfa(UserFactory(is_staff=True, is_superuser=True))
    principle = old.principles.order_by("order").first()

    desk = site.visitor()
    page = desk.goto("/")
    log_in(desk, editor.email, mfa=True)
    desk.follow(account_menu(page).get_by_role("link", name=sv("Administration")))
    desk.audit("admin index")
    content = page.locator("#content-main")
    desk.follow(content.get_by_role("link", name=sv("agreement versions").capitalize()))
    desk.audit("admin versions")
    desk.follow(content.get_by_role("link", name=old.title).first)
    desk.audit("admin version in force", screenshot="admin-version-signed")
    assert page.locator("#agreementversion_form input[name=title]").count() == 0  # read only

    desk.follow(page.get_by_role("link", name=sv("New version")))
    desk.audit("admin new version", screenshot="admin-new-version")
    desk.follow(page.get_by_role("button", name=sv("Make a draft of a new version")))
    desk.audit("admin draft")
    draft = agreement.versions.get(status=AgreementVersion.Status.DRAFT)
    old.refresh_from_db()
    assert old.status == AgreementVersion.Status.CURRENT  # until the draft is published
    parts = page.locator(".version-parts")
    desk.follow(parts.get_by_role("link", name=sv("principles").capitalize()))
    desk.audit("admin draft principles")
    desk.follow(content.get_by_role("link", name=principle.title))
    desk.audit("admin draft principle")
    body = page.locator("textarea[name=body]")
    body.fill(body.input_value() + "\n\nTillägg antaget 2027.")
    desk.follow(page.locator("#principle_form").get_by_role("button", name="Spara", exact=True))
    desk.audit("admin principle saved")

    desk.goto(f"/admin/agreements/agreementversion/{draft.pk}/change/")
    desk.follow(page.get_by_role("link", name=sv("Publish")))
    desk.audit("admin publish", screenshot="admin-publish")
    desk.follow(page.get_by_role("button", name=sv("Publish")))
    desk.audit("admin published")
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == AgreementVersion.Status.CURRENT
    assert old.status == AgreementVersion.Status.REPLACED
    assert page.get_by_text(sv("The new version is in force.")).count() == 1

    # The public reads the new text; the signed one is kept as it was.
    public = site.visitor()
    public.goto("/")
    public.follow(main_menu(public.page).get_by_role("link", name=sv("Agreements")))
    public.follow(public.page.get_by_role("link", name=re.compile("Göteborg")).first)
    public.audit("agreement with the new version")
    assert "Tillägg antaget 2027." in public.page.locator("main").inner_text()
    assert "Tillägg antaget 2027." not in old.principles.get(pk=principle.pk).body

    # The organisation is asked to re-confirm, and signs the new version.
    member = site.visitor()
    page = member.goto("/")
    log_in(member, secretary.email)
    member.follow(account_menu(page).get_by_role("link", name=sv("My pages")))
    member.audit("my pages with a new version", screenshot="reconfirm-waiting")
    member.follow(
        page.get_by_role(
            "link", name=re.compile(re.escape(sv("Re-confirm for the new version")))
        ).first
    )
    member.audit("re-confirm", screenshot="reconfirm")
    facts = page.locator(".agreement-facts").inner_text()
    assert f"({old.key})" in facts and f"({draft.key})" in facts  # which is which
    field(page, sv("We confirm the declaration above on behalf of the organisation.")).check()
    field(page, sv(Accession.Basis.SIGNATORY.label)).check()
    field(page, sv("Your full name")).fill("Lena Lönn")
    field(page, sv("Your title or role in the organisation")).fill("Sekreterare")
    member.follow(page.locator("main").get_by_role("button", name=sv("Sign the new version")))
    member.audit("re-confirmed")
    signed = organisation.accessions.exclude(pk=accession.pk).get()
    assert signed.version == draft and signed.status == Accession.Status.PENDING
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE  # until the new one is verified

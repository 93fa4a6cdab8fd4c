"""The issue's journeys, clicked through from the home page as a person would, in Chromium.

Every page on the way is audited (axe-core, reflow at 320 px and 200 %, the Nu Html Checker):
see conftest.py. Links, buttons and fields are found by their role and visible name, in the
Swedish the site shows by default, taken from the translation catalogue (``sv``) so that a
changed wording changes the test with it.
"""

import io
import re

import pytest
from django.core import mail
from django.utils import translation
from openpyxl import load_workbook

from agreements.models import Agreement
from followup.models import Cycle
from organisations.models import Accession, Organisation
from tests.e2e.conftest import PASSWORD, totp_code
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    mfa_officer,
    with_mfa,
)
from tests.followup.worlds import closed_cycle, publish

pytestmark = pytest.mark.browser


def sv(message: str) -> str:
    """The Swedish the site shows for an English msgid."""
    with translation.override("sv"):
        return str(translation.gettext(message))


def en(message: str) -> str:
    return message


def exact(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def field(page, label: str):
    """The form field with this label (crispy-forms marks a required field with an asterisk)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$", re.IGNORECASE))


def textbox(page, label: str):
    """A text field with this label, where a section of the page has the same name."""
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\*?$", re.I))


def account_menu(page, t=sv):
    return page.get_by_role("navigation", name=t("Your account"))


def main_menu(page, t=sv):
    return page.get_by_role("navigation", name=t("Main menu"))


def log_in(visitor, email: str, *, mfa: bool = False, t=sv):
    """Log in from the link in the header, with the authenticator code when asked for it."""
    page = visitor.page
    visitor.follow(page.get_by_role("link", name=t("Log in"), exact=True))
    visitor.audit("log in")
    enter_credentials(visitor, email, mfa=mfa, t=t)


def enter_credentials(visitor, email: str, *, mfa: bool = False, t=sv):
    """Fill in the login form (and the two-factor code); the person is then logged in."""
    page = visitor.page
    field(page, t("Email")).fill(email)
    field(page, t("Password")).fill(PASSWORD)
    visitor.follow(page.locator("main").get_by_role("button", name=t("Sign In")))
    if mfa:
        visitor.audit("two-factor code")
        field(page, t("Code")).fill(totp_code())
        visitor.follow(page.locator("main").get_by_role("button", name=t("Sign In")))
    assert account_menu(page, t).get_by_role("button", name=t("Log out")).count() == 1


def log_out(visitor, t=sv):
    visitor.follow(visitor.page.get_by_role("button", name=t("Log out")))
    visitor.page.wait_for_load_state("load")


def test_public_reads_compares_finds_and_downloads(site, django_capture_on_commit_callbacks):
    """The public reads an agreement, compares principles, finds an organisation in the register,
    downloads an agreement PDF and a published evaluation PDF."""
    organisation = OrganisationFactory(name="Föreningen Solrosen")
    AccessionFactory(organisation=organisation)
    cycle = publish(
        closed_cycle(django_capture_on_commit_callbacks),
        with_mfa(OfficerRoleFactory().user),
        with_mfa(CouncilMembershipFactory().user),
        django_capture_on_commit_callbacks,
    )
    goteborg = Agreement.objects.get(slug="goteborg")

    visitor = site.visitor()
    page = visitor.goto("/")
    visitor.audit("home", screenshot="home")

    visitor.follow(page.get_by_role("link", name=goteborg.title))
    visitor.audit("agreement", screenshot="agreement")
    assert page.get_by_role("heading", level=1).inner_text() == goteborg.title
    pdf, name = visitor.download(
        page.get_by_role("link", name=sv("Download the agreement as PDF")).click
    )
    assert pdf.startswith(b"%PDF-") and name.endswith(".pdf")

    main_menu(page).get_by_role("link", name=sv("Compare principles")).click()
    visitor.audit("comparison", screenshot="comparison")
    assert page.get_by_role("heading", level=1).inner_text() == sv(
        "Compare the agreements' principles"
    )

    main_menu(page).get_by_role("link", name=sv("Organisations")).click()
    visitor.audit("register", screenshot="register")
    field(page, sv("Search by name or organisation number")).fill("Solrosen")
    visitor.follow(page.get_by_role("button", name=sv("Show organisations")))
    visitor.audit("register search")
    visitor.follow(page.get_by_role("link", name="Föreningen Solrosen"))
    visitor.audit("organisation")
    assert page.get_by_role("heading", level=1).inner_text() == "Föreningen Solrosen"

    visitor.follow(page.get_by_role("link", name=goteborg.title).first)
    visitor.follow(page.get_by_role("link", name=cycle.title, exact=True))
    visitor.audit("published evaluation", screenshot="evaluation")
    pdf, name = visitor.download(
        page.get_by_role("link", name=sv("Download the evaluation as PDF")).click
    )
    assert pdf.startswith(b"%PDF-") and name.endswith(".pdf")


def test_organisation_joins_is_verified_and_withdraws(site):
    """A new organisation signs up, verifies its e-mail, registers its organisation and signs;
    an officer logs in with two-factor authentication and verifies the accession; the
    organisation appears in the public register, downloads its receipt, later withdraws and
    disappears from the register."""
    officer = mfa_officer("goteborg")
    name = "Föreningen Klöverbladet"

    person = site.visitor()
    page = person.goto("/")
    sign_up_and_register(person, name)
    organisation = Organisation.objects.get(name=name)

    # The name given at sign-up: on the account's page and in the list of representatives.
    person.follow(account_menu(page).get_by_role("link", name=sv("Account")))
    person.audit("name and language", screenshot="account-name")
    assert field(page, sv("First name")).input_value() == "Klara"
    assert field(page, sv("Last name")).input_value() == "Klöver"
    person.follow(account_menu(page).get_by_role("link", name=sv("My pages")))
    person.follow(
        page.get_by_role("link", name=re.compile(re.escape(sv("Manage representatives"))))
    )
    person.audit("representatives")
    names = page.locator(f'main td[data-label="{sv("Name")}"]')
    assert names.filter(has_text="Klara Klöver").count() == 1
    history = page.locator(f'main td[data-label="{sv("Who")}"]')
    assert history.filter(has_text="Klara Klöver").count() == 1  # she registered it
    person.follow(account_menu(page).get_by_role("link", name=sv("My pages")))

    person.follow(page.get_by_role("link", name=re.compile(re.escape(sv("Sign the agreement")))))
    person.audit("sign", screenshot="sign")
    sign = page.locator("main").get_by_role("button", name=sv("Sign the agreement"))
    field(page, sv("We confirm the declaration above on behalf of the organisation.")).check()
    field(page, sv(Accession.Basis.BOARD_DECISION.label)).check()  # but no date of the decision
    field(page, sv("Your full name")).fill("Klara Klöver")
    field(page, sv("Your title or role in the organisation")).fill("Ordförande")
    person.follow(sign)
    person.audit("sign with errors", status=400)
    assert not organisation.accessions.exists()
    field(page, sv("We confirm the declaration above on behalf of the organisation.")).check()
    field(page, sv(Accession.Basis.SIGNATORY.label)).check()
    person.follow(sign)
    person.audit("signed")
    accession = organisation.accessions.get()
    assert accession.status == Accession.Status.PENDING

    clerk = site.visitor()
    clerk.goto("/")
    log_in(clerk, officer.email, mfa=True)
    clerk.follow(account_menu(clerk.page).get_by_role("link", name=sv("Officer workspace")))
    clerk.audit("officer queue", screenshot="officer-queue")
    clerk.follow(
        clerk.page.get_by_role("link", name=re.compile(re.escape(sv("Open to decide")))).first
    )
    clerk.audit("accession to decide")
    clerk.follow(clerk.page.get_by_role("button", name=sv("Verify the accession")))
    clerk.audit("verified")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE

    public = site.visitor()
    public.goto("/")
    public.follow(main_menu(public.page).get_by_role("link", name=sv("Organisations")))
    assert public.page.get_by_role("link", name=name).count() == 1

    person.follow(account_menu(page).get_by_role("link", name=sv("My pages")))
    person.audit("my pages with an accession")
    pdf, filename = person.download(
        page.get_by_role("link", name=re.compile(re.escape(sv("Download the receipt (PDF)")))).click
    )
    assert pdf.startswith(b"%PDF-") and filename.endswith(".pdf")

    person.follow(
        page.get_by_role("link", name=re.compile(re.escape(sv("Withdraw from the agreement"))))
    )
    person.audit("withdraw")
    field(page, sv("Reason for withdrawing")).fill("Föreningen läggs ned.")
    page.get_by_label(
        sv("I confirm, as the organisation's admin, that the organisation leaves the agreement.")
    ).check()
    person.follow(
        page.locator("main").get_by_role("button", name=sv("Withdraw from the agreement"))
    )
    person.audit("withdrawn")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.WITHDRAWN

    public.page.reload()
    public.audit("register after the withdrawal")
    assert public.page.get_by_role("link", name=name).count() == 0


def sign_up_and_register(person, name: str, *, email: str = "klara@klover.example.se"):
    """Create an account, open the link in the confirmation e-mail, register the organisation."""
    page = person.page
    person.follow(page.get_by_role("link", name=sv("Create account")))
    person.audit("sign up")
    field(page, sv("First name")).fill("Klara")
    field(page, sv("Last name")).fill("Klöver")
    field(page, sv("Email")).fill(email)
    field(page, sv("Password")).fill(PASSWORD)
    field(page, sv("Password (again)")).fill("not the same password")
    person.follow(page.locator("main").get_by_role("button", name=sv("Sign Up")))
    person.audit("sign up with errors", status=(200, 400))
    assert (
        page.locator("main").get_by_text(sv("You must type the same password each time.")).count()
    )
    field(page, sv("Password")).fill(PASSWORD)
    field(page, sv("Password (again)")).fill(PASSWORD)
    person.follow(page.locator("main").get_by_role("button", name=sv("Sign Up")))
    person.audit("verify your e-mail")

    message = mail.outbox[-1]
    assert message.to == [email]
    link = re.search(r"https?://[^/\s]+(/\S+/confirm-email/\S+?/)", message.body).group(1)
    page.goto(link)
    person.audit("confirm e-mail")
    person.follow(page.locator("main").get_by_role("button", name=sv("Confirm")))
    person.audit("logged in")

    person.follow(account_menu(page).get_by_role("link", name=sv("My pages")))
    person.audit("my pages")
    person.follow(page.get_by_role("link", name=sv("Register an organisation")))
    person.audit("register organisation", screenshot="register-organisation")
    field(page, sv("Name")).fill(name)
    field(page, sv("legal form")).select_option(value="association")
    field(page, sv("Municipality")).select_option(label="Göteborgs Stad")
    field(page, sv("public e-mail")).fill("info@klover.example.se")
    register = page.locator("main").get_by_role("button", name=sv("Register the organisation"))
    person.follow(register)
    person.audit("register organisation with errors", status=400)
    field(page, sv("Organisation number")).fill(OrganisationFactory.build().organisation_number)
    person.follow(register)
    person.audit("registered")


def test_follow_up_from_cycle_to_published_pdf(site):
    """An officer opens a follow-up cycle; a representative saves a draft, comes back and
    submits; the officer compiles the evaluation; a council member comments and approves; the
    officer publishes; the public downloads the PDF."""
    officer = mfa_officer("goteborg")
    member = with_mfa(CouncilMembershipFactory().user)
    representative = RepresentativeFactory(organisation__name="Föreningen Vinbäret")
    AccessionFactory(organisation=representative.organisation)

    clerk = site.visitor()
    page = clerk.goto("/")
    log_in(clerk, officer.email, mfa=True)
    clerk.follow(account_menu(page).get_by_role("link", name=sv("Follow-up")))
    clerk.audit("follow-up cycles")
    clerk.follow(
        page.get_by_role(
            "link", name=re.compile(re.escape(sv("Create the next cycle: %(kind)s").split("%(")[0]))
        ).first
    )
    clerk.audit("create a cycle")
    clerk.follow(page.get_by_role("button", name=sv("Create the cycle as a draft")).first)
    clerk.audit("draft cycle")
    clerk.follow(page.get_by_role("link", name=sv("Open the cycle…")))
    clerk.audit("confirm opening")
    clerk.follow(page.get_by_role("button", name=sv("Open the cycle and invite the respondents")))
    clerk.audit("open cycle")
    cycle_url = page.url

    respondent = site.visitor()
    rpage = respondent.goto("/")
    log_in(respondent, representative.user.email)
    respondent.follow(account_menu(rpage).get_by_role("link", name=sv("My reports")))
    respondent.audit("my reports")
    respondent.follow(
        rpage.locator("main").get_by_role("link", name=re.compile("Föreningen Vinbäret"))
    )
    respondent.audit("report form", screenshot="report-form")
    scales = rpage.locator("fieldset.report-question")
    first = scales.first
    first.get_by_role("radio", name="4").first.check()
    first.get_by_role("textbox").first.fill("Bra dialog under året.")
    respondent.follow(rpage.get_by_role("button", name=sv("Save draft")))
    respondent.audit("draft saved")
    respondent.follow(rpage.get_by_role("button", name=sv("Submit")))
    respondent.audit("report with errors", status=400)
    log_out(respondent)

    log_in(respondent, representative.user.email)
    respondent.follow(account_menu(rpage).get_by_role("link", name=sv("My reports")))
    respondent.follow(
        rpage.locator("main").get_by_role("link", name=re.compile("Föreningen Vinbäret"))
    )
    assert (
        rpage.locator("fieldset.report-question")
        .first.get_by_role("radio", name="4")
        .first.is_checked()
    )
    for index in range(scales.count()):
        radios = scales.nth(index).get_by_role("radio", name="4")
        if radios.count():
            radios.first.check()
    respondent.follow(rpage.get_by_role("button", name=sv("Submit")))
    respondent.audit("report submitted")

    # The officer downloads every answer, as Excel and as CSV for Swedish Excel.
    page.goto(cycle_url)
    clerk.audit("cycle with a report submitted", screenshot="officer-cycle")
    workbook, filename = clerk.download(
        page.get_by_role("link", name=sv("Download all answers as Excel (XLSX)")).click
    )
    assert filename.endswith("-svar.xlsx")
    sheet = load_workbook(io.BytesIO(workbook)).active
    assert sheet["A1"].value == "Omgång" and sheet["D1"].value == "Rapportens status"
    assert {r[3] for r in sheet.iter_rows(min_row=2, values_only=True)} == {"Inskickad"}
    text, filename = clerk.download(
        page.get_by_role("link", name=sv("Download all answers as CSV")).click
    )
    assert filename.endswith("-svar.csv") and text.startswith("\ufeffOmgång;".encode())
    clerk.follow(page.get_by_role("link", name=sv("Close the cycle…")))
    clerk.audit("confirm closing")
    clerk.follow(page.get_by_role("button", name=sv("Close the cycle")))
    clerk.audit("closed cycle")
    clerk.follow(page.get_by_role("link", name=sv("The evaluation")))
    clerk.audit("evaluation to write")
    textbox(page, sv("summary")).fill("Samverkan har fungerat väl.")
    textbox(page, sv("conclusions")).fill("Fortsätt dialogen.")
    textbox(page, sv("recommendations")).fill("Fler möten.")
    clerk.follow(page.get_by_role("button", name=sv("Save the text")))
    clerk.audit("evaluation text saved")
    clerk.follow(page.get_by_role("button", name=sv("Send the draft to the council")))
    clerk.audit("evaluation in review")

    council = site.visitor()
    cpage = council.page
    review = mail.outbox[-1]
    assert review.to == [member.email]
    cpage.goto(re.search(r"https?://[^/\s]+(/\S+)", review.body).group(1))
    enter_credentials(council, member.email, mfa=True)  # sent to log in first
    assert cpage.url.endswith("/utvardering/")
    council.audit("evaluation to review", screenshot="evaluation-review")
    field(cpage, sv("Comment")).fill("Lägg gärna till exempel från föreningarna.")
    council.follow(cpage.get_by_role("button", name=sv("Add the comment")))
    council.audit("comment added")
    council.follow(cpage.get_by_role("button", name=sv("Approve the evaluation")))
    council.audit("approved")

    page.reload()
    clerk.follow(page.get_by_role("button", name=sv("Publish the evaluation")))
    clerk.audit("published")

    public = site.visitor()
    ppage = public.goto("/")
    public.follow(ppage.get_by_role("link", name=Agreement.objects.get(slug="goteborg").title))
    public.audit("agreement with a published evaluation")
    title = Cycle.objects.get(agreement__slug="goteborg").title
    public.follow(ppage.get_by_role("link", name=title, exact=True))
    public.audit("the published evaluation")
    pdf, filename = public.download(
        ppage.get_by_role("link", name=sv("Download the evaluation as PDF")).click
    )
    assert pdf.startswith(b"%PDF-") and filename.endswith(".pdf")


def test_the_site_in_english(site):
    """The language switch turns the interface into English; the agreements stay Swedish."""
    goteborg = Agreement.objects.get(slug="goteborg")
    visitor = site.visitor()
    page = visitor.goto("/")
    assert page.locator("html").get_attribute("lang") == "sv"
    visitor.follow(page.get_by_role("button", name="English"))
    visitor.audit("home in English")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Agreements on collaboration between municipalities and civil society"
    )
    visitor.follow(main_menu(page, en).get_by_role("link", name="Agreements"))
    visitor.audit("agreements in English")
    visitor.follow(page.get_by_role("link", name=goteborg.title))
    visitor.audit("agreement in English")
    assert page.get_by_role("link", name="Download the agreement as PDF").count() == 1
    assert page.locator("h1").get_attribute("lang") in ("sv", None)
    visitor.follow(main_menu(page, en).get_by_role("link", name="Compare principles"))
    visitor.audit("comparison in English")
    visitor.follow(main_menu(page, en).get_by_role("link", name="Organisations"))
    visitor.audit("register in English")
    visitor.follow(page.get_by_role("link", name="Accessibility statement"))
    visitor.audit("accessibility statement in English")
    visitor.follow(account_menu(page, en).get_by_role("link", name="Create account"))
    visitor.audit("sign up in English")
    visitor.follow(page.get_by_role("button", name="Svenska"))
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == sv("Sign Up")


def test_sign_up_and_sign_with_the_keyboard_only(site):
    """The organisation's sign-up and signing journey with Tab, Shift-Tab, Enter and Space (and
    typing into fields, arrow keys in a list), with the focus visible after every key."""
    email = "tangent@tangentbord.example.se"
    name = "Tangentbordsföreningen"
    person = site.visitor()
    page = person.goto("/")
    keys = page.keyboard

    skip = person.tab_to(page.get_by_role("link", name=sv("Skip to main content")))
    assert skip.is_visible()
    keys.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    person.tab_to(account_menu(page).get_by_role("link", name=sv("Create account")), backwards=True)
    person.press("Enter")
    person.audit("sign up (keyboard)")

    first_name = person.tab_to(field(page, sv("First name")))
    assert first_name.get_attribute("autocomplete") == "given-name"  # WCAG 1.3.5
    keys.type("Tove")
    person.tab_to(field(page, sv("Last name")))
    keys.type("Tangent")
    assert person.tab_to(field(page, sv("Email"))).get_attribute("autocomplete") == "email"
    keys.type(email)
    password = person.tab_to(field(page, sv("Password")))
    assert password.get_attribute("autocomplete") == "new-password"
    keys.type(PASSWORD)
    person.tab_to(field(page, sv("Password (again)")))
    keys.type(PASSWORD)
    person.tab_to(page.locator("main").get_by_role("button", name=sv("Sign Up")))
    person.press("Enter")
    person.audit("verify your e-mail (keyboard)")

    link = re.search(r"https?://[^/\s]+(/\S+/confirm-email/\S+?/)", mail.outbox[-1].body).group(1)
    page.goto(link)  # the link in the e-mail
    person.tab_to(page.locator("main").get_by_role("button", name=sv("Confirm")))
    person.press("Space")
    person.audit("my pages (keyboard)")

    person.tab_to(page.get_by_role("link", name=sv("Register an organisation")))
    person.press("Enter")
    person.tab_to(field(page, sv("Name")))
    keys.type(name)
    person.tab_to(field(page, sv("Organisation number")))
    keys.type(OrganisationFactory.build().organisation_number)
    legal_form = person.tab_to(field(page, sv("legal form")))
    while legal_form.input_value() != "association":
        keys.press("ArrowDown")
    municipality = person.tab_to(field(page, sv("Municipality")))
    while municipality.evaluate("e => e.selectedOptions[0].text") != "Göteborgs Stad":
        keys.press("ArrowDown")
    area = person.tab_to(page.get_by_role("checkbox").first)
    keys.press("Space")
    assert area.is_checked()
    person.tab_to(page.locator("main").get_by_role("button", name=sv("Register the organisation")))
    person.press("Enter")
    person.audit("registered (keyboard)")

    person.tab_to(page.get_by_role("link", name=re.compile(re.escape(sv("Sign the agreement")))))
    person.press("Enter")
    person.audit("sign (keyboard)")
    declaration = person.tab_to(
        field(page, sv("We confirm the declaration above on behalf of the organisation."))
    )
    keys.press("Space")
    assert declaration.is_checked()
    basis = person.tab_to(page.get_by_role("radio").first)
    keys.press("Space")
    assert basis.is_checked() and basis.input_value() == Accession.Basis.SIGNATORY
    signer = person.tab_to(field(page, sv("Your full name")))
    assert signer.get_attribute("autocomplete") == "name"  # WCAG 1.3.5
    keys.type("Tove Tangent")
    person.tab_to(field(page, sv("Your title or role in the organisation")))
    keys.type("Sekreterare")
    person.tab_to(page.locator("main").get_by_role("button", name=sv("Sign the agreement")))
    person.press("Enter")
    person.audit("signed (keyboard)")

    accession = Accession.objects.get(organisation__name=name)
    assert accession.status == Accession.Status.PENDING
    assert accession.signer_name == "Tove Tangent"


def test_the_menu_folds_on_a_phone(site):
    """Signed in on a phone, the header is the portal's name and a "Menu" button, well under a
    fifth of the screen; the button opens and closes the menu (also with Escape), and the page
    passes axe either way. On a wide screen the menu is open and the button is not shown."""
    from tests.e2e.conftest import PHONE

    rep = RepresentativeFactory(organisation__name="Föreningen Mobilen")
    visitor = site.visitor()
    page = visitor.goto("/")
    log_in(visitor, rep.user.email)
    toggle = page.get_by_role("button", name=sv("Menu"))
    assert not toggle.is_visible()  # a wide screen: the menu is simply there
    assert account_menu(page).get_by_role("link", name=sv("My pages")).is_visible()

    page.set_viewport_size(PHONE)
    visitor.goto("/")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] < PHONE["height"] / 5, header
    assert not account_menu(page).get_by_role("link", name=sv("My pages")).is_visible()
    visitor.audit("phone: menu folded")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert account_menu(page).get_by_role("link", name=sv("My pages")).is_visible()
    assert main_menu(page).get_by_role("link", name=sv("Organisations")).is_visible()
    visitor.audit("phone: menu open")
    page.keyboard.press("Escape")  # not visitor.press: no page is loaded
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('site-menu-toggle')")
    toggle.click()
    visitor.follow(account_menu(page).get_by_role("link", name=sv("My pages")))
    assert "Föreningen Mobilen" in page.locator("main").inner_text()


def test_officer_imports_a_paper_register(site):
    """An officer downloads the template, uploads a register with errors (told row by row,
    nothing saved), uploads the corrected file, checks the preview and confirms; the public
    register shows the organisation as joined on the day it signed on paper (issue 17, item 2)."""
    from tests.organisations.import_files import csv_bytes, number, row

    officer = mfa_officer("goteborg")
    clerk = site.visitor()
    page = clerk.goto("/")
    log_in(clerk, officer.email, mfa=True)
    clerk.follow(account_menu(page).get_by_role("link", name=sv("Officer workspace")))
    clerk.follow(page.get_by_role("link", name=sv("Import an existing register (CSV or Excel)")))
    clerk.audit("register import", screenshot="officer-import")
    template, filename = clerk.download(
        page.get_by_role("link", name=sv("template as Excel (.xlsx)")).click
    )
    assert template.startswith(b"PK") and filename.endswith(".xlsx")

    file_field = field(page, sv("The register (CSV or Excel file)"))
    bad = [row(1), row(2, undertecknad_datum="2999-01-01"), row(3, organisationsnummer=number(1))]
    file_field.set_input_files(
        {"name": "register.csv", "mimeType": "text/csv", "buffer": csv_bytes(bad)}
    )
    clerk.follow(page.get_by_role("button", name=sv("Check the file")))
    clerk.audit("register import with errors", status=400, screenshot="officer-import-errors")
    assert not Organisation.objects.filter(name__startswith="Importföreningen").exists()
    clerk.follow(page.get_by_role("link", name=sv("Upload a corrected file")))

    good = [row(1), row(2, undertecknad_datum="14/3/2016")]
    field(page, sv("The register (CSV or Excel file)")).set_input_files(
        {"name": "register.csv", "mimeType": "text/csv", "buffer": csv_bytes(good)}
    )
    clerk.follow(page.get_by_role("button", name=sv("Check the file")))
    clerk.audit("register import preview", screenshot="officer-import-preview")
    clerk.follow(page.get_by_role("button", name=re.compile(re.escape(sv("Import")))))
    clerk.audit("organisations after the import", screenshot="officer-organisations")
    workbook, filename = clerk.download(
        page.get_by_role("link", name=sv("Download the list as Excel (XLSX)")).click
    )
    assert filename == "organisationer.xlsx"
    names = [r[0] for r in load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True)]
    assert names[0] == "Namn" and {"Importföreningen 1", "Importföreningen 2"} <= set(names)
    assert Organisation.objects.filter(name__startswith="Importföreningen").count() == 2

    public = site.visitor()
    public.goto("/")
    public.follow(main_menu(public.page).get_by_role("link", name=sv("Organisations")))
    public.follow(public.page.get_by_role("link", name="Importföreningen 2"))
    public.audit("imported organisation")
    assert public.page.locator('time[datetime="2016-03-14"]').count() == 1

"""Browser tests: the portal served on loopback, driven by Debian's Chromium through Playwright.

Every page a journey visits is audited where it stands (``Visitor.audit``): axe-core finds no
violation of the WCAG 2.0/2.1 A and AA rules, the page does not scroll sideways at 320 CSS pixels
or at 200 % zoom (a 1280-pixel window at 200 % is 640 CSS pixels wide), and its HTML, exactly as
the server sent it, is kept for the Nu Html Checker, which runs once over every test's pages when
the test ends. With ``UPDATE_SCREENSHOTS=1`` the journeys also write docs/screenshots/*.png.

Nothing here downloads a browser: Chromium is Debian's (``/usr/bin/chromium``, or
``PORTAL_CHROMIUM``), axe-core and vnu-jar come from the npm registry at the versions pinned in
tests/e2e/package-lock.json (``make e2e-deps``), the checker runs on the machine's Java. When one
of them is missing the browser tests are reported as not run, with what to install; under CI
(``CI=true``) that is a failure instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_MODULES = HERE / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "docs" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"

# Chromium's switches: no sandbox (containers), no GPU, nothing fetched from Google's servers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PATIENCE_MS = 120_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# Reflow (WCAG 1.4.10) at 320 CSS pixels, and a 1280-pixel window at 200 % zoom.
NARROW_WIDTHS = (320, DESKTOP["width"] // 2)
PASSWORD = "correct horse battery"  # UserFactory's password
TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # with_mfa's authenticator secret
INSTALL_HINT = (
    "install them with `sudo apt-get install chromium default-jre-headless nodejs npm` "
    "and `make e2e-deps`"
)


def missing_tools() -> list[str]:
    """What the browser tests need and this machine lacks."""
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium ({CHROMIUM})")
    if not shutil.which("java"):
        missing.append("Java (java)")
    if not (AXE_JS.is_file() and VNU_JAR.is_file()):
        missing.append("axe-core and vnu-jar (tests/e2e/node_modules)")
    return missing


def pytest_collection_modifyitems(config, items):
    """Say plainly why the browser tests do not run when a tool is missing (each module here is
    marked ``browser``, so ``-m "not browser"`` leaves them out)."""
    ours = [item for item in items if item.get_closest_marker("browser")]
    missing = missing_tools()
    if not ours or not missing:
        return
    reason = f"missing {', '.join(missing)}; {INSTALL_HINT}"
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"the browser tests cannot run in CI: {reason}")
    config._e2e_not_run = (len(ours), reason)
    for item in ours:
        item.add_marker(pytest.mark.skip(reason=f"browser test NOT RUN: {reason}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test itself failed, for the ``site`` fixture's teardown."""
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    not_run = getattr(config, "_e2e_not_run", None)
    if not_run:
        count, reason = not_run
        terminalreporter.section("browser tests", sep="=", yellow=True, bold=True)
        terminalreporter.line(f"{count} browser tests were NOT RUN: {reason}.", yellow=True)


# --- The server, the browser and the data --------------------------------------------------------


@pytest.fixture(scope="session")
def portal_server(django_db_setup, django_db_blocker):
    """The portal on a free loopback port, for the whole session.

    pytest-django's LiveServer, started here rather than through its ``live_server`` fixture so
    that each test can put the session's data back after its flush (see ``committed_db``).
    """
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture
def committed_db(_seed_data_back, transactional_db, monkeypatch):
    """Data the test writes is committed, so the server's thread sees it.

    Playwright's synchronous API runs an event loop in this thread; Django would then refuse the
    test's own ORM calls as "async-unsafe". They are not run from a coroutine, so allow them, for
    these tests only.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium(committed_db, tmp_path):
    """A headless Chromium for one test, started with a fresh, empty profile: Playwright gives
    each launch a new temporary user-data directory and removes it when the browser closes.

    Started per test (about a second) rather than per session: Playwright's event loop must not
    outlive the test, or Django would take every later test of the run for async code.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            downloads_path=str(tmp_path / "downloads"),
        )
        yield browser
        browser.close()


@pytest.fixture
def site(request, chromium, portal_server, committed_db, tmp_path):
    """The journeys' handle: open a browser window for a person, audit pages, check the HTML."""
    site = Site(chromium, portal_server.url, tmp_path / "html")
    yield site
    site.close(pictures=getattr(request.node, "e2e_failed", True))
    site.assert_html_valid()


# --- Auditing a page ------------------------------------------------------------------------------


def check_title(label: str, page) -> None:
    """WCAG 2.4.2: every page has a title of its own before the portal's name, as the header
    shows it in the page's language ("Logga in – Lokala överenskommelser om samverkan")."""
    title = page.title()
    site_name = page.locator("a.site-name").inner_text().strip()
    specific, separator, name = title.rpartition(" – ")
    assert separator and name == site_name, f"{label}: title {title!r}"
    assert specific.strip() and specific != site_name, (
        f"{label}: the page has no title of its own: {title!r}"
    )


@dataclass
class Site:
    browser: object
    url: str
    html_dir: Path
    visitors: list = field(default_factory=list)
    pages: list = field(default_factory=list)  # (label, file) of every audited page

    def visitor(self, *, locale: str = "sv-SE") -> Visitor:
        """A person with a browser window of their own (own cookies), at desktop width."""
        context = self.browser.new_context(
            base_url=self.url,
            viewport=DESKTOP,
            locale=locale,
            accept_downloads=True,
            bypass_csp=True,  # lets the test inject axe-core; the CSP is tested in tests/security
            service_workers="block",
        )
        # Guards against a hang, not speed targets: on a busy machine publishing an evaluation
        # (its PDF is rendered in the request in tests) can take half a minute.
        context.set_default_timeout(PATIENCE_MS)
        context.set_default_navigation_timeout(PATIENCE_MS)
        visitor = Visitor(self, context, context.new_page())
        self.visitors.append(visitor)
        return visitor

    def close(self, *, pictures: bool):
        """Close every window; after a failure, keep a picture of where each one stood."""
        for index, visitor in enumerate(self.visitors):
            try:
                if pictures:
                    path = self.html_dir.parent / f"last-window-{index}.png"
                    visitor.page.screenshot(path=str(path), full_page=True)
                    print(f"window {index} ended at {visitor.page.url} (picture: {path})")
            finally:
                visitor.context.close()

    def keep_html(self, label: str, html: str):
        self.html_dir.mkdir(parents=True, exist_ok=True)
        path = self.html_dir / f"{len(self.pages):03d}-{re.sub(r'[^a-z0-9]+', '-', label)}.html"
        path.write_text(html, encoding="utf-8")
        self.pages.append((label, path))

    def assert_html_valid(self):
        """The Nu Html Checker finds no error in any page this test audited."""
        labels = {path: label for label, path in self.pages}
        problems = [f"{labels[path]} {problem}" for path, problem in vnu_errors(list(labels))]
        assert not problems, "Nu Html Checker errors:\n" + "\n".join(problems)


@dataclass
class Visitor:
    site: Site
    context: object
    page: object
    last_document: object = None

    def __post_init__(self):
        def remember(response):
            request = response.request
            if request.resource_type == "document" and response.frame == self.page.main_frame:
                self.last_document = response

        self.page.on("response", remember)

    def follow(self, locator):
        """Click a link or button and wait for the page it leads to (so that a click the browser
        refused, such as a form its own validation stopped, fails here rather than later)."""
        with self.page.expect_navigation():
            locator.click()
        return self.page

    def press(self, key: str):
        """Press a key that leads to another page (Enter on a link or a submit button)."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        return self.page

    def tab_to(self, target, *, backwards: bool = False, limit: int = 250):
        """Press Tab (or Shift-Tab) until ``target`` has the focus, checking after every press
        that the focused element shows a visible focus indicator and is on the screen."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            focus = self.page.evaluate(FOCUS_VISIBLE_JS)
            for _wait in range(20):  # Bootstrap scrolls smoothly to the focused element
                if focus["onScreen"]:
                    break
                self.page.wait_for_timeout(100)
                focus = self.page.evaluate(FOCUS_VISIBLE_JS)
            assert focus["visible"], f"focus is not visible after {key} on {self.page.url}: {focus}"
            if target.evaluate("element => element === document.activeElement"):
                return target
        raise AssertionError(f"{key} never reached {target} on {self.page.url}")

    def goto(self, path: str):
        self.page.goto(path)
        return self.page

    def audit(self, label: str, *, status: int | tuple = 200, screenshot: str | None = None):
        """Check the page where it stands: axe-core, reflow at 320 px and 200 %, keep its HTML.

        ``status`` is the HTTP status the page must have come with (or a tuple of those allowed:
        a form with errors comes back with 400 from the portal's views, 200 from allauth's).
        """
        page = self.page
        started = time.perf_counter()
        page.wait_for_load_state("load")
        response = self.last_document
        assert response is not None, f"{label}: no page was loaded"
        allowed = status if isinstance(status, tuple) else (status,)
        assert response.status in allowed, f"{label}: HTTP {response.status} at {page.url}"
        self.site.keep_html(label, response.text())
        check_title(label, page)

        violations = axe_violations(page)
        axed = time.perf_counter()
        assert not violations, f"axe-core violations on {label} ({page.url}):\n" + json.dumps(
            violations, indent=2, ensure_ascii=False
        )
        for width in NARROW_WIDTHS:
            overflow = sideways_overflow(page, width)
            assert overflow is None, f"{label} scrolls sideways at {width} px: {overflow}"
        if os.environ.get("E2E_TIMING"):
            print(f"{label}: axe {axed - started:.2f}s reflow {time.perf_counter() - axed:.2f}s")
        if screenshot:
            self.screenshot(screenshot)
        return page

    def screenshot(self, name: str):
        """docs/screenshots/<name>-desktop.png and -phone.png, only with UPDATE_SCREENSHOTS=1."""
        if not UPDATE_SCREENSHOTS:
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        try:
            for suffix, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(
                    path=str(SCREENSHOTS / f"{name}-{suffix}.png"), animations="disabled"
                )
        finally:
            page.set_viewport_size(DESKTOP)

    def download(self, click):
        """Click what starts a download; return the file's bytes and suggested name."""
        with self.page.expect_download() as info:
            click()
        download = info.value
        assert download.failure() is None, download.failure()
        return Path(download.path()).read_bytes(), download.suggested_filename


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules on the page as it stands."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                                                  n.failureSummary)}));
        }""",
        AXE_TAGS,
    )


def sideways_overflow(page, width: int) -> dict | None:
    """At this viewport width, does the page scroll sideways? (None when it does not; else the
    widths and the first elements that stick out.) The viewport is put back afterwards."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": DESKTOP["height"]})
    try:
        return page.evaluate(
            """() => {
                const root = document.documentElement;
                if (root.scrollWidth <= root.clientWidth) return null;
                const wide = [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
                  .slice(0, 5).map(e => e.tagName.toLowerCase() +
                     (e.id ? '#' + e.id : '') +
                     (e.className && typeof e.className === 'string'
                        ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
                return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
            }"""
        )
    finally:
        page.set_viewport_size(before)


def vnu_errors(paths: list[Path]) -> list[tuple[Path, str]]:
    """The Nu Html Checker's errors in these HTML files, one run of the checker for all."""
    if not paths:
        return []
    result = subprocess.run(  # noqa: S603 - a fixed program on our own files
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, paths)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), f"the Nu Html Checker failed: {result.stderr[-2000:]}"
    by_name = {str(path.resolve()): path for path in paths}

    def file_of(url: str) -> Path:  # vnu names a file "file:/tmp/x.html"
        name = "/" + unquote(url.removeprefix("file:")).lstrip("/")
        return by_name.get(name, Path(name))

    return [
        (
            file_of(message.get("url", "")),
            f"line {message.get('lastLine')}: {message.get('message')} "
            f"[{message.get('extract', '').strip()}]",
        )
        for message in json.loads(result.stderr)["messages"]
        if message.get("type") in {"error", "non-document-error"}
    ]


# Is the focused element visibly marked (an outline of 2 px or more, or a focus ring drawn as a
# box shadow) and on the screen?
FOCUS_VISIBLE_JS = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return {visible: false, element: 'body'};
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const ring = style.boxShadow && style.boxShadow !== 'none';
    const box = element.getBoundingClientRect();
    const onScreen = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
        && box.top < window.innerHeight && box.left < window.innerWidth;
    return {visible: (outline || ring) && onScreen, onScreen,
            element: element.outerHTML.slice(0, 120), outline: style.outline,
            boxShadow: style.boxShadow};
}"""


def totp_code() -> str:
    """The current six-digit code of an authenticator app holding the test accounts' secret
    (tests/factories.py ``with_mfa``), by allauth's own RFC 6238 functions.

    allauth accepts only the code of the current 30-second period, so near its end wait for the
    next one, as a person would, rather than type a code that expires on the way.
    """
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))

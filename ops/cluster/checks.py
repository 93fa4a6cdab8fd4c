"""The cluster checks of `make cluster` (started by ops/cluster/run, which sets the environment).

Each check prints one line, "PASS …" or "FAIL …"; the script exits 1 when any check failed.
Only the standard library speaks HTTP here; Django is set up to look into the shared database
and files afterwards, as an operator would.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

NGINX = os.environ["CLUSTER_NGINX"]
APP_A = os.environ["CLUSTER_APP_A"]
APP_B = os.environ["CLUSTER_APP_B"]
APP_A_PID = int(os.environ["CLUSTER_APP_A_PID"])
NGINX_LOG = Path(os.environ["CLUSTER_NGINX_LOG"])
PASSWORD = "demo-losenord-2026"  # noqa: S105 the demo accounts' published password (load_demo)

results: list[bool] = []


def report(ok: bool, name: str, detail: str) -> None:
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def upstream(self) -> str:
        return self.headers.get("x-upstream", "")


class Browser:
    """A client with one cookie jar for 127.0.0.1, as a browser has: cookies are per host, not
    per port, so the same session cookie goes to nginx and to either app server."""

    def __init__(
        self,
        language: str = "en",
        host_header: str | None = None,
        forwarded_for: str | None = None,
    ):
        self.cookies: dict[str, str] = {"django_language": language}
        self.host_header = host_header
        # The client's address as an app server sees it behind nginx (for per-address limits).
        self.forwarded_for = forwarded_for

    def request(self, base: str, method: str, path: str, form: dict | None = None) -> Response:
        parts = urlsplit(base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if self.host_header:
            headers["Host"] = self.host_header
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = base + path
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            payload = raw.read()
        finally:
            connection.close()
        set_cookies = raw.headers.get_all("Set-Cookie") or []
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(
            raw.status, {k.lower(): v for k, v in raw.getheaders()}, payload, set_cookies
        )

    def get(self, base: str, path: str) -> Response:
        return self.request(base, "GET", path)

    def post(self, base: str, path: str, form: dict) -> Response:
        return self.request(base, "POST", path, form)

    def login(self, base: str, email: str, password: str) -> Response:
        page = self.get(base, "/konto/login/")
        return self.post(
            base,
            "/konto/login/",
            {"csrfmiddlewaretoken": csrf_token(page), "login": email, "password": password},
        )


def csrf_token(page: Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if not match:
        raise AssertionError(f"no CSRF token on the page (HTTP {page.status})")
    return match.group(1)


class FormFields(HTMLParser):
    """The values a browser would submit for the form that posts to ``action``."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or self.action) == self.action
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.values.append((name, a.get("value") or "on"))
            elif kind not in {"submit", "button", "file", "reset"}:
                self.values.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_values(page: Response, action: str) -> list[tuple[str, str]]:
    parser = FormFields(action)
    parser.feed(page.text)
    return parser.values


def host(base: str) -> str:
    return base.removeprefix("http://")


# -- 1. Sessions are shared ----------------------------------------------------------------------


def check_session_shared() -> None:
    name = "session shared between instances"
    browser = Browser()
    login = browser.login(NGINX, "orgadmin@demo.example", PASSWORD)
    if login.status != 302 or not login.upstream:
        report(False, name, f"login through nginx answered {login.status}, not a redirect")
        return
    first = login.upstream
    # nginx balances round robin: the next request goes to the other instance.
    after = browser.get(NGINX, "/mina-sidor/")
    direct = {base: browser.get(base, "/mina-sidor/").status for base in (APP_A, APP_B)}
    anonymous = Browser().get(NGINX, "/mina-sidor/").status
    ok = (
        after.status == 200
        and after.upstream != first
        and set(direct.values()) == {200}
        and anonymous == 302
    )
    report(
        ok,
        name,
        f"logged in through {first}, next request served by {after.upstream} with HTTP "
        f"{after.status}; directly: {host(APP_A)} {direct[APP_A]}, {host(APP_B)} {direct[APP_B]};"
        f" without the session cookie: {anonymous}",
    )


# -- 2. allauth's login rate limit counts across instances ---------------------------------------


def check_login_rate_limit() -> None:
    name = "login rate limit counted across instances"
    rates = settings.ACCOUNT_RATE_LIMITS["login_failed"]
    per_key = next(r for r in rates.split(",") if r.endswith("/key"))
    limit = int(per_key.split("/")[0])
    email = "orgadmin-boras@demo.example"
    # allauth keys the per-address count by site and address, the site being the Host header.
    # nginx sends every app server the same one (`Host $host`, the name without a port), and so
    # does this client, which goes to the app servers directly.
    browser = Browser(host_header="127.0.0.1")
    seen = []
    for attempt in range(limit):
        base = (APP_A, APP_B)[attempt % 2]
        response = browser.login(base, email, f"wrong-password-{attempt}")
        refused = "Too many failed login attempts" in response.text
        seen.append((host(base), response.status, refused))
        if response.status != 200 or refused:
            report(False, name, f"attempt {attempt + 1} of {limit} on {host(base)}: {seen[-1]}")
            return
    per_instance = Counter(h for h, _, _ in seen)
    # Now the right password, on the instance that saw fewer attempts: it must be refused too.
    base = APP_B if per_instance[host(APP_B)] < per_instance[host(APP_A)] else APP_A
    final = browser.login(base, email, PASSWORD)
    refused = final.status == 200 and "Too many failed login attempts" in final.text
    counts = ", ".join(f"{h}: {n}" for h, n in sorted(per_instance.items()))
    report(
        refused,
        name,
        f"{limit} failed logins ({counts}) reached the limit {per_key}; the right password on "
        f"{host(base)} was then {'refused' if refused else f'answered HTTP {final.status}'}",
    )


# -- 3. Rate limits and used codes survive a flood of the page cache ----------------------------


def anonymous_get(base: str, path: str) -> int:
    """A GET without any cookie, as a crawler or a flood sends it."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def check_rate_limits_survive_page_flood(flood: int = 300) -> None:
    """The probe's repro (issue 14): lock an account out, use a two-factor code, flood the page
    cache with cookieless searches and then empty its Redis altogether (what eviction does at
    worst): the lockout holds and the code is still used. Rate limits and used codes are in a
    Redis of their own that never evicts (SECURITY_REDIS_URL, core/securitycache.py)."""
    import redis
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from django.urls import reverse

    name = "rate limits and used codes survive a page-cache flood"
    pages = redis.Redis.from_url(os.environ["REDIS_URL"])
    security = redis.Redis.from_url(os.environ["SECURITY_REDIS_URL"])
    policy = security.config_get("maxmemory-policy").get("maxmemory-policy")
    per_key = next(r for r in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",") if "key" in r)
    limit = int(per_key.split("/")[0])
    email = "orgadmin-botkyrka@demo.example"
    # Each attempt from another address, straight to the app servers (as nginx forwards it), so
    # only the per-account count can refuse the right password at the end.
    for attempt in range(limit):
        browser = Browser(host_header="127.0.0.1", forwarded_for=f"198.51.100.{attempt + 1}")
        browser.login((APP_A, APP_B)[attempt % 2], email, f"wrong-password-{attempt}")
    officer = "handlaggare-botkyrka@demo.example"
    code = format_hotp_value(hotp_value("JBSWY3DPEHPK3PXP", int(time.time()) // 30))
    mfa = reverse("mfa_authenticate")

    def two_factor_login(base: str) -> Response:
        browser = Browser(host_header="127.0.0.1", forwarded_for="198.51.100.200")
        browser.login(base, officer, PASSWORD)
        page = browser.get(base, mfa)
        return browser.post(base, mfa, {"csrfmiddlewaretoken": csrf_token(page), "code": code})

    first_use = two_factor_login(APP_A).status
    statuses = Counter(
        anonymous_get((APP_A, APP_B)[n % 2], f"/organisationer/?q=probe{n}&junk{n}=1")
        for n in range(flood)
    )
    in_page_cache = len(pages.keys("*allauth*"))
    in_security = len(security.keys("*allauth:rl:*"))
    pages.flushdb()
    locked = Browser(host_header="127.0.0.1", forwarded_for="198.51.100.199").login(
        APP_B, email, PASSWORD
    )
    refused = locked.status == 200 and "Too many failed login attempts" in locked.text
    replay = two_factor_login(APP_B)
    replay_refused = replay.status == 200 and "Incorrect code" in replay.text
    ok = (
        policy == "noeviction"
        and statuses == Counter({200: flood})
        and in_page_cache == 0
        and in_security > 0
        and first_use == 302
        and refused
        and replay_refused
    )
    report(
        ok,
        name,
        f"security Redis maxmemory-policy {policy}; {limit} failed logins, a code used "
        f"({first_use}); {flood} cookieless searches ({dict(statuses)}), then the page cache's "
        f"Redis emptied ({in_page_cache} allauth keys were in it, {in_security} rate-limit keys "
        f"in the security Redis); the right password was then "
        f"{'refused' if refused else f'answered HTTP {locked.status}'}, the code replayed "
        f"{'refused' if replay_refused else f'answered HTTP {replay.status}'}",
    )


# -- Sessions outlive the cache ------------------------------------------------------------------


def check_session_survives_cache_flush() -> None:
    import redis

    name = "sessions survive emptying Redis"
    browser = Browser()
    login = browser.login(NGINX, "representant@demo.example", PASSWORD)
    before = browser.get(NGINX, "/mina-sidor/").status
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = client.dbsize()
    client.flushall()
    after = {host(base): browser.get(base, "/mina-sidor/").status for base in (APP_A, APP_B)}
    ok = login.status == 302 and before == 200 and set(after.values()) == {200}
    report(
        ok,
        name,
        f"signed in ({before}), then all {keys} keys deleted from Redis; afterwards "
        + ", ".join(f"{h}: {status}" for h, status in after.items())
        + " (cached_db sessions are read back from PostgreSQL)",
    )


def check_redis_outage() -> None:
    """Stop Redis: the portal runs on without the cache; start it again: all is as before."""
    import redis

    name = "the portal works on while Redis is down"
    work = Path(os.environ["CLUSTER_WORK"])
    pidfile = work / "redis.pid"
    url = urlsplit(os.environ["REDIS_URL"])
    client = redis.Redis(host=url.hostname, port=url.port, socket_connect_timeout=1)
    browser = Browser()
    browser.login(NGINX, "representant@demo.example", PASSWORD)
    os.kill(int(pidfile.read_text()), signal.SIGTERM)
    for _ in range(100):
        try:
            client.ping()
        except redis.ConnectionError:
            break
        time.sleep(0.1)
    down = {
        "public page": Browser().get(NGINX, "/overenskommelser/boras/").status,
        "signed-in page A": browser.get(APP_A, "/mina-sidor/").status,
        "signed-in page B": browser.get(APP_B, "/mina-sidor/").status,
    }
    fresh = Browser()
    down["new login"] = fresh.login(NGINX, "orgadmin-sodertalje@demo.example", PASSWORD).status
    down["its next page"] = fresh.get(NGINX, "/mina-sidor/").status
    with (work / "logs" / "redis.log").open("ab") as log:
        restarted = subprocess.Popen(  # noqa: S603
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(url.port)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                *("--dir", str(work / "redis"), "--maxmemory", "256mb"),
                *("--maxmemory-policy", "allkeys-lru"),
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    pidfile.write_text(str(restarted.pid))
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    back = browser.get(NGINX, "/mina-sidor/").status
    cached = client.dbsize()
    ok = set(down.values()) <= {200, 302} and down["new login"] == 302 and back == 200
    ok = ok and all(v == 200 for k, v in down.items() if k != "new login")
    report(
        ok,
        name,
        "with Redis stopped: "
        + ", ".join(f"{k} {v}" for k, v in down.items())
        + f"; Redis started again: signed-in page {back}, {cached} keys cached again",
    )


# -- 4. A PDF rendered by a worker is served by both instances -----------------------------------


def check_worker_pdf() -> None:
    from django.core.files.storage import default_storage
    from django_tasks_db.models import DBTaskResult

    from followup.models import Evaluation
    from followup.tasks import render_evaluation_pdf

    name = "evaluation PDF rendered by a worker, served by both instances"
    evaluation = (
        Evaluation.objects.filter(pdf_status=Evaluation.PdfStatus.READY)
        .select_related("cycle__agreement")
        .order_by("pk")
        .first()
    )
    if evaluation is None:
        report(False, name, "the demo data has no published evaluation")
        return
    # Forget the PDF the demo loader rendered, so that only a worker can make the new one.
    if evaluation.pdf:
        default_storage.delete(evaluation.pdf.name)
    Evaluation.objects.filter(pk=evaluation.pk).update(pdf="", pdf_status=Evaluation.PdfStatus.NONE)
    result = render_evaluation_pdf.enqueue(evaluation.pk)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        row = DBTaskResult.objects.get(pk=result.id)
        if row.status in {"SUCCESSFUL", "FAILED"}:
            break
        time.sleep(0.3)
    evaluation.refresh_from_db()
    if row.status != "SUCCESSFUL" or evaluation.pdf_status != Evaluation.PdfStatus.READY:
        report(False, name, f"task {row.status}, evaluation {evaluation.pdf_status}")
        return
    stored = default_storage.open(evaluation.pdf.name).read()
    digest = hashlib.sha256(stored).hexdigest()
    agreement = evaluation.cycle.agreement.slug
    path = f"/overenskommelser/{agreement}/utvarderingar/{evaluation.cycle_id}/pdf/"
    served = {}
    for base in (APP_A, APP_B, NGINX):
        response = Browser().get(base, path)
        ok = (
            response.status == 200
            and response.headers.get("content-type") == "application/pdf"
            and hashlib.sha256(response.body).hexdigest() == digest
        )
        served[host(base)] = "same PDF" if ok else f"HTTP {response.status}"
    ok = all(v == "same PDF" for v in served.values()) and stored.startswith(b"%PDF")
    report(
        ok,
        name,
        f"rendered by {','.join(row.worker_ids)} ({len(stored)} bytes, sha256 {digest[:12]}…); "
        + ", ".join(f"{h}: {v}" for h, v in served.items()),
    )


# -- 5. Each queued task runs exactly once -------------------------------------------------------


def check_tasks_exactly_once(count: int = 40) -> None:
    from core.canary import runs_log

    name = "each queued task runs exactly once with two workers"
    runs_log().unlink(missing_ok=True)
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603
        [
            *(sys.executable, "manage.py", "worker_canary", "--record"),
            *("--count", str(count), "--hold", "0.1", "--timeout", "120"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    queued = {}
    for line in completed.stdout.splitlines():
        task_id, status, workers = line.split(" ")
        queued[task_id] = (status, workers)
    from django_tasks_db.models import DBTaskResult

    tokens = {
        str(row.pk): row.args_kwargs["args"][0]
        for row in DBTaskResult.objects.filter(pk__in=list(queued))
    }
    runs = Counter(line.split(" ")[0] for line in runs_log().read_text().splitlines())
    once = [task_id for task_id, token in tokens.items() if runs[token] == 1]
    by_worker = Counter(workers for _, workers in queued.values())
    ok = (
        completed.returncode == 0
        and len(queued) == count
        and len(once) == count
        and sum(runs.values()) == count
        and len(by_worker) == 2
    )
    shares = ", ".join(f"{w}: {n}" for w, n in sorted(by_worker.items()))
    report(
        ok,
        name,
        f"{count} tasks queued, {sum(runs.values())} runs recorded, {len(once)} ran exactly once"
        f" ({shares}) in {elapsed:.1f} s"
        + ("" if completed.returncode == 0 else f"; worker_canary: {completed.stderr.strip()}"),
    )


# -- 6. Stopping one instance mid-load -----------------------------------------------------------


PUBLIC_PAGES = [
    "/",
    "/overenskommelser/",
    "/overenskommelser/boras/",
    "/overenskommelser/goteborg/",
    "/jamfor/",
    "/organisationer/",
    "/healthz",
]


@dataclass
class Load:
    reads: list[tuple[float, int, float]] = field(default_factory=list)  # (at, status, seconds)
    writes: list[tuple[str, int, float]] = field(default_factory=list)  # (marker, status, at)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def reader(load: Load, offset: int) -> None:
    browser = Browser(language="sv")
    n = offset
    while not load.stop.is_set():
        path = PUBLIC_PAGES[n % len(PUBLIC_PAGES)]
        n += 1
        began = time.monotonic()
        try:
            status = browser.get(NGINX, path).status
        except OSError as exc:
            load.errors.append(f"GET {path}: {exc}")
            status = 0
        load.reads.append((began, status, time.monotonic() - began))


def writer(load: Load, organisation_id: int) -> None:
    """An organisation admin saves the organisation's description again and again; each save is
    a new row in the organisation's history, so every acknowledged save can be looked up."""
    browser = Browser()
    if browser.login(NGINX, "orgadmin@demo.example", PASSWORD).status != 302:
        load.errors.append("the writer could not log in")
        return
    path = f"/organisationer/{organisation_id}/redigera/"
    while not load.stop.is_set():
        marker = f"cluster-check {uuid.uuid4().hex}"
        try:
            form = browser.get(NGINX, path)
            values = [(k, v) for k, v in form_values(form, path) if k != "description"]
            status = browser.post(NGINX, path, [*values, ("description", marker)]).status
        except (OSError, AssertionError) as exc:
            load.errors.append(f"write: {exc}")
            status = 0
        load.writes.append((marker, status, time.monotonic()))


def retried_requests() -> list[tuple[str, str]]:
    """(status, upstream statuses) of the requests nginx passed to a second app server."""
    found = []
    for line in NGINX_LOG.read_text().splitlines():
        upstreams = re.search(r'upstream="([^"]*)"', line).group(1)
        if "," in upstreams:
            statuses = re.search(r'upstream_status="([^"]*)"', line).group(1)
            found.append((line.split(" ")[2], statuses))
    return found


def check_stop_one_instance(before: float = 4.0, after: float = 4.0, readers: int = 4) -> None:
    from organisations.models import Organisation, Representative

    name = "one instance stopped mid-load: no retried request and no acknowledged write lost"
    organisation_id = (
        Representative.objects.current()
        .filter(user__email="orgadmin@demo.example", role="admin")
        .values_list("organisation_id", flat=True)
        .order_by("organisation_id")
        .first()
    )
    NGINX_LOG.write_text("")  # only this load in the log (nginx appends to the same file)
    load = Load()
    threads = [threading.Thread(target=reader, args=(load, i)) for i in range(readers)]
    threads.append(threading.Thread(target=writer, args=(load, organisation_id)))
    for thread in threads:
        thread.start()
    # At least `before` seconds and three saves on two instances (longer on a busy machine).
    started = time.monotonic()
    while time.monotonic() - started < max(before, 60) and (
        time.monotonic() - started < before or len(load.writes) < 3
    ):
        time.sleep(0.1)
    stopped_at = time.monotonic()
    os.kill(APP_A_PID, signal.SIGTERM)  # what `systemctl stop` does: a graceful stop
    # At least `after` seconds and two saves after the stop.
    while time.monotonic() - stopped_at < max(after, 60) and (
        time.monotonic() - stopped_at < after
        or sum(1 for *_, at in load.writes if at > stopped_at) < 2
    ):
        time.sleep(0.1)
    after = time.monotonic() - stopped_at
    before = stopped_at - started
    load.stop.set()
    for thread in threads:
        thread.join()

    lost_reads = [status for _, status, _ in load.reads if status != 200]
    acknowledged = [marker for marker, status, _ in load.writes if status == 302]
    acknowledged_after = [m for m, status, at in load.writes if status == 302 and at > stopped_at]
    refused = [(marker, status) for marker, status, _ in load.writes if status != 302]
    history = set(
        Organisation.history.filter(id=organisation_id).values_list("description", flat=True)
    )
    current = Organisation.objects.get(pk=organisation_id).description
    lost_writes = [marker for marker in acknowledged if marker not in history]
    # A POST that was already on its way to the stopped instance is not passed on (it might have
    # been done): the user sees the gateway's error page and may send it again. It must then
    # really not have been done, and it must be the gateway's answer, not the application's.
    refused_done = [marker for marker, _ in refused if marker in history]
    refused_statuses = sorted({status for _, status in refused})
    retried = retried_requests()
    retried_lost = [r for r in retried if not r[0].startswith(("2", "3"))]
    a_down = False
    try:
        Browser().get(APP_A, "/healthz")
    except ConnectionRefusedError:
        a_down = True
    durations = sorted(seconds for _, _, seconds in load.reads)
    p50 = durations[len(durations) // 2] * 1000 if durations else 0
    p95 = durations[int(len(durations) * 0.95)] * 1000 if durations else 0
    before_rate = sum(1 for at, _, _ in load.reads if at < stopped_at) / before
    after_rate = sum(1 for at, _, _ in load.reads if at >= stopped_at) / after
    ok = (
        not lost_reads
        and not lost_writes
        and set(refused_statuses) <= {502, 503, 504}
        and not refused_done
        and not load.errors
        and bool(retried)
        and not retried_lost
        and bool(acknowledged_after)
        and current == acknowledged[-1]
        and a_down
    )
    report(
        ok,
        name,
        f"{len(load.reads)} page requests ({len(lost_reads)} failed), {len(retried)} retried "
        f"by nginx on the other instance ({len(retried_lost)} failed); {len(acknowledged)} "
        f"writes acknowledged ({len(acknowledged_after)} after the stop), {len(lost_writes)} "
        f"missing afterwards; {len(refused)} writes "
        f"answered {refused_statuses or '-'} by nginx, {len(refused_done)} of them done; "
        f"instance {host(APP_A)} {'down' if a_down else 'STILL UP'}"
        + (f"; errors: {load.errors[:3]}" if load.errors else ""),
    )
    print(
        f"INFO load through nginx with {readers} clients and one writer: {before_rate:.0f} "
        f"pages/s on two instances, {after_rate:.0f} pages/s on one; page time p50 "
        f"{p50:.0f} ms, p95 {p95:.0f} ms",
        flush=True,
    )


def main() -> int:
    for check in (
        check_session_shared,
        check_login_rate_limit,
        check_rate_limits_survive_page_flood,
        check_session_survives_cache_flush,
        check_redis_outage,
        check_worker_pdf,
        check_tasks_exactly_once,
        check_stop_one_instance,  # last: it stops one instance
    ):
        try:
            check()
        except Exception as exc:  # a check that crashes is a failed check, and the next ones run
            report(False, check.__name__, f"{type(exc).__name__}: {exc}")
    passed = sum(results)
    print(f"{passed} of {len(results)} cluster checks passed", flush=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

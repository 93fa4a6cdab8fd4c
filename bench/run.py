"""`make bench`: the portal on the national data set, against nginx and a fixed Django page.

What it does (bench/README.md has the details and the options):

1. Starts PostgreSQL from this machine's binaries (data kept in var/bench/ between runs), and
   on the first run migrates, loads the agreements and generates the national data set
   (``manage.py generate_national_data``).
2. Serves the portal with gunicorn under production settings (bench/settings.py, on loopback),
   and starts nginx on loopback: a static copy of the register page, and the portal behind
   nginx's proxy cache as docs/operations-performance.md recommends.
3. Loads each key page with wrk at 2 and 32 connections, each measurement in a round with the
   nginx static page and the fixed-string Django view, for each server configuration
   (uncached, with the portal's caches, through nginx's cache), and reports requests/s, p50,
   p99 and the ratios to both references of the same round.
4. Renders the largest evaluation PDF with WeasyPrint (in a process of its own, as the worker
   does) and the same HTML with Chromium's print-to-PDF, alternately.
5. Imports a register of 5,000 rows as an officer does (bench/register_import.py: read, check
   every row, import in one transaction; rolled back afterwards).
6. Writes bench/results/latest.json and the tables in docs/performance.md.

``--only import`` runs step 5 alone (on the kept data set, or on an empty register when the data
set has not been generated yet) and updates that figure in latest.json and docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's recommendation

BUDGETS = {
    "uncached_vs_fixed": 0.10,
    "cached_vs_fixed": 0.80,
    "nginx_cache_vs_static": 0.50,
    "p99_ms_at_2": 100.0,
    "pdf_vs_chromium": 2.0,
    "pdf_peak_mib": 300.0,
    "register_import_5000_seconds": 30.0,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60, headers: dict | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / name).exists():
            return str(candidate / name)
    sys.exit(f"PostgreSQL's {name} was not found: sudo apt-get install postgresql")


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


@contextmanager
def postgres(data_dir: Path):
    """A PostgreSQL server on a free loopback port, its data kept in data_dir."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    socket_dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    if os.getuid() == 0:
        subprocess.run(["id", "postgres"], check=True, capture_output=True)
        shutil.chown(socket_dir, "postgres")
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(data_dir, "postgres")
        subprocess.run(
            [*_as_postgres(), _pg_bin("initdb"), "-D", str(data_dir), "-U", "portal"]
            + ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            capture_output=True,
        )
    port = free_port()
    options = (
        f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=100 "
        "-c shared_buffers=512MB -c work_mem=16MB -c effective_cache_size=4GB "
        "-c random_page_cost=1.1 -c jit=off"
    )
    pg_ctl = _pg_bin("pg_ctl")
    log_file = socket_dir / "server.log"
    subprocess.run(
        [*_as_postgres(), pg_ctl, "-D", str(data_dir), "-l", str(log_file), "-w", "-t", "120"]
        + ["start", "-o", options],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgres://portal@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*_as_postgres(), pg_ctl, "-D", str(data_dir), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(socket_dir, ignore_errors=True)


@contextmanager
def redis():
    """A redis-server on a free loopback port, in memory only (the portal's shared cache)."""
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port)]
        + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=15)


# --- the portal ---------------------------------------------------------------------------------


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )
    return result.stdout if capture else ""


@contextmanager
def gunicorn(env: dict, port: int):
    process = subprocess.Popen(
        [str(GUNICORN), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(WORKERS), "--access-logfile", "-", "--error-logfile", "-"]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env={**env, "BENCH_ACCESS_LOG": ""},
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


NGINX_CONF = """\
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    keepalive_requests 100000;

    # The static copy of a page: the fastest anything can be served on this machine.
    server {{
        listen 127.0.0.1:{static_port};
        root {tmp}/www;
        location / {{ try_files $uri /page.html; }}
    }}

{proxy_cache}
}}
"""


@contextmanager
def nginx(static_port: int, cache_port: int, upstream_port: int):
    tmp = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    tmp.chmod(0o755)
    (tmp / "www").mkdir()
    proxy_cache = (ROOT / "bench" / "nginx-proxy-cache.conf").read_text()
    proxy_cache = proxy_cache.replace("{tmp}", str(tmp)).replace("{port}", str(cache_port))
    proxy_cache = proxy_cache.replace("{upstream}", f"127.0.0.1:{upstream_port}")
    conf = NGINX_CONF.format(tmp=tmp, static_port=static_port, proxy_cache=proxy_cache)
    (tmp / "nginx.conf").write_text(conf)
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
        start_new_session=True,
    )
    try:
        yield tmp
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(tmp, ignore_errors=True)


# --- load ---------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, connections: int, seconds: int, cookie: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    load_before = os.getloadavg()[0]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))", output, re.M))
    if "50" not in percentiles or "99" not in percentiles:
        # Too few requests finished for a distribution: count them as taking the whole run.
        log(f"wrk gave no latency distribution for {url}:\n{output}")
        percentiles = {"50": f"{seconds}s", "99": f"{seconds}s", **percentiles}
        percentiles.setdefault("99", percentiles["50"])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50_ms": round(_ms(percentiles["50"]), 2),
        "p99_ms": round(_ms(percentiles["99"]), 2),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "load_before": round(load_before, 2),
    }


def settle(url: str, timeout: float = 120) -> None:
    """Wait until the app server has finished the requests a slow page left queued, so that
    they do not count against the next measurement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        fetch(url)
        if time.monotonic() - started < 0.25:
            return
        time.sleep(0.5)


def measure_pages(
    *,
    base: str,
    static_url: str,
    fixed_url: str,
    targets: dict,
    connections: list[int],
    rounds: int,
    seconds: int,
    pages: list[str] | None = None,
) -> dict:
    """Each page in rounds of three: nginx's static page, the fixed Django page, the page."""
    results: dict = {}
    names = pages or list(targets["pages"])
    for c in connections:
        results[str(c)] = {}
        for name in names:
            cookie = targets["session_cookie"] if name in targets["signed_in"] else None
            url = base + targets["pages"][name]
            # Warm up, not measured: every gunicorn worker loads the page's templates and opens
            # its database connection on its first request for the page; measured, those few
            # first requests (one per worker) were the round's p99.
            wrk(url, c, 1, cookie)
            per_round = []
            for _ in range(rounds):
                static = wrk(static_url, c, seconds)
                fixed = wrk(fixed_url, c, seconds, cookie)
                page = wrk(url, c, seconds, cookie)
                settle(fixed_url)
                per_round.append(
                    {
                        "static": static,
                        "fixed": fixed,
                        "page": page,
                        "ratio_static": page["rps"] / max(static["rps"], 0.01),
                        "ratio_fixed": page["rps"] / max(fixed["rps"], 0.01),
                    }
                )
            summary = {
                "rps": statistics.median(r["page"]["rps"] for r in per_round),
                "p50_ms": statistics.median(r["page"]["p50_ms"] for r in per_round),
                "p99_ms": max(r["page"]["p99_ms"] for r in per_round),
                "ratio_static": statistics.median(r["ratio_static"] for r in per_round),
                "ratio_fixed": statistics.median(r["ratio_fixed"] for r in per_round),
                "static_rps": statistics.median(r["static"]["rps"] for r in per_round),
                "fixed_rps": statistics.median(r["fixed"]["rps"] for r in per_round),
                "non_2xx": sum(r["page"]["non_2xx"] for r in per_round),
                "rounds": per_round,
            }
            results[str(c)][name] = summary
            log(
                f"  c={c:<2} {name:<22} {summary['rps']:8.0f} req/s"
                f"  p50 {summary['p50_ms']:7.1f} ms"
                f"  p99 {summary['p99_ms']:7.1f} ms  {summary['ratio_fixed']:6.1%} of fixed"
                f"  {summary['ratio_static']:6.1%} of static"
                + (f"  NON-2XX {summary['non_2xx']}" if summary["non_2xx"] else "")
            )
    return results


# --- PDF ----------------------------------------------------------------------------------------


def measure_pdf(env: dict, cycle_id: int, rounds: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    profile = out / "chromium-profile"
    weasy, chrome = [], []
    try:
        for _ in range(rounds):
            result = subprocess.run(
                [str(PYTHON), "-m", "bench.pdf_weasyprint", str(cycle_id), str(out)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            weasy.append(json.loads(result.stdout.strip().splitlines()[-1]))
            started = time.perf_counter()
            subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
                + ["--disable-background-networking", "--disable-component-update"]
                + ["--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer"]
                + [f"--print-to-pdf={out / 'chromium.pdf'}", str(out / "evaluation.html")],
                check=True,
                capture_output=True,
            )
            chrome.append(time.perf_counter() - started)
            log(f"  PDF: WeasyPrint {weasy[-1]['seconds']:.2f} s, Chromium {chrome[-1]:.2f} s")
        from pypdf import PdfReader

        chromium_pages = len(PdfReader(out / "chromium.pdf").pages)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    weasy_s = statistics.median(w["seconds"] for w in weasy)
    chrome_s = statistics.median(chrome)
    return {
        "weasyprint_seconds": round(weasy_s, 2),
        "chromium_seconds": round(chrome_s, 2),
        "ratio": round(weasy_s / chrome_s, 2),
        "weasyprint_peak_mib": round(max(w["peak_mib"] for w in weasy), 1),
        "weasyprint_pages": weasy[-1]["pages"],
        "chromium_pages": chromium_pages,
        "pdf_bytes": weasy[-1]["bytes"],
        "rounds": [
            {"weasyprint": w, "chromium_seconds": c} for w, c in zip(weasy, chrome, strict=True)
        ],
    }


def measure_register_import(env: dict, rows: int = 5000) -> dict:
    result = subprocess.run(
        [str(PYTHON), "-m", "bench.register_import", str(rows)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    log(
        f"  Import of {figures['rows']} rows: read {figures['read_seconds']} s, check "
        f"{figures['preview_seconds']} s, import {figures['import_seconds']} s"
    )
    return figures


def import_verdict(figures: dict) -> dict:
    limit = BUDGETS["register_import_5000_seconds"]
    return {
        "budget": f"import of {figures['rows']:,} register rows (check and import) ≤ {limit:g} s",
        "met": figures["total_seconds"] <= limit,
        "value": f"{figures['total_seconds']} s (read {figures['read_seconds']} s, check "
        f"{figures['preview_seconds']} s, import {figures['import_seconds']} s)",
    }


def only_import(args) -> None:
    """``--only import``: the register import alone, merged into the last full run's result."""
    name = f"pg-seed{args.seed}-scale{args.scale:g}"
    data_dir = WORK / name
    var_dir = WORK / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    with postgres(data_dir) as database_url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "PORTAL_VAR_DIR": str(var_dir),
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "createcachetable")
        marker = data_dir.parent / f"{name}.generated.json"
        if not marker.exists():
            manage(env, "load_agreements")
        log("Register import: 5,000 rows")
        figures = measure_register_import(env)
        figures["data_set"] = "national data set" if marker.exists() else "empty register"
    latest = RESULTS / "latest.json"
    result = json.loads(latest.read_text()) if latest.exists() else {}
    result["register_import"] = figures
    result.setdefault("budgets", {}).update(BUDGETS)
    result["verdicts"] = [
        v for v in result.get("verdicts", []) if "register rows" not in v["budget"]
    ] + [import_verdict(figures)]
    RESULTS.mkdir(exist_ok=True)
    latest.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log(f"Wrote {latest}")
    if not args.no_doc and "machine" in result:
        sys.path.insert(0, str(ROOT))
        from bench.report import write_doc

        write_doc(result, DOC)
        log(f"Wrote the tables in {DOC}")


# --- the machine and the report -----------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = int(line.split()[1]) // 1024 // 1024
    os_name = ""
    if Path("/etc/os-release").exists():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')

    def version(*command: str) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True)
            return (result.stdout or result.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return ""

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "os": os_name,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": version(_pg_bin("postgres"), "--version"),
        "nginx": version(NGINX, "-v"),
        "wrk": version("wrk", "--version"),
        "chromium": version(CHROMIUM, "--version"),
        "gunicorn_workers": WORKERS,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per page and concurrency")
    parser.add_argument("--pdf-rounds", type=int, default=3)
    parser.add_argument("--connections", default="2,32")
    parser.add_argument("--modes", default="uncached,cached,nginx-cache")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="generate the data set again")
    parser.add_argument(
        "--serve", action="store_true", help="only serve the portal on the data set (profiling)"
    )
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--skip-import", action="store_true", help="skip the register import")
    parser.add_argument(
        "--only", choices=["import"], help="run one step alone (import: the register import)"
    )
    args = parser.parse_args()
    # Stopped with SIGTERM, still stop every server this run started (the `with` blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.only == "import":
        only_import(args)
        return

    started = time.monotonic()
    name = f"pg-seed{args.seed}-scale{args.scale:g}"
    data_dir = WORK / name
    if args.fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    var_dir = WORK / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    fixed_page = var_dir / "fixed-page.html"
    result: dict = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "seed": args.seed,
            "scale": args.scale,
            "wrk_seconds": args.seconds,
            "rounds": args.rounds,
            "connections": args.connections,
            "django_settings": "bench.settings (portal.settings.loopback)",
            "cache": "Redis (redis-server on loopback, REDIS_URL)",
        },
        "budgets": BUDGETS,
    }
    log(f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores")

    with postgres(data_dir) as database_url, redis() as redis_url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PORTAL_VAR_DIR": str(var_dir),
            "DJANGO_LOG_LEVEL": "WARNING",
            "BENCH_FIXED_PAGE": str(fixed_page),
            "PYTHONPATH": str(ROOT),
        }
        marker = data_dir.parent / f"{name}.generated.json"
        if not marker.exists():
            log("Migrating and generating the national data set (once; kept in var/bench/)")
            manage(env, "migrate", "--no-input", "-v0")
            manage(env, "createcachetable")
            manage(env, "load_agreements")
            t0 = time.monotonic()
            output = manage(
                env,
                "generate_national_data",
                f"--seed={args.seed}",
                f"--scale={args.scale}",
                capture=True,
            )
            print(output, flush=True)
            manage(env, "shell", "-c", "from django.db import connection; "
                   "connection.cursor().execute('VACUUM ANALYZE')")  # fmt: skip
            marker.write_text(
                json.dumps({"seconds": round(time.monotonic() - t0), "output": output.strip()})
            )
        else:
            manage(env, "migrate", "--no-input", "-v0")
            manage(env, "createcachetable")  # a table a newer release added (portal_security_cache)
        result["data_set"] = json.loads(marker.read_text())
        manage(env, "collectstatic", "--no-input", "-v0")
        targets = json.loads(
            subprocess.run(
                [str(PYTHON), "-m", "bench.targets"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        result["targets"] = {k: v for k, v in targets.items() if k != "session_cookie"}
        pages = [p for p in args.pages.split(",") if p] or None
        connections = [int(c) for c in args.connections.split(",")]

        if args.serve:
            port = int(os.environ.get("BENCH_PORT", "8777"))
            page_cache = os.environ.get("PORTAL_PAGE_CACHE", "0")
            with gunicorn({**env, "PORTAL_PAGE_CACHE": page_cache}, port):
                log(f"Serving on http://127.0.0.1:{port}/ ({targets['session_cookie']})")
                log(json.dumps(targets["pages"], ensure_ascii=False))
                (WORK / "serve.env").write_text(json.dumps({"env": env, "targets": targets}))
                with contextlib.suppress(KeyboardInterrupt):
                    signal.pause()
            return

        result["modes"] = {}
        for mode in [m for m in args.modes.split(",") if m]:
            mode_env = {**env, "PORTAL_PAGE_CACHE": "0" if mode == "uncached" else "1"}
            app_port, static_port, cache_port = free_port(), free_port(), free_port()
            with gunicorn(mode_env, app_port), nginx(static_port, cache_port, app_port) as tmp:
                base = f"http://127.0.0.1:{app_port}"
                status, _headers, body = fetch(base + targets["pages"]["register"])
                fixed_page.write_bytes(body)
                (tmp / "www" / "page.html").write_bytes(body)
                wait_for(f"http://127.0.0.1:{static_port}/page.html")
                if mode == "nginx-cache":
                    base = f"http://127.0.0.1:{cache_port}"
                    wait_for(base + "/healthz")
                for name_, path in targets["pages"].items():
                    cookie = targets["session_cookie"] if name_ in targets["signed_in"] else ""
                    status, _headers, body = fetch(base + path, {"Cookie": cookie})
                    if status != 200:  # counted as non-2xx in the figures, and reported
                        log(f"WARNING: {name_} ({path}) answered {status}")
                    result.setdefault("page_bytes", {})[name_] = len(body)
                log(f"Mode {mode}: {WORKERS} gunicorn workers on :{app_port}")
                result["modes"][mode] = measure_pages(
                    base=base,
                    static_url=f"http://127.0.0.1:{static_port}/page.html",
                    fixed_url=f"http://127.0.0.1:{app_port}/bench/fixed/",
                    targets=targets,
                    connections=connections,
                    rounds=args.rounds,
                    seconds=args.seconds,
                    pages=pages,
                )
        if not args.skip_pdf:
            log("PDF: the largest evaluation, WeasyPrint and Chromium alternately")
            result["pdf"] = measure_pdf(env, targets["published_cycle"], args.pdf_rounds)
        if not args.skip_import:
            log("Register import: 5,000 rows, checked and imported, then rolled back")
            result["register_import"] = measure_register_import(env)
            result["register_import"]["data_set"] = "national data set"

    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["minutes"] = round((time.monotonic() - started) / 60, 1)
    result["verdicts"] = verdicts(result, targets)
    if "register_import" in result:
        result["verdicts"].append(import_verdict(result["register_import"]))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log(f"Wrote {RESULTS / 'latest.json'}")
    if not args.no_doc:
        sys.path.insert(0, str(ROOT))
        from bench.report import write_doc

        write_doc(result, DOC)
        log(f"Wrote the tables in {DOC}")
    for verdict in result["verdicts"]:
        log(
            f"{'met    ' if verdict['met'] else 'NOT MET'}  {verdict['budget']}: {verdict['value']}"
        )


def verdicts(result: dict, targets: dict) -> list[dict]:
    """Each budget of issue #7, met or not, from this run's figures."""
    out = []
    public = [p for p in targets["pages"] if p not in targets["signed_in"]]
    modes = result.get("modes", {})

    def worst(mode: str, key: str, pages: list[str]) -> tuple[str, float] | None:
        figures = [
            (f"{p} at {c}", v[p][key])
            for c, v in modes.get(mode, {}).items()
            for p in pages
            if p in v
        ]
        if not figures:
            return None
        pick = max if key == "p99_ms" else min
        return pick(figures, key=lambda f: f[1])

    for label, mode, key, limit in [
        ("every public page uncached ≥ 10% of the fixed view", "uncached", "ratio_fixed", 0.10),
        ("every public page cached ≥ 80% of the fixed view", "cached", "ratio_fixed", 0.80),
        (
            "every public page through nginx's cache ≥ 50% of nginx static",
            "nginx-cache",
            "ratio_static",
            0.50,
        ),
    ]:
        found = worst(mode, key, public)
        if found:
            out.append(
                {
                    "budget": label,
                    "met": found[1] >= limit,
                    "value": f"lowest {found[1]:.1%} ({found[0]})",
                }
            )
    figures = [
        (f"{p} ({mode})", v[p]["p99_ms"])
        for mode, by_c in modes.items()
        for p, v in [(p, by_c.get("2", {})) for p in targets["pages"]]
        if p in v
    ]
    if figures:
        name, value = max(figures, key=lambda f: f[1])
        out.append(
            {
                "budget": "p99 ≤ 100 ms at 2 connections, every page",
                "met": value <= 100,
                "value": f"highest {value:.1f} ms ({name})",
            }
        )
    pdf = result.get("pdf")
    if pdf:
        out.append(
            {
                "budget": "evaluation PDF ≤ 2× Chromium's time",
                "met": pdf["ratio"] <= 2.0,
                "value": f"{pdf['ratio']:.2f}× ({pdf['weasyprint_seconds']} s against "
                f"{pdf['chromium_seconds']} s)",
            }
        )
        out.append(
            {
                "budget": "evaluation PDF within 300 MiB",
                "met": pdf["weasyprint_peak_mib"] <= 300,
                "value": f"{pdf['weasyprint_peak_mib']} MiB peak",
            }
        )
    return out


if __name__ == "__main__":
    main()

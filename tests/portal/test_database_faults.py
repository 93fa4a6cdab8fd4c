"""The database out of reach: 503 with the friendly page, and recovery without a restart.

The portal runs here as it does in production: a real WSGI server in a thread of its own, with
its own persistent database connection (CONN_MAX_AGE with health checks), answering HTTP on a
loopback port. On PostgreSQL the connection runs through a TCP proxy in the test that can be cut
(every open connection reset, new ones refused) and restored on the same port; on any database,
a second test makes every new connection fail as a stopped server does.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.error
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test import Client, override_settings

from tests.security.test_concurrency import committed_db  # noqa: F401  (a fixture)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a TCP proxy can stand between Django and the database only on PostgreSQL",
)

UNAVAILABLE_HEADING = "Tjänsten är tillfälligt otillgänglig"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class PortalServer:
    """Django's WSGI application behind wsgiref, one request at a time, in a thread."""

    def __init__(self):
        self.httpd: WSGIServer = make_server(
            "127.0.0.1", 0, WSGIHandler(), handler_class=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.run_between_requests(connections.close_all)  # the server thread's own connections
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def run_between_requests(self, action) -> None:
        """Run ``action`` on the server's own thread (where its connection lives), and wait."""
        done = threading.Event()

        def once():
            self.httpd.service_actions = lambda: None
            action()
            done.set()

        self.httpd.service_actions = once  # serve_forever calls it on every turn of its loop
        assert done.wait(timeout=10)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def _assert_unavailable(server: PortalServer) -> None:
    status, page = server.get("/")
    assert status == 503
    assert UNAVAILABLE_HEADING in page
    assert '<main id="main"' in page and page.count("<h1") == 1
    status, body = server.get("/healthz")
    assert status == 503
    assert '"database": "down"' in body


def _assert_available(server: PortalServer) -> None:
    status, page = server.get("/")
    assert status == 200
    assert "Borås" in page  # the agreements, read from the database
    status, body = server.get("/healthz")
    assert (status, '"database": "up"' in body) == (200, True)


# --- PostgreSQL behind a proxy that can be cut --------------------------------------------------


class TCPProxy:
    """Forwards a loopback port to the database server; ``cut`` and ``restore`` it at will."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # the listener was closed: the proxy is cut
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and reset every open one, as a lost network or server does."""
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self.listener.close()
            self.listener = None
        with self.lock:
            for end in self.sockets:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)  # wakes the pumps, ends the session
                with contextlib.suppress(OSError):
                    end.close()
            self.sockets = []

    def restore(self) -> None:
        self.start()


@pytest.mark.postgres
@postgresql_only
@pytest.mark.usefixtures("committed_db")
def test_postgresql_cut_off_gives_503_and_the_same_process_recovers():
    settings_dict = connection.settings_dict  # shared by every thread's connection
    proxy = TCPProxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    proxy.start()
    original = settings_dict["HOST"], settings_dict["PORT"]
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        with PortalServer() as server:
            _assert_available(server)  # the server thread now holds a connection via the proxy
            assert len(proxy.sockets) == 2

            proxy.cut()
            _assert_unavailable(server)  # the open connection is broken, a new one refused
            _assert_unavailable(server)

            proxy.restore()
            _assert_available(server)  # same process, same thread: it reconnects by itself
            _assert_available(server)
    finally:
        settings_dict["HOST"], settings_dict["PORT"] = original
        proxy.cut()


# --- Any database: new connections fail, as when the server is stopped ---------------------------


@pytest.mark.usefixtures("committed_db")
def test_a_stopped_database_gives_503_and_the_site_recovers_when_it_returns(monkeypatch):
    """While "down", the open connection fails every statement and its health check, and a new
    connection is refused, as with a stopped server; on SQLite (an in-memory test database that
    Django never really closes) this is as close to "unreachable" as it gets."""
    down = _stoppable_database(monkeypatch)
    with PortalServer() as server:
        _assert_available(server)
        down.set()
        _assert_unavailable(server)
        _assert_unavailable(server)
        down.clear()
        _assert_available(server)


# --- The page cache in the database: its failures do not decide the answer ----------------------


def _stoppable_database(monkeypatch) -> threading.Event:
    """Set the event to make every statement and new connection fail, as a stopped server."""
    wrapper = type(connections["default"])
    down = threading.Event()

    def failing_while_down(method):
        def replacement(self, *args, **kwargs):
            if down.is_set():
                raise OperationalError("connection refused: the database server is not running")
            return method(self, *args, **kwargs)

        return replacement

    real_is_usable = wrapper.is_usable
    monkeypatch.setattr(
        wrapper, "get_new_connection", failing_while_down(wrapper.get_new_connection)
    )
    monkeypatch.setattr(wrapper, "create_cursor", failing_while_down(wrapper.create_cursor))
    monkeypatch.setattr(
        wrapper, "is_usable", lambda self: not down.is_set() and real_is_usable(self)
    )
    return down


@pytest.fixture
def database_cache():
    """The page cache on, in Django's own database cache (production without Redis), whose
    failures raise: the page cache middleware reads it before anything else."""
    cache_settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }
    with override_settings(CACHES=cache_settings, PORTAL_PAGE_CACHE=True):
        call_command("createcachetable")
        yield
        from django.core.cache import cache

        cache.clear()


@pytest.mark.usefixtures("committed_db", "database_cache")
def test_healthz_answers_its_json_while_the_page_caches_database_fails(monkeypatch, caplog):
    down = _stoppable_database(monkeypatch)
    with PortalServer() as server:
        _assert_available(server)
        down.set()
        status, body = server.get("/healthz")
        assert status == 503 and body.startswith("{")  # JSON, not the HTML page
        assert '"database": "down"' in body
        _assert_unavailable(server)  # a page needs the database itself: the 503 page
        down.clear()
        _assert_available(server)
    logged = [r.getMessage() for r in caplog.records]
    assert any("page cache: reading / failed" in m for m in logged), logged  # and went on
    assert not any("reading /healthz" in m for m in logged)  # not a public page: never cached


# --- A read-only database: reads are still served -----------------------------------------------


def _read_only(vendor: str):
    """Make the server thread's own connection refuse every write, as a read-only database does:
    SQLite's ``query_only`` fails writes exactly as a file without write permission (``attempt
    to write a readonly database``), PostgreSQL's session as ``default_transaction_read_only``
    (or a standby) does."""
    statement = {
        "sqlite": "PRAGMA query_only = ON",
        "postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    }[vendor]

    def apply():
        with connection.cursor() as cursor:
            cursor.execute(statement)

    return apply


@pytest.mark.postgres
@pytest.mark.usefixtures("committed_db")
def test_a_read_only_database_still_serves_public_and_signed_in_reads(caplog):
    from core.middleware import SessionTimeoutMiddleware
    from tests.factories import RepresentativeFactory

    cache_settings = {
        "default": {"BACKEND": "core.cache.ResilientDatabaseCache", "LOCATION": "portal_cache"}
    }
    with override_settings(CACHES=cache_settings, PORTAL_PAGE_CACHE=True):
        call_command("createcachetable")
        rep = RepresentativeFactory(organisation__name="Läsföreningen")
        user = rep.user
        browser = Client()
        browser.force_login(user)
        key = browser.cookies[settings.SESSION_COOKIE_NAME].value
        session = browser.session
        session[SessionTimeoutMiddleware.SEEN] -= 120  # this visit writes the last-seen time
        session.save()
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"}
        with PortalServer() as server:
            _assert_available(server)
            server.run_between_requests(_read_only(connection.vendor))
            # The home page from the page cache; the others are not in it yet, so they are
            # rendered from the read-only database and their cache writes fail.
            for path in ("/", "/overenskommelser/", "/organisationer/", "/organisationer/?q=las"):
                status, page = server.get(path)
                assert status == 200, (path, page[:300])
            status, page = server.get("/mina-sidor/", cookie)
            assert status == 200 and "Läsföreningen" in page  # signed in, with the data
            status, _body = server.get("/healthz")
            assert status == 200
        from django.core.cache import cache

        cache.clear()
    messages = [r.getMessage() for r in caplog.records]
    assert any("the database cache failed" in m for m in messages), messages
    assert any("not written to the database" in m for m in messages), messages

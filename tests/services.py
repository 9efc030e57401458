"""Real services for tests: a Celery worker process and an SMTP server.

Loaded as a pytest plugin by tests/conftest.py (``pytest_plugins``).

``celery_worker``
    A real ``celery -A community worker`` subprocess consuming from the Redis in REDIS_URL and
    reading and writing the test database that pytest-django created. Eager Celery hides
    serialisation, acknowledgements and retries; this fixture does not. Tests that use it get
    a transactional database (the worker only sees committed rows) and the ``services``
    marker. Without REDIS_URL (the embedded default) they are skipped; under CI with REDIS_URL
    set, a worker that cannot start is a failure, never a skip.

``celery_worker_factory``
    Starts workers of the test's own (stopped after it) with extra environment, such as
    ``EMAIL_URL`` pointing at the test's ``smtp_server``, or another pool (``prefork``), for
    tests that kill a worker or need its settings changed.

``smtp_server``
    An SMTP server on 127.0.0.1 that keeps every message it accepts (parsed with the standard
    ``email`` package), with Django's e-mail settings pointed at it for the test. Set
    ``.refuse = True`` to have it answer 451 to every message, as a mail server under load does.
"""

import asyncio
import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent

WORKER_START_TIMEOUT = 60.0
WORKER_PING_TIMEOUT = 20.0
WORKER_STOP_TIMEOUT = 20.0
WORKER_READY_MARK = " ready."

# Django 6.1 warns each time a test changes an EMAIL_* setting while the project still uses
# them instead of MAILERS. The warning at start-up already says so; the repeats are only noise.
EMAIL_SETTINGS_CHANGED_WARNING = (
    "ignore:The EMAIL_:django.utils.deprecation.RemovedInDjango2028Warning:pytest_django.fixtures"
)

_reports_key = pytest.StashKey[dict]()


def pytest_configure(config):
    config.addinivalue_line("filterwarnings", EMAIL_SETTINGS_CHANGED_WARNING)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "celery_worker" in fixtures or "celery_worker_factory" in fixtures:
            item.add_marker(pytest.mark.services)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures can tell whether their test failed."""
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    return report


def _test_failed(node) -> bool:
    reports = node.stash.get(_reports_key, {})
    return any(report.failed for report in reports.values())


# --- Celery worker --------------------------------------------------------------------------


def database_url_for_worker(settings_dict: dict) -> str | None:
    """A DATABASE_URL naming the database behind ``settings_dict``, or None if none can be shared.

    pytest-django has already swapped NAME for the test database's name, so the worker opens
    the same database as the test. SQLite test databases live in memory, which another
    process cannot open.
    """
    engine = settings_dict["ENGINE"]
    name = str(settings_dict.get("NAME") or "")
    if engine == "django.db.backends.postgresql":
        user = quote(str(settings_dict.get("USER") or ""), safe="")
        password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
        host = quote(str(settings_dict.get("HOST") or ""), safe="")
        port = str(settings_dict.get("PORT") or "")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        address = f"{host}:{port}" if port else host
        options = {
            key: value
            for key, value in (settings_dict.get("OPTIONS") or {}).items()
            if isinstance(value, str | int)
        }
        query = f"?{urlencode(options)}" if options else ""
        return f"postgres://{credentials}{address}/{quote(name, safe='')}{query}"
    if engine == "django.db.backends.sqlite3":
        if not name or name == ":memory:" or "mode=memory" in name:
            return None
        return f"sqlite:///{name}"
    return None


@dataclass
class CeleryWorker:
    """A running worker process and the queue it consumes."""

    process: subprocess.Popen
    queue: str
    log_path: Path
    redis_url: str
    database_url: str

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def assert_alive(self) -> None:
        if not self.is_alive():
            pytest.fail(
                f"The Celery worker exited with code {self.process.returncode}.\n"
                f"--- worker log ---\n{self.log_tail()}",
                pytrace=False,
            )

    def ping(self, timeout: float = WORKER_PING_TIMEOUT) -> float:
        """Send ``community.ping`` through the broker and wait for its mark in the cache.

        Returns the round trip in seconds; fails the test if the mark does not appear in time.
        """
        from django.core.cache import cache

        from community.celery import app

        token = uuid.uuid4().hex
        started = time.monotonic()
        app.send_task("community.ping", args=[token], queue=self.queue)
        key = f"ping:{token}"
        while time.monotonic() - started < timeout:
            if cache.get(key) == "pong":
                cache.delete(key)
                return time.monotonic() - started
            self.assert_alive()
            time.sleep(0.05)
        pytest.fail(
            f"The Celery worker did not answer a ping on queue {self.queue!r} within "
            f"{timeout:.0f}s.\n--- worker log ---\n{self.log_tail()}",
            pytrace=False,
        )

    def stop(self) -> int | None:
        """Warm shutdown (SIGTERM), then SIGKILL if the worker does not leave in time."""
        if self.is_alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
                return None
        return self.process.returncode


def _unavailable(reason: str):
    """Skip on a developer's machine; under CI the services run must not quietly shrink."""
    if running_in_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _wait_until_ready(worker: CeleryWorker) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if WORKER_READY_MARK in worker.log():
            return
        if not worker.is_alive():
            break
        time.sleep(0.1)
    worker.stop()
    pytest.fail(
        f"The Celery worker did not become ready within {WORKER_START_TIMEOUT:.0f}s "
        f"(exit code {worker.process.returncode}).\n--- worker log ---\n{worker.log_tail()}",
        pytrace=False,
    )


def _forget_queue(redis_url: str, queue: str) -> None:
    """Remove the session's queue and the broker's bookkeeping for it from Redis."""
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        keys = list(client.scan_iter(match=f"*{queue}*", count=500))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


def _worker_services() -> tuple[str, str]:
    """REDIS_URL and a DATABASE_URL another process can open; skips (or fails under CI)
    when either is missing."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the real Celery worker needs Redis.")

    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at REDIS_URL is not reachable: {exc}")

    from django.db import connection

    database_url = database_url_for_worker(connection.settings_dict)
    if database_url is None:
        _unavailable(
            "The real Celery worker needs a database another process can open; "
            "set DATABASE_URL to PostgreSQL."
        )
    return redis_url, database_url


def launch_celery_worker(
    *,
    redis_url: str,
    database_url: str,
    extra_env: dict | None = None,
    pool: str = "solo",
    concurrency: int | None = None,
):
    """Start ``celery -A community worker`` on a queue of its own; returns the worker and its
    open log file (the caller waits for it to be ready, stops it and closes the log)."""
    queue = f"stoa-test-{uuid.uuid4().hex[:12]}"
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept open for the worker's lifetime)
        prefix=f"{queue}-", suffix=".log", delete=False
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "community.settings.test",
        "CELERY_EAGER": "0",
        "CELERY_QUEUE": queue,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # Close connections after each task so the test's TRUNCATE and the final DROP
        # DATABASE never wait on the worker.
        "DB_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "community",
        "worker",
        f"--pool={pool}",
        "--loglevel=INFO",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        f"--queues={queue}",
        f"--hostname={queue}@%h",
    ]
    if concurrency:
        command.append(f"--concurrency={concurrency}")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = CeleryWorker(
        process=process,
        queue=queue,
        log_path=Path(log_file.name),
        redis_url=redis_url,
        database_url=database_url,
    )
    return worker, log_file


@contextlib.contextmanager
def publishing_to(queue: str):
    """Eager mode off and ``queue`` as the in-process app's default queue, restored after."""
    from community.celery import app

    saved_conf = {
        "task_always_eager": app.conf.task_always_eager,
        "task_default_queue": app.conf.task_default_queue,
    }
    saved_default_queue = app.amqp.__dict__.pop("default_queue", None)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.update(saved_conf)
        app.amqp.__dict__.pop("default_queue", None)
        if saved_default_queue is not None:
            app.amqp.__dict__["default_queue"] = saved_default_queue


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """One worker process for the whole session, on a queue no other run shares.

    It depends on ``django_db_setup`` so it stops before pytest-django drops the test database.
    """
    redis_url, database_url = _worker_services()
    worker, log_file = launch_celery_worker(redis_url=redis_url, database_url=database_url)
    try:
        _wait_until_ready(worker)
        yield worker
        returncode = worker.stop()
        if returncode != 0:
            print(f"\n--- Celery worker log (exit code {returncode}) ---\n{worker.log_tail()}")
            pytest.fail(f"The Celery worker did not shut down cleanly (exit code {returncode}).")
    finally:
        worker.stop()
        log_file.close()
        worker.log_path.unlink(missing_ok=True)
        _forget_queue(redis_url, queue=worker.queue)


def settle(worker: CeleryWorker, rounds: int = 30) -> bool:
    """Wait until the worker has finished what this test set going.

    Handlers emit outbox events whose handlers emit more (a reply earns a badge, the badge is
    announced), so one ping is not enough: the worker is settled once two pings in a row see
    the same outbox with nothing pending. A test's database must not be flushed under a task
    still running (the flush deadlocks, or the task writes into the next test).
    """
    from community.models import OutboxEvent

    last = None
    for _ in range(rounds):
        if not worker.is_alive():
            return False
        worker.ping()
        state = (
            OutboxEvent.objects.count(),
            OutboxEvent.objects.filter(published_at__isnull=True).count(),
        )
        if state == last and state[1] == 0:
            return True
        last = state
    return False


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db, request):
    """Publish to the real worker for this test: eager mode off, the worker's queue as default.

    The in-process Celery app is restored afterwards, so other tests keep running tasks eagerly.
    """
    worker = celery_worker_process
    worker.assert_alive()
    try:
        with publishing_to(worker.queue):
            # Also proves the worker is consuming now, not only that it started once.
            worker.ping()
            yield worker
            settle(worker)
    finally:
        if _test_failed(request.node):
            print(f"\n--- Celery worker log (queue {worker.queue}) ---\n{worker.log_tail()}")
    worker.assert_alive()


@pytest.fixture
def celery_worker_factory(django_db_setup, transactional_db, request):
    """Start workers of the test's own: with extra environment (``EMAIL_URL`` pointing at the
    test's SMTP server, say) or another pool (``prefork``, whose child a test may kill).

    ``start(extra_env=..., pool=..., concurrency=...)`` returns a ready worker and makes the
    in-process app publish to its queue; every worker started is stopped after the test.
    """
    redis_url, database_url = _worker_services()
    started = []
    switches = contextlib.ExitStack()

    def start(*, extra_env=None, pool="solo", concurrency=None) -> CeleryWorker:
        worker, log_file = launch_celery_worker(
            redis_url=redis_url,
            database_url=database_url,
            extra_env=extra_env,
            pool=pool,
            concurrency=concurrency,
        )
        started.append((worker, log_file))
        _wait_until_ready(worker)
        switches.enter_context(publishing_to(worker.queue))
        worker.ping()
        return worker

    try:
        yield start
    finally:
        switches.close()
        for worker, log_file in started:
            if _test_failed(request.node):
                print(f"\n--- Celery worker log (queue {worker.queue}) ---\n{worker.log_tail()}")
            worker.stop()
            log_file.close()
            worker.log_path.unlink(missing_ok=True)
            _forget_queue(redis_url, queue=worker.queue)


# --- SMTP server ----------------------------------------------------------------------------


@dataclass
class SMTPServer:
    """What a test sees of the SMTP server: where it listens and what it received."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: bool = False
    refused: int = 0

    @property
    def url(self) -> str:
        """The server as an EMAIL_URL (community/settings/env.py)."""
        return f"smtp://{self.host}:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived (for mail sent by another process)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Expected {count} e-mail message(s) within {timeout:.0f}s, "
                    f"got {len(self.messages)}.",
                    pytrace=False,
                )
            time.sleep(0.05)
        return self.messages


class _CollectingHandler:
    def __init__(self, server: SMTPServer):
        self.server = server
        self._lock = threading.Lock()

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.refuse:
            with self._lock:
                self.server.refused += 1
            return "451 4.3.0 Temporarily unable to accept the message, try again later"
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.server.messages.append(message)
        return "250 2.0.0 Message accepted"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port, with Django's mail settings pointed at it."""
    from aiosmtpd.controller import Controller

    host = "127.0.0.1"
    controller = None
    server = None
    for _attempt in range(5):
        server = SMTPServer(host=host, port=_free_port())
        controller = Controller(
            _CollectingHandler(server),
            hostname=host,
            port=server.port,
            loop=asyncio.new_event_loop(),
            ready_timeout=10,
        )
        try:
            controller.start()
            break
        except OSError:
            controller.loop.close()
            controller = None
    if controller is None or server is None:
        pytest.fail("Could not start the test SMTP server on 127.0.0.1.")

    backend = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_HOST = host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    if hasattr(settings, "MAILERS"):
        settings.MAILERS = {
            **settings.MAILERS,
            "default": {
                "BACKEND": backend,
                "OPTIONS": {"host": host, "port": server.port, "timeout": 5},
            },
        }
    try:
        yield server
    finally:
        controller.stop()
        controller.loop.close()

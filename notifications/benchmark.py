"""How long one reply takes to reach N watchers through a real Celery worker.

``fan_out_benchmark(watchers=10000)`` builds a throw-away space with one question and N
members watching it (each with a verified address, so the e-mail bookkeeping is part of the
work), posts one reply through the forum service as a member would, and waits until every
watcher has their notification. The clock starts before the reply is written and stops when
the last row is in: the reply's transaction, the outbox relay through Redis, the fan-out task
and its batched inserts.

It needs a database another process can open (PostgreSQL, or SQLite in a file) and
REDIS_URL. With ``spawn_worker=True`` it starts its own worker on a private queue;
otherwise a worker must already consume the default queue. ``manage.py bench_fanout`` runs
it from the command line. Everything it made is deleted afterwards unless ``keep=True``.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction

from forums import services as forum_services
from forums.models import Post, Space, Thread

from .models import EmailDelivery, Level, Notification, Subscription

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchResult:
    watchers: int
    notifications: int
    seconds: float  # from before the reply was written until the last notification row
    database: str

    def __str__(self) -> str:
        rate = self.notifications / self.seconds if self.seconds else 0
        return (
            f"{self.notifications} of {self.watchers} watchers notified in {self.seconds:.2f} s "
            f"({rate:,.0f} per second, {self.database})"
        )


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        user = f"{db.get('USER') or ''}{password}@" if db.get("USER") else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{user}{db.get('HOST') or ''}{port}/{db['NAME']}"
    if connection.vendor == "sqlite" and "memory" not in str(db["NAME"]):
        return f"sqlite:///{db['NAME']}"
    raise RuntimeError("The benchmark needs PostgreSQL or a SQLite file a worker can open.")


class _Worker:
    """A worker process on a private queue, for the benchmark's own use."""

    def __init__(self):
        if not settings.REDIS_URL:
            raise RuntimeError("The benchmark needs REDIS_URL: a real worker reads from Redis.")
        self.queue = f"stoa-bench-{uuid.uuid4().hex[:10]}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (open while the worker runs)
            prefix=f"{self.queue}-", suffix=".log", delete=False
        )
        env = {
            **os.environ,
            "CELERY_QUEUE": self.queue,
            "CELERY_EAGER": "0",
            "DATABASE_URL": _database_url(),
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "community.settings.base"
            ),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "community",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            f"--queues={self.queue}",
            f"--hostname={self.queue}@%h",
        ]
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def __enter__(self):
        from community.celery import app

        self._saved = (app.conf.task_always_eager, app.conf.task_default_queue)
        app.conf.task_always_eager = False
        app.conf.task_default_queue = self.queue
        app.amqp.__dict__.pop("default_queue", None)
        self._wait_ready(app)
        return self

    def _wait_ready(self, app, timeout: float = 60.0) -> None:
        from django.core.cache import cache

        token = uuid.uuid4().hex
        app.send_task("community.ping", args=[token], queue=self.queue)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cache.get(f"ping:{token}") == "pong":
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"The benchmark worker did not start; see {self.log.name}")

    def __exit__(self, *exc):
        from community.celery import app

        app.conf.task_always_eager, app.conf.task_default_queue = self._saved
        app.amqp.__dict__.pop("default_queue", None)
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
        self._forget_queue()
        return False

    def _forget_queue(self) -> None:
        """Remove the private queue and the broker's bookkeeping for it from Redis."""
        import redis

        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
            keys = list(client.scan_iter(match=f"*{self.queue}*", count=500))
            if keys:
                client.delete(*keys)
        except redis.RedisError:
            pass


def _scene(watchers: int, tag: str):
    """A space, an asker, a replier and ``watchers`` members watching the question."""
    User = get_user_model()
    password = make_password(None)
    people = User.objects.bulk_create(
        [
            User(username=f"{tag}-{n}", email=f"{tag}-{n}@bench.invalid", password=password)
            for n in range(watchers + 2)
        ],
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in people],
        batch_size=2000,
    )
    asker, replier, watching = people[0], people[1], people[2:]
    # Staff skip the first-posts hold and the rate limits, so the reply is published at once.
    staff = Group.objects.filter(name="Staff").first()
    if staff is not None:
        staff.user_set.add(asker, replier)
    space = Space.objects.create(name=f"Benchmark {tag}", slug=tag)
    with transaction.atomic():
        thread = forum_services.thread_create(
            author=asker, space=space, kind=Thread.Kind.QUESTION, title="Fan-out", body="Go."
        )
    Subscription.objects.bulk_create(
        [Subscription(user=u, thread=thread, level=Level.WATCH) for u in watching],
        batch_size=2000,
    )
    return space, thread, asker, replier, people


def _clean(space, people) -> None:
    threads = Thread.objects.filter(space=space)
    Notification.objects.filter(recipient__in=people).delete()
    EmailDelivery.objects.filter(recipient__in=people).delete()
    Subscription.objects.filter(user__in=people).delete()
    Post.objects.filter(thread__in=threads).delete()
    threads.delete()
    space.delete()
    get_user_model().objects.filter(pk__in=[p.pk for p in people]).delete()


def fan_out_benchmark(
    watchers: int = 10_000, *, spawn_worker: bool = True, timeout: float = 120.0, keep=False
) -> BenchResult:
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    worker = _Worker() if spawn_worker else None
    space = people = None
    try:
        if worker is not None:
            worker.__enter__()
        space, thread, asker, replier, people = _scene(watchers, tag)
        # Let the question's own fan-out (to nobody) finish before the clock starts.
        deadline = time.monotonic() + timeout
        while Subscription.objects.filter(thread=thread, user=asker).count() == 0:
            if time.monotonic() > deadline:
                raise RuntimeError("No worker handled the question; is one consuming the queue?")
            time.sleep(0.05)
        started = time.monotonic()
        post = forum_services.reply_create(author=replier, thread=thread, body="Fan me out.")
        wanted = watchers + 1  # every watcher, and the asker, who watches their question
        done = Notification.objects.filter(post=post)
        count = 0
        while time.monotonic() - started < timeout:
            count = done.count()
            if count >= wanted:
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        return BenchResult(
            watchers=watchers, notifications=count, seconds=elapsed, database=connection.vendor
        )
    finally:
        if worker is not None:
            worker.__exit__(None, None, None)
        if space is not None and not keep:
            _clean(space, people)

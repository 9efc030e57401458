"""Faults, each against real Redis, a real worker process and a real SMTP server (the services
pass): the broker down when a reply is posted, a worker killed in the middle of a fan-out, an
SMTP server refusing mail. Skipped on the embedded default (no REDIS_URL)."""

import contextlib
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from community.models import OutboxEvent
from forums.models import Post
from notifications import mail
from notifications.benchmark import fan_out_benchmark
from notifications.models import EmailDelivery, Level, Notification, Subscription

from .factories import SpaceFactory
from .forum_helpers import ask, reply
from .services import settle

CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def wait_until(check, timeout=30.0, interval=0.05, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}.", pytrace=False)


def _reset_broker_connections(app) -> None:
    """Forget pooled broker connections, so the next publish connects to ``broker_url``."""
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_unreachable():
    """The web process's broker is down: publishing fails the way a dead Redis makes it fail."""
    from community.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url = CLOSED_PORT_BROKER
    _reset_broker_connections(app)
    try:
        yield
    finally:
        app.conf.broker_url = saved
        _reset_broker_connections(app)


def make_watchers(thread, count: int, prefix: str):
    User = get_user_model()
    password = make_password(None)
    people = User.objects.bulk_create(
        [
            User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com", password=password)
            for n in range(count)
        ],
        batch_size=2000,
    )
    Subscription.objects.bulk_create(
        [Subscription(user=p, thread=thread, level=Level.WATCH) for p in people], batch_size=2000
    )
    return people


def test_redis_down_when_a_reply_is_posted(celery_worker, client, member, other_member):
    """The reply is saved and the author sees success; the outbox row waits; once the broker
    is back the sweep publishes it and the notification arrives, once."""
    space = SpaceFactory(slug="dashboards")
    thread = ask(member, space)
    wait_until(
        lambda: Subscription.objects.filter(user=member, thread=thread).exists(),
        what="the worker to handle the question",
    )
    client.force_login(other_member)

    with broker_unreachable():
        started = time.monotonic()
        response = client.post(
            reverse("forums:reply", args=[thread.pk]),
            {"body": "Try the export button.", "client_token": "fault-a"},
        )
        elapsed = time.monotonic() - started

    post = Post.objects.get(thread=thread, author=other_member)
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert elapsed < 10, f"the request waited {elapsed:.1f}s on a dead broker"
    event = OutboxEvent.objects.get(topic="post.created", payload={"post_id": post.pk})
    assert event.published_at is None
    assert event.last_error
    time.sleep(1)
    assert not Notification.objects.filter(post=post).exists()

    # The broker is back; a minute later celery beat runs the sweep on the worker.
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    from community.celery import app

    app.send_task("community.outbox_sweep")
    notice = wait_until(
        lambda: Notification.objects.filter(post=post, recipient=member).first(),
        what="the notification after the sweep",
    )
    assert notice.kind == "thread_reply"
    event.refresh_from_db()
    assert event.published_at is not None
    app.send_task("community.outbox_sweep")
    settle(celery_worker)
    assert Notification.objects.filter(post=post).count() == 1


def _pool_children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_a_worker_killed_mid_fan_out_leaves_no_duplicates(
    celery_worker_factory, member, other_member
):
    """The fan-out commits in batches; SIGKILL the pool process after some are in. The task
    is redelivered (acks_late, reject_on_worker_lost) and the retry fills in the rest."""
    worker = celery_worker_factory(
        pool="prefork", concurrency=1, extra_env={"STOA_NOTIFICATION_BATCH_SIZE": "100"}
    )
    space = SpaceFactory(slug="busy")
    thread = ask(member, space)
    wait_until(
        lambda: Subscription.objects.filter(user=member, thread=thread).exists(),
        what="the worker to handle the question",
    )
    watchers = 6000
    make_watchers(thread, watchers, prefix="w")
    expected = watchers + 1  # and the asker, who watches their question

    post = reply(other_member, thread, body="Everyone, look.")
    rows = Notification.objects.filter(post=post)
    wait_until(lambda: rows.exists(), interval=0.005, what="the fan-out to start")
    (child,) = _pool_children(worker.process.pid)
    os.kill(child, signal.SIGKILL)
    at_kill = rows.count()

    wait_until(lambda: rows.count() >= expected, timeout=60, what="the retried fan-out")
    time.sleep(1)
    assert 0 < at_kill < expected, f"killed after {at_kill} of {expected}: not mid fan-out"
    assert rows.count() == expected
    assert rows.values("recipient").distinct().count() == expected
    log = worker.log()
    assert "WorkerLostError" in log or "SIGKILL" in log, worker.log_tail()


def test_smtp_refusing_is_retried_with_backoff_then_sent_once(
    celery_worker_factory, smtp_server, member, other_member
):
    worker = celery_worker_factory(extra_env={"EMAIL_URL": smtp_server.url})
    space = SpaceFactory(slug="mail")
    thread = ask(member, space, title="Mail me")
    wait_until(lambda: Subscription.objects.filter(user=member, thread=thread).exists())
    post = reply(other_member, thread, body="An answer worth an e-mail.")
    wait_until(lambda: Notification.objects.filter(post=post, recipient=member).exists())
    smtp_server.refuse = True

    # The minute tick, a few minutes on: bundles the reply and queues its e-mail on the worker.
    assert mail.email_schedule_due(now=timezone.now() + timedelta(minutes=10)) == 1
    delivery = wait_until(
        lambda: EmailDelivery.objects.filter(attempts__gte=3).first(),
        what="three refused attempts recorded",
    )
    assert delivery.status == EmailDelivery.Status.PENDING
    assert smtp_server.refused >= 3
    smtp_server.refuse = False

    (message,) = smtp_server.wait_for(1, timeout=30)
    time.sleep(2)
    assert len(smtp_server.messages) == 1
    assert message["Subject"] == "Bob replied in “Mail me”"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT
    log = worker.log()
    assert "Retry in 1s" in log and "Retry in 2s" in log, worker.log_tail()


def test_one_reply_reaches_two_thousand_watchers_quickly(celery_worker):
    result = fan_out_benchmark(watchers=2000, spawn_worker=False, keep=True, timeout=60)
    settle(celery_worker)
    assert result.notifications == 2001
    assert result.seconds < 10, str(result)

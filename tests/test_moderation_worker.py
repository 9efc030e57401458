"""Spam scoring, learning and housekeeping through a real Celery worker on Redis.

Skipped on the embedded default (no REDIS_URL); CI's second pass runs them against
PostgreSQL and Redis.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from community.celery import app
from forums.models import Post
from moderation import services
from moderation.models import BlockedTerm, Flag, ModerationAction, ReviewItem, SpamVerdict
from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask, reply

SPAM = (
    "Telegram data and phone number list for sale: https://broker.example/a "
    "https://broker.example/b https://broker.example/c"
)


def wait_for(check, timeout=30.0, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if worker is not None:
            worker.assert_alive()
        time.sleep(0.1)
    pytest.fail(f"Timed out after {timeout:.0f}s" + (f"\n{worker.log_tail()}" if worker else ""))


def test_a_new_post_is_scored_and_held_by_the_worker(celery_worker, member):
    space = SpaceFactory()
    thread = ask(member, space)
    spammer = UserFactory(username="brokerbot")
    post = reply(spammer, thread, body=SPAM)
    assert post.state == "visible"  # the request did no scoring

    wait_for(lambda: Post.objects.get(pk=post.pk).state == "hidden", worker=celery_worker)
    verdict = SpamVerdict.objects.get(post=post)
    assert verdict.held and "data_broker" in verdict.codes
    assert ReviewItem.objects.filter(post=post, status="open").exists()
    assert ModerationAction.objects.filter(post=post, action="hold", actor=None).count() == 1


def test_a_redelivered_scoring_task_changes_nothing(celery_worker, member):
    space = SpaceFactory()
    spammer = UserFactory(username="dupe")
    post = reply(spammer, ask(member, space), body=SPAM)
    wait_for(lambda: SpamVerdict.objects.filter(post=post).exists(), worker=celery_worker)
    for _ in range(3):
        app.send_task("moderation.score_post", kwargs={"post_id": post.pk})
    celery_worker.ping()  # the solo worker runs tasks in order: the three are done
    assert SpamVerdict.objects.filter(post=post).count() == 1
    assert ReviewItem.objects.filter(post=post).count() == 1
    assert ModerationAction.objects.filter(post=post, action="hold").count() == 1


def test_a_moderators_decision_teaches_the_filter_in_the_worker(celery_worker, member):
    # Transactional tests flush the role groups the migrations made; a superuser needs none.
    moderator = UserFactory(username="boss", is_superuser=True)
    space = SpaceFactory()
    spammer = UserFactory(username="learner")
    post = reply(spammer, ask(member, space), body=SPAM)
    wait_for(lambda: ReviewItem.objects.filter(post=post).exists(), worker=celery_worker)
    services.post_delete(actor=moderator, post=post, reason="Spam", spam=True)
    wait_for(
        lambda: BlockedTerm.objects.filter(kind="link_domain", value="broker.example").exists(),
        worker=celery_worker,
    )


def test_housekeeping_in_the_worker_is_idempotent(celery_worker, member, other_member):
    space = SpaceFactory()
    post = ask(member, space).posts.get()
    flag = services.flag_create(reporter=other_member, post=post, reason="spam")
    Post.objects.filter(pk=post.pk).update(is_deleted=True, deleted_at=timezone.now())
    ReviewItem.objects.update(opened_at=timezone.now() - timedelta(days=1))

    for _ in range(2):
        app.send_task("moderation.housekeeping")
    wait_for(lambda: Flag.objects.get(pk=flag.pk).status == "closed", worker=celery_worker)
    celery_worker.ping()
    assert ReviewItem.objects.get(post=post).status == "resolved"
    assert ModerationAction.objects.filter(post=post, action="flags_closed").count() == 1


def test_trust_levels_are_recomputed_by_the_worker(celery_worker, settings, member):
    from forums.services import read_state_mark

    space = SpaceFactory()
    thread = ask(UserFactory(username="asker", trust_level=2), space)
    read_state_mark(user=member, thread=thread, position=1)
    settings.STOA_TRUST_REQUIREMENTS = {1: {"days_visited": 1, "posts_read": 1}}
    # The worker reads its own settings: level 1 there needs 5 posts read.
    for n in range(6):
        read_state_mark(user=member, thread=ask(member, space, title=f"Mine {n}"), position=1)
    app.send_task("moderation.recompute_trust_levels")
    wait_for(lambda: type(member).objects.get(pk=member.pk).trust_level >= 1, worker=celery_worker)
    assert ModerationAction.objects.filter(target_user=member, action="trust_level").exists()

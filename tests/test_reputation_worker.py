"""Reputation and badges through the real outbox relay, Redis and a Celery worker process
(services run only)."""

import time

from accounts.models import ReputationEvent, User, UserBadge
from community import outbox
from community.models import OutboxEvent
from forums import ideas, services

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply


def ensure_migration_data():
    """Put back what data migrations made (the roles, the badge catalogue) if an earlier
    transactional test flushed the database."""
    import importlib

    from django.contrib.auth.models import Group, Permission
    from django.contrib.sites.models import Site
    from django.core.management.sql import emit_post_migrate_signal

    from accounts.badges import catalogue_sync

    if not Site.objects.exists():  # content types, permissions and the site come back too
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    roles = importlib.import_module("accounts.migrations.0002_roles")
    for name, dotted_names in roles.ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    catalogue_sync()


def wait_for(check, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


def test_a_worker_keeps_reputation_and_badges_and_replays_change_nothing(celery_worker):
    ensure_migration_data()
    asker = UserFactory(username="asker")
    helper = UserFactory(username="helper")
    staff = UserFactory(username="staffer", roles=["Staff"])
    space = SpaceFactory(allow_ideas=True)
    question = ask(asker, space)
    answer = reply(helper, question)

    services.answer_accept(actor=asker, post=answer)
    services.reaction_toggle(user=asker, post=answer, kind="helpful")
    idea = ask(asker, space, title="Dark mode", kind="idea")
    ideas.idea_set_status(actor=staff, thread=idea, status="planned", comment="Soon.")

    def settled():
        return (
            User.objects.get(pk=helper.pk).reputation == 20
            and User.objects.get(pk=asker.pk).reputation == 10
            and UserBadge.objects.filter(user=helper, badge__slug="first-solution").exists()
            and UserBadge.objects.filter(user=asker, badge__slug="on-the-roadmap").exists()
        )

    assert wait_for(settled), celery_worker.log_tail()

    # At least once: publish every event again; the ledger must not move.
    ledger = set(ReputationEvent.objects.values_list("user_id", "key", "points"))
    ids = list(OutboxEvent.objects.values_list("pk", flat=True))
    OutboxEvent.objects.update(published_at=None)
    for event_id in ids:
        outbox.publish(event_id)
    wait_for(lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists())
    marker = UserFactory(username="marker")
    ask(marker, space, title="Sentinel")  # handled after the replays on the single worker
    assert wait_for(
        lambda: UserBadge.objects.filter(user=marker, badge__slug="first-post").exists()
    ), celery_worker.log_tail()
    assert set(ReputationEvent.objects.values_list("user_id", "key", "points")) == ledger
    assert User.objects.get(pk=helper.pk).reputation == 20
    assert UserBadge.objects.filter(user=helper, badge__slug="first-solution").count() == 1

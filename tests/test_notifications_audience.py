"""``readers_of(thread)`` is ``Thread.objects.visible_to(user)`` turned around: checked against it
for every user and every kind of thread, so the bulk rule cannot drift from the one door."""

import pytest

from forums.models import Post, Space, SpaceMembership, Thread, ThreadParticipant
from notifications.audience import readers_of

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask

pytestmark = pytest.mark.django_db


def test_readers_of_agrees_with_visible_to_for_everyone(member, other_member, staff, moderator):
    carol = UserFactory(username="carol")
    inactive = UserFactory(username="gone", is_active=False)
    org_member = OrganizationMembershipFactory(user=carol)
    stranger_org = OrganizationMembershipFactory(user=UserFactory(username="dave")).user
    people = [member, other_member, staff, moderator, carol, inactive, stranger_org]

    public = SpaceFactory(slug="public")
    members_only = SpaceFactory(slug="members", visibility=Space.Visibility.MEMBERS)
    invite = SpaceFactory(slug="panel", visibility=Space.Visibility.INVITE)
    org = SpaceFactory(
        slug="acme",
        visibility=Space.Visibility.ORGANIZATION,
        organization=org_member.organization,
    )
    for space in (members_only, invite):
        SpaceMembership.objects.create(space=space, user=member)
        SpaceMembership.objects.create(space=space, user=inactive)

    threads = [ask(member, space, title=f"In {space.slug}") for space in (public, members_only)]
    threads += [ask(staff, invite, title="Panel"), ask(carol, org, title="Org")]
    held = ask(other_member, public, title="Held opening")
    Post.objects.filter(thread=held, position=1).update(state=Post.State.PENDING)
    deleted = ask(member, public, title="Deleted")
    Thread.objects.filter(pk=deleted.pk).update(is_deleted=True)
    conversation = Thread.objects.create(kind=Thread.Kind.MESSAGE, title="DM", author=member)
    ThreadParticipant.objects.create(thread=conversation, user=member)
    ThreadParticipant.objects.create(thread=conversation, user=other_member)
    ThreadParticipant.objects.create(
        thread=conversation, user=carol, left_at=conversation.created_at
    )
    threads += [held, deleted, conversation]

    for thread in threads:
        thread = Thread.objects.select_related("space").get(pk=thread.pk)
        expected = {
            p.username
            for p in people
            if p.is_active and Thread.objects.visible_to(p).filter(pk=thread.pk).exists()
        }
        got = set(
            readers_of(thread)
            .filter(pk__in=[p.pk for p in people])
            .values_list("username", flat=True)
        )
        assert got == expected, thread.title


def test_readers_of_costs_two_queries_whatever_the_audience(member, django_assert_num_queries):
    space = SpaceFactory(slug="members", visibility=Space.Visibility.MEMBERS)
    SpaceMembership.objects.create(space=space, user=member)
    thread = ask(member, space)
    for person in UserFactory.create_batch(30):
        SpaceMembership.objects.create(space=space, user=person)
    thread = Thread.objects.select_related("space").get(pk=thread.pk)

    with django_assert_num_queries(2):  # the held-opening check, then the readers
        assert len(list(readers_of(thread).values_list("pk", flat=True))) == 31

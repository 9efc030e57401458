"""Who is told what when something happens: the fan-out behind the outbox topics.

Content is made through the forum services, and the outbox runs its handlers after commit
(eagerly here, on a real worker in tests/test_notifications_faults.py).
"""

import pytest
from django.contrib.auth.models import Group

from forums import services
from forums.models import Post, Space, SpaceMembership, Thread, ThreadParticipant, UserBlock
from forums.rendering import quote_markdown
from notifications import fanout
from notifications.models import Channel, Kind, Level, Notification, Subscription

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_badge_notices(monkeypatch):
    """Badges are granted as people post (accounts/badges.py); these tests look at the rest."""
    from community.events import HANDLERS

    handlers = [h for h in HANDLERS["badge.granted"] if h != "notifications.badge_granted"]
    monkeypatch.setitem(HANDLERS, "badge.granted", handlers)


@pytest.fixture
def outbox(django_capture_on_commit_callbacks):
    """Run what the services' transactions queued (the outbox relay and its handlers)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def space():
    return SpaceFactory(slug="dashboards", name="Dashboards")


def told(user, **filters):
    return list(
        Notification.objects.filter(recipient=user, **filters).values_list("kind", flat=True)
    )


def watch(user, level=Level.WATCH, **target):
    return Subscription.objects.create(user=user, level=level, **target)


def test_authors_watch_their_threads_and_repliers_track_them(outbox, member, other_member, space):
    with outbox():
        thread = ask(member, space)
    with outbox():
        reply(other_member, thread)

    levels = dict(Subscription.objects.values_list("user__username", "level"))
    assert levels == {"alice": Level.WATCH, "bob": Level.TRACK}
    assert not Subscription.objects.filter(chosen=True).exists()


def test_a_reply_tells_the_threads_watchers_and_never_its_author(
    outbox, member, other_member, space
):
    carol = UserFactory(username="carol")
    with outbox():
        thread = ask(member, space)
    watch(carol, thread=thread)
    with outbox():
        post = reply(other_member, thread)

    assert told(member) == [Kind.THREAD_REPLY]
    assert told(carol) == [Kind.THREAD_REPLY]
    assert told(other_member) == []
    notice = Notification.objects.get(recipient=member)
    assert (notice.actor, notice.thread, notice.post) == (other_member, thread, post)
    assert notice.event_key == f"post:{post.pk}"


def test_trackers_hear_of_replies_in_the_inbox_only(outbox, member, other_member, space):
    carol = UserFactory(username="carol")
    with outbox():
        thread = ask(member, space)
    with outbox():
        reply(carol, thread)  # carol now tracks
    with outbox():
        reply(other_member, thread)

    notice = Notification.objects.get(recipient=carol)
    assert notice.kind == Kind.THREAD_REPLY
    assert notice.email_channel == Channel.NEVER
    assert notice.email_status == Notification.EmailStatus.SKIPPED
    watcher = Notification.objects.filter(recipient=member).latest("pk")
    assert watcher.email_channel == Channel.IMMEDIATE
    assert watcher.email_status == Notification.EmailStatus.PENDING


def test_a_new_thread_tells_space_and_tag_watchers(outbox, member, other_member, space):
    carol, dave, erin = (UserFactory(username=n) for n in ("carol", "dave", "erin"))
    watch(other_member, space=space)
    watch(carol, level=Level.TRACK, space=space)
    with outbox():
        seed = ask(member, space, title="Tagged once", tags=["exports"])
    tag = seed.tags.get()
    watch(dave, tag=tag)
    watch(erin, level=Level.MUTE, tag=tag)
    watch(erin, space=space)  # a muted tag silences a watched space
    Notification.objects.all().delete()

    with outbox():
        ask(member, space, title="CSV exports cut off at 10,000 rows", tags=["exports"])

    assert told(other_member) == [Kind.NEW_THREAD]
    assert told(carol) == [Kind.NEW_THREAD]
    assert Notification.objects.get(recipient=carol).email_channel == Channel.NEVER
    assert told(dave) == [Kind.NEW_THREAD]
    assert told(erin) == []
    assert told(member) == []


def test_watching_a_space_brings_its_replies_but_tracking_does_not(
    outbox, member, other_member, space
):
    carol = UserFactory(username="carol")
    with outbox():
        thread = ask(member, space)
    watch(other_member, space=space)
    watch(carol, level=Level.TRACK, space=space)
    with outbox():
        reply(member, thread, body="Any ideas, anyone?")

    assert told(other_member) == [Kind.THREAD_REPLY]
    assert told(carol) == []


def test_mentions_quotes_and_replies_reach_people_who_follow_nothing(
    outbox, member, other_member, space
):
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    with outbox():
        thread = ask(member, space)
    with outbox():
        bobs = reply(other_member, thread, body="Try the export menu.")
    with outbox():
        carols = reply(carol, thread, body="That menu is gone in 4.2.")
    Notification.objects.all().delete()
    quote = quote_markdown(
        author_username="bob",
        post_url=thread.get_post_url(bobs.position),
        post_id=bobs.pk,
        body=bobs.body,
    )
    with outbox():
        reply(dave, thread, body=f"{quote}\n\nAsking @CAROL too.", reply_to=carols)

    assert told(carol) == [Kind.MENTION]  # a mention beats "replied to your post"
    assert told(other_member) == [Kind.QUOTE]  # bob tracks the thread, but was quoted
    assert told(member) == [Kind.THREAD_REPLY]


def test_a_reply_to_a_post_tells_its_author(outbox, member, other_member, space):
    carol = UserFactory(username="carol")
    with outbox():
        thread = ask(member, space)
    with outbox():
        carols = reply(carol, thread)
    Subscription.objects.filter(user=carol).delete()
    with outbox():
        reply(other_member, thread, reply_to=carols)

    assert told(carol) == [Kind.REPLY]


def test_muting_a_thread_silences_even_mentions(outbox, member, other_member, space):
    with outbox():
        thread = ask(member, space)
    Subscription.objects.filter(user=member).update(level=Level.MUTE)
    with outbox():
        reply(other_member, thread, body="@alice what do you think?")

    assert told(member) == []


def test_nobody_hears_from_someone_they_blocked(outbox, member, other_member, space):
    with outbox():
        thread = ask(member, space)
    UserBlock.objects.create(blocker=member, blocked=other_member)
    with outbox():
        reply(other_member, thread, body="@alice hello")

    assert told(member) == []


def test_a_private_thread_tells_nobody_outside_it(outbox, member, other_member, staff):
    """An @mention of someone who cannot read the thread tells them nothing (invariant 1)."""
    private = SpaceFactory(slug="panel", visibility=Space.Visibility.INVITE)
    SpaceMembership.objects.create(space=private, user=member)
    outsider = UserFactory(username="carol")
    watch(outsider, tag=None, space=SpaceFactory(slug="other"))
    with outbox():
        thread = ask(member, private, title="Roadmap secrets", tags=["roadmap"])
    tag = thread.tags.get()
    watch(outsider, tag=tag)
    watch(other_member, thread=thread)  # subscribed while they still could read it
    watch(staff, space=private)
    with outbox():
        reply(member, thread, body="@bob @carol @sam have a look")

    assert told(outsider) == []
    assert told(other_member) == []
    assert told(staff) == [Kind.MENTION]  # staff read every space


def test_organization_spaces_tell_only_that_organizations_members(outbox, member, other_member):
    membership = OrganizationMembershipFactory(user=member)
    org_space = SpaceFactory(
        slug="acme", visibility=Space.Visibility.ORGANIZATION, organization=membership.organization
    )
    colleague = OrganizationMembershipFactory(
        user=UserFactory(username="carol"), organization=membership.organization
    ).user
    watch(colleague, space=org_space)
    watch(other_member, space=org_space)
    with outbox():
        ask(member, org_space, title="Our contract renewal")

    assert told(colleague) == [Kind.NEW_THREAD]
    assert told(other_member) == []


def test_a_held_post_tells_nobody_until_it_is_published(outbox, member, other_member, space):
    with outbox():
        thread = ask(member, space)
    with outbox():
        post = reply(other_member, thread)
    Notification.objects.all().delete()
    Post.objects.filter(pk=post.pk).update(state=Post.State.PENDING)

    assert fanout.notify_post_created(post_id=post.pk) == 0
    assert told(member) == []

    Post.objects.filter(pk=post.pk).update(state=Post.State.VISIBLE)
    fanout.notify_post_published(post_id=post.pk)
    assert told(member) == [Kind.THREAD_REPLY]


def test_running_a_handler_again_adds_nothing(outbox, member, other_member, space):
    watchers = UserFactory.create_batch(5)
    with outbox():
        thread = ask(member, space)
    for person in watchers:
        watch(person, thread=thread)
    with outbox():
        post = reply(other_member, thread, body="@alice see this")
    before = Notification.objects.count()

    for _ in range(3):
        fanout.notify_post_created(post_id=post.pk)

    assert before == 6
    assert Notification.objects.count() == before


def test_the_fan_out_inserts_in_batches_with_a_bounded_number_of_queries(
    outbox, member, other_member, space, settings, django_assert_max_num_queries
):
    settings.STOA_NOTIFICATION_BATCH_SIZE = 50
    with outbox():
        thread = ask(member, space)
    with outbox():
        post = reply(other_member, thread)
    people = UserFactory.create_batch(120, verified=False)
    Subscription.objects.bulk_create(
        [Subscription(user=p, thread=thread, level=Level.WATCH) for p in people]
    )
    Notification.objects.all().delete()

    with django_assert_max_num_queries(26):
        fanout.notify_post_created(post_id=post.pk)

    assert Notification.objects.filter(post=post).count() == 121
    # Nothing is e-mailed to an unverified address.
    assert not Notification.objects.filter(
        recipient__in=people, email_status=Notification.EmailStatus.PENDING
    ).exists()


def test_edits_tell_only_people_newly_mentioned(outbox, member, other_member, space):
    carol = UserFactory(username="carol")
    with outbox():
        thread = ask(member, space)
    with outbox():
        post = reply(other_member, thread, body="@alice first")
    with outbox():
        services.post_edit(editor=other_member, post=post, body="@alice first, and @carol too")

    assert told(carol) == [Kind.MENTION]
    assert told(member) == [Kind.MENTION]  # told once about this post, not again


def test_accepted_and_official_answers(outbox, member, other_member, staff, space):
    with outbox():
        thread = ask(member, space)
    with outbox():
        answer = reply(other_member, thread)
    with outbox():
        official = reply(staff, thread, body="Officially: use the API.", official=True)
    Notification.objects.all().delete()

    with outbox():
        services.answer_accept(actor=member, post=answer)
    with outbox():
        services.post_mark_official(actor=staff, post=official, official=True)

    accepted = Notification.objects.get(recipient=other_member, kind=Kind.ANSWER_ACCEPTED)
    assert accepted.data["role"] == "answer"
    assert accepted.actor == member
    assert told(member) == [Kind.OFFICIAL_ANSWER]  # not told of their own acceptance
    assert told(staff) == []  # nor is staff of their own marking


def test_reactions_are_batched_until_read(outbox, member, other_member, space):
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    with outbox():
        thread = ask(member, space)
    with outbox():
        post = reply(member, thread, body="Here is how.")
    Notification.objects.all().delete()

    for person in (other_member, carol):
        with outbox():
            services.reaction_toggle(user=person, post=post, kind="like")
    notices = Notification.objects.filter(recipient=member, kind=Kind.REACTION)
    assert notices.count() == 1
    assert notices.get().data["count"] == 2
    assert notices.get().actor == carol

    notices.update(read_at=notices.get().created_at)
    with outbox():
        services.reaction_toggle(user=dave, post=post, kind="helpful")
    assert notices.count() == 2
    assert notices.order_by("-pk").first().data["count"] == 1

    last = notices.order_by("-pk").first()
    assert fanout.notify_reaction_added(reaction_id=last.data["last_reaction_id"]) is False


def test_conversations_tell_their_active_participants_only(outbox, member, other_member):
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    thread = Thread.objects.create(kind=Thread.Kind.MESSAGE, title="About the beta", author=member)
    Post.objects.create(thread=thread, position=1, author=member, body="Hi", body_html="<p>Hi</p>")
    Thread.objects.filter(pk=thread.pk).update(last_position=1, post_count=1)
    ThreadParticipant.objects.create(thread=thread, user=member)
    ThreadParticipant.objects.create(thread=thread, user=other_member)
    ThreadParticipant.objects.create(thread=thread, user=carol, left_at=thread.created_at)
    watch(dave, thread=thread)
    thread.refresh_from_db()
    with outbox():
        post = reply(other_member, thread, body="Sounds good, @dave")

    assert told(member) == [Kind.MESSAGE]
    assert told(carol) == []
    assert told(dave) == []
    # post.created alone never notifies about a conversation: message.created does.
    Notification.objects.all().delete()
    assert fanout.notify_post_created(post_id=post.pk) == 0


def test_moderation_outcomes_reach_the_author_and_the_reporter(outbox, member, other_member, space):
    from moderation.models import Flag, ModerationAction

    mia = UserFactory(username="mia", roles=["Moderators"])
    with outbox():
        thread = ask(member, space)
    with outbox():
        post = reply(other_member, thread, body="Buy followers here")
    Notification.objects.all().delete()
    flag = Flag.objects.create(post=post, reporter=member, reason="spam")
    action = ModerationAction.objects.create(
        actor=mia,
        action="hide",
        reason="Advertising is not allowed here.",
        post=post,
        thread=thread,
        target_user=other_member,
    )
    Flag.objects.filter(pk=flag.pk).update(status="upheld", outcome="The post was hidden.")

    fanout.notify_moderation_decided(action_id=action.pk)
    fanout.notify_flag_resolved(flag_id=flag.pk)
    fanout.notify_flag_resolved(flag_id=flag.pk)

    to_author = Notification.objects.get(recipient=other_member)
    assert to_author.kind == Kind.MODERATION
    assert to_author.actor is None  # moderators act for the community, not as themselves
    assert to_author.data["note"] == "Reason: Advertising is not allowed here."
    to_reporter = Notification.objects.get(recipient=member)
    assert to_reporter.data == {
        "outcome": "flag_upheld",
        "label": "Upheld",
        "note": "The post was hidden.",
    }


def test_idea_status_changes_reach_voters_once(outbox, member, other_member, staff):
    from forums.models import IdeaVote

    ideas = SpaceFactory(slug="ideas", allow_ideas=True)
    carol = UserFactory(username="carol")
    with outbox():
        idea = ask(member, ideas, title="Dark mode for dashboards", kind=Thread.Kind.IDEA)
    IdeaVote.objects.create(thread=idea, user=carol)
    watch(other_member, thread=idea)
    with outbox():
        comment = reply(staff, idea, body="Planned for the spring release.", official=True)
    Thread.objects.filter(pk=idea.pk).update(idea_status="planned")

    fanout.notify_idea_status_changed(
        thread_id=idea.pk, status="planned", actor_id=staff.pk, post_id=comment.pk
    )

    assert told(carol) == [Kind.IDEA_STATUS]
    assert told(member) == [Kind.IDEA_STATUS]  # upgraded from "replied in"
    assert Notification.objects.get(recipient=member).data["status_label"] == "Planned"
    assert told(other_member) == [Kind.THREAD_REPLY]  # a watcher, not a voter


def test_badges_are_announced_to_their_owner(member):
    from accounts.models import Badge, UserBadge

    badge, _ = Badge.objects.get_or_create(
        slug="first-post", defaults={"name": "First post", "description": "Posted once."}
    )
    grant = UserBadge.objects.create(user=member, badge=badge)

    fanout.notify_badge_granted(user_badge_id=grant.pk)
    fanout.notify_badge_granted(user_badge_id=grant.pk)

    notice = Notification.objects.get(recipient=member)
    assert (notice.kind, notice.data["badge"]) == (Kind.BADGE, badge.name)
    assert notice.email_channel == Channel.NEVER  # badges are not e-mailed by default


def test_group_join_requests_reach_the_owner_and_the_answer_reaches_the_member(
    member, other_member
):
    from forums.models import JoinRequest

    group = SpaceFactory(
        slug="power-users", kind=Space.Kind.GROUP, visibility="members", owner=member
    )
    request = JoinRequest.objects.create(space=group, user=other_member, message="Hi!")

    fanout.notify_join_requested(join_request_id=request.pk)
    JoinRequest.objects.filter(pk=request.pk).update(status="approved", decided_by=member)
    fanout.notify_join_decided(join_request_id=request.pk)

    assert told(member) == [Kind.MEMBERSHIP]
    assert Notification.objects.get(recipient=member).data["what"] == "join_requested"
    assert Notification.objects.get(recipient=other_member).data["what"] == "join_approved"


def test_staff_hear_of_private_threads_through_their_permission(outbox, member):
    """Roles are groups with permissions: a new Staff member is a reader at once."""
    private = SpaceFactory(slug="vip", visibility=Space.Visibility.MEMBERS)
    SpaceMembership.objects.create(space=private, user=member)
    newcomer = UserFactory(username="sasha")
    watch(newcomer, space=private)
    with outbox():
        ask(member, private, title="First")
    assert told(newcomer) == []

    newcomer.groups.add(Group.objects.get(name="Staff"))
    with outbox():
        ask(member, private, title="Second")
    assert told(newcomer) == [Kind.NEW_THREAD]

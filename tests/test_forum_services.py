import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forums import selectors, services
from forums.models import Post, PostRevision, ReadState, Space, Thread

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def space():
    return SpaceFactory(slug="dashboards", name="Dashboards")


def test_asking_creates_the_opening_post_and_counts_it(member, space):
    thread = ask(member, space, tags=["CSV export", "dashboards"])
    opening = thread.posts.get()
    assert opening.position == 1 and opening.author == member
    assert "<p>" in opening.body_html
    assert thread.post_count == 1 and thread.reply_count == 0
    space.refresh_from_db()
    assert (space.thread_count, space.post_count) == (1, 1)
    assert sorted(thread.tags.names()) == ["csv-export", "dashboards"]


def test_replies_take_the_next_position_and_move_the_counters(member, other_member, staff, space):
    thread = ask(member, space)
    first = reply(other_member, thread)
    second = reply(staff, thread, official=True)
    thread.refresh_from_db()
    assert (first.position, second.position) == (2, 3)
    assert thread.post_count == 3 and thread.last_position == 3
    assert thread.last_poster == staff
    assert thread.first_reply_at == first.created_at
    assert thread.first_staff_reply_at == second.created_at
    assert second.is_official and thread.official_post == second
    space.refresh_from_db()
    assert space.post_count == 3


def test_a_customer_cannot_post_an_official_answer(member, other_member, space):
    thread = ask(member, space)
    post = reply(other_member, thread, official=True)
    assert not post.is_official
    thread.refresh_from_db()
    assert thread.official_post is None
    with pytest.raises(PermissionDenied):
        services.post_mark_official(actor=other_member, post=post)


def test_the_same_form_token_posts_once(member, other_member, space):
    thread = ask(member, space)
    a = reply(other_member, thread, client_token="tok-1")
    b = reply(other_member, thread, client_token="tok-1")
    assert a.pk == b.pk
    assert thread.posts.count() == 2
    t1 = ask(member, space, title="Once", client_token="tok-2")
    t2 = ask(member, space, title="Once", client_token="tok-2")
    assert t1.pk == t2.pk


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "body", "title"),
        ("   ", "body", "title"),
        ("x" * 201, "body", "title"),
        ("A title", "", "body"),
        ("A title", " \n\t ", "body"),
        ("A title", "x" * 50_001, "body"),
    ],
)
def test_bad_titles_and_bodies_say_why(member, space, title, body, field):
    with pytest.raises(ValidationError) as excinfo:
        ask(member, space, title=title, body=body)
    assert field in excinfo.value.message_dict
    assert not Thread.objects.exists()


def test_locked_threads_take_replies_only_from_moderators(member, other_member, moderator, space):
    thread = ask(member, space)
    services.thread_moderate(actor=moderator, thread=thread, locked=True)
    with pytest.raises(PermissionDenied, match="locked"):
        reply(other_member, thread)
    assert reply(moderator, thread).position == 2


def test_members_cannot_lock_or_pin(member, space):
    thread = ask(member, space)
    with pytest.raises(PermissionDenied):
        services.thread_moderate(actor=member, thread=thread, locked=True)
    with pytest.raises(PermissionDenied):
        services.thread_moderate(actor=member, thread=thread, pinned=True)


def test_unverified_members_cannot_post(space):
    newcomer = UserFactory(verified=False)
    with pytest.raises(PermissionDenied):
        ask(newcomer, space)


def test_only_staff_post_announcements(member, staff, space):
    with pytest.raises(PermissionDenied):
        ask(member, space, kind=Thread.Kind.ANNOUNCEMENT)
    assert ask(staff, space, kind=Thread.Kind.ANNOUNCEMENT).kind == "announcement"


def test_the_asker_accepts_an_answer_and_nobody_else_can(member, other_member, staff, space):
    thread = ask(member, space)
    answer = reply(other_member, thread)
    with pytest.raises(PermissionDenied):
        services.answer_accept(actor=other_member, post=answer)
    services.answer_accept(actor=member, post=answer)
    thread.refresh_from_db()
    assert thread.accepted_post == answer and thread.is_solved
    services.answer_unaccept(actor=staff, thread=thread)
    thread.refresh_from_db()
    assert not thread.is_solved


def test_the_opening_post_cannot_be_accepted(member, space):
    thread = ask(member, space)
    with pytest.raises(PermissionDenied):
        services.answer_accept(actor=member, post=thread.posts.get())


def test_editing_keeps_revisions_and_shows_a_diff(member, other_member, space):
    thread = ask(member, space, body="line one\nline two")
    opening = thread.posts.get()
    services.post_edit(editor=member, post=opening, body="line one\nline 2", title="Better title")
    services.post_edit(editor=member, post=opening, body="line one\nline 2\nline three")
    opening.refresh_from_db()
    assert opening.revision_count == 2
    assert list(PostRevision.objects.values_list("number", "body")) == [
        (1, "line one\nline two"),
        (2, "line one\nline 2"),
    ]
    history = selectors.post_revisions(post=opening)
    assert [h["number"] for h in history] == [2, 1]
    assert {"kind": "add", "text": "+line three"} in history[0]["diff"]
    assert {"kind": "del", "text": "-line two"} in history[1]["diff"]
    assert history[1]["title_changed"]
    with pytest.raises(PermissionDenied):
        services.post_edit(editor=other_member, post=opening, body="vandalised")


def test_soft_delete_keeps_the_row_and_fixes_counters(member, other_member, space):
    thread = ask(member, space)
    answer = reply(other_member, thread)
    services.answer_accept(actor=member, post=answer)
    services.post_delete(actor=other_member, post=answer)
    answer.refresh_from_db()
    thread.refresh_from_db()
    assert answer.is_deleted and Post.objects.filter(pk=answer.pk).exists()
    assert thread.post_count == 1 and thread.accepted_post is None
    # Positions are never reused after a delete.
    assert reply(other_member, thread).position == 3


def test_an_answered_question_cannot_be_deleted_by_its_author(
    member, other_member, moderator, space
):
    thread = ask(member, space)
    reply(other_member, thread)
    with pytest.raises(PermissionDenied):
        services.post_delete(actor=member, post=thread.posts.get(position=1))
    services.post_delete(actor=moderator, post=thread.posts.get(position=1))
    thread.refresh_from_db()
    assert thread.is_deleted
    space.refresh_from_db()
    assert space.thread_count == 0


def test_reactions_toggle_once_per_kind_and_never_on_own_posts(member, other_member, space):
    thread = ask(member, space)
    post = thread.posts.get()
    state = services.reaction_toggle(user=other_member, post=post, kind="helpful")
    assert (state.active, state.count) == (True, 1)
    state = services.reaction_toggle(user=other_member, post=post, kind="like")
    assert (state.active, state.count) == (True, 1)
    state = services.reaction_toggle(user=other_member, post=post, kind="helpful")
    assert (state.active, state.count) == (False, 0)
    with pytest.raises(PermissionDenied):
        services.reaction_toggle(user=member, post=post, kind="like")
    with pytest.raises(ValidationError):
        services.reaction_toggle(user=other_member, post=post, kind="love")


def test_read_state_only_moves_forward(member, other_member, space):
    thread = ask(member, space)
    for _ in range(3):
        reply(other_member, thread)
    thread.refresh_from_db()
    services.read_state_mark(user=member, thread=thread, position=3)
    services.read_state_mark(user=member, thread=thread, position=2)
    assert ReadState.objects.get(user=member, thread=thread).last_read_position == 3


def test_curated_tags_are_enforced(member):
    from taggit.models import Tag

    space = SpaceFactory(restrict_tags=True)
    space.curated_tags.add(Tag.objects.create(name="billing", slug="billing"))
    with pytest.raises(ValidationError, match="not allowed: pricing"):
        ask(member, space, tags=["billing", "pricing"])
    assert list(ask(member, space, tags=["billing"]).tags.names()) == ["billing"]


def test_synchronize_recomputes_what_services_kept(member, other_member, staff, space):
    thread = ask(member, space)
    reply(other_member, thread)
    official = reply(staff, thread, official=True)
    reply(other_member, thread)
    thread.refresh_from_db()
    kept = (thread.post_count, thread.last_position, thread.last_poster_id, thread.official_post_id)
    Thread.objects.filter(pk=thread.pk).update(post_count=99, official_post=None, last_poster=None)
    thread = services.thread_synchronize(thread=thread)
    assert (
        thread.post_count,
        thread.last_position,
        thread.last_poster_id,
        thread.official_post_id,
    ) == kept
    assert kept[3] == official.pk
    Space.objects.filter(pk=space.pk).update(thread_count=0, post_count=0)
    space = services.space_synchronize(space=space)
    assert (space.thread_count, space.post_count) == (1, 4)


def test_view_counts_are_buffered_and_flushed(member, space, settings):
    settings.STOA_VIEW_FLUSH_EVERY = 5
    thread = ask(member, space)
    for _ in range(4):
        services.thread_record_view(thread_id=thread.pk)
    thread.refresh_from_db()
    assert thread.view_count == 0 and services.thread_pending_views(thread_id=thread.pk) == 4
    services.thread_record_view(thread_id=thread.pk)
    thread.refresh_from_db()
    assert thread.view_count == 5 and services.thread_pending_views(thread_id=thread.pk) == 0


def test_services_refuse_private_spaces_to_outsiders_as_if_missing(member, other_member):
    from django.http import Http404

    from .factories import OrganizationMembershipFactory

    insider = UserFactory()
    org = OrganizationMembershipFactory(user=insider).organization
    private = SpaceFactory(visibility="organization", organization=org)
    thread = ask(insider, private)
    with pytest.raises(Http404):
        ask(member, private)
    with pytest.raises(Http404):
        reply(member, thread)
    with pytest.raises(Http404):
        services.reaction_toggle(user=member, post=thread.posts.get(), kind="like")
    assert thread.posts.count() == 1


def test_only_staff_replies_can_be_marked_official(member, other_member, staff, space):
    thread = ask(member, space)
    customer_reply = reply(other_member, thread)
    staff_reply = reply(staff, thread)
    with pytest.raises(PermissionDenied, match="staff member's reply"):
        services.post_mark_official(actor=staff, post=customer_reply)
    services.post_mark_official(actor=staff, post=staff_reply)
    thread.refresh_from_db()
    assert thread.official_post == staff_reply


def test_synchronize_reads_the_current_row_not_a_stale_copy(member, other_member, space):
    stale = ask(member, space)
    answer = reply(other_member, stale)
    services.answer_accept(actor=member, post=answer)
    services.thread_synchronize(thread=stale)
    stale.refresh_from_db()
    assert stale.accepted_post == answer

"""Private messages at /messages/: conversations, unread state, participants, blocks."""

import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from forums import messaging
from forums.models import Post, Thread, ThreadParticipant, UserBlock

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol():
    return UserFactory(username="carol", display_name="Carol Jensen")


def text(response) -> str:
    return html.unescape(response.content.decode())


def start(author, to, title="Dashboard sharing", body="Can you share the **sales** board?"):
    return messaging.conversation_start(author=author, to=to, title=title, body=body)


# Starting and reading -----------------------------------------------------------------------


def test_a_member_writes_to_another_through_the_form(client, member, other_member):
    client.force_login(member)
    response = client.get("/messages/new/?to=bob")
    assert 'value="bob"' in text(response)
    response = client.post(
        "/messages/new/",
        {"to": "@Bob", "title": "Sharing a board", "body": "Hi **Bob**", "client_token": "t1"},
    )
    thread = Thread.objects.get(kind=Thread.Kind.MESSAGE)
    assert response.status_code == 302 and response["Location"] == f"/messages/{thread.pk}/"
    assert thread.space is None and thread.title == "Sharing a board"
    assert set(thread.participants.values_list("user__username", flat=True)) == {"alice", "bob"}
    page = text(client.get(f"/messages/{thread.pk}/"))
    assert "<strong>Bob</strong>" in page and "Private conversation" in page
    # A double-clicked send starts one conversation.
    client.post(
        "/messages/new/",
        {"to": "bob", "title": "Sharing a board", "body": "Hi **Bob**", "client_token": "t1"},
    )
    assert Thread.objects.filter(kind=Thread.Kind.MESSAGE).count() == 1


def test_unread_state_in_the_list_and_the_header(client, member, other_member):
    thread = start(member, "bob")
    client.force_login(other_member)
    listing = text(client.get("/messages/"))
    assert "Dashboard sharing" in listing and "1 new" in listing
    assert 'aria-label="Messages: 1 unread"' in listing
    client.get(f"/messages/{thread.pk}/")
    listing = text(client.get("/messages/"))
    assert "1 new" not in listing and 'aria-label="Messages"' in listing
    # Bob answers: now Alice has something unread, Bob does not (his own post).
    client.post(f"/messages/{thread.pk}/send/", {"body": "Sure, done.", "client_token": "r1"})
    assert 'aria-label="Messages"' in text(client.get("/messages/"))
    client.force_login(member)
    assert "1 new" in text(client.get("/messages/"))
    assert messaging.unread_count(viewer=member) == 1


def test_the_header_count_costs_one_query(client, member, other_member):
    for n in range(5):
        start(other_member, "alice", title=f"Topic {n}")
    from forums.templatetags.stoa_messages import unread_conversations

    class Request:
        user = member

    with CaptureQueriesContext(connection) as ctx:
        assert unread_conversations({"request": Request()}) == 5
    assert len(ctx) == 1


def test_the_header_count_agrees_with_the_reading_door(member, other_member, carol, moderator):
    """The count skips ``visible_to`` to stay at one query; it must count the same
    conversations: not those left, not those with a held opening (unless one wrote it).
    One difference is deliberate: a moderator in a conversation whose opening is held can
    open it (moderators read held posts), but it is not counted as unread mail; it waits in
    their moderation queue."""
    from forums.models import ReadState

    left = start(other_member, "alice", title="Left")
    messaging.conversation_leave(user=member, thread_id=left.pk)
    held = start(carol, "alice, mia", title="Held")
    Post.objects.filter(thread=held, position=1).update(state=Post.State.PENDING)
    start(other_member, "alice", title="Fine")
    own_held = start(member, "bob", title="Mine, held")
    Post.objects.filter(thread=own_held, position=1).update(state=Post.State.PENDING)
    for viewer in (member, other_member, carol):
        read = dict(
            ReadState.objects.filter(user=viewer).values_list("thread_id", "last_read_position")
        )
        door = Thread.objects.visible_to(viewer).filter(
            kind="message", participants__user=viewer, participants__left_at__isnull=True
        )
        expected = [
            t.title
            for t in door
            if t.last_position > read.get(t.pk, 0) and t.last_poster_id != viewer.pk
        ]
        assert messaging.unread_count(viewer=viewer) == len(expected), (viewer, expected)
    assert messaging.unread_count(viewer=member) == 1  # only "Fine"
    assert messaging.unread_count(viewer=moderator) == 0


def test_outsiders_and_moderators_get_404(client, member, other_member, carol, moderator, staff):
    thread = start(member, "bob")
    for outsider in (carol, moderator, staff):
        client.force_login(outsider)
        assert client.get(f"/messages/{thread.pk}/").status_code == 404
        assert client.get(thread.get_absolute_url()).status_code == 404
        assert client.get(f"/t/{thread.slug}/{thread.pk}/1/").status_code == 404
        assert "Dashboard sharing" not in text(client.get("/messages/"))
    client.logout()
    response = client.get(f"/messages/{thread.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_thread_urls_of_a_conversation_lead_to_the_conversation(client, member, other_member):
    thread = start(member, "bob")
    client.force_login(other_member)
    response = client.get(thread.get_absolute_url())
    assert response["Location"] == f"/messages/{thread.pk}/"
    response = client.get(f"/t/{thread.slug}/{thread.pk}/1/")
    assert response["Location"] == f"/messages/{thread.pk}/#post-1"


def test_a_moderator_reads_a_conversation_only_while_a_post_in_it_is_flagged(
    client, member, other_member, moderator
):
    from moderation.models import Flag

    thread = start(member, "bob", body="Buy cheap licences at example.biz")
    post = Post.objects.get(thread=thread, position=1)
    client.force_login(moderator)
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    flag = Flag.objects.create(post=post, reporter=other_member, reason="spam")
    page = client.get(f"/messages/{thread.pk}/")
    assert page.status_code == 200
    assert "Moderator view" in text(page)
    assert "Only the people in this conversation can write in it." in text(page)
    with pytest.raises(PermissionDenied):
        messaging.message_send(author=moderator, thread=thread, body="Hello")
    Flag.objects.filter(pk=flag.pk).update(status="upheld")
    assert client.get(f"/messages/{thread.pk}/").status_code == 404


# Participants ---------------------------------------------------------------------------------


def test_adding_a_participant_who_then_reads_from_the_start(client, member, other_member, carol):
    thread = start(member, "bob", body="The very first message")
    client.force_login(other_member)
    response = client.post(f"/messages/{thread.pk}/add/", {"username": "carol"})
    assert response.status_code == 302
    client.force_login(carol)
    assert "The very first message" in text(client.get(f"/messages/{thread.pk}/"))
    assert "Dashboard sharing" in text(client.get("/messages/"))


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "Type the username of the member to add."),
        ("nobody", "There is no member called “nobody”."),
        ("bob", "bob is already in this conversation."),
        ("alice", "alice is already in this conversation."),
    ],
)
def test_adding_someone_badly_gets_a_clear_message(client, member, other_member, username, message):
    thread = start(member, "bob")
    client.force_login(member)
    response = client.post(f"/messages/{thread.pk}/add/", {"username": username})
    assert response.status_code == 400
    assert message in text(response)
    assert "Dashboard sharing" in text(response)  # the conversation is still shown


def test_leaving_and_leaving_what_one_is_not_in(client, member, other_member, carol):
    thread = start(member, "bob")
    client.force_login(other_member)
    response = client.post(f"/messages/{thread.pk}/leave/", follow=True)
    assert "You left the conversation." in text(response)
    assert "Dashboard sharing" not in text(response)
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    response = client.post(f"/messages/{thread.pk}/leave/", follow=True)
    assert "You have already left that conversation." in text(response)
    client.force_login(carol)
    not_in = text(client.post(f"/messages/{thread.pk}/leave/", follow=True))
    missing = text(client.post("/messages/999999/leave/", follow=True))
    assert "You are not in that conversation." in not_in
    assert "You are not in that conversation." in missing  # the same answer: nothing leaks
    # Bob is brought back by Alice and reads again.
    messaging.participant_add(actor=member, thread=thread, username="bob")
    client.force_login(other_member)
    assert client.get(f"/messages/{thread.pk}/").status_code == 200


# Blocking -------------------------------------------------------------------------------------


def test_a_blocked_member_cannot_message_the_blocker(client, member, other_member, carol):
    thread = start(member, "bob")
    client.force_login(other_member)
    response = client.post("/messages/block/alice/", follow=True)
    assert "You blocked alice" in text(response)
    assert UserBlock.objects.filter(blocker=other_member, blocked=member).exists()

    client.force_login(member)
    response = client.post(
        "/messages/new/",
        {"to": "bob, carol", "title": "Hello again", "body": "Kept body", "client_token": "x"},
    )
    assert response.status_code == 400
    assert "bob does not accept messages from you." in text(response)
    assert "Kept body" in text(response) and "Hello again" in text(response)

    page = text(client.get(f"/messages/{thread.pk}/"))
    assert "has blocked messages from you" in page
    response = client.post(f"/messages/{thread.pk}/send/", {"body": "Hi?", "client_token": "y"})
    assert response.status_code == 403
    other = start(member, "carol")
    with pytest.raises(ValidationError, match="bob does not accept messages from you"):
        messaging.participant_add(actor=member, thread=other, username="bob")

    client.force_login(other_member)
    assert "Unblock" in text(client.get("/u/alice/"))
    client.post("/messages/unblock/alice/")
    assert messaging.message_send(author=member, thread=thread, body="Thanks!").position == 2


def test_block_rules(member, other_member, staff):
    with pytest.raises(ValidationError, match="cannot block yourself"):
        messaging.user_block(blocker=member, blocked=member)
    with pytest.raises(PermissionDenied, match="Staff and moderators can always reach you"):
        messaging.user_block(blocker=member, blocked=staff)
    messaging.user_block(blocker=member, blocked=other_member)
    with pytest.raises(ValidationError, match="already blocked bob"):
        messaging.user_block(blocker=member, blocked=other_member)
    messaging.user_unblock(blocker=member, blocked=other_member)
    with pytest.raises(ValidationError, match="had not blocked bob"):
        messaging.user_unblock(blocker=member, blocked=other_member)


def test_someone_who_blocked_a_participant_cannot_be_added(member, other_member, carol):
    thread = start(member, "bob")
    messaging.user_block(blocker=carol, blocked=other_member)
    with pytest.raises(ValidationError, match="carol does not accept messages from someone here"):
        messaging.participant_add(actor=member, thread=thread, username="carol")


def test_profiles_offer_message_and_block(client, member, other_member, staff):
    client.force_login(member)
    page = text(client.get("/u/bob/"))
    assert "/messages/new/?to=bob" in page and "/messages/block/bob/" in page
    page = text(client.get("/u/sam/"))
    assert "/messages/new/?to=sam" in page and "/messages/block/sam/" not in page
    assert "/messages/block/" not in text(client.get("/u/alice/"))


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"to": "", "title": "Hi", "body": "Body"}, "Add at least one other member to write to."),
        ({"to": "alice", "title": "Hi", "body": "Body"}, "Add at least one other member"),
        ({"to": "ghost", "title": "Hi", "body": "Body"}, "There is no member called “ghost”."),
        ({"to": "bob", "title": "", "body": "Body"}, "Give the conversation a subject."),
        ({"to": "bob", "title": "Hi", "body": "  "}, "Write something before posting."),
    ],
)
def test_bad_messages_get_a_clear_message_and_keep_the_text(
    client, member, other_member, data, field_message
):
    client.force_login(member)
    response = client.post("/messages/new/", {**data, "client_token": "z"})
    assert response.status_code == 400
    page = text(response)
    assert field_message in page
    for value in data.values():
        if value.strip():
            assert value in page
    assert not Thread.objects.filter(kind=Thread.Kind.MESSAGE).exists()


def test_an_empty_reply_is_refused_and_the_conversation_stays(client, member, other_member):
    thread = start(member, "bob")
    client.force_login(other_member)
    response = client.post(f"/messages/{thread.pk}/send/", {"body": "", "client_token": "e"})
    assert response.status_code == 400
    assert "Write something before posting." in text(response)
    assert "Dashboard sharing" in text(response)


def test_unverified_members_cannot_start_conversations(client, other_member):
    newcomer = UserFactory(username="newbie", verified=False)
    client.force_login(newcomer)
    response = client.get("/messages/new/")
    assert "Verify your e-mail address before sending messages." in text(response)
    with pytest.raises(PermissionDenied):
        start(newcomer, "bob")


def test_the_participant_picker_suggests_usernames_only(client, member, other_member, carol):
    UserFactory(username="carlos")
    client.force_login(member)
    response = client.get("/messages/people/", {"field": "to", "to": "bob, car"})
    page = text(response)
    assert '<option value="bob, carlos">carlos</option>' in page
    assert '<option value="bob, carol">carol</option>' in page
    assert "example.com" not in page
    assert text(client.get("/messages/people/", {"field": "to", "to": "c"})).strip() == ""


def test_messages_never_show_on_profiles(client, member, other_member):
    start(member, "bob", body="A private remark about pricing")
    ask(member, SpaceFactory(), title="A public question")
    client.force_login(other_member)
    page = text(client.get("/u/alice/"))
    assert "A public question" in page and "pricing" not in page


def test_conversation_pages_issue_a_fixed_number_of_queries(client, member, other_member):
    thread = start(member, "bob")
    client.force_login(member)

    def count(url):
        client.get(url)  # the first visit after new messages records how far one has read
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = ["/messages/", f"/messages/{thread.pk}/"]
    count("/messages/")
    before = [count(url) for url in urls]
    for n in range(30):
        person = UserFactory(username=f"pen{n}")
        start(person, "alice", title=f"Hello {n}")
        if n < 15:
            messaging.participant_add(actor=member, thread=thread, username=f"pen{n}")
        messaging.message_send(author=other_member, thread=thread, body=f"Message {n}")
    after = [count(url) for url in urls]
    assert after == before, f"queries grew with the data: {before} -> {after}"
    assert max(after) <= 16, after


def test_conversation_participants_are_recorded_once(member, other_member):
    thread = start(member, ["bob", "BOB", "@bob"])
    assert ThreadParticipant.objects.filter(thread=thread).count() == 2
    with pytest.raises(Http404):
        messaging.conversation_get_for_viewer(thread_id=thread.pk, viewer=UserFactory())

"""A member deletes their own account: what they wrote stays as "Former member", the rest goes."""

import html
import io
import json

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts import reputation, services
from accounts.models import ReputationEvent, User
from forums import ideas, messaging
from forums import services as forum_services
from forums.models import (
    IdeaVote,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    ThreadParticipant,
    Upload,
)
from insights import rollups
from moderation.models import ReviewItem
from notifications.models import Notification, Subscription

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

DELETE_URL = "/accounts/delete/"
PASSWORD = "correct horse battery"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    """Files go to the test's own folders, never the repository's (as in test_uploads.py)."""
    settings.STOA_UPLOAD_ROOT = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "uploads"


@pytest.fixture
def space():
    return SpaceFactory(slug="dashboards", name="Dashboards")


@pytest.fixture
def outbox(django_capture_on_commit_callbacks):
    """Run what the transactions queued: the outbox handlers, file removal, cache bumps."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def text(response) -> str:
    return html.unescape(response.content.decode())


def former_member() -> User:
    return User.objects.get(username="former-member")


def delete_account(user, outbox, actor=None):
    with outbox():
        return services.account_delete(user=user, actor=actor or user)


# What stays --------------------------------------------------------------------------------


def test_threads_posts_and_edits_stay_under_the_former_member(
    client, member, other_member, space, outbox
):
    thread = ask(member, space, title="Export to CSV fails", body="The button does nothing.")
    opening = thread.posts.get(position=1)
    forum_services.post_edit(editor=member, post=opening, body="The export button does nothing.")
    reply(other_member, thread, body="Which browser?")
    reply(member, thread, body="Firefox, latest.")

    result = delete_account(member, outbox)

    assert not User.objects.filter(username="alice").exists()
    former = former_member()
    assert result.threads == 1 and result.posts == 2
    thread.refresh_from_db()
    assert thread.author == former and thread.last_poster == former
    assert thread.post_count == 3 and thread.last_position == 3
    assert list(thread.posts.values_list("author__username", flat=True)) == [
        "former-member",
        "bob",
        "former-member",
    ]
    assert PostRevision.objects.get(post=opening).editor == former
    assert not former.is_active and not former.has_usable_password()
    assert former.display_name == "Former member" and former.email.endswith(".invalid")
    assert not EmailAddress.objects.filter(user=former).exists()

    page = text(client.get(thread.get_absolute_url()))
    assert "Former member" in page and "Firefox, latest." in page
    assert "The export button does nothing." in page
    # Post headers name the former member without a link to a profile that does not exist.
    assert '<span id="post-1-author" class="author-name">Former member</span>' in page
    assert '<span id="post-3-author" class="author-name">Former member</span>' in page
    assert '<a id="post-2-author" class="author-name" href="/u/bob/">' in page
    assert client.get("/u/former-member/").status_code == 404
    assert client.get("/u/alice/").status_code == 404


def test_private_messages_stay_for_the_other_participant(client, member, other_member, outbox):
    thread = messaging.conversation_start(
        author=member, to="bob", title="Sharing a board", body="Can you share the sales board?"
    )
    messaging.message_send(author=other_member, thread=thread, body="Sure, here it is.")

    delete_account(member, outbox)

    assert list(ThreadParticipant.objects.filter(thread=thread).values_list("user", flat=True)) == [
        other_member.pk
    ]
    assert Post.objects.get(thread=thread, position=1).author == former_member()
    client.force_login(other_member)
    assert "Sharing a board" in text(client.get("/messages/"))
    page = text(client.get(f"/messages/{thread.pk}/"))
    assert "Can you share the sales board?" in page and "Former member" in page
    assert "Sure, here it is." in page


def test_a_second_deletion_reuses_the_same_former_member(member, other_member, space, outbox):
    first = ask(member, space, title="First question")
    second = ask(other_member, space, title="Second question")

    delete_account(member, outbox)
    delete_account(other_member, outbox)

    former = former_member()
    assert User.objects.filter(username="former-member").count() == 1
    assert set(Thread.objects.values_list("author", flat=True)) == {former.pk}
    assert {first.pk, second.pk} == set(former.threads.values_list("pk", flat=True))


def test_double_clicked_form_tokens_do_not_collide_under_the_former_member(
    member, other_member, space, outbox
):
    # Both members' posts carried a form token; one account now holds both.
    ask(member, space, title="One", client_token="same-token")
    ask(other_member, space, title="Two", client_token="same-token")

    delete_account(member, outbox)
    delete_account(other_member, outbox)

    assert set(Post.objects.values_list("client_token", flat=True)) == {""}


def test_held_posts_stay_in_the_moderation_queue(member, space, outbox, settings):
    settings.STOA_PREMODERATION_FIRST_POSTS = 1
    with outbox():
        thread = ask(member, space, title="Held for review")
    item = ReviewItem.objects.get(post__thread=thread, status="open")

    delete_account(member, outbox)

    item.refresh_from_db()
    assert item.status == "open" and item.subject == former_member()


# What goes --------------------------------------------------------------------------------


def test_uploads_their_files_and_the_avatar_go(
    client, member, space, outbox, upload_root, settings
):
    member.trust_level = 2
    member.save(update_fields=["trust_level"])
    services.profile_update(
        user=member,
        display_name="Alice",
        bio="",
        avatar_file=SimpleUploadedFile("me.png", png(), content_type="image/png"),
    )
    avatar_path = settings.MEDIA_ROOT / member.avatar.name
    client.force_login(member)
    attached = json.loads(
        client.post("/uploads/", {"file": SimpleUploadedFile("s.png", png())}).content
    )
    client.post("/uploads/", {"file": SimpleUploadedFile("later.log", b"log line\n")})
    thread = ask(member, space, body=f"Screenshot: {attached['markdown']}")
    assert Upload.objects.count() == 2 and Upload.objects.filter(post__thread=thread).exists()
    assert len(stored_files(upload_root)) == 2 and avatar_path.exists()

    result = delete_account(member, outbox)

    assert result.uploads == 2
    assert not Upload.objects.exists()
    assert stored_files(upload_root) == []
    assert not avatar_path.exists()
    assert Thread.objects.filter(pk=thread.pk).exists()  # the post stays, without its picture
    client.logout()
    assert client.get(attached["url"]).status_code == 404


def test_personal_rows_go_and_counters_on_others_stay_right(member, other_member, space, outbox):
    idea_space = SpaceFactory(slug="ideas", allow_ideas=True)
    with outbox():
        question = ask(other_member, space, title="Dashboard filters")
        answer = reply(other_member, question, body="Filters live in the side panel.")
        reply(member, question, body="Thanks, that worked.")
        mine = ask(member, space, title="My own question")
        reply(other_member, mine, body="Have you tried restarting?")
        forum_services.reaction_toggle(user=member, post=answer, kind="helpful")
        forum_services.reaction_toggle(user=member, post=answer, kind="like")
        idea = ask(other_member, idea_space, title="Dark mode", kind=Thread.Kind.IDEA)
        ideas.idea_vote_toggle(user=member, thread=idea, voted=True)
        forum_services.read_state_mark(user=member, thread=question, position=3)
    other_member.refresh_from_db()
    answer.refresh_from_db()
    assert other_member.reputation == 5
    assert (answer.helpful_count, answer.like_count) == (1, 1)
    assert Notification.objects.filter(recipient=member).exists()
    assert Subscription.objects.filter(user=member).exists()
    told_by_alice = Notification.objects.filter(recipient=other_member, actor=member)
    assert told_by_alice.exists()
    notices = list(told_by_alice.values_list("pk", flat=True))

    delete_account(member, outbox)

    gone = member.pk
    for model, field in [
        (Notification, "recipient_id"),
        (Subscription, "user_id"),
        (Reaction, "user_id"),
        (IdeaVote, "user_id"),
        (ReadState, "user_id"),
        (ReputationEvent, "user_id"),
        (EmailAddress, "user_id"),
    ]:
        assert not model.objects.filter(**{field: gone}).exists(), model.__name__
    answer.refresh_from_db()
    idea.refresh_from_db()
    question.refresh_from_db()
    other_member.refresh_from_db()
    assert (answer.helpful_count, answer.like_count) == (0, 0)
    assert idea.vote_count == 0
    assert question.post_count == 3 and question.last_poster == former_member()
    assert other_member.reputation == 0
    # Bob's notifications about Alice's replies now name the former member.
    assert set(Notification.objects.filter(pk__in=notices).values_list("actor", flat=True)) == {
        former_member().pk
    }
    # The ledger agrees with the content: a full rebuild finds nothing to repair.
    report = reputation.reputation_rebuild()
    assert (report.added, report.removed, report.members_changed) == (0, 0, 0)


def test_the_former_member_never_reaches_the_leaderboard(
    client, member, other_member, space, outbox
):
    with outbox():
        thread = ask(other_member, space, title="How do I share a dashboard?")
        answer = reply(member, thread, body="Use the share button.")
    delete_account(member, outbox)
    carol = UserFactory(username="carol")
    with outbox():
        forum_services.reaction_toggle(user=carol, post=answer, kind="helpful")
        forum_services.answer_accept(actor=other_member, post=answer)
    assert ReputationEvent.objects.filter(user=former_member()).exists()

    for query in ("", "?period=all", "?period=week&staff=1"):
        page = client.get(f"/leaderboard/{query}").content.decode()
        assert "former-member" not in page and "Former member" not in page


def test_the_former_member_is_not_a_top_contributor_in_insights(
    client, member, other_member, staff, space, outbox
):
    thread = ask(other_member, space, title="Where is the export?")
    reply(member, thread, body="In the menu.")
    delete_account(member, outbox)
    rollups.rollup_day(timezone.localdate())

    client.force_login(staff)
    board = client.get("/insights/").context["board"]
    names = [row[0].text for row in board.tables["contributors"].rows]
    assert names == ["Bob"]


# Who may, and mistakes ----------------------------------------------------------------------


def test_the_settings_tabs_lead_to_the_page(client, member):
    client.force_login(member)
    page = text(client.get("/settings/profile/"))
    assert f'href="{DELETE_URL}"' in page and "Delete account" in page


def test_the_page_explains_and_asks_for_password_and_username(
    client, member, django_assert_max_num_queries
):
    client.force_login(member)
    with django_assert_max_num_queries(8):
        response = client.get(DELETE_URL)
    page = text(response)
    assert response.status_code == 200
    assert "Former member" in page and "cannot be undone" in page
    assert "Files and pictures you attached" in page
    assert 'name="password"' in page and 'name="confirm_username"' in page
    assert "<strong>alice</strong>" in page


def test_visitors_are_sent_to_log_in(client):
    response = client.get(DELETE_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("password", "username", "field", "message"),
    [
        ("wrong password", "alice", "password", "That is not your password."),
        (PASSWORD, "Alice ", "confirm_username", "That is not your username: type “alice”"),
        (PASSWORD, "bob", "confirm_username", "That is not your username"),
        ("", "", "password", "This field is required."),
    ],
)
def test_mistakes_keep_the_account_and_what_was_typed(
    client, member, password, username, field, message
):
    client.force_login(member)
    response = client.post(DELETE_URL, {"password": password, "confirm_username": username})

    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert User.objects.filter(pk=member.pk, is_active=True).exists()
    if username:
        assert f'value="{username}"' in page  # as typed
    if password:
        assert password not in page  # the password is never sent back


def test_success_logs_out_and_says_so_on_the_home_page(client, member):
    client.force_login(member)
    response = client.post(DELETE_URL, {"password": PASSWORD, "confirm_username": "alice"})

    assert response.status_code == 302 and response["Location"] == "/"
    home = text(client.get("/"))
    assert "Your account is deleted" in home
    assert not User.objects.filter(username="alice").exists()
    assert client.get(DELETE_URL).status_code == 302  # signed out


def test_too_many_password_tries_are_slowed_down(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"reauthenticate": "2/m/user"}
    client.force_login(member)
    for _ in range(2):
        client.post(DELETE_URL, {"password": "guess", "confirm_username": "alice"})

    response = client.post(DELETE_URL, {"password": PASSWORD, "confirm_username": "alice"})

    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert User.objects.filter(pk=member.pk).exists()


def test_administrators_are_refused(client, admin_user, member):
    client.force_login(admin_user)
    page = text(client.get(DELETE_URL))
    assert "Administrator accounts cannot be deleted" in page
    assert 'name="password"' not in page
    response = client.post(DELETE_URL, {"password": PASSWORD, "confirm_username": "root"})
    assert response.status_code == 200
    assert User.objects.filter(pk=admin_user.pk).exists()

    with pytest.raises(ValidationError, match="Administrator accounts cannot be deleted"):
        services.account_delete(user=admin_user, actor=admin_user)
    admins_group_member = UserFactory(username="ada", roles=["Admins"])
    with pytest.raises(ValidationError, match="Administrator accounts"):
        services.account_delete(user=admins_group_member, actor=admin_user)


def test_only_oneself_or_an_administrator(member, other_member, moderator, admin_user, outbox):
    for actor in (other_member, moderator):
        with pytest.raises(ValidationError, match="only delete your own account"):
            services.account_delete(user=member, actor=actor)
    assert User.objects.filter(pk=member.pk).exists()

    delete_account(member, outbox, actor=admin_user)

    assert not User.objects.filter(pk=member.pk).exists()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        services.account_delete(user=former_member(), actor=admin_user)


def test_an_active_account_named_former_member_is_never_used(member, space, outbox):
    UserFactory(username="former-member")
    ask(member, space)

    with pytest.raises(ValidationError, match="former member"):
        delete_account(member, outbox)

    assert Thread.objects.get().author == member


def test_deleting_twice_is_harmless(member, outbox):
    stale = User.objects.get(pk=member.pk)
    delete_account(member, outbox)

    assert services.account_delete(user=stale, actor=stale) is None


# Pages and cost ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_visitors_cached_pages_show_the_former_member(client, settings, member, space):
    settings.STOA_ANON_CACHE_SECONDS = 60
    thread = ask(member, space, title="Cached question")
    assert "Alice" in text(client.get(thread.get_absolute_url()))
    assert client.get(thread.get_absolute_url())["X-Stoa-Cache"] == "hit"
    assert "Alice" in text(client.get("/s/dashboards/"))

    services.account_delete(user=member, actor=member)

    page = client.get(thread.get_absolute_url())
    assert page["X-Stoa-Cache"] == "miss"
    assert "Former member" in text(page) and "Alice" not in text(page)
    assert "Alice" not in text(client.get("/s/dashboards/"))


def _deletion_queries(author, peer, space, *, threads: int, outbox) -> int:
    idea_space = SpaceFactory(allow_ideas=True)
    with outbox():
        for n in range(threads):
            thread = ask(author, space, title=f"Question number {n}")
            answer = reply(peer, thread, body=f"Answer number {n}")
            reply(author, thread, body=f"Thanks {n}")
            forum_services.reaction_toggle(user=author, post=answer, kind="helpful")
            forum_services.reaction_toggle(user=author, post=answer, kind="like")
            idea = ask(peer, idea_space, title=f"Idea number {n}", kind=Thread.Kind.IDEA)
            ideas.idea_vote_toggle(user=author, thread=idea, voted=True)
    with CaptureQueriesContext(connection) as queries, outbox():
        services.account_delete(user=author, actor=author)
    return len(queries)


def test_the_deletion_costs_the_same_for_a_busy_member(space, outbox):
    services.former_member_get()  # created once, outside the comparison
    small = _deletion_queries(UserFactory(), UserFactory(), space, threads=1, outbox=outbox)
    large = _deletion_queries(UserFactory(), UserFactory(), space, threads=8, outbox=outbox)
    assert large == small


def test_the_admin_deletes_members_who_posted_keeping_their_posts(
    client, admin_user, member, other_member, space, outbox
):
    thread = ask(member, space, title="Still useful after I leave")
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/",
        {
            "action": "delete_keeping_posts",
            "_selected_action": [member.pk, admin_user.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deleted 1 account(s)." in page
    assert "administrator" in page.lower()  # the admin's own account is refused, with why
    assert not User.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk=admin_user.pk).exists()
    thread.refresh_from_db()
    assert thread.author.username == "former-member"


def test_a_deleted_members_username_is_not_given_out_again(client, space, outbox):
    from .test_accounts import PASSWORD, errors_for, input_value

    leaver = UserFactory(username="Leaver")
    ask(leaver, space, title="Mentioned as @Leaver for years")
    services.account_delete(user=leaver, actor=leaver)

    response = client.post(
        "/accounts/signup/",
        {
            "email": "impostor@example.com",
            "username": "leaver",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert errors_for(response, "id_username") == [
        "This username belonged to an account that was deleted, so it is not given out "
        "again. Please choose another."
    ]
    assert input_value(response, "email") == "impostor@example.com"
    assert not User.objects.filter(username__iexact="leaver").exists()

"""The moderation pages: /mod/, its htmx decisions, review pages, the log, flags, notices."""

import html5lib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums.models import Post, Thread
from moderation import services
from moderation.models import Flag, ModerationAction, ReviewItem
from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask, reply

NS = {"h": "http://www.w3.org/1999/xhtml"}
SPAM = "Cheap phone number list: https://leads.example/1 https://leads.example/2 https://leads.example/3"


def parse(response):
    return html5lib.parse(response.content, namespaceHTMLElements=False)


@pytest.fixture
def space(db):
    return SpaceFactory()


@pytest.fixture
def held_posts(member, space, django_capture_on_commit_callbacks):
    """Spam from new accounts, held by the filter: what the queue is for."""

    def make(n):
        posts = []
        for i in range(n):
            spammer = UserFactory(username=f"spam{i}-{Post.objects.count()}")
            thread = ask(member, space, title=f"Question {i}")
            with django_capture_on_commit_callbacks(execute=True):
                posts.append(reply(spammer, thread, body=f"{SPAM} {i}"))
        return posts

    return make


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


# --- who may see the queue --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_is_for_moderators_only(client, member, held_posts):
    held_posts(1)
    url = reverse("moderation:queue")
    assert client.get(url).status_code == 302  # log in first
    client.force_login(member)
    for path in (url, reverse("moderation:log"), f"/mod/post/{Post.objects.last().pk}/"):
        assert client.get(path).status_code == 404  # hidden looks like missing


@pytest.mark.django_db
def test_the_queue_shows_each_item_with_its_context(mod_client, held_posts):
    post = held_posts(1)[0]
    response = mod_client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    page = parse(response)
    item = page.find(".//li[@data-queue-item]")
    text = "".join(item.itertext())
    assert post.thread.title in text
    assert "Links from a new account" in text and "Sells contact data" in text
    assert "trust 0" in text and "score" in text
    buttons = {b.text for b in item.iter("button") if b.text}
    assert {"Approve", "Hide", "Delete", "Delete spammer"} <= buttons


@pytest.mark.django_db
def test_queue_and_log_cost_the_same_number_of_queries_with_more_items(mod_client, held_posts):
    def count(url):
        mod_client.get(url)  # warm the caches every page shares (branding, sizes)
        with CaptureQueriesContext(connection) as queries:
            assert mod_client.get(url).status_code == 200
        return len(queries)

    held_posts(2)
    small = count(reverse("moderation:queue")), count(reverse("moderation:log"))
    held_posts(12)
    for post in Post.objects.filter(state="hidden")[:3]:
        services.flag_create(reporter=UserFactory(), post=post, reason="spam")
    large = count(reverse("moderation:queue")), count(reverse("moderation:log"))
    assert small == large
    assert large[0] <= 16 and large[1] <= 10


@pytest.mark.django_db
def test_review_pages_cost_the_same_with_a_longer_history(mod_client, moderator, held_posts):
    def count(url):
        mod_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert mod_client.get(url).status_code == 200
        return len(queries)

    post = held_posts(1)[0]
    author = post.author
    urls = (
        reverse("moderation:post", args=[post.pk]),
        reverse("moderation:user", args=[author.username]),
    )
    small = [count(url) for url in urls]
    thread = post.thread
    for i in range(12):
        extra = reply(author, thread, body=f"more {i}")
        services.post_hide(actor=moderator, post=extra, reason=f"Spam {i}")
        services.user_warn(actor=moderator, user=author, reason=f"Warning {i}")
    assert [count(url) for url in urls] == small
    assert small[0] <= 26 and small[1] <= 16


# --- deciding from the queue ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_htmx_decision_replaces_the_card_and_a_second_one_is_told_who_was_first(
    mod_client, held_posts
):
    post = held_posts(1)[0]
    item = ReviewItem.objects.get(post=post)
    url = reverse("moderation:post_decide", args=[post.pk, "delete"])
    data = {"reason": "spam", "note": "", "item": item.pk}
    response = mod_client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "queueChanged"
    assert b"Deleted" in response.content and b"data-queue-done" in response.content
    assert Post.objects.get(pk=post.pk).is_deleted

    again = mod_client.post(
        reverse("moderation:post_decide", args=[post.pk, "approve"]), data, HTTP_HX_REQUEST="true"
    )
    assert b"already handled this" in again.content and b"is-warning" in again.content
    assert ModerationAction.objects.filter(post=post, action__in=["approve", "delete"]).count() == 1


@pytest.mark.django_db
def test_without_javascript_a_decision_redirects_back_with_a_message(mod_client, held_posts):
    post = held_posts(1)[0]
    response = mod_client.post(
        reverse("moderation:post_decide", args=[post.pk, "approve"]),
        {"reason": "Not spam", "next": reverse("moderation:queue")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("moderation:queue")
    assert b"Approved" in response.content
    assert Post.objects.get(pk=post.pk).state == "visible"


@pytest.mark.django_db
def test_a_bad_decision_form_keeps_what_was_typed(mod_client, held_posts):
    post = held_posts(1)[0]
    url = reverse("moderation:post_decide", args=[post.pk, "hide"])
    response = mod_client.post(url, {"reason": "other", "note": ""}, HTTP_HX_REQUEST="true")
    assert b"Say why in the note" in response.content and b"data-queue-item" in response.content

    response = mod_client.post(url, {"reason": "nonsense", "note": "my careful note"})
    assert response.status_code == 400
    assert b"my careful note" in response.content
    assert Post.objects.get(pk=post.pk).state == "hidden"  # unchanged: still held


@pytest.mark.django_db
def test_bulk_actions(mod_client, held_posts):
    posts = held_posts(3)
    ids = list(ReviewItem.objects.order_by("pk").values_list("pk", flat=True))
    response = mod_client.post(
        reverse("moderation:bulk"), {"items": ids[:2], "decision": "delete"}, follow=True
    )
    assert b"Deleted: 2 item(s)." in response.content
    assert Post.objects.filter(pk__in=[p.pk for p in posts], is_deleted=True).count() == 2
    response = mod_client.post(reverse("moderation:bulk"), {"decision": "delete"}, follow=True)
    assert b"Select at least one item first." in response.content


# --- review pages -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_page_shows_context_history_and_every_action(mod_client, held_posts):
    post = held_posts(1)[0]
    response = mod_client.get(reverse("moderation:post", args=[post.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for label in (
        "Approve",
        "Hide",
        "Delete",
        "Edit the post",
        "Warn",
        "Suspend",
        "Ban",
        "Delete spammer",
        "Lock the thread",
        "Move",
        "Merge into it",
        "Split off",
        "Held for review",
    ):
        assert label in text, label


@pytest.mark.django_db
def test_thread_actions_from_the_review_page(mod_client, member, other_member, space):
    target = ask(member, space, title="Keep this one")
    source = ask(other_member, space, title="Duplicate")
    opening = source.posts.get()
    url = reverse("moderation:thread_act", args=[source.pk, "merge"])
    response = mod_client.post(url, {"reason": "Same question", "target": "not a thread"})
    assert response.status_code == 400 and b"No such thread" in response.content
    assert b"Same question" in response.content  # the reason is kept

    response = mod_client.post(
        url, {"reason": "Same question", "target": f"http://testserver{target.get_absolute_url()}"}
    )
    assert response.status_code == 302 and response["Location"] == target.get_absolute_url()
    assert Thread.objects.get(pk=source.pk).is_deleted
    assert Post.objects.get(pk=opening.pk).thread_id == target.pk


@pytest.mark.django_db
def test_suspending_from_the_member_page(mod_client, moderator, other_member):
    url = reverse("moderation:user_act", args=[other_member.username, "suspend"])
    response = mod_client.post(url, {"reason": "", "days": 3})
    assert response.status_code == 400 and b"Say why" in response.content
    response = mod_client.post(url, {"reason": "Spamming links", "days": 3}, follow=True)
    assert b"Suspended: @bob." in response.content
    other_member.refresh_from_db()
    assert other_member.suspension_reason == "Spamming links"
    page = mod_client.get(reverse("moderation:user", args=[other_member.username]))
    assert b"Suspended until" in page.content and b"Lift suspension" in page.content


@pytest.mark.django_db
def test_a_moderator_edit(mod_client, other_member, member, space):
    post = reply(other_member, ask(member, space), body="Email me at bob@example.com")
    url = reverse("moderation:post_edit", args=[post.pk])
    assert mod_client.get(url).status_code == 200
    response = mod_client.post(url, {"body": "Email removed.", "reason": ""})
    assert response.status_code == 400 and b"Email removed." in response.content
    response = mod_client.post(url, {"body": "Email removed.", "reason": "No addresses"})
    assert response.status_code == 302
    assert ModerationAction.objects.get(action="edit").reason == "No addresses"


# --- the log ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_log_lists_and_filters_every_action(mod_client, moderator, held_posts, other_member):
    post = held_posts(1)[0]
    services.post_delete(actor=moderator, post=post, reason="Spam, obviously")
    services.user_warn(actor=moderator, user=other_member, reason="Be nice")
    response = mod_client.get(reverse("moderation:log"))
    text = response.content.decode()
    assert "Spam, obviously" in text and "Be nice" in text and "system" in text
    only_system = mod_client.get(reverse("moderation:log") + "?actor=system").content.decode()
    assert "Held for review" in only_system and "Be nice" not in only_system
    warned = mod_client.get(reverse("moderation:log") + "?action=warn&member=bob").content.decode()
    assert "Be nice" in warned and "Spam, obviously" not in warned


# --- members: flagging and hearing back --------------------------------------------------------


@pytest.mark.django_db
def test_flagging_from_the_post_and_seeing_the_outcome(
    client, member, other_member, moderator, space
):
    thread = ask(member, space)
    post = thread.posts.get()
    client.force_login(other_member)
    page = client.get(thread.get_absolute_url())
    flag_url = reverse("moderation:flag", args=[post.pk])
    assert flag_url.encode() in page.content

    response = client.post(flag_url, {"reason": "other", "note": ""})
    assert response.status_code == 400 and b"what is wrong" in response.content
    response = client.post(flag_url, {"reason": "off_topic", "note": "Belongs in billing"})
    assert response.status_code == 302
    again = client.get(flag_url)
    assert b"You flagged this post" in again.content

    services.post_hide(actor=moderator, post=post, reason="Off-topic here")
    yours = client.get(reverse("moderation:yours")).content.decode()
    assert "Upheld" in yours and "agreed and hid the post" in yours

    client.force_login(member)
    own = client.get(reverse("moderation:yours")).content.decode()
    assert "Off-topic here" in own  # the author is told what happened and why


@pytest.mark.django_db
def test_no_flag_link_on_ones_own_post_and_a_clear_refusal(client, member, space):
    thread = ask(member, space)
    client.force_login(member)
    flag_url = reverse("moderation:flag", args=[thread.posts.get().pk])
    assert flag_url.encode() not in client.get(thread.get_absolute_url()).content
    response = client.post(flag_url, {"reason": "spam"})
    assert b"your own post" in response.content
    assert not Flag.objects.exists()


@pytest.mark.django_db
def test_flagging_a_post_deleted_meanwhile_says_so(client, member, other_member, moderator, space):
    post = ask(member, space).posts.get()
    client.force_login(other_member)
    services.post_delete(actor=moderator, post=post, reason="Duplicate")
    response = client.post(reverse("moderation:flag", args=[post.pk]), {"reason": "spam"})
    assert b"deleted" in response.content and not Flag.objects.exists()


@pytest.mark.django_db
def test_a_private_post_cannot_be_flagged_by_outsiders(client, other_member, staff):
    from forums.models import Space

    private = SpaceFactory(visibility=Space.Visibility.MEMBERS)
    post = ask(staff, private).posts.get()
    client.force_login(other_member)
    assert client.get(reverse("moderation:flag", args=[post.pk])).status_code == 404


# --- notices: the header, held posts, suspensions ---------------------------------------------


@pytest.mark.django_db
def test_moderators_see_the_queue_size_in_the_header_and_members_do_not(
    client, member, moderator, held_posts
):
    held_posts(2)
    client.force_login(moderator)
    page = parse(client.get("/"))
    badge = page.find(".//span[@class='badge-count mod-queue-size']")
    assert badge is not None and badge.text == "2"
    assert client.get(reverse("moderation:queue_badge")).content.count(b">2<") == 1
    client.force_login(member)
    assert b"mod-queue-size" not in client.get("/").content


@pytest.mark.django_db
def test_the_author_of_a_held_post_sees_a_notice(client, settings, space, staff):
    settings.STOA_PREMODERATION_FIRST_POSTS = 1
    author = UserFactory(username="freshman")
    thread = ask(staff, space)
    reply(author, thread, body="my first reply")
    client.force_login(author)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "my first reply" in page and "until a moderator approves it" in page


@pytest.mark.django_db
def test_a_suspended_member_is_told_why_and_until_when_everywhere(
    client, member, other_member, moderator, space
):
    thread = ask(member, space)
    client.force_login(other_member)
    services.user_suspend(actor=moderator, user=other_member, days=2, reason="Repeated spam.")
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Your account is suspended until" in page and "Repeated spam." in page
    assert "suspension-banner" in page
    # A reply form opened before the suspension.
    response = client.post(
        reverse("forums:reply", args=[thread.pk]), {"body": "hello", "client_token": "t1"}
    )
    assert response.status_code in (400, 403)
    assert b"suspended until" in response.content
    assert not Post.objects.filter(author=other_member).exists()
    yours = client.get(reverse("moderation:yours")).content.decode()
    assert "Repeated spam." in yours

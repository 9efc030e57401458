"""Moderation through its services: flags, spam scoring, holds, decisions, learning, races."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from forums import permissions as forum_permissions
from forums.models import Post, Thread
from forums.rendering import find_phone_numbers, mask_phone_numbers, render_post
from moderation import services
from moderation.models import (
    BlockedTerm,
    ModerationAction,
    ReviewItem,
    SignalWeight,
    SpamVerdict,
)
from moderation.services import AlreadyHandled
from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask, reply

LINK_SPAM = (
    "Best deals on phone number list and leads, visit https://cheap-leads.example/buy "
    "and https://cheap-leads.example/now or https://cheap-leads.example/more today"
)


@pytest.fixture
def space(db):
    return SpaceFactory()


@pytest.fixture
def thread(member, space):
    return ask(member, space)


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer")


@pytest.fixture
def trusted(db):
    return UserFactory(username="trusty", trust_level=3)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what the outbox publishes after commit (scoring, learning) in the test."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def fresh(obj):
    obj.refresh_from_db()
    return obj


# --- phone numbers in the renderer ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Call +1-888-555-0199 now", ["+18885550199"]),
        ("our line (800) 555 0199", ["8005550199"]),
        ("+44 20 7946 0958", ["+442079460958"]),
        ("WhatsApp 919876543210", ["919876543210"]),
        ("ticket 4829301122 was closed", []),
        ("released 2024-01-15 10:00", []),
        ("IP 192.168.100.200", []),
        ("version 1.2.3.4 and 3fa85f64-5717-4562-b3fc-2c963f66afa6", []),
    ],
)
def test_phone_numbers_are_found_and_dates_ids_and_addresses_are_not(text, numbers):
    assert find_phone_numbers(text) == numbers
    if numbers:
        assert "phone number hidden" in mask_phone_numbers(text)
    else:
        assert mask_phone_numbers(text) == text


def test_masking_covers_code_and_keeps_the_default_renderer_unchanged():
    body = "Call `+1 888 555 0199` or +1 888 555 0199"
    assert "555" in render_post(body).html
    masked = render_post(body, mask_phones=True).html
    assert "555" not in masked
    assert masked.count("phone number hidden") == 2


# --- premoderation and limits at write time ---------------------------------------------------


@pytest.mark.django_db
def test_first_posts_of_a_new_account_wait_and_do_not_count_until_approved(
    settings, newcomer, member, moderator, space, run_tasks
):
    settings.STOA_PREMODERATION_FIRST_POSTS = 2
    member.trust_level = 1
    member.save(update_fields=["trust_level"])
    thread = ask(member, space)
    space.refresh_from_db()
    counts = (space.post_count, space.thread_count)

    post = run_tasks(reply, newcomer, thread, body="Thanks, this helped me too.")
    thread.refresh_from_db()
    assert post.state == Post.State.PENDING
    assert thread.post_count == 1 and thread.last_poster == member
    assert fresh(space).post_count == counts[0]
    item = ReviewItem.objects.get(post=post, status="open")
    assert item.sources == ["first_posts"]
    hold = ModerationAction.objects.get(post=post, action="hold")
    assert hold.actor is None and "first posts" in hold.reason

    # Readers do not see it; its author and moderators do.
    assert not Post.objects.visible_to(member).filter(pk=post.pk).exists()
    assert Post.objects.visible_to(newcomer).filter(pk=post.pk).exists()
    assert Post.objects.visible_to(moderator).filter(pk=post.pk).exists()

    run_tasks(services.post_approve, actor=moderator, post=post, reason="Looks fine")
    thread.refresh_from_db()
    assert fresh(post).state == Post.State.VISIBLE
    assert thread.post_count == 2 and thread.last_poster == newcomer
    assert thread.first_reply_at is not None
    assert fresh(space).post_count == counts[0] + 1
    assert fresh(item).status == "resolved"


@pytest.mark.django_db
def test_a_held_opening_post_keeps_its_thread_out_of_lists_until_approved(
    settings, newcomer, member, moderator, space
):
    settings.STOA_PREMODERATION_FIRST_POSTS = 1
    thread = ask(newcomer, space, title="Is there a dark mode?")
    assert fresh(space).thread_count == 0
    assert not Thread.objects.visible_to(member).filter(pk=thread.pk).exists()
    assert not Thread.objects.public().filter(pk=thread.pk).exists()
    assert Thread.objects.visible_to(newcomer).filter(pk=thread.pk).exists()
    assert Thread.objects.visible_to(moderator).filter(pk=thread.pk).exists()

    services.post_approve(actor=moderator, post=thread.posts.get(), reason="Looks fine")
    assert Thread.objects.visible_to(member).filter(pk=thread.pk).exists()
    space.refresh_from_db()
    assert (space.thread_count, space.post_count) == (1, 1)
    assert fresh(thread).post_count == 1


@pytest.mark.django_db
def test_phone_numbers_from_low_trust_members_are_held_and_masked_until_approved(
    newcomer, member, moderator, thread, run_tasks
):
    body = "Lumen support is on +1 (888) 555-0199, call them any time."
    post = run_tasks(reply, newcomer, thread, body=body)
    assert post.state == Post.State.PENDING
    assert "555" not in post.body_html and "phone number hidden" in post.body_html
    assert post.body == body  # what was written is kept for the moderator
    item = ReviewItem.objects.get(post=post)
    assert "phone" in item.sources
    verdict = SpamVerdict.objects.get(post=post)
    assert "phone_number" in verdict.codes

    run_tasks(services.post_approve, actor=moderator, post=post, reason="A real number")
    post.refresh_from_db()
    assert post.state == Post.State.VISIBLE and "555-0199" in post.body_html


@pytest.mark.django_db
def test_trusted_members_and_staff_may_post_numbers(trusted, staff, thread):
    assert reply(trusted, thread, body="Call me on +31 20 123 4567").state == "visible"
    assert reply(staff, thread, body="Our line: +1 888 555 0199").state == "visible"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("See http://a.example http://b.example http://c.example", "at most 2 links"),
        ("![x](http://a.example/x.png) ![y](http://a.example/y.png)", "at most 1 image"),
    ],
)
def test_trust_level_limits_refuse_with_a_clear_message(settings, newcomer, thread, body, message):
    settings.STOA_TRUST_LIMITS_ENABLED = True
    with pytest.raises(ValidationError) as error:
        reply(newcomer, thread, body=body)
    assert message in str(error.value.message_dict["body"])
    assert not Post.objects.filter(author=newcomer).exists()


@pytest.mark.django_db
def test_posting_rate_is_limited_per_level_and_staff_are_exempt(settings, newcomer, staff, space):
    settings.STOA_TRUST_LIMITS_ENABLED = True
    settings.STOA_TRUST_LIMITS = {**settings.STOA_TRUST_LIMITS, 0: {"posts_per_hour": 2}}
    thread = ask(staff, space)
    reply(newcomer, thread, body="one")
    reply(newcomer, thread, body="two")
    with pytest.raises(ValidationError) as error:
        reply(newcomer, thread, body="three")
    assert "2 times an hour" in str(error.value) and "minute" in str(error.value)
    for n in range(5):
        reply(staff, thread, body=f"staff {n}")


# --- spam scoring -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_link_spam_from_a_new_account_is_hidden_queued_and_explained(
    newcomer, member, thread, run_tasks
):
    before = fresh(thread).post_count
    post = run_tasks(reply, newcomer, thread, body=LINK_SPAM)
    post.refresh_from_db()
    assert post.state == Post.State.HIDDEN
    assert fresh(thread).post_count == before
    verdict = SpamVerdict.objects.get(post=post)
    assert verdict.held and verdict.score >= 1.0
    assert {"new_account_links", "link_density", "data_broker"} <= set(verdict.codes)
    assert all(r["detail"] for r in verdict.reasons)
    item = ReviewItem.objects.get(post=post, status="open")
    assert item.sources == ["spam"] and item.score == verdict.score
    assert ModerationAction.objects.filter(post=post, action="hold", actor=None).exists()
    assert not Post.objects.visible_to(member).filter(pk=post.pk).exists()


@pytest.mark.django_db
def test_an_ordinary_reply_is_left_alone(newcomer, thread, run_tasks):
    post = run_tasks(reply, newcomer, thread, body="Same here: the export button fixed it.")
    verdict = SpamVerdict.objects.get(post=post)
    assert not verdict.held and fresh(post).state == "visible"
    assert not ReviewItem.objects.exists()


@pytest.mark.django_db
def test_scoring_is_idempotent(newcomer, thread, run_tasks):
    post = run_tasks(reply, newcomer, thread, body=LINK_SPAM)
    assert services.post_score(post_id=post.pk) is None  # a redelivered task
    assert SpamVerdict.objects.filter(post=post).count() == 1
    assert ReviewItem.objects.filter(post=post).count() == 1
    assert ModerationAction.objects.filter(post=post, action="hold").count() == 1


@pytest.mark.django_db
def test_each_signal_is_reported_with_its_code(settings, space, member, run_tasks):
    settings.STOA_PHONE_HOLD_BELOW_TRUST = 0
    BlockedTerm.objects.create(kind="phrase", value="miracle cleanse")
    BlockedTerm.objects.create(kind="email_domain", value="spam-mail.example")
    BlockedTerm.objects.create(kind="link_domain", value="bad.example")
    BlockedTerm.objects.create(kind="phone", value="18885550199")
    author = UserFactory(username="odd", email="odd@spam-mail.example")
    thread = ask(member, space)
    body = (
        "Try the miracle cleanse from https://www.bad.example/x or wa.me/15550001111. "
        "Sеrvice desk +1 888 555 0199. Also Telegram data for sale."
    )
    post = run_tasks(reply, author, thread, body=body)
    codes = set(SpamVerdict.objects.get(post=post).codes)
    assert {
        "blocked_phrase",
        "blocked_email_domain",
        "blocked_link_domain",
        "blocked_phone",
        "contact_link",
        "odd_characters",  # "Service" is written with a Cyrillic e
        "data_broker",
    } <= codes
    assert BlockedTerm.objects.get(value="miracle cleanse").hits == 1


@pytest.mark.django_db
def test_the_same_text_in_several_threads_and_posting_speed(newcomer, member, space, run_tasks):
    text = "I can recommend a great consultant for all your dashboard problems, message me."
    posts = [
        run_tasks(reply, newcomer, ask(member, space, title=f"Q{i}"), body=text) for i in range(4)
    ]
    codes = set(SpamVerdict.objects.get(post=posts[-1]).codes)
    assert {"duplicate_text", "posting_speed"} <= codes


@pytest.mark.django_db
def test_a_hosted_checker_is_used_when_configured_and_its_absence_is_noted(
    settings, newcomer, thread, run_tasks
):
    settings.STOA_SPAM_CHECKERS = ["tests.test_moderation_services.AlwaysSpam"]
    post = run_tasks(reply, newcomer, thread, body="hello there")
    verdict = SpamVerdict.objects.get(post=post)
    assert verdict.held and any(r["detail"] == "Fake: it said so" for r in verdict.reasons)

    settings.STOA_SPAM_CHECKERS = ["moderation.checkers.AkismetChecker"]
    post = run_tasks(reply, newcomer, thread, body="hello again")
    verdict = SpamVerdict.objects.get(post=post)
    assert not verdict.held
    assert any("unavailable" in r["detail"] for r in verdict.reasons)


class AlwaysSpam:
    name = "Fake"

    def check(self, request):
        from moderation.checkers import CheckResult

        assert request.kind == "post" and request.author_email
        return CheckResult(points=2.0, detail="it said so")


@pytest.mark.django_db
def test_the_akismet_checker_speaks_its_protocol(settings, newcomer, thread, run_tasks):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.parse import parse_qs

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            form = parse_qs(self.rfile.read(length).decode())
            seen.append(form)
            answer = b"true" if "viagra" in form["comment_content"][0] else b"false"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.STOA_SPAM_CHECKERS = ["moderation.checkers.AkismetChecker"]
        settings.STOA_AKISMET_KEY = "k"
        settings.STOA_AKISMET_URL = f"http://127.0.0.1:{server.server_port}/1.1/comment-check"
        spam = run_tasks(reply, newcomer, thread, body="cheap viagra")
        ham = run_tasks(reply, newcomer, thread, body="thanks, that worked")
    finally:
        server.shutdown()
    assert SpamVerdict.objects.get(post=spam).held
    assert not SpamVerdict.objects.get(post=ham).held
    assert seen[0]["comment_author"] == ["newcomer"] and seen[0]["api_key"] == ["k"]


@pytest.mark.django_db
def test_profiles_are_scored_and_numbers_in_them_masked_until_approved(
    newcomer, moderator, run_tasks
):
    from accounts.services import profile_update

    run_tasks(
        profile_update,
        user=newcomer,
        display_name="Lumen Helpdesk",
        bio="Call our support line +1 888 555 0199 for instant help.",
    )
    newcomer.refresh_from_db()
    assert "555" not in newcomer.bio and "phone number hidden" in newcomer.bio
    item = ReviewItem.objects.get(kind="profile", subject=newcomer, status="open")
    assert "phone" in item.sources

    services.profile_approve(actor=moderator, user=newcomer, reason="A real number")
    newcomer.refresh_from_db()
    assert "555 0199" in newcomer.bio
    assert fresh(item).status == "resolved"


# --- learning -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_a_held_post_teaches_the_filter_about_that_author(
    newcomer, moderator, thread, run_tasks
):
    body = "Helpful links: https://docs.example/a https://docs.example/b https://docs.example/c"
    post = run_tasks(reply, newcomer, thread, body=body)
    assert fresh(post).state == "hidden"
    run_tasks(services.post_approve, actor=moderator, post=post, reason="Not spam")
    weights = dict(SignalWeight.objects.filter(author=newcomer).values_list("code", "weight"))
    assert weights["new_account_links"] == 0.5 and weights["link_density"] == 0.5
    assert SpamVerdict.objects.get(post=post).outcome == "false_positive"

    again = run_tasks(reply, newcomer, thread, body=body.replace("/a", "/d"))
    assert fresh(again).state == "visible"  # the same honest member is not held again


@pytest.mark.django_db
def test_a_false_positive_lowers_the_weight_of_the_phrase_that_fired(
    newcomer, moderator, thread, run_tasks
):
    term = BlockedTerm.objects.create(kind="phrase", value="free trial", weight=1.2)
    post = run_tasks(reply, newcomer, thread, body="Is the free trial 14 or 30 days?")
    assert fresh(post).state == "hidden"
    run_tasks(services.post_approve, actor=moderator, post=post, reason="A fair question")
    assert fresh(term).weight == pytest.approx(0.6) and term.false_positives == 1
    # Learning runs once, however often the task is delivered.
    action = ModerationAction.objects.get(post=post, action="approve")
    assert services.learn_from_decision(action_id=action.pk) == 0
    assert fresh(term).weight == pytest.approx(0.6)


@pytest.mark.django_db
def test_confirmed_spam_adds_its_links_numbers_and_phrases_to_the_lists(
    settings, member, moderator, space, run_tasks
):
    settings.STOA_PHONE_HOLD_BELOW_TRUST = 0
    spammer = UserFactory(username="spammer1", trust_level=2)
    thread = ask(member, space)
    body = (
        "Unlock premium dashboards instantly with crackedlumen keygen, see "
        "https://warez.example/k or +1 888 555 0100"
    )
    post = run_tasks(reply, spammer, thread, body=body)
    run_tasks(services.post_delete, actor=moderator, post=post, reason="Spam", spam=True)
    values = dict(BlockedTerm.objects.values_list("value", "kind"))
    assert values["warez.example"] == "link_domain"
    assert values["18885550100"] == "phone"
    phrases = [value for value, kind in values.items() if kind == "phrase"]
    assert phrases and all(phrase in body.lower() for phrase in phrases)

    # The next account posting the same thing is caught by what was learned.
    other = UserFactory(username="spammer2", trust_level=2)
    second = run_tasks(reply, other, thread, body=body.replace("0100", "0100 today"))
    assert fresh(second).state == "hidden"
    assert {"blocked_link_domain", "blocked_phone", "blocked_phrase"} <= set(
        SpamVerdict.objects.get(post=second).codes
    )


# --- flags ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_flags_once_and_hears_the_outcome(member, other_member, moderator, thread):
    post = thread.posts.get()
    flag = services.flag_create(reporter=other_member, post=post, reason="off_topic")
    assert flag.status == "open" and flag.weight == 0.5  # a new account's flag
    assert ReviewItem.objects.get(post=post).flag_weight == 0.5
    with pytest.raises(ValidationError, match="You flagged this post"):
        services.flag_create(reporter=other_member, post=post, reason="spam")
    services.post_approve(actor=moderator, post=post, reason="Looks fine")
    flag.refresh_from_db()
    assert flag.status == "rejected" and "can stay" in flag.outcome


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["spam", "abusive"])
def test_enough_weighted_flags_hide_a_post_until_a_moderator_decides(member, space, reason):
    post = ask(member, space).posts.get()
    reporters = [UserFactory(trust_level=level) for level in (1, 2)]
    for reporter in reporters:
        services.flag_create(reporter=reporter, post=post, reason=reason)
    assert fresh(post).state == "visible"  # 2.0 of 3.0
    services.flag_create(reporter=UserFactory(trust_level=0), post=post, reason=reason)
    assert fresh(post).state == "visible"  # a new account's flag weighs 0.5
    services.flag_create(reporter=UserFactory(trust_level=3), post=post, reason=reason)
    assert fresh(post).state == "hidden"
    auto = ModerationAction.objects.get(post=post, action="auto_hide")
    assert auto.actor is None and "4 members flagged it" in auto.reason


@pytest.mark.django_db
def test_needs_staff_flags_never_hide_a_post(member, space):
    post = ask(member, space).posts.get()
    for _ in range(4):
        services.flag_create(reporter=UserFactory(trust_level=4), post=post, reason="needs_staff")
    assert fresh(post).state == "visible"
    assert ReviewItem.objects.get(post=post).sources == ["flags"]


@pytest.mark.django_db
def test_flag_abuse_is_refused_with_clear_messages(settings, member, other_member, space):
    post = ask(member, space).posts.get()
    with pytest.raises(ValidationError, match="your own post"):
        services.flag_create(reporter=member, post=post, reason="spam")
    with pytest.raises(ValidationError, match="what is wrong"):
        services.flag_create(reporter=other_member, post=post, reason="other", note=" ")
    settings.STOA_FLAGS_PER_HOUR = 2
    for i in range(2):
        services.flag_create(
            reporter=other_member, post=ask(member, space, title=f"T{i}").posts.get(), reason="spam"
        )
    with pytest.raises(ValidationError, match="2 posts in the last hour"):
        services.flag_create(reporter=other_member, post=post, reason="spam")


@pytest.mark.django_db
def test_a_flag_on_deleted_content_is_refused(member, other_member, moderator, space):
    post = ask(member, space).posts.get()
    services.post_delete(actor=moderator, post=post, reason="Duplicate")
    with pytest.raises(ValidationError, match="deleted"):
        services.flag_create(reporter=other_member, post=fresh(post), reason="spam")


# --- decisions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_moderators_on_one_item_one_wins_and_the_other_is_told(
    newcomer, moderator, thread, run_tasks
):
    second_moderator = UserFactory(username="max", roles=["Moderators"])
    post = run_tasks(reply, newcomer, thread, body=LINK_SPAM)
    item = ReviewItem.objects.get(post=post)
    services.post_delete(actor=moderator, post=post, reason="Spam", spam=True, item_id=item.pk)
    with pytest.raises(AlreadyHandled) as handled:
        services.post_approve(actor=second_moderator, post=post, reason="ok", item_id=item.pk)
    assert "Mia already handled this" in handled.value.message
    assert "deleted" in handled.value.message
    assert ModerationAction.objects.filter(post=post).exclude(action="hold").count() == 1
    with pytest.raises(AlreadyHandled):
        services.post_hide(actor=second_moderator, post=post, reason="spam")


@pytest.mark.django_db
def test_members_cannot_moderate(member, other_member, thread):
    post = reply(other_member, thread)
    with pytest.raises(PermissionDenied):
        services.post_hide(actor=member, post=post, reason="I do not like it")
    with pytest.raises(PermissionDenied):
        services.user_suspend(actor=member, user=other_member, days=3, reason="x")


@pytest.mark.django_db
def test_every_decision_needs_a_reason(moderator, other_member, thread):
    post = reply(other_member, thread)
    with pytest.raises(ValidationError, match="Say why"):
        services.post_hide(actor=moderator, post=post, reason="  ")


@pytest.mark.django_db
def test_hide_and_delete_keep_counters_right_and_uphold_flags(
    member, other_member, moderator, space
):
    thread = ask(member, space)
    post = reply(other_member, thread)
    flag = services.flag_create(reporter=member, post=post, reason="abusive")
    services.post_hide(actor=moderator, post=post, reason="Rude")
    assert fresh(thread).post_count == 1 and fresh(flag).status == "upheld"
    services.post_approve(actor=moderator, post=post, reason="On reflection it is fine")
    assert fresh(thread).post_count == 2
    services.post_delete(actor=moderator, post=post, reason="Off-topic")
    assert fresh(thread).post_count == 1 and fresh(post).is_deleted
    services.post_delete(actor=moderator, post=thread.posts.get(position=1), reason="Spam")
    assert fresh(thread).is_deleted


@pytest.mark.django_db
def test_a_moderator_edit_is_logged_and_keeps_a_revision(moderator, other_member, thread):
    post = reply(other_member, thread, body="Call me on my cell for help")
    action = services.post_edit(actor=moderator, post=post, body="Removed.", reason="No contact")
    assert action.action == "edit" and fresh(post).revision_count == 1
    assert post.revisions.get().body == "Call me on my cell for help"


# --- members: suspensions, bans, spammers -----------------------------------------------------


@pytest.mark.django_db
def test_a_suspended_member_reads_but_cannot_post_and_is_told_why_and_until_when(
    moderator, other_member, thread
):
    services.user_suspend(actor=moderator, user=other_member, days=3, reason="Repeated spam.")
    other_member.refresh_from_db()
    assert not forum_permissions.can_post(other_member)
    notice = forum_permissions.reply_refusal(other_member, thread)
    assert "suspended until" in notice and "Repeated spam." in notice
    # A form opened before the suspension: the service refuses with the same words.
    with pytest.raises(PermissionDenied, match="suspended until"):
        reply(other_member, thread, body="posting anyway")
    assert Thread.objects.visible_to(other_member).filter(pk=thread.pk).exists()

    services.user_lift(actor=moderator, user=other_member, reason="Appeal accepted")
    other_member.refresh_from_db()
    assert forum_permissions.can_post(other_member)


@pytest.mark.django_db
def test_a_ban_is_permanent_and_moderators_are_protected(moderator, staff, other_member):
    services.user_ban(actor=moderator, user=other_member, reason="Scammer")
    other_member.refresh_from_db()
    assert "permanently" in forum_permissions.suspension_notice(other_member)
    with pytest.raises(AlreadyHandled):
        services.user_ban(actor=moderator, user=other_member, reason="again")
    with pytest.raises(PermissionDenied):
        services.user_suspend(actor=moderator, user=staff, days=1, reason="no")
    with pytest.raises(PermissionDenied):
        services.user_warn(actor=moderator, user=moderator, reason="self")


@pytest.mark.django_db
def test_suspensions_end_by_themselves(moderator, other_member):
    services.user_suspend(actor=moderator, user=other_member, days=1, reason="Cool off")
    type(other_member).objects.filter(pk=other_member.pk).update(
        suspended_until=timezone.now() - timedelta(minutes=1)
    )
    assert services.housekeeping()["suspensions_ended"] == 1
    assert services.housekeeping()["suspensions_ended"] == 0
    other_member.refresh_from_db()
    assert other_member.suspended_until is None
    assert ModerationAction.objects.filter(target_user=other_member, action="lift").count() == 1


@pytest.mark.django_db
def test_delete_spammer_removes_every_post_and_the_account(
    member, moderator, space, newcomer, run_tasks
):
    thread = ask(member, space)
    own = ask(newcomer, space, title="Buy followers")
    replies = [reply(newcomer, thread, body=f"spam {i} https://junk.example/{i}") for i in range(3)]
    flag = services.flag_create(reporter=member, post=replies[0], reason="spam")
    action = run_tasks(services.spammer_delete, actor=moderator, user=newcomer, reason="Link spam")
    newcomer.refresh_from_db()
    assert not newcomer.is_active and not newcomer.has_usable_password()
    assert newcomer.suspended_until.year == 9999
    assert not Post.objects.filter(author=newcomer, is_deleted=False).exists()
    assert fresh(own).is_deleted
    assert fresh(thread).post_count == 1
    assert fresh(flag).status == "upheld"
    assert action.changes["posts"] == 4 and action.changes["threads"] == 1
    assert BlockedTerm.objects.filter(kind="link_domain", value="junk.example").exists()
    with pytest.raises(AlreadyHandled):
        services.spammer_delete(actor=moderator, user=newcomer, reason="again")


# --- threads ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lock_move_merge_and_split(member, other_member, moderator, space):
    other_space = SpaceFactory()
    thread = ask(member, space, title="Original")
    replies = [reply(other_member, thread, body=f"reply {i}") for i in range(4)]

    services.thread_lock(actor=moderator, thread=thread, locked=True, reason="Heated")
    assert fresh(thread).is_locked
    with pytest.raises(AlreadyHandled):
        services.thread_lock(actor=moderator, thread=thread, locked=True, reason="Heated")

    action = services.thread_split(
        actor=moderator, thread=thread, positions=[3, 5], title="Split off", reason="Tangent"
    )
    new = Thread.objects.get(pk=action.changes["new_thread"])
    assert list(new.posts.order_by("position").values_list("pk", flat=True)) == [
        replies[1].pk,
        replies[3].pk,
    ]
    assert new.author == other_member and fresh(new).post_count == 2
    assert fresh(thread).post_count == 3

    services.thread_move(actor=moderator, thread=new, space=other_space, reason="Wrong forum")
    assert fresh(new).space == other_space and fresh(other_space).thread_count == 1

    services.thread_merge(actor=moderator, source=new, target=thread, reason="Same topic")
    thread.refresh_from_db()
    assert fresh(new).is_deleted and thread.post_count == 5
    positions = list(thread.posts.order_by("position").values_list("position", flat=True))
    assert positions == sorted(set(positions)) and len(positions) == 5
    assert fresh(other_space).thread_count == 0
    assert set(
        ModerationAction.objects.filter(actor=moderator).values_list("action", flat=True)
    ) == {"lock", "split", "move", "merge"}


# --- trust levels and housekeeping ------------------------------------------------------------


@pytest.mark.django_db
def test_trust_levels_rise_with_activity_and_fall_with_upheld_flags(
    settings, member, other_member, moderator, space
):
    from forums.services import reaction_toggle, read_state_mark

    settings.STOA_TRUST_REQUIREMENTS = {
        1: {"days_visited": 1, "posts_read": 1, "max_flags_upheld": 1},
        2: {
            "days_visited": 1,
            "posts_read": 1,
            "replies": 2,
            "reactions_received": 1,
            "max_flags_upheld": 0,
        },
    }
    thread = ask(member, space)
    posts = [reply(other_member, thread) for _ in range(2)]
    read_state_mark(user=other_member, thread=thread, position=3)
    reaction_toggle(user=member, post=posts[0], kind="like")
    assert services.trust_levels_recompute() >= 1
    other_member.refresh_from_db()
    assert other_member.trust_level == 2
    assert services.trust_levels_recompute() == 0  # nothing new

    services.flag_create(reporter=member, post=posts[1], reason="abusive")
    services.post_hide(actor=moderator, post=posts[1], reason="Rude")
    services.trust_levels_recompute()
    other_member.refresh_from_db()
    assert other_member.trust_level == 1
    change = ModerationAction.objects.filter(target_user=other_member, action="trust_level")
    assert change.count() == 2 and change.first().changes == {"trust_level": [2, 1]}


@pytest.mark.django_db
def test_housekeeping_closes_stale_flags_and_reminds_once(
    settings, mailoutbox, member, other_member, moderator, space, run_tasks
):
    settings.STOA_MOD_REMIND_AFTER_MINUTES = 30
    post = ask(member, space).posts.get()
    flag = services.flag_create(reporter=other_member, post=post, reason="spam")
    waiting = ask(member, space, title="Other").posts.get()
    services.flag_create(reporter=other_member, post=waiting, reason="spam")
    ReviewItem.objects.update(opened_at=timezone.now() - timedelta(hours=2))
    # The author deletes the first post before anyone looked at it.
    Post.objects.filter(pk=post.pk).update(is_deleted=True)

    result = run_tasks(services.housekeeping)
    assert result["stale_closed"] == 2  # the flag and the queue item
    assert fresh(flag).status == "closed" and "deleted" in fresh(flag).outcome
    assert result["overdue"] == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [moderator.email]
    assert "1 item waiting" in mailoutbox[0].subject

    again = run_tasks(services.housekeeping)
    assert again == {"stale_closed": 0, "queued": 0, "overdue": 0, "suspensions_ended": 0}
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_bulk_decisions_report_what_someone_else_did_first(
    newcomer, moderator, member, space, run_tasks
):
    posts = [
        run_tasks(reply, newcomer, ask(member, space, title=f"T{i}"), body=LINK_SPAM + str(i))
        for i in range(3)
    ]
    items = list(ReviewItem.objects.filter(post__in=posts).order_by("pk"))
    services.post_delete(actor=moderator, post=posts[0], reason="Spam", item_id=items[0].pk)
    result = services.bulk_decide(
        actor=moderator, item_ids=[i.pk for i in items], decision="hide", reason="Spam"
    )
    assert result["done"] == [items[1].pk, items[2].pk]
    assert result["skipped"][0][0] == items[0].pk
    assert Post.objects.filter(pk__in=[p.pk for p in posts[1:]], state="hidden").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_on_one_post_act_once(settings, newcomer, member, space):
    """Two moderators press at the same moment: the row lock lets one through."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL; SQLite serialises writers on its own.")
    # Transactional tests flush the role groups the migrations made; superusers need none.
    moderator = UserFactory(username="mia", is_superuser=True)
    other = UserFactory(username="max", is_superuser=True)
    post = reply(newcomer, ask(member, space), body="hello")
    barrier = threading.Barrier(2)
    outcomes = []

    def act(actor, decide):
        from django.db import connections

        barrier.wait()
        try:
            decide(actor=actor, post=post, reason="Spam")
            outcomes.append("done")
        except AlreadyHandled:
            outcomes.append("already")
        finally:
            connections.close_all()

    workers = [
        threading.Thread(target=act, args=(moderator, services.post_delete)),
        threading.Thread(target=act, args=(other, services.post_delete)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["already", "done"]
    assert ModerationAction.objects.filter(post=post, action="delete").count() == 1


@pytest.mark.django_db
def test_a_sign_up_from_a_blocked_e_mail_domain_is_held_for_review(moderator, run_tasks):
    from allauth.account.signals import user_signed_up

    BlockedTerm.objects.create(kind="email_domain", value="throwaway.example")
    user = UserFactory(
        username="fresh", email="x@mail.throwaway.example", bio="Best deals, visit my site"
    )
    run_tasks(user_signed_up.send, sender=type(user), request=None, user=user)
    verdict = SpamVerdict.objects.get(kind="profile", subject=user)
    assert verdict.held and "blocked_email_domain" in verdict.codes
    user.refresh_from_db()
    assert user.bio == ""  # hidden until a moderator looks
    item = ReviewItem.objects.get(kind="profile", subject=user, status="open")
    assert "spam" in item.sources

    run_tasks(services.profile_clear, actor=moderator, user=user, reason="Spam account")
    assert fresh(item).status == "resolved"
    assert SpamVerdict.objects.get(pk=verdict.pk).outcome == "confirmed"

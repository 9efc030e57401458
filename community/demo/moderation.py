"""Moderation in the demo: a flagged spam post waiting in /mod/, and a few decisions already
in /mod/log/.

``seed_moderation`` plays it through the services, as the people involved would have:

- a spam account started a data-broker thread in the Dashboards forum; Alice and Bob flagged
  it. It waits in the queue (the spam filter also scores and hides it once the seed commits);
- an earlier spammer was deleted by Mia, which taught the filter its link domain and phrases;
- Tom started an off-topic thread; Bob flagged it, Mia hid it and warned Tom.

Safe to run again: the spam accounts are recognised by username.
"""

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import User
from forums import services as forum_services
from forums.models import Post, Space, Thread
from moderation import services
from moderation.models import Flag, ModerationAction

from .loader import SeedResult

SPACE = "dashboards"
QUEUED_SPAMMER = "datadeals_pro"
DELETED_SPAMMER = "growth_hacks_4u"

QUEUED_TITLE = "Verified phone number lists and Telegram data for every country"
QUEUED_SPAM = (
    "Need more customers for your dashboards? We sell a verified phone number list and "
    "Telegram data for 190 countries, updated weekly. Country wise leads at "
    "https://bulk-leads.example/lumen and WhatsApp https://wa.me/15550107788 for a free sample."
)
OLD_TITLE = "Get certified in a weekend: analytics certification 90% off"
OLD_SPAM = (
    "Boost your analytics career overnight with our instant certification bundle, 90% off "
    "today only at https://fast-cert.example/deal"
)
OFF_TOPIC_TITLE = "Anyone watching the cup final tonight?"
OFF_TOPIC = "Our whole BI team is taking bets. Who is in?"


def _account(username: str, *, display_name: str, email: str, now: datetime, hours: int) -> User:
    user = User.objects.create(
        username=username,
        email=email,
        display_name=display_name,
        password=make_password(None),
        trust_level=1,
        date_joined=now - timedelta(hours=hours),
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _at(action: ModerationAction | None, when: datetime) -> None:
    if action is not None:
        ModerationAction.objects.filter(pk=action.pk).update(created_at=when)


# What this module adds to the demo, for the seed's own checks.
ACCOUNTS = (DELETED_SPAMMER, QUEUED_SPAMMER)
THREAD_TITLES = (OLD_TITLE, OFF_TOPIC_TITLE, QUEUED_TITLE)


def _opening(thread: Thread, when: datetime) -> Post:
    Thread.objects.filter(pk=thread.pk).update(created_at=when, last_activity_at=when, view_count=7)
    Post.objects.filter(thread=thread).update(created_at=when)
    return thread.posts.get(position=1)


def seed_moderation(*, now: datetime, result: SeedResult) -> None:
    """Each piece is a thread of its own, so the forum's threads keep their numbering."""
    if User.objects.filter(username=QUEUED_SPAMMER).exists():
        return
    people = {
        u.username: u for u in User.objects.filter(username__in=["mia", "alice", "bob", "tom"])
    }
    space = Space.objects.filter(slug=SPACE).first()
    if space is None or len(people) < 4:
        return
    mia, alice, bob, tom = (people[n] for n in ("mia", "alice", "bob", "tom"))

    def start(author, title, body):
        return forum_services.thread_create(
            author=author, space=space, kind=Thread.Kind.DISCUSSION, title=title, body=body
        )

    # Last week: a spammer Mia removed, with everything they posted.
    old = _account(
        DELETED_SPAMMER,
        display_name="Growth Hacks",
        email="deals@fast-cert.example",
        now=now,
        hours=24 * 6,
    )
    _opening(start(old, OLD_TITLE, OLD_SPAM), now - timedelta(days=6, hours=1))
    services.spammer_delete(actor=mia, user=old, reason="Advertising certification deals")
    ModerationAction.objects.filter(target_user=old).update(created_at=now - timedelta(days=6))

    # Three days ago: an off-topic thread, flagged by Bob, hidden by Mia, and a warning.
    chatter = _opening(start(tom, OFF_TOPIC_TITLE, OFF_TOPIC), now - timedelta(days=3, hours=2))
    services.flag_create(reporter=bob, post=chatter, reason=Flag.Reason.OFF_TOPIC)
    _at(
        services.post_hide(
            actor=mia, post=chatter, reason="Off-topic here; the community lounge is for chat"
        ),
        now - timedelta(days=3),
    )
    _at(
        services.user_warn(
            actor=mia, user=tom, reason="Please keep the product forums about the product."
        ),
        now - timedelta(days=3, minutes=-2),
    )

    # This morning: data-broker spam, flagged by two members, waiting for a moderator.
    spammer = _account(
        QUEUED_SPAMMER,
        display_name="Data Deals",
        email="sales@bulk-leads.example",
        now=now,
        hours=3,
    )
    spam = _opening(start(spammer, QUEUED_TITLE, QUEUED_SPAM), now - timedelta(hours=2))
    services.flag_create(reporter=alice, post=spam, reason=Flag.Reason.SPAM)
    services.flag_create(
        reporter=bob,
        post=spam,
        reason=Flag.Reason.SPAM,
        note="Same pitch was in the Spanish forum last week.",
    )
    forum_services.space_synchronize(space=space)
    result.created["users"] += 2
    result.created["threads"] += 3
    result.created["posts"] += 3

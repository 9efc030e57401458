"""``manage.py seed_demo``: the demo community outside checks rely on (DESIGN, "Contract")."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from accounts.models import Organization, User
from community.demo import PEOPLE, SPACES, THREADS, private_spaces
from community.demo import moderation as demo_moderation
from community.demo.specs import QUESTION
from community.models import Branding
from forums.models import Post, Reaction, Space, Thread

CONTRACT_ACCOUNTS = ("admin", "sam", "mia", "alice", "bob", "carol")


def run_seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at the end: each test then
    runs in its own savepoint on top of the demo, and the database is left as it was."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_seed()
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "organizations": Organization.objects.count(),
        "spaces": Space.objects.count(),
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "reactions": Reaction.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_creates_the_contract_accounts_and_prints_them(demo_output):
    output = demo_output

    for username in CONTRACT_ACCOUNTS:
        user = authenticate(username=username, password="demo")
        assert user is not None, f"{username} cannot log in with the demo password"
        assert user.emailaddress_set.filter(verified=True, primary=True).exists()
        assert f"  {username} " in output

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert "Admins" in admin.role_names
    sam = User.objects.get(username="sam")
    assert sam.has_perm("forums.mark_official") and sam.is_staff
    assert sam.display_name == "Sam Rivera, Lumen Support"
    mia = User.objects.get(username="mia")
    assert mia.has_perm("forums.moderate_post")
    assert not mia.has_perm("forums.mark_official")
    for username in ("alice", "bob", "carol"):
        customer = User.objects.get(username=username)
        assert not customer.has_perm("forums.moderate_post")
        assert not customer.is_staff
    carol = User.objects.get(username="carol")
    assert carol.org_memberships.filter(organization__name="Acme Logistics").exists()

    assert "demo" in output
    assert "http://127.0.0.1:8000/" in output
    assert Branding.current().site_name == "Lumen Community"


@pytest.mark.django_db
def test_seed_demo_is_idempotent(demo_output):
    before = table_counts()
    solved = set(Thread.objects.filter(accepted_post__isnull=False).values_list("pk", flat=True))

    output = run_seed()

    assert table_counts() == before
    assert set(Thread.objects.filter(accepted_post__isnull=False).values_list("pk", flat=True)) == (
        solved
    )
    assert "nothing to add" in output
    assert before["users"] == len(PEOPLE) + len(demo_moderation.ACCOUNTS)
    assert before["spaces"] == len(SPACES) + len(private_spaces.GROUPS) + 1  # + the panel
    assert before["threads"] == (
        len(THREADS)
        + len(private_spaces.THREADS)
        + len(private_spaces.CONVERSATIONS)
        + len(demo_moderation.THREAD_TITLES)
    )


@pytest.mark.django_db
def test_seed_demo_content_covers_every_kind_of_thread(demo_output):
    public = Thread.objects.public()
    questions = public.filter(kind=Thread.Kind.QUESTION)
    assert public.count() >= 36

    officially_solved = questions.filter(accepted_post__is_official=True)
    assert officially_solved.count() >= 3
    for thread in officially_solved:
        assert thread.accepted_post.author.has_perm("forums.mark_official")

    peer_solved = questions.filter(
        accepted_post__isnull=False, accepted_post__is_official=False, official_post__isnull=False
    )
    assert peer_solved.count() >= 3
    for thread in peer_solved:
        assert not thread.accepted_post.author.has_perm("forums.mark_official")
        assert thread.accepted_post.author != thread.author

    assert questions.filter(post_count=1).count() >= 3
    assert questions.filter(post_count__gt=1, accepted_post__isnull=True).count() >= 3
    assert public.filter(kind=Thread.Kind.DISCUSSION).count() >= 3
    assert public.filter(kind=Thread.Kind.IDEA, space__slug="ideas").count() >= 3
    announcements = public.filter(kind=Thread.Kind.ANNOUNCEMENT)
    assert announcements.count() == 2
    assert announcements.filter(is_pinned=True).count() == 1
    assert not announcements.exclude(author__username="sam").exists()

    for language in ("es", "nl", "id"):
        threads = public.filter(language=language)
        assert threads.count() >= 4
        assert not threads.exclude(space__language=language).exists()

    tagged = public.annotate(n=Count("tagged_items")).filter(n__gte=2).count()
    assert tagged >= public.count() * 3 // 4
    assert Reaction.objects.values("user").distinct().count() >= 8
    assert public.filter(view_count__gt=0).count() == public.count()
    assert Space.objects.filter(parent__slug="data-connectors").exists()


@pytest.mark.django_db
def test_the_acme_space_is_private_to_acme(demo_output):
    alice = User.objects.get(username="alice")
    carol = User.objects.get(username="carol")
    acme = Space.objects.get(slug="acme-logistics")
    assert acme.visibility == Space.Visibility.ORGANIZATION
    acme_threads = Thread.objects.filter(space=acme)
    assert acme_threads.count() == 3
    assert set(acme_threads.values_list("author__username", flat=True)) <= {"carol", "sam"}

    assert not Thread.objects.visible_to(alice).filter(space=acme).exists()
    assert not Space.objects.visible_to(alice).filter(pk=acme.pk).exists()
    assert Thread.objects.visible_to(carol).filter(space=acme).count() == 3
    assert not Thread.objects.public().filter(space=acme).exists()


@pytest.mark.django_db
def test_demo_counters_match_a_recount_and_time_runs_forward(demo_output):
    posts_by_thread: dict[int, list[Post]] = {}
    for post in Post.objects.published().order_by("thread", "position"):
        posts_by_thread.setdefault(post.thread_id, []).append(post)
    for thread in Thread.objects.all():
        posts = posts_by_thread.get(thread.pk)
        if posts is None:  # every post held or deleted by moderation: nothing is counted
            assert thread.post_count == 0
            continue
        assert thread.post_count == len(posts)
        assert thread.last_position == posts[-1].position == len(posts)
        assert thread.last_poster_id == posts[-1].author_id
        assert thread.last_activity_at == posts[-1].created_at
        assert thread.created_at == posts[0].created_at
        times = [post.created_at for post in posts]
        assert times == sorted(times), thread.title
        if thread.accepted_post_id:
            assert thread.accepted_post_id in {post.pk for post in posts[1:]}

    recount = Post.objects.annotate(
        likes=Count("reactions", filter=Q(reactions__kind="like")),
        helpfuls=Count("reactions", filter=Q(reactions__kind="helpful")),
    )
    for post in recount:
        assert (post.like_count, post.helpful_count) == (post.likes, post.helpfuls)

    for space in Space.objects.all():
        threads = Thread.objects.filter(space=space, is_deleted=False)
        assert space.thread_count == threads.count()
        assert space.post_count == Post.objects.published().filter(thread__in=threads).count()
        assert space.last_activity_at == threads.aggregate(m=Max("last_activity_at"))["m"]

    now = timezone.now()
    span = Thread.objects.aggregate(oldest=Min("created_at"), newest=Max("last_activity_at"))
    assert now - timedelta(days=61) < span["oldest"] < now - timedelta(days=50)
    assert now - timedelta(days=3) < span["newest"] <= now


def test_demo_data_is_consistent():
    """Checks on the content itself, without a database: who exists, when things happen."""
    usernames = {p.username for p in PEOPLE}
    slugs = {s.slug for s in SPACES}
    titles = [(t.space, t.title) for t in THREADS]
    assert len(titles) == len(set(titles))
    for space in SPACES:
        assert not space.parent or space.parent in slugs
    for thread in THREADS:
        assert thread.space in slugs and thread.author in usernames
        assert 0 < thread.days_ago <= 60
        assert len(thread.title) <= 200
        assert thread.author not in thread.likes
        hours = [reply.hours for reply in thread.replies]
        assert hours == sorted(hours), thread.title
        assert not hours or hours[-1] < thread.days_ago * 24, thread.title
        accepted = [reply for reply in thread.replies if reply.accepted]
        assert len(accepted) <= 1
        assert not accepted or (thread.kind == QUESTION and accepted[0].author != thread.author)
        for position, reply in enumerate(thread.replies, start=2):
            assert reply.author in usernames
            assert reply.author not in reply.likes + reply.helpful, thread.title
            assert set(reply.likes + reply.helpful) <= usernames
            assert reply.reply_to is None or 1 <= reply.reply_to < position
            if reply.quote:
                bodies = [thread.body, *(r.body for r in thread.replies)]
                assert reply.reply_to and reply.quote in bodies[reply.reply_to - 1]


@pytest.mark.django_db
def test_the_demo_has_groups_a_panel_and_conversations(demo_output):
    """The private side (community/demo/private_spaces.py), each visible only to its people."""
    alice, bob, carol, tom = (
        User.objects.get(username=name) for name in ("alice", "bob", "carol", "tom")
    )
    retail = Space.objects.get(slug="retail-analysts")
    assert (retail.kind, retail.visibility, retail.is_featured) == ("group", "public", True)
    assert Thread.objects.filter(space=retail).count() == 2
    heads = Space.objects.get(slug="heads-of-bi")
    assert heads.visibility == "members"
    assert heads.join_requests.get().user == bob
    assert not Thread.objects.visible_to(bob).filter(space=heads).exists()
    assert Thread.objects.visible_to(carol).filter(space=heads).exists()

    panel = Space.objects.get(slug="lumen-5-beta")
    assert panel.visibility == "invite"
    assert Thread.objects.visible_to(alice).filter(space=panel).exists()
    assert not Space.objects.visible_to(bob).filter(pk=panel.pk).exists()
    assert panel.invitations.filter(user=bob, accepted_at__isnull=True).exists()

    assert carol.org_memberships.get().role == "admin"
    conversations = Thread.objects.filter(kind=Thread.Kind.MESSAGE)
    assert conversations.count() == len(private_spaces.CONVERSATIONS)
    assert Thread.objects.visible_to(alice).filter(kind="message").count() == 2
    assert not Thread.objects.visible_to(User.objects.get(username="diego")).filter(kind="message")
    from forums import messaging

    assert messaging.unread_count(viewer=tom) == 1
    assert messaging.unread_count(viewer=alice) == 1  # Carol's last message to Sam and her

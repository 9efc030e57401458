"""Generate a large, realistic community quickly, for the benchmark (``manage.py seed_scale``).

Everything is written with ``bulk_create`` in batches; Markdown is rendered once per body in a
small pool and reused, so the cost is the database's, not the renderer's. Shapes follow real
communities: thread lengths have a long tail (a few threads of 1,000 posts), most questions are
answered, many are solved, staff give official answers, tags are Zipf-distributed, and some
spaces are private (organization and invite-only), so visibility filters have work to do.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from taggit.models import Tag

from accounts.models import Organization, OrganizationMembership, User
from forums.models import Post, Space, SpaceMembership, Thread
from forums.rendering import render_post

SCALE_PREFIX = "scale-"
BENCH_PASSWORD = "bench-password"
BATCH = 5_000

TOPICS = [
    ("dashboard", "dashboards"),
    ("connector", "connectors"),
    ("CSV export", "csv-export"),
    ("API token", "api"),
    ("webhook", "webhooks"),
    ("SSO login", "sso"),
    ("invoice", "billing"),
    ("scheduled report", "scheduling"),
    ("alert rule", "alerts"),
    ("calculated field", "sql"),
    ("Snowflake sync", "snowflake"),
    ("BigQuery table", "bigquery"),
    ("embed", "embedding"),
    ("time zone", "timezones"),
    ("permission", "permissions"),
    ("filter", "filters"),
]
PROBLEMS = [
    "returns an empty result",
    "times out after 30 seconds",
    "shows the wrong totals",
    "fails with error 500",
    "is missing after the upgrade",
    "ignores my settings",
    "is slow with large data",
    "breaks on special characters",
    "cannot be shared",
]
BODIES = [
    "Since this morning the {t} {p}. I tried logging out and in again, same result.",
    "We use the {t} daily.\n\n```sql\nselect date_trunc('day', created_at), count(*)\n"
    "from events\ngroup by 1;\n```\n\nIt {p} when the range is longer than a month.",
    "Is there a way to configure the {t} per workspace? Ours {p}.",
    "Quick question: the **{t}** {p} for one of our users only. Others are fine.",
    "Steps:\n\n1. Open the {t} settings\n2. Change the owner\n3. Save\n\nResult: it {p}.",
    "Thanks, that worked! The {t} no longer {p}.",
    "Same here. Following, our {t} {p} too.",
    "Have you checked the workspace time zone? That usually explains why a {t} {p}.",
    "| setting | value |\n|---|---|\n| {t} | enabled |\n| retries | 3 |\n\nStill {p}.",
    "Official update: a fix for the {t} that {p} ships in the next release. "
    "Until then, re-save it once.",
]
LANGUAGES = ["en"] * 7 + ["nl", "id", "es"]


@dataclass
class ScalePlan:
    users: int
    threads: int
    posts: int
    seed: int = 2026


def _lengths(rng: random.Random, threads: int, posts: int) -> list[int]:
    """Posts per thread: a long tail summing to ``posts``, with a few 1,000-post threads."""
    giants = min(3, posts // 20_000)
    lengths = [1000] * giants
    rest_threads = threads - giants
    rest_posts = posts - 1000 * giants
    raw = [rng.paretovariate(1.3) for _ in range(rest_threads)]
    scale = max(rest_posts - rest_threads, 0) / (sum(raw) or 1)
    lengths += [1 + min(int(x * scale), 900) for x in raw]
    deficit = posts - sum(lengths)
    i = giants
    while deficit != 0 and rest_threads:
        step = 1 if deficit > 0 else -1
        if step > 0 or lengths[i] > 1:
            lengths[i] += step
            deficit -= step
        i = giants + (i - giants + 1) % rest_threads
    return lengths


def _body_pool() -> list[tuple[str, str]]:
    pool = []
    for template in BODIES:
        for topic, _ in TOPICS[:6]:
            for problem in PROBLEMS[:3]:
                body = template.format(t=topic, p=problem)
                pool.append((body, render_post(body).html))
    return pool


def existing_posts() -> int:
    return Post.objects.filter(thread__space__slug__startswith=SCALE_PREFIX).count()


def seed_scale(plan: ScalePlan, *, log: Callable[[str], None] = print) -> dict:
    rng = random.Random(plan.seed)
    now = timezone.now()
    started = timezone.now()
    with transaction.atomic():
        people = _users(plan, now, rng)
        staff = people["staff"]
        members = people["members"]
        spaces = _spaces(members, rng)
    log(f"  users and spaces ready ({len(members)} members, {len(spaces)} spaces)")

    tags = _tags()
    pool = _body_pool()
    lengths = _lengths(rng, plan.threads, plan.posts)
    rng.shuffle(lengths)
    weights = [8 if s.visibility == "public" else 1 for s in spaces]
    horizon = timedelta(days=720)

    made_threads = made_posts = 0
    ids = _Ids()
    for start in range(0, plan.threads, BATCH // 5):
        chunk = lengths[start : start + BATCH // 5]
        made = _thread_batch(
            rng, chunk, ids, spaces, weights, members, staff, pool, tags, now, horizon
        )
        made_threads += made[0]
        made_posts += made[1]
        log(f"  {made_threads:,} threads, {made_posts:,} posts")
    ids.sync_sequences()

    with transaction.atomic():
        for space in spaces:
            threads = Thread.objects.filter(space=space)
            Space.objects.filter(pk=space.pk).update(
                thread_count=threads.count(),
                post_count=Post.objects.filter(thread__space=space).count(),
                last_activity_at=threads.order_by("-last_activity_at")
                .values_list("last_activity_at", flat=True)
                .first(),
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics for the new rows
    seconds = (timezone.now() - started).total_seconds()
    return {"threads": made_threads, "posts": made_posts, "seconds": round(seconds, 1)}


def _users(plan: ScalePlan, now: datetime, rng: random.Random) -> dict:
    password = make_password(BENCH_PASSWORD, salt="stoabench")
    staff, _ = User.objects.get_or_create(
        username="bench_staff",
        defaults={
            "email": "bench_staff@bench.example",
            "display_name": "Bench Staff",
            "is_staff": True,
            "password": password,
        },
    )
    staff.groups.add(Group.objects.get(name="Staff"))
    EmailAddress.objects.get_or_create(
        user=staff, email=staff.email, defaults={"verified": True, "primary": True}
    )
    have = User.objects.filter(username__startswith="bench_user").count()
    fresh = [
        User(
            username=f"bench_user{i}",
            email=f"bench_user{i}@bench.example",
            display_name=f"Member {i}",
            password=password,
            trust_level=rng.choice([0, 1, 1, 2, 2, 2, 3, 4]),
            date_joined=now - timedelta(days=rng.randint(1, 900)),
        )
        for i in range(have, plan.users)
    ]
    User.objects.bulk_create(fresh, batch_size=BATCH)
    members = list(User.objects.filter(username__startswith="bench_user").order_by("pk"))
    verified = set(EmailAddress.objects.filter(user__in=members).values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=m, email=m.email, verified=True, primary=True)
            for m in members
            if m.pk not in verified
        ],
        batch_size=BATCH,
    )
    return {"staff": staff, "members": members}


def _spaces(members: list, rng: random.Random) -> list[Space]:
    org, _ = Organization.objects.get_or_create(
        slug=f"{SCALE_PREFIX}globex",
        defaults={"name": "Globex (bench)", "domains": "globex.example"},
    )
    specs = [
        (f"{SCALE_PREFIX}{slug}", name, "public", None)
        for _, slug in TOPICS[:10]
        for name in [slug.replace("-", " ").title()]
    ]
    specs += [
        (f"{SCALE_PREFIX}globex", "Globex private space", "organization", org),
        (f"{SCALE_PREFIX}panel", "Co-creation panel", "invite", None),
    ]
    spaces = []
    for position, (slug, name, visibility, organization) in enumerate(specs):
        space, _ = Space.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "visibility": visibility,
                "organization": organization,
                "position": 100 + position,
                "description": f"Benchmark space: {name}.",
                "allow_ideas": position == 0,
            },
        )
        spaces.append(space)
    insiders = members[: max(len(members) // 50, 1)]
    OrganizationMembership.objects.bulk_create(
        [OrganizationMembership(organization=org, user=m) for m in insiders], ignore_conflicts=True
    )
    SpaceMembership.objects.bulk_create(
        [SpaceMembership(space=spaces[-1], user=m) for m in insiders], ignore_conflicts=True
    )
    return spaces


def _tags() -> list[Tag]:
    for _, slug in TOPICS:
        Tag.objects.get_or_create(slug=slug, defaults={"name": slug})
    return list(Tag.objects.filter(slug__in=[slug for _, slug in TOPICS]))


def _thread_batch(rng, lengths, ids, spaces, weights, members, staff, pool, tags, now, horizon):
    """Plan one batch of threads with their posts, reactions and tags, then write them.

    Ids are assigned here, so answers, reactions and tags can point at posts before they exist
    (foreign keys are checked at commit) and nothing has to be updated after the insert.
    """
    thread_rows, post_rows, reaction_rows, tag_rows = [], [], [], []
    thread_type = ContentType.objects.get_for_model(Thread).pk
    for length in lengths:
        thread_id = ids.next_thread()
        space = rng.choices(spaces, weights)[0]
        kind = rng.choices(["question", "discussion", "idea"], [70, 25, 5])[0]
        if kind == "idea" and not space.allow_ideas:
            kind = "question"
        topic, _ = rng.choice(TOPICS)
        title = f"{topic.capitalize()} {rng.choice(PROBLEMS)} (case {thread_id})"
        created = now - horizon * (rng.random() ** 2)
        author = rng.choice(members)
        span = min((now - created).total_seconds(), 86400 * 30 * math.log2(length + 1))
        times = [
            created,
            *sorted(created + timedelta(seconds=rng.random() * span) for _ in range(length - 1)),
        ]
        official_id = accepted_id = first_staff = None
        last_writer = author
        reply_ids = []
        for position in range(1, length + 1):
            post_id = ids.next_post()
            writer = (
                author if position == 1 else (staff if rng.random() < 0.08 else rng.choice(members))
            )
            is_official = writer is staff and position > 1
            if is_official and official_id is None:
                official_id, first_staff = post_id, times[position - 1]
            if position > 1:
                reply_ids.append(post_id)
            likes = helpful = 0
            if rng.random() < 0.1:
                for fan in rng.sample(members, min(len(members), rng.randint(1, 4))):
                    if fan.pk == writer.pk:
                        continue
                    kind_of = "helpful" if rng.random() < 0.34 else "like"
                    likes += kind_of == "like"
                    helpful += kind_of == "helpful"
                    reaction_rows.append((post_id, fan.pk, kind_of, times[position - 1]))
            body, html = rng.choice(pool)
            post_rows.append(
                (
                    post_id,
                    thread_id,
                    position,
                    writer.pk,
                    body,
                    html,
                    is_official,
                    "visible",
                    False,
                    times[position - 1],
                    0,
                    likes,
                    helpful,
                    "",
                )
            )
            last_writer = writer
        if kind == "question" and reply_ids and rng.random() < 0.55:
            accepted_id = official_id or rng.choice(reply_ids)
        thread_rows.append(
            (
                thread_id,
                space.pk,
                kind,
                title,
                f"{topic.replace(' ', '-').lower()}-case-{thread_id}",
                author.pk,
                rng.choice(LANGUAGES),
                created,
                times[-1],
                last_writer.pk,
                length,
                length,
                rng.randint(length, length * 40),
                0,
                False,
                False,
                False,
                "under_review" if kind == "idea" else "",
                accepted_id,
                official_id,
                times[1] if length > 1 else None,
                first_staff,
            )
        )
        for tag in rng.sample(tags, rng.choice([1, 1, 2, 3])):
            tag_rows.append((tag.pk, thread_type, thread_id))
    with transaction.atomic():
        _write("forums_thread", THREAD_COLUMNS, thread_rows)
        _write("forums_post", POST_COLUMNS, post_rows)
        _write("forums_reaction", ["post_id", "user_id", "kind", "created_at"], reaction_rows)
        _write("taggit_taggeditem", ["tag_id", "content_type_id", "object_id"], tag_rows)
    return len(thread_rows), len(post_rows)


THREAD_COLUMNS = [
    "id",
    "space_id",
    "kind",
    "title",
    "slug",
    "author_id",
    "language",
    "created_at",
    "last_activity_at",
    "last_poster_id",
    "post_count",
    "last_position",
    "view_count",
    "vote_count",
    "is_pinned",
    "is_locked",
    "is_deleted",
    "idea_status",
    "accepted_post_id",
    "official_post_id",
    "first_reply_at",
    "first_staff_reply_at",
]
POST_COLUMNS = [
    "id",
    "thread_id",
    "position",
    "author_id",
    "body",
    "body_html",
    "is_official",
    "state",
    "is_deleted",
    "created_at",
    "revision_count",
    "like_count",
    "helpful_count",
    "client_token",
]


def _write(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL (fast), executemany elsewhere."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            # Table and column names are this module's constants, never input.
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


class _Ids:
    """Hands out explicit primary keys above what exists, then moves the sequences past them."""

    def __init__(self):
        self.thread = Thread.objects.aggregate(m=Max("id"))["m"] or 0
        self.post = Post.objects.aggregate(m=Max("id"))["m"] or 0

    def next_thread(self) -> int:
        self.thread += 1
        return self.thread

    def next_post(self) -> int:
        self.post += 1
        return self.post

    def sync_sequences(self) -> None:
        if connection.vendor != "postgresql":
            return  # SQLite continues from the largest rowid by itself
        with connection.cursor() as cursor:
            for table in ("forums_thread", "forums_post", "forums_reaction", "taggit_taggeditem"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )

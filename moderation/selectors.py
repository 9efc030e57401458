"""Every read the moderation pages need, each in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from forums.models import Post, Space, Thread

from . import permissions
from .models import Flag, ModerationAction, ReviewItem, SpamVerdict, Suspension
from .scoring import REASON_LABELS
from .services.common import QUEUE_SIZE_KEY

QUEUE_FILTERS = {
    "all": "Everything",
    "held": "Held posts",
    "flagged": "Flagged",
    "spam": "Spam filter",
    "profiles": "Profiles",
}
SOURCE_LABELS = {
    "first_posts": "First posts",
    "phone": "Phone number",
    "spam": "Spam filter",
    "flags": "Flagged",
    "profile": "Profile",
}


def queue_size() -> int:
    """Open items, cached briefly: the header shows it on every moderator's page."""
    size = cache.get(QUEUE_SIZE_KEY)
    if size is None:
        size = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count()
        cache.set(QUEUE_SIZE_KEY, size, timeout=60)
    return size


@dataclass
class AuthorStats:
    posts: int = 0
    held: int = 0
    flags_upheld: int = 0
    actions: int = 0


def _author_stats(user_ids: set[int]) -> dict[int, AuthorStats]:
    stats: dict[int, AuthorStats] = defaultdict(AuthorStats)
    if not user_ids:
        return stats
    for row in (
        Post.objects.filter(author_id__in=user_ids, is_deleted=False)
        .values("author_id")
        .annotate(n=Count("id"), held=Count("id", filter=~Q(state="visible")))
    ):
        stats[row["author_id"]].posts = row["n"]
        stats[row["author_id"]].held = row["held"]
    for row in (
        Flag.objects.filter(post__author_id__in=user_ids, status=Flag.Status.UPHELD)
        .values("post__author_id")
        .annotate(n=Count("id"))
    ):
        stats[row["post__author_id"]].flags_upheld = row["n"]
    for row in (
        ModerationAction.objects.filter(target_user_id__in=user_ids, actor__isnull=False)
        .values("target_user_id")
        .annotate(n=Count("id"))
    ):
        stats[row["target_user_id"]].actions = row["n"]
    return stats


def _reasons(verdict: SpamVerdict | None) -> list[dict]:
    if verdict is None:
        return []
    return [
        {**r, "label": REASON_LABELS.get(r["code"], r["code"])}
        for r in verdict.reasons
        if r.get("points", 0) > 0 or r["code"] == "checker"
    ]


def _decorate(items: list[ReviewItem]) -> list[ReviewItem]:
    """Attach the latest verdict, the open flags and the author's record to each item."""
    post_ids = [i.post_id for i in items if i.post_id]
    profile_ids = [i.subject_id for i in items if i.kind == ReviewItem.Kind.PROFILE]
    verdicts: dict = {}
    for verdict in SpamVerdict.objects.filter(
        Q(post_id__in=post_ids) | Q(kind="profile", subject_id__in=profile_ids)
    ).order_by("created_at"):
        verdicts[verdict.post_id or ("profile", verdict.subject_id)] = verdict
    flags = defaultdict(list)
    for flag in (
        Flag.objects.filter(post_id__in=post_ids, status=Flag.Status.OPEN)
        .select_related("reporter")
        .order_by("created_at")
    ):
        flags[flag.post_id].append(flag)
    stats = _author_stats({i.subject_id for i in items if i.subject_id})
    overdue = timezone.now() - timedelta(minutes=settings.STOA_MOD_REMIND_AFTER_MINUTES)
    for item in items:
        key = item.post_id or ("profile", item.subject_id)
        item.verdict = verdicts.get(key)
        item.reasons = _reasons(item.verdict)
        item.open_flags = flags.get(item.post_id, [])
        item.author_stats = stats[item.subject_id]
        item.source_labels = [SOURCE_LABELS.get(s, s) for s in item.sources]
        item.is_overdue = item.status == "open" and item.opened_at <= overdue
    return items


@dataclass
class QueuePage:
    page: Page
    items: list[ReviewItem]
    show: str
    filters: dict = field(default_factory=lambda: dict(QUEUE_FILTERS))
    total_open: int = 0


def queue_page(*, viewer, params) -> QueuePage:
    show = params.get("show") if params.get("show") in QUEUE_FILTERS else "all"
    items = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN)
    if show == "held":
        items = items.filter(kind="post", post__state=Post.State.PENDING)
    elif show == "flagged":
        items = items.filter(flag_weight__gt=0)
    elif show == "spam":
        items = items.filter(score__gte=settings.STOA_SPAM_THRESHOLD)
    elif show == "profiles":
        items = items.filter(kind=ReviewItem.Kind.PROFILE)
    items = items.select_related(
        "post", "post__thread", "post__thread__space", "post__author", "subject"
    ).order_by("opened_at", "id")
    paginator = Paginator(items, settings.STOA_MOD_QUEUE_PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    if show == "all":
        cache.set(QUEUE_SIZE_KEY, paginator.count, timeout=60)  # the header needs it too
    return QueuePage(
        page=page,
        items=_decorate(list(page.object_list)),
        show=show,
        total_open=queue_size(),
    )


def item_for_post(post_id: int) -> ReviewItem | None:
    item = (
        ReviewItem.objects.filter(post_id=post_id, status="open")
        .select_related("post", "post__thread", "post__thread__space", "post__author", "subject")
        .first()
    )
    return _decorate([item])[0] if item else None


def post_for_moderator(*, post_id: int, viewer) -> Post:
    """Any post (held, hidden or deleted too) for a moderator; 404 for anyone else."""
    permissions.check_review(viewer)
    post = (
        Post.objects.select_related("thread", "thread__space", "author", "deleted_by")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    return post


@dataclass
class PostReview:
    post: Post
    item: ReviewItem | None
    context: list[Post]
    verdicts: list[SpamVerdict]
    flags: list[Flag]
    history: list[ModerationAction]
    author_posts: list[Post]
    author_stats: AuthorStats
    spaces: list[Space]
    thread_posts: list[Post]
    can_move: bool
    can_discipline: bool


def post_review(*, post: Post, viewer) -> PostReview:
    """Everything a moderator weighs before deciding about one post."""
    thread = post.thread
    context = list(
        Post.objects.filter(thread=thread, position__range=(post.position - 2, post.position + 1))
        .exclude(pk=post.pk)
        .select_related("author")
        .order_by("position")
    )
    verdicts = list(SpamVerdict.objects.filter(post=post).order_by("-created_at"))
    for verdict in verdicts:
        verdict.reason_rows = _reasons(verdict)
    flags = list(Flag.objects.filter(post=post).select_related("reporter").order_by("created_at"))
    history = list(
        ModerationAction.objects.filter(Q(post=post) | Q(thread=thread))
        .select_related("actor", "post", "thread", "target_user")
        .order_by("-created_at", "-id")[:20]
    )
    author_posts = list(
        Post.objects.filter(author_id=post.author_id, is_deleted=False)
        .exclude(pk=post.pk)
        .select_related("thread")
        .order_by("-created_at")[:8]
    )
    thread_posts = list(
        Post.objects.filter(thread=thread, is_deleted=False, position__gt=1)
        .select_related("author")
        .order_by("position")[:200]
    )
    return PostReview(
        post=post,
        item=item_for_post(post.pk),
        context=context,
        verdicts=verdicts,
        flags=flags,
        history=history,
        author_posts=author_posts,
        author_stats=_author_stats({post.author_id})[post.author_id],
        spaces=list(Space.objects.visible_to(viewer).filter(is_archived=False)),
        thread_posts=thread_posts,
        can_move=permissions.can_move_thread(viewer),
        can_discipline=permissions.can_discipline(viewer, post.author),
    )


@dataclass
class UserReview:
    person: User
    item: ReviewItem | None
    verdict: SpamVerdict | None
    stats: AuthorStats
    posts: list[Post]
    actions: list[ModerationAction]
    suspensions: list[Suspension]
    can_discipline: bool
    can_delete_spammer: bool


def user_review(*, username: str, viewer) -> UserReview:
    permissions.check_review(viewer)
    person = User.objects.filter(username=username).first()
    if person is None:
        raise Http404("No such member.")
    item = (
        ReviewItem.objects.filter(subject=person, kind="profile", status="open")
        .select_related("subject")
        .first()
    )
    if item is not None:
        _decorate([item])
    verdict = (
        SpamVerdict.objects.filter(subject=person, kind="profile").order_by("-created_at").first()
    )
    if verdict is not None:
        verdict.reason_rows = _reasons(verdict)
    return UserReview(
        person=person,
        item=item,
        verdict=verdict,
        stats=_author_stats({person.pk})[person.pk],
        posts=list(
            Post.objects.filter(author=person).select_related("thread").order_by("-created_at")[:15]
        ),
        actions=list(
            ModerationAction.objects.filter(target_user=person)
            .select_related("actor", "post", "thread", "target_user")
            .order_by("-created_at", "-id")[:30]
        ),
        suspensions=list(
            Suspension.objects.filter(user=person).select_related("actor").order_by("-starts_at")
        ),
        can_discipline=permissions.can_discipline(viewer, person),
        can_delete_spammer=permissions.can_delete_spammer(viewer, person),
    )


@dataclass
class LogPage:
    page: Page
    actions: list[ModerationAction]
    action: str
    actor: str
    member: str
    choices: list = field(default_factory=lambda: list(ModerationAction.Action.choices))


def log_page(*, viewer, params) -> LogPage:
    permissions.check_review(viewer)
    qs = ModerationAction.objects.select_related(
        "actor", "post", "thread", "thread__space", "target_user"
    ).order_by("-created_at", "-id")
    action = params.get("action", "")
    if action in ModerationAction.Action.values:
        qs = qs.filter(action=action)
    else:
        action = ""
    actor = (params.get("actor") or "").strip()[:150]
    if actor == "system":
        qs = qs.filter(actor__isnull=True)
    elif actor:
        qs = qs.filter(actor__username__iexact=actor)
    member = (params.get("member") or "").strip()[:150]
    if member:
        qs = qs.filter(target_user__username__iexact=member)
    paginator = Paginator(qs, settings.STOA_MOD_LOG_PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    return LogPage(
        page=page, actions=list(page.object_list), action=action, actor=actor, member=member
    )


@dataclass
class YoursPage:
    flags: list[Flag]
    actions: list[ModerationAction]
    held_posts: list[Post]
    suspension_notice: str


PUBLIC_ACTIONS = [
    a
    for a in ModerationAction.Action.values
    if a not in (ModerationAction.Action.TRUST_LEVEL, ModerationAction.Action.FLAGS_CLOSED)
]


def yours_page(*, viewer) -> YoursPage:
    """What a member may know about moderation of their own content and flags."""
    from forums.permissions import suspension_notice

    flags = list(
        Flag.objects.filter(reporter=viewer)
        .select_related("post", "post__thread")
        .order_by("-created_at")[:50]
    )
    readable = set(
        Thread.objects.visible_to(viewer)
        .filter(pk__in={f.post.thread_id for f in flags})
        .values_list("pk", flat=True)
    )
    for flag in flags:
        flag.thread_readable = flag.post.thread_id in readable and not flag.post.is_deleted
    actions = list(
        ModerationAction.objects.filter(target_user=viewer, action__in=PUBLIC_ACTIONS)
        .select_related("post", "thread", "actor")
        .order_by("-created_at", "-id")[:50]
    )
    # A thread's title is shown only while the member may read the thread (a held or
    # hidden thread of their own included): hidden looks like missing.
    own = {a.thread_id for a in actions if a.thread_id and a.thread.author_id == viewer.pk}
    shown = own | set(
        Thread.objects.visible_to(viewer)
        .filter(pk__in={a.thread_id for a in actions if a.thread_id})
        .values_list("pk", flat=True)
    )
    for action in actions:
        action.thread_shown = action.thread_id in shown
    held = list(
        Post.objects.filter(author=viewer, is_deleted=False)
        .exclude(state=Post.State.VISIBLE)
        .select_related("thread")
        .order_by("-created_at")[:20]
    )
    return YoursPage(
        flags=flags,
        actions=actions,
        held_posts=held,
        suspension_notice=suspension_notice(viewer),
    )

"""Every write to forums. One transaction per user action; side effects after commit.

Services check permissions themselves (through ``permissions``), so a view, a task or a
management command cannot skip a rule by calling them.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from community.outbox import emit

from . import permissions
from .models import Post, PostRevision, Reaction, ReadState, Space, Thread
from .permissions import check
from .rendering import render_post
from .search.deflections import deflection_convert
from .uploads.services import uploads_attach


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give your thread a title."})
    if len(title) > 200:
        raise ValidationError(
            {"title": f"Keep the title under 200 characters (it has {len(title)})."}
        )
    return title


def _clean_body(body: str) -> str:
    from django.conf import settings

    body = (body or "").replace("\r\n", "\n").strip("\n")
    if not body.strip():
        raise ValidationError({"body": "Write something before posting."})
    limit = settings.STOA_POST_MAX_LENGTH
    if len(body) > limit:
        raise ValidationError(
            {"body": f"Posts are limited to {limit:,} characters (this one has {len(body):,})."}
        )
    return body


def _clean_tags(space: Space, tags) -> list[str]:
    names = []
    for raw in tags or ():
        name = slugify(raw.strip().lstrip("#"))[:50]
        if name and name not in names:
            names.append(name)
    if len(names) > 5:
        raise ValidationError({"tags": "Use at most five tags."})
    if space.restrict_tags and names:
        allowed = set(space.curated_tags.values_list("slug", flat=True))
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise ValidationError(
                {"tags": f"This space only uses its own tags; not allowed: {', '.join(unknown)}."}
            )
    return names


def _existing_by_token(author, client_token: str) -> Post | None:
    if not client_token:
        return None
    return Post.objects.filter(author=author, client_token=client_token).first()


def _check_visible(queryset, message: str = "Not found.") -> None:
    """Writes obey the reading door too: what a user may not see does not exist for them."""
    if not queryset.exists():
        raise Http404(message)


def thread_create(
    *,
    author,
    space: Space,
    kind: str,
    title: str,
    body: str,
    tags=(),
    official: bool = False,
    client_token: str = "",
) -> Thread:
    """Start a thread with its opening post. A repeated ``client_token`` returns the first."""
    try:
        return _thread_create_atomic(
            author=author,
            space=space,
            kind=kind,
            title=title,
            body=body,
            tags=tags,
            official=official,
            client_token=client_token,
        )
    except IntegrityError:
        existing = _existing_by_token(author, client_token)
        if existing is None:
            raise
        return existing.thread


@transaction.atomic
def _thread_create_atomic(
    *,
    author,
    space: Space,
    kind: str,
    title: str,
    body: str,
    tags=(),
    official: bool = False,
    client_token: str = "",
) -> Thread:
    _check_visible(Space.objects.visible_to(author).filter(pk=space.pk))
    check(permissions.can_start_thread(author, space, kind), "You cannot start that here.")
    existing = _existing_by_token(author, client_token)
    if existing is not None:
        return existing.thread
    title = _clean_title(title)
    body = _clean_body(body)
    tag_names = _clean_tags(space, tags)
    rendered = render_post(body)
    permissions.check_post_limits(author, rendered)
    # A held opening post keeps the thread out of lists and counters until it is approved.
    state = permissions.initial_post_state(author, text=f"{title}\n{body}")
    if permissions.must_mask_phones(author, text=body):
        rendered = render_post(body, mask_phones=True)
    published = state == Post.State.VISIBLE
    now = timezone.now()

    thread = Thread.objects.create(
        space=space,
        kind=kind,
        title=title,
        slug=slugify(title)[:80] or "thread",
        author=author,
        language=space.language,
        last_poster=author,
        last_activity_at=now,
        post_count=1 if published else 0,
        last_position=1,
        idea_status=Thread.IdeaStatus.UNDER_REVIEW if kind == Thread.Kind.IDEA else "",
    )
    opening = Post.objects.create(
        thread=thread,
        position=1,
        author=author,
        body=body,
        body_html=rendered.html,
        is_official=bool(official and kind == Thread.Kind.ANNOUNCEMENT),
        state=state,
        client_token=client_token,
    )
    uploads_attach(post=opening)
    if tag_names:
        thread.tags.set(tag_names)
    emit("post.created", post_id=opening.pk)
    if published:
        Space.objects.filter(pk=space.pk).update(
            thread_count=F("thread_count") + 1,
            post_count=F("post_count") + 1,
            last_activity_at=now,
        )
    deflection_convert(author=author, thread=thread)
    return thread


def reply_create(
    *,
    author,
    thread: Thread,
    body: str,
    reply_to: Post | None = None,
    official: bool = False,
    client_token: str = "",
) -> Post:
    """Add a reply. The thread row is locked so positions never collide."""
    body = _clean_body(body)
    rendered = render_post(body)  # outside the lock: rendering is the slow part
    state = permissions.initial_post_state(author, text=body)
    if permissions.must_mask_phones(author, text=body):
        rendered = render_post(body, mask_phones=True)
    try:
        with transaction.atomic():
            return _reply_create_locked(
                author=author,
                thread_id=thread.pk,
                body=body,
                rendered=rendered,
                state=state,
                reply_to=reply_to,
                official=official,
                client_token=client_token,
            )
    except IntegrityError:
        existing = _existing_by_token(author, client_token)
        if existing is None:
            raise
        return existing


def _reply_create_locked(
    *, author, thread_id, body, rendered, state, reply_to, official, client_token
):
    # Locked through the reading door, so a thread the author may no longer see is missing.
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the space.
    thread = (
        Thread.objects.visible_to(author)
        .select_for_update(of=("self",))
        .select_related("space")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise Http404("Not found.")
    check(permissions.can_reply(author, thread), permissions.reply_refusal(author, thread))
    # A second submission of the same form (a double click) waits for this lock, then fails
    # the unique client token: reply_create answers it with the post the first one made.
    permissions.check_post_limits(author, rendered)
    if reply_to is not None and reply_to.thread_id != thread.pk:
        reply_to = None
    staff_author = permissions.is_staff_author(author)
    is_official = bool(official and staff_author and thread.kind != Thread.Kind.MESSAGE)
    position = thread.last_position + 1
    post = Post.objects.create(
        thread=thread,
        position=position,
        author=author,
        body=body,
        body_html=rendered.html,
        reply_to=reply_to,
        is_official=is_official,
        state=state,
        client_token=client_token,
    )
    uploads_attach(post=post)
    if state != Post.State.VISIBLE:
        # Held for a moderator: the position is taken, the public counters wait for approval.
        Thread.objects.filter(pk=thread.pk).update(last_position=position)
        emit("post.created", post_id=post.pk)
        return post
    now = post.created_at
    changes = {
        "post_count": F("post_count") + 1,
        "last_position": position,
        "last_activity_at": now,
        "last_poster": author,
    }
    if author.pk != thread.author_id:
        if thread.first_reply_at is None:
            changes["first_reply_at"] = now
        if staff_author and thread.first_staff_reply_at is None:
            changes["first_staff_reply_at"] = now
    if is_official and thread.official_post_id is None:
        changes["official_post"] = post
    Thread.objects.filter(pk=thread.pk).update(**changes)
    if thread.space_id:
        Space.objects.filter(pk=thread.space_id).update(
            post_count=F("post_count") + 1, last_activity_at=now
        )
    emit("post.created", post_id=post.pk)
    if thread.kind == Thread.Kind.MESSAGE:
        emit("message.created", post_id=post.pk)
    return post


@transaction.atomic
def post_edit(*, editor, post: Post, body: str, title: str | None = None) -> Post:
    """Change a post's text, keeping what it said before as a revision."""
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    _check_visible(Post.objects.visible_to(editor).filter(pk=post.pk))
    check(permissions.can_edit_post(editor, post), "You cannot edit this post.")
    body = _clean_body(body)
    thread = post.thread
    new_title = _clean_title(title) if (title is not None and post.is_opening) else thread.title
    if body == post.body and new_title == thread.title:
        return post
    PostRevision.objects.create(
        post=post,
        number=post.revision_count + 1,
        title=thread.title if post.is_opening else "",
        body=post.body,
        editor=editor,
    )
    post.body = body
    post.body_html = render_post(body).html
    post.edited_at = timezone.now()
    post.revision_count += 1
    post.save(update_fields=["body", "body_html", "edited_at", "revision_count"])
    uploads_attach(post=post)
    if new_title != thread.title:
        Thread.objects.filter(pk=thread.pk).update(
            title=new_title, slug=slugify(new_title)[:80] or "thread"
        )
        thread.refresh_from_db(fields=["title", "slug"])
    emit("post.edited", post_id=post.pk, editor_id=editor.pk)
    return post


@transaction.atomic
def post_delete(*, actor, post: Post) -> Post:
    """Soft delete. Deleting the opening post deletes the thread."""
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread", "thread__space")
        .get(pk=post.pk)
    )
    _check_visible(Post.objects.visible_to(actor).filter(pk=post.pk))
    check(permissions.can_delete_post(actor, post), "You cannot delete this post.")
    post.is_deleted = True
    post.deleted_at = timezone.now()
    post.deleted_by = actor
    post.save(update_fields=["is_deleted", "deleted_at", "deleted_by"])
    thread = post.thread
    if post.is_opening:
        Thread.objects.filter(pk=thread.pk).update(is_deleted=True)
        if thread.space_id:
            Space.objects.filter(pk=thread.space_id).update(thread_count=F("thread_count") - 1)
    thread_synchronize(thread=thread)
    emit("post.deleted", post_id=post.pk, actor_id=actor.pk)
    return post


@transaction.atomic
def answer_accept(*, actor, post: Post) -> Thread:
    post = Post.objects.select_related("thread").get(pk=post.pk)
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    post.thread = thread
    _check_visible(Post.objects.visible_to(actor).filter(pk=post.pk))
    check(permissions.can_accept_post(actor, post), "You cannot accept an answer here.")
    thread.accepted_post = post
    thread.save(update_fields=["accepted_post"])
    emit("answer.accepted", post_id=post.pk, actor_id=actor.pk)
    return thread


@transaction.atomic
def answer_unaccept(*, actor, thread: Thread) -> Thread:
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    check(permissions.can_accept_answer(actor, thread), "You cannot change the accepted answer.")
    thread.accepted_post = None
    thread.save(update_fields=["accepted_post"])
    emit("answer.unaccepted", thread_id=thread.pk, actor_id=actor.pk)
    return thread


@transaction.atomic
def post_mark_official(*, actor, post: Post, official: bool = True) -> Post:
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    _check_visible(Post.objects.visible_to(actor).filter(pk=post.pk))
    check(
        permissions.can_mark_official(actor, post),
        "Only a staff member's reply can be an official answer, marked by staff.",
    )
    post.is_official = official
    post.save(update_fields=["is_official"])
    first_official = (
        Post.objects.published()
        .filter(thread=post.thread_id, is_official=True, position__gt=1)
        .order_by("position")
        .first()
    )
    Thread.objects.filter(pk=post.thread_id).update(official_post=first_official)
    if official:
        emit("post.official", post_id=post.pk, actor_id=actor.pk)
    return post


@dataclass(frozen=True)
class ReactionState:
    active: bool
    count: int


def reaction_toggle(*, user, post: Post, kind: str) -> ReactionState:
    """Add or remove one reaction; counters move with F() in the same transaction."""
    if kind not in Reaction.Kind.values:
        raise ValidationError("Unknown reaction.")
    _check_visible(Post.objects.visible_to(user).filter(pk=post.pk))
    check(permissions.can_react(user, post), "You cannot react to this post.")
    counter = f"{kind}_count"
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(**{counter: F(counter) - 1})
            emit("reaction.removed", post_id=post.pk, user_id=user.pk, kind=kind)
            active = False
        else:
            try:
                with transaction.atomic():
                    reaction = Reaction.objects.create(post=post, user=user, kind=kind)
            except IntegrityError:
                pass  # a concurrent click already added it
            else:
                Post.objects.filter(pk=post.pk).update(**{counter: F(counter) + 1})
                emit("reaction.added", reaction_id=reaction.pk)
            active = True
        count = Post.objects.values_list(counter, flat=True).get(pk=post.pk)
    return ReactionState(active=active, count=count)


@transaction.atomic
def thread_moderate(
    *, actor, thread: Thread, pinned: bool | None = None, locked: bool | None = None
) -> Thread:
    changes = {}
    if pinned is not None:
        check(permissions.can_pin(actor, thread), "You cannot pin threads.")
        changes["is_pinned"] = pinned
    if locked is not None:
        check(permissions.can_lock(actor, thread), "You cannot lock threads.")
        changes["is_locked"] = locked
    if changes:
        for name, value in changes.items():
            setattr(thread, name, value)
        thread.save(update_fields=list(changes))
    return thread


def read_state_mark(*, user, thread: Thread, position: int, known: int | None = None) -> None:
    """Remember how far a member has read; it only ever moves forward.

    ``known`` is the position the caller already loaded (the thread page has it): with it,
    nothing is written when there is nothing new, and otherwise one upsert is.
    """
    if not user.is_authenticated:
        return
    position = min(position, thread.last_position)
    if known is None:
        known = (
            ReadState.objects.filter(user=user, thread=thread)
            .values_list("last_read_position", flat=True)
            .first()
            or 0
        )
    if position <= known:
        return
    ReadState.objects.bulk_create(
        [ReadState(user=user, thread=thread, last_read_position=position)],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["last_read_position", "updated_at"],
    )


def _view_key(thread_id: int) -> str:
    return f"thread-views:{thread_id}"


def thread_record_view(*, thread_id: int) -> None:
    """Count a view in the cache; every Nth view is written to the database in one UPDATE.

    Views of threads that do not exist or are hidden are counted too, harmlessly: the counter
    is only ever written to an existing row."""
    from django.conf import settings

    key = _view_key(thread_id)
    try:
        pending = cache.incr(key)
    except ValueError:
        cache.add(key, 0, timeout=86_400)  # counters of ids that never flush expire
        pending = cache.incr(key)
    if pending >= settings.STOA_VIEW_FLUSH_EVERY:
        cache.decr(key, pending)
        Thread.objects.filter(pk=thread_id).update(view_count=F("view_count") + pending)


def thread_pending_views(*, thread_id: int) -> int:
    return cache.get(_view_key(thread_id)) or 0


@transaction.atomic
def space_save(*, actor, space: Space) -> Space:
    check(permissions.can_manage_spaces(actor), "Only staff manage spaces.")
    space.full_clean()
    space.save()
    return space


def thread_synchronize(*, thread: Thread) -> Thread:
    """Recompute a thread's denormalised counters from its posts (repair and after deletes)."""
    thread = Thread.objects.get(pk=thread.pk)  # never trust a caller's stale copy
    visible = Post.objects.published().filter(thread=thread)
    stats = visible.aggregate(n=Count("id"), last=Max("position"))
    latest = visible.order_by("-position").select_related("author").first()
    official = visible.filter(is_official=True, position__gt=1).aggregate(first=Min("position"))
    accepted_ok = thread.accepted_post_id and visible.filter(pk=thread.accepted_post_id).exists()
    Thread.objects.filter(pk=thread.pk).update(
        post_count=stats["n"] or 0,
        last_position=Post.objects.filter(thread=thread).aggregate(m=Max("position"))["m"] or 0,
        last_poster=latest.author if latest else None,
        last_activity_at=latest.created_at if latest else thread.created_at,
        official_post=visible.filter(position=official["first"]).first()
        if official["first"]
        else None,
        accepted_post=thread.accepted_post_id if accepted_ok else None,
    )
    thread.refresh_from_db()
    return thread


def space_synchronize(*, space: Space) -> Space:
    threads = Thread.objects.filter(space=space, is_deleted=False)
    Space.objects.filter(pk=space.pk).update(
        thread_count=threads.count(),
        post_count=Post.objects.published().filter(thread__in=threads).count(),
        last_activity_at=threads.aggregate(m=Max("last_activity_at"))["m"],
    )
    space.refresh_from_db()
    return space


__all__ = [
    "ReactionState",
    "answer_accept",
    "answer_unaccept",
    "post_delete",
    "post_edit",
    "post_mark_official",
    "reaction_toggle",
    "read_state_mark",
    "reply_create",
    "space_save",
    "space_synchronize",
    "thread_create",
    "thread_moderate",
    "thread_pending_views",
    "thread_record_view",
    "thread_synchronize",
]

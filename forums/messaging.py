"""Private messages: conversations between two or more members, at /messages/.

A conversation is a Thread of kind ``message`` with no space; ThreadParticipant rows say who
is in it (``left_at`` is set when someone leaves). ``Thread.objects.visible_to`` lets in its
active participants only, and moderators while one of its posts is flagged and waiting for
them. Replies go through forums' own ``services.reply_create``, so rendering, double-click
protection, moderation holds, spam scoring and counters are the same as anywhere else.

The rules, decided in ``permissions``:

- Any member who may post may start a conversation with up to ``MAX_PARTICIPANTS - 1``
  others, named by username.
- A member may block another (UserBlock). The blocked member can then no longer start a
  conversation with them, add them to one, or write in a conversation where the blocker is
  an active participant; they are told so plainly. Staff and moderators cannot be blocked:
  the site's own people must always be able to reach a member.
- Anyone in a conversation may add another member, who reads it from the start.
- Leaving is final for the leaver's copy: the conversation disappears from their list and
  reading it answers 404, until someone adds them again.
- Unread state is ``ReadState``, as for threads; a conversation whose newest post is the
  reader's own is never unread.
"""

import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from community.outbox import emit

from . import permissions, selectors
from .forms import BodyField, _token
from .models import Post, ReadState, Thread, ThreadParticipant, UserBlock
from .permissions import check
from .rendering import render_post
from .services import _clean_body, _existing_by_token
from .uploads.services import uploads_attach

MAX_PARTICIPANTS = 20
SUBJECT_MAX = 200
UNREAD_CAP = 99

_USERNAME_SPLIT_RE = re.compile(r"[\s,;]+")


# --- forms ---------------------------------------------------------------------------------


class ConversationForm(forms.Form):
    to = forms.CharField(
        label="To",
        max_length=1000,
        error_messages={"required": "Add at least one other member to write to."},
        help_text="Usernames, separated by commas or spaces.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "bob, carol", "list": "people-list"}
        ),
    )
    title = forms.CharField(
        label="Subject",
        max_length=SUBJECT_MAX,
        error_messages={"required": "Give the conversation a subject."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = BodyField(
        label="Message", error_messages={"required": "Write something before posting."}
    )
    client_token = forms.CharField(widget=forms.HiddenInput, initial=_token)


class MessageForm(forms.Form):
    body = BodyField(
        label="Your message", error_messages={"required": "Write something before posting."}
    )
    client_token = forms.CharField(widget=forms.HiddenInput, initial=_token)


class ParticipantForm(forms.Form):
    username = forms.CharField(
        label="Add someone",
        max_length=150,
        error_messages={"required": "Type the username of the member to add."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "username", "list": "people-list"}
        ),
    )


# --- services ------------------------------------------------------------------------------


def _usernames(raw) -> list[str]:
    if isinstance(raw, str):
        raw = _USERNAME_SPLIT_RE.split(raw)
    names: list[str] = []
    for name in raw or ():
        name = name.strip().lstrip("@")
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def _people(names: list[str], *, field: str) -> list:
    """Active members by username (any casing), in the order typed; unknown names refused."""
    User = get_user_model()
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    found = {u.username.lower(): u for u in User.objects.filter(query, is_active=True)}
    missing = [n for n in names if n.lower() not in found]
    if missing:
        listed = ", ".join(f"“{n}”" for n in missing)
        noun = "member called" if len(missing) == 1 else "members called"
        raise ValidationError({field: f"There is no {noun} {listed}."})
    return [found[n.lower()] for n in names]


def _refuse_blocked(*, sender, recipients, field: str) -> None:
    """The sender may not reach anyone who blocked them."""
    blockers = list(
        UserBlock.objects.filter(blocked=sender, blocker__in=recipients).values_list(
            "blocker__username", flat=True
        )
    )
    if blockers:
        who = ", ".join(sorted(blockers))
        verb = "does" if len(blockers) == 1 else "do"
        raise ValidationError({field: f"{who} {verb} not accept messages from you."})


def _clean_subject(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give the conversation a subject."})
    if len(title) > SUBJECT_MAX:
        raise ValidationError(
            {"title": f"Keep the subject under {SUBJECT_MAX} characters (it has {len(title)})."}
        )
    return title


def conversation_start(*, author, to, title: str, body: str, client_token: str = "") -> Thread:
    """Start a conversation with the members named in ``to`` (usernames: a list or a
    comma-separated string). A repeated ``client_token`` returns the first conversation."""
    try:
        with transaction.atomic():
            return _conversation_start(
                author=author, to=to, title=title, body=body, client_token=client_token
            )
    except IntegrityError:
        existing = _existing_by_token(author, client_token)
        if existing is None:
            raise
        return existing.thread


def _conversation_start(*, author, to, title, body, client_token) -> Thread:
    check(permissions.can_message(author), "You cannot send messages yet.")
    existing = _existing_by_token(author, client_token)
    if existing is not None:
        return existing.thread
    names = [n for n in _usernames(to) if n.lower() != author.username.lower()]
    if not names:
        raise ValidationError({"to": "Add at least one other member to write to."})
    if len(names) >= MAX_PARTICIPANTS:
        raise ValidationError(
            {"to": f"A conversation has at most {MAX_PARTICIPANTS} people, you included."}
        )
    recipients = _people(names, field="to")
    _refuse_blocked(sender=author, recipients=recipients, field="to")
    title = _clean_subject(title)
    body = _clean_body(body)
    rendered = render_post(body)
    permissions.check_post_limits(author, rendered)
    state = permissions.initial_post_state(author, text=f"{title}\n{body}")
    if permissions.must_mask_phones(author, text=body):
        rendered = render_post(body, mask_phones=True)
    published = state == Post.State.VISIBLE
    now = timezone.now()
    thread = Thread.objects.create(
        space=None,
        kind=Thread.Kind.MESSAGE,
        title=title,
        slug=slugify(title)[:80] or "conversation",
        author=author,
        last_poster=author,
        last_activity_at=now,
        post_count=1 if published else 0,
        last_position=1,
    )
    opening = Post.objects.create(
        thread=thread,
        position=1,
        author=author,
        body=body,
        body_html=rendered.html,
        state=state,
        client_token=client_token,
    )
    uploads_attach(post=opening)
    ThreadParticipant.objects.bulk_create(
        [ThreadParticipant(thread=thread, user=person) for person in [author, *recipients]]
    )
    ReadState.objects.create(user=author, thread=thread, last_read_position=1)
    emit("post.created", post_id=opening.pk)
    if published:
        emit("message.created", post_id=opening.pk)
    return thread


def message_send(*, author, thread: Thread, body: str, client_token: str = "") -> Post:
    """Write in a conversation: forums' reply service, then the author has read it all."""
    from .services import read_state_mark, reply_create

    post = reply_create(author=author, thread=thread, body=body, client_token=client_token)
    read_state_mark(user=author, thread=thread, position=post.position)
    return post


@transaction.atomic
def participant_add(*, actor, thread: Thread, username: str) -> ThreadParticipant:
    """Someone in the conversation brings another member in; they read it from the start."""
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    check(
        permissions.can_add_participant(actor, thread),
        permissions.conversation_refusal(actor, thread),
    )
    names = _usernames(username)
    if len(names) != 1:
        raise ValidationError({"username": "Type one username."})
    (person,) = _people(names, field="username")
    active = ThreadParticipant.objects.filter(thread=thread, left_at__isnull=True)
    if person.pk == actor.pk or active.filter(user=person).exists():
        raise ValidationError({"username": f"{person.username} is already in this conversation."})
    if active.count() >= MAX_PARTICIPANTS:
        raise ValidationError(
            {"username": f"A conversation has at most {MAX_PARTICIPANTS} people."}
        )
    _refuse_blocked(sender=actor, recipients=[person], field="username")
    if UserBlock.objects.filter(blocker=person, blocked__in=active.values("user")).exists():
        raise ValidationError(
            {"username": f"{person.username} does not accept messages from someone here."}
        )
    participant, created = ThreadParticipant.objects.get_or_create(thread=thread, user=person)
    if not created:
        participant.left_at = None
        participant.joined_at = timezone.now()
        participant.save(update_fields=["left_at", "joined_at"])
    permissions.forget_conversation_state(thread)
    emit("message.participant_added", thread_id=thread.pk, user_id=person.pk, actor_id=actor.pk)
    return participant


@transaction.atomic
def conversation_leave(*, user, thread_id: int) -> None:
    """Leave a conversation. The same answer whether it does not exist or is someone
    else's, so the refusal tells nothing."""
    participant = (
        ThreadParticipant.objects.select_for_update()
        .filter(thread_id=thread_id, user=user, thread__kind=Thread.Kind.MESSAGE)
        .first()
        if permissions.is_member(user)
        else None
    )
    if participant is None:
        raise ValidationError("You are not in that conversation.")
    if participant.left_at is not None:
        raise ValidationError("You have already left that conversation.")
    participant.left_at = timezone.now()
    participant.save(update_fields=["left_at"])


def user_block(*, blocker, blocked) -> UserBlock:
    if blocker.pk == blocked.pk:
        raise ValidationError("You cannot block yourself.")
    check(
        permissions.can_block(blocker, blocked),
        "Staff and moderators can always reach you; they cannot be blocked.",
    )
    try:
        with transaction.atomic():
            return UserBlock.objects.create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        raise ValidationError(f"You have already blocked {blocked.username}.") from None


def user_unblock(*, blocker, blocked) -> None:
    deleted, _ = UserBlock.objects.filter(blocker=blocker, blocked=blocked).delete()
    if not deleted:
        raise ValidationError(f"You had not blocked {blocked.username}.")


# --- selectors -----------------------------------------------------------------------------


def _mine(viewer):
    return ThreadParticipant.objects.filter(user=viewer, left_at__isnull=True).values("thread_id")


def _with_read_position(qs, viewer):
    read = ReadState.objects.filter(user=viewer, thread=OuterRef("pk")).values(
        "last_read_position"
    )[:1]
    return qs.annotate(viewer_read=Coalesce(Subquery(read), 0))


def _unread(qs, viewer):
    """Conversations with posts the viewer has not read (their own last post never counts)."""
    return (
        _with_read_position(qs, viewer)
        .filter(last_position__gt=F("viewer_read"))
        .exclude(last_poster=viewer)
    )


def _my_conversations(viewer):
    """The conversation branch of ``Thread.objects.visible_to``, for the viewer's own list:
    conversations they are an active participant in, minus those whose opening message
    waits for a moderator (unless they wrote it). Unlike ``visible_to`` it asks no
    permission, so the header's count costs one query on every page;
    ``tests/test_messages.py`` checks that the two agree."""
    held_opening = Exists(
        Post.objects.filter(thread=OuterRef("pk"), position=1).exclude(state=Post.State.VISIBLE)
    )
    return Thread.objects.filter(
        kind=Thread.Kind.MESSAGE, is_deleted=False, id__in=_mine(viewer)
    ).exclude(held_opening & ~Q(author=viewer))


def unread_count(*, viewer) -> int:
    """For the header: one query, capped at ``UNREAD_CAP``."""
    if not permissions.is_member(viewer):
        return 0
    qs = _unread(_my_conversations(viewer), viewer)
    return len(qs.values_list("pk", flat=True)[: UNREAD_CAP + 1])


@dataclass
class ConversationList:
    page: Page
    conversations: list[Thread]
    unread: int
    can_start: bool

    @property
    def paginated(self) -> bool:
        return self.page.paginator.num_pages > 1


def conversation_list(*, viewer, params) -> ConversationList:
    """The viewer's conversations, newest activity first, each with its other participants
    and unread count: four queries whatever the number of conversations."""
    qs = (
        Thread.objects.visible_to(viewer)
        .filter(kind=Thread.Kind.MESSAGE, id__in=_mine(viewer))
        .select_related("last_poster")
        .order_by("-last_activity_at", "-id")
    )
    qs = _with_read_position(qs, viewer)
    page = Paginator(qs, settings.STOA_LIST_PAGE_SIZE).get_page(params.get("page"))
    conversations = list(page.object_list)
    people: dict[int, list] = {}
    for participant in (
        ThreadParticipant.objects.filter(thread__in=conversations, left_at__isnull=True)
        .exclude(user=viewer)
        .select_related("user")
        .order_by("joined_at", "pk")
    ):
        people.setdefault(participant.thread_id, []).append(participant.user)
    unread = 0
    for conversation in conversations:
        conversation.others = people.get(conversation.pk, [])
        is_own = conversation.last_poster_id == viewer.pk
        conversation.viewer_unread = (
            0 if is_own else max(conversation.last_position - conversation.viewer_read, 0)
        )
        conversation.viewer_first_unread = conversation.viewer_read + 1
        unread += bool(conversation.viewer_unread)
    return ConversationList(
        page=page,
        conversations=conversations,
        unread=unread,
        can_start=permissions.can_message(viewer),
    )


def conversation_get_for_viewer(*, thread_id: int, viewer) -> Thread:
    """The conversation, or 404 whether it does not exist or the viewer may not read it."""
    thread = (
        Thread.objects.visible_to(viewer)
        .filter(kind=Thread.Kind.MESSAGE, pk=thread_id)
        .select_related("author")
        .first()
    )
    if thread is None:
        raise Http404("No such conversation.")
    return thread


@dataclass
class ConversationPage:
    thread: Thread
    page: selectors.ThreadPage
    participants: list
    is_participant: bool
    can_write: bool
    refusal: str
    can_add: bool
    add_form: ParticipantForm | None


def conversation_page(*, thread: Thread, viewer, page: int, add_form=None) -> ConversationPage:
    """A conversation reuses the thread page object (posts by position range, reactions,
    permission flags) and adds who is in it."""
    thread_page = selectors.thread_page(thread=thread, viewer=viewer, page=page)
    participants = list(
        ThreadParticipant.objects.filter(thread=thread, left_at__isnull=True)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    is_participant, _blocked = permissions.conversation_state(viewer, thread)
    can_add = permissions.can_add_participant(viewer, thread)
    return ConversationPage(
        thread=thread,
        page=thread_page,
        participants=participants,
        is_participant=is_participant,
        can_write=thread_page.can_reply,
        refusal=thread_page.reply_refusal,
        can_add=can_add,
        add_form=(add_form or ParticipantForm()) if can_add else None,
    )


def blocked_people(*, viewer) -> list[UserBlock]:
    return list(
        UserBlock.objects.filter(blocker=viewer).select_related("blocked").order_by("created_at")
    )


def block_state(*, viewer, person) -> bool:
    """Has the viewer blocked this person? (one query, for the profile page)"""
    if not permissions.is_member(viewer) or viewer.pk == person.pk:
        return False
    return UserBlock.objects.filter(blocker=viewer, blocked=person).exists()


def people_suggest(*, viewer, text: str, limit: int = 8) -> list[dict]:
    """Options for the participant picker: the text typed so far with its last (partial)
    username completed. Usernames are public (every profile shows one); e-mail addresses
    are never searched."""
    text = (text or "")[:1000]
    head, _sep, last = text.rpartition(",")
    if not _sep:
        head, _sep, last = text.rpartition(" ")
    prefix = last.strip().lstrip("@")
    if not permissions.is_member(viewer) or len(prefix) < 2:
        return []
    typed = {n.lower() for n in _usernames(head)}
    User = get_user_model()
    names = (
        User.objects.filter(is_active=True, username__istartswith=prefix)
        .exclude(pk=viewer.pk)
        .order_by("username")
        .values_list("username", flat=True)[: limit + len(typed)]
    )
    lead = f"{head.strip()}{_sep} " if head.strip() else ""
    options = [
        {"value": f"{lead}{name}", "label": name} for name in names if name.lower() not in typed
    ]
    return options[:limit]

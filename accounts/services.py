"""Every write to accounts: profiles, avatars, organization membership and account deletion."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Q
from django.db.models.functions import Greatest

from community import pagecache
from community.outbox import emit
from forums.models import IdeaVote, Post, PostRevision, Reaction, Thread, ThreadParticipant
from moderation.models import ReviewItem
from notifications.models import Kind as NotificationKind
from notifications.models import Notification

from . import permissions, reputation
from .avatars import PreparedAvatar, avatar_prepare
from .models import Organization, OrganizationMembership, RetiredUsername, User

FORMER_MEMBER_NAME = "Former member"
# Under the reserved .invalid top-level domain: no mail can ever be delivered to it.
FORMER_MEMBER_EMAIL = "former-member@example.invalid"


def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    avatar_file=None,
    remove_avatar: bool = False,
) -> User:
    """Save what a member shows to others; replace or remove their avatar.

    ``avatar_file`` may be a raw upload (checked and re-encoded here, raising
    ``avatars.AvatarError``) or what ``avatars.avatar_prepare`` already returned. A file that
    is replaced or removed is deleted from storage once the change is committed, so a
    rolled-back update never loses the picture still in use.
    """
    if avatar_file is not None and not isinstance(avatar_file, PreparedAvatar):
        avatar_file = avatar_prepare(avatar_file)

    old_avatar_name = user.avatar.name if user.avatar else ""
    storage = user.avatar.storage
    text_before = (user.display_name, user.bio)
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    fields = ["display_name", "bio"]
    new_avatar_name = ""
    if avatar_file is not None:
        user.avatar.save(avatar_file.name, avatar_file, save=False)
        new_avatar_name = user.avatar.name
        fields.append("avatar")
    elif remove_avatar and old_avatar_name:
        user.avatar = ""
        fields.append("avatar")
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
            if (user.display_name, user.bio) != text_before:
                # Moderation scores the new text for spam after commit.
                emit("user.profile_updated", user_id=user.pk)
            if old_avatar_name and "avatar" in fields:
                transaction.on_commit(lambda: storage.delete(old_avatar_name))
    except Exception:
        # The row was not written, so the file just stored belongs to nobody.
        if new_avatar_name:
            storage.delete(new_avatar_name)
        raise
    return user


def organization_join_by_email(*, user: User, email: str) -> Organization | None:
    """Join the organization that owns the domain of a verified address, once."""
    domain = email.rsplit("@", 1)[-1].lower()
    for organization in Organization.objects.filter(domains__icontains=domain):
        if domain in organization.domain_list:
            try:
                with transaction.atomic():
                    OrganizationMembership.objects.get_or_create(
                        organization=organization, user=user
                    )
            except IntegrityError:
                pass
            return organization
    return None


@dataclass(frozen=True)
class AccountDeletion:
    """What an account deletion kept (now the former member's) and removed."""

    threads: int
    posts: int
    uploads: int


def former_member_get() -> User:
    """The shared, inactive account that deleted members' content is attributed to.

    Created on first use; ``get_or_create`` on the unique username makes two first deletions
    at once agree on one row. It cannot log in (no usable password, inactive), receives no
    mail, has no profile page (inactive members answer 404) and is left out of leaderboards.
    An active account that happens to hold the name is never used in its place.
    """
    former, _ = User.objects.get_or_create(
        username=permissions.FORMER_MEMBER_USERNAME,
        defaults={
            "email": FORMER_MEMBER_EMAIL,
            "display_name": FORMER_MEMBER_NAME,
            "is_active": False,
            "password": make_password(None),
        },
    )
    if not permissions.is_former_member(former) or former.has_usable_password():
        raise ValidationError(
            "Accounts cannot be deleted right now: the site's “former member” account is "
            "not set up as it should be. Please tell the community team.",
            code="former_member_unusable",
        )
    return former


def account_delete(*, user: User, actor) -> AccountDeletion | None:
    """Delete ``user``'s account for good, keeping what they wrote for the community.

    In one transaction:

    - threads, posts, edits and private messages they wrote stay where they are, attributed
      to the former member (``former_member_get``), so answers and conversations still read
      whole; open review items about their posts stay in the queue under that account;
    - reactions and idea votes they gave go, and the counters they moved (likes, helpful,
      votes, and the reputation their helpful reactions earned others) move back;
    - their place in private conversations goes; the conversations stay for the others;
    - the account row goes, and with it everything personal: e-mail addresses,
      notifications, subscriptions, read states, memberships, reputation, badges, flags,
      suspensions, and their uploads with the files (``forums.uploads.models``; the files
      of the uploads, and the avatar, are removed once the deletion is committed).

    Visitors' cached pages showing them are refreshed (the moves above are ``update()``
    calls, which send no model signals). No moderation log entry is written: its actions are
    moderators' decisions about content and conduct, and none describes a member closing
    their account. Raises ValidationError when ``actor`` may not delete this account;
    returns None when it was already deleted (a second click).
    """
    refusal = permissions.account_delete_refusal(actor, user)
    if refusal:
        raise ValidationError(refusal, code="not_allowed")
    with transaction.atomic():
        former = former_member_get()
        person = User.objects.select_for_update().filter(pk=user.pk).first()
        if person is None:
            return None
        touched = _threads_touched(person)
        _counters_release(person)
        threads = Thread.objects.filter(author=person).update(author=former)
        Thread.objects.filter(last_poster=person).update(last_poster=former)
        # Form tokens only stop a double-click from posting twice; they mean nothing now.
        posts = Post.objects.filter(author=person).update(author=former, client_token="")
        PostRevision.objects.filter(editor=person).update(editor=former)
        ReviewItem.objects.filter(subject=person, kind=ReviewItem.Kind.POST).update(subject=former)
        # Others' notifications keep a name ("Former member replied ..."); a moderator's
        # decisions read "A moderator" once their account is gone.
        Notification.objects.filter(actor=person).exclude(kind=NotificationKind.MODERATION).update(
            actor=former
        )
        ThreadParticipant.objects.filter(user=person).delete()
        avatar_name = person.avatar.name if person.avatar else ""
        avatar_storage = person.avatar.storage
        try:
            _, deleted = person.delete()
        except ProtectedError:
            # A post written in another tab between the moves above and now: nothing changed.
            raise ValidationError(
                "Something you wrote arrived while your account was being deleted. Nothing "
                "was deleted: please try again.",
                code="content_arrived",
            ) from None
        RetiredUsername.objects.get_or_create(username=person.username.lower())
        if avatar_name:
            transaction.on_commit(lambda: avatar_storage.delete(avatar_name))
        pagecache.bump("global", *(f"thread:{pk}" for pk in sorted(touched)))
    return AccountDeletion(threads=threads, posts=posts, uploads=deleted.get("forums.Upload", 0))


def _threads_touched(person: User) -> set[int]:
    """Every thread whose page shows this member: written, last replied to, reacted to in,
    voted for."""
    touched = set(
        Thread.objects.filter(Q(author=person) | Q(last_poster=person)).values_list("pk", flat=True)
    )
    touched.update(
        Post.objects.filter(author=person).order_by().values_list("thread_id", flat=True).distinct()
    )
    touched.update(
        Reaction.objects.filter(user=person)
        .order_by()
        .values_list("post__thread_id", flat=True)
        .distinct()
    )
    touched.update(IdeaVote.objects.filter(user=person).values_list("thread_id", flat=True))
    return touched


def _counters_release(person: User) -> None:
    """Take back the member's reactions and votes, with the counters and reputation they
    moved. A member has at most one reaction of a kind on a post and one vote on an idea, so
    each counter moves by one; a few statements whatever the number."""
    for kind in Reaction.Kind.values:
        counter = f"{kind}_count"
        reacted = Reaction.objects.filter(user=person, kind=kind).values("post_id")
        Post.objects.filter(pk__in=reacted).update(**{counter: Greatest(F(counter) - 1, 0)})
    # The posts are locked now, as the reputation handlers lock them: see the function.
    reputation.reputation_for_account_deletion(user_id=person.pk)
    Reaction.objects.filter(user=person).delete()
    voted = IdeaVote.objects.filter(user=person).values("thread_id")
    Thread.objects.filter(pk__in=voted).update(vote_count=Greatest(F("vote_count") - 1, 0))
    IdeaVote.objects.filter(user=person).delete()

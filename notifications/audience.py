"""Who may be told about a thread: ``Thread.objects.visible_to(user)`` turned around.

``visible_to`` answers "which threads may this user read" for one user. A fan-out to ten
thousand watchers needs the opposite question answered for all of them at once, so
``readers_of`` answers "which users may read this thread" as one set-based queryset, built
from the same rules:

- a deleted thread has no readers;
- a private conversation (kind ``message``) is read by its active participants only;
- a public space is read by every active member;
- a members-only or invite-only space by its members, an organization's space by that
  organization's members, and every private space by those with
  ``forums.view_private_spaces`` (staff, moderators, admins);
- a thread whose opening post waits for a moderator (or was hidden) only by its author and
  those with ``forums.moderate_post``.

tests/test_notifications_audience.py checks it against ``visible_to`` user by user, so the two
cannot drift apart unnoticed.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from accounts.models import OrganizationMembership
from forums.models import Post, Space, SpaceMembership, Thread, ThreadParticipant


def holders_of(permission: str) -> Q:
    """Users for whom ``user.has_perm(permission)`` is true (once filtered to active users)."""
    User = get_user_model()
    app_label, codename = permission.split(".")
    permission_ids = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).values("pk")
    via_group = User.groups.through.objects.filter(group__permissions__in=permission_ids).values(
        "user_id"
    )
    direct = User.user_permissions.through.objects.filter(permission__in=permission_ids).values(
        "user_id"
    )
    return Q(is_superuser=True) | Q(pk__in=via_group) | Q(pk__in=direct)


def readers_of(thread: Thread) -> QuerySet:
    """Active users who may read ``thread``, as a queryset (use it as a subquery)."""
    users = get_user_model().objects.filter(is_active=True)
    if thread.is_deleted:
        return users.none()
    if thread.kind == Thread.Kind.MESSAGE:
        participants = ThreadParticipant.objects.filter(thread=thread, left_at__isnull=True)
        return users.filter(pk__in=participants.values("user_id"))
    if thread.space_id is None:
        return users.none()
    space = thread.space
    if space.visibility != Space.Visibility.PUBLIC:
        if space.visibility in (Space.Visibility.MEMBERS, Space.Visibility.INVITE):
            members = Q(pk__in=SpaceMembership.objects.filter(space_id=space.pk).values("user_id"))
        elif space.visibility == Space.Visibility.ORGANIZATION:
            members = Q(
                pk__in=OrganizationMembership.objects.filter(
                    organization_id=space.organization_id
                ).values("user_id")
            )
        else:
            members = Q(pk__in=[])
        users = users.filter(members | holders_of("forums.view_private_spaces"))
    opening_held = (
        Post.objects.filter(thread_id=thread.pk, position=1).exclude(state="visible").exists()
    )
    if opening_held:
        users = users.filter(Q(pk=thread.author_id) | holders_of("forums.moderate_post"))
    return users


def can_read(user, thread: Thread) -> bool:
    """One member, one thread: the reading door itself (used again when an e-mail is sent)."""
    return bool(user.is_active and Thread.objects.visible_to(user).filter(pk=thread.pk).exists())

"""The one door for reading (invariant 1): every read of spaces, threads and posts starts
with ``visible_to(user)``. Visibility is expressed as subqueries, so a list costs the same
number of queries whatever its size."""

from django.db import models
from django.db.models import Exists, OuterRef, Q


def sees_every_space(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("forums.view_private_spaces"))


def sees_moderated_posts(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("forums.moderate_post"))


def _flagged_conversations() -> Q:
    """Private conversations a moderator may read: only those with a post flagged and still
    waiting for a moderator's decision (moderation's Flag). Once every flag is decided the
    conversation is private again. Moderation depends on forums, not the reverse, so its
    model is imported here, where the rule needs it."""
    from moderation.models import Flag

    flagged = Flag.objects.filter(status=Flag.Status.OPEN).values("post__thread_id")
    return Q(kind="message", id__in=flagged)


class SpaceQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_every_space(user):
            return self.all()
        public = Q(visibility="public")
        if not user.is_authenticated:
            return self.filter(public)
        from accounts.models import OrganizationMembership

        from .models import SpaceMembership

        joined = Q(
            visibility__in=["members", "invite"],
            id__in=SpaceMembership.objects.filter(user=user).values("space_id"),
        )
        own_org = Q(
            visibility="organization",
            organization_id__in=OrganizationMembership.objects.filter(user=user).values(
                "organization_id"
            ),
        )
        return self.filter(public | joined | own_org)

    def discoverable_to(self, user):
        """Spaces whose name and description this user may see: the readable ones, plus the
        members-only groups still open for join requests (listed in the group directory so
        people can ask to join; their threads, posts and members stay behind ``visible_to``).
        Invite-only spaces and organization spaces are never discoverable from outside."""
        closed_groups = Q(kind="group", visibility="members", is_archived=False)
        return self.filter(
            Q(pk__in=self.model.objects.visible_to(user).values("pk")) | closed_groups
        )

    def listed(self):
        """Spaces that appear in navigation: top-level first, archived ones left out."""
        return self.filter(is_archived=False).order_by("position", "name")


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Space, ThreadParticipant

        spaces = Space.objects.visible_to(user)
        in_space = Q(space__isnull=False, space__in=spaces)
        if user.is_authenticated:
            conversations = Q(
                kind="message",
                id__in=ThreadParticipant.objects.filter(user=user, left_at__isnull=True).values(
                    "thread_id"
                ),
            )
            if sees_moderated_posts(user):
                conversations |= _flagged_conversations()
            qs = self.filter((in_space & ~Q(kind="message")) | conversations)
        else:
            qs = self.filter(in_space & ~Q(kind="message"))
        return qs.filter(is_deleted=False)._opening_readable_by(user)

    def public(self):
        """Threads any visitor may read: what feeds and sitemaps may ever show."""
        return (
            self.filter(space__visibility="public", is_deleted=False)
            .exclude(kind="message")
            .exclude(self._held_opening())
        )

    @staticmethod
    def _held_opening():
        from .models import Post

        return Exists(
            Post.objects.filter(thread=OuterRef("pk"), position=1).exclude(state="visible")
        )

    def _opening_readable_by(self, user):
        """A thread whose opening post waits for a moderator (or was hidden by one) exists
        only for its author and moderators, exactly as the post itself does."""
        if sees_moderated_posts(user):
            return self
        if user.is_authenticated:
            return self.filter(~self._held_opening() | Q(author=user))
        return self.exclude(self._held_opening())

    def for_list(self):
        """What a thread row shows; ``opening_held`` marks, for the author and moderators
        who may see such a thread at all, one that readers do not see yet."""
        return (
            self.select_related("space", "author", "last_poster")
            .prefetch_related("tags")
            .annotate(opening_held=self._held_opening())
        )


class PostQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Thread

        return self.filter(thread__in=Thread.objects.visible_to(user))._readable_by(user)

    def in_visible_thread(self, user, thread):
        """Posts of a thread the caller already fetched through ``Thread...visible_to``."""
        return self.filter(thread=thread)._readable_by(user)

    def _readable_by(self, user):
        qs = self.filter(is_deleted=False)
        if sees_moderated_posts(user):
            return qs
        if user.is_authenticated:
            return qs.filter(Q(state="visible") | Q(state="pending", author=user))
        return qs.filter(state="visible")

    def published(self):
        """Posts every reader of the thread sees (visible, not deleted)."""
        return self.filter(state="visible", is_deleted=False)

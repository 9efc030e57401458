"""Every write to accounts: profiles, avatars and organization membership."""

from django.db import IntegrityError, transaction

from community.outbox import emit

from .avatars import PreparedAvatar, avatar_prepare
from .models import Organization, OrganizationMembership, User


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

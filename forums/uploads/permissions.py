"""Who may attach files, and how much (settings ``STOA_UPLOAD_*``, per trust level).

Reading an upload is not decided here: it is the reading door of the post that uses it
(``Upload.objects.visible_to``).
"""

from dataclasses import dataclass

from django.conf import settings

from forums import permissions as forum_permissions


@dataclass(frozen=True)
class UploadLimits:
    level: int
    level_name: str
    max_bytes: int
    per_post: int | None
    per_hour: int | None


def can_upload(user) -> bool:
    """Attaching is writing: the same people who may post."""
    return forum_permissions.can_post(user)


def upload_refusal(user) -> str:
    """Why ``can_upload`` says no, in words for the member."""
    if not forum_permissions.is_member(user):
        return "Log in to attach files."
    if not forum_permissions.has_verified_email(user):
        return "Verify your e-mail address before attaching files."
    if forum_permissions.is_suspended(user):
        return forum_permissions.suspension_notice(user)
    return "You cannot attach files."


def upload_limits(user) -> UploadLimits:
    """The limits for this member's trust level; staff and moderators get the highest."""
    if forum_permissions.is_exempt_from_limits(user):
        level = 4
    else:
        level = min(max(getattr(user, "trust_level", 0) or 0, 0), 4)
    row = settings.STOA_UPLOAD_LIMITS.get(level) or {}
    ceiling = settings.STOA_UPLOAD_MAX_BYTES
    return UploadLimits(
        level=level,
        level_name=forum_permissions.TRUST_LEVEL_NAMES.get(level, str(level)),
        max_bytes=min(row.get("bytes") or ceiling, ceiling),
        per_post=row.get("per_post"),
        per_hour=row.get("per_hour"),
    )

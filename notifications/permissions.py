"""Every "may this user ..." about notifications. ``can_*`` answers, ``check`` raises.

Reading a thread, space or tag is decided by the forums' reading door; the selectors fetch
watch targets through it, so these rules only add what is particular to notifications.
"""

from django.core.exceptions import PermissionDenied


def can_watch(user) -> bool:
    """Any signed-in member may watch, track or mute what they can read."""
    return bool(user.is_authenticated and user.is_active)


def can_see_inbox(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def check(allowed: bool, message: str = "You are not allowed to do that.") -> None:
    if not allowed:
        raise PermissionDenied(message)

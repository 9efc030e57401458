"""Every "may this user do this?" about accounts. ``can_*`` answers; ``*_refusal`` says why not.

Deleting an account: members delete their own; an administrator may delete someone else's.
Administrators' own accounts are never deleted this way (the role is taken away first, by
another administrator), and neither is the shared "former member" account that keeps the
posts of deleted members (``accounts.services.account_delete``).
"""

from . import roles

# The inactive account that deleted members' threads, posts and messages are attributed to.
FORMER_MEMBER_USERNAME = "former-member"


def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or roles.ADMINS in user.role_names))


def is_former_member(user) -> bool:
    return user.username == FORMER_MEMBER_USERNAME and not user.is_active


def account_delete_refusal(actor, user) -> str:
    """Why ``actor`` may not delete ``user``'s account, or "" when they may."""
    if not (actor.is_authenticated and actor.is_active):
        return "Log in to delete your account."
    if is_former_member(user):
        return "This account keeps the posts of deleted members; it cannot be deleted."
    if actor.pk != user.pk and not is_admin(actor):
        return "You can only delete your own account."
    if is_admin(user):
        if actor.pk == user.pk:
            return (
                "Administrator accounts cannot be deleted. Ask another administrator to "
                "remove your administrator role first; then you can delete your account here."
            )
        return "Administrator accounts cannot be deleted: remove the administrator role first."
    return ""


def can_delete_account(actor, user) -> bool:
    return not account_delete_refusal(actor, user)

"""Every write moderation makes. Each decision is one transaction that writes its
``ModerationAction`` (the audit log) and refuses to act twice on the same thing.

The modules: ``flags`` (members flag posts), ``posts`` (approve, hide, delete, edit),
``users`` (warn, suspend, ban, delete a spammer, held profiles), ``threads`` (lock, move,
merge, split), ``spam`` (scoring and learning), ``trust`` (trust levels) and
``housekeeping`` (periodic upkeep).
"""

from .common import AlreadyHandled
from .flags import flag_create
from .housekeeping import housekeeping, moderators_remind
from .posts import bulk_decide, post_approve, post_delete, post_edit, post_hide
from .spam import learn_from_decision, post_score, profile_score
from .threads import thread_lock, thread_merge, thread_move, thread_split
from .trust import trust_levels_recompute
from .users import (
    profile_approve,
    profile_clear,
    spammer_delete,
    user_ban,
    user_lift,
    user_suspend,
    user_warn,
)

__all__ = [
    "AlreadyHandled",
    "bulk_decide",
    "flag_create",
    "housekeeping",
    "learn_from_decision",
    "moderators_remind",
    "post_approve",
    "post_delete",
    "post_edit",
    "post_hide",
    "post_score",
    "profile_approve",
    "profile_clear",
    "profile_score",
    "spammer_delete",
    "thread_lock",
    "thread_merge",
    "thread_move",
    "thread_split",
    "trust_levels_recompute",
    "user_ban",
    "user_lift",
    "user_suspend",
    "user_warn",
]

"""Signed unsubscribe tokens: the link in every e-mail works without logging in.

A token names a member and a scope: some kinds of notification (``mention+reply``), a digest
(``@daily``, ``@weekly``) or everything (``all``). It is signed with the site's SECRET_KEY
and a salt of its own, so it cannot be forged or reused for anything else.
"""

from dataclasses import dataclass

from django.core import signing

from .models import Channel, Kind

SALT = "stoa.notifications.unsubscribe"
ALL = "all"


@dataclass(frozen=True)
class Scope:
    user_id: int
    kinds: tuple[str, ...] = ()  # empty with a channel or ``everything``
    channel: str = ""  # "daily" or "weekly": every kind the member has on that digest
    everything: bool = False

    def encode(self) -> str:
        if self.everything:
            return ALL
        if self.channel:
            return f"@{self.channel}"
        return "+".join(self.kinds)


def make_token(scope: Scope) -> str:
    return signing.Signer(salt=SALT).sign(f"{scope.user_id}.{scope.encode()}")


def read_token(token: str) -> Scope | None:
    """The scope a token grants, or None when it is not one of ours."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    user_part, _, scope = value.partition(".")
    if not user_part.isdigit():
        return None
    user_id = int(user_part)
    if scope == ALL:
        return Scope(user_id=user_id, everything=True)
    if scope.startswith("@") and scope[1:] in (Channel.DAILY, Channel.WEEKLY):
        return Scope(user_id=user_id, channel=scope[1:])
    kinds = tuple(kind for kind in scope.split("+") if kind in Kind.values)
    return Scope(user_id=user_id, kinds=kinds) if kinds else None

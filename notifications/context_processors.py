from functools import cached_property

from .selectors import unread_count


class Inbox:
    """The bell's count, read only if a template asks for it: visitors and pages without the
    header cost nothing; a member's page costs one indexed query."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def unread(self) -> int:
        if self._user is None or not self._user.is_authenticated:
            return 0
        return unread_count(user=self._user)

    @property
    def unread_label(self) -> str:
        return f"{self.unread - 1}+" if self.unread > 99 else str(self.unread)


def inbox(request):
    return {"inbox": Inbox(getattr(request, "user", None))}

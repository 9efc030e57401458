"""Hosted spam services, plugged in by configuration.

A checker is a class with a ``name`` and a ``check(request) -> CheckResult | None`` method;
``STOA_SPAM_CHECKERS`` lists the dotted paths of those to run after the local rules (none by
default, so nothing leaves the machine). A checker that cannot answer raises
``CheckerUnavailable``; the verdict then records that it was not consulted and the local
rules decide alone.

``AkismetChecker`` speaks Akismet's ``comment-check`` API; set ``STOA_AKISMET_KEY`` (and,
for a compatible service elsewhere, ``STOA_AKISMET_URL``) and add
``moderation.checkers.AkismetChecker`` to ``STOA_SPAM_CHECKERS``.
"""

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class CheckerUnavailable(Exception):
    """The service could not be asked (network, timeout, bad answer)."""


@dataclass(frozen=True)
class CheckRequest:
    kind: str  # "post" or "profile"
    text: str
    author_name: str
    author_email: str
    permalink: str = ""


@dataclass(frozen=True)
class CheckResult:
    points: float
    detail: str


class SpamChecker:
    name = "checker"

    def check(self, request: CheckRequest) -> CheckResult | None:  # pragma: no cover
        raise NotImplementedError


class AkismetChecker(SpamChecker):
    """Akismet (or a service with the same API): answers "true" for spam, "false" for ham."""

    name = "Akismet"
    points = 1.5

    def __init__(self) -> None:
        self.key = settings.STOA_AKISMET_KEY
        self.url = settings.STOA_AKISMET_URL or (
            f"https://{self.key}.rest.akismet.com/1.1/comment-check" if self.key else ""
        )

    def check(self, request: CheckRequest) -> CheckResult | None:
        if not self.url.startswith(("https://", "http://")):
            raise CheckerUnavailable("no STOA_AKISMET_KEY or STOA_AKISMET_URL configured")
        data = urllib.parse.urlencode(
            {
                "api_key": self.key,
                "blog": settings.SITE_URL,
                "comment_type": "forum-post" if request.kind == "post" else "signup",
                "comment_author": request.author_name,
                "comment_author_email": request.author_email,
                "comment_content": request.text,
                "permalink": request.permalink,
                "user_ip": "127.0.0.1",
            }
        ).encode()
        http_request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url, data=data, headers={"User-Agent": "Stoa/1 | Akismet"}
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 (scheme checked above)
                http_request, timeout=settings.STOA_SPAM_CHECKER_TIMEOUT
            ) as response:
                answer = response.read(64).decode("ascii", "replace").strip()
        except (OSError, urllib.error.URLError) as exc:
            raise CheckerUnavailable(str(exc)) from exc
        if answer == "true":
            return CheckResult(points=self.points, detail="reported as spam")
        if answer == "false":
            return None
        raise CheckerUnavailable(f"unexpected answer {answer[:40]!r}")


@cache
def _load(path: str) -> type[SpamChecker]:
    return import_string(path)


def configured_checkers() -> list[SpamChecker]:
    return [_load(path)() for path in settings.STOA_SPAM_CHECKERS]

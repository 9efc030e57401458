"""The spam filter's rules: each signal adds points with a reason a moderator can read.

``score(subject)`` runs the local rules and any configured hosted checkers
(``moderation.checkers``) and returns the reasons with their points, already multiplied by
the site-wide and per-author weights moderators' decisions have taught it
(``SignalWeight``). Nothing here writes; ``moderation.services.spam`` stores the verdict and
acts on it.

Codes (shown to moderators with ``REASON_LABELS``):

- ``new_account_links``: links from an account below trust level 2;
- ``link_density``: several links and few words;
- ``contact_link``: links to messaging apps (wa.me, t.me, ...);
- ``blocked_link_domain``, ``blocked_phrase``, ``blocked_phone``, ``blocked_email_domain``:
  the staff-edited and learned lists (``BlockedTerm``);
- ``duplicate_text``: the same text in other threads;
- ``posting_speed``: many posts in a few minutes;
- ``odd_characters``: letters of several scripts in one word, invisible or "fancy" letters;
- ``data_broker``: selling phone lists, Telegram data and the like;
- ``phone_number``: a phone number from a low-trust account;
- ``checker``: a hosted service's verdict.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.timesince import timesince

from forums.models import Post
from forums.rendering import find_phone_numbers

from .checkers import CheckerUnavailable, CheckRequest, configured_checkers
from .models import BlockedTerm, SignalWeight

REASON_LABELS = {
    "new_account_links": "Links from a new account",
    "link_density": "Mostly links",
    "contact_link": "Link to a messaging app",
    "blocked_link_domain": "Blocked link domain",
    "blocked_phrase": "Blocked phrase",
    "blocked_phone": "Blocked phone number",
    "blocked_email_domain": "Blocked e-mail domain",
    "duplicate_text": "Same text in several threads",
    "posting_speed": "Posting very fast",
    "odd_characters": "Odd character mix",
    "data_broker": "Sells contact data",
    "phone_number": "Phone number from a new account",
    "checker": "Hosted spam service",
}

# Points each rule adds before weights. The threshold is STOA_SPAM_THRESHOLD (1.0).
POINTS = {
    "new_account_links": 0.35,  # per link, at most NEW_ACCOUNT_LINKS_CAP
    "link_density": 0.4,
    "contact_link": 0.5,
    "blocked_email_domain": 1.2,
    "blocked_phone": 1.5,
    "duplicate_text": 0.5,  # first copy; each further copy adds a quarter, at most 1.0
    "posting_speed": 0.4,
    "odd_characters": 0.5,
    "data_broker": 0.8,  # per pattern, at most 1.6
    "phone_number": 0.3,
}
NEW_ACCOUNT_LINKS_CAP = 1.05
DATA_BROKER_CAP = 1.6
DUPLICATE_CAP = 1.0
SPEED_WINDOW = timedelta(minutes=10)
SPEED_POSTS = 4
DUPLICATE_WINDOW = timedelta(days=7)
DUPLICATE_MIN_CHARS = 40
CONTACT_DOMAINS = ("wa.me", "t.me", "telegram.me", "api.whatsapp.com", "chat.whatsapp.com")

URL_RE = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\[\]()\"'`]+|\b(?:wa|t)\.me/[^\s<>\[\]()\"'`]+"
)
_WORD_RE = re.compile(r"\w+")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad")
_BROKER_RES: dict[tuple[str, ...], list[re.Pattern]] = {}


@dataclass(frozen=True)
class Reason:
    code: str
    points: float
    detail: str

    def as_dict(self) -> dict:
        return {"code": self.code, "points": round(self.points, 3), "detail": self.detail}


@dataclass
class Subject:
    """What is scored: a post (with its thread) or a member's profile."""

    kind: str  # "post" or "profile"
    author: object
    text: str
    post: Post | None = None
    links: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.links:
            self.links = extract_links(self.text)


@dataclass(frozen=True)
class Score:
    total: float
    reasons: list[Reason]
    # BlockedTerm rows that matched, so their hit counts can be raised.
    matched_terms: list[int]

    @property
    def fired(self) -> list[str]:
        return sorted({r.code for r in self.reasons if r.points > 0})


def extract_links(text: str) -> list[str]:
    return [m.group(0).rstrip(".,;:!?") for m in URL_RE.finditer(text or "")]


def link_domain(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        url = f"http://{url}"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def _domain_matches(domain: str, blocked: str) -> bool:
    return domain == blocked or domain.endswith(f".{blocked}")


def _safe_domains() -> list[str]:
    site = urlsplit(settings.SITE_URL).hostname or ""
    return [d.lower() for d in (*settings.STOA_SPAM_SAFE_DOMAINS, site) if d]


def normalise_text(text: str) -> str:
    """Lower case, words only: what "the same text" compares."""
    return " ".join(_WORD_RE.findall((text or "").lower()))


def text_digest(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()[:32]


def _broker_patterns() -> list[re.Pattern]:
    key = tuple(settings.STOA_SPAM_BROKER_PATTERNS)
    if key not in _BROKER_RES:
        _BROKER_RES[key] = [re.compile(p, re.IGNORECASE) for p in key]
    return _BROKER_RES[key]


def _script(char: str) -> str:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return ""
    return name.split(" ", 1)[0]


def odd_character_report(text: str) -> str:
    """Describe suspicious characters, or "" when the text looks ordinary."""
    findings = []
    invisible = sum(1 for c in text if c in _INVISIBLE)
    if invisible:
        findings.append(f"{invisible} invisible character{'s' if invisible != 1 else ''}")
    fancy = sum(1 for c in text if 0x1D400 <= ord(c) <= 0x1D7FF or 0xFF21 <= ord(c) <= 0xFF5A)
    if fancy >= 3:
        findings.append(f"{fancy} styled (mathematical or full-width) letters")
    mixed = 0
    for word in _WORD_RE.findall(text):
        scripts = {_script(c) for c in word if c.isalpha()}
        if len(scripts & {"LATIN", "CYRILLIC", "GREEK"}) > 1:
            mixed += 1
    if mixed:
        findings.append(f"{mixed} word{'s' if mixed != 1 else ''} mixing Latin with Cyrillic/Greek")
    marks = sum(1 for c in text if unicodedata.category(c) == "Mn")
    letters = sum(1 for c in text if c.isalpha()) or 1
    if marks >= 10 and marks / letters > 0.3:
        findings.append("stacked accents")
    return ", ".join(findings)


TERMS_CACHE_KEY = "moderation:blocked-terms"


def active_terms() -> list[tuple]:
    """The lists, cached: every scoring reads them; saving or deleting a term forgets them."""
    terms = cache.get(TERMS_CACHE_KEY)
    if terms is None:
        terms = list(
            BlockedTerm.objects.filter(is_active=True).values_list("pk", "kind", "value", "weight")
        )
        cache.set(TERMS_CACHE_KEY, terms, timeout=600)
    return terms


class Rules:
    """The local rules, with the lists as they are when the scoring starts."""

    def __init__(self) -> None:
        self.terms = {kind: [] for kind in BlockedTerm.Kind.values}
        for pk, kind, value, weight in active_terms():
            self.terms[kind].append((pk, value, weight))

    def run(self, subject: Subject) -> tuple[list[Reason], list[int]]:
        reasons: list[Reason] = []
        matched: list[int] = []
        author = subject.author
        text = subject.text or ""
        lowered = text.lower()
        safe = _safe_domains()
        links = [
            u for u in subject.links if not any(_domain_matches(link_domain(u), s) for s in safe)
        ]
        domains = [link_domain(u) for u in links]

        if links and author.trust_level < 2:
            points = min(POINTS["new_account_links"] * len(links), NEW_ACCOUNT_LINKS_CAP)
            age = timesince(author.date_joined)
            reasons.append(
                Reason(
                    "new_account_links",
                    points,
                    f"{len(links)} link{'s' if len(links) != 1 else ''} from a trust level "
                    f"{author.trust_level} account that joined {age} ago",
                )
            )
        words = len(_WORD_RE.findall(text))
        if len(links) >= 2 and words < 25 * len(links):
            reasons.append(
                Reason(
                    "link_density", POINTS["link_density"], f"{len(links)} links in {words} words"
                )
            )
        contact = sorted(
            {d for d in domains if any(_domain_matches(d, c) for c in CONTACT_DOMAINS)}
        )
        if contact:
            reasons.append(Reason("contact_link", POINTS["contact_link"], ", ".join(contact)))
        for pk, value, weight in self.terms[BlockedTerm.Kind.LINK_DOMAIN]:
            hits = sorted({d for d in domains if _domain_matches(d, value)})
            if hits:
                matched.append(pk)
                reasons.append(Reason("blocked_link_domain", weight, ", ".join(hits)))
        for pk, value, weight in self.terms[BlockedTerm.Kind.PHRASE]:
            if value and value in lowered:
                matched.append(pk)
                reasons.append(Reason("blocked_phrase", weight, f"“{value}” (#{pk})"))

        broker = [m.group(0) for p in _broker_patterns() if (m := p.search(text))]
        if broker:
            points = min(POINTS["data_broker"] * len(broker), DATA_BROKER_CAP)
            reasons.append(Reason("data_broker", points, "; ".join(f"“{b}”" for b in broker)))

        phones = find_phone_numbers(text)
        blocked_phones = self.terms[BlockedTerm.Kind.PHONE]
        for number in phones:
            digits = number.lstrip("+")
            for pk, value, _weight in blocked_phones:
                if len(value) >= 7 and (digits.endswith(value) or value.endswith(digits)):
                    matched.append(pk)
                    reasons.append(Reason("blocked_phone", POINTS["blocked_phone"], number))
                    break
        if phones and author.trust_level < settings.STOA_PHONE_HOLD_BELOW_TRUST:
            reasons.append(Reason("phone_number", POINTS["phone_number"], ", ".join(phones)))

        email_domain = (author.email or "").rsplit("@", 1)[-1].lower()
        for pk, value, weight in self.terms[BlockedTerm.Kind.EMAIL_DOMAIN]:
            if email_domain and _domain_matches(email_domain, value):
                matched.append(pk)
                reasons.append(
                    Reason(
                        "blocked_email_domain",
                        max(weight, POINTS["blocked_email_domain"]),
                        f"@{email_domain}",
                    )
                )
                break

        odd = odd_character_report(text + " " + getattr(author, "display_name", ""))
        if odd:
            reasons.append(Reason("odd_characters", POINTS["odd_characters"], odd))

        if subject.post is not None:
            reasons += self._post_rules(subject)
        return reasons, matched

    def _post_rules(self, subject: Subject) -> list[Reason]:
        post, author = subject.post, subject.author
        reasons = []
        now = timezone.now()
        if author.trust_level < 3:
            recent = (
                Post.objects.filter(author=author, created_at__gte=now - SPEED_WINDOW)
                .exclude(pk=post.pk)
                .count()
            )
            if recent + 1 >= SPEED_POSTS:
                reasons.append(
                    Reason(
                        "posting_speed",
                        POINTS["posting_speed"],
                        f"{recent + 1} posts in {int(SPEED_WINDOW.total_seconds() // 60)} minutes",
                    )
                )
        body = normalise_text(post.body)
        if len(body) >= DUPLICATE_MIN_CHARS:
            own = (
                Post.objects.filter(author=author, created_at__gte=now - DUPLICATE_WINDOW)
                .exclude(pk=post.pk)
                .exclude(thread_id=post.thread_id)
                .values_list("thread_id", "body")
                .order_by("-created_at")[:50]
            )
            threads = {tid for tid, other in own if normalise_text(other) == body}
            others = (
                Post.objects.filter(body=post.body, created_at__gte=now - timedelta(days=1))
                .exclude(author=author)
                .count()
            )
            copies = len(threads) + others
            if copies:
                points = min(POINTS["duplicate_text"] + 0.25 * (copies - 1), DUPLICATE_CAP)
                where = []
                if threads:
                    where.append(f"{len(threads)} other thread{'s' if len(threads) != 1 else ''}")
                if others:
                    where.append(f"{others} post{'s' if others != 1 else ''} by other accounts")
                reasons.append(Reason("duplicate_text", points, "also in " + " and ".join(where)))
        return reasons


def _check_request(subject: Subject) -> CheckRequest:
    author = subject.author
    permalink = ""
    if subject.post is not None:
        permalink = settings.SITE_URL + subject.post.get_absolute_url()
    return CheckRequest(
        kind=subject.kind,
        text=subject.text,
        author_name=author.username,
        author_email=author.email,
        permalink=permalink,
    )


def _weights(codes: set[str], author) -> dict[str, float]:
    rows = SignalWeight.objects.filter(code__in=codes).filter(
        author__isnull=True
    ) | SignalWeight.objects.filter(code__in=codes, author=author)
    weights = dict.fromkeys(codes, 1.0)
    for row in rows:
        weights[row.code] *= row.weight
    return weights


def score(subject: Subject) -> Score:
    """Run every rule and checker; weight the points; explain each one."""
    reasons, matched = Rules().run(subject)
    for checker in configured_checkers():
        try:
            result = checker.check(_check_request(subject))
        except CheckerUnavailable as exc:
            reasons.append(Reason("checker", 0.0, f"{checker.name} unavailable: {exc}"))
            continue
        if result is not None:
            reasons.append(Reason("checker", result.points, f"{checker.name}: {result.detail}"))
    weights = _weights({r.code for r in reasons}, subject.author) if reasons else {}
    weighted = [
        Reason(r.code, r.points * weights.get(r.code, 1.0), r.detail)
        if weights.get(r.code, 1.0) != 1.0
        else r
        for r in reasons
    ]
    total = round(sum(r.points for r in weighted), 3)
    return Score(total=total, reasons=weighted, matched_terms=matched)

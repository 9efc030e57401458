"""The shapes the demo content is written in: plain, frozen data, no database access.

Content modules (``people``, ``spaces`` and the ``threads_*`` modules) build these; the
``loader`` turns them into rows through the services.
"""

import textwrap
from dataclasses import dataclass

ADMIN = "admin"
STAFF = "staff"
MODERATOR = "moderator"
CUSTOMER = "customer"

QUESTION = "question"
DISCUSSION = "discussion"
IDEA = "idea"
ANNOUNCEMENT = "announcement"


@dataclass(frozen=True)
class OrganizationSpec:
    slug: str
    name: str
    domains: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    email: str
    role: str
    bio: str
    joined_days_ago: int
    # Customers of a business account name their organization by slug; they join it by
    # their verified e-mail domain, as a real sign-up would.
    organization: str = ""
    # Months of activity: a member (2) posts without being held or tightly limited.
    trust_level: int = 2


@dataclass(frozen=True)
class SpaceSpec:
    slug: str
    name: str
    icon: str
    colour: str
    description: str
    language: str = "en"
    visibility: str = "public"
    parent: str = ""
    organization: str = ""
    allow_ideas: bool = False
    is_featured: bool = False


@dataclass(frozen=True)
class Reply:
    author: str
    body: str
    # Hours after the opening post; replies are created in the order written.
    hours: float
    official: bool = False
    accepted: bool = False
    # Position (1 = opening post) of the post this one answers, if any.
    reply_to: int | None = None
    # Words quoted from that post, shown above the body as a quote linking back to it.
    quote: str = ""
    likes: tuple[str, ...] = ()
    helpful: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThreadSpec:
    space: str
    kind: str
    title: str
    author: str
    body: str
    days_ago: float
    tags: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()
    likes: tuple[str, ...] = ()
    views: int = 0
    pinned: bool = False
    # Text the author appends to the opening post once the replies are in (an edit).
    addendum: str = ""
    # For the ideas board: the status staff would set and who would vote. Kept as data so
    # the ideas capability can apply them through its own services.
    idea_status: str = ""
    idea_voters: tuple[str, ...] = ()


def md(text: str) -> str:
    """Markdown as a member would type it: the source is wrapped for reading, the result is
    not. Paragraph, list-item and quote lines are joined; fenced code and tables are kept."""
    out: list[str] = []
    in_fence = False
    for raw in textwrap.dedent(text).strip("\n").splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            out.append(line)
        elif in_fence or not line or not out or not out[-1]:
            out.append(line)
        elif _continues(out[-1], line):
            text_part = line[2:] if line.startswith("> ") else line
            out[-1] = f"{out[-1]} {text_part.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


BLOCK_STARTS = ("```", "|", "#", "    ")


def _continues(previous: str, line: str) -> bool:
    """Is ``line`` a wrapped continuation of ``previous`` rather than a block of its own?"""
    if previous.startswith(BLOCK_STARTS) or line.startswith(BLOCK_STARTS):
        return False
    if _is_list_item(line.lstrip()):
        return False
    if previous.startswith(">"):
        return line.startswith("> ") and previous.strip() != ">" and line.strip() != ">"
    if line.startswith(">"):
        return False
    if line.startswith("  "):
        return _is_list_item(previous.lstrip())
    return True


def _is_list_item(line: str) -> bool:
    if line.startswith(("- ", "* ", "+ ")):
        return True
    number, dot, _rest = line.partition(". ")
    return bool(dot) and number.isdigit()

"""What search engines and link previews read: absolute URLs, OpenGraph, schema.org JSON-LD.

Absolute URLs use ``SITE_URL`` (the community's public address), so the canonical link,
the sitemap and the feeds name the same URL whichever host a page was fetched through.

Structured data is only given for threads a visitor may read. A solved question is a
``QAPage`` whose ``Question`` has an ``acceptedAnswer``; every other thread is a
``DiscussionForumPosting`` with the replies on the page as comments. Everything is built
from what the thread page already loaded: no queries.
"""

import json
from html import unescape

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from .models import Post, Thread

TEXT_LIMIT = 5_000
DESCRIPTION_LIMIT = 160
COMMENTS_LIMIT = 20

# Inside <script>, "</script>" or "<!--" in user text would end or confuse the element;
# escaped as \u003c etc. they are the same JSON to any parser and inert to the HTML parser.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def plain_text(html: str, *, limit: int = TEXT_LIMIT) -> str:
    """The text of stored post HTML, whitespace collapsed, cut at a word."""
    text = " ".join(unescape(strip_tags(html or "")).split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text


def description(html: str) -> str:
    return plain_text(html, limit=DESCRIPTION_LIMIT)


def json_ld_script(data: dict) -> SafeString:
    """``<script type="application/ld+json">`` with ``data``, safe for any text inside."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    payload = payload.translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')


def _person(user) -> dict:
    return {
        "@type": "Person",
        "name": user.name if hasattr(user, "name") else str(user),
        "url": absolute_url(user.get_absolute_url()),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _answer(post: Post, thread: Thread) -> dict:
    return {
        "@type": "Answer",
        "text": plain_text(post.body_html),
        "dateCreated": _iso(post.created_at),
        "url": absolute_url(thread.get_post_url(post.position)),
        "upvoteCount": post.like_count + post.helpful_count,
        "author": _person(post.author),
    }


def thread_structured_data(page) -> dict | None:
    """JSON-LD for a thread page (a ``forums.selectors.ThreadPage``), or None if private."""
    thread = page.thread
    if thread.space is None or not thread.space.is_public or page.opening is None:
        return None
    url = absolute_url(thread.get_absolute_url())
    opening = page.opening
    if thread.is_question and page.accepted is not None:
        question = {
            "@type": "Question",
            "name": thread.title,
            "text": plain_text(opening.body_html) or thread.title,
            "answerCount": thread.reply_count,
            "upvoteCount": thread.vote_count + opening.like_count + opening.helpful_count,
            "dateCreated": _iso(thread.created_at),
            "author": _person(thread.author),
            "url": url,
            "acceptedAnswer": _answer(page.accepted, thread),
        }
        suggested = [
            _answer(post, thread)
            for post in page.posts
            if post.position > 1 and post.pk != page.accepted.pk
        ][:COMMENTS_LIMIT]
        if suggested:
            question["suggestedAnswer"] = suggested
        return {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": question}

    posting = {
        "@context": "https://schema.org",
        "@type": "DiscussionForumPosting",
        "headline": thread.title,
        "text": plain_text(opening.body_html) or thread.title,
        "url": url,
        "datePublished": _iso(thread.created_at),
        "dateModified": _iso(opening.edited_at or thread.created_at),
        "author": _person(thread.author),
        "interactionStatistic": [
            {
                "@type": "InteractionCounter",
                "interactionType": "https://schema.org/CommentAction",
                "userInteractionCount": thread.reply_count,
            },
            {
                "@type": "InteractionCounter",
                "interactionType": "https://schema.org/LikeAction",
                "userInteractionCount": opening.like_count + opening.helpful_count,
            },
        ],
    }
    comments = [
        {
            "@type": "Comment",
            "text": plain_text(post.body_html),
            "datePublished": _iso(post.created_at),
            "url": absolute_url(thread.get_post_url(post.position)),
            "author": _person(post.author),
        }
        for post in page.posts
        if post.position > 1
    ][:COMMENTS_LIMIT]
    if comments:
        posting["comment"] = comments
    return posting


def thread_open_graph(page) -> list[tuple[str, str]]:
    """OpenGraph properties (and Twitter's card type) for a thread page."""
    thread = page.thread
    from community.models import Branding

    text = description(page.opening.body_html) if page.opening else ""
    properties = [
        ("og:type", "article"),
        ("og:site_name", Branding.current().site_name),
        ("og:title", thread.title),
        ("og:url", absolute_url(thread.get_absolute_url())),
        ("og:description", text or thread.title),
        ("article:published_time", _iso(thread.created_at)),
        ("article:modified_time", _iso(thread.last_activity_at)),
    ]
    if thread.space is not None:
        properties.append(("article:section", thread.space.name))
    properties.extend(("article:tag", tag.name) for tag in thread.tags.all())
    return [(name, value) for name, value in properties if value]

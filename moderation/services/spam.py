"""The spam filter at work: score a new post or profile, hold what crosses the threshold,
and learn from what moderators decide. Called by Celery tasks (``moderation.tasks``)."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from forums import permissions as forum_permissions
from forums.models import Post
from forums.rendering import find_phone_numbers, mask_phone_numbers, render_post

from .. import permissions
from ..models import BlockedTerm, ModerationAction, ReviewItem, SignalWeight, SpamVerdict
from ..scoring import (
    REASON_LABELS,
    URL_RE,
    Subject,
    extract_links,
    link_domain,
    score,
    text_digest,
)
from .common import action_record, review_open, visibility_changed

Action = ModerationAction.Action

# Learning: an approved (false-positive) verdict halves the weight of each signal that fired,
# for that author, and of each blocked phrase that matched; a confirmed one adds the post's
# link domains, phone numbers and distinctive phrases to the lists.
FALSE_POSITIVE_FACTOR = 0.5
MIN_WEIGHT = 0.05
LEARNED_PHRASE_WEIGHT = 0.5
LEARNED_PHRASES_PER_POST = 4
LEGITIMATE_SAMPLE = 500
_STOPWORDS = frozenset(
    """a an and are as at be by for from has have i if in is it its my of on or our so that the
    this to was we were will with you your""".split()  # noqa: SIM905
)
_PHRASE_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def _labels(codes: list[str]) -> str:
    return ", ".join(REASON_LABELS.get(c, c).lower() for c in codes)


def post_score(*, post_id: int, editor_id: int | None = None) -> SpamVerdict | None:
    """Score one version of a post (idempotent: one verdict per post revision).

    Holds the post when the score reaches ``STOA_SPAM_THRESHOLD``; puts posts that were held
    at write time (first posts of new accounts, phone numbers) in the queue.
    """
    post = Post.objects.select_related("author", "thread").filter(pk=post_id).first()
    if post is None or post.is_deleted:
        return None
    author = post.author
    if editor_id is not None and editor_id != author.pk:
        return None  # a moderator's edit is not the author's spam
    key = f"post:{post.pk}:r{post.revision_count}"
    if SpamVerdict.objects.filter(kind="post", subject=author, key=key).exists():
        return None
    exempt = permissions.is_exempt(author)
    text = f"{post.thread.title}\n{post.body}" if post.is_opening else post.body
    result = None if exempt else score(Subject(kind="post", author=author, text=text, post=post))
    total = result.total if result else 0.0
    held = bool(result) and total >= settings.STOA_SPAM_THRESHOLD
    return _post_verdict_store(
        post_id=post.pk,
        author=author,
        key=key,
        result=result,
        total=total,
        held=held,
        exempt=exempt,
    )


@transaction.atomic
def _post_verdict_store(*, post_id, author, key, result, total, held, exempt):
    post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post_id)
    post.author = author  # the same object: its permissions are already known
    try:
        with transaction.atomic():
            verdict = SpamVerdict.objects.create(
                kind=SpamVerdict.Kind.POST,
                post=post,
                subject=author,
                key=key,
                score=total,
                reasons=[r.as_dict() for r in result.reasons] if result else [],
                held=held,
            )
    except IntegrityError:
        return None  # a retry of a task that already stored this verdict
    if result and result.matched_terms:
        BlockedTerm.objects.filter(pk__in=result.matched_terms).update(hits=F("hits") + 1)
    if exempt or post.is_deleted:
        return verdict
    text = f"{post.thread.title}\n{post.body}" if post.is_opening else post.body
    sources = []
    if post.state == Post.State.PENDING:
        phones = forum_permissions.must_mask_phones(author, text=text)
        sources.append("phone" if phones else "first_posts")
    elif forum_permissions.must_mask_phones(author, text=post.body):
        # An edit added a number: hold it masked, as a new post would have been.
        post.state = Post.State.PENDING
        post.body_html = render_post(post.body, mask_phones=True).html
        post.save(update_fields=["state", "body_html"])
        visibility_changed(post, visible=False)
        sources.append("phone")
    hidden_now = False
    if held:
        sources.append("spam")
        if post.state == Post.State.VISIBLE:
            post.state = Post.State.HIDDEN
            post.save(update_fields=["state"])
            visibility_changed(post, visible=False)
            hidden_now = True
    if not sources:
        return verdict
    already_queued = ReviewItem.objects.filter(post=post, status="open").exists()
    review_open(post=post, sources=sources, score=total)
    if hidden_now or not already_queued:
        action_record(
            actor=None,
            action=Action.HOLD,
            reason=_hold_reason(sources),
            post=post,
            changes={"score": total, "codes": result.fired if result else [], "state": post.state},
        )
    return verdict


def _hold_reason(sources: list[str]) -> str:
    if "spam" in sources:
        return "Held by the spam filter until a moderator has looked at it."
    if "phone" in sources:
        return (
            "Posts with phone numbers from new members are checked by a moderator first; "
            "the numbers are hidden until then."
        )
    return "The first posts of new members are checked by a moderator before they appear."


def profile_score(*, user_id: int) -> SpamVerdict | None:
    """Score a member's profile (display name, bio, e-mail domain); hold it when needed.

    A held profile shows its text with phone numbers masked (or without its bio when it
    scored as spam) until a moderator approves it; the original is kept on the verdict.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or permissions.is_exempt(user):
        return None
    text = f"{user.display_name}\n{user.bio}".strip()
    key = "profile:" + text_digest(f"{user.email}\n{text}")
    if SpamVerdict.objects.filter(kind="profile", subject=user, key=key).exists():
        return None
    result = score(Subject(kind="profile", author=user, text=text))
    held = result.total >= settings.STOA_SPAM_THRESHOLD
    phones = user.trust_level < settings.STOA_PHONE_HOLD_BELOW_TRUST and bool(
        find_phone_numbers(text)
    )
    return _profile_verdict_store(user_id=user.pk, key=key, result=result, held=held, phones=phones)


@transaction.atomic
def _profile_verdict_store(*, user_id, key, result, held, phones) -> SpamVerdict | None:
    user = User.objects.select_for_update().get(pk=user_id)
    original = {"display_name": user.display_name, "bio": user.bio}
    masked = {}
    if held or phones:
        masked = {
            "display_name": mask_phone_numbers(user.display_name),
            "bio": "" if held else mask_phone_numbers(user.bio),
        }
    try:
        with transaction.atomic():
            verdict = SpamVerdict.objects.create(
                kind=SpamVerdict.Kind.PROFILE,
                subject=user,
                key=key,
                score=result.total,
                reasons=[r.as_dict() for r in result.reasons],
                held=bool(masked),
                original={**original, "masked": masked} if masked else {},
            )
    except IntegrityError:
        return None
    if result.matched_terms:
        BlockedTerm.objects.filter(pk__in=result.matched_terms).update(hits=F("hits") + 1)
    if not masked:
        return verdict
    User.objects.filter(pk=user.pk).update(**masked)
    review_open(
        kind=ReviewItem.Kind.PROFILE,
        subject=user,
        sources=["profile", *(["spam"] if held else []), *(["phone"] if phones else [])],
        score=result.total,
    )
    action_record(
        actor=None,
        action=Action.PROFILE_HOLD,
        reason=(
            "Profile held by the spam filter until a moderator has looked at it."
            if held
            else "Phone numbers in the profiles of new members are hidden until a moderator "
            "has checked them."
        ),
        target_user=user,
        changes={"score": result.total, "codes": result.fired},
    )
    return verdict


# --- learning ------------------------------------------------------------------------------


def learn_from_decision(*, action_id: int) -> int:
    """Apply what a moderator's decision teaches. Safe to repeat: each verdict teaches its
    weights once, and adding to the lists is idempotent."""
    action = ModerationAction.objects.filter(pk=action_id).first()
    if action is None:
        return 0
    learned = sum(_learn_from_verdict(v) for v in action.changes.get("verdicts", []))
    if action.changes.get("learn") == SpamVerdict.Outcome.CONFIRMED:
        posts = Post.objects.filter(pk__in=action.changes.get("spam_posts", [])[:50])
        for post in posts.select_related("thread"):
            _learn_spam_text(_post_text(post), note=f"learned from post #{post.pk}")
            learned += 1
    return learned


def _post_text(post: Post) -> str:
    return f"{post.thread.title}\n{post.body}" if post.is_opening else post.body


@transaction.atomic
def _learn_from_verdict(verdict_id: int) -> int:
    verdict = (
        SpamVerdict.objects.select_for_update(of=("self",))
        .select_related("post", "post__thread", "subject")
        .filter(pk=verdict_id)
        .first()
    )
    if verdict is None or verdict.outcome == "" or verdict.original.get("learned"):
        return 0
    if verdict.outcome == SpamVerdict.Outcome.FALSE_POSITIVE:
        _learn_false_positive(verdict)
    else:
        _learn_confirmed(verdict)
    verdict.original = {**verdict.original, "learned": timezone.now().isoformat()}
    verdict.save(update_fields=["original"])
    return 1


def _learn_false_positive(verdict: SpamVerdict) -> None:
    for code in set(verdict.codes):
        row, _ = SignalWeight.objects.get_or_create(code=code, author=verdict.subject)
        row.weight = max(MIN_WEIGHT, row.weight * FALSE_POSITIVE_FACTOR)
        row.false_positives += 1
        row.save(update_fields=["weight", "false_positives", "updated_at"])
    phrase_ids = [
        int(m.group(1))
        for reason in verdict.reasons
        if reason["code"] == "blocked_phrase"
        and (m := re.search(r"\(#(\d+)\)$", reason.get("detail", "")))
    ]
    for term in BlockedTerm.objects.filter(pk__in=phrase_ids):
        term.weight = round(term.weight * FALSE_POSITIVE_FACTOR, 3)
        term.false_positives += 1
        term.is_active = term.weight >= MIN_WEIGHT * 2
        term.save(update_fields=["weight", "false_positives", "is_active"])


def _learn_confirmed(verdict: SpamVerdict) -> None:
    if verdict.post_id:
        return  # a confirmed post is learned from through the action's "spam_posts"
    text = "\n".join(str(verdict.original.get(k, "")) for k in ("display_name", "bio")).strip()
    if not text:
        text = f"{verdict.subject.display_name}\n{verdict.subject.bio}"
    _learn_spam_text(text, note=f"learned from verdict #{verdict.pk}")


def _learn_spam_text(text: str, *, note: str) -> None:
    """Add a confirmed spam text's link domains, phone numbers and phrases to the lists."""
    safe = {d.lower() for d in settings.STOA_SPAM_SAFE_DOMAINS}
    for domain in {link_domain(url) for url in extract_links(text)}:
        if domain and domain not in safe:
            _term_add(BlockedTerm.Kind.LINK_DOMAIN, domain, 1.0, note)
    for number in find_phone_numbers(text):
        _term_add(BlockedTerm.Kind.PHONE, number.lstrip("+"), 1.5, note)
    for phrase in distinctive_phrases(text):
        _term_add(BlockedTerm.Kind.PHRASE, phrase, LEARNED_PHRASE_WEIGHT, note)


def _term_add(kind: str, value: str, weight: float, note: str) -> None:
    value = value.strip().lower()[:200]
    if value:
        BlockedTerm.objects.get_or_create(
            kind=kind,
            value=value,
            defaults={"weight": weight, "source": BlockedTerm.Source.LEARNED, "note": note},
        )


def distinctive_phrases(text: str, *, limit: int = LEARNED_PHRASES_PER_POST) -> list[str]:
    """Three-word phrases of a spam text that recent legitimate posts never use."""
    words = _PHRASE_WORD_RE.findall(URL_RE.sub(" ", text or "").lower())
    grams: dict[str, None] = {}
    for i in range(len(words) - 2):
        trio = words[i : i + 3]
        if sum(w in _STOPWORDS for w in trio) >= 2:
            continue
        grams.setdefault(" ".join(trio))
    if not grams:
        return []
    sample = (
        Post.objects.filter(state=Post.State.VISIBLE, is_deleted=False, author__trust_level__gte=2)
        .order_by("-id")
        .values_list("body", flat=True)[:LEGITIMATE_SAMPLE]
    )
    legitimate = " " + " ".join(" ".join(_PHRASE_WORD_RE.findall(b.lower())) for b in sample) + " "
    chosen = [g for g in grams if f" {g} " not in legitimate]
    chosen.sort(key=len, reverse=True)
    return chosen[:limit]

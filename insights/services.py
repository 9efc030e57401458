"""Writes of the insights app: the share-of-voice terms staff follow."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from forums.permissions import check

from . import permissions
from .models import ShareOfVoiceTerm

log = logging.getLogger(__name__)

TERM_MAX_LENGTH = 60


def clean_term(term: str) -> str:
    term = " ".join((term or "").split())
    if not term:
        raise ValidationError({"term": "Type the word or name to follow, for example “Lumen”."})
    if len(term) > TERM_MAX_LENGTH:
        raise ValidationError(
            {"term": f"Keep a term to {TERM_MAX_LENGTH} characters; this one has {len(term)}."}
        )
    if not any(ch.isalnum() for ch in term):
        raise ValidationError({"term": "A term needs at least one letter or digit."})
    return term


def term_create(*, actor, term: str, label: str = "") -> ShareOfVoiceTerm:
    """Follow a new term; its mentions of the last days are counted in the background."""
    check(permissions.can_manage_terms(actor), "Only staff keep the share-of-voice terms.")
    term = clean_term(term)
    label = " ".join((label or "").split())[:TERM_MAX_LENGTH]
    duplicate = (
        ShareOfVoiceTerm.objects.annotate(lower=Lower("term")).filter(lower=term.lower()).first()
    )
    if duplicate is not None:
        raise ValidationError({"term": f"“{duplicate.term}” is already on the list."})
    try:
        with transaction.atomic():
            created = ShareOfVoiceTerm.objects.create(term=term, label=label, created_by=actor)
    except IntegrityError:
        raise ValidationError({"term": f"“{term}” is already on the list."}) from None
    transaction.on_commit(lambda: _enqueue_backfill(created.pk))
    return created


def term_delete(*, actor, term: ShareOfVoiceTerm) -> None:
    """Stop following a term; its counted mentions go with it."""
    check(permissions.can_manage_terms(actor), "Only staff keep the share-of-voice terms.")
    ShareOfVoiceTerm.objects.filter(pk=term.pk).delete()


def _enqueue_backfill(term_id: int) -> None:
    from .tasks import backfill_term

    try:
        backfill_term.delay(term_id=term_id)
    except Exception:  # a dead broker must not fail the page; a rebuild catches up
        log.warning("Could not queue the mention backfill of term %s", term_id, exc_info=True)

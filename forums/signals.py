"""Cache invalidation for visitors' pages (community.pagecache): a decoupled concern, so it
listens to model signals instead of living in every service."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community import pagecache

from .models import Post, Space, Thread


def thread_scopes(thread_id: int, space_id: int | None) -> list[str]:
    scopes = [f"thread:{thread_id}", "global"]
    if space_id:
        scopes.append(f"space:{space_id}")
    return scopes


@receiver([post_save, post_delete], sender=Thread)
def thread_changed(sender, instance: Thread, **kwargs):
    pagecache.bump(*thread_scopes(instance.pk, instance.space_id))


@receiver([post_save, post_delete], sender=Post)
def post_changed(sender, instance: Post, **kwargs):
    # The thread's space is not loaded here; the space page and home list threads, whose
    # counters change through the Thread row, so "global" and the thread cover them.
    pagecache.bump(f"thread:{instance.thread_id}", "global")


@receiver([post_save, post_delete], sender=Space)
def space_changed(sender, instance: Space, **kwargs):
    # "spaces" is part of every thread page's scopes: a space turning private must not leave
    # its threads readable from the cache.
    pagecache.bump(f"space:{instance.pk}", "spaces", "global")

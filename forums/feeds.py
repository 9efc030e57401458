"""Atom feeds of public content: the latest threads, a space's, a tag's, a thread's posts.

Feeds are read by programs without a session, so they show exactly what a visitor may read:
everything goes through ``visible_to(AnonymousUser())``, and a space, tag or thread a
visitor cannot read answers 404, as if it did not exist. Links are absolute under
``SITE_URL``. Each feed costs a fixed number of queries: its items, their opening posts
(for thread feeds) and their tags.
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from taggit.models import Tag

from .models import Post, Space, Thread
from .seo import absolute_url

FEED_SIZE = 30


def _visitor():
    return AnonymousUser()


def _public_threads():
    return Thread.objects.visible_to(_visitor()).exclude(kind=Thread.Kind.MESSAGE)


def _with_openings(threads) -> list[Thread]:
    """Attach each thread's opening post, in one query for the whole feed."""
    threads = list(threads)
    openings = {
        post.thread_id: post
        for post in Post.objects.visible_to(_visitor()).filter(
            thread_id__in=[t.pk for t in threads], position=1
        )
    }
    for thread in threads:
        thread.opening = openings.get(thread.pk)
    return [t for t in threads if t.opening is not None]


def _site_name() -> str:
    from community.models import Branding

    return Branding.current().site_name


class ThreadsFeed(Feed):
    """A feed whose items are threads (newest first), each with its opening post."""

    feed_type = Atom1Feed
    description_template = None

    def threads(self, obj):
        raise NotImplementedError

    def items(self, obj):
        threads = (
            self.threads(obj)
            .select_related("author", "space")
            .prefetch_related("tags")
            .order_by("-created_at", "-id")[:FEED_SIZE]
        )
        return _with_openings(threads)

    def item_title(self, item: Thread) -> str:
        return item.title

    def item_description(self, item: Thread) -> str:
        return item.opening.body_html

    def item_link(self, item: Thread) -> str:
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item: Thread) -> str:
        return absolute_url(item.get_absolute_url())

    def item_author_name(self, item: Thread) -> str:
        return item.author.name

    def item_author_link(self, item: Thread) -> str:
        return absolute_url(item.author.get_absolute_url())

    def item_pubdate(self, item: Thread):
        return item.created_at

    def item_updateddate(self, item: Thread):
        return item.last_activity_at

    def item_categories(self, item: Thread) -> list[str]:
        return [tag.name for tag in item.tags.all()]


class LatestThreadsFeed(ThreadsFeed):
    def title(self) -> str:
        return f"{_site_name()}: latest threads"

    def subtitle(self) -> str:
        return f"New questions, discussions and ideas in {_site_name()}."

    def link(self) -> str:
        return absolute_url(reverse("home"))

    def feed_url(self) -> str:
        return absolute_url(reverse("forums:feed_latest"))

    def threads(self, obj):
        return _public_threads()


class SpaceFeed(ThreadsFeed):
    def get_object(self, request, slug):
        space = Space.objects.visible_to(_visitor()).filter(slug=slug).first()
        if space is None:
            raise Http404("No such space.")
        return space

    def title(self, obj: Space) -> str:
        return f"{obj.name} · {_site_name()}"

    def subtitle(self, obj: Space) -> str:
        return obj.description or f"New threads in {obj.name}."

    def link(self, obj: Space) -> str:
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj: Space) -> str:
        return absolute_url(reverse("forums:feed_space", args=[obj.slug]))

    def threads(self, obj: Space):
        return _public_threads().filter(space=obj)


class TagFeed(ThreadsFeed):
    def get_object(self, request, slug):
        tag = Tag.objects.filter(slug=slug).first()
        # A tag used only on threads a visitor cannot read does not exist for the feed.
        if tag is None or not _public_threads().filter(tags=tag).exists():
            raise Http404("No such tag.")
        return tag

    def title(self, obj: Tag) -> str:
        return f"#{obj.name} · {_site_name()}"

    def subtitle(self, obj: Tag) -> str:
        return f"New threads tagged {obj.name}."

    def link(self, obj: Tag) -> str:
        return absolute_url(reverse("forums:tag", args=[obj.slug]))

    def feed_url(self, obj: Tag) -> str:
        return absolute_url(reverse("forums:feed_tag", args=[obj.slug]))

    def threads(self, obj: Tag):
        return _public_threads().filter(tags=obj)


class ThreadPostsFeed(Feed):
    """The newest posts of one public thread."""

    feed_type = Atom1Feed

    def get_object(self, request, thread_id):
        thread = _public_threads().select_related("space").filter(pk=thread_id).first()
        if thread is None:
            raise Http404("No such thread.")
        return thread

    def title(self, obj: Thread) -> str:
        return obj.title

    def subtitle(self, obj: Thread) -> str:
        return f"Posts in “{obj.title}” · {_site_name()}"

    def link(self, obj: Thread) -> str:
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj: Thread) -> str:
        return absolute_url(reverse("forums:feed_thread", args=[obj.pk]))

    def items(self, obj: Thread):
        posts = (
            Post.objects.in_visible_thread(_visitor(), obj)
            .select_related("author")
            .order_by("-position")[:FEED_SIZE]
        )
        for post in posts:
            post.thread = obj
            yield post

    def item_title(self, item: Post) -> str:
        if item.is_opening:
            return item.thread.title
        return f"Reply #{item.position - 1} by {item.author.name}"

    def item_description(self, item: Post) -> str:
        return item.body_html

    def item_link(self, item: Post) -> str:
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item: Post) -> str:
        return absolute_url(item.get_absolute_url())

    def item_author_name(self, item: Post) -> str:
        return item.author.name

    def item_pubdate(self, item: Post):
        return item.created_at

    def item_updateddate(self, item: Post):
        return item.edited_at or item.created_at

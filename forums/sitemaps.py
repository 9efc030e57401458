"""Sitemaps of what a visitor may read, for search engines.

``/sitemap.xml`` is an index naming one sitemap per section and page
(``/sitemap-threads.xml?p=2``, ...): Django's sitemap framework paginates each section at
``limit`` URLs, so a community of any size stays within the protocol's 50,000 URLs per file.
Every URL is absolute under ``SITE_URL``, the same address the pages give as canonical.
Each sitemap page costs two queries (its count and its rows); the index one per section.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import Space, Thread


class _PublicSitemap(Sitemap):
    limit = 10_000

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    @property
    def protocol(self) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"


class ThreadSitemap(_PublicSitemap):
    def items(self):
        return (
            Thread.objects.visible_to(AnonymousUser())
            .exclude(kind=Thread.Kind.MESSAGE)
            .only("id", "slug", "last_activity_at")
            .order_by("id")
        )

    def lastmod(self, item: Thread):
        return item.last_activity_at

    def get_latest_lastmod(self):
        return (
            self.items()
            .order_by("-last_activity_at")
            .values_list("last_activity_at", flat=True)
            .first()
        )


class SpaceSitemap(_PublicSitemap):
    def items(self):
        return (
            Space.objects.visible_to(AnonymousUser())
            .only("id", "slug", "last_activity_at")
            .order_by("id")
        )

    def lastmod(self, item: Space):
        return item.last_activity_at

    def get_latest_lastmod(self):
        return (
            self.items()
            .order_by("-last_activity_at")
            .values_list("last_activity_at", flat=True)
            .first()
        )


SITEMAPS = {"spaces": SpaceSitemap, "threads": ThreadSitemap}


@require_GET
@cache_control(max_age=3600, public=True)
def sitemap_index(request):
    """Like ``django.contrib.sitemaps.views.index``, with the section URLs under SITE_URL
    (Django's names them after the sites framework's record, which nobody here edits)."""
    base = settings.SITE_URL.rstrip("/")
    entries, newest = [], None
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = base + reverse("sitemap_section", kwargs={"section": section})
        lastmod = sitemap.get_latest_lastmod()
        if lastmod and (newest is None or lastmod > newest):
            newest = lastmod
        pages = sitemap.paginator.num_pages
        entries.append(SitemapIndexItem(location, lastmod))
        entries += [
            SitemapIndexItem(f"{location}?p={page}", lastmod) for page in range(2, pages + 1)
        ]
    response = TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": entries},
        content_type="application/xml",
    )
    if newest is not None:
        response.headers["Last-Modified"] = http_date(newest.timestamp())
    # The sitemap is for crawlers to read, not a page to show in results.
    response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response

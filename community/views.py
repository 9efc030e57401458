"""Site-wide pages: home, health, robots and the branding stylesheet."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from forums import selectors

from . import pagecache
from .health import run_checks
from .models import Branding


@require_GET
def home(request):
    def build():
        page = selectors.home_page(viewer=request.user, params=request.GET)
        return render(request, "home.html", {"page": page})

    return pagecache.serve(request, ["global"], build)


@require_GET
@never_cache
def healthz(request):
    """Liveness and readiness for load balancers: 200 only when every check passes."""
    report = run_checks()
    return HttpResponse(
        report.to_json(), status=200 if report.ok else 503, content_type="application/json"
    )


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        "Disallow: /search/",
        "Disallow: /messages/",
        "Disallow: /notifications/",
        "Disallow: /mod/",
        "Disallow: /insights/",
        "Disallow: /admin/",
        # The sitemap's own URLs are under SITE_URL, so it is named there too.
        f"Sitemap: {settings.SITE_URL.rstrip('/')}{reverse('sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
@cache_control(max_age=300, public=True)
def branding_css(request):
    """The vendor's primary colour as CSS custom properties (no inline styles under CSP)."""
    colour = Branding.current().primary_colour
    css = f":root {{ --brand: {colour}; }}\n"
    return HttpResponse(css, content_type="text/css")

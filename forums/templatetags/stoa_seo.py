"""Template helpers for what search engines read (see ``forums.seo``)."""

from django import template

from .. import seo

register = template.Library()


@register.simple_tag
def absolute_url(path: str) -> str:
    """``{% absolute_url thread.get_absolute_url %}``: the URL under SITE_URL."""
    return seo.absolute_url(str(path))


@register.simple_tag
def thread_json_ld(page):
    """The thread's schema.org JSON-LD script, or nothing for a private thread."""
    data = seo.thread_structured_data(page)
    return seo.json_ld_script(data) if data else ""


@register.simple_tag
def thread_open_graph(page) -> list[tuple[str, str]]:
    return seo.thread_open_graph(page)

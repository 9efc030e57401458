"""/search/ and the composer's similar-question suggestions. Thin: parse, call, render."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Space
from . import search_threads, similar_threads
from .forms import SearchForm
from .query import clean_text


@require_GET
def search(request):
    spaces = list(Space.objects.visible_to(request.user).order_by("name"))
    form = SearchForm(request.GET, viewer=request.user, spaces=spaces)
    form.is_valid()  # errors are shown next to their fields; valid filters still apply
    page = search_threads(
        viewer=request.user,
        query=form.query,
        filters=form.filters(),
        page=request.GET.get("page"),
    )
    template = "forums/_search_results.html" if request.htmx else "forums/search.html"
    return render(request, template, {"form": form, "page": page})


@require_GET
def similar(request):
    """Threads like the title being typed (htmx, from the composer)."""
    title, _ = clean_text(request.GET.get("title", ""), limit=300)
    space = None
    if request.GET.get("space"):
        space = Space.objects.visible_to(request.user).filter(slug=request.GET["space"]).first()
    suggestions = similar_threads(viewer=request.user, title=title, space=space)
    return render(
        request,
        "forums/_similar.html",
        {"suggestions": suggestions, "title": title, "space": space},
    )

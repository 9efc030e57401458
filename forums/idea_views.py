"""The ideas board, the roadmap, voting and the staff tools on an idea. Thin, as views are:
parse, gate, call one service or selector, render."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import ideas, permissions, selectors
from .forms import ReplyForm
from .idea_forms import IdeaMergeForm, IdeaStatusForm


@require_GET
def board(request):
    page = ideas.idea_board(viewer=request.user, params=request.GET)
    return render(request, "forums/ideas/board.html", {"page": page})


@require_GET
def roadmap(request):
    page = ideas.roadmap_page(viewer=request.user, params=request.GET)
    return render(request, "forums/ideas/roadmap.html", {"page": page})


def _wanted_vote(raw: str | None) -> bool | None:
    """The state the button asked for; anything else flips the current state."""
    return {"1": True, "0": False}.get(raw or "")


@require_POST
def vote(request, thread_id):
    """Vote or take a vote back. The htmx request gets the vote box back, a message inside
    it when the vote could not be taken; a plain form post gets a redirect and a flash."""
    if not request.user.is_authenticated:
        if request.htmx:
            response = HttpResponse(status=204)
            target = request.htmx.current_url_abs_path or reverse("forums:ideas")
            response["HX-Redirect"] = f"{reverse('account_login')}?{urlencode({'next': target})}"
            return response
        return redirect_to_login(reverse("forums:ideas"))
    try:
        thread = ideas.idea_get_for_viewer(thread_id=thread_id, viewer=request.user)
        state = ideas.idea_vote_toggle(
            user=request.user, thread=thread, voted=_wanted_vote(request.POST.get("vote"))
        )
    except Http404:
        message = "This idea is no longer here: it was deleted, or you cannot see it."
        if request.htmx:
            return render(
                request,
                "forums/ideas/_vote_gone.html",
                {"thread_id": thread_id, "message": message},
            )
        raise
    except PermissionDenied as refusal:
        if request.htmx:
            thread = ideas.vote_state_for_viewer(thread_id=thread_id, viewer=request.user)
            return render(
                request, "forums/ideas/_vote.html", {"thread": thread, "vote_message": refusal}
            )
        messages.error(request, str(refusal))
        return redirect(thread)
    if request.htmx:
        thread = ideas.vote_state_for_viewer(thread_id=thread_id, viewer=request.user)
        return render(request, "forums/ideas/_vote.html", {"thread": thread})
    if state.changed:
        messages.success(
            request, "Thanks for your vote!" if state.voted else "Your vote is taken back."
        )
    return redirect(thread)


def _render_idea_thread(request, thread, *, status_form=None, merge_form=None):
    """The thread page again, with the staff tool that failed open and what was typed."""
    page = selectors.thread_page(thread=thread, viewer=request.user, page=1)
    if page.idea is not None:
        if status_form is not None:
            page.idea.status_form = status_form
            page.idea.open_tool = "status"
        if merge_form is not None:
            page.idea.merge_form = merge_form
            page.idea.open_tool = "merge"
    context = {
        "page": page,
        "thread": thread,
        "space": thread.space,
        "reply_form": ReplyForm() if page.can_reply else None,
    }
    return render(request, "forums/thread.html", context, status=400)


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_POST
def set_status(request, thread_id):
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    if thread.kind != "idea":
        raise Http404("No such idea.")
    permissions.check(
        permissions.can_set_idea_status(request.user, thread),
        "Only staff can change an idea's status.",
    )
    form = IdeaStatusForm(request.POST)
    if form.is_valid():
        try:
            post = ideas.idea_set_status(
                actor=request.user,
                thread=thread,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
                client_token=form.cleaned_data["client_token"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            label = thread.get_idea_status_display()
            messages.success(request, f"The idea is now “{label}”; its voters will be told.")
            return redirect(post.get_absolute_url())
    return _render_idea_thread(request, thread, status_form=form)


@login_required
@require_POST
def merge(request, thread_id):
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    if thread.kind != "idea":
        raise Http404("No such idea.")
    permissions.check(
        permissions.can_merge_idea(request.user, thread), "Only staff and moderators merge ideas."
    )
    form = IdeaMergeForm(request.POST)
    if form.is_valid():
        into = ideas.idea_find_for_merge(reference=form.cleaned_data["into"], viewer=request.user)
        if into is None:
            form.add_error("into", "There is no idea with that address or number.")
        else:
            try:
                into = ideas.idea_merge(
                    actor=request.user,
                    duplicate=thread,
                    into=into,
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request, f"Merged: “{thread.title}” now points here, with its votes."
                )
                return redirect(into)
    return _render_idea_thread(request, thread, merge_form=form)

"""Thin views for /mod/: parse, gate, call one service or selector, render.

The queue is driven by htmx: a decision posted from a queue card answers with the card's
replacement (what was done, or what someone else did first) and an ``HX-Trigger`` that
refreshes the queue size in the header. Without JavaScript every form still posts and
redirects back.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forums.models import Post, Space, Thread

from . import permissions, selectors, services
from .forms import (
    REMOVE_LABELS,
    BulkForm,
    DecisionForm,
    FlagForm,
    MemberActionForm,
    ModeratorEditForm,
    ThreadActionForm,
)
from .models import Flag
from .services import AlreadyHandled

POST_DECISIONS = {
    "approve": services.post_approve,
    "hide": services.post_hide,
    "delete": services.post_delete,
}
DONE_LABELS = {
    "approve": "Approved",
    "hide": "Hidden",
    "delete": "Deleted",
    "warn": "Warning recorded",
    "suspend": "Suspended",
    "ban": "Banned",
    "lift": "Suspension lifted",
    "delete_spammer": "Spammer deleted, with all their posts",
    "profile_approve": "Profile approved",
    "profile_clear": "Profile cleared",
    "lock": "Thread locked",
    "unlock": "Thread unlocked",
    "move": "Thread moved",
    "merge": "Threads merged",
    "split": "Posts split into a new thread",
}
_THREAD_REF_RE = re.compile(r"(?:/t/[^/\s]+/)?(\d+)/?(?:\d+/?)?(?:[?#].*)?$")


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "Please check the form."


def _done(request, *, message: str, level: str, fallback: str, item=None, status: int = 200):
    """Answer a decision: the queue card's replacement for htmx, else a redirect."""
    if request.htmx:
        response = render(
            request,
            "moderation/_item_done.html",
            {"message": message, "level": level, "item": item},
            status=status,
        )
        response["HX-Trigger"] = "queueChanged"
        return response
    getattr(messages, level)(request, message)
    return redirect(_next_url(request, fallback))


# --- the queue --------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request):
    permissions.check_review(request.user)
    page = selectors.queue_page(viewer=request.user, params=request.GET)
    template = (
        "moderation/_queue_list.html"
        if request.htmx and request.htmx.target == "queue-list"
        else "moderation/queue.html"
    )
    return render(request, template, {"page": page, "bulk_form": BulkForm()})


@login_required
@require_GET
def queue_badge(request):
    permissions.check_review(request.user)
    return render(request, "moderation/_queue_badge.html", {"size": selectors.queue_size()})


@login_required
@require_POST
def bulk(request):
    permissions.check_review(request.user)
    form = BulkForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()][:100]
    fallback = reverse("moderation:queue")
    if not ids:
        messages.error(request, "Select at least one item first.")
        return redirect(_next_url(request, fallback))
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_next_url(request, fallback))
    try:
        result = services.bulk_decide(
            actor=request.user,
            item_ids=ids,
            decision=form.cleaned_data["decision"],
            reason=form.reason_text,
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(_next_url(request, fallback))
    done = len(result["done"])
    messages.success(request, f"{DONE_LABELS[form.cleaned_data['decision']]}: {done} item(s).")
    for _item_id, why in result["skipped"]:
        messages.warning(request, why)
    return redirect(_next_url(request, fallback))


# --- posts ------------------------------------------------------------------------------------


def _post_forms(post: Post, review, bound: dict | None = None) -> dict:
    item_id = review.item.pk if review.item else None
    spaces = Space.objects.filter(pk__in=[s.pk for s in review.spaces])
    positions = [p.position for p in review.thread_posts]
    forms = {
        "approve": DecisionForm(decision="approve", initial={"item": item_id}),
        "hide": DecisionForm(decision="hide", initial={"item": item_id}),
        "delete": DecisionForm(decision="delete", initial={"item": item_id}),
        "member": MemberActionForm(initial={"item": item_id}),
        "thread": ThreadActionForm(
            spaces=spaces, positions=positions, initial={"space": post.thread.space_id}
        ),
    }
    forms.update(bound or {})
    return forms


def _render_review(request, post: Post, *, bound: dict | None = None, status: int = 200):
    review = selectors.post_review(post=post, viewer=request.user)
    return render(
        request,
        "moderation/post_review.html",
        {"review": review, "post": post, "forms": _post_forms(post, review, bound)},
        status=status,
    )


@login_required
@require_GET
def post_review(request, post_id):
    post = selectors.post_for_moderator(post_id=post_id, viewer=request.user)
    return _render_review(request, post)


@login_required
@require_POST
def post_decide(request, post_id, decision):
    post = selectors.post_for_moderator(post_id=post_id, viewer=request.user)
    if decision not in POST_DECISIONS:
        raise Http404("No such action.")
    form = DecisionForm(request.POST, decision=decision)
    fallback = reverse("moderation:post", args=[post.pk])
    if form.is_valid():
        kwargs = {"actor": request.user, "post": post, "reason": form.reason_text}
        kwargs["item_id"] = form.cleaned_data.get("item")
        if decision != "approve":
            kwargs["spam"] = form.is_spam
        try:
            POST_DECISIONS[decision](**kwargs)
        except AlreadyHandled as exc:
            return _done(request, message=exc.message, level="warning", fallback=fallback)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            message = f"{DONE_LABELS[decision]}: #{post.position} in “{post.thread.title}”."
            return _done(
                request,
                message=message,
                level="success",
                fallback=reverse("moderation:queue") if decision != "approve" else fallback,
            )
    if request.htmx:
        item = selectors.item_for_post(post.pk)
        if item is None:
            return _done(request, message=_first_error(form), level="error", fallback=fallback)
        return render(
            request,
            "moderation/_queue_item.html",
            {"item": item, "error": _first_error(form), "bound": form},
        )
    return _render_review(request, post, bound={decision: form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    post = selectors.post_for_moderator(post_id=post_id, viewer=request.user)
    if not permissions.can_moderate_posts(request.user) or post.is_deleted:
        raise Http404("No such post.")
    initial = {"body": post.body, "title": post.thread.title}
    form = ModeratorEditForm(request.POST or None, initial=initial, with_title=post.is_opening)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(
                actor=request.user,
                post=post,
                body=form.cleaned_data["body"],
                title=form.cleaned_data.get("title"),
                reason=form.cleaned_data["reason"],
            )
        except AlreadyHandled as exc:
            form.add_error(None, exc.message)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "The post is edited; its earlier text is in its history.")
            return redirect("moderation:post", post_id=post.pk)
    status = 400 if form.is_bound else 200
    return render(request, "moderation/post_edit.html", {"form": form, "post": post}, status=status)


# --- threads ----------------------------------------------------------------------------------


def _thread_from_reference(reference: str, viewer) -> Thread:
    match = _THREAD_REF_RE.search((reference or "").strip())
    thread = None
    if match:
        thread = Thread.objects.visible_to(viewer).filter(pk=int(match.group(1))).first()
    if thread is None:
        raise ValidationError({"target": "No such thread: paste its address or its number."})
    return thread


@login_required
@require_POST
def thread_act(request, thread_id, action):
    permissions.check_review(request.user)
    thread = Thread.objects.select_related("space").filter(pk=thread_id).first()
    if thread is None or action not in ("lock", "unlock", "move", "merge", "split"):
        raise Http404("No such thread.")
    opening = Post.objects.filter(thread=thread, position=1).first()
    back = reverse("moderation:post", args=[opening.pk]) if opening else reverse("moderation:queue")
    positions = list(
        Post.objects.filter(thread=thread, position__gt=1, is_deleted=False).values_list(
            "position", flat=True
        )
    )
    form = ThreadActionForm(
        request.POST, spaces=Space.objects.visible_to(request.user), positions=positions
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action in ("lock", "unlock"):
                services.thread_lock(
                    actor=request.user,
                    thread=thread,
                    locked=action == "lock",
                    reason=data["reason"],
                )
            elif action == "move":
                if data["space"] is None:
                    raise ValidationError({"space": "Choose the space to move the thread to."})
                services.thread_move(
                    actor=request.user, thread=thread, space=data["space"], reason=data["reason"]
                )
            elif action == "merge":
                target = _thread_from_reference(data["target"], request.user)
                services.thread_merge(
                    actor=request.user, source=thread, target=target, reason=data["reason"]
                )
                back = target.get_absolute_url()
            else:
                services.thread_split(
                    actor=request.user,
                    thread=thread,
                    positions=data["positions"],
                    title=data["title"],
                    reason=data["reason"],
                    space=data["space"],
                )
        except AlreadyHandled as exc:
            return _done(request, message=exc.message, level="warning", fallback=back)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, message=DONE_LABELS[action] + ".", level="success", fallback=back)
    if opening is None:
        messages.error(request, _first_error(form))
        return redirect("moderation:queue")
    return _render_review(request, opening, bound={"thread": form}, status=400)


# --- members ----------------------------------------------------------------------------------

MEMBER_ACTIONS = {
    "warn": lambda actor, user, data: services.user_warn(
        actor=actor, user=user, reason=data["reason"]
    ),
    "suspend": lambda actor, user, data: services.user_suspend(
        actor=actor, user=user, days=data["days"] or 7, reason=data["reason"], item_id=data["item"]
    ),
    "ban": lambda actor, user, data: services.user_ban(
        actor=actor, user=user, reason=data["reason"], item_id=data["item"]
    ),
    "lift": lambda actor, user, data: services.user_lift(
        actor=actor, user=user, reason=data["reason"]
    ),
    "delete_spammer": lambda actor, user, data: services.spammer_delete(
        actor=actor, user=user, reason=data["reason"], item_id=data["item"]
    ),
    "profile_approve": lambda actor, user, data: services.profile_approve(
        actor=actor, user=user, reason=data["reason"], item_id=data["item"]
    ),
    "profile_clear": lambda actor, user, data: services.profile_clear(
        actor=actor, user=user, reason=data["reason"], item_id=data["item"]
    ),
}


@login_required
@require_GET
def user_review(request, username):
    review = selectors.user_review(username=username, viewer=request.user)
    item_id = review.item.pk if review.item else None
    return render(
        request,
        "moderation/user_review.html",
        {"review": review, "form": MemberActionForm(initial={"item": item_id})},
    )


@login_required
@require_POST
def user_act(request, username, action):
    review = selectors.user_review(username=username, viewer=request.user)
    if action not in MEMBER_ACTIONS:
        raise Http404("No such action.")
    person = review.person
    form = MemberActionForm(request.POST)
    fallback = reverse("moderation:user", args=[person.username])
    if form.is_valid():
        data = {**form.cleaned_data, "reason": form.reason_text}
        if action == "profile_approve" and form.cleaned_data["reason"] in REMOVE_LABELS:
            # A queue card's shared menu holds removal reasons; approving ignores them.
            note = form.cleaned_data.get("note", "").strip()
            data["reason"] = ". ".join(p for p in ("Looks fine", note) if p)
        try:
            MEMBER_ACTIONS[action](request.user, person, data)
        except AlreadyHandled as exc:
            return _done(request, message=exc.message, level="warning", fallback=fallback)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            name = person.username
            return _done(
                request,
                message=f"{DONE_LABELS[action]}: @{name}.",
                level="success",
                fallback=fallback,
            )
    if request.htmx:
        return _done(request, message=_first_error(form), level="error", fallback=fallback)
    return render(
        request,
        "moderation/user_review.html",
        {"review": review, "form": form, "failed": action},
        status=400,
    )


# --- the log ----------------------------------------------------------------------------------


@login_required
@require_GET
def log(request):
    page = selectors.log_page(viewer=request.user, params=request.GET)
    return render(request, "moderation/log.html", {"page": page})


# --- members' side: flags and their outcomes ---------------------------------------------------


def _post_to_flag(request, post_id: int) -> Post:
    """The post as this member may see it; a post deleted meanwhile is still found (its
    thread's space must be readable) so the member hears why there is nothing to flag."""
    post = (
        Post.objects.filter(pk=post_id, thread__space__in=Space.objects.visible_to(request.user))
        .select_related("thread", "thread__space", "author")
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    deleted = post.is_deleted or post.thread.is_deleted
    if not deleted and not Post.objects.visible_to(request.user).filter(pk=post.pk).exists():
        raise Http404("No such post.")
    return post


@login_required
@require_http_methods(["GET", "POST"])
def flag(request, post_id):
    post = _post_to_flag(request, post_id)
    refusal = permissions.flag_refusal(request.user, post)
    existing = Flag.objects.filter(post=post, reporter=request.user).first()
    form = FlagForm(request.POST or None)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            services.flag_create(
                reporter=request.user,
                post=post,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                "Thank you. A moderator will review the post; the outcome will appear under "
                "“Your flags”.",
            )
            return redirect(post.get_absolute_url())
    status = 400 if (form.is_bound and (refusal or form.errors)) else 200
    context = {"post": post, "form": form, "refusal": refusal, "existing": existing}
    return render(request, "moderation/flag_form.html", context, status=status)


@login_required
@require_GET
def yours(request):
    page = selectors.yours_page(viewer=request.user)
    return render(request, "moderation/yours.html", {"page": page})

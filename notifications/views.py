"""Thin views: the inbox, opening and marking notifications, watching, preferences, and the
one-click unsubscribe page that works without logging in."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import PreferencesForm, WatchForm
from .models import Channel
from .templatetags.notifications import watch_control_context
from .tokens import read_token


@login_required
@require_GET
def inbox(request):
    page = selectors.inbox_page(
        user=request.user, show=request.GET.get("show", "all"), page_number=request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "filters": selectors.INBOX_FILTERS, "page_obj": page.page},
    )


@login_required
@require_GET
def notification_open(request, notification_id):
    """Follow a notification to the post it is about, reading it on the way."""
    notification = selectors.notification_get_for_recipient(
        notification_id=notification_id, user=request.user
    )
    services.notification_open(user=request.user, notification=notification)
    target = selectors.notification_target_url(notification=notification)
    return redirect(target or "notifications:inbox")


def _back(request, fallback: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback


@login_required
@require_POST
def mark_read(request):
    """Mark one notification (``id``) or all of them read; ``read=0`` marks one unread."""
    read = request.POST.get("read", "1") != "0"
    raw_id = request.POST.get("id", "")
    if raw_id:
        if not raw_id.isdigit():
            messages.error(request, "That notification could not be found.")
            return redirect(_back(request, reverse("notifications:inbox")))
        notification = selectors.notification_get_for_recipient(
            notification_id=int(raw_id), user=request.user
        )
        services.notifications_mark_read(user=request.user, ids=[notification.pk], read=read)
        if request.htmx:
            item = selectors.inbox_item(notification_id=notification.pk, user=request.user)
            return render(request, "notifications/_item_response.html", {"item": item})
    else:
        count = services.notifications_mark_read(user=request.user)
        messages.success(
            request,
            f"Marked {count} notification{'s' if count != 1 else ''} as read."
            if count
            else "You were already all caught up.",
        )
    return redirect(_back(request, reverse("notifications:inbox")))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    page = selectors.settings_page(user=request.user)
    current = {row.kind: row.channel for row in page.rows}
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(user=request.user, channels=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:settings")
    status = 400 if form.is_bound else 200
    return render(
        request, "notifications/settings.html", {"page": page, "form": form}, status=status
    )


def _watch(request, *, kind: str, target, fallback_url: str):
    form = WatchForm(request.POST)
    if form.is_valid():
        try:
            services.subscription_set(
                user=request.user, level=form.cleaned_data["level"], **{kind: target}
            )
        except ValidationError as error:
            form.add_error("level", error.messages)
    if request.htmx:
        context = watch_control_context(request=request, user=request.user, **{kind: target})
        context["error"] = " ".join(form.errors.get("level", []))
        return render(
            request,
            "notifications/_watch_control.html",
            context,
            status=200 if form.is_valid() else 400,
        )
    if form.is_valid():
        messages.success(request, _watch_message(kind, form.cleaned_data["level"]))
    else:
        messages.error(request, " ".join(form.errors.get("level", ["Choose a level."])))
    return redirect(_back(request, fallback_url))


def _watch_message(kind: str, level: str) -> str:
    what = {"thread": "this thread", "space": "this space", "tag": "this tag"}[kind]
    return {
        "watch": f"You are watching {what}.",
        "track": f"You are tracking {what}.",
        "mute": f"You muted {what}.",
    }.get(level, f"You get the normal notifications for {what}.")


@login_required
@require_POST
def watch_thread(request, thread_id):
    thread = selectors.thread_for_watching(thread_id=thread_id, user=request.user)
    return _watch(request, kind="thread", target=thread, fallback_url=thread.get_absolute_url())


@login_required
@require_POST
def watch_space(request, slug):
    space = selectors.space_for_watching(slug=slug, user=request.user)
    return _watch(request, kind="space", target=space, fallback_url=space.get_absolute_url())


@login_required
@require_POST
def watch_tag(request, slug):
    tag = selectors.tag_for_watching(slug=slug, user=request.user)
    return _watch(
        request, kind="tag", target=tag, fallback_url=reverse("forums:tag", args=[tag.slug])
    )


def _is_one_click(request) -> bool:
    """RFC 8058: a mail client's POST carries ``List-Unsubscribe=One-Click`` in its body."""
    return request.POST.get("List-Unsubscribe") == "One-Click"


@csrf_exempt  # the signed token in the URL is the credential; mail clients send no cookies
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows what the link does; POST (one click from the mail client, or the button
    here) turns that e-mail off; the form below lets the member choose per kind instead."""
    scope = read_token(token)
    people = get_user_model().objects.filter(is_active=True)
    person = people.filter(pk=scope.user_id).first() if scope else None
    if person is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    kinds = selectors.scope_kinds(scope=scope, user=person)
    current = selectors.preferences_of(user=person)
    done = False
    form = PreferencesForm(current=current)
    status = 200
    if request.method == "POST":
        if _is_one_click(request) or request.POST.get("action") == "unsubscribe":
            services.unsubscribe(user=person, kinds=kinds)
            done = True
        elif request.POST.get("action") == "save":
            form = PreferencesForm(request.POST, current=current)
            if form.is_valid():
                services.preferences_save(user=person, channels=form.cleaned_data)
                messages.success(request, "Your e-mail settings are saved.")
                return redirect("notifications:unsubscribe", token=token)
            status = 400
        else:
            return render(request, "notifications/unsubscribe_invalid.html", status=400)
        current = selectors.preferences_of(user=person)
        if done:
            form = PreferencesForm(current=current)
    labels = selectors.kind_labels(kinds)
    return render(
        request,
        "notifications/unsubscribe.html",
        {
            "person": person,
            "token": token,
            "labels": labels,
            "done": done,
            "already_off": all(current[k] == Channel.NEVER for k in kinds),
            "form": form,
        },
        status=status,
    )

"""Member profiles and profile settings. Sign-up, log-in and the rest are allauth's views."""

import html
from dataclasses import dataclass
from datetime import datetime

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_safe

from forums import selectors as forum_selectors

from . import permissions, roles, services
from .forms import AccountDeleteForm, ProfileForm
from .models import User

ACTIVITY_LIMIT = 20
EXCERPT_LENGTH = 160

# Group name -> (label, pill modifier), in the order the pills are shown.
ROLE_PILLS = (
    (roles.ADMINS, "Admin", ""),
    (roles.STAFF, "Staff", "pill-official"),
    (roles.MODERATORS, "Moderator", ""),
)


@dataclass(frozen=True)
class RolePill:
    label: str
    modifier: str


@dataclass(frozen=True)
class ActivityItem:
    """One of a member's posts as the profile lists it: where it is, when, and how it starts."""

    title: str
    url: str
    created_at: datetime
    excerpt: str

    @classmethod
    def from_post(cls, post) -> "ActivityItem":
        # body_html is sanitised HTML; the excerpt is its plain text, entities decoded so that
        # "&lt;" reads as "<" once the template escapes it again.
        text = " ".join(html.unescape(strip_tags(post.body_html)).split())
        return cls(
            title=post.thread.title,
            url=post.get_absolute_url(),
            created_at=post.created_at,
            excerpt=Truncator(text).chars(EXCERPT_LENGTH),
        )


@require_safe
def profile(request, username):
    person = _active_person(username)
    if person.username != username:
        return redirect(person, permanent=True)
    context = {
        "person": person,
        "role_pills": [
            RolePill(label, modifier)
            for group, label, modifier in ROLE_PILLS
            if group in person.role_names
        ],
        "activity": _recent_activity(person=person, viewer=request.user),
        "is_self": request.user.is_authenticated and request.user.pk == person.pk,
        "messaging": _messaging_actions(person=person, viewer=request.user),
    }
    return render(request, "accounts/profile.html", context)


def _messaging_actions(*, person: User, viewer) -> dict | None:
    """Message and block buttons for a signed-in visitor of someone else's profile."""
    if not viewer.is_authenticated or viewer.pk == person.pk:
        return None
    from forums import messaging, permissions

    # "Message" is offered to every member; the form explains if they cannot send yet.
    return {
        "show": True,
        "can_message": True,
        "can_block": permissions.can_block(viewer, person),
        "is_blocked": messaging.block_state(viewer=viewer, person=person),
    }


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            services.profile_update(
                user=user,
                display_name=form.cleaned_data["display_name"],
                bio=form.cleaned_data["bio"],
                avatar_file=form.cleaned_data["avatar"],
                remove_avatar=form.cleaned_data["remove_avatar"],
            )
            messages.success(request, "Your profile is saved.")
            return redirect(user)
    else:
        form = ProfileForm(initial={"display_name": user.display_name, "bio": user.bio})
    return render(request, "accounts/profile_edit.html", {"form": form, "person": user})


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """Delete one's own account after the password and the username typed out.

    A mistake shows the form again (HTTP 200) with the username as typed; the password is
    never sent back. Password tries count against allauth's "reauthenticate" rate limit.
    """
    user = request.user
    refusal = permissions.account_delete_refusal(user, user)
    form = None
    if not refusal:
        limited = request.method == "POST" and not ratelimit.consume(
            request, action="reauthenticate", user=user
        )
        form = AccountDeleteForm(request.POST or None, user=user, limited=limited)
        if request.method == "POST" and form.is_valid():
            try:
                services.account_delete(user=user, actor=user)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                logout(request)
                messages.success(
                    request,
                    "Your account is deleted. Your posts stay in the community under "
                    "“Former member”; everything else that was yours is gone.",
                )
                return redirect("home")
    context = {"form": form, "refusal": refusal, "person": user}
    status = 429 if form is not None and form.has_error("password", "rate_limited") else 200
    return render(request, "accounts/delete.html", context, status=status)


def _active_person(username: str) -> User:
    """The active member with this username; the exact spelling first, then any casing.

    Inactive and unknown members both answer 404: a closed account looks like no account.
    """
    people = User.objects.filter(is_active=True)
    person = people.filter(username=username).first()
    if person is None:
        person = people.filter(username__iexact=username).order_by("pk").first()
    if person is None:
        raise Http404("No such member.")
    return person


def _recent_activity(*, person: User, viewer) -> list[ActivityItem]:
    """The person's latest posts that ``viewer`` may read, from the forums' one door."""
    user_activity = getattr(forum_selectors, "user_activity", None)
    if user_activity is None:
        return []
    posts = user_activity(person=person, viewer=viewer, limit=ACTIVITY_LIMIT)
    return [ActivityItem.from_post(post) for post in posts]

"""Thin views: parse, gate, call one service or selector, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import pagecache

from . import groups, messaging, orgs, permissions, selectors, services
from .forms import PostEditForm, ReplyForm, SpaceForm, ThreadForm
from .models import Post, Space, Thread
from .rendering import quote_markdown, render_preview
from .search.deflections import deflection_record


def _apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, next to the field it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_GET
def space_detail(request, slug):
    return pagecache.serve(request, ["global", "spaces"], lambda: _space_detail(request, slug))


def _space_detail(request, slug):
    try:
        space = selectors.space_get_for_viewer(slug=slug, viewer=request.user)
    except Http404:
        # A members-only group is listed in the directory: its page says how to get in.
        groups.group_get_for_about(slug=slug, viewer=request.user)
        return redirect("forums:group", slug=slug)
    page = selectors.space_page(space=space, viewer=request.user, params=request.GET)
    template = "forums/_thread_list.html" if request.htmx else "forums/space.html"
    context = {"page": page, "space": space, "listing": page.listing}
    if not request.htmx:
        context["panel"] = groups.space_panel(space=space, viewer=request.user)
    return render(request, template, context)


@require_GET
def tag_detail(request, slug):
    def build():
        page = selectors.tag_page(slug=slug, viewer=request.user, params=request.GET)
        return render(request, "forums/tag.html", {"page": page, "listing": page.listing})

    return pagecache.serve(request, ["global", "spaces"], build)


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request, slug):
    space = selectors.space_get_for_viewer(slug=slug, viewer=request.user)
    permissions.check(
        permissions.can_start_thread(request.user, space),
        permissions.reply_refusal(request.user, Thread(space=space))
        if not permissions.can_post(request.user)
        else "You cannot start a thread in this space.",
    )
    kinds = permissions.allowed_thread_kinds(request.user, space)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in kinds else {}
    form = ThreadForm(request.POST or None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.thread_create(
                author=request.user,
                space=space,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                client_token=data["client_token"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(thread)
    status = 400 if form.is_bound else 200
    return render(request, "forums/thread_form.html", {"form": form, "space": space}, status=status)


def _render_thread(request, page, reply_form=None, status=200):
    if reply_form is None and page.can_reply:
        reply_form = ReplyForm(initial=_reply_initial(request, page))
    thread = page.thread
    context = {"page": page, "thread": thread, "space": thread.space, "reply_form": reply_form}
    return render(request, "forums/thread.html", context, status=status)


def _reply_initial(request, page) -> dict:
    """Pre-fill the composer when the reader clicked Reply or Quote on a post."""
    initial = {}
    position = request.GET.get("reply_to") or request.GET.get("quote")
    if position and position.isdigit():
        target = (
            Post.objects.in_visible_thread(request.user, page.thread)
            .filter(position=int(position))
            .select_related("author")
            .first()
        )
        if target is not None:
            initial["reply_to"] = target.position
            if request.GET.get("quote"):
                initial["body"] = quote_markdown(
                    author_username=target.author.username,
                    post_url=page.thread.get_post_url(target.position),
                    post_id=target.pk,
                    body=target.body,
                )
    return initial


@require_GET
def thread_detail(request, slug, thread_id):
    services.thread_record_view(thread_id=thread_id)
    return pagecache.serve(
        request,
        [f"thread:{thread_id}", "spaces"],
        lambda: _thread_detail(request, slug, thread_id),
    )


def _thread_detail(request, slug, thread_id):
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    if thread.kind == Thread.Kind.MESSAGE:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(reverse("forums:conversation", args=[thread.pk]) + query)
    if slug != thread.slug:
        return redirect(thread, permanent=True)
    if request.GET.get("from") == "ask":
        # Opened from the composer's similar-question suggestions: note it, then show the
        # thread at its own clean address.
        deflection_record(
            viewer=request.user,
            thread=thread,
            query=request.GET.get("q", ""),
            session_key=request.session.session_key or "",
        )
        return redirect(thread)
    try:
        page_number = int(request.GET.get("page", 1))
    except ValueError:
        page_number = 1
    page = selectors.thread_page(thread=thread, viewer=request.user, page=page_number)
    if request.user.is_authenticated:
        last_on_page = min(page.page_number * settings.STOA_THREAD_PAGE_SIZE, thread.last_position)
        services.read_state_mark(
            user=request.user, thread=thread, position=last_on_page, known=page.viewer_last_read
        )
    return _render_thread(request, page)


@require_GET
def post_permalink(request, slug, thread_id, position):
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    page = selectors.page_for_position(position)
    base = (
        reverse("forums:conversation", args=[thread.pk])
        if thread.kind == Thread.Kind.MESSAGE
        else thread.get_absolute_url()
    )
    url = base + (f"?page={page}" if page > 1 else "")
    return redirect(f"{url}#post-{position}")


@login_required
@require_POST
def reply_create(request, thread_id):
    thread = selectors.thread_get_for_viewer(
        thread_id=thread_id, viewer=request.user, with_tags=False
    )
    form = ReplyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        reply_to = None
        if data.get("reply_to"):
            reply_to = (
                Post.objects.in_visible_thread(request.user, thread)
                .filter(position=data["reply_to"])
                .first()
            )
        try:
            post = services.reply_create(
                author=request.user,
                thread=thread,
                body=data["body"],
                reply_to=reply_to,
                official=data.get("official", False),
                client_token=data["client_token"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if post.state == Post.State.PENDING:
                messages.info(
                    request, "Thanks! Your reply will appear once a moderator approves it."
                )
            return redirect(post.get_absolute_url())
    last_page = selectors.page_for_position(max(thread.last_position, 1))
    page = selectors.thread_page(thread=thread, viewer=request.user, page=last_page)
    return _render_thread(request, page, reply_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    post = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    permissions.check(permissions.can_edit_post(request.user, post), "You cannot edit this post.")
    initial = {"body": post.body, "title": post.thread.title}
    form = PostEditForm(request.POST or None, initial=initial, with_title=post.is_opening)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(
                editor=request.user,
                post=post,
                body=form.cleaned_data["body"],
                title=form.cleaned_data.get("title"),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect(post.get_absolute_url())
    status = 400 if form.is_bound else 200
    return render(request, "forums/post_edit.html", {"form": form, "post": post}, status=status)


@require_GET
def post_history(request, post_id):
    post = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    history = selectors.post_revisions(post=post)
    return render(request, "forums/post_history.html", {"post": post, "history": history})


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request, post_id):
    post = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    permissions.check(
        permissions.can_delete_post(request.user, post),
        "A question that has replies can no longer be deleted by its author.",
    )
    if request.method == "POST":
        services.post_delete(actor=request.user, post=post)
        if post.is_opening:
            messages.success(request, "The thread was deleted.")
            return redirect(post.thread.space or "home")
        messages.success(request, "The post was deleted.")
        return redirect(post.thread)
    return render(request, "forums/post_delete.html", {"post": post})


@login_required
@require_POST
def post_react(request, post_id, kind):
    post = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    try:
        services.reaction_toggle(user=request.user, post=post, kind=kind)
    except ValidationError:
        return HttpResponse("Unknown reaction.", status=400)
    if request.htmx:
        post = selectors.post_for_reactions(post_id=post.pk, viewer=request.user)
        return render(request, "forums/_reactions.html", {"post": post})
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def post_accept(request, post_id):
    post = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    services.answer_accept(actor=request.user, post=post)
    messages.success(request, "Marked as the accepted answer. Thanks for closing the loop!")
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def thread_unaccept(request, thread_id):
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    services.answer_unaccept(actor=request.user, thread=thread)
    messages.success(request, "The question is open again.")
    return redirect(thread)


@login_required
@require_POST
def post_official(request, post_id):
    post = selectors.post_get_for_viewer(post_id=post_id, viewer=request.user)
    official = request.POST.get("official") != "0"
    services.post_mark_official(actor=request.user, post=post, official=official)
    messages.success(
        request, "Marked as an official answer." if official else "No longer official."
    )
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def thread_moderate(request, thread_id):
    thread = selectors.thread_get_for_viewer(thread_id=thread_id, viewer=request.user)
    flags = {}
    for name in ("pinned", "locked"):
        if name in request.POST:
            flags[name] = request.POST[name] == "1"
    services.thread_moderate(actor=request.user, thread=thread, **flags)
    return redirect(thread)


@require_POST
def preview(request):
    """Live preview of the composer (htmx): the same renderer that stores posts."""
    body = request.POST.get("body", "")[:60_000]
    return render(
        request, "forums/_preview.html", {"html": render_preview(body) if body.strip() else ""}
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_edit(request, slug=None):
    permissions.check(permissions.can_manage_spaces(request.user), "Only staff manage spaces.")
    space = selectors.space_get_for_viewer(slug=slug, viewer=request.user) if slug else Space()
    form = SpaceForm(request.POST or None, instance=space)
    if request.method == "POST" and form.is_valid():
        space = form.save(commit=False)
        try:
            services.space_save(actor=request.user, space=space)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            form.save_m2m()
            messages.success(request, f"“{space.name}” is saved.")
            return redirect(space)
    status = 400 if form.is_bound else 200
    return render(request, "forums/space_form.html", {"form": form, "space": space}, status=status)


# --- member groups, invite-only spaces and their invitations (forums/groups.py) ------------


def _flash_error(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_GET
def group_directory(request):
    directory = groups.group_directory(viewer=request.user, params=request.GET)
    return render(request, "forums/groups/directory.html", {"directory": directory})


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request):
    can_start = permissions.can_start_group(request.user)
    form = groups.GroupForm(request.POST or None)
    if request.method == "POST" and can_start and form.is_valid():
        try:
            group = groups.group_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, f"“{group.name}” is ready. Invite people, or start the first thread."
            )
            return redirect("forums:group", slug=group.slug)
    context = {
        "form": form,
        "can_start": can_start,
        "refusal": permissions.group_start_refusal(request.user),
    }
    status = 403 if not can_start else (400 if form.is_bound else 200)
    return render(request, "forums/groups/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request, slug):
    group = groups.group_get_for_about(slug=slug, viewer=request.user)
    permissions.check(
        permissions.can_edit_group(request.user, group), "Only the group's owner can change it."
    )
    initial = {
        "name": group.name,
        "description": group.description,
        "icon": group.icon,
        "visibility": group.visibility,
    }
    form = groups.GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            groups.group_update(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "The group is saved.")
            return redirect("forums:group", slug=group.slug)
    status = 400 if form.is_bound else 200
    context = {"form": form, "group": group, "can_start": True}
    return render(request, "forums/groups/form.html", context, status=status)


@require_GET
def group_detail(request, slug):
    group = groups.group_get_for_about(slug=slug, viewer=request.user)
    page = groups.group_page(group=group, viewer=request.user)
    return render(request, "forums/groups/detail.html", {"page": page, "group": group})


@login_required
@require_POST
def space_join(request, slug):
    """One click into a public group; a request (with an optional note) for a members-only
    one. Asking twice, or joining a group one is in, is answered with a message."""
    group = groups.group_get_for_about(slug=slug, viewer=request.user)
    if group.visibility != Space.Visibility.MEMBERS:
        try:
            groups.space_join(user=request.user, space=group)
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
        else:
            messages.success(request, f"Welcome to “{group.name}”.")
        return redirect(group)
    form = groups.JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            groups.join_request_create(
                user=request.user, space=group, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.info(request, " ".join(error.messages))
                return redirect("forums:group", slug=group.slug)
            _apply_errors(form, error)
        else:
            messages.success(
                request, "Your request is on its way. You are in as soon as the owner approves."
            )
            return redirect("forums:group", slug=group.slug)
    page = groups.group_page(group=group, viewer=request.user)
    page.join_form = form
    return render(request, "forums/groups/detail.html", {"page": page, "group": group}, status=400)


@login_required
@require_POST
def space_leave(request, slug):
    space = selectors.space_get_for_viewer(slug=slug, viewer=request.user)
    try:
        groups.space_leave(user=request.user, space=space)
    except ValidationError as error:
        _flash_error(request, error)
        return redirect(space)
    messages.success(request, f"You left “{space.name}”.")
    if space.kind == Space.Kind.GROUP and space.visibility == Space.Visibility.PUBLIC:
        return redirect(space)
    return redirect("forums:groups" if space.kind == Space.Kind.GROUP else "home")


def _members_space(request, slug) -> Space:
    space = selectors.space_get_for_viewer(slug=slug, viewer=request.user)
    if groups.space_panel(space=space, viewer=request.user) is None:
        raise Http404("This space has no member list.")
    return space


def _render_members(request, space, *, invite_form=None, status=200):
    page = groups.members_page(
        space=space, viewer=request.user, params=request.GET, invite_form=invite_form
    )
    return render(
        request, "forums/groups/members.html", {"page": page, "space": space}, status=status
    )


@require_GET
def space_members(request, slug):
    return _render_members(request, _members_space(request, slug))


@login_required
@require_POST
def space_invite(request, slug):
    space = _members_space(request, slug)
    permissions.check(
        permissions.can_manage_members(request.user, space), "You cannot invite people here."
    )
    form = groups.InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = groups.invitation_create(
                actor=request.user, space=space, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            who = invitation.user.username if invitation.user else invitation.email
            messages.success(
                request,
                f"Invitation ready for {who}. Send them the link below; "
                + ("they also see it on their home page." if invitation.user else ""),
            )
            return redirect("forums:space_members", slug=space.slug)
    return _render_members(request, space, invite_form=form, status=400)


@login_required
@require_POST
def space_invitation_revoke(request, slug, invitation_id):
    space = _members_space(request, slug)
    invitation = groups.invitation_get(space=space, invitation_id=invitation_id)
    try:
        groups.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, "The invitation is withdrawn; its link no longer works.")
    return redirect("forums:space_members", slug=space.slug)


@login_required
@require_POST
def join_request_decide(request, slug, request_id):
    space = _members_space(request, slug)
    join_request = groups.join_request_get(space=space, request_id=request_id)
    approve = request.POST.get("decision") == "approve"
    try:
        join_request = groups.join_request_decide(
            actor=request.user, join_request=join_request, approve=approve
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        verb = "is now a member" if approve else "was not let in"
        messages.success(request, f"{join_request.user.username} {verb}.")
    return redirect("forums:space_members", slug=space.slug)


@login_required
@require_POST
def member_remove(request, slug, user_id):
    space = _members_space(request, slug)
    person = get_object_or_404(get_user_model(), pk=user_id)
    try:
        groups.member_remove(actor=request.user, space=space, user=person)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, f"{person.username} is no longer a member.")
    return redirect("forums:space_members", slug=space.slug)


@login_required
@require_POST
def member_role(request, slug, user_id):
    space = _members_space(request, slug)
    person = get_object_or_404(get_user_model(), pk=user_id)
    try:
        membership = groups.member_set_role(
            actor=request.user, space=space, user=person, role=request.POST.get("role", "")
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, f"{person.username} is now a {membership.get_role_display()}.")
    return redirect("forums:space_members", slug=space.slug)


@login_required
@require_POST
def group_feature(request, slug):
    group = groups.group_get_for_about(slug=slug, viewer=request.user)
    featured = request.POST.get("featured") == "1"
    groups.group_set_featured(actor=request.user, group=group, featured=featured)
    messages.success(request, "Featured in the directory." if featured else "No longer featured.")
    return redirect("forums:group", slug=group.slug)


@login_required
@require_POST
def group_archive(request, slug):
    group = groups.group_get_for_about(slug=slug, viewer=request.user)
    archived = request.POST.get("archived") == "1"
    groups.group_set_archived(actor=request.user, group=group, archived=archived)
    messages.success(
        request,
        "The group is archived: readable, but closed to new posts and members."
        if archived
        else "The group is open again.",
    )
    return redirect("forums:group", slug=group.slug)


INVITATION_STATUS_CODES = {"unknown": 404, "expired": 410, "revoked": 410, "used": 410}


@require_http_methods(["GET", "POST"])
def invitation_detail(request, token):
    """/invite/<token>/: accept an invitation into a group or an invite-only space."""
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = groups.invitation_accept(user=request.user, token=token)
        except ValidationError as error:
            view = groups.invitation_view(token=token, viewer=request.user)
            if view.status == "member":
                messages.info(request, " ".join(error.messages))
                return redirect(view.invitation.space)
            context = {"view": view, "token": token, "error": " ".join(error.messages)}
            status = INVITATION_STATUS_CODES.get(view.status, 400)
            return render(request, "forums/groups/invitation.html", context, status=status)
        messages.success(request, f"Welcome to “{membership.space.name}”.")
        return redirect(membership.space)
    view = groups.invitation_view(token=token, viewer=request.user)
    status = INVITATION_STATUS_CODES.get(view.status, 200)
    return render(
        request, "forums/groups/invitation.html", {"view": view, "token": token}, status=status
    )


@login_required
@require_POST
def invitation_decline(request, invitation_id):
    try:
        groups.invitation_decline(user=request.user, invitation_id=invitation_id)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, "Invitation declined.")
    return redirect("home")


# --- private messages (forums/messaging.py) ------------------------------------------------


@login_required
@require_GET
def conversation_list(request):
    listing = messaging.conversation_list(viewer=request.user, params=request.GET)
    return render(request, "forums/messages/list.html", {"listing": listing})


@login_required
@require_http_methods(["GET", "POST"])
def conversation_create(request):
    initial = {"to": request.GET.get("to", "")[:1000]}
    form = messaging.ConversationForm(request.POST or None, initial=initial)
    can_start = permissions.can_message(request.user)
    if request.method == "POST" and can_start and form.is_valid():
        try:
            thread = messaging.conversation_start(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("forums:conversation", thread_id=thread.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "can_start": can_start, "refusal": _message_refusal(request.user)}
    return render(request, "forums/messages/new.html", context, status=status)


def _message_refusal(user) -> str:
    if not permissions.has_verified_email(user):
        return "Verify your e-mail address before sending messages."
    return permissions.suspension_notice(user) or "You cannot send messages."


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", 1))
    except ValueError:
        return 1


def _render_conversation(request, conversation, *, form=None, status=200):
    if form is None and conversation.can_write:
        form = messaging.MessageForm(initial=_reply_initial(request, conversation.page))
    context = {
        "conversation": conversation,
        "page": conversation.page,
        "thread": conversation.thread,
        "form": form,
    }
    return render(request, "forums/messages/conversation.html", context, status=status)


@login_required
@require_GET
def conversation_detail(request, thread_id):
    thread = messaging.conversation_get_for_viewer(thread_id=thread_id, viewer=request.user)
    conversation = messaging.conversation_page(
        thread=thread, viewer=request.user, page=_page_number(request)
    )
    if conversation.is_participant:
        page = conversation.page
        last_on_page = min(page.page_number * settings.STOA_THREAD_PAGE_SIZE, thread.last_position)
        services.read_state_mark(
            user=request.user, thread=thread, position=last_on_page, known=page.viewer_last_read
        )
    return _render_conversation(request, conversation)


@login_required
@require_POST
def conversation_send(request, thread_id):
    thread = messaging.conversation_get_for_viewer(thread_id=thread_id, viewer=request.user)
    form = messaging.MessageForm(request.POST)
    if form.is_valid():
        try:
            post = messaging.message_send(author=request.user, thread=thread, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if post.state == Post.State.PENDING:
                messages.info(request, "Your message will be delivered once a moderator checks it.")
            page = selectors.page_for_position(post.position)
            url = reverse("forums:conversation", kwargs={"thread_id": thread.pk})
            return redirect(f"{url}{f'?page={page}' if page > 1 else ''}#post-{post.position}")
    last_page = selectors.page_for_position(max(thread.last_position, 1))
    conversation = messaging.conversation_page(thread=thread, viewer=request.user, page=last_page)
    return _render_conversation(request, conversation, form=form, status=400)


@login_required
@require_POST
def conversation_add(request, thread_id):
    thread = messaging.conversation_get_for_viewer(thread_id=thread_id, viewer=request.user)
    form = messaging.ParticipantForm(request.POST)
    if form.is_valid():
        try:
            participant = messaging.participant_add(
                actor=request.user, thread=thread, username=form.cleaned_data["username"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{participant.user.username} joined the conversation.")
            return redirect("forums:conversation", thread_id=thread.pk)
    conversation = messaging.conversation_page(
        thread=thread, viewer=request.user, page=_page_number(request), add_form=form
    )
    return _render_conversation(request, conversation, status=400)


@login_required
@require_POST
def conversation_leave(request, thread_id):
    try:
        messaging.conversation_leave(user=request.user, thread_id=thread_id)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, "You left the conversation.")
    return redirect("forums:messages")


@login_required
@require_GET
def people_suggest(request):
    """Options for the participant picker's datalist (htmx)."""
    field = request.GET.get("field", "q")
    names = messaging.people_suggest(viewer=request.user, text=request.GET.get(field, ""))
    return render(request, "forums/messages/_people.html", {"names": names})


@login_required
@require_GET
def blocked_list(request):
    blocks = messaging.blocked_people(viewer=request.user)
    return render(request, "forums/messages/blocked.html", {"blocks": blocks})


def _person(username):
    return get_object_or_404(get_user_model(), username=username, is_active=True)


def _back(request, fallback):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def user_block(request, username):
    person = _person(username)
    try:
        messaging.user_block(blocker=request.user, blocked=person)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            f"You blocked {person.username}: they can no longer send you messages.",
        )
    return _back(request, person)


@login_required
@require_POST
def user_unblock(request, username):
    person = _person(username)
    try:
        messaging.user_unblock(blocker=request.user, blocked=person)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, f"You unblocked {person.username}.")
    return _back(request, person)


# --- organizations (forums/orgs.py) ---------------------------------------------------------


def _render_organization(request, organization, *, invite_form=None, status=200):
    page = orgs.organization_page(
        organization=organization, viewer=request.user, params=request.GET, invite_form=invite_form
    )
    return render(request, "forums/org/detail.html", {"page": page}, status=status)


@login_required
@require_GET
def organization_detail(request, slug):
    organization = orgs.organization_get_for_admin(slug=slug, viewer=request.user)
    return _render_organization(request, organization)


@login_required
@require_POST
def organization_invite(request, slug):
    organization = orgs.organization_get_for_admin(slug=slug, viewer=request.user)
    form = orgs.OrganizationInvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = orgs.organization_invite(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Invitation ready for {invitation.email}.")
            return redirect("forums:organization", slug=organization.slug)
    return _render_organization(request, organization, invite_form=form, status=400)


@login_required
@require_POST
def organization_invitation_revoke(request, slug, invitation_id):
    organization = orgs.organization_get_for_admin(slug=slug, viewer=request.user)
    invitation = orgs.invitation_get(organization=organization, invitation_id=invitation_id)
    try:
        orgs.organization_invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, "The invitation is withdrawn; its link no longer works.")
    return redirect("forums:organization", slug=organization.slug)


@login_required
@require_POST
def organization_member_remove(request, slug, membership_id):
    organization = orgs.organization_get_for_admin(slug=slug, viewer=request.user)
    membership = orgs.membership_get(organization=organization, membership_id=membership_id)
    try:
        orgs.organization_member_remove(actor=request.user, membership=membership)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, f"{membership.user.username} is no longer a member.")
    return redirect("forums:organization", slug=organization.slug)


@login_required
@require_POST
def organization_member_role(request, slug, membership_id):
    organization = orgs.organization_get_for_admin(slug=slug, viewer=request.user)
    membership = orgs.membership_get(organization=organization, membership_id=membership_id)
    try:
        membership = orgs.organization_member_set_role(
            actor=request.user, membership=membership, role=request.POST.get("role", "")
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(
            request, f"{membership.user.username} is now {membership.get_role_display().lower()}."
        )
    return redirect("forums:organization", slug=organization.slug)


@require_http_methods(["GET", "POST"])
def organization_invitation_detail(request, token):
    """/invite/org/<token>/: join an organization by invitation."""
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = orgs.organization_invitation_accept(user=request.user, token=token)
        except ValidationError as error:
            view = orgs.organization_invitation_view(token=token, viewer=request.user)
            context = {"view": view, "token": token, "error": " ".join(error.messages)}
            status = INVITATION_STATUS_CODES.get(view.status, 400)
            return render(request, "forums/org/invitation.html", context, status=status)
        messages.success(request, f"Welcome to {membership.organization.name}.")
        return redirect("home")
    view = orgs.organization_invitation_view(token=token, viewer=request.user)
    status = INVITATION_STATUS_CODES.get(view.status, 200)
    return render(
        request, "forums/org/invitation.html", {"view": view, "token": token}, status=status
    )

"""Member groups and private spaces: who belongs, how they get in, and who decides.

- A **member group** is a Space of kind ``group`` that a trusted member starts (trust level
  ``STOA_GROUP_MIN_TRUST`` or more; staff always) and owns. A *public* group is read by
  everyone and joined with one click. A *members-only* group is listed in the directory
  (name, description, owner and size, so people can ask to join), while its threads, posts
  and member list stay with its members; the owner and the moderators they appoint approve
  join requests, invite people and remove members. Staff feature and archive groups.
- An **invite-only space** (a co-creation panel: a vendor forum with visibility ``invite``)
  is never listed. Staff invite members with expiring links; an invited member sees the
  invitation on their home page and the space once they accept; everybody else gets a 404.
- **Invitations** are bound to a member (by username) or to an e-mail address, which the
  person accepting must have verified. Links expire (``INVITATION_DAYS``), can be revoked
  and work once.

Forms, services (every write, each one transaction, checking ``permissions`` itself) and
selectors (page objects with a fixed number of queries) for all of that. Readers never
reach a space except through ``Space.objects.visible_to`` or, for the directory,
``discoverable_to``.
"""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from community.outbox import emit

from . import permissions
from .models import JoinRequest, Space, SpaceInvitation, SpaceMembership, Thread
from .permissions import check

Role = SpaceMembership.Role

NAME_MIN, NAME_MAX = 3, 80
DESCRIPTION_MAX = 500
INVITATION_DAYS = (1, 3, 7, 14, 30)
DEFAULT_INVITATION_DAYS = 14
MEMBERS_PAGE_SIZE = 50
MEMBER_PREVIEW = 12
RESERVED_SLUGS = frozenset({"new"})
GROUP_COLOURS = ("#0e7490", "#7c3aed", "#c2410c", "#15803d", "#be185d", "#1d4ed8", "#a16207")


# --- forms ---------------------------------------------------------------------------------


class GroupForm(forms.Form):
    name = forms.CharField(
        label="Group name",
        max_length=NAME_MAX,
        error_messages={"required": "Give the group a name."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "e.g. Retail analysts"}
        ),
    )
    description = forms.CharField(
        label="What is it about?",
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences; shown in the group directory.",
    )
    icon = forms.CharField(
        label="Icon",
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "👥", "class": "input-icon"}),
        help_text="An emoji.",
    )
    visibility = forms.ChoiceField(
        label="Who can read it?",
        widget=forms.RadioSelect,
        choices=[
            (Space.Visibility.PUBLIC, "Everyone: anyone can read, members join with one click"),
            (Space.Visibility.MEMBERS, "Members only: people ask to join, you approve"),
        ],
        initial=Space.Visibility.PUBLIC,
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label="A note for the group's owner",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InvitationForm(forms.Form):
    who = forms.CharField(
        label="Username or e-mail address",
        max_length=254,
        error_messages={"required": "Type the username or e-mail address of the person."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "carol or carol@acme.example"}
        ),
    )
    days = forms.TypedChoiceField(
        label="Link valid for",
        coerce=int,
        choices=[(d, f"{d} day{'s' if d != 1 else ''}") for d in INVITATION_DAYS],
        initial=DEFAULT_INVITATION_DAYS,
    )


# --- services: groups ----------------------------------------------------------------------


def _clean_group_name(name: str, *, viewer, exclude: Space | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the group a name."})
    if len(name) < NAME_MIN:
        raise ValidationError({"name": f"Use at least {NAME_MIN} characters for the name."})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": f"Keep the name under {NAME_MAX} characters (it has {len(name)})."}
        )
    # Only names this person can already see count as taken: the name of a space hidden
    # from them must not be revealed by a refusal.
    taken = Space.objects.discoverable_to(viewer).filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError(
            {"name": f"There is already a space called “{name}”. Choose another name."}
        )
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(
            {
                "description": f"Keep the description under {DESCRIPTION_MAX} characters "
                f"(it has {len(description)})."
            }
        )
    return description


def _clean_visibility(visibility: str) -> str:
    if visibility not in (Space.Visibility.PUBLIC, Space.Visibility.MEMBERS):
        raise ValidationError({"visibility": "Choose who can read the group."})
    return visibility


def _free_slug(name: str) -> str:
    """A slug for a new group. When the plain one is taken, a random suffix (not a counter,
    which would hint at how many hidden spaces share the name) keeps it unique."""
    base = slugify(name)[:50].strip("-") or "group"
    if base in RESERVED_SLUGS:
        base = f"{base}-group"
    slug = base
    while Space.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def group_create(
    *, owner, name: str, description: str = "", visibility: str, icon: str = ""
) -> Space:
    """Start a member group owned (and moderated) by ``owner``."""
    check(permissions.can_start_group(owner), permissions.group_start_refusal(owner))
    name = _clean_group_name(name, viewer=owner)
    description = _clean_description(description)
    visibility = _clean_visibility(visibility)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                group = Space.objects.create(
                    kind=Space.Kind.GROUP,
                    visibility=visibility,
                    name=name,
                    slug=_free_slug(name),
                    description=description,
                    icon=(icon or "").strip()[:8] or "👥",
                    colour=GROUP_COLOURS[len(name) % len(GROUP_COLOURS)],
                    owner=owner,
                    position=1000,
                )
                SpaceMembership.objects.create(space=group, user=owner, role=Role.OWNER)
                return group
        except IntegrityError:
            continue  # another group took the slug in between: pick again
    raise ValidationError({"name": "That name is busy right now; please try again."})


@transaction.atomic
def group_update(
    *, actor, group: Space, name: str, description: str, visibility: str, icon: str = ""
) -> Space:
    """The owner (or staff) renames the group, or changes who can read it."""
    group = Space.objects.select_for_update().get(pk=group.pk)
    check(permissions.can_edit_group(actor, group), "Only the group's owner can change it.")
    group.name = _clean_group_name(name, viewer=actor, exclude=group)
    group.description = _clean_description(description)
    group.visibility = _clean_visibility(visibility)
    group.icon = (icon or "").strip()[:8] or group.icon
    group.save(update_fields=["name", "description", "visibility", "icon"])
    return group


@transaction.atomic
def group_set_featured(*, actor, group: Space, featured: bool) -> Space:
    check(permissions.can_feature_groups(actor), "Only staff feature groups.")
    if group.kind != Space.Kind.GROUP:
        raise ValidationError("Only member groups are featured here.")
    group.is_featured = featured
    group.save(update_fields=["is_featured"])  # saved, not updated: visitors' pages refresh
    return group


@transaction.atomic
def group_set_archived(*, actor, group: Space, archived: bool) -> Space:
    """An archived group stays readable by whoever could read it, takes no new posts and
    leaves the directory."""
    check(permissions.can_feature_groups(actor), "Only staff archive groups.")
    if group.kind != Space.Kind.GROUP:
        raise ValidationError("Only member groups are archived here.")
    group.is_archived = archived
    group.save(update_fields=["is_archived"])
    return group


# --- services: membership ------------------------------------------------------------------


def _already_member(space: Space) -> ValidationError:
    return ValidationError(f"You are already a member of “{space.name}”.")


def _add_member(*, space: Space, user, role: str = Role.MEMBER) -> SpaceMembership:
    """One membership per person and space, even when two requests race."""
    try:
        with transaction.atomic():
            membership = SpaceMembership.objects.create(space=space, user=user, role=role)
    except IntegrityError:
        raise _already_member(space) from None
    permissions.forget_space_roles(space)
    return membership


def space_join(*, user, space: Space) -> SpaceMembership:
    """Join a public group."""
    if permissions.space_role(user, space) is not None:
        raise _already_member(space)
    if permissions.can_request_to_join(user, space):
        raise ValidationError("This group is members-only: ask to join and the owner decides.")
    check(permissions.can_join_group(user, space), "You cannot join this space.")
    return _add_member(space=space, user=user)


def join_request_create(*, user, space: Space, message: str = "") -> JoinRequest:
    """Ask to join a members-only group; its owner and moderators decide."""
    if permissions.space_role(user, space) is not None:
        raise _already_member(space)
    check(permissions.can_request_to_join(user, space), "You cannot ask to join this space.")
    message = (message or "").strip()
    if len(message) > 300:
        raise ValidationError(
            {"message": f"Keep the note under 300 characters (it has {len(message)})."}
        )
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(space=space, user=user, message=message)
            emit("space.join_requested", join_request_id=join_request.pk)
    except IntegrityError:
        raise ValidationError(
            "You have already asked to join; the group's owner will decide soon."
        ) from None
    return join_request


@transaction.atomic
def join_request_decide(*, actor, join_request: JoinRequest, approve: bool) -> JoinRequest:
    join_request = (
        JoinRequest.objects.select_for_update()
        .select_related("space", "user")
        .get(pk=join_request.pk)
    )
    space = join_request.space
    check(permissions.can_manage_members(actor, space), "Only the group's owner decides.")
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError("Someone has already decided on this request.")
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    if approve:
        SpaceMembership.objects.get_or_create(space=space, user=join_request.user)
    emit("space.join_decided", join_request_id=join_request.pk)
    return join_request


@transaction.atomic
def space_leave(*, user, space: Space) -> None:
    role = permissions.space_role(user, space)
    if role is None:
        raise ValidationError(f"You are not a member of “{space.name}”.")
    if role == Role.OWNER:
        raise ValidationError(
            "As the owner you cannot leave your group. Ask staff to archive it, or to hand "
            "it to another member."
        )
    SpaceMembership.objects.filter(space=space, user=user).delete()
    permissions.forget_space_roles(space)


@transaction.atomic
def member_remove(*, actor, space: Space, user) -> None:
    membership = SpaceMembership.objects.select_for_update().filter(space=space, user=user).first()
    if membership is None:
        raise ValidationError(f"{user.username} is not a member.")
    check(
        permissions.can_remove_member(actor, space, role=membership.role),
        "You cannot remove this member.",
    )
    membership.delete()
    permissions.forget_space_roles(space)


@transaction.atomic
def member_set_role(*, actor, space: Space, user, role: str) -> SpaceMembership:
    """Appoint or dismiss a group moderator."""
    if role not in (Role.MEMBER, Role.MODERATOR):
        raise ValidationError("Choose member or moderator.")
    check(permissions.can_set_member_roles(actor, space), "Only the group's owner can do that.")
    membership = SpaceMembership.objects.select_for_update().filter(space=space, user=user).first()
    if membership is None:
        raise ValidationError(f"{user.username} is not a member.")
    if membership.role == Role.OWNER:
        raise ValidationError("The owner's role does not change here.")
    membership.role = role
    membership.save(update_fields=["role"])
    permissions.forget_space_roles(space)
    return membership


# --- services: invitations -----------------------------------------------------------------


def _invitee(who: str):
    """A username or an e-mail address, as typed. Returns (user or None, email)."""
    who = (who or "").strip()
    if not who:
        raise ValidationError({"who": "Type the username or e-mail address of the person."})
    User = get_user_model()
    if "@" in who:
        try:
            forms.EmailField().clean(who)
        except ValidationError:
            raise ValidationError({"who": f"“{who}” is not an e-mail address."}) from None
        return None, who.lower()
    user = User.objects.filter(is_active=True, username__iexact=who.lstrip("@")).first()
    if user is None:
        raise ValidationError({"who": f"There is no member called “{who}”."})
    return user, ""


def _pending(qs, now=None):
    now = now or timezone.now()
    return qs.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


@transaction.atomic
def invitation_create(
    *, actor, space: Space, who: str, days: int = DEFAULT_INVITATION_DAYS
) -> SpaceInvitation:
    """Invite a member (by username) or an address into a space; the link expires."""
    check(permissions.can_manage_members(actor, space), "You cannot invite people here.")
    if space.is_archived:
        raise ValidationError("This space is archived; it takes no new members.")
    if days not in INVITATION_DAYS:
        raise ValidationError({"days": "Choose how long the link stays valid."})
    user, email = _invitee(who)
    if user is not None and SpaceMembership.objects.filter(space=space, user=user).exists():
        raise ValidationError({"who": f"{user.username} is already a member."})
    existing = _pending(SpaceInvitation.objects.filter(space=space))
    existing = existing.filter(user=user) if user is not None else existing.filter(email=email)
    if existing.exists():
        raise ValidationError(
            {"who": f"{user.username if user else email} already has an invitation waiting."}
        )
    invitation = SpaceInvitation.objects.create(
        space=space,
        invited_by=actor,
        user=user,
        email=email,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + timedelta(days=days),
    )
    emit("space.invited", invitation_id=invitation.pk)
    return invitation


def _is_addressee(user, invitation: SpaceInvitation) -> bool:
    if not permissions.is_member(user):
        return False
    if invitation.user_id is not None:
        return invitation.user_id == user.pk
    return EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()


@transaction.atomic
def invitation_accept(*, user, token: str) -> SpaceMembership:
    """Accept an invitation. Every refusal says why, without telling a stranger anything
    about the space."""
    invitation = (
        SpaceInvitation.objects.select_for_update()
        .select_related("space")
        .filter(token=token or "")
        .first()
    )
    if invitation is None or not token:
        raise ValidationError(
            "This invitation link is not valid. Check that you copied all of it, or ask for "
            "a new one."
        )
    if not _is_addressee(user, invitation):
        raise ValidationError(
            "This invitation was sent to someone else. Log in as the invited member (or "
            "verify the invited e-mail address on your account) and open the link again."
        )
    space = invitation.space
    if SpaceMembership.objects.filter(space=space, user=user).exists():
        raise _already_member(space)
    if invitation.revoked_at is not None:
        raise ValidationError("This invitation was withdrawn.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            "This invitation has expired. Ask whoever invited you for a new link."
        )
    if space.is_archived:
        raise ValidationError("This space is archived; it takes no new members.")
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    return _add_member(space=space, user=user)


@transaction.atomic
def invitation_decline(*, user, invitation_id: int) -> None:
    invitation = SpaceInvitation.objects.select_for_update().filter(pk=invitation_id).first()
    if invitation is None or not _is_addressee(user, invitation):
        raise ValidationError("There is no such invitation for you.")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_revoke(*, actor, invitation: SpaceInvitation) -> None:
    check(permissions.can_manage_members(actor, invitation.space), "You cannot do that here.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was already accepted; remove the member instead.")
    SpaceInvitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- selectors -----------------------------------------------------------------------------

DIRECTORY_SHOWS = {"all": "All groups", "mine": "My groups", "archived": "Archived"}


@dataclass
class GroupDirectory:
    page: Page
    groups: list[Space]
    show: str
    shows: dict
    can_start: bool
    start_refusal: str
    can_feature: bool

    @property
    def paginated(self) -> bool:
        return self.page.paginator.num_pages > 1


def _annotate_roles(viewer, spaces) -> None:
    """Each space gets ``viewer_role`` and the policy learns it: one query for the page."""
    roles = {}
    if permissions.is_member(viewer) and spaces:
        roles = dict(
            SpaceMembership.objects.filter(user=viewer, space__in=spaces).values_list(
                "space_id", "role"
            )
        )
    for space in spaces:
        space.viewer_role = roles.get(space.pk)
        permissions.remember_space_role(viewer, space, space.viewer_role)


def group_directory(*, viewer, params) -> GroupDirectory:
    """Groups people can find: featured first, then the most recently active."""
    can_feature = permissions.can_feature_groups(viewer)
    shows = {k: v for k, v in DIRECTORY_SHOWS.items() if k != "archived" or can_feature}
    if not permissions.is_member(viewer):
        shows.pop("mine")
    show = params.get("show") if params.get("show") in shows else "all"
    groups = Space.objects.discoverable_to(viewer).filter(kind=Space.Kind.GROUP)
    if show == "archived":
        groups = groups.filter(is_archived=True)
    else:
        groups = groups.filter(is_archived=False)
    if show == "mine":
        groups = groups.filter(memberships__user=viewer)
    groups = groups.annotate(member_count=Count("memberships", distinct=True)).select_related(
        "owner"
    )
    groups = groups.order_by("-is_featured", "-last_activity_at", "name")
    page = Paginator(groups, settings.STOA_LIST_PAGE_SIZE).get_page(params.get("page"))
    rows = list(page.object_list)
    _annotate_roles(viewer, rows)
    for group in rows:
        group.viewer_can_read = group.visibility == Space.Visibility.PUBLIC or bool(
            group.viewer_role or permissions.can_manage_spaces(viewer)
        )
    return GroupDirectory(
        page=page,
        groups=rows,
        show=show,
        shows=shows,
        can_start=permissions.can_start_group(viewer),
        start_refusal=permissions.group_start_refusal(viewer),
        can_feature=can_feature,
    )


def group_get_for_about(*, slug: str, viewer) -> Space:
    """A group whose about page this viewer may see, or 404 as if it did not exist."""
    group = (
        Space.objects.discoverable_to(viewer)
        .filter(kind=Space.Kind.GROUP, slug=slug)
        .select_related("owner")
        .first()
    )
    if group is None:
        raise Http404("No such group.")
    return group


@dataclass
class Membership:
    """What a member of a space sees about themselves and what they may do there."""

    role: str | None
    can_read: bool
    can_join: bool
    can_request: bool
    pending_request: bool
    can_leave: bool
    can_manage: bool
    can_edit: bool
    can_feature: bool
    can_post: bool


def _membership(*, space: Space, viewer, can_read: bool | None = None) -> Membership:
    """``can_read`` is passed by callers that fetched the space through ``visible_to``."""
    role = permissions.space_role(viewer, space)
    if can_read is None:
        can_read = Space.objects.visible_to(viewer).filter(pk=space.pk).exists()
    can_request = permissions.can_request_to_join(viewer, space)
    pending = (
        can_request
        and JoinRequest.objects.filter(
            space=space, user=viewer, status=JoinRequest.Status.PENDING
        ).exists()
    )
    return Membership(
        role=role,
        can_read=can_read,
        can_join=permissions.can_join_group(viewer, space),
        can_request=can_request and not pending,
        pending_request=pending,
        can_leave=permissions.can_leave_space(viewer, space),
        can_manage=permissions.can_manage_members(viewer, space),
        can_edit=permissions.can_edit_group(viewer, space),
        can_feature=permissions.can_feature_groups(viewer) and space.kind == Space.Kind.GROUP,
        can_post=permissions.can_start_thread(viewer, space),
    )


@dataclass
class GroupPage:
    group: Space
    me: Membership
    member_count: int
    members: list = field(default_factory=list)
    recent: list[Thread] = field(default_factory=list)
    pending_requests: int = 0
    join_form: JoinRequestForm | None = None


def group_page(*, group: Space, viewer) -> GroupPage:
    """The group's about page: what it is, who is in it, what is going on."""
    me = _membership(space=group, viewer=viewer)
    member_count = SpaceMembership.objects.filter(space=group).count()
    members, recent, pending_requests = [], [], 0
    if me.can_read:
        members = list(
            SpaceMembership.objects.filter(space=group)
            .select_related("user")
            .order_by(_role_order(), "joined_at")[:MEMBER_PREVIEW]
        )
        recent = list(
            Thread.objects.visible_to(viewer)
            .filter(space=group)
            .select_related("author", "last_poster")
            .order_by("-last_activity_at")[:5]
        )
    if me.can_manage:
        pending_requests = JoinRequest.objects.filter(
            space=group, status=JoinRequest.Status.PENDING
        ).count()
    return GroupPage(
        group=group,
        me=me,
        member_count=member_count,
        members=members,
        recent=recent,
        pending_requests=pending_requests,
        join_form=JoinRequestForm() if me.can_request else None,
    )


def _role_order():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        When(role=Role.OWNER, then=Value(0)),
        When(role=Role.MODERATOR, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


@dataclass
class SpacePanel:
    """The membership strip on a space page: groups, invite-only and members-only spaces."""

    space: Space
    me: Membership
    member_count: int
    faces: list
    pending_requests: int


def space_panel(*, space: Space, viewer) -> SpacePanel | None:
    """Nothing (and no query) for public product forums and organization spaces."""
    if space.kind != Space.Kind.GROUP and space.visibility not in (
        Space.Visibility.MEMBERS,
        Space.Visibility.INVITE,
    ):
        return None
    me = _membership(space=space, viewer=viewer, can_read=True)
    faces = list(
        SpaceMembership.objects.filter(space=space)
        .select_related("user")
        .order_by(_role_order(), "joined_at")[:8]
    )
    member_count = SpaceMembership.objects.filter(space=space).count()
    pending = 0
    if me.can_manage and space.kind == Space.Kind.GROUP:
        pending = JoinRequest.objects.filter(space=space, status=JoinRequest.Status.PENDING).count()
    return SpacePanel(
        space=space, me=me, member_count=member_count, faces=faces, pending_requests=pending
    )


@dataclass
class MembersPage:
    space: Space
    me: Membership
    page: Page
    members: list[SpaceMembership]
    requests: list[JoinRequest]
    invitations: list[SpaceInvitation]
    can_set_roles: bool
    invite_form: InvitationForm | None = None

    @property
    def paginated(self) -> bool:
        return self.page.paginator.num_pages > 1


def members_page(*, space: Space, viewer, params, invite_form=None) -> MembersPage:
    """Everyone in a space, with the owner's tools when the viewer may use them. The caller
    has fetched ``space`` through ``visible_to``."""
    me = _membership(space=space, viewer=viewer, can_read=True)
    qs = (
        SpaceMembership.objects.filter(space=space)
        .select_related("user")
        .order_by(_role_order(), "user__username")
    )
    page = Paginator(qs, MEMBERS_PAGE_SIZE).get_page(params.get("page"))
    members = list(page.object_list)
    can_set_roles = permissions.can_set_member_roles(viewer, space)
    for membership in members:
        membership.can_remove = permissions.can_remove_member(viewer, space, role=membership.role)
        membership.can_promote = can_set_roles and membership.role == Role.MEMBER
        membership.can_demote = can_set_roles and membership.role == Role.MODERATOR
    requests, invitations = [], []
    if me.can_manage:
        requests = list(
            JoinRequest.objects.filter(space=space, status=JoinRequest.Status.PENDING)
            .select_related("user")
            .order_by("created_at")[:100]
        )
        invitations = list(
            _pending(SpaceInvitation.objects.filter(space=space))
            .select_related("user", "invited_by")
            .order_by("-created_at")[:100]
        )
        invite_form = invite_form or InvitationForm()
    return MembersPage(
        space=space,
        me=me,
        page=page,
        members=members,
        requests=requests,
        invitations=invitations,
        can_set_roles=can_set_roles,
        invite_form=invite_form if me.can_manage else None,
    )


def join_request_get(*, space: Space, request_id: int) -> JoinRequest:
    join_request = JoinRequest.objects.filter(space=space, pk=request_id).first()
    if join_request is None:
        raise Http404("No such request.")
    return join_request


def invitation_get(*, space: Space, invitation_id: int) -> SpaceInvitation:
    invitation = (
        SpaceInvitation.objects.filter(space=space, pk=invitation_id)
        .select_related("space")
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


@dataclass
class InvitationView:
    """What the /invite/<token>/ page may say. A stranger holding a link learns nothing about
    the space: its name is shown only to the invited member."""

    status: str  # valid | login | other | expired | revoked | used | member | unknown
    invitation: SpaceInvitation | None = None

    @property
    def shows_space(self) -> bool:
        return self.status in ("valid", "expired", "revoked", "used", "member")


def invitation_view(*, token: str, viewer) -> InvitationView:
    invitation = (
        SpaceInvitation.objects.select_related("space", "invited_by").filter(token=token).first()
        if token
        else None
    )
    if invitation is None:
        return InvitationView(status="unknown")
    if not permissions.is_member(viewer):
        return InvitationView(status="login")
    if not _is_addressee(viewer, invitation):
        return InvitationView(status="other")
    if SpaceMembership.objects.filter(space=invitation.space, user=viewer).exists():
        status = "member"
    elif invitation.revoked_at is not None:
        status = "revoked"
    elif invitation.accepted_at is not None:
        status = "used"
    elif invitation.expires_at <= timezone.now():
        status = "expired"
    else:
        status = "valid"
    return InvitationView(status=status, invitation=invitation)


@dataclass
class MySpaces:
    """The home page's "your spaces" for a signed-in member."""

    invitations: list[SpaceInvitation]
    spaces: list[Space]
    organizations: list

    def __bool__(self) -> bool:
        return bool(self.invitations or self.spaces or self.organizations)

    @property
    def all_spaces(self) -> list[Space]:
        """Every space listed under "Your spaces": organization spaces, groups, panels."""
        return [s for entry in self.organizations for s in entry["spaces"]] + self.spaces


def my_spaces(*, viewer) -> MySpaces | None:
    """Pending invitations addressed to the viewer, the groups and panels they belong to,
    and their organizations with the organization's spaces: four queries, none for visitors."""
    if not permissions.is_member(viewer):
        return None
    from accounts.models import OrganizationMembership

    addresses = (
        EmailAddress.objects.filter(user=viewer, verified=True)
        .annotate(address=Lower("email"))
        .values("address")
    )
    invitations = list(
        _pending(
            SpaceInvitation.objects.filter(
                Q(user=viewer) | Q(user__isnull=True, email__in=addresses)
            )
        )
        .select_related("space", "invited_by")
        .order_by("expires_at")[:10]
    )
    spaces = list(
        Space.objects.filter(memberships__user=viewer, is_archived=False).order_by(
            "-last_activity_at", "name"
        )[:20]
    )
    memberships = list(
        OrganizationMembership.objects.filter(user=viewer)
        .select_related("organization")
        .order_by("organization__name")
    )
    org_spaces: dict[int, list[Space]] = {}
    if memberships:
        for space in Space.objects.filter(
            visibility=Space.Visibility.ORGANIZATION,
            organization__in=[m.organization_id for m in memberships],
            is_archived=False,
        ).order_by("position", "name"):
            org_spaces.setdefault(space.organization_id, []).append(space)
    organizations = [
        {
            "organization": m.organization,
            "is_admin": m.role == "admin",
            "spaces": org_spaces.get(m.organization_id, []),
        }
        for m in memberships
    ]
    return MySpaces(invitations=invitations, spaces=spaces, organizations=organizations)

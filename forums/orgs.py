"""Organizations seen from the community: a business customer's members and invitations.

An Organization (accounts) owns one or more spaces of visibility ``organization``; its
members read them, and so does the vendor's staff. People join

- automatically, when they verify an e-mail address on one of the organization's domains
  (``accounts.services.organization_join_by_email``, on allauth's ``email_confirmed``), or
- by an invitation sent to any address (a contractor, a partner) by one of the
  organization's admins or by vendor staff. The link expires and works once, and only for an
  account that has verified the invited address, so a forwarded link opens nothing.

Organization admins (OrganizationMembership role ``admin``) manage members at /org/<slug>/:
invite, remove, promote to admin and back. Someone removed who still has a verified address
on the organization's domain joins again only when they verify an address again. An
organization always keeps at least one admin.

Forms, services and selectors; the views are in ``forums.views``.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import Organization, OrganizationInvitation, OrganizationMembership
from community.outbox import emit

from . import permissions
from .models import Space
from .permissions import check

Role = OrganizationMembership.Role

INVITATION_DAYS = (3, 7, 14, 30)
DEFAULT_INVITATION_DAYS = 14
MEMBERS_PAGE_SIZE = 50


class OrganizationInvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
        error_messages={
            "invalid": "Type a whole e-mail address, like name@example.com.",
            "required": "Type a whole e-mail address, like name@example.com.",
        },
    )
    days = forms.TypedChoiceField(
        label="Link valid for",
        coerce=int,
        choices=[(d, f"{d} days") for d in INVITATION_DAYS],
        initial=DEFAULT_INVITATION_DAYS,
    )


# --- services ------------------------------------------------------------------------------


def _pending(qs):
    return qs.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


@transaction.atomic
def organization_invite(
    *, actor, organization: Organization, email: str, days: int = DEFAULT_INVITATION_DAYS
) -> OrganizationInvitation:
    check(
        permissions.can_manage_organization(actor, organization),
        "Only the organization's admins invite people.",
    )
    email = (email or "").strip().lower()
    try:
        forms.EmailField().clean(email)
    except ValidationError:
        raise ValidationError(
            {"email": "Type a whole e-mail address, like name@example.com."}
        ) from None
    if days not in INVITATION_DAYS:
        raise ValidationError({"days": "Choose how long the link stays valid."})
    members = OrganizationMembership.objects.filter(organization=organization)
    if EmailAddress.objects.filter(
        email__iexact=email, verified=True, user__in=members.values("user")
    ).exists():
        raise ValidationError({"email": f"{email} already belongs to a member."})
    if _pending(organization.invitations.filter(email=email)).exists():
        raise ValidationError({"email": f"{email} already has an invitation waiting."})
    invitation = OrganizationInvitation.objects.create(
        organization=organization,
        email=email,
        invited_by=actor,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + timedelta(days=days),
    )
    emit("organization.invited", invitation_id=invitation.pk)
    return invitation


@transaction.atomic
def organization_invitation_revoke(*, actor, invitation: OrganizationInvitation) -> None:
    check(
        permissions.can_manage_organization(actor, invitation.organization),
        "Only the organization's admins withdraw invitations.",
    )
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was already accepted; remove the member instead.")
    # The model has no "withdrawn" mark: a withdrawn invitation simply expires now.
    OrganizationInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())


@transaction.atomic
def organization_invitation_accept(*, user, token: str) -> OrganizationMembership:
    invitation = (
        OrganizationInvitation.objects.select_for_update()
        .select_related("organization")
        .filter(token=token or "")
        .first()
    )
    if invitation is None or not token:
        raise ValidationError(
            "This invitation link is not valid. Check that you copied all of it, or ask for "
            "a new one."
        )
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise ValidationError(
            "This invitation was sent to another e-mail address. Add that address to your "
            "account and verify it, then open the link again."
        )
    organization = invitation.organization
    if OrganizationMembership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError(f"You are already a member of {organization.name}.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired. Ask for a new link.")
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    try:
        with transaction.atomic():
            return OrganizationMembership.objects.create(organization=organization, user=user)
    except IntegrityError:
        raise ValidationError(f"You are already a member of {organization.name}.") from None


def _other_admins(membership: OrganizationMembership) -> bool:
    return (
        OrganizationMembership.objects.filter(
            organization_id=membership.organization_id, role=Role.ADMIN
        )
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def organization_member_remove(*, actor, membership: OrganizationMembership) -> None:
    membership = (
        OrganizationMembership.objects.select_for_update()
        .select_related("organization", "user")
        .get(pk=membership.pk)
    )
    check(
        permissions.can_manage_organization(actor, membership.organization),
        "Only the organization's admins remove members.",
    )
    if membership.role == Role.ADMIN and not _other_admins(membership):
        raise ValidationError(
            "An organization needs at least one admin: make someone else admin first."
        )
    membership.delete()


@transaction.atomic
def organization_member_set_role(
    *, actor, membership: OrganizationMembership, role: str
) -> OrganizationMembership:
    if role not in Role.values:
        raise ValidationError("Choose member or admin.")
    membership = (
        OrganizationMembership.objects.select_for_update()
        .select_related("organization")
        .get(pk=membership.pk)
    )
    check(
        permissions.can_manage_organization(actor, membership.organization),
        "Only the organization's admins change roles.",
    )
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_admins(membership):
        raise ValidationError(
            "An organization needs at least one admin: make someone else admin first."
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


# --- selectors -----------------------------------------------------------------------------


def organization_get_for_admin(*, slug: str, viewer) -> Organization:
    """The organization, for its admins and vendor staff; 404 for everyone else, exactly as
    if it did not exist."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not permissions.can_manage_organization(viewer, organization):
        raise Http404("No such organization.")
    return organization


def membership_get(*, organization: Organization, membership_id: int) -> OrganizationMembership:
    membership = (
        OrganizationMembership.objects.filter(organization=organization, pk=membership_id)
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


def invitation_get(*, organization: Organization, invitation_id: int) -> OrganizationInvitation:
    invitation = (
        OrganizationInvitation.objects.filter(organization=organization, pk=invitation_id)
        .select_related("organization")
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


@dataclass
class OrganizationPage:
    organization: Organization
    spaces: list[Space]
    page: Page
    members: list[OrganizationMembership]
    invitations: list[OrganizationInvitation]
    invite_form: OrganizationInvitationForm

    @property
    def paginated(self) -> bool:
        return self.page.paginator.num_pages > 1


def organization_page(*, organization: Organization, viewer, params, invite_form=None):
    memberships = (
        OrganizationMembership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("role", "user__username")
    )
    page = Paginator(memberships, MEMBERS_PAGE_SIZE).get_page(params.get("page"))
    members = list(page.object_list)
    admins = sum(1 for m in members if m.role == Role.ADMIN)
    for membership in members:
        membership.is_self = membership.user_id == viewer.pk
        membership.last_admin = membership.role == Role.ADMIN and admins <= 1
    return OrganizationPage(
        organization=organization,
        spaces=list(organization.spaces.filter(is_archived=False).order_by("position", "name")),
        page=page,
        members=members,
        invitations=list(
            _pending(organization.invitations.select_related("invited_by")).order_by("-created_at")[
                :100
            ]
        ),
        invite_form=invite_form or OrganizationInvitationForm(),
    )


@dataclass
class OrganizationInvitationView:
    status: str  # valid | login | other | expired | used | member | unknown
    invitation: OrganizationInvitation | None = None

    @property
    def shows_organization(self) -> bool:
        return self.status in ("valid", "expired", "used", "member")


def organization_invitation_view(*, token: str, viewer) -> OrganizationInvitationView:
    invitation = (
        OrganizationInvitation.objects.select_related("organization", "invited_by")
        .filter(token=token)
        .first()
        if token
        else None
    )
    if invitation is None:
        return OrganizationInvitationView(status="unknown")
    if not permissions.is_member(viewer):
        return OrganizationInvitationView(status="login")
    if not EmailAddress.objects.filter(
        user=viewer, email__iexact=invitation.email, verified=True
    ).exists():
        return OrganizationInvitationView(status="other", invitation=invitation)
    if OrganizationMembership.objects.filter(
        organization=invitation.organization, user=viewer
    ).exists():
        status = "member"
    elif invitation.accepted_at is not None:
        status = "used"
    elif invitation.expires_at <= timezone.now():
        status = "expired"
    else:
        status = "valid"
    return OrganizationInvitationView(status=status, invitation=invitation)

"""Organizations: joining by a verified domain or by invitation, and their admins' page."""

import html
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import OrganizationInvitation, OrganizationMembership
from forums import orgs

from .factories import OrganizationFactory, SpaceFactory, UserFactory
from .forum_helpers import ask

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def acme():
    return OrganizationFactory(name="Acme Logistics", slug="acme", domains="acme.example")


@pytest.fixture
def acme_space(acme):
    return SpaceFactory(
        name="Acme private", slug="acme-private", visibility="organization", organization=acme
    )


@pytest.fixture
def carol(acme):
    user = UserFactory(username="carol", email="carol@acme.example")
    OrganizationMembership.objects.create(organization=acme, user=user, role="admin")
    return user


def test_verifying_an_address_on_the_domain_opens_the_private_space(
    client, member, acme, acme_space
):
    thread = ask(UserFactory(roles=["Staff"]), acme_space, title="Your renewal quote")
    client.force_login(member)
    assert client.get(thread.get_absolute_url()).status_code == 404
    client.post("/accounts/email/", {"action_add": "", "email": "alice@acme.example"})
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    client.post(link.group(1))
    assert OrganizationMembership.objects.filter(organization=acme, user=member).exists()
    assert client.get(thread.get_absolute_url()).status_code == 200
    home = text(client.get("/"))
    assert "Your spaces" in home and "Acme private" in home


def test_an_unverified_address_on_the_domain_opens_nothing(client, member, acme, acme_space):
    client.force_login(member)
    client.post("/accounts/email/", {"action_add": "", "email": "alice@acme.example"})
    assert not OrganizationMembership.objects.filter(user=member).exists()
    assert client.get(acme_space.get_absolute_url()).status_code == 404


def test_the_admin_page_is_for_organization_admins_and_staff(
    client, carol, member, staff, acme, acme_space
):
    OrganizationMembership.objects.create(organization=acme, user=member)
    client.force_login(carol)
    page = text(client.get("/org/acme/"))
    assert "Acme Logistics" in page and "@acme.example" in page and "Acme private" in page
    assert "Manage Acme Logistics members →" in text(client.get("/"))
    client.force_login(member)
    assert client.get("/org/acme/").status_code == 404  # a plain member: as if it did not exist
    assert "Manage Acme Logistics members" not in text(client.get("/"))
    client.force_login(UserFactory())
    assert client.get("/org/acme/").status_code == 404
    assert client.get("/org/no-such-org/").status_code == 404
    client.force_login(staff)
    assert client.get("/org/acme/").status_code == 200


def test_inviting_someone_outside_the_domain(client, carol, member, acme, acme_space):
    client.force_login(carol)
    response = client.post("/org/acme/invite/", {"email": "Alice@Example.com", "days": "7"})
    assert response.status_code == 302
    invitation = OrganizationInvitation.objects.get(organization=acme)
    assert invitation.email == "alice@example.com"
    assert f"/invite/org/{invitation.token}/" in text(client.get("/org/acme/"))

    client.force_login(member)
    page = text(client.get(f"/invite/org/{invitation.token}/"))
    assert "Join Acme Logistics" in page
    response = client.post(f"/invite/org/{invitation.token}/")
    assert response.status_code == 302
    assert OrganizationMembership.objects.filter(organization=acme, user=member).exists()
    assert client.get(acme_space.get_absolute_url()).status_code == 200
    response = client.post(f"/invite/org/{invitation.token}/")
    assert "You are already a member of Acme Logistics." in text(response)


def test_an_invitation_for_another_address_does_not_work(client, carol, other_member, acme):
    invitation = orgs.organization_invite(actor=carol, organization=acme, email="alice@example.com")
    client.force_login(other_member)
    response = client.post(f"/invite/org/{invitation.token}/")
    assert response.status_code == 400
    page = text(response)
    assert "This invitation was sent to another e-mail address." in page
    assert "Acme" not in page
    assert not OrganizationMembership.objects.filter(user=other_member).exists()


@pytest.mark.parametrize(
    ("state", "status", "message"),
    [
        ("expired", 410, "This invitation has expired. Ask for a new link."),
        ("revoked", 410, "This invitation has expired. Ask for a new link."),
        ("used", 410, "This invitation has already been used."),
        ("forged", 404, "This invitation link is not valid."),
    ],
)
def test_stale_and_forged_organization_invitations(
    client, carol, member, acme, state, status, message
):
    invitation = orgs.organization_invite(actor=carol, organization=acme, email="alice@example.com")
    token = invitation.token
    if state == "expired":
        OrganizationInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif state == "revoked":
        orgs.organization_invitation_revoke(actor=carol, invitation=invitation)
    elif state == "used":
        OrganizationInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    else:
        token = "forged-" + token[7:]
    client.force_login(member)
    response = client.post(f"/invite/org/{token}/")
    assert response.status_code == status
    assert message in text(response)
    assert not OrganizationMembership.objects.filter(user=member).exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Type a whole e-mail address"),
        ("carol@", "Type a whole e-mail address"),
        ("carol@acme.example", "carol@acme.example already belongs to a member."),
    ],
)
def test_bad_organization_invitations_get_a_clear_message(client, carol, acme, email, message):
    client.force_login(carol)
    response = client.post("/org/acme/invite/", {"email": email, "days": "14"})
    assert response.status_code == 400
    assert message in text(response)


def test_inviting_the_same_address_twice(carol, acme):
    orgs.organization_invite(actor=carol, organization=acme, email="x@example.org")
    with pytest.raises(ValidationError, match="already has an invitation waiting"):
        orgs.organization_invite(actor=carol, organization=acme, email="X@example.org")


def test_admins_manage_members_and_keep_at_least_one_admin(client, carol, member, acme):
    membership = OrganizationMembership.objects.create(organization=acme, user=member)
    client.force_login(carol)
    client.post(f"/org/acme/members/{membership.pk}/role/", {"role": "admin"})
    membership.refresh_from_db()
    assert membership.role == "admin"
    own = OrganizationMembership.objects.get(user=carol)
    client.post(f"/org/acme/members/{own.pk}/role/", {"role": "member"})
    own.refresh_from_db()
    assert own.role == "member"  # alice is still an admin, so carol may step down

    client.force_login(member)
    response = client.post(f"/org/acme/members/{membership.pk}/remove/", follow=True)
    assert "An organization needs at least one admin" in text(response)
    client.post(f"/org/acme/members/{own.pk}/remove/")
    assert not OrganizationMembership.objects.filter(user=carol).exists()


def test_members_cannot_manage_their_organization(member, other_member, acme):
    OrganizationMembership.objects.create(organization=acme, user=member)
    target = OrganizationMembership.objects.create(organization=acme, user=other_member)
    with pytest.raises(PermissionDenied):
        orgs.organization_member_remove(actor=member, membership=target)
    with pytest.raises(PermissionDenied):
        orgs.organization_invite(actor=member, organization=acme, email="a@b.example")


def test_another_organizations_admin_cannot_reach_this_one(client, carol, acme):
    globex = OrganizationFactory(name="Globex", slug="globex")
    gina = UserFactory(username="gina")
    OrganizationMembership.objects.create(organization=globex, user=gina, role="admin")
    client.force_login(gina)
    assert client.get("/org/acme/").status_code == 404
    membership = OrganizationMembership.objects.get(user=carol)
    assert client.post(f"/org/acme/members/{membership.pk}/remove/").status_code == 404
    assert client.post(f"/org/globex/members/{membership.pk}/remove/").status_code == 404


def test_the_admin_page_issues_a_fixed_number_of_queries(client, carol, acme, acme_space):
    client.force_login(carol)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/org/acme/").status_code == 200
        return len(ctx)

    count()
    before = count()
    for n in range(30):
        person = UserFactory(username=f"worker{n}", email=f"worker{n}@acme.example")
        OrganizationMembership.objects.create(organization=acme, user=person)
        orgs.organization_invite(actor=carol, organization=acme, email=f"contractor{n}@ex.org")
    assert count() == before
    assert before <= 12, before


def test_an_unknown_email_on_the_domain_is_verified_by_allauth_not_us(member, acme):
    """Joining by domain happens on allauth's email_confirmed signal only."""
    EmailAddress.objects.create(user=member, email="alice@acme.example", verified=False)
    assert not OrganizationMembership.objects.filter(user=member).exists()

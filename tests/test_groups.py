"""Member groups and invite-only spaces: starting, joining, asking, inviting, running them."""

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums import groups, services
from forums.models import JoinRequest, Space, SpaceInvitation, SpaceMembership, Thread

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(username="olga", display_name="Olga Owner", trust_level=1)


@pytest.fixture
def public_group(owner):
    return groups.group_create(
        owner=owner,
        name="Retail analysts",
        description="People who build dashboards for shops.",
        visibility=Space.Visibility.PUBLIC,
    )


@pytest.fixture
def closed_group(owner):
    return groups.group_create(
        owner=owner,
        name="Heads of BI",
        description="A quiet room for BI leads.",
        visibility=Space.Visibility.MEMBERS,
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def flashes(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# Starting a group ---------------------------------------------------------------------------


def test_a_trusted_member_starts_a_group_and_owns_it(client, owner):
    client.force_login(owner)
    response = client.post(
        "/groups/new/",
        {"name": "  Retail   analysts ", "description": "Shops.", "visibility": "members"},
    )
    group = Space.objects.get(kind=Space.Kind.GROUP)
    assert response.status_code == 302 and response["Location"] == f"/groups/{group.slug}/"
    assert (group.name, group.slug, group.visibility) == (
        "Retail analysts",
        "retail-analysts",
        "members",
    )
    assert group.owner == owner
    assert SpaceMembership.objects.get(space=group).role == SpaceMembership.Role.OWNER
    page = text(client.get(f"/groups/{group.slug}/"))
    assert "You are the owner" in page and "Members & invitations" in page


def test_new_members_are_told_why_they_cannot_start_a_group(client, member, settings):
    settings.STOA_GROUP_MIN_TRUST = 2
    client.force_login(member)
    response = client.post("/groups/new/", {"name": "My group", "visibility": "public"})
    assert response.status_code == 403
    assert "trust level 2" in text(response)
    assert 'value="My group"' in text(response)  # nothing typed is lost
    assert not Space.objects.filter(kind=Space.Kind.GROUP).exists()
    with pytest.raises(PermissionDenied):
        groups.group_create(owner=member, name="My group", visibility="public")


def test_staff_start_groups_whatever_their_trust_level(staff):
    group = groups.group_create(owner=staff, name="Lumen power users", visibility="public")
    assert group.owner == staff


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the group a name."),
        ("   ", "Give the group a name."),
        ("ab", "Use at least 3 characters"),
        ("Retail Analysts", "There is already a space called “Retail Analysts”"),
        ("dashboards", "There is already a space called “dashboards”"),
    ],
)
def test_empty_or_taken_names_get_a_clear_message(client, owner, public_group, name, message):
    SpaceFactory(name="Dashboards", slug="dashboards")
    client.force_login(owner)
    response = client.post(
        "/groups/new/", {"name": name, "description": "Kept text", "visibility": "public"}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert "Kept text" in text(response)


def test_a_hidden_space_name_is_never_reported_as_taken(owner):
    """Refusing the name of an invite-only panel would tell a member that it exists."""
    SpaceFactory(name="Secret beta panel", slug="secret-beta-panel", visibility="invite")
    group = groups.group_create(owner=owner, name="Secret beta panel", visibility="public")
    assert group.slug.startswith("secret-beta-panel-") and re.fullmatch(
        r"secret-beta-panel-[0-9a-f]{4}", group.slug
    )


def test_the_owner_edits_the_group_and_nobody_else_can(client, owner, other_member, public_group):
    client.force_login(other_member)
    assert client.get(f"/groups/{public_group.slug}/edit/").status_code == 403
    client.force_login(owner)
    response = client.post(
        f"/groups/{public_group.slug}/edit/",
        {"name": "Retail & e-commerce analysts", "description": "New", "visibility": "members"},
    )
    assert response.status_code == 302
    public_group.refresh_from_db()
    assert public_group.name == "Retail & e-commerce analysts"
    assert public_group.visibility == "members"
    assert public_group.slug == "retail-analysts"  # links keep working


# Joining ------------------------------------------------------------------------------------


def test_joining_a_public_group_is_one_click_and_twice_is_a_clear_message(
    client, member, public_group
):
    client.force_login(member)
    response = client.post(f"/groups/{public_group.slug}/join/")
    assert response.status_code == 302
    assert SpaceMembership.objects.filter(space=public_group, user=member).exists()
    response = client.post(f"/groups/{public_group.slug}/join/", follow=True)
    assert "You are already a member of “Retail analysts”." in text(response)
    assert SpaceMembership.objects.filter(space=public_group, user=member).count() == 1
    with pytest.raises(ValidationError, match="already a member"):
        groups.space_join(user=member, space=public_group)


def test_writing_in_a_group_needs_membership(client, owner, member, public_group):
    thread = ask(owner, public_group, title="Which KPIs do you show on the shop floor?")
    client.force_login(member)
    page = text(client.get(thread.get_absolute_url()))
    assert "Which KPIs" in page  # a public group is read by everyone
    assert "Join this group to reply." in page
    with pytest.raises(PermissionDenied, match="Join this group"):
        reply(member, thread)
    assert client.get(f"/s/{public_group.slug}/new/").status_code == 403
    groups.space_join(user=member, space=public_group)
    assert reply(member, thread).position == 2


def test_a_members_only_group_is_listed_but_closed(client, owner, member, closed_group):
    thread = ask(owner, closed_group, title="Budget season war stories")
    client.force_login(member)
    directory = text(client.get("/groups/"))
    assert "Heads of BI" in directory and "Ask to join" in directory
    response = client.get(f"/s/{closed_group.slug}/")
    assert response.status_code == 302 and response["Location"] == f"/groups/{closed_group.slug}/"
    about = text(client.get(f"/groups/{closed_group.slug}/"))
    assert "Ask to join" in about and "Olga Owner" in about  # the owner is named
    assert "Budget season" not in about
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(f"/s/{closed_group.slug}/members/").status_code == 404


def test_asking_to_join_twice_and_the_owner_deciding(client, owner, member, closed_group):
    client.force_login(member)
    response = client.post(f"/groups/{closed_group.slug}/join/", {"message": "I lead BI at Ikea"})
    assert response.status_code == 302
    request = JoinRequest.objects.get(space=closed_group, user=member)
    assert request.status == "pending" and request.message == "I lead BI at Ikea"
    response = client.post(f"/groups/{closed_group.slug}/join/", {"message": "again"}, follow=True)
    assert "You have already asked to join; the group's owner will decide soon." in text(response)
    assert "Request sent: waiting for the owner" in text(response)

    client.force_login(owner)
    members_page = text(client.get(f"/s/{closed_group.slug}/members/"))
    assert "I lead BI at Ikea" in members_page
    response = client.post(
        f"/s/{closed_group.slug}/requests/{request.pk}/", {"decision": "approve"}, follow=True
    )
    assert "alice is now a member." in text(response)
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == owner
    response = client.post(
        f"/s/{closed_group.slug}/requests/{request.pk}/", {"decision": "decline"}, follow=True
    )
    assert "Someone has already decided on this request." in text(response)
    client.force_login(member)
    assert client.get(f"/s/{closed_group.slug}/").status_code == 200


def test_a_too_long_note_is_refused_and_kept(client, member, closed_group):
    client.force_login(member)
    note = "x" * 301
    response = client.post(f"/groups/{closed_group.slug}/join/", {"message": note})
    assert response.status_code == 400
    assert note in text(response)
    assert not JoinRequest.objects.exists()


def test_a_declined_member_can_ask_again(owner, member, closed_group):
    first = groups.join_request_create(user=member, space=closed_group)
    groups.join_request_decide(actor=owner, join_request=first, approve=False)
    second = groups.join_request_create(user=member, space=closed_group, message="Please?")
    assert second.pk != first.pk and second.status == "pending"


def test_members_cannot_decide_join_requests(member, other_member, closed_group):
    join_request = groups.join_request_create(user=member, space=closed_group)
    with pytest.raises(PermissionDenied):
        groups.join_request_decide(actor=other_member, join_request=join_request, approve=True)


def test_leaving_and_the_owner_who_cannot_leave(client, owner, member, public_group):
    groups.space_join(user=member, space=public_group)
    client.force_login(member)
    client.post(f"/s/{public_group.slug}/leave/")
    assert not SpaceMembership.objects.filter(space=public_group, user=member).exists()
    client.force_login(owner)
    response = client.post(f"/s/{public_group.slug}/leave/", follow=True)
    assert "As the owner you cannot leave your group." in text(response)
    assert SpaceMembership.objects.filter(space=public_group, user=owner).exists()
    with pytest.raises(ValidationError, match="not a member"):
        groups.space_leave(user=member, space=public_group)


# Running a group ----------------------------------------------------------------------------


def test_owner_appoints_moderators_who_remove_members_but_not_the_owner(
    client, owner, member, other_member, public_group
):
    groups.space_join(user=member, space=public_group)
    groups.space_join(user=other_member, space=public_group)
    client.force_login(owner)
    client.post(f"/s/{public_group.slug}/members/{member.pk}/role/", {"role": "moderator"})
    assert SpaceMembership.objects.get(space=public_group, user=member).role == "moderator"

    client.force_login(member)
    client.post(f"/s/{public_group.slug}/members/{other_member.pk}/remove/")
    assert not SpaceMembership.objects.filter(space=public_group, user=other_member).exists()
    response = client.post(f"/s/{public_group.slug}/members/{owner.pk}/remove/")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        groups.member_set_role(actor=member, space=public_group, user=owner, role="member")


def test_group_moderators_pin_and_lock_only_in_their_group(owner, member, public_group):
    other_space = SpaceFactory()
    elsewhere = ask(member, other_space)
    here = ask(owner, public_group)
    services.thread_moderate(actor=owner, thread=here, pinned=True, locked=True)
    here.refresh_from_db()
    assert here.is_pinned and here.is_locked
    with pytest.raises(PermissionDenied):
        services.thread_moderate(actor=owner, thread=elsewhere, pinned=True)


def test_staff_feature_and_archive_groups(client, staff, member, owner, public_group):
    client.force_login(member)
    assert (
        client.post(f"/groups/{public_group.slug}/feature/", {"featured": "1"}).status_code == 403
    )
    client.force_login(staff)
    client.post(f"/groups/{public_group.slug}/feature/", {"featured": "1"})
    public_group.refresh_from_db()
    assert public_group.is_featured
    assert "Retail analysts" in text(client.get("/"))  # featured groups are on the home page

    client.post(f"/groups/{public_group.slug}/archive/", {"archived": "1"})
    public_group.refresh_from_db()
    assert public_group.is_archived
    assert "Retail analysts" not in text(client.get("/groups/"))
    assert "Retail analysts" in text(client.get("/groups/?show=archived"))
    client.force_login(member)
    assert "?show=archived" not in text(client.get("/groups/"))
    with pytest.raises(PermissionDenied):
        ask(owner, public_group)  # archived: closed to new threads


# Invitations --------------------------------------------------------------------------------


@pytest.fixture
def panel(staff):
    space = SpaceFactory(name="Beta panel 2027", slug="beta-panel", visibility="invite")
    return space


def test_staff_invite_to_a_panel_and_the_invitee_sees_it_on_their_home(
    client, staff, member, other_member, panel
):
    thread = ask(staff, panel, title="What should the new editor do first?", kind="discussion")
    client.force_login(staff)
    response = client.post(f"/s/{panel.slug}/invitations/", {"who": "alice", "days": "7"})
    assert response.status_code == 302
    invitation = SpaceInvitation.objects.get(space=panel)
    assert invitation.user == member
    assert timedelta(days=6) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert f"/invite/{invitation.token}/" in text(client.get(f"/s/{panel.slug}/members/"))

    client.force_login(other_member)
    assert "Beta panel 2027" not in text(client.get("/"))
    assert client.get(f"/s/{panel.slug}/").status_code == 404

    client.force_login(member)
    home = text(client.get("/"))
    assert "You are invited" in home and "Beta panel 2027" in home
    assert client.get(thread.get_absolute_url()).status_code == 404  # not before accepting
    response = client.post(f"/invite/{invitation.token}/")
    assert response.status_code == 302 and response["Location"] == f"/s/{panel.slug}/"
    assert client.get(thread.get_absolute_url()).status_code == 200
    home = text(client.get("/"))
    assert "You are invited" not in home and "Your spaces" in home
    response = client.post(f"/invite/{invitation.token}/", follow=True)
    assert "You are already a member of “Beta panel 2027”." in text(response)


@pytest.mark.parametrize(
    ("state", "status", "message"),
    [
        ("expired", 410, "This invitation has expired. Ask whoever invited you for a new link."),
        ("revoked", 410, "This invitation was withdrawn."),
        ("used", 410, "This invitation has already been used."),
    ],
)
def test_expired_withdrawn_and_used_invitations_say_so(
    client, staff, member, panel, state, status, message
):
    invitation = groups.invitation_create(actor=staff, space=panel, who="alice")
    if state == "expired":
        SpaceInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    elif state == "revoked":
        groups.invitation_revoke(actor=staff, invitation=invitation)
    else:
        SpaceInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    client.force_login(member)
    response = client.post(f"/invite/{invitation.token}/")
    assert response.status_code == status
    assert message in text(response)
    assert not SpaceMembership.objects.filter(space=panel, user=member).exists()


def test_a_forged_invitation_says_so_and_reveals_nothing(client, staff, member, panel):
    groups.invitation_create(actor=staff, space=panel, who="alice")
    client.force_login(member)
    for method in (client.get, client.post):
        response = method("/invite/not-a-real-token-at-all/")
        assert response.status_code == 404
        assert "This invitation link is not valid." in text(response)
        assert "Beta panel" not in text(response)


def test_an_invitation_for_someone_else_hides_the_space(client, staff, member, other_member, panel):
    invitation = groups.invitation_create(actor=staff, space=panel, who="alice")
    client.force_login(other_member)
    response = client.post(f"/invite/{invitation.token}/")
    assert response.status_code == 400
    assert "This invitation was sent to someone else." in text(response)
    assert "Beta panel" not in text(response)
    client.logout()
    response = client.get(f"/invite/{invitation.token}/")
    assert "Log in (or sign up) to see the invitation." in text(response)
    assert "Beta panel" not in text(response)


def test_an_email_invitation_needs_that_address_verified(staff, member, panel):
    invitation = groups.invitation_create(actor=staff, space=panel, who="Alice.Work@Example.NET")
    assert invitation.email == "alice.work@example.net" and invitation.user is None
    with pytest.raises(ValidationError, match="sent to someone else"):
        groups.invitation_accept(user=member, token=invitation.token)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email="alice.work@example.net", verified=True)
    groups.invitation_accept(user=member, token=invitation.token)
    assert SpaceMembership.objects.filter(space=panel, user=member).exists()


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("", "Type the username or e-mail address of the person."),
        ("nobody-here", "There is no member called “nobody-here”."),
        ("not@an@address", "is not an e-mail address"),
        ("sam", "sam is already a member."),
    ],
)
def test_bad_invitations_get_a_clear_message(client, staff, panel, who, message):
    SpaceMembership.objects.create(space=panel, user=staff)
    client.force_login(staff)
    response = client.post(f"/s/{panel.slug}/invitations/", {"who": who, "days": "14"})
    assert response.status_code == 400
    assert message in text(response)


def test_inviting_twice_and_declining(client, staff, member, panel):
    invitation = groups.invitation_create(actor=staff, space=panel, who="alice")
    with pytest.raises(ValidationError, match="already has an invitation waiting"):
        groups.invitation_create(actor=staff, space=panel, who="ALICE")
    client.force_login(member)
    client.post(f"/invitations/{invitation.pk}/decline/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "You are invited" not in text(client.get("/"))


def test_members_cannot_invite_into_a_panel(client, member, panel):
    SpaceMembership.objects.create(space=panel, user=member)
    client.force_login(member)
    assert client.post(f"/s/{panel.slug}/invitations/", {"who": "bob"}).status_code == 403


def test_group_owners_invite_into_their_members_only_group(owner, member, closed_group):
    invitation = groups.invitation_create(actor=owner, space=closed_group, who="alice")
    groups.invitation_accept(user=member, token=invitation.token)
    assert Thread.objects.visible_to(member).filter(space=closed_group).count() == 0
    assert permissions_role(member, closed_group) == "member"


def permissions_role(user, space):
    from forums import permissions

    return permissions.space_role(user, Space.objects.get(pk=space.pk))


# Bounded queries ----------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def test_group_pages_issue_a_fixed_number_of_queries(client, owner, member, closed_group):
    groups.space_join(user=member, space=SpaceFactory(kind="group", slug="tiny"))
    SpaceMembership.objects.create(space=closed_group, user=member)
    ask(owner, closed_group)
    client.force_login(owner)
    urls = [
        "/groups/",
        f"/groups/{closed_group.slug}/",
        f"/s/{closed_group.slug}/",
        f"/s/{closed_group.slug}/members/",
        "/",
    ]
    _count(client, "/")  # warm the branding cache
    before = [_count(client, url) for url in urls]
    for n in range(30):
        person = UserFactory(username=f"filler{n}")
        SpaceMembership.objects.create(space=closed_group, user=person)
        groups.join_request_create(user=UserFactory(username=f"asker{n}"), space=closed_group)
        groups.invitation_create(actor=owner, space=closed_group, who=f"guest{n}@example.org")
        other = groups.group_create(
            owner=UserFactory(username=f"founder{n}", trust_level=1),
            name=f"Group number {n}",
            visibility="members" if n % 2 else "public",
        )
        SpaceMembership.objects.create(space=other, user=owner)
        ask(person, closed_group, title=f"Question {n}")
    after = [_count(client, url) for url in urls]
    assert after == before, f"queries grew with the data: {before} -> {after}"
    assert max(after) <= 16, after

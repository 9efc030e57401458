"""Roles and e-mail verification are read from the cache on signed-in requests, and a change
counts at once: the next request sees it, without waiting for the cache to expire."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User

pytestmark = pytest.mark.django_db


def _permission_queries(client, path="/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_a_signed_in_page_reads_roles_from_the_database_once_then_from_the_cache(client, moderator):
    client.force_login(moderator)
    assert _permission_queries(client)  # the first request fills the cache
    assert _permission_queries(client) == []
    assert _permission_queries(client, "/mod/") == []


def test_joining_and_leaving_a_role_counts_on_the_next_request(client, member):
    client.force_login(member)
    assert client.get("/mod/").status_code == 404
    moderators = Group.objects.get(name="Moderators")
    member.groups.add(moderators)
    assert client.get("/mod/").status_code == 200
    member.groups.remove(moderators)
    assert client.get("/mod/").status_code == 404


def test_a_permission_given_to_a_role_counts_on_the_next_request(client, member):
    staff = Group.objects.get(name="Staff")
    member.groups.add(staff)
    user = User.objects.get(pk=member.pk)
    assert user.has_perm("accounts.delete_user") is False
    staff.permissions.add(Permission.objects.get(codename="delete_user"))
    user = User.objects.get(pk=member.pk)
    assert user.has_perm("accounts.delete_user") is True
    staff.permissions.remove(Permission.objects.get(codename="delete_user"))
    user = User.objects.get(pk=member.pk)
    assert user.has_perm("accounts.delete_user") is False


def test_verifying_an_address_lets_the_member_post_at_once(db):
    from allauth.account.models import EmailAddress

    from forums import permissions

    from .factories import UserFactory

    user = UserFactory(username="newbie")
    EmailAddress.objects.filter(user=user).delete()
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False)
    assert permissions.has_verified_email(User.objects.get(pk=user.pk)) is False
    address.set_verified(commit=True)
    assert permissions.has_verified_email(User.objects.get(pk=user.pk)) is True
    address.delete()
    assert permissions.has_verified_email(User.objects.get(pk=user.pk)) is False


def test_a_new_staff_member_is_marked_on_their_posts_at_once(client, member, other_member):
    from .factories import SpaceFactory
    from .forum_helpers import ask

    thread = ask(member, SpaceFactory(slug="help"), title="Who answers here?")
    staff_pill = 'title="Works for the vendor">Staff</span>'
    assert staff_pill not in client.get(thread.get_absolute_url()).content.decode()
    member.groups.add(Group.objects.get(name="Staff"))
    assert staff_pill in client.get(thread.get_absolute_url()).content.decode()
    member.groups.clear()
    assert staff_pill not in client.get(thread.get_absolute_url()).content.decode()

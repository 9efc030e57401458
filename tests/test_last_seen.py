"""A member's last visit is kept (insights counts readers as active), without a write on
every request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User

pytestmark = pytest.mark.django_db


def _updates(client, path="/"):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_reading_a_page_records_the_visit_once_per_few_minutes(client, member):
    client.force_login(member)
    assert _updates(client)
    seen = User.objects.get(pk=member.pk).last_seen_at
    assert seen is not None and timezone.now() - seen < timedelta(minutes=1)
    assert _updates(client) == []

    User.objects.filter(pk=member.pk).update(last_seen_at=seen - timedelta(minutes=11))
    assert _updates(client)
    assert User.objects.get(pk=member.pk).last_seen_at > seen - timedelta(minutes=1)


def test_visitors_and_failed_requests_record_nothing(client, member):
    assert _updates(client) == []
    client.force_login(member)
    assert client.get("/t/no-such-thread/999999/").status_code == 404
    assert User.objects.get(pk=member.pk).last_seen_at is None

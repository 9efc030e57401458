"""Fixtures for each role, shared by the whole suite."""

import socket

import pytest

from .factories import UserFactory

pytest_plugins = ["tests.services"]


@pytest.fixture
def member(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_member(db):
    return UserFactory(username="bob")


@pytest.fixture
def staff(db):
    return UserFactory(username="sam", roles=["Staff"])


@pytest.fixture
def moderator(db):
    return UserFactory(username="mia", roles=["Moderators"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", roles=["Admins"], is_superuser=True, is_staff=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the real Redis in the services run)."""
    from django.core.cache import cache

    cache.clear()
    yield


DATA_MIGRATIONS = [
    ("accounts", "0002_roles"),
    ("moderation", "0002_roles"),
    ("accounts", "0006_badges_catalogue"),
]


def _replay_data_migrations() -> None:
    """Run the data migrations' functions again against the migrated schema's state."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.operations.special import RunPython

    state_apps = MigrationExecutor(connection).loader.project_state().apps
    for app_label, name in DATA_MIGRATIONS:
        module = importlib.import_module(f"{app_label}.migrations.{name}")
        for operation in module.Migration.operations:
            if isinstance(operation, RunPython):
                operation.code(state_apps, None)


@pytest.fixture(autouse=True)
def _data_from_migrations(request, django_db_blocker):
    """Transactional tests empty every table when they end, which also wipes what data
    migrations created (role groups and their permissions, the badge catalogue). Put it back
    before the next test that uses the database."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("django_db_setup")  # the test database, never the real one
        with django_db_blocker.unblock():
            from django.contrib.auth.models import Group

            if not Group.objects.filter(name="Staff").exists():
                _replay_data_migrations()
    yield


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 that refuses connections: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]

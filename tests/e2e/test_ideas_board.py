"""In a real browser: vote on the board without a page load, staff answer with a status."""

import pytest
from playwright.sync_api import expect

from forums import ideas
from forums.models import IdeaVote, Thread
from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask

from .helpers import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def ensure_migration_data():
    """Put back what data migrations made (the roles, the badge catalogue) if an earlier
    transactional test flushed the database."""
    import importlib

    from django.contrib.auth.models import Group, Permission
    from django.contrib.sites.models import Site
    from django.core.management.sql import emit_post_migrate_signal

    from accounts.badges import catalogue_sync

    if not Site.objects.exists():  # content types, permissions and the site come back too
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    roles = importlib.import_module("accounts.migrations.0002_roles")
    for name, dotted_names in roles.ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    catalogue_sync()


def test_votes_toggle_in_place_and_a_double_click_counts_once(page):
    ensure_migration_data()
    space = SpaceFactory(slug="ideas", name="Ideas", allow_ideas=True)
    author = UserFactory(username="alice")
    UserFactory(username="bob")
    idea = ask(author, space, title="Dark mode for dashboards", kind="idea")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    log_in(page, "bob")
    page.goto("/ideas/")
    box = page.locator(f"#vote-{idea.pk}")
    page.evaluate("window.__stayed = true")  # gone if the page reloads
    box.get_by_role("button").dblclick()
    expect(box.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(box.locator(".vote-count")).to_have_text("1")
    assert page.evaluate("window.__stayed") is True
    assert IdeaVote.objects.filter(thread=idea).count() == 1

    box.get_by_role("button").click()
    expect(box.get_by_role("button")).to_have_attribute("aria-pressed", "false")
    expect(box.locator(".vote-count")).to_have_text("0")
    assert Thread.objects.get(pk=idea.pk).vote_count == 0
    assert problems == [], problems


def test_staff_change_a_status_and_an_empty_comment_keeps_the_choice(page):
    ensure_migration_data()
    space = SpaceFactory(slug="ideas", name="Ideas", allow_ideas=True)
    author = UserFactory(username="alice")
    UserFactory(username="sam", roles=["Staff"])
    idea = ask(author, space, title="Alert me when a sync fails", kind="idea")
    ideas.idea_vote_toggle(user=author, thread=idea, voted=True)

    log_in(page, "sam")
    page.goto(idea.get_absolute_url())
    page.get_by_text("Change status").click()
    page.get_by_label("New status").select_option("in_progress")
    page.get_by_role("button", name="Update status").click()
    expect(page.locator(".idea-tool .errorlist").last).to_contain_text("voters are told")
    expect(page.get_by_label("New status")).to_have_value("in_progress")

    page.get_by_label("Official comment").fill("We started on this **today**.")
    page.get_by_role("button", name="Update status").click()
    expect(page.locator(".idea-panel .idea-status")).to_have_text("In progress")
    expect(page.locator(".post.is-official").last).to_contain_text(
        "Status: Under review → In progress"
    )
    page.goto("/ideas/roadmap/")
    expect(page.locator(".roadmap-in_progress")).to_contain_text("Alert me when a sync fails")

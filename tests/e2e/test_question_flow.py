"""A customer asks, staff answer officially, the customer accepts: the thread is solved."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import SpaceFactory, UserFactory

from .helpers import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def log_out(page):
    page.locator("summary[aria-label='Your account']").click()
    page.get_by_role("button", name="Log out").click()


def test_question_gets_an_official_answer_and_is_solved(page):
    SpaceFactory(slug="dashboards", name="Dashboards")
    UserFactory(username="alice", display_name="Alice Customer")
    UserFactory(username="sam", display_name="Sam Support", roles=["Staff"])

    log_in(page, "alice")
    page.goto("/s/dashboards/")
    page.get_by_role("link", name="Ask a question").click()
    page.get_by_label("Title").fill("Scheduled report e-mails arrive empty")
    page.get_by_label("Details").fill("Since Monday the **PDF** attachment is empty.")
    expect(page.locator(".preview strong")).to_have_text("PDF")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Scheduled report e-mails arrive empty"
    )
    thread_url = page.url
    log_out(page)

    log_in(page, "sam")
    page.goto(thread_url)
    page.get_by_label("Your reply").fill("Re-save the schedule once; a fix ships on Thursday.")
    page.get_by_label("Post as an official answer").check()
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".official-box")).to_contain_text("Re-save the schedule once")
    log_out(page)

    log_in(page, "alice")
    page.goto(thread_url)
    page.get_by_role("button", name="✓ Accept answer").click()
    expect(page.locator(".accepted-box")).to_contain_text("Re-save the schedule once")
    expect(page.locator(".thread-head")).to_contain_text("Solved")
    page.goto("/s/dashboards/?show=solved")
    expect(page.get_by_role("link", name=re.compile("Scheduled report"))).to_be_visible()

"""A newcomer's first visit, in a real browser: sign up, confirm, log in, fill in the profile."""

import re

import pytest
from playwright.sync_api import expect

PASSWORD = "quiet-harbour-lantern-42"
CONFIRM_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+")


@pytest.fixture
def csp_violations(page):
    """Console reports of anything the Content Security Policy blocked on the pages visited."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


@pytest.mark.django_db(transaction=True)
def test_newcomer_signs_up_confirms_edits_profile_and_logs_out(
    page, live_server, mailoutbox, csp_violations
):
    page.goto("/accounts/signup/")
    page.get_by_label("E-mail address").fill("dana@example.com")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert [message.to for message in mailoutbox] == [["dana@example.com"]]
    link = CONFIRM_LINK.search(mailoutbox[0].body).group(0)

    page.goto(link)
    expect(page.get_by_text("dana@example.com")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username or e-mail address").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Your account")).to_be_visible()

    page.goto("/settings/profile/")
    page.get_by_label("Display name").fill("Dana Whitaker")
    page.get_by_label("About you").fill("Runs the data team.\nAsks about <exports> a lot.")
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(re.compile(r"/u/dana/$"))
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Whitaker")
    bio = page.locator(".profile-bio")
    expect(bio).to_contain_text("Runs the data team.")
    expect(bio).to_contain_text("Asks about <exports> a lot.")
    expect(page.locator("#main").get_by_text("@dana")).to_be_visible()

    page.get_by_label("Your account").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert csp_violations == []

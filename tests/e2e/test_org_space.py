"""A B2B customer in a real browser: Carol verifies her company address, lands in Acme's
private space and posts there; Alice, another customer, cannot find that thread by its URL
or by searching for it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Organization, OrganizationMembership
from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask

PASSWORD = "pallet-forklift-harbour-7"
CONFIRM_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+")
TITLE = "Wombatquest: moving the Tilburg dashboards to tablets"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def csp_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail address").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Your account")).to_be_visible()


def test_carol_verifies_her_company_address_and_posts_in_its_private_space(
    page, live_server, mailoutbox, csp_violations
):
    acme = Organization.objects.create(name="Acme Logistics", slug="acme", domains="acme.example")
    SpaceFactory(
        name="Acme Logistics private",
        slug="acme-private",
        description="Between Acme and the vendor's team.",
        visibility="organization",
        organization=acme,
    )
    dashboards = SpaceFactory(name="Dashboards", slug="dashboards")
    alice = UserFactory(username="alice", password="correct horse battery")
    # A public thread with the same unusual word: proof that the search itself works.
    ask(alice, dashboards, title="Wombatquest public checklist", body="For everyone.")

    # Carol signs up with her work address and confirms it from the e-mail.
    page.goto("/accounts/signup/")
    page.get_by_label("E-mail address").fill("carol@acme.example")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = CONFIRM_LINK.search(mailoutbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    assert OrganizationMembership.objects.filter(organization=acme, user__username="carol")

    # Logged in, her company's private space is waiting for her on the home page.
    log_in(page, "carol", PASSWORD)
    your_spaces = page.locator(".your-spaces")
    expect(your_spaces).to_contain_text("Acme Logistics private")
    your_spaces.get_by_role("link", name=re.compile("Acme Logistics private")).click()
    expect(page).to_have_url(re.compile(r"/s/acme-private/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Logistics private")

    page.get_by_role("link", name="Ask a question").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Details").fill("We need the **floor view** on 25 tablets by March.")
    expect(page.locator(".preview strong")).to_have_text("floor view")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    thread_url = page.url
    page.get_by_label("Your account").click()
    page.get_by_role("button", name="Log out").click()

    # Alice cannot open it by its address, nor find it by searching.
    log_in(page, "alice", "correct horse battery")
    response = page.goto(thread_url)
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text("Wombatquest")
    page.goto("/")
    page.locator("#hero-q").fill("Wombatquest")
    page.locator("#hero-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(
        page.get_by_role("link", name=re.compile("Wombatquest public checklist"))
    ).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Tilburg")
    expect(page.locator("main")).not_to_contain_text("Acme Logistics private")
    assert csp_violations == []

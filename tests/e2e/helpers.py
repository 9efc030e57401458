"""Steps the browser tests share."""

from playwright.sync_api import expect

PASSWORD = "correct horse battery"


def log_in(page, username, password=PASSWORD):
    """Log in through the real form and wait until the header shows the account menu."""
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail address").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.locator("summary[aria-label='Your account']")).to_be_visible()

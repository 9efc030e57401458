"""A member pastes a screenshot into the composer and sees it in the posted reply."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import SpaceFactory, UserFactory
from tests.forum_helpers import ask

from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASTE_SCREENSHOT = """
async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 240;
  canvas.height = 120;
  const context = canvas.getContext("2d");
  context.fillStyle = "#c0392b";
  context.fillRect(0, 0, 240, 120);
  context.fillStyle = "#ffffff";
  context.fillRect(20, 20, 80, 40);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const clipboard = new DataTransfer();
  clipboard.items.add(new File([blob], "image.png", { type: "image/png" }));
  const box = document.querySelector("textarea[name=body]");
  box.focus();
  box.dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true })
  );
}
"""


def test_a_pasted_screenshot_appears_in_the_posted_reply(page, settings, tmp_path):
    settings.STOA_UPLOAD_ROOT = tmp_path
    space = SpaceFactory(slug="dashboards", name="Dashboards")
    alice = UserFactory(username="alice", display_name="Alice Customer")
    thread = ask(alice, space, title="Export button does nothing")

    log_in(page, "alice")
    page.goto(thread.get_absolute_url())
    composer = page.get_by_label("Your reply")
    composer.fill("Here is what I see:")
    page.evaluate(PASTE_SCREENSHOT)

    done = page.locator(".upload-item.is-done")
    expect(done).to_contain_text("image.png")
    expect(done.locator("progress")).to_have_attribute("value", "100")
    expect(composer).to_have_value(
        re.compile(r"Here is what I see:\n!\[image\.png\]\(/uploads/[\w-]{24}/image\.png\)")
    )
    preview_image = page.locator(".preview img")
    expect(preview_image).to_be_visible()

    page.get_by_role("button", name="Post reply").click()

    posted = page.locator(".post").filter(has_text="Here is what I see:").locator("img")
    expect(posted).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=posted.element_handle()
    )
    assert posted.evaluate("(img) => img.naturalWidth") == 240


def test_a_refused_file_says_why_and_keeps_the_text(page, settings, tmp_path):
    settings.STOA_UPLOAD_ROOT = tmp_path
    space = SpaceFactory(slug="dashboards", name="Dashboards")
    alice = UserFactory(username="alice")
    thread = ask(alice, space, title="Export button does nothing")

    log_in(page, "alice")
    page.goto(thread.get_absolute_url())
    page.get_by_label("Your reply").fill("Typed text stays.")
    page.locator("[data-upload-input]").set_input_files(
        files=[{"name": "evil.png", "mimeType": "image/png", "buffer": b"<script>x</script>"}]
    )

    error = page.locator(".upload-item.is-error")
    expect(error).to_contain_text("is named like an image but its content is not an image")
    expect(page.get_by_label("Your reply")).to_have_value("Typed text stays.")

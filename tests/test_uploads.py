"""Uploads: files in posts, judged by content and served only to those who may read the post."""

import io
import json
import struct
import zlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from forums import services
from forums.models import Post, Thread, Upload
from forums.rendering import render_post
from forums.uploads import services as upload_services
from forums.uploads import tasks as upload_tasks
from forums.uploads.storage import PrivateUploadStorage
from moderation.services import posts as moderation_posts
from moderation.services import threads as moderation_threads

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/uploads/"


# Helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    """Every test keeps its files in its own folder, never in the repository."""
    settings.STOA_UPLOAD_ROOT = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "uploads"


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def image_bytes(size=(640, 480), fmt="PNG", mode="RGB", colour=(30, 120, 200), **save_kwargs):
    buffer = io.BytesIO()
    Image.new(mode, size, colour if mode != "1" else 0).save(buffer, fmt, **save_kwargs)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def send(client, data: bytes, name: str = "screenshot.png"):
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, data)})


def error_of(response) -> str:
    return json.loads(response.content)["error"]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def space(db):
    return SpaceFactory(slug="dashboards", name="Dashboards")


@pytest.fixture
def private_space(db):
    return SpaceFactory(slug="panel", name="Panel", visibility="invite")


@pytest.fixture
def alice(member):
    member.trust_level = 2
    member.save(update_fields=["trust_level"])
    return member


def uploaded(client, user, data=None, name="screenshot.png") -> dict:
    client.force_login(user)
    response = send(client, data if data is not None else image_bytes(), name)
    assert response.status_code == 201, response.content
    return json.loads(response.content)


# Sending a file ----------------------------------------------------------------------------


def test_a_pasted_screenshot_comes_back_as_markdown_for_the_composer(client, alice, upload_root):
    data = uploaded(client, alice, image_bytes((800, 600)), "image.png")

    upload = Upload.objects.get()
    assert data["kind"] == "image"
    assert data["name"] == "image.png"
    assert data["url"] == f"/uploads/{upload.key}/image.png"
    assert data["markdown"] == f"![image.png]({data['url']})"
    assert (data["width"], data["height"]) == (800, 600)
    assert upload.owner == alice and upload.post is None
    assert len(upload.key) == 24 and upload.key not in upload.file.name
    assert len(stored_files(upload_root)) == 2  # the original and a thumbnail


def test_photo_metadata_is_stripped_and_orientation_kept(client, alice, upload_root):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Industries"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 5.0), 3: "E", 4: (4.0, 53.0, 2.0)}  # GPS
    photo = image_bytes((1200, 800), "JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)

    data = uploaded(client, alice, photo, "holiday.jpeg")

    upload = Upload.objects.get()
    stored = upload_root / upload.file.name
    picture = Image.open(stored)
    assert picture.format == "JPEG"
    assert not picture.getexif()
    assert b"SpyCam" not in stored.read_bytes()
    assert (data["width"], data["height"]) == (800, 1200)  # turned upright before EXIF went
    assert data["name"] == "holiday.jpg"


def test_large_images_get_a_display_copy_and_a_thumbnail(client, alice, upload_root):
    data = uploaded(client, alice, image_bytes((3200, 1600)), "wide.png")

    display = client.get(data["url"] + "?size=display")
    thumb = client.get(data["url"] + "?size=thumb")
    original = client.get(data["url"])

    assert Image.open(io.BytesIO(body_of(display))).size == (1600, 800)
    assert Image.open(io.BytesIO(body_of(thumb))).size == (320, 160)
    assert Image.open(io.BytesIO(body_of(original))).size == (3200, 1600)
    assert original["Content-Type"] == "image/png"
    assert display["Content-Type"] in {"image/webp", "image/png"}


def test_an_animated_gif_keeps_its_frames(client, alice, upload_root):
    frames = [Image.new("RGB", (60, 40), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)

    data = uploaded(client, alice, buffer.getvalue(), "spinner.gif")

    stored = Image.open(io.BytesIO(body_of(client.get(data["url"]))))
    assert stored.format == "GIF" and stored.n_frames == 3


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("server.log", b"2026-01-01 12:00 ERROR export failed\n" * 20, "text/plain"),
        ("report.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer\n%%EOF\n", "application/pdf"),
        ("numbers.csv", b"month,total\njan,3\n", "text/csv"),
        ("bundle.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip"),
    ],
)
def test_allowed_files_become_links_with_name_and_size(client, alice, name, content, content_type):
    data = uploaded(client, alice, content, name)

    assert data["kind"] == "file"
    assert data["markdown"] == f"[{name} ({data['size_label']})]({data['url']})"
    response = client.get(data["url"])
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body_of(response) == content


def test_file_names_are_made_safe_for_urls(client, alice):
    data = uploaded(client, alice, b"hello\n", "Crash report (été) #2.TXT")

    assert data["name"] == "Crash-report-ete-2.txt"


# Hostile files: each refused with a clear message, nothing stored ---------------------------


def _polyglot_png() -> bytes:
    """A valid PNG whose text chunk carries an HTML page: a browser sniffing it runs it."""
    png = image_bytes((32, 32))
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    return png[:33] + png_chunk(b"tEXt", b"Comment\x00" + page) + png[33:]


HOSTILE = [
    pytest.param(
        "invoice.png",
        b"<script>alert(document.domain)</script>\n",
        "“invoice.png” is named like an image but its content is not an image we can read.",
        id="script-renamed-png",
    ),
    pytest.param(
        "cat.png",
        _polyglot_png(),
        "“cat.png” is an image with web-page code (HTML or script) hidden inside",
        id="polyglot-image-html",
    ),
    pytest.param(
        "funny.gif",
        b"GIF89a/*<html><script>alert(1)</script></html>*/=1;",
        "“funny.gif” is named like an image but its content is not an image we can read.",
        id="polyglot-gif-header",
    ),
    pytest.param(
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "“logo.svg” is an SVG drawing, and SVG files are not accepted",
        id="svg-with-script",
    ),
    pytest.param(
        "logo.png",
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "“logo.png” is an SVG drawing",
        id="svg-named-png",
    ),
    pytest.param(
        "bomb.png",
        image_bytes((30000, 30000), "PNG", mode="1"),
        "The image is too large: it has more than 25 megapixels. Try a smaller picture.",
        id="pixel-bomb",
    ),
    pytest.param(
        "huge.png",
        # 6000 x 6000 declared in the header, no real pixel data: judged before decoding.
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 6000, 6000, 8, 2, 0, 0, 0))
        + png_chunk(b"IDAT", b"not really compressed pixels")
        + png_chunk(b"IEND", b""),
        "The image is too large: it is 6000 by 6000 pixels and the limit is 25 megapixels.",
        id="over-the-pixel-limit",
    ),
    pytest.param(
        "..%2F..%2Fetc%2Fcron.d%2Fevil.png",
        image_bytes((20, 20)),
        "“..%2F..%2Fetc%2Fcron.d%2Fevil.png” is not a plain file name: names cannot contain "
        "folders or “..”.",
        id="path-traversal-encoded",
    ),
    pytest.param(
        "empty.png",
        b"",
        "“empty.png” is empty (0 bytes), so there is nothing to attach.",
        id="zero-bytes",
    ),
    pytest.param(
        "setup.exe",
        b"MZ\x90\x00" + b"\x00" * 60,
        "Files of type .exe cannot be attached. Attach an image (JPEG, PNG, GIF or WebP) or a "
        "file ending in .csv, .log, .pdf, .txt, .zip.",
        id="executable",
    ),
    pytest.param(
        "page.html",
        b"<html><script>alert(1)</script></html>",
        "Files of type .html cannot be attached.",
        id="html-page",
    ),
    pytest.param(
        "notes.txt",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        "“notes.txt” is named .txt but holds binary data, not text.",
        id="binary-named-txt",
    ),
    pytest.param(
        "invoice.pdf",
        b"<html>not a pdf</html>",
        "“invoice.pdf” is named .pdf but is not a PDF file inside.",
        id="fake-pdf",
    ),
    pytest.param(
        "scan.bmp",
        image_bytes((40, 40), "BMP"),
        "“scan.bmp” is a BMP image, a format we do not accept.",
        id="bmp",
    ),
    pytest.param(
        "broken.png",
        image_bytes((400, 400))[:300],
        "“broken.png” could not be read as an image",
        id="truncated",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE)
def test_hostile_files_are_refused_with_a_clear_message(
    client, alice, upload_root, name, content, message
):
    client.force_login(alice)

    response = send(client, content, name)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in error_of(response)
    assert not Upload.objects.exists()
    assert stored_files(upload_root) == []


@pytest.mark.parametrize("name", ["../../etc/cron.d/evil.png", "..\\..\\windows\\evil.png"])
def test_a_path_traversal_name_never_leaves_the_upload_folder(client, alice, upload_root, name):
    # Django's parser keeps only the last part of a sent name; the stored name is random.
    data = uploaded(client, alice, image_bytes((20, 20)), name)

    upload = Upload.objects.get()
    assert data["name"] == "evil.png"
    assert all(p.is_relative_to(upload_root) for p in stored_files(upload_root))
    assert ".." not in upload.file.name and "evil" not in upload.file.name


@pytest.mark.parametrize("name", ["../../etc/passwd.txt", "logs/../../app.log", "..\\x.txt"])
def test_the_service_refuses_names_with_folders_from_any_caller(alice, upload_root, name):
    from forums.uploads.checks import UploadRefused

    raw = io.BytesIO(b"hello\n")
    raw.name = name  # a file object that did not come through Django's parser

    with pytest.raises(UploadRefused, match="is not a plain file name"):
        upload_services.upload_create(owner=alice, file=raw)
    assert stored_files(upload_root) == []


def test_an_oversized_file_is_refused_with_sizes(client, alice, upload_root, settings):
    settings.STOA_UPLOAD_MAX_BYTES = 10_000
    noisy = Image.effect_noise((300, 300), 90).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    client.force_login(alice)

    response = send(client, buffer.getvalue(), "noise.png")

    assert response.status_code in {400, 413}
    assert error_of(response).startswith("“noise.png” is too large: it is ") or error_of(
        response
    ).startswith("That file is too large")
    assert "9.8 KB" in error_of(response)
    assert stored_files(upload_root) == []


def test_a_body_larger_than_the_limit_is_refused_before_it_is_read(client, alice, settings):
    settings.STOA_UPLOAD_MAX_BYTES = 100_000
    client.force_login(alice)

    response = send(client, b"x" * 300_000, "big.log")

    assert response.status_code == 413
    assert error_of(response) == (
        "That file is too large: the limit is 97.7 KB. Make it smaller (or zip a log) and try "
        "again."
    )


def test_an_animation_counts_the_pixels_of_every_frame(client, alice, settings):
    settings.STOA_UPLOAD_MAX_PIXELS = 100_000
    frames = [Image.new("RGB", (200, 200), (i * 20, 0, 0)) for i in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    client.force_login(alice)

    response = send(client, buffer.getvalue(), "long.gif")

    assert error_of(response).startswith("The animation is too large: 5 frames of 200 by 200")


def test_post_without_a_file_says_so(client, alice):
    client.force_login(alice)

    response = client.post(UPLOAD_URL, {})

    assert response.status_code == 400
    assert error_of(response) == "Choose a file to attach."


# Who may send files, and how many ------------------------------------------------------------


def test_visitors_and_unverified_members_cannot_upload(client, db):
    response = send(client, image_bytes())
    assert response.status_code == 403
    assert error_of(response) == "Log in to attach files."

    client.force_login(UserFactory(username="newbie", verified=False))
    response = send(client, image_bytes())
    assert response.status_code == 403
    assert error_of(response) == "Verify your e-mail address before attaching files."
    assert not Upload.objects.exists()


def test_a_suspended_member_is_told_why(client, alice):
    alice.suspended_until = timezone.now() + timedelta(days=2)
    alice.suspension_reason = "Spam."
    alice.save()
    client.force_login(alice)

    response = send(client, image_bytes())

    assert response.status_code == 403
    assert error_of(response).startswith("Your account is suspended until")


def test_uploads_need_the_csrf_token(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)

    response = send(strict, image_bytes())

    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_byte_limit_follows_the_trust_level(client, member, settings):
    settings.STOA_UPLOAD_LIMITS = {
        0: {"bytes": 1_000, "per_post": 3, "per_hour": None},
        2: {"bytes": None, "per_post": 10, "per_hour": None},
    }
    log = b"line of a log file\n" * 100  # 1,900 bytes
    client.force_login(member)  # trust level 0

    refused = send(client, log, "app.log")
    member.trust_level = 2
    member.save(update_fields=["trust_level"])
    accepted = send(client, log, "app.log")

    assert refused.status_code in {400, 413} and "1000" in error_of(refused).replace(",", "")
    assert accepted.status_code == 201


def test_hourly_allowance_is_enforced(client, alice, settings):
    settings.STOA_UPLOAD_LIMITS = {2: {"bytes": None, "per_post": 10, "per_hour": 2}}
    client.force_login(alice)

    statuses = [send(client, b"log\n", f"{n}.log").status_code for n in range(3)]

    assert statuses == [201, 201, 400]
    assert error_of(send(client, b"log\n", "x.log")) == (
        "Members at trust level “member” can attach 2 files an hour, and you have reached "
        "that. Please try again a little later."
    )


def test_files_per_post_follow_the_trust_level(client, member, space, settings):
    settings.STOA_UPLOAD_LIMITS = {0: {"bytes": None, "per_post": 2, "per_hour": None}}
    markdown = [uploaded(client, member, b"log\n", f"{n}.log")["markdown"] for n in range(3)]
    thread = ask(member, space)
    body = "Three logs:\n\n" + "\n".join(markdown)

    response = client.post(
        reverse("forums:reply", args=[thread.pk]), {"body": body, "client_token": "t-1"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "can attach at most 2 files to one post; this one has 3" in page
    assert "Three logs:" in page  # what was typed is still in the composer
    assert not Upload.objects.filter(post__isnull=False).exists()


# Linking uploads to posts ---------------------------------------------------------------------


def test_a_reply_attaches_its_authors_uploads(client, alice, space):
    data = uploaded(client, alice)
    thread = ask(alice, space)

    post = reply(alice, thread, body=f"Here is the screen:\n\n{data['markdown']}")

    upload = Upload.objects.get()
    assert upload.post == post and upload.attached_at is not None
    link = f'<a href="{data["url"]}" rel="nofollow ugc noopener">'
    assert link in post.body_html
    assert f'src="{data["url"]}?size=display"' in post.body_html


def test_a_new_thread_and_an_edit_attach_uploads_too(client, alice, space):
    first = uploaded(client, alice, name="one.png")
    second = uploaded(client, alice, name="two.png")

    thread = ask(alice, space, body=f"Broken:\n\n{first['markdown']}")
    opening = thread.posts.get(position=1)
    services.post_edit(editor=alice, post=opening, body=f"Broken:\n\n{second['markdown']}")

    assert set(Upload.objects.values_list("post", flat=True)) == {opening.pk}


def test_someone_elses_upload_is_never_attached_to_my_post(client, alice, other_member, space):
    theirs = uploaded(client, other_member, name="theirs.png")
    thread = ask(alice, space)

    reply(alice, thread, body=f"Borrowed: {theirs['markdown']}")

    assert Upload.objects.get().post is None
    client.force_login(alice)
    assert client.get(theirs["url"]).status_code == 404


def test_an_upload_already_in_a_private_post_stays_private_when_linked_in_public(
    client, alice, space, private_space
):
    from forums.models import SpaceMembership

    SpaceMembership.objects.create(space=private_space, user=alice)
    data = uploaded(client, alice)
    secret = ask(alice, private_space, body=f"Internal: {data['markdown']}")
    public = ask(alice, space, title="Public copy", body=f"Also here: {data['markdown']}")

    upload = Upload.objects.get()
    assert upload.post.thread == secret
    client.logout()
    assert client.get(public.get_absolute_url()).status_code == 200
    assert client.get(data["url"]).status_code == 404


def test_the_same_bytes_uploaded_twice_are_two_uploads_never_shared(
    client, alice, space, private_space
):
    from forums.models import SpaceMembership

    SpaceMembership.objects.create(space=private_space, user=alice)
    picture = image_bytes((300, 200), colour=(200, 10, 10))
    private_copy = uploaded(client, alice, picture, "same.png")
    public_copy = uploaded(client, alice, picture, "same.png")
    ask(alice, private_space, body=private_copy["markdown"])
    ask(alice, space, title="Same picture in public", body=public_copy["markdown"])

    first, second = Upload.objects.order_by("pk")
    assert first.sha256 == second.sha256 and first.key != second.key
    assert first.file.name != second.file.name
    client.logout()
    assert client.get(public_copy["url"]).status_code == 200
    assert client.get(private_copy["url"]).status_code == 404


# Serving: the reading door -----------------------------------------------------------------


def test_an_unattached_upload_is_its_owners_alone(client, alice, other_member):
    data = uploaded(client, alice)

    assert client.get(data["url"]).status_code == 200  # the composer's preview shows it
    client.force_login(other_member)
    assert client.get(data["url"]).status_code == 404
    client.logout()
    assert client.get(data["url"]).status_code == 404


def test_a_wrong_name_or_key_is_404(client, alice):
    data = uploaded(client, alice)
    key = data["url"].split("/")[2]

    assert client.get(f"/uploads/{key}/other.png").status_code == 404
    assert client.get(f"/uploads/{'A' * 24}/screenshot.png").status_code == 404
    assert client.get(f"/uploads/{key}/..%2F..%2Fsettings.py").status_code == 404


def test_serving_headers_for_a_public_image(client, alice, space):
    data = uploaded(client, alice, name="chart.png")
    thread = ask(alice, space, body=data["markdown"])
    client.logout()

    response = client.get(data["url"])

    assert response.status_code == 200
    assert thread.posts.get().uploads.count() == 1
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="chart.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "public" in response["Cache-Control"]
    assert client.head(data["url"]).status_code == 200


def test_private_uploads_are_never_publicly_cacheable(client, alice, private_space):
    from forums.models import SpaceMembership

    SpaceMembership.objects.create(space=private_space, user=alice)
    data = uploaded(client, alice)
    ask(alice, private_space, body=data["markdown"])

    response = client.get(data["url"])

    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_uploads_follow_their_post_when_it_is_deleted(client, alice, space):
    data = uploaded(client, alice)
    thread = ask(alice, space)
    post = reply(alice, thread, body=data["markdown"])
    client.logout()
    assert client.get(data["url"]).status_code == 200

    services.post_delete(actor=alice, post=post)

    assert client.get(data["url"]).status_code == 404
    client.force_login(alice)
    assert client.get(data["url"]).status_code == 404


def test_uploads_follow_their_post_when_a_moderator_hides_it(
    client, alice, other_member, moderator, space
):
    data = uploaded(client, alice)
    thread = ask(alice, space)
    post = reply(alice, thread, body=data["markdown"])

    moderation_posts.post_hide(actor=moderator, post=post, reason="Off-topic.")

    for viewer in (None, other_member):
        client.logout()
        if viewer:
            client.force_login(viewer)
        assert client.get(data["url"]).status_code == 404
    client.force_login(moderator)
    assert client.get(data["url"]).status_code == 200


def test_uploads_follow_their_thread_into_a_private_space(
    client, alice, moderator, space, private_space
):
    data = uploaded(client, alice)
    thread = ask(alice, space, body=data["markdown"])
    client.logout()
    assert client.get(data["url"]).status_code == 200

    moderation_threads.thread_move(
        actor=moderator, thread=thread, space=private_space, reason="Customer data."
    )

    assert client.get(data["url"]).status_code == 404
    client.force_login(alice)  # the author is not a member of the panel either
    assert client.get(data["url"]).status_code == 404


def test_uploads_in_a_conversation_are_for_its_participants(client, alice, other_member, staff, db):
    from forums import messaging

    data = uploaded(client, alice)
    messaging.conversation_start(
        author=alice, to="bob", title="Logs", body=f"As promised: {data['markdown']}"
    )

    client.force_login(other_member)
    assert client.get(data["url"]).status_code == 200
    for outsider in (staff, UserFactory(username="eve")):
        client.force_login(outsider)
        assert client.get(data["url"]).status_code == 404


def test_signed_urls_are_handed_out_after_the_same_check(client, alice, space, settings):
    data = uploaded(client, alice, b"ERROR\n", "server.log")
    ask(alice, space, body=data["markdown"])
    settings.STORAGES = {**settings.STORAGES, "uploads": {"BACKEND": f"{__name__}.SigningStorage"}}
    client.logout()

    response = client.get(data["url"])

    assert response.status_code == 302
    assert response["Location"].startswith("https://bucket.example/")
    assert "no-store" in response["Cache-Control"]
    assert SigningStorage.calls[-1]["parameters"]["ResponseContentDisposition"] == (
        'attachment; filename="server.log"'
    )
    assert SigningStorage.calls[-1]["expire"] == settings.STOA_UPLOAD_SIGNED_URL_SECONDS


def test_signed_urls_are_not_given_to_those_who_may_not_read(
    client, alice, private_space, settings
):
    from forums.models import SpaceMembership

    SpaceMembership.objects.create(space=private_space, user=alice)
    data = uploaded(client, alice)
    ask(alice, private_space, body=data["markdown"])
    settings.STORAGES = {**settings.STORAGES, "uploads": {"BACKEND": f"{__name__}.SigningStorage"}}
    client.logout()

    assert client.get(data["url"]).status_code == 404


def test_real_s3_storage_signs_a_short_lived_url_offline():
    from storages.backends.s3 import S3Storage

    storage = S3Storage(
        bucket_name="stoa-uploads",
        endpoint_url="http://127.0.0.1:9",
        access_key="test",
        secret_key="test",
        region_name="us-east-1",
        location="uploads",
        querystring_auth=True,
        signature_version="s3v4",
    )

    url = storage.url(
        "2026/01/abc.log",
        parameters={"ResponseContentDisposition": 'attachment; filename="a.log"'},
        expire=60,
    )

    assert url.startswith("http://127.0.0.1:9/stoa-uploads/uploads/2026/01/abc.log?")
    assert "X-Amz-Expires=60" in url and "response-content-disposition=attachment" in url


def test_behind_nginx_the_file_is_sent_by_x_accel_redirect(client, alice, settings):
    settings.STOA_UPLOAD_ACCEL_REDIRECT = "/internal-uploads/"
    data = uploaded(client, alice, b"trace\n", "trace.txt")
    upload = Upload.objects.get()

    response = client.get(data["url"])

    assert response["X-Accel-Redirect"] == f"/internal-uploads/{upload.file.name}"
    assert response["Content-Disposition"] == 'attachment; filename="trace.txt"'
    assert response.content == b""


class SigningStorage(PrivateUploadStorage):
    """Stands in for S3: keeps files locally, hands out 'signed' URLs and remembers the call."""

    querystring_auth = True
    calls: list = []

    def url(self, name, parameters=None, expire=None):
        SigningStorage.calls.append({"name": name, "parameters": parameters, "expire": expire})
        return f"https://bucket.example/{name}?X-Amz-Signature=abc"


# Rendering ------------------------------------------------------------------------------------


def test_upload_images_show_the_display_copy_and_link_to_the_original():
    key = "A" * 24
    html = render_post(f"Look: ![shot.png](/uploads/{key}/shot.png)").html

    assert (
        f'<a href="/uploads/{key}/shot.png" rel="nofollow ugc noopener">'
        f'<img alt="shot.png" src="/uploads/{key}/shot.png?size=display"></a>'
    ) in html


def test_the_sanitiser_still_refuses_what_it_refused():
    html = render_post(
        "![a](javascript:alert(1)) ![b](//evil.example/uploads/x.png) "
        '<img src="data:text/html,hi" alt="c"> [d](vbscript:x)'
    ).html

    assert "javascript" not in html and "evil.example" not in html
    assert "data:" not in html and "vbscript" not in html


def test_only_exact_upload_paths_are_rewritten():
    html = render_post(f"![x](/uploads/{'B' * 24}/a.png?size=thumb) ![y](/uploads/../a.png)").html

    assert "size=display" not in html


# Cleaning up -----------------------------------------------------------------------------------


def test_the_sweep_removes_uploads_no_post_took_within_a_day(
    client, alice, space, upload_root, django_capture_on_commit_callbacks
):
    old = uploaded(client, alice, name="old.png")
    used = uploaded(client, alice, name="used.png")
    fresh = uploaded(client, alice, name="fresh.png")
    ask(alice, space, body=used["markdown"])
    day_ago = timezone.now() - timedelta(hours=25)
    Upload.objects.exclude(name="fresh.png").update(created_at=day_ago)
    old_files = Upload.objects.get(name="old.png").stored_names()

    with django_capture_on_commit_callbacks(execute=True):
        removed = upload_tasks.uploads_sweep.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        again = upload_services.uploads_sweep()

    assert (removed, again) == (1, 0)
    assert set(Upload.objects.values_list("name", flat=True)) == {"used.png", "fresh.png"}
    assert all(not (upload_root / name).exists() for name in old_files)
    assert client.get(old["url"]).status_code == 404
    assert client.get(fresh["url"]).status_code == 200


def test_the_sweep_is_on_the_beat_schedule(settings):
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "forums.uploads_sweep"
    ]
    assert entries and entries[0]["schedule"] <= 3600


def test_deleting_an_account_deletes_its_uploads_and_files(
    client, alice, upload_root, django_capture_on_commit_callbacks
):
    uploaded(client, alice)
    uploaded(client, alice, b"log\n", "a.log")
    assert stored_files(upload_root)

    with django_capture_on_commit_callbacks(execute=True):
        alice.delete()

    assert not Upload.objects.exists()
    assert stored_files(upload_root) == []


def test_a_post_removed_for_good_takes_its_files(
    client, alice, space, upload_root, django_capture_on_commit_callbacks
):
    data = uploaded(client, alice)
    thread = ask(alice, space, body=data["markdown"])

    with django_capture_on_commit_callbacks(execute=True):
        Thread.objects.filter(pk=thread.pk).delete()

    assert not Upload.objects.exists()
    assert stored_files(upload_root) == []


def test_a_failed_post_leaves_uploads_unattached(client, alice, space, settings):
    settings.STOA_UPLOAD_LIMITS = {2: {"bytes": None, "per_post": 1, "per_hour": None}}
    one, two = (uploaded(client, alice, b"x\n", f"{n}.log")["markdown"] for n in range(2))
    thread = ask(alice, space)

    with pytest.raises(ValidationError):
        reply(alice, thread, body=f"{one}\n{two}")

    assert Post.objects.filter(thread=thread).count() == 1
    assert not Upload.objects.filter(post__isnull=False).exists()


# Bounded queries -------------------------------------------------------------------------------


def test_serving_costs_a_fixed_number_of_queries(
    client, alice, space, django_assert_max_num_queries
):
    data = uploaded(client, alice)
    thread = ask(alice, space, body=data["markdown"])
    for n in range(30):
        reply(alice, thread, body=f"More {n}")
    client.logout()

    with django_assert_max_num_queries(2):
        assert client.get(data["url"]).status_code == 200
    client.force_login(alice)
    with django_assert_max_num_queries(6):
        assert client.get(data["url"]).status_code == 200


def test_sending_costs_a_fixed_number_of_queries(client, alice, django_assert_max_num_queries):
    client.force_login(alice)
    for n in range(5):
        send(client, b"log\n", f"{n}.log")

    with django_assert_max_num_queries(8):
        assert send(client, image_bytes(), "x.png").status_code == 201


def test_thread_pages_with_images_cost_no_more_queries(
    client, alice, space, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plain = ask(alice, space, title="Without pictures")
    pictured = ask(alice, space, title="With pictures")
    for n in range(3):
        reply(alice, plain, body=f"Text {n}")
        markdown = uploaded(client, alice, image_bytes((50, 50)), f"{n}.png")["markdown"]
        reply(alice, pictured, body=markdown)
    client.logout()

    client.get(plain.get_absolute_url())  # the first page of a session warms a few caches
    client.get(pictured.get_absolute_url())
    with CaptureQueriesContext(connection) as without:
        client.get(plain.get_absolute_url())
    with CaptureQueriesContext(connection) as with_images:
        client.get(pictured.get_absolute_url())

    assert len(with_images) == len(without)


def test_the_visible_to_door_matches_the_posts_door(client, alice, other_member, space):
    data = uploaded(client, alice)
    thread = ask(alice, space, body=data["markdown"])

    assert Upload.objects.visible_to(AnonymousUser()).count() == 1
    Thread.objects.filter(pk=thread.pk).update(is_deleted=True)
    assert Upload.objects.visible_to(AnonymousUser()).count() == 0
    assert Upload.objects.visible_to(other_member).count() == 0


@override_settings(STOA_UPLOAD_ALLOWED_EXTENSIONS=["txt", "svg", "html"])
def test_the_allow_list_can_never_let_svg_or_html_in(client, alice):
    client.force_login(alice)

    assert send(client, b"<svg></svg>", "a.svg").status_code == 400
    assert send(client, b"<p>hi</p>", "a.html").status_code == 400
    assert send(client, b"hi\n", "a.txt").status_code == 201

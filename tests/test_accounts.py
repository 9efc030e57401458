"""Accounts: sign-up, verification, log-in, password reset, profiles, avatars and admin."""

import datetime
import io
import re
import struct
import zlib
from types import SimpleNamespace

import html5lib
import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts import avatars, services
from accounts.models import User
from community.models import Branding
from forums import selectors as forum_selectors
from forums.models import Post, Thread

from .factories import OrganizationFactory, UserFactory

PASSWORD = "quiet-harbour-lantern-42"
MEMBER_PASSWORD = "correct horse battery"  # what UserFactory gives everyone
CONFIRM_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+")
RESET_LINK = re.compile(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+")


# Helpers ----------------------------------------------------------------------------------


def signup(client, **overrides):
    data = {
        "email": "newcomer@example.com",
        "username": "newcomer",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def login(client, login_value, password=MEMBER_PASSWORD):
    return client.post(reverse("account_login"), {"login": login_value, "password": password})


def parse(response):
    return html5lib.parse(response.content.decode(), namespaceHTMLElements=False)


def input_value(response, name):
    element = parse(response).find(f".//input[@name='{name}']")
    assert element is not None, f"no input named {name}"
    return element.get("value")


def main_text(response) -> str:
    """The visible text of <main>, which is what a person reads on the page."""
    main = parse(response).find(".//main")
    return " ".join("".join(main.itertext()).split())


def errors_for(response, field_id):
    """Error messages shown under one field (Django gives the list the id "<id>_error")."""
    element = parse(response).find(f".//ul[@id='{field_id}_error']")
    return [] if element is None else [" ".join("".join(li.itertext()).split()) for li in element]


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def image_bytes(size=(800, 600), fmt="PNG", mode="RGB", colour=(30, 120, 200), **save_kwargs):
    buffer = io.BytesIO()
    Image.new(mode, size, colour if mode != "1" else 0).save(buffer, fmt, **save_kwargs)
    return buffer.getvalue()


def upload(data, name="picture.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_without_pixels(width, height):
    """A well-formed PNG that declares a size but whose pixel data is a few junk bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"not really compressed pixels")
        + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file())


# Sign-up and verification ---------------------------------------------------------------


def test_signup_creates_unverified_user_and_sends_verification_mail(client, db, mailoutbox):
    response = signup(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newcomer")
    address = EmailAddress.objects.get(user=user)
    assert address.email == "newcomer@example.com"
    assert address.verified is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newcomer@example.com"]
    assert CONFIRM_LINK.search(mailoutbox[0].body)
    assert logged_in_user_id(client) is None


def test_verification_mails_are_signed_with_the_community_name(client, db, mailoutbox):
    Branding.objects.create(site_name="Acme Community")

    signup(client)

    assert "Acme Community" in mailoutbox[0].body
    assert "example.com!" not in mailoutbox[0].body


def test_login_before_verification_gives_no_session(client, db, mailoutbox):
    signup(client)

    response = login(client, "newcomer", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None
    page = client.get(reverse("account_email_verification_sent"))
    assert "Check your e-mail" in main_text(page)
    edit = client.get(reverse("accounts:profile_edit"))
    assert edit.status_code == 302
    assert edit["Location"].startswith(reverse("account_login"))


def test_verification_link_verifies_and_then_login_works(client, db, mailoutbox):
    signup(client)
    link = CONFIRM_LINK.search(mailoutbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    confirm_page = client.get(f"/{path}")
    assert confirm_page.status_code == 200
    assert "newcomer@example.com" in main_text(confirm_page)
    assert not EmailAddress.objects.get(email="newcomer@example.com").verified

    confirmed = client.post(f"/{path}")
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="newcomer@example.com").verified

    response = login(client, "newcomer", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == str(User.objects.get(username="newcomer").pk)


def test_verified_address_joins_its_organization(client, db, mailoutbox):
    organization = OrganizationFactory(domains="customer.example")
    signup(client, email="pat@customer.example", username="pat")
    link = CONFIRM_LINK.search(mailoutbox[0].body).group(0)

    client.post("/" + link.split("://", 1)[1].split("/", 1)[1])

    assert organization.memberships.filter(user__username="pat").exists()


@pytest.mark.parametrize("taken", ["alice", "Alice"])
def test_taken_username_says_so_and_keeps_the_rest(client, member, taken):
    response = signup(client, username=taken, email="someone.else@example.com")

    assert response.status_code == 200
    assert errors_for(response, "id_username") == [
        "That username is already taken. Please choose another one."
    ]
    assert input_value(response, "email") == "someone.else@example.com"
    assert User.objects.count() == 1


def test_reserved_username_is_refused(client, db):
    response = signup(client, username="Support")

    assert errors_for(response, "id_username") == [
        "That username is reserved. Please choose another one."
    ]


def test_weak_password_messages_keep_username_and_email(client, db):
    response = signup(client, password1="password", password2="password")

    assert response.status_code == 200
    assert "This password is too common." in errors_for(response, "id_password1")
    assert input_value(response, "username") == "newcomer"
    assert input_value(response, "email") == "newcomer@example.com"
    assert input_value(response, "password1") in (None, "")
    assert not User.objects.filter(username="newcomer").exists()


def test_password_similar_to_username_is_refused(client, db):
    response = signup(
        client, username="lanternfish", password1="lanternfish1", password2="lanternfish1"
    )

    assert any("too similar" in error for error in errors_for(response, "id_password1"))


def test_signup_with_a_taken_email_does_not_reveal_it(client, member, mailoutbox):
    fresh = signup(client, email="fresh@example.com", username="fresh")
    fresh_page = client.get(fresh["Location"])
    mailoutbox.clear()

    taken = signup(client, email="alice@example.com", username="someone")
    taken_page = client.get(taken["Location"])

    # Exactly what a brand-new address gets: the same redirect and the same page, which
    # only repeats the address that was typed.
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert main_text(taken_page).replace("alice@example.com", "ADDRESS") == main_text(
        fresh_page
    ).replace("fresh@example.com", "ADDRESS")
    assert "already" not in main_text(taken_page).lower()
    assert not User.objects.filter(username="someone").exists()
    # The owner of the address is told, privately, by e-mail.
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert "already exists" in mailoutbox[0].body


# Log-in -----------------------------------------------------------------------------------


@pytest.mark.parametrize("login_value", ["alice", "alice@example.com", "ALICE@example.com"])
def test_login_by_username_or_email(client, member, login_value):
    response = login(client, login_value)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == str(member.pk)


def test_failed_login_reads_the_same_for_unknown_and_known_accounts(client, member):
    wrong_password = login(client, "alice@example.com", "not the password")
    unknown = login(client, "nobody@example.com", "not the password")

    assert wrong_password.status_code == unknown.status_code == 200
    assert main_text(wrong_password) == main_text(unknown)
    assert input_value(unknown, "login") == "nobody@example.com"
    assert logged_in_user_id(client) is None


# Password reset ---------------------------------------------------------------------------


def test_password_reset_same_response_for_known_and_unknown_address(client, member, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    done = client.get(known["Location"])
    assert "alice@example.com" not in done.content.decode()
    # Alice gets a reset link; the unknown address gets no link into anyone's account.
    by_recipient = {tuple(m.to): m.body for m in mailoutbox}
    assert RESET_LINK.search(by_recipient[("alice@example.com",)])
    assert not RESET_LINK.search(by_recipient.get(("nobody@example.com",), ""))


def test_password_reset_link_sets_a_new_password(client, member, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    link = RESET_LINK.search(mailoutbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    new_password = "a-brand-new-harbour-77"
    done = client.post(action, {"password1": new_password, "password2": new_password})

    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new_password)


# Page quality -----------------------------------------------------------------------------

ANONYMOUS_PAGES = [
    "account_signup",
    "account_login",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]
MEMBER_PAGES = ["account_logout", "account_change_password", "account_email"]


def assert_page_is_product_quality(response):
    assert response.status_code == 200
    tree = parse(response)
    assert tree.find(".//main//div[@class='card card-narrow auth-card']") is not None
    # The CSP allows no inline script or style: nothing may depend on them.
    assert not [el for el in tree.iter() if el.get("style") is not None]
    assert tree.find(".//style") is None
    assert not [s for s in tree.iter("script") if not s.get("src")]
    # Every visible input has a label tied to it.
    labels = {label.get("for") for label in tree.iter("label")}
    for element in (el for el in tree.iter() if el.tag in {"input", "textarea", "select"}):
        if element.get("type") in {"hidden", "submit", "search"}:
            continue
        assert element.get("id") in labels, f"input {element.get('name')} has no label"
    # Buttons use the design system's classes.
    for button in tree.find(".//main").iter("button"):
        assert "button" in (button.get("class") or "").split(), button.get("name")


@pytest.mark.parametrize("url_name", ANONYMOUS_PAGES)
def test_anonymous_account_pages_use_the_design_system(client, db, url_name):
    assert_page_is_product_quality(client.get(reverse(url_name)))


@pytest.mark.parametrize("url_name", MEMBER_PAGES)
def test_member_account_pages_use_the_design_system(client, member, url_name):
    client.force_login(member)
    assert_page_is_product_quality(client.get(reverse(url_name)))


def test_changing_email_shows_the_pending_address_and_mails_it(client, member, mailoutbox):
    client.force_login(member)

    response = client.post(
        reverse("account_email"), {"email": "alice.new@example.com", "action_add": ""}
    )

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["alice.new@example.com"]]
    page = client.get(reverse("account_email"))
    assert_page_is_product_quality(page)
    text = main_text(page)
    assert "alice@example.com" in text
    assert "Changing to alice.new@example.com" in text
    assert "Not confirmed yet" in text
    member.refresh_from_db()
    assert member.email == "alice@example.com"


def test_signup_errors_sit_beside_their_fields(client, db):
    response = signup(client, email="not-an-address", password2="something else entirely")

    assert errors_for(response, "id_email")
    assert errors_for(response, "id_password2") == ["You must type the same password each time."]
    email_input = parse(response).find(".//input[@name='email']")
    assert email_input.get("aria-invalid") == "true"
    assert "id_email_error" in email_input.get("aria-describedby")


# Profile page -----------------------------------------------------------------------------


def test_profile_404_for_unknown_user(client, db):
    assert client.get(reverse("accounts:profile", args=["nobody"])).status_code == 404


def test_profile_404_for_inactive_user(client, db):
    UserFactory(username="gone", is_active=False)

    assert client.get(reverse("accounts:profile", args=["gone"])).status_code == 404


def test_profile_other_casing_redirects_to_the_real_name(client, member):
    response = client.get("/u/ALICE/")

    assert response.status_code == 301
    assert response["Location"] == "/u/alice/"


def test_profile_shows_identity_roles_and_standing(client, db):
    person = UserFactory(
        username="sam",
        display_name="Sam Rivera",
        bio="I run support.\n<script>alert('x')</script>",
        reputation=1234,
        trust_level=3,
        roles=["Staff", "Moderators"],
    )
    User.objects.filter(pk=person.pk).update(
        date_joined=datetime.datetime(2025, 3, 14, tzinfo=datetime.UTC)
    )

    response = client.get(person.get_absolute_url())

    assert response.status_code == 200
    text = main_text(response)
    assert "Sam Rivera" in text
    assert "@sam" in text
    assert "Member since March 2025" in text
    assert "Reputation 1,234" in text
    assert "Trust level 3" in text
    pills = [
        " ".join(p.itertext())
        for p in parse(response).iter("span")
        if "pill" in (p.get("class") or "")
    ]
    assert pills == ["Staff", "Moderator"]
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert "I run support.<br>" in body


def test_profile_shows_edit_link_only_to_its_owner(client, member, other_member):
    client.force_login(other_member)
    assert "Edit profile</a>" not in main_text_html(client.get(member.get_absolute_url()))

    client.force_login(member)
    assert "Edit profile</a>" in main_text_html(client.get(member.get_absolute_url()))


def main_text_html(response):
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def fake_activity(count):
    """Unsaved posts shaped like the forums' selector results; building them runs no query."""
    posts = []
    for n in range(1, count + 1):
        thread = Thread(pk=n, title=f"How do I export report {n}?", slug=f"export-report-{n}")
        body_html = (
            f"<p>Try the <strong>Export</strong> menu &amp; the &lt;API&gt;, step {n}.</p>\n"
            f"<p>{'More. ' * 60}</p>"
        )
        posts.append(
            Post(pk=n, thread=thread, position=1, body_html=body_html, created_at=timezone.now())
        )
    return posts


@pytest.fixture
def stub_activity(monkeypatch):
    calls = []

    def user_activity(*, person, viewer, limit):
        calls.append(SimpleNamespace(person=person, viewer=viewer, limit=limit))
        return fake_activity(limit)

    monkeypatch.setattr(forum_selectors, "user_activity", user_activity, raising=False)
    return calls


def test_profile_lists_recent_activity_for_this_viewer(client, member, other_member, stub_activity):
    client.force_login(other_member)

    response = client.get(member.get_absolute_url())

    assert [(c.person, c.viewer, c.limit) for c in stub_activity] == [(member, other_member, 20)]
    items = parse(response).findall(".//li[@class='activity-item']")
    assert len(items) == 20
    first = items[0]
    link = first.find(".//a")
    assert link.text == "How do I export report 1?"
    assert link.get("href") == "/t/export-report-1/1/1/"
    excerpt = first.find(".//p").text
    assert excerpt.startswith("Try the Export menu & the <API>, step 1. More. More.")
    assert "&" + "amp;" not in excerpt
    assert len(excerpt) == 160
    assert excerpt.endswith("…")
    assert "<strong>" not in main_text_html(response)


def test_profile_without_activity_selector_still_renders(client, member, monkeypatch):
    monkeypatch.delattr(forum_selectors, "user_activity", raising=False)

    response = client.get(member.get_absolute_url())

    assert response.status_code == 200
    assert "has not posted anything" in main_text(response)


@pytest.mark.parametrize("viewer", [None, "bob"])
def test_profile_page_query_count_is_fixed(client, member, stub_activity, viewer):
    """The same number of queries for a plain profile and for one with every role, whoever
    looks; a visitor's page costs three (the member, their groups, their badges)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plain = UserFactory(username="plain")
    for n in range(15):
        UserFactory(username=f"filler{n}", roles=["Staff"])
    member.groups.add(*member.groups.model.objects.all())
    if viewer:
        client.force_login(UserFactory(username=viewer))
    Branding.current()  # warm the cache, as it is on every page after the first
    client.get(plain.get_absolute_url())  # warm per-session caches

    def count(person):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(person.get_absolute_url())
        assert response.status_code == 200
        return len(queries), response

    small, _ = count(plain)
    large, response = count(member)
    assert small == large
    if viewer is None:
        assert large == 3
    assert len(parse(response).findall(".//li[@class='activity-item']")) == 20
    assert len(parse(response).findall(".//p[@class='profile-roles']/span")) == 3


def test_profile_activity_goes_through_the_one_door(client, member, other_member):
    """Real posts, real selector: a private space's thread never shows on a public profile,
    and the page costs the same number of queries with one post as with twelve."""
    if not hasattr(forum_selectors, "user_activity"):
        pytest.skip("forums.selectors.user_activity is not there yet")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import OrganizationMembershipFactory, SpaceFactory
    from .forum_helpers import ask

    public = SpaceFactory()
    organization = OrganizationFactory()
    OrganizationMembershipFactory(organization=organization, user=member)
    private = SpaceFactory(visibility="organization", organization=organization)
    ask(member, public, title="Where is the CSV export?")
    ask(member, private, title="Our confidential renewal terms")
    Branding.current()

    with CaptureQueriesContext(connection) as one_post:
        response = client.get(member.get_absolute_url())
    text = main_text(response)
    assert "Where is the CSV export?" in text
    assert "confidential" not in response.content.decode()

    for n in range(11):
        ask(member, public, title=f"Another public question {n}")
    with CaptureQueriesContext(connection) as twelve_posts:
        response = client.get(member.get_absolute_url())
    assert len(parse(response).findall(".//li[@class='activity-item']")) == 12
    assert len(twelve_posts) == len(one_post)


# Profile editing --------------------------------------------------------------------------


def test_profile_edit_requires_login(client, db):
    response = client.get(reverse("accounts:profile_edit"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/settings/profile/"


def test_profile_edit_form_shows_current_values(client, member):
    client.force_login(member)

    response = client.get(reverse("accounts:profile_edit"))

    assert input_value(response, "display_name") == member.display_name
    assert_labels_tied(response)


def assert_labels_tied(response):
    tree = parse(response)
    labels = {label.get("for") for label in tree.iter("label")}
    for element in (el for el in tree.find(".//main").iter() if el.tag in {"input", "textarea"}):
        if element.get("type") not in {"hidden", "search"}:
            assert element.get("id") in labels


def test_profile_edit_saves_display_name_and_bio(client, member):
    client.force_login(member)

    response = client.post(
        reverse("accounts:profile_edit"),
        {"display_name": "  Alice Liddell ", "bio": "Data engineer.\r\nLoves CSV."},
    )

    assert response.status_code == 302
    assert response["Location"] == "/u/alice/"
    member.refresh_from_db()
    assert member.display_name == "Alice Liddell"
    assert member.bio == "Data engineer.\nLoves CSV."
    profile = client.get(response["Location"])
    assert "Your profile is saved." in profile.content.decode()
    assert "Alice Liddell" in main_text(profile)


def test_bio_line_breaks_count_once_toward_the_limit(client, member):
    client.force_login(member)
    bio = "\r\n".join(["x" * 99] * 10)  # 990 characters and 9 line breaks as a browser sends them

    response = client.post(reverse("accounts:profile_edit"), {"display_name": "A", "bio": bio})

    assert response.status_code == 302
    member.refresh_from_db()
    assert len(member.bio) == 999


def test_bio_over_the_limit_is_refused_and_keeps_what_was_typed(client, member):
    client.force_login(member)

    response = client.post(
        reverse("accounts:profile_edit"), {"display_name": "Alice L.", "bio": "y" * 1001}
    )

    assert response.status_code == 200
    assert errors_for(response, "id_bio") == [
        "Ensure this value has at most 1000 characters (it has 1001)."
    ]
    assert input_value(response, "display_name") == "Alice L."
    assert parse(response).find(".//textarea[@name='bio']").text == "y" * 1001
    member.refresh_from_db()
    assert member.display_name == "Alice"


def post_avatar(client, data, name="picture.png", content_type="image/png", **extra):
    fields = {
        "display_name": "Alice Typed",
        "bio": "Kept bio",
        "avatar": upload(data, name, content_type),
    }
    fields.update(extra)
    return client.post(reverse("accounts:profile_edit"), fields)


def test_avatar_upload_is_a_256_square_without_exif(client, member, media):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Industries"  # Make
    exif[0x0131] = "Secret Editor 1.0"  # Software
    photo = image_bytes((1200, 800), "JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(photo)).getexif()  # the upload really carries EXIF
    client.force_login(member)

    response = post_avatar(client, photo, name="holiday.jpg", content_type="image/jpeg")

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.avatar.name.startswith("avatars/")
    assert "holiday" not in member.avatar.name
    stored = Image.open(member.avatar.path)
    assert stored.size == (256, 256)
    assert stored.format in {"WEBP", "PNG"}
    assert not stored.getexif()
    assert "exif" not in stored.info
    assert b"SpyCam" not in (media / member.avatar.name).read_bytes()


def test_avatar_is_a_centre_crop(member, media):
    wide = Image.new("RGB", (900, 300), (220, 0, 0))
    wide.paste((0, 160, 0), (300, 0, 600, 300))  # a green square in the middle third
    buffer = io.BytesIO()
    wide.save(buffer, "PNG")

    services.profile_update(
        user=member, display_name="Alice", bio="", avatar_file=upload(buffer.getvalue())
    )

    stored = Image.open(member.avatar.path).convert("RGB")
    for corner in [(2, 2), (253, 2), (2, 253), (253, 253)]:
        red, green, _blue = stored.getpixel(corner)
        assert green > 120 and red < 40, corner


def test_text_file_named_png_is_refused_with_a_message(client, member, media):
    client.force_login(member)

    response = post_avatar(client, b"just some words, not a picture\n" * 10)

    assert response.status_code == 200
    assert errors_for(response, "id_avatar") == [avatars.UNREADABLE_MESSAGE]
    assert input_value(response, "display_name") == "Alice Typed"
    assert parse(response).find(".//textarea[@name='bio']").text == "Kept bio"
    member.refresh_from_db()
    assert not member.avatar
    assert stored_files(media) == []


def test_unsupported_image_format_is_refused(client, member, media):
    client.force_login(member)

    response = post_avatar(client, image_bytes((64, 64), "BMP"), name="face.png")

    assert errors_for(response, "id_avatar") == [avatars.UNREADABLE_MESSAGE]


def test_truncated_image_is_refused(client, member, media):
    client.force_login(member)

    response = post_avatar(client, image_bytes((400, 400), "PNG")[:300])

    assert errors_for(response, "id_avatar") == [avatars.UNREADABLE_MESSAGE]


def test_oversized_file_is_refused(client, member, media, settings):
    settings.STOA_AVATAR_MAX_BYTES = 10_000
    noisy = Image.effect_noise((300, 300), 90).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 10_000
    client.force_login(member)

    response = post_avatar(client, buffer.getvalue())

    [message] = errors_for(response, "id_avatar")
    assert message.startswith("The image is too large: it is ")
    assert "the limit is 9.8 KB" in message
    assert stored_files(media) == []


def test_decompression_bomb_is_refused(client, member, media):
    bomb = image_bytes((30000, 30000), "PNG", mode="1")
    assert len(bomb) < 200_000  # tiny on disk, 900 megapixels once decoded
    client.force_login(member)

    response = post_avatar(client, bomb)

    [message] = errors_for(response, "id_avatar")
    assert message.startswith("The image is too large")
    assert "megapixels" in message
    assert stored_files(media) == []


def test_pixel_limit_is_checked_from_the_header_before_decoding(client, member, media):
    # 6000 x 6000 is under Pillow's own bomb limit but over ours; the file holds no pixel data,
    # so had it been decoded the answer would have been "not an image we can read".
    client.force_login(member)

    response = post_avatar(client, png_without_pixels(6000, 6000))

    assert errors_for(response, "id_avatar") == [
        "The image is too large: it is 6000 by 6000 pixels and the limit is 25 megapixels. "
        "Try a smaller picture."
    ]


def test_pixel_limit_follows_the_setting(member, media, settings):
    settings.STOA_AVATAR_MAX_PIXELS = 1_000_000

    with pytest.raises(avatars.AvatarError, match="2000 by 1000 pixels"):
        avatars.avatar_prepare(io.BytesIO(image_bytes((2000, 1000))))


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP", "JPEG"])
def test_each_allowed_format_is_accepted(member, media, fmt):
    services.profile_update(
        user=member, display_name="", bio="", avatar_file=io.BytesIO(image_bytes((300, 200), fmt))
    )

    assert Image.open(member.avatar.path).size == (256, 256)


def test_service_checks_raw_uploads_itself(member, media):
    with pytest.raises(avatars.AvatarError):
        services.profile_update(
            user=member, display_name="x", bio="", avatar_file=upload(b"<svg></svg>", "a.svg")
        )

    member.refresh_from_db()
    assert member.display_name == "Alice"
    assert stored_files(media) == []


def test_remove_avatar_clears_it_and_deletes_the_file(
    client, member, media, django_capture_on_commit_callbacks
):
    services.profile_update(
        user=member, display_name="Alice", bio="", avatar_file=upload(image_bytes())
    )
    old_path = media / member.avatar.name
    assert old_path.exists()
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:profile_edit"),
            {"display_name": "Alice", "bio": "", "remove_avatar": "on"},
        )

    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.avatar
    assert not old_path.exists()
    assert stored_files(media) == []


def test_replacing_avatar_deletes_the_old_file(member, media, django_capture_on_commit_callbacks):
    services.profile_update(
        user=member, display_name="A", bio="", avatar_file=upload(image_bytes())
    )
    old_path = media / member.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        services.profile_update(
            user=member, display_name="A", bio="", avatar_file=upload(image_bytes(colour=(9, 9, 9)))
        )

    assert not old_path.exists()
    assert stored_files(media) == [media / member.avatar.name]


def test_new_picture_and_remove_together_is_refused(client, member, media):
    services.profile_update(
        user=member, display_name="A", bio="", avatar_file=upload(image_bytes())
    )
    client.force_login(member)

    response = post_avatar(client, image_bytes(), remove_avatar="on")

    assert response.status_code == 200
    assert errors_for(response, "id_remove_avatar") == [
        "Choose a new picture or remove the current one, not both."
    ]


# Admin ------------------------------------------------------------------------------------


def test_user_admin_lists_and_searches_members(admin_client, member, staff):
    response = admin_client.get("/admin/accounts/user/", {"q": "alice"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "alice@example.com" in body
    assert "sam@example.com" not in body
    staff_row = admin_client.get(
        "/admin/accounts/user/", {"groups__id__exact": staff.groups.get().pk}
    )
    assert "sam@example.com" in staff_row.content.decode()


def test_admin_can_add_a_member_with_an_email(admin_client, db):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "added",
            "email": "added@example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="added").email == "added@example.com"


def test_organization_admin_shows_memberships_inline(admin_client, member):
    organization = OrganizationFactory(name="Globex")
    organization.memberships.create(user=member)

    response = admin_client.get(f"/admin/accounts/organization/{organization.pk}/change/")

    assert response.status_code == 200
    assert "memberships-TOTAL_FORMS" in response.content.decode()
    listing = admin_client.get("/admin/accounts/organization/")
    assert "Globex" in listing.content.decode()


def test_branding_admin_is_a_singleton(admin_client, db):
    first = admin_client.get("/admin/community/branding/")
    assert first["Location"] == "/admin/community/branding/add/"

    created = admin_client.post(
        "/admin/community/branding/add/",
        {"site_name": "Acme", "tagline": "Hi", "primary_colour": "#112233"},
    )
    assert created.status_code == 302
    assert Branding.current().site_name == "Acme"

    assert admin_client.get("/admin/community/branding/add/").status_code == 403
    assert admin_client.get("/admin/community/branding/1/delete/").status_code == 403
    assert admin_client.get("/admin/community/branding/")["Location"] == (
        "/admin/community/branding/1/change/"
    )
    bad = admin_client.post(
        "/admin/community/branding/1/change/",
        {"site_name": "Acme", "tagline": "Hi", "primary_colour": "blue"},
    )
    assert bad.status_code == 200
    assert Branding.objects.get().primary_colour == "#112233"

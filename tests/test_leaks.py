"""The leak suite: invariant 1 (one door for reading), proved from the outside.

Private content sits in each kind of container: a members-only group, an organization's
space, an invite-only panel and a private conversation. Each thread carries marker words in
its title and body that appear nowhere else. Three outsiders look for them: a visitor, an
unrelated member, and a member of another organization (who has a private space of their
own). They look wherever a title could slip out: lists and the home page, thread and space
URLs, search, similar-question suggestions, feeds, the sitemap, profiles, tag pages and tag
counts, notifications and e-mails, quotes and link previews, counters. None of it may
appear.

Each surface is reached through its public URL. A surface that is not built yet is skipped
with a message naming it, only while its URL does not resolve; the check runs by itself as
soon as the URL exists. Positive controls at the end show that an insider does find the
same content through the same surfaces, so an empty answer means "hidden", not "broken".
"""

import html
import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from accounts.models import OrganizationMembership
from forums import groups, messaging, services
from forums.models import Post, Space, SpaceMembership, Thread
from forums.rendering import quote_markdown

from .factories import OrganizationFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

CONTAINERS = ("group", "organization", "panel", "message")
OUTSIDERS = ("visitor", "member", "other_org")
MEMBERS = ("member", "other_org")


@dataclass
class Secret:
    """One private thread and everything that must never be seen from outside it."""

    kind: str
    thread: Thread
    title_word: str
    body_word: str
    insider: object
    space: Space | None = None
    tag: str = ""
    hidden_names: tuple[str, ...] = ()

    @property
    def markers(self) -> tuple[str, ...]:
        return (self.title_word, self.body_word, *self.hidden_names)

    @property
    def phrases(self) -> tuple[str, ...]:
        """Whole pieces of the thread, for pages that echo the word searched for."""
        body = self.first_post.body
        return (self.thread.title, body[body.index(":") + 1 :].strip(" ."))

    @property
    def first_post(self) -> Post:
        return Post.objects.get(thread=self.thread, position=1)


@dataclass
class World:
    secrets: dict[str, Secret]
    outsiders: dict[str, object]
    public_space: Space
    public_thread: Thread
    staff: object
    extra: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end; each
    test runs in its own savepoint on top of it, so what one test writes the next never
    sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> World:
    staff = UserFactory(username="sam", roles=["Staff"])
    olga = UserFactory(username="olga", display_name="Olga Owner", trust_level=1)
    carol = UserFactory(username="carol", email="carol@acme.example")
    dave = UserFactory(username="dave")
    pam = UserFactory(username="pam")
    alice = UserFactory(username="alice")
    gina = UserFactory(username="gina", email="gina@globex.example")

    acme = OrganizationFactory(name="Acme Logistics", slug="acme", domains="acme.example")
    globex = OrganizationFactory(name="Globex", slug="globex", domains="globex.example")
    OrganizationMembership.objects.create(organization=acme, user=carol)
    OrganizationMembership.objects.create(organization=globex, user=gina)
    SpaceFactory(
        name="Globex corner", slug="globex", visibility="organization", organization=globex
    )

    public_space = SpaceFactory(name="Dashboards", slug="dashboards")
    public_thread = ask(
        olga, public_space, title="How do I export dashboards to PDF?", tags=["shared-tag"]
    )

    group = groups.group_create(
        owner=olga, name="Quokka circle", description="For BI leads.", visibility="members"
    )
    group_thread = ask(
        olga,
        group,
        title="Quokkatitle budget fights",
        body="Quokkabody: our numbers for next year.",
        tags=["quokka-tag", "shared-tag"],
    )

    org_space = SpaceFactory(
        name="Wombat Works private",
        slug="wombat-works",
        visibility="organization",
        organization=acme,
    )
    org_thread = ask(
        carol,
        org_space,
        title="Wombattitle renewal discount",
        body="Wombatbody: we pay 40 percent less.",
        tags=["wombat-tag", "shared-tag"],
    )

    panel = SpaceFactory(name="Numbat council", slug="numbat-council", visibility="invite")
    invitation = groups.invitation_create(actor=staff, space=panel, who="pam")
    groups.invitation_accept(user=pam, token=invitation.token)
    panel_thread = ask(
        staff,
        panel,
        title="Numbattitle unreleased editor",
        body="Numbatbody: the launch date is in March.",
        tags=["numbat-tag", "shared-tag"],
        kind="discussion",
    )

    conversation = messaging.conversation_start(
        author=carol,
        to="dave",
        title="Bilbytitle salary talk",
        body="Bilbybody: between us two.",
    )

    return World(
        secrets={
            "group": Secret(
                "group", group_thread, "Quokkatitle", "Quokkabody", olga, group, "quokka-tag"
            ),
            "organization": Secret(
                "organization",
                org_thread,
                "Wombattitle",
                "Wombatbody",
                carol,
                org_space,
                "wombat-tag",
                ("Wombat Works",),
            ),
            "panel": Secret(
                "panel",
                panel_thread,
                "Numbattitle",
                "Numbatbody",
                pam,
                panel,
                "numbat-tag",
                ("Numbat council",),
            ),
            "message": Secret("message", conversation, "Bilbytitle", "Bilbybody", carol),
        },
        outsiders={"visitor": None, "member": alice, "other_org": gina},
        public_space=public_space,
        public_thread=public_thread,
        staff=staff,
        extra={"dave": dave, "olga": olga},
    )


@dataclass(frozen=True)
class Seen:
    """What an outsider got back from one URL: kept for the module, because the read-only
    checks look at the same few pages for several containers."""

    status_code: int
    text: str
    location: str = ""


class Outsider:
    def __init__(self, client, world, who):
        self.client, self.world, self.who = client, world, who
        self.user = as_outsider(client, world, who)

    def get(self, path: str, what: str = "") -> Seen:
        if what:
            require_url(path, what)
        key = (self.who, path)
        pages = self.world.extra.setdefault("pages", {})
        if key not in pages:
            response = self.client.get(path)
            pages[key] = Seen(
                status_code=response.status_code,
                text=page_text(response),
                location=response.get("Location", ""),
            )
        return pages[key]


def as_outsider(client, world, who):
    client.logout()
    user = world.outsiders[who]
    if user is not None:
        client.force_login(user)
    return user


def page_text(response) -> str:
    if isinstance(response, Seen):
        return response.text
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return html.unescape(content.decode())


def assert_hidden(response, secret: Secret, where: str, *, echoed: bool = False) -> None:
    """No marker word (or, on pages that echo the query, no whole title or sentence) and no
    link to the thread."""
    text = page_text(response)
    for marker in secret.phrases if echoed else secret.markers:
        assert marker.lower() not in text.lower(), f"{marker!r} leaked through {where}"
    assert f"/{secret.thread.pk}/" not in re.sub(r"\?.*", "", text) or _only_other_ids(
        text, secret
    ), f"a link to the private thread leaked through {where}"


def _only_other_ids(text: str, secret: Secret) -> bool:
    """The thread's id may appear as part of unrelated numbers; its URLs may not."""
    return (
        secret.thread.get_absolute_url() not in text
        and f"/messages/{secret.thread.pk}/" not in text
    )


def require_url(path: str, what: str) -> None:
    """Skip while a surface is not built; run as soon as its URL resolves."""
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        pytest.skip(f"{what} ({path}) not built yet")


def get(client, path: str, what: str):
    require_url(path, what)
    return client.get(path)


grid = pytest.mark.parametrize("who", OUTSIDERS)
containers = pytest.mark.parametrize("kind", CONTAINERS)
members_only = pytest.mark.parametrize("who", MEMBERS)


# Lists and the home page ------------------------------------------------------------------


@grid
@containers
def test_home_page(client, world, who, kind):
    outsider = Outsider(client, world, who)
    assert_hidden(outsider.get("/"), world.secrets[kind], "the home page")


@grid
@containers
def test_space_and_group_lists(client, world, who, kind):
    outsider = Outsider(client, world, who)
    secret = world.secrets[kind]
    assert_hidden(outsider.get(world.public_space.get_absolute_url()), secret, "a public space")
    assert_hidden(outsider.get("/groups/"), secret, "the group directory")


@members_only
@containers
def test_messages_list_and_header_count(client, world, who, kind):
    user = as_outsider(client, world, who)
    response = client.get("/messages/")
    assert_hidden(response, world.secrets[kind], "the messages list")
    assert 'aria-label="Messages"' in page_text(response)
    assert messaging.unread_count(viewer=user) == 0


# Thread, post and space URLs: 404, as if they did not exist ------------------------------


@grid
@containers
def test_thread_urls_answer_404(client, world, who, kind):
    as_outsider(client, world, who)
    thread = world.secrets[kind].thread
    for url in (
        thread.get_absolute_url(),
        thread.get_post_url(1),
        f"{thread.get_absolute_url()}?quote=1",
        f"/feeds/t/{thread.pk}/",
    ):
        if url.startswith("/feeds/"):
            require_url(url, "the thread feed")
        assert client.get(url).status_code == 404, url


@containers
def test_writing_to_a_hidden_thread_answers_404(client, world, kind):
    as_outsider(client, world, "other_org")
    thread = world.secrets[kind].thread
    post = world.secrets[kind].first_post
    for url, data in (
        (f"/t/{thread.pk}/reply/", {"body": "hello", "client_token": "leak"}),
        (f"/messages/{thread.pk}/send/", {"body": "hello", "client_token": "leak2"}),
        (f"/messages/{thread.pk}/add/", {"username": "alice"}),
        (f"/p/{post.pk}/react/like/", {}),
        (f"/p/{post.pk}/edit/", {"body": "x"}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert client.get(f"/p/{post.pk}/history/").status_code == 404


@grid
@pytest.mark.parametrize("kind", ["organization", "panel"])
def test_private_space_urls_answer_404(client, world, who, kind):
    as_outsider(client, world, who)
    space = world.secrets[kind].space
    for url in (
        space.get_absolute_url(),
        f"/s/{space.slug}/new/",
        f"/s/{space.slug}/members/",
        f"/groups/{space.slug}/",
    ):
        response = client.get(url)
        assert response.status_code in (404, 302), url
        if response.status_code == 302:  # only the log-in page, for a visitor
            assert response["Location"].startswith("/accounts/login/"), url


@grid
def test_a_members_only_group_shows_its_door_not_its_rooms(client, world, who):
    """Its name and description are listed (people ask to join); threads and members are
    not."""
    as_outsider(client, world, who)
    secret = world.secrets["group"]
    response = client.get(secret.space.get_absolute_url())
    assert response.status_code == 302
    about = client.get(response["Location"])
    assert about.status_code == 200
    assert_hidden(about, secret, "the group's about page")
    assert client.get(f"/s/{secret.space.slug}/members/").status_code in (302, 404)


@grid
def test_a_conversation_url_answers_404(client, world, who):
    user = as_outsider(client, world, who)
    response = client.get(f"/messages/{world.secrets['message'].thread.pk}/")
    if user is None:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 404


# Search and similar-question suggestions -------------------------------------------------


@grid
@containers
def test_search(client, world, who, kind):
    outsider = Outsider(client, world, who)
    secret = world.secrets[kind]
    for word in (secret.title_word, secret.body_word):
        response = outsider.get(f"/search/?q={word}", "search")
        assert response.status_code == 200
        assert_hidden(response, secret, f"search for {word}", echoed=True)


@grid
@containers
def test_similar_question_suggestions(client, world, who, kind):
    outsider = Outsider(client, world, who)
    secret = world.secrets[kind]
    title = secret.thread.title
    response = outsider.get(f"/search/similar/?title={title}", "similar-question suggestions")
    assert_hidden(response, secret, "similar-question suggestions", echoed=True)
    response = outsider.get(
        f"/search/similar/?title={title}&space={world.public_space.slug}",
        "similar-question suggestions",
    )
    assert_hidden(response, secret, "similar-question suggestions in a space", echoed=True)


# Feeds and the sitemap --------------------------------------------------------------------


@grid
@containers
def test_feeds(client, world, who, kind):
    outsider = Outsider(client, world, who)
    secret = world.secrets[kind]
    response = outsider.get("/feeds/latest/", "the latest feed")
    assert response.status_code == 200
    assert "How do I export dashboards" in page_text(response)  # the feed works
    assert_hidden(response, secret, "the latest feed")
    assert_hidden(outsider.get("/feeds/tags/shared-tag/", "tag feeds"), secret, "a tag feed")
    if secret.space is not None:
        response = outsider.get(f"/feeds/s/{secret.space.slug}/", "space feeds")
        assert response.status_code == 404
    if secret.tag:
        response = outsider.get(f"/feeds/tags/{secret.tag}/", "tag feeds")
        assert response.status_code == 404 or secret.title_word not in page_text(response)


def _sitemap_pages(outsider):
    index = outsider.get("/sitemap.xml", "the sitemap")
    assert index.status_code == 200
    yield index
    for loc in re.findall(r"<loc>([^<]+)</loc>", page_text(index)):
        path = re.sub(r"^https?://[^/]+", "", loc)
        if path.endswith(".xml"):
            yield outsider.get(path)


@grid
@containers
def test_sitemap(client, world, who, kind):
    outsider = Outsider(client, world, who)
    secret = world.secrets[kind]
    pages = list(_sitemap_pages(outsider))
    assert any(world.public_thread.get_absolute_url() in page_text(p) for p in pages)
    for response in pages:
        assert_hidden(response, secret, "the sitemap")
        if secret.space is not None:
            assert f"/s/{secret.space.slug}/" not in page_text(response)


# Profiles, tags and counters ---------------------------------------------------------------


@grid
@containers
def test_profile_activity(client, world, who, kind):
    outsider = Outsider(client, world, who)
    secret = world.secrets[kind]
    author = secret.thread.author
    assert_hidden(outsider.get(author.get_absolute_url()), secret, "the author's profile")


@grid
@pytest.mark.parametrize("kind", ["group", "organization", "panel"])
def test_tag_pages_and_counts(client, world, who, kind):
    outsider = Outsider(client, world, who)
    secret = world.secrets[kind]
    assert outsider.get(f"/tags/{secret.tag}/").status_code == 404
    shared = outsider.get("/tags/shared-tag/")
    assert shared.status_code == 200
    assert_hidden(shared, secret, "a shared tag page")
    rows = page_text(shared).count('class="thread-title"')
    assert rows == 1, "the tag page lists or counts hidden threads"


@grid
def test_counters(client, world, who):
    """A public space's and the directory's numbers never count what the viewer cannot read."""
    user = as_outsider(client, world, who)
    world.public_space.refresh_from_db()
    assert world.public_space.thread_count == 1
    page = page_text(client.get(world.public_space.get_absolute_url()))
    assert "1 thread" in page
    directory = page_text(client.get("/groups/"))
    card = directory[directory.index("Quokka circle") :][:1500]
    assert "thread" not in card.split("run by")[0], "a closed group's thread count is shown"
    if user is not None:
        assert messaging.unread_count(viewer=user) == 0


# Notifications and e-mails -------------------------------------------------------------------


def _post_mentioning(secret: Secret, who_user, world) -> Post:
    author = secret.insider
    if secret.kind == "message":
        return messaging.message_send(
            author=author, thread=secret.thread, body=f"@{who_user.username} Bilbyreply stays."
        )
    if secret.kind == "group":
        author = world.extra["olga"]
    body = f"@{who_user.username} see {secret.body_word}reply here"
    return reply(author, secret.thread, body=body)


@members_only
@containers
def test_a_mention_of_an_outsider_tells_them_nothing(
    client, world, who, kind, mailoutbox, django_capture_on_commit_callbacks
):
    user = as_outsider(client, world, who)
    secret = world.secrets[kind]
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out runs after commit
        _post_mentioning(secret, user, world)
    response = get(client, "/notifications/", "the notifications inbox")
    assert response.status_code == 200
    assert_hidden(response, secret, "the notifications inbox")
    for message in mailoutbox:
        if user.email in message.to:
            body = message.body + "".join(
                str(part[0]) for part in getattr(message, "alternatives", [])
            )
            for marker in (*secret.markers, "reply here", "Bilbyreply"):
                assert marker not in message.subject and marker not in body, message.subject


@members_only
@containers
def test_quotes_of_a_hidden_post_carry_only_what_was_typed(client, world, who, kind):
    """An outsider forges a quote of a private post into a public thread: the page shows what
    they typed and nothing of the post they pointed at."""
    user = as_outsider(client, world, who)
    secret = world.secrets[kind]
    target = secret.first_post
    body = quote_markdown(
        author_username=target.author.username,
        post_url=f"/t/x/{secret.thread.pk}/1/",  # an id is all an outsider could guess
        post_id=target.pk,
        body="whatever I claim they wrote",
    )
    reply(user, world.public_thread, body=body + "My own words.")
    response = client.get(world.public_thread.get_absolute_url())
    assert "My own words." in page_text(response)
    assert_hidden(response, secret, "a forged quote")


@members_only
@containers
def test_link_previews_of_a_hidden_thread_show_no_title(client, world, who, kind):
    user = as_outsider(client, world, who)
    secret = world.secrets[kind]
    url = f"http://testserver/t/x/{secret.thread.pk}/"  # the id, not the title's slug
    response = client.post("/preview/", {"body": f"Have you seen {url} ?"})
    assert_hidden(response, secret, "the composer preview")
    reply(user, world.public_thread, body=f"Have you seen {url} ?")
    assert_hidden(client.get(world.public_thread.get_absolute_url()), secret, "a posted link")


# Positive controls: the same surfaces do show the content to an insider --------------------


@containers
def test_insiders_read_what_outsiders_cannot(client, world, kind):
    secret = world.secrets[kind]
    client.force_login(secret.insider)
    url = (
        f"/messages/{secret.thread.pk}/" if kind == "message" else secret.thread.get_absolute_url()
    )
    page = page_text(client.get(url))
    assert secret.title_word in page and secret.body_word in page
    if kind != "message":
        require_url("/search/", "search")
        assert secret.title_word in page_text(client.get(f"/search/?q={secret.body_word}"))
        assert secret.title_word in page_text(client.get(f"/tags/{secret.tag}/"))
    else:
        assert secret.title_word in page_text(client.get("/messages/"))


def test_an_insider_mentioned_is_notified(client, world, django_capture_on_commit_callbacks):
    secret = world.secrets["organization"]
    colleague = UserFactory(username="colin")
    OrganizationMembership.objects.create(organization=secret.space.organization, user=colleague)
    with django_capture_on_commit_callbacks(execute=True):
        reply(secret.insider, secret.thread, body="@colin Wombatbody figures attached")
    client.force_login(colleague)
    response = get(client, "/notifications/", "the notifications inbox")
    assert secret.title_word in page_text(response)


def test_staff_see_every_private_space_but_not_conversations(client, world):
    client.force_login(world.staff)
    for kind in ("group", "organization", "panel"):
        assert client.get(world.secrets[kind].thread.get_absolute_url()).status_code == 200
    assert client.get(f"/messages/{world.secrets['message'].thread.pk}/").status_code == 404
    assert not Thread.objects.visible_to(world.staff).filter(kind="message").exists()


def test_the_suite_covers_every_container_and_outsider(world):
    """The fixture really builds what the checks assume."""
    assert set(world.secrets) == set(CONTAINERS)
    panel = world.secrets["panel"].space
    assert SpaceMembership.objects.filter(space=panel).count() == 1
    for kind, secret in world.secrets.items():
        for who, user in world.outsiders.items():
            from django.contrib.auth.models import AnonymousUser

            viewer = user or AnonymousUser()
            assert not Thread.objects.visible_to(viewer).filter(pk=secret.thread.pk).exists(), (
                kind,
                who,
            )
    assert services.thread_synchronize(thread=world.public_thread).post_count == 1


def test_a_group_turning_members_only_drops_its_pages_from_the_visitors_cache(
    client, settings, django_capture_on_commit_callbacks
):
    """Visitors' pages are cached (community.pagecache); a group that closes must not stay
    readable from that cache."""
    settings.STOA_ANON_CACHE_SECONDS = 60
    owner = UserFactory(username="opal", trust_level=1)
    with django_capture_on_commit_callbacks(execute=True):
        group = groups.group_create(owner=owner, name="Closing soon", visibility="public")
        thread = ask(owner, group, title="Kangarootitle plans before we close the doors")
    for url in (thread.get_absolute_url(), group.get_absolute_url()):
        assert client.get(url).status_code == 200
        assert client.get(url).get("X-Stoa-Cache") == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        groups.group_update(
            actor=owner, group=group, name="Closing soon", description="", visibility="members"
        )
    assert client.get(thread.get_absolute_url()).status_code == 404
    response = client.get(group.get_absolute_url())
    assert response.status_code == 302 and "Kangarootitle" not in page_text(response)


# Uploads (forums/uploads/): a file in a private post is exactly as hidden as the post ------


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 20, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def private_uploads(world, settings, tmp_path):
    """An insider of each container posts a screenshot there; returns each upload's URL."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from forums.uploads import services as upload_services

    settings.STOA_UPLOAD_ROOT = tmp_path
    urls = {}
    for kind, secret in world.secrets.items():
        upload = upload_services.upload_create(
            owner=secret.insider, file=SimpleUploadedFile(f"{kind}-secret.png", _png())
        )
        url = upload.get_absolute_url()
        reply(secret.insider, secret.thread, body=f"{secret.body_word} ![screen]({url})")
        urls[kind] = url
    return urls


@grid
@containers
def test_private_uploads_answer_404(client, world, private_uploads, who, kind):
    as_outsider(client, world, who)
    url = private_uploads[kind]
    require_url(url, "uploads")
    for variant in ("", "?size=display", "?size=thumb"):
        response = client.get(url + variant)
        assert response.status_code == 404, f"{kind} upload{variant} served to {who}"


@containers
def test_a_private_upload_linked_from_a_public_post_stays_hidden(
    client, world, private_uploads, kind
):
    secret = world.secrets[kind]
    reply(secret.insider, world.public_thread, body=f"Look: ![copy]({private_uploads[kind]})")
    for who in OUTSIDERS:
        as_outsider(client, world, who)
        assert client.get(world.public_thread.get_absolute_url()).status_code == 200
        assert client.get(private_uploads[kind]).status_code == 404, (kind, who)


@containers
def test_insiders_fetch_the_uploads_outsiders_cannot(client, world, private_uploads, kind):
    client.force_login(world.secrets[kind].insider)
    response = client.get(private_uploads[kind])
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]

"""Search and suggestions through the one interface, on whichever database the suite runs
(SQLite FTS5 on the embedded default, PostgreSQL full-text search in the services pass)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from forums import services
from forums.models import Post, Thread
from forums.search import SearchFilters, parse_query, schema, search_threads, similar_threads
from forums.search.highlight import marked_html
from forums.search.query import MAX_QUERY_CHARS, title_words

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

ANON = AnonymousUser()


def titles(page) -> list[str]:
    return [hit.thread.title for hit in page.hits]


def find(query, viewer=ANON, **filters):
    return search_threads(viewer=viewer, query=query, filters=SearchFilters(**filters))


@pytest.fixture
def space():
    return SpaceFactory(slug="dashboards", name="Dashboards")


@pytest.fixture
def trusted(db):
    """A member whose posts are published at once (past the first-posts review)."""
    return UserFactory(username="tess", trust_level=3)


@pytest.fixture
def helper(db):
    return UserFactory(username="hank", trust_level=3)


def publish(*posts_or_threads):
    """Make content visible regardless of pre-moderation rules for new accounts."""
    for item in posts_or_threads:
        thread_id = item.pk if isinstance(item, Thread) else item.thread_id
        Post.objects.filter(thread_id=thread_id).update(state=Post.State.VISIBLE)


# --- the query syntax -------------------------------------------------------------------


def test_the_parser_understands_web_search_syntax():
    parsed = parse_query('export csv "time zone" -pdf -"read only" excel or sheets')
    assert [[t.text for t in g] for g in parsed.groups] == [
        ["export"],
        ["csv"],
        ["time zone"],
        ["excel", "sheets"],
    ]
    assert [t.text for t in parsed.excluded] == ["pdf", "read only"]
    assert parsed.as_websearch() == 'export csv "time zone" excel or sheets -pdf -"read only"'


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        '"',
        '"unbalanced quote',
        "& | ! : * ( ) < >",
        "a & b | !c :* (d) <-> e",
        "'; DROP TABLE forums_post; --",
        "NEAR(a b) title: x AND OR NOT",
        "\x00\x00null\x00bytes",
        "😀🚀 café naïve Ærø",
        "x" * 10_000,
        "-",
        "--",
        "-only -exclusions",
        "or or or",
        '""""""',
        "\\ \\\\ % _ ' \"",
    ],
)
def test_no_input_breaks_search(raw, member, space):
    publish(ask(member, space, title="Export a dashboard", body="Use the CSV button."))
    for viewer in (ANON, member):
        page = find(raw, viewer=viewer)
        assert page.total >= 0
        assert page.number == 1
    similar_threads(viewer=member, title=raw)


def test_odd_input_is_explained_not_failed():
    assert (
        parse_query("x" * 10_000)
        .notices[0]
        .startswith(f"Only the first {MAX_QUERY_CHARS} characters")
    )
    assert parse_query("-only -exclusions").is_empty
    assert "cannot only leave words out" in parse_query("-only -exclusions").notices[0]
    assert "symbols on their own" in parse_query("& | ! *").notices[0]
    assert parse_query("a\x00b").words == ["a", "b"]
    assert parse_query("café 😀").words == ["café"]


def test_a_query_of_only_common_words_says_so(member, space):
    publish(ask(member, space, title="The thing", body="It is what it is."))
    page = find("how is it")
    assert page.total == 0 and page.mode == "empty"
    assert "too common" in " ".join(page.notices)
    assert titles(find("the thing")) == ["The thing"]


# --- matching, ranking, snippets ---------------------------------------------------------


def test_finds_words_in_titles_and_posts_with_stemming(member, other_member, space):
    thread = ask(member, space, title="Exporting dashboards", body="The menu does nothing.")
    answer = reply(other_member, thread, body="Use the CSV button in the top right.")
    publish(thread, answer)
    assert titles(find("export dashboard")) == ["Exporting dashboards"]
    assert titles(find("csv")) == ["Exporting dashboards"]
    assert titles(find("dashboards button")) == []  # all words must appear in one post
    assert titles(find("nothing")) == ["Exporting dashboards"]


def test_phrases_exclusions_and_or(member, space):
    a = ask(member, space, title="Time zone of reports", body="Reports use the time zone.")
    b = ask(member, space, title="Zone time mixups", body="Why is the zone time odd?")
    c = ask(member, space, title="Excel sheets", body="Open it in Excel.")
    publish(a, b, c)
    assert titles(find('"time zone"')) == ["Time zone of reports"]
    assert set(titles(find("zone"))) == {"Time zone of reports", "Zone time mixups"}
    assert titles(find("zone -reports")) == ["Zone time mixups"]
    assert titles(find('zone -"time zone"')) == ["Zone time mixups"]
    assert set(titles(find("excel or reports"))) == {"Excel sheets", "Time zone of reports"}


def test_titles_rank_above_bodies_and_solved_threads_get_a_boost(member, other_member, space):
    in_body = ask(member, space, title="A question", body="Something about webhooks here.")
    in_title = ask(member, space, title="Webhooks retry", body="How often do they retry?")
    publish(in_body, in_title)
    assert titles(find("webhooks")) == ["Webhooks retry", "A question"]

    one = ask(member, space, title="Alerts are late", body="Alerts arrive late.")
    two = ask(member, space, title="Alerts are late", body="Alerts arrive late.")
    answer = reply(other_member, one, body="Check the schedule.")
    publish(one, two, answer)
    services.answer_accept(actor=member, post=answer)
    assert titles(find("alerts late"))[0] == "Alerts are late"
    assert find("alerts late").hits[0].thread.pk == one.pk


def test_snippets_mark_matches_and_escape_everything_else(member, space):
    thread = ask(
        member,
        space,
        title="Scripts <b>bold</b>",
        body="Paste <script>alert(1)</script> and the **export** `button` [here](https://x.test).",
    )
    publish(thread)
    hit = find("export").hits[0]
    html = str(hit.snippet_html)
    assert "<mark>export</mark>" in html
    # SQLite shows the tag as text, PostgreSQL's ts_headline leaves tags out; never markup.
    assert "<script" not in html and "<b>" not in html
    assert "**" not in html and "`" not in html and "https://x.test" not in html
    assert "<b>" not in str(hit.title_html)
    hit = find("bold").hits[0]
    assert str(hit.title_html) == "Scripts &lt;b&gt;<mark>bold</mark>&lt;/b&gt;"


def test_marks_cannot_open_an_unclosed_element():
    assert str(marked_html("\ue000a\ue000b\ue001\ue001c\ue000d")) == (
        "<mark>ab</mark>c<mark>d</mark>"
    )


def test_a_reply_match_points_at_the_reply(member, other_member, space):
    thread = ask(member, space, title="Billing question", body="How are seats counted?")
    answer = reply(other_member, thread, body="Seats are prorated by the day.")
    publish(thread, answer)
    hit = find("prorated").hits[0]
    assert hit.in_reply and hit.post_position == 2
    assert hit.post_url == thread.get_post_url(2)


def test_edits_title_changes_and_moves_keep_the_index_current(member, moderator, space):
    thread = ask(member, space, title="Old title words", body="Original body text.")
    publish(thread)
    opening = Post.objects.get(thread=thread, position=1)
    services.post_edit(editor=member, post=opening, body="Revised wording here.", title="Fresh")
    assert titles(find("original")) == [] and titles(find("revised")) == ["Fresh"]
    assert titles(find("old title")) == [] and titles(find("fresh")) == ["Fresh"]
    other = SpaceFactory(slug="elsewhere")
    Thread.objects.filter(pk=thread.pk).update(space=other)
    assert titles(find("revised", space=other)) == ["Fresh"]
    assert titles(find("revised", space=space)) == []


def test_bulk_inserts_are_indexed_and_rebuild_repairs(member, space):
    thread = ask(member, space, title="Bulk", body="first")
    publish(thread)
    Post.objects.bulk_create(
        [
            Post(thread=thread, position=n, author=member, body=f"bulkword{n}", body_html="")
            for n in range(2, 5)
        ]
    )
    assert titles(find("bulkword3")) == ["Bulk"]
    assert schema.rebuild(connection) >= 4
    assert titles(find("bulkword3")) == ["Bulk"]


# --- visibility (invariant 1) ------------------------------------------------------------


@pytest.fixture
def private_content(member):
    """A public thread, an organization's private thread, a deleted thread, a hidden reply
    and a pending reply — all containing the word "zebra"."""
    org_member = UserFactory(username="orla", trust_level=3)
    org = OrganizationMembershipFactory(user=org_member).organization
    public_space = SpaceFactory(slug="public-space")
    private_space = SpaceFactory(slug="acme-private", visibility="organization", organization=org)
    public = ask(member, public_space, title="Public zebra question", body="zebra crossing")
    secret = ask(org_member, private_space, title="Secret zebra rollout", body="zebra plans")
    gone = ask(member, public_space, title="Deleted zebra thread", body="zebra")
    other = ask(member, public_space, title="Plain question", body="nothing to see")
    publish(public, secret, gone, other)
    hidden = reply(member, other, body="hidden zebra reply")
    pending = reply(member, other, body="pending zebra reply")
    Post.objects.filter(pk=hidden.pk).update(state=Post.State.HIDDEN)
    Post.objects.filter(pk=pending.pk).update(state=Post.State.PENDING)
    Thread.objects.filter(pk=gone.pk).update(is_deleted=True)
    return {"org_member": org_member, "private_space": private_space, "secret": secret}


def test_results_only_from_what_the_reader_may_see(private_content, member, moderator, staff):
    org_member = private_content["org_member"]
    assert titles(find("zebra")) == ["Public zebra question"]
    # The author sees their own pending reply; a moderator sees hidden and pending ones.
    assert set(titles(find("zebra", viewer=member))) == {
        "Public zebra question",
        "Plain question",
    }
    assert set(titles(find("zebra", viewer=org_member))) == {
        "Public zebra question",
        "Secret zebra rollout",
    }
    assert "Secret zebra rollout" in titles(find("zebra", viewer=staff))
    assert "Plain question" in titles(find("zebra", viewer=moderator))
    for viewer in (ANON, member, moderator):
        assert "Deleted zebra thread" not in titles(find("zebra", viewer=viewer))


def test_private_titles_never_leak_through_suggestions_or_filters(private_content, member):
    private_space = private_content["private_space"]
    for viewer in (ANON, member):
        assert "Secret zebra rollout" not in [
            s.thread.title for s in similar_threads(viewer=viewer, title="zebra rollout")
        ]
        assert find("zebra", viewer=viewer, space=private_space).total == 0
        assert find("", viewer=viewer, space=private_space).total == 0
    found = similar_threads(viewer=private_content["org_member"], title="zebra rollout")
    assert [s.thread.title for s in found] == ["Secret zebra rollout", "Public zebra question"]


# --- filters, sorting, pagination --------------------------------------------------------


def test_filters_narrow_results(member, other_member, staff, space):
    other_space = SpaceFactory(slug="billing")
    question = ask(member, space, title="Widget question", body="widget", tags=["alpha"])
    discussion = ask(
        other_member, other_space, title="Widget talk", body="widget", kind="discussion"
    )
    official = reply(staff, question, body="Official widget answer", official=True)
    publish(question, discussion, official)
    services.answer_accept(actor=member, post=official)
    Thread.objects.filter(pk=discussion.pk).update(created_at=timezone.now() - timedelta(days=40))
    Post.objects.filter(thread=discussion).update(created_at=timezone.now() - timedelta(days=40))

    from taggit.models import Tag

    alpha = Tag.objects.get(slug="alpha")
    assert titles(find("widget", space=space)) == ["Widget question"]
    assert titles(find("widget", tag=alpha)) == ["Widget question"]
    assert titles(find("widget", author=other_member)) == ["Widget talk"]
    assert titles(find("widget", kind="discussion")) == ["Widget talk"]
    assert titles(find("widget", solved=True)) == ["Widget question"]
    assert titles(find("widget", solved=False)) == ["Widget talk"]
    assert titles(find("widget", official=True)) == ["Widget question"]
    recent = (timezone.now() - timedelta(days=7)).date()
    assert titles(find("widget", after=recent)) == ["Widget question"]
    assert titles(find("widget", before=recent)) == ["Widget talk"]
    # Filters without words list the matching threads, newest first.
    browse = find("", author=other_member)
    assert browse.mode == "browse" and titles(browse) == ["Widget talk"]


def test_sort_newest_and_pagination(member, space):
    made = []
    for n in range(23):
        made.append(ask(member, space, title=f"Gadget number {n}", body="gadget"))
        Thread.objects.filter(pk=made[-1].pk).update(
            created_at=timezone.now() - timedelta(hours=100 - n)
        )
    publish(*made)
    first = find("gadget", sort="newest")
    assert first.total == 23 and first.num_pages == 2 and first.has_next()
    assert first.hits[0].thread.title == "Gadget number 22"
    second = search_threads(
        viewer=ANON, query="gadget", filters=SearchFilters(sort="newest"), page=2
    )
    assert [h.thread.title for h in second.hits] == [
        "Gadget number 2",
        "Gadget number 1",
        "Gadget number 0",
    ]
    beyond = search_threads(viewer=ANON, query="gadget", filters=SearchFilters(), page=99)
    assert beyond.number == 2 and len(beyond.hits) == 3
    for bad in ("x", "-1", "0", None, "9" * 50):
        assert search_threads(viewer=ANON, query="gadget", filters=SearchFilters(), page=bad).hits


# --- languages -------------------------------------------------------------------------


@pytest.fixture
def languages(trusted):
    nl = SpaceFactory(slug="community-nl", language="nl")
    es = SpaceFactory(slug="comunidad", language="es")
    id_ = SpaceFactory(slug="komunitas", language="id")
    en = SpaceFactory(slug="community-en", language="en")
    made = [
        ask(trusted, nl, title="Dashboard laadt traag", body="Veertig widgets op één tabblad."),
        ask(trusted, es, title="Facturación duplicada", body="Las canciones de facturación."),
        ask(trusted, id_, title="Cara mengekspor laporan", body="Laporan bulanan ke CSV."),
        ask(trusted, en, title="Reports running slowly", body="The reports were running."),
    ]
    publish(*made)
    return {"nl": nl, "es": es, "id": id_, "en": en}


def test_content_in_each_language_is_found_by_its_words(languages):
    assert titles(find("traag")) == ["Dashboard laadt traag"]
    assert titles(find("widgets")) == ["Dashboard laadt traag"]
    assert titles(find("tabblad")) == ["Dashboard laadt traag"]
    assert titles(find("facturación")) == ["Facturación duplicada"]
    assert titles(find("laporan")) == ["Cara mengekspor laporan"]
    assert titles(find("mengekspor")) == ["Cara mengekspor laporan"]
    assert titles(find("report")) == ["Reports running slowly"]
    assert titles(find("run", space=languages["en"])) == ["Reports running slowly"]


def test_accents_are_folded(languages):
    # SQLite's FTS5 folds diacritics; PostgreSQL does through unaccent where available.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")
            if cursor.fetchone() is None:
                pytest.skip("the server has no unaccent extension")
    assert titles(find("facturacion")) == ["Facturación duplicada"]
    assert titles(find("duplicáda")) == ["Facturación duplicada"]
    # Within the Spanish space alone (no other language's stemmer to help out):
    spanish = languages["es"]
    for spelling in ("facturacion", "facturación", "FACTURACIÓN"):
        assert titles(find(spelling, space=spanish)) == ["Facturación duplicada"], spelling


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemmers are PostgreSQL's")
def test_language_aware_stemming_on_postgresql(languages):
    # Each only through its own language's stemmer: the space filter leaves just that one.
    assert titles(find("widget", space=languages["nl"])) == ["Dashboard laadt traag"]
    assert titles(find("facturaciones", space=languages["es"])) == ["Facturación duplicada"]
    assert titles(find("canción", space=languages["es"])) == ["Facturación duplicada"]
    assert titles(find("ekspor", space=languages["id"])) == ["Cara mengekspor laporan"]
    assert titles(find("ran", space=languages["en"])) == []  # English stems "running" to "run"
    assert titles(find("runs", space=languages["en"])) == ["Reports running slowly"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="id slices are PostgreSQL's")
@pytest.mark.parametrize("rare_matches", [0, 1_000_000], ids=["brin-range", "gin-alone"])
def test_older_posts_are_found_through_either_plan_for_the_older_slice(
    monkeypatch, trusted, helper, space, rare_matches
):
    from forums.search import backends

    # Tiny windows, so that a handful of posts spans all three slices.
    monkeypatch.setattr(backends, "RECENT_WINDOW", 4)
    monkeypatch.setattr(backends, "OLDER_WINDOW", 12)
    monkeypatch.setattr(backends, "RARE_MATCHES", rare_matches)
    plans = []
    real = backends.PostgresBackend._candidates

    def recording(self, *args, how, **kwargs):
        plans.append(how)
        return real(self, *args, how=how, **kwargs)

    monkeypatch.setattr(backends.PostgresBackend, "_candidates", recording)
    oldest = ask(trusted, space, title="Zanzibar connector", body="zanzibar in the oldest")
    middle = ask(trusted, space, title="Middle question", body="zanzibar again")
    for n in range(8):
        reply(helper, middle, body=f"filler reply {n}")
    newest = ask(trusted, space, title="Newest question", body="nothing to see")
    for n in range(6):
        reply(helper, newest, body=f"more filler {n}")
    publish(oldest, middle, newest)
    assert titles(find("zanzibar")) == ["Zanzibar connector", "Middle question"]
    assert titles(find("zanzibar", sort="newest")) == ["Middle question", "Zanzibar connector"]
    assert plans[:3] == ["recent", "range" if rare_matches == 0 else "range-rare", "rest"]


# --- similar questions ---------------------------------------------------------------------


def test_similar_threads_put_full_matches_and_solved_ones_first(member, other_member, space):
    open_q = ask(member, space, title="Export dashboard to CSV fails", body="It fails.")
    solved_q = ask(member, space, title="Export dashboard to CSV", body="How?")
    partial = ask(member, space, title="Dashboard colours", body="Change them?")
    unrelated = ask(member, space, title="Billing invoices", body="Where?")
    answer = reply(other_member, solved_q, body="Use the button.")
    publish(open_q, solved_q, partial, unrelated, answer)
    services.answer_accept(actor=member, post=answer)
    found = similar_threads(viewer=ANON, title="How do I export a dashboard to CSV?")
    assert [s.thread.title for s in found][:2] == [
        "Export dashboard to CSV",
        "Export dashboard to CSV fails",
    ]
    assert found[0].is_solved and found[0].complete
    assert "Dashboard colours" in [s.thread.title for s in found if not s.complete]
    assert "Billing invoices" not in [s.thread.title for s in found]
    assert similar_threads(viewer=ANON, title="ab") == []
    assert len(similar_threads(viewer=ANON, title="dashboard", limit=1)) == 1


def test_title_words_drop_common_words():
    assert title_words("How do I export a dashboard to CSV?") == ["export", "dashboard", "csv"]
    assert title_words("How do I") == ["how", "do", "i"]


@pytest.mark.parametrize("viewer_kind", ["anonymous", "member"])
def test_search_and_suggestions_use_a_fixed_number_of_queries(
    django_assert_max_num_queries, member, other_member, space, viewer_kind
):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    viewer = member if viewer_kind == "member" else ANON

    def counts():
        # Each call is made once first: other processes sharing the cache (the services run
        # uses one Redis) may have emptied it, and a cold cache is not what is measured.
        find("gizmo", viewer=viewer)
        find("", viewer=viewer, space=space)
        similar_threads(viewer=viewer, title="gizmo broken again")
        with CaptureQueriesContext(conn) as searching:
            find("gizmo", viewer=viewer)
        with CaptureQueriesContext(conn) as browsing:
            find("", viewer=viewer, space=space)
        with CaptureQueriesContext(conn) as suggesting:
            similar_threads(viewer=viewer, title="gizmo broken again")
        return len(searching), len(browsing), len(suggesting)

    first = ask(member, space, title="Gizmo broken", body="gizmo", tags=["a"])
    publish(first)
    find("warm the language cache")
    small = counts()
    for n in range(30):
        thread = ask(
            other_member, space, title=f"Gizmo broken again {n}", body="gizmo", tags=[f"t{n}"]
        )
        for _ in range(3):
            reply(member, thread, body="another gizmo reply")
        publish(thread)
    large = counts()
    assert small[:2] == large[:2], f"queries grew with the data: {small} -> {large}"
    assert max(small[:2]) <= 9
    # Suggestions skip their later queries when the first already found enough.
    assert small[2] <= 7 and large[2] <= 7

"""The /insights/ pages: who may open them, what bad input gets, the CSV exports, the charts,
the share-of-voice terms, and a fixed number of queries whatever the data size."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import html5lib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums.models import Thread
from insights import charts, rollups, selectors
from insights.models import DailyTermMentions, ShareOfVoiceTerm

from .factories import OrganizationFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

URL = "/insights/"


def _community(size: int, *, staff, space, answerer):
    """``size`` answered questions a day for three days, then rolled up."""
    today = timezone.localdate()
    for n in range(size):
        thread = ask(answerer, space, title=f"Question number {n} about Lumen", tags=["sql"])
        reply(staff, thread, body="Lumen does that.")
    OrganizationFactory()
    rollups.rollup_range(today - timedelta(days=2), today)


@pytest.fixture
def space(db):
    return SpaceFactory(name="Product", slug="product")


# --- who may see it -------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["member", "moderator"])
@pytest.mark.parametrize(
    "path", [URL, "/insights/export/metrics.csv", "/insights/terms/", "/insights/?format=csv"]
)
def test_members_and_moderators_get_not_found(client, request, who, path):
    client.force_login(request.getfixturevalue(who))
    assert client.get(path).status_code == 404


def test_members_cannot_change_terms(client, member):
    term = ShareOfVoiceTerm.objects.create(term="Lumen")
    client.force_login(member)
    assert client.post("/insights/terms/", {"term": "Rival"}).status_code == 404
    assert client.post(f"/insights/terms/{term.pk}/delete/").status_code == 404
    assert list(ShareOfVoiceTerm.objects.values_list("term", flat=True)) == ["Lumen"]


@pytest.mark.parametrize("who", ["staff", "admin_user"])
def test_staff_and_admins_see_the_dashboard(client, request, who, space):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Questions asked" in response.content


def test_the_header_links_insights_for_staff_only(client, staff, member):
    client.force_login(member)
    assert b'href="/insights/"' not in client.get("/").content
    client.force_login(staff)
    assert b'href="/insights/"' in client.get("/").content


# --- numbers on the page --------------------------------------------------------------------


def test_the_page_shows_rolled_up_numbers(client, staff, member, space):
    _community(3, staff=staff, space=space, answerer=member)
    client.force_login(staff)
    response = client.get(URL, {"range": "7"})
    board = response.context["board"]
    metrics = {m.label: m for _, group in board.metric_groups for m in group}
    assert metrics["Questions asked"].current == 3
    assert metrics["Answered"].current == 100
    document = html5lib.parse(response.content, namespaceHTMLElements=False)
    values = [p.text for p in document.iter("p") if p.get("class") == "metric-value"]
    assert "3" in values and "100%" in values


def test_queries_are_bounded_whatever_the_data_size(client, staff, member, space):
    client.force_login(staff)
    ShareOfVoiceTerm.objects.create(term="Lumen")
    _community(2, staff=staff, space=space, answerer=member)
    client.get(URL)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, {"range": "30"}).status_code == 200
    others = [UserFactory() for _ in range(4)]
    for n, person in enumerate(others):
        org = OrganizationFactory()
        org.memberships.create(user=person)
        extra = SpaceFactory(slug=f"extra-{n}")
        _community(6, staff=staff, space=extra, answerer=person)
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL, {"range": "30"})
    assert response.status_code == 200
    assert len(response.context["board"].tables["spaces"].rows) == 5
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    assert len(large) <= 30


def test_export_queries_are_bounded(client, staff, member, space, django_assert_max_num_queries):
    _community(4, staff=staff, space=space, answerer=member)
    client.force_login(staff)
    client.get(URL)
    with django_assert_max_num_queries(30):
        assert client.get("/insights/export/spaces.csv").status_code == 200


# --- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", selectors.TABLE_NAMES)
def test_every_table_exports_as_csv_matching_the_page(client, staff, member, space, table):
    ShareOfVoiceTerm.objects.create(term="Lumen")
    _community(3, staff=staff, space=space, answerer=member)
    old = ask(member, space, title="=HYPERLINK(1) an old unanswered one")
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=5))
    client.force_login(staff)
    page = client.get(URL, {"range": "30"}).context["board"].tables[table]
    response = client.get(f"/insights/export/{table}.csv", {"range": "30"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][: len(page.columns)] == page.header_for_csv()[: len(page.columns)]
    assert len(rows) - 1 == len(page.rows)
    for written, shown in zip(rows[1:], page.rows, strict=True):
        expected = [str(cell.csv_value) for cell in shown]
        if expected[0].startswith("="):
            expected[0] = "'" + expected[0]  # spreadsheets must not run it as a formula
        assert written[: len(expected)] == expected
    if table == "unanswered":
        assert rows[1][0] == "'=HYPERLINK(1) an old unanswered one"
    if table == "terms":
        assert rows[1][:2] == ["Lumen", "3"]


def test_csv_also_answers_on_the_dashboard_url(client, staff, space):
    client.force_login(staff)
    response = client.get(URL, {"format": "csv", "table": "metrics"})
    assert response.status_code == 200
    assert next(csv.reader(io.StringIO(response.content.decode())))[0] == "Group"


def test_unknown_table_is_not_found(client, staff):
    client.force_login(staff)
    assert client.get("/insights/export/passwords.csv").status_code == 404


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"range": "custom", "start": "2025-03-10", "end": "2025-03-01"}, "ends before it starts"),
        ({"start": "2020-01-01", "end": "2024-12-31"}, "at most 731 days"),
        (
            {"range": "custom", "start": "2025-01-01", "end": "2999-01-01"},
            "cannot end in the future",
        ),
        (
            {"range": "custom", "start": "0001-01-01", "end": "0001-01-02"},
            "Choose a period starting",
        ),
        ({"range": "custom", "start": "not a date", "end": "2025-01-01"}, "first day as a date"),
        ({"range": "custom", "start": "2025-01-01"}, "both a first and a last day"),
        ({"space": "no-such-space"}, "There is no space called"),
        ({"organization": "nobody-inc"}, "There is no organization called"),
        ({"hours": "0"}, "at least 1 hour"),
        ({"hours": "soon"}, "whole number of hours"),
        ({"range": "365000"}, "Choose a period from the list"),
    ],
)
def test_bad_filters_get_a_clear_message_and_keep_the_input(client, staff, space, params, message):
    client.force_login(staff)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "board" not in response.context
    text = response.content.decode()
    assert message in text.replace("&#x27;", "'")
    for name, value in params.items():
        if name != "range":  # a select: the list is shown again with the error
            assert f'value="{value}"' in text
    export = client.get("/insights/export/spaces.csv", params)
    assert export.status_code == 400
    assert message in export.content.decode().replace("&#x27;", "'")


def test_a_space_and_organization_filter_narrow_the_numbers(client, staff, member, space):
    org = OrganizationFactory(slug="acme")
    org.memberships.create(user=member)
    other = SpaceFactory(slug="other")
    _community(2, staff=staff, space=space, answerer=member)
    ask(UserFactory(), other, title="Elsewhere")
    rollups.rollup_day(timezone.localdate())
    client.force_login(staff)
    board = client.get(URL, {"space": "product", "organization": "acme"}).context["board"]
    metrics = {m.label: m for _, group in board.metric_groups for m in group}
    assert metrics["Threads"].current == 2
    assert metrics["New members"].current is None  # joining is not per space
    assert [row[0].text for row in board.tables["spaces"].rows] == ["Product"]


# --- charts ---------------------------------------------------------------------------------


def test_charts_are_well_formed_svg_with_escaped_labels(client, staff, member, space):
    ShareOfVoiceTerm.objects.create(term="R&D", label='<script>alert("x")</script>')
    _community(2, staff=staff, space=space, answerer=member)
    client.force_login(staff)
    response = client.get(URL)
    for name in ("activity_chart", "voice_chart"):
        root = ET.fromstring(str(response.context[name].svg))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("role") == "img"
        assert root.find("{http://www.w3.org/2000/svg}title").text
    assert "<script>alert" not in response.content.decode()
    svg = str(response.context["voice_chart"].svg)
    titles = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}title")]
    assert '<script>alert("x")</script>' in titles


def test_long_periods_are_drawn_weekly():
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(200, -1, -1)]
    chart = charts.line_chart(
        chart_id="c", title="t", description="d", days=days, series=[("a", [1] * len(days))]
    )
    root = ET.fromstring(str(chart.svg))
    dots = next(root.iter("{http://www.w3.org/2000/svg}polyline")).get("points").split()
    assert len(dots) == 29
    assert "Weekly" in chart.note


# --- share-of-voice terms -------------------------------------------------------------------


def test_staff_add_and_remove_terms(
    client, staff, member, space, django_capture_on_commit_callbacks
):
    ask(member, space, title="Compare", body="Is Lumen better than Rival? rivalry is not it.")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/insights/terms/", {"term": "Rival", "label": "Rival Inc"}, follow=True
        )
    assert response.status_code == 200
    assert "Now following “Rival Inc”" in response.content.decode()
    term = ShareOfVoiceTerm.objects.get(term="Rival")
    assert sum(DailyTermMentions.objects.filter(term=term).values_list("mentions", flat=True)) == 1
    response = client.post(f"/insights/terms/{term.pk}/delete/", follow=True)
    assert "Stopped following" in response.content.decode()
    assert not ShareOfVoiceTerm.objects.exists()
    assert not DailyTermMentions.objects.exists()


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("", "Type the word or name to follow"),
        ("   ", "Type the word or name to follow"),
        ("lumen", "is already on the list"),
        ("!!!", "at least one letter or digit"),
        ("x" * 61, "Keep a term to 60 characters"),
    ],
)
def test_bad_terms_get_a_clear_message(client, staff, term, message):
    ShareOfVoiceTerm.objects.create(term="Lumen")
    client.force_login(staff)
    response = client.post("/insights/terms/", {"term": term, "label": "kept label"})
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert 'value="kept label"' in text
    assert ShareOfVoiceTerm.objects.count() == 1


def test_an_empty_term_list_says_what_to_do(client, staff, space):
    client.force_login(staff)
    response = client.get(URL)
    assert "No terms followed yet" in response.content.decode()
    assert "voice_chart" not in response.context

"""The one renderer for user content: Markdown -> HTML -> sanitiser (DESIGN.md, invariant 3).

Safety is judged by parsing the output with html5lib, as a browser would, never by looking
for substrings.
"""

import html
import re
import time

import html5lib
import pytest
from pygments.token import STANDARD_TYPES

from accounts.models import User
from forums import sanitizer
from forums.rendering import Rendered, quote_markdown, render_post, render_preview

EXPECTED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6",
    "strong", "em", "del", "code", "pre", "kbd", "sup", "sub",
    "blockquote", "ul", "ol", "li", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
    "span", "div", "details", "summary",
}  # fmt: skip
EXPECTED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "blockquote": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
REL = "nofollow ugc noopener"


# --- helpers -------------------------------------------------------------------------------


def parse(fragment: str):
    """The fragment as a browser's parser builds it."""
    return html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)


def elements(fragment: str) -> list:
    root = parse(fragment)
    return [element for element in root.iter() if element is not root]


def text_of(fragment: str) -> str:
    return "".join(parse(fragment).itertext())


def url_scheme(url: str) -> str | None:
    """The scheme a browser would act on, read as strictly as possible."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url)).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
    return match.group(1) if match else None


def assert_safe(fragment: str) -> None:
    for element in elements(fragment):
        assert isinstance(element.tag, str), f"a comment survived in {fragment!r}"
        assert element.tag in EXPECTED_TAGS, f"<{element.tag}> survived in {fragment!r}"
        for name, value in element.attrib.items():
            lowered = name.lower()
            assert not lowered.startswith("on"), f"{name} survived in {fragment!r}"
            assert lowered != "style", f"style survived in {fragment!r}"
            if element.tag == "a" and lowered == "rel":
                continue
            assert name in EXPECTED_ATTRIBUTES.get(element.tag, set()), (
                f"{element.tag}[{name}] survived in {fragment!r}"
            )
            if lowered in {"href", "src"}:
                allowed = {"http", "https", "mailto"} if lowered == "href" else {"http", "https"}
                scheme = url_scheme(value)
                assert scheme is None or scheme in allowed, f"{name}={value!r} in {fragment!r}"
                stripped = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(value)).lower()
                assert not stripped.startswith(("javascript", "vbscript", "data")), value
                assert not stripped.startswith("//"), value
        if element.tag == "a":
            assert element.get("rel") == REL, f"link without rel in {fragment!r}"
            assert element.get("href"), f"link without target in {fragment!r}"


def find_all(fragment: str, tag: str) -> list:
    return [element for element in elements(fragment) if element.tag == tag]


# --- hostile input -------------------------------------------------------------------------

HOSTILE = [
    # scripts and event handlers
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/x.js></SCRIPT>",
    "<sCrIpT>alert(1)</ScRiPt>",
    "<scr<script>ipt>alert(1)</script>",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="#" onclick="alert(1)" ONCLICK="alert(2)">x</a>',
    '<div onmouseover="alert(1)">hover</div>',
    '<kbd onclick="alert(1)" style="color:red">k</kbd>',
    "<details open ontoggle=alert(1)><summary>s</summary>body</details>",
    '<blockquote class="quote" onmouseover=alert(1)>x</blockquote>',
    # dangerous schemes in every Markdown form
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](<javascript:alert(1)>)",
    "*[x](javascript:alert(1))*",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x]\n\n[x]: vbscript:msgbox(1)",
    "![x][img]\n\n[img]: data:image/png;base64,AAAA",
    "<javascript:alert(1)>",
    "<javascript://%0aalert(1)>",
    "<vbscript:msgbox(1)@example.com>",
    # raw HTML links and images
    '<a href="javascript:alert(1)">raw</a>',
    "<a href='vbscript:msgbox(1)'>raw</a>",
    '<a href="data:text/html,<script>alert(1)</script>">raw</a>',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/png;base64,iVBORw0KGgo=" width=10>',
    '<img srcset="x 1x, javascript:alert(1) 2x" src="x">',
    '<a href="//evil.example/steal">scheme-relative</a>',
    # obfuscated schemes
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "[x](jav&#x09;ascript:alert(1))",
    '<img src="jav\tascript:alert(1)">',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "[x](&#106;&#97;vascript:alert(1))",
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    "<a href=javascript&#58;alert(1)>x</a>",
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" \x01 javascript:alert(1)">x</a>',
    '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    # broken and unclosed markup
    "<b><i>unclosed <u>nesting</b></i> tail",
    "<div><p>unclosed <em>everything",
    "<img src=x",
    '<a href="http://ok.example" <img src=x onerror=alert(1)>>x</a>',
    "<a href='http://ok.example'>open link <img src=x onerror=alert(1)",
    # SVG and MathML
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">X</text></a></svg>',
    '<svg><animate attributeName="href" values="javascript:alert(1)" /></svg>',
    '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>',
    '<math href="javascript:alert(1)">x</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # styles
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body { background: red }</style>",
    '<div style="width: expression(alert(1))">css expression</div>',
    '<img src="x" width="100%" height="expression(1)">',
    '<link rel="stylesheet" href="http://evil.example/x.css">',
    # forms, frames, plugins, document-level tags
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
    '<input type="image" src="x" onerror="alert(1)">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<isindex action=javascript:alert(1) type=image>",
    # attribute breakouts
    '[x](http://a "a\\" onmouseover=\\"alert(1)")',
    "[x](http://a 'a\\' onmouseover=\\'alert(1)')",
    '[x](http://example.com/"><script>alert(1)</script>)',
    '![x](http://example.com/a.png "x\\" onerror=\\"alert(1)")',
    # comments, CDATA and parser differentials
    "<!--<img src=x onerror=alert(1)>-->",
    "<!--><img src=x onerror=alert(1)>-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    '<span class="x onclick" data-x="1">unknown class</span>',
    # hostile input inside what the renderer itself produces
    "`<img src=x onerror=alert(1)>`",
    "```html\n<script>alert(1)</script>\n```",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "- <img src=x onerror=alert(1)>\n- [y](javascript:alert(1))",
    "| a | b |\n|---|---|\n| <script>x</script> | [z](javascript:alert(1)) |",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_markdown_renders_safely(db, body):
    rendered = render_post(body)
    assert_safe(rendered.html)


@pytest.mark.parametrize("body", HOSTILE)
def test_sanitiser_alone_makes_hostile_html_safe(body):
    # The sanitiser is the last line: it must hold even for HTML that never saw Markdown.
    assert_safe(sanitizer.sanitize_html(body))


def test_hostile_corpus_is_big_enough():
    assert len(set(HOSTILE)) >= 40


def test_disallowed_tags_are_shown_as_typed(db):
    out = render_post("Use <div>, <script>alert(1)</script> and <!-- a comment -->.").html
    assert find_all(out, "div") == []
    assert "<div>" in text_of(out)
    assert "<script>alert(1)</script>" in text_of(out)


def test_sanitiser_drops_unknown_classes_and_keeps_known_ones():
    out = sanitizer.sanitize_html(
        '<span class="k">ok</span><span class="k evil">bad</span>'
        '<div class="codehilite">c</div><a class="mention" href="/u/x/">@x</a>'
        '<a class="button" href="/x/">y</a>'
    )
    spans = find_all(out, "span")
    assert [s.get("class") for s in spans] == ["k", None]
    assert find_all(out, "div")[0].get("class") == "codehilite"
    links = find_all(out, "a")
    assert [a.get("class") for a in links] == ["mention", None]


def test_links_without_a_safe_target_become_text():
    out = sanitizer.sanitize_html('<a href="javascript:alert(1)">click <strong>me</strong></a>')
    assert find_all(out, "a") == []
    assert text_of(out) == "click me"


# --- the allowlist is pinned ---------------------------------------------------------------


def test_allowlist_is_pinned():
    # Widening any of these is a security decision: change the test in the same commit.
    assert set(sanitizer.ALLOWED_TAGS) == EXPECTED_TAGS
    assert {tag: set(names) for tag, names in sanitizer.ALLOWED_ATTRIBUTES.items()} == (
        EXPECTED_ATTRIBUTES
    )
    assert {tag: set(values) for tag, values in sanitizer.FIXED_CLASSES.items()} == {
        "a": {"mention"},
        "blockquote": {"quote"},
        "div": {"codehilite"},
    }
    assert set(sanitizer.LINK_SCHEMES) == {"http", "https", "mailto"}
    assert set(sanitizer.IMAGE_SCHEMES) == {"http", "https"}
    assert sanitizer.LINK_REL == REL


def test_class_values_are_limited_to_known_ones():
    assert sanitizer.allowed_classes("span") == {name for name in STANDARD_TYPES.values() if name}
    code_classes = sanitizer.allowed_classes("code")
    assert "language-python" in code_classes
    assert all(re.fullmatch(r"language-[A-Za-z0-9_+#.\-]+", name) for name in code_classes)
    assert sanitizer.allowed_classes("p") == frozenset()
    assert sanitizer.allowed_classes("a") == {"mention"}


# --- what members can write ----------------------------------------------------------------


def test_render_post_returns_the_documented_shape(db):
    rendered = render_post("Hello")
    assert isinstance(rendered, Rendered)
    assert rendered.html == "<p>Hello</p>"
    assert rendered.mentions == frozenset()
    assert rendered.quoted_post_ids == frozenset()


def test_preview_is_the_same_pipeline(db):
    body = "# Title\n\n*hi* see www.example.com\n\n```py\nx = 1\n```"
    assert render_preview(body) == render_post(body).html


def test_fenced_code_is_highlighted_with_classes_and_escaped(db):
    out = render_post('```python\nif x < 1:\n    print("<b>&amp;")\n```').html
    (block,) = find_all(out, "div")
    assert block.get("class") == "codehilite"
    (code,) = find_all(out, "code")
    assert code.get("class") == "language-python"
    classes = {span.get("class") for span in find_all(out, "span")}
    assert {"k", "nb", "s2", "o"} <= classes
    assert find_all(out, "b") == []
    assert 'print("<b>&amp;")' in text_of(out)
    assert "style=" not in out


def test_fenced_code_without_a_known_language_is_plain(db):
    out = render_post("~~~nosuchlanguage\n<i>raw</i>\n~~~").html
    assert find_all(out, "div")[0].get("class") == "codehilite"
    assert find_all(out, "code")[0].get("class") is None
    assert find_all(out, "i") == []
    assert "<i>raw</i>" in text_of(out)


def test_fences_work_inside_quotes_and_list_items(db):
    out = render_post(
        "> quoted\n> ```js\n> let a = 1;\n> ```\n\n- step\n\n    ```sh\n    ls\n    ```"
    ).html
    (quote,) = find_all(out, "blockquote")
    assert [child.tag for child in quote] == ["p", "div"]
    (item,) = find_all(out, "li")
    assert "codehilite" in [child.get("class") for child in item]
    assert {c.get("class") for c in find_all(out, "code")} == {
        "language-javascript",
        "language-bash",
    }


def test_tables_render_with_alignment(db):
    out = render_post("| Name | Count |\n|:-----|------:|\n| a | 1 |\n| b | 2 |").html
    assert len(find_all(out, "table")) == 1
    assert [th.text for th in find_all(out, "th")] == ["Name", "Count"]
    assert [td.get("align") for td in find_all(out, "td")] == ["left", "right"] * 2


def test_ordered_lists_keep_their_start_and_images_their_size(db):
    out = render_post(
        '3. three\n4. four\n\n<img src="https://example.com/a.png" width="320" height="200">'
    ).html
    assert find_all(out, "ol")[0].get("start") == "3"
    (image,) = find_all(out, "img")
    assert (image.get("width"), image.get("height")) == ("320", "200")


def test_standard_line_breaks(db):
    assert find_all(render_post("one\ntwo").html, "br") == []
    assert len(find_all(render_post("one  \ntwo").html, "br")) == 1


def test_headings_are_demoted_below_the_page_title(db):
    out = render_post("# One\n\n## Two\n\n### Three\n\n#### Four\n\nSetext\n======").html
    assert [e.tag for e in elements(out) if e.tag.startswith("h")] == [
        "h3",
        "h4",
        "h5",
        "h6",
        "h3",
    ]


def test_emphasis_strikethrough_and_inline_tags(db):
    out = render_post(
        "**b** *i* ~~old~~ <kbd>Ctrl</kbd>+<kbd>C</kbd> H<sub>2</sub>O x<sup>2</sup>"
    ).html
    tags = [e.tag for e in elements(out)]
    assert tags == ["p", "strong", "em", "del", "kbd", "kbd", "sub", "sup"]


def test_links_and_images(db):
    out = render_post(
        '[docs](https://example.com/a_(b) "The docs") ![logo](/media/logo.png "Logo")'
    ).html
    (link,) = find_all(out, "a")
    assert link.get("href") == "https://example.com/a_(b)"
    assert link.get("title") == "The docs"
    assert link.get("rel") == REL
    (image,) = find_all(out, "img")
    assert (image.get("src"), image.get("alt"), image.get("title")) == (
        "/media/logo.png",
        "logo",
        "Logo",
    )


def test_bare_urls_become_links_with_rel(db):
    out = render_post("See https://example.com/path?a=1&b=2. Or www.example.org, please.").html
    links = find_all(out, "a")
    assert [a.get("href") for a in links] == [
        "https://example.com/path?a=1&b=2",
        "http://www.example.org",
    ]
    assert all(a.get("rel") == REL for a in links)
    assert text_of(out) == "See https://example.com/path?a=1&b=2. Or www.example.org, please."


def test_bare_urls_in_code_domains_and_addresses_stay_text(db):
    body = (
        "`https://example.com` and setup.py and someone@example.com\n\n"
        "```\ncurl https://example.com\n```"
    )
    assert find_all(render_post(body).html, "a") == []


def test_code_spans_are_literal(db):
    out = render_post("Use `<b>*not* [a](b)</b>` or ``a ` tick`` and \\`not code`").html
    codes = find_all(out, "code")
    assert [c.text for c in codes] == ["<b>*not* [a](b)</b>", "a ` tick"]
    assert find_all(out, "b") == [] and find_all(out, "em") == []
    assert "`not code`" in text_of(out)


# --- mentions ------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    return {
        "alice": User.objects.create_user(username="alice", email="a@example.com", password="x"),
        "bob": User.objects.create_user(
            username="bob", email="b@example.com", password="x", is_active=False
        ),
        "Carol.Ng": User.objects.create_user(
            username="Carol.Ng", email="c@example.com", password="x"
        ),
    }


def test_mentions_link_active_users_with_one_query(people, django_assert_num_queries):
    with django_assert_num_queries(1):
        rendered = render_post("Hi @alice, @bob, @carol.ng and @nobody. Thanks @alice.")
    assert rendered.mentions == {"alice", "carol.ng"}
    links = find_all(rendered.html, "a")
    assert [(a.get("class"), a.get("href"), a.text) for a in links] == [
        ("mention", "/u/alice/", "@alice"),
        ("mention", "/u/Carol.Ng/", "@Carol.Ng"),
        ("mention", "/u/alice/", "@alice"),
    ]
    assert all(a.get("rel") == REL for a in links)
    assert text_of(rendered.html) == "Hi @alice, @bob, @Carol.Ng and @nobody. Thanks @alice."


def test_mentions_in_code_links_addresses_and_urls_are_not_linked(
    people, django_assert_num_queries
):
    body = (
        "`@alice` and alice@example.com and support@alice.example\n\n"
        "[@alice](https://example.com) https://medium.com/@alice\n\n"
        "```\n@alice\n```\n\n    @alice in indented code"
    )
    with django_assert_num_queries(0):
        rendered = render_post(body)
    assert rendered.mentions == frozenset()
    assert [a.get("class") for a in find_all(rendered.html, "a")] == [None, None]


def test_no_query_without_mentions(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        render_post("No one to call here, just an e-mail: team@example.com")


def test_mentions_inside_a_quoted_post_are_linked_but_not_counted(people):
    body = quote_markdown(
        author_username="alice",
        post_url="/t/sync/12/3/",
        post_id=345,
        body="Ask @carol.ng about it",
    )
    rendered = render_post(body + "I agree, @alice.")
    assert rendered.mentions == {"alice"}
    assert [a.text for a in find_all(rendered.html, "a") if a.get("class") == "mention"] == [
        "@alice",
        "@Carol.Ng",
        "@alice",
    ]


# --- quotes --------------------------------------------------------------------------------


def test_quote_markdown_round_trips_into_quoted_post_ids(db):
    body = quote_markdown(
        author_username="some_user",
        post_url="/t/hello-world/12/3/",
        post_id=345,
        body="First line\n\nSecond *paragraph*\n```py\nx = 1\n```",
    )
    assert body.startswith('> **@some\\_user** [wrote](/t/hello-world/12/3/ "post:345"):\n')
    rendered = render_post(body + "My reply.")
    assert rendered.quoted_post_ids == {345}
    (quote,) = find_all(rendered.html, "blockquote")
    assert quote.get("class") == "quote"
    attribution = quote[0]
    assert "".join(attribution.itertext()) == "@some_user wrote:"
    (source,) = attribution.iter("a")
    assert source.get("href") == "/t/hello-world/12/3/"
    assert source.get("title") != "post:345"
    assert "codehilite" in [child.get("class") for child in quote]
    assert find_all(rendered.html, "p")[-1].text == "My reply."


def test_quotes_are_recognised_under_a_script_prefix(db):
    body = quote_markdown(
        author_username="a", post_url="/community/t/s/1/2/#post-2", post_id=7, body="x"
    )
    assert render_post(body).quoted_post_ids == {7}


def test_only_top_level_quotes_count(db):
    inner = quote_markdown(author_username="a", post_url="/t/s/1/1/", post_id=1, body="old")
    outer = quote_markdown(author_username="b", post_url="/t/s/1/2/", post_id=2, body=inner)
    rendered = render_post(outer)
    assert rendered.quoted_post_ids == {2}
    assert [q.get("class") for q in find_all(rendered.html, "blockquote")] == ["quote", "quote"]


def test_quote_attributions_must_point_at_this_site(db):
    body = '> **@a** [wrote](http://evil.example/t/s/1/2/ "post:9"):\n>\n> x'
    rendered = render_post(body)
    assert rendered.quoted_post_ids == frozenset()
    assert find_all(rendered.html, "blockquote")[0].get("class") is None


def test_quote_markdown_refuses_urls_that_would_break_the_markdown():
    for url in ("http://evil.example/t/s/1/2/", "/t/s/1/2/ onclick", "/t/s/1/2/)"):
        with pytest.raises(ValueError):
            quote_markdown(author_username="a", post_url=url, post_id=1, body="x")


# --- pathological input --------------------------------------------------------------------

N = 50_000
PATHOLOGICAL = {
    "nested quotes": ">" * N,
    "nested emphasis": "*" * (N // 2) + "x" + "*" * (N // 2),
    "alternating emphasis": "*_" * (N // 2),
    "unclosed brackets": "[" * N,
    "unclosed link targets": "[a](" * (N // 4),
    "backtick runs": "``a`" * (N // 4),
    "angle brackets": "<a" * (N // 2),
    "ampersands": "&" * N,
    "nested lists on one line": "1. " * (N // 3),
    "quotes and lists on one line": "> - " * (N // 4),
    "headings": "# a\n" * (N // 4),
    "setext headings": "a\n=\n" * (N // 4),
    "fences in a quote": "> ```\n" * (N // 6),
    "table cells": "|a" * (N // 4) + "\n" + "|-" * (N // 4),
    "one long line": "word " * (N // 5),
    "mentions": "@alice " * (N // 7),
}


@pytest.mark.parametrize("body", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_renders_quickly_and_safely(db, body):
    assert len(body) >= N - 10
    started = time.process_time()
    rendered = render_post(body)
    elapsed = time.process_time() - started
    assert elapsed < 2.0, f"{elapsed:.2f}s"
    assert_safe(rendered.html)


def test_ten_thousand_nested_quotes_and_stars_keep_their_text(db):
    out = render_post(">" * 10_000 + " deep")
    assert "deep" in text_of(out.html)
    assert len(find_all(out.html, "blockquote")) <= 12
    out = render_post("*" * 10_000 + "x" + "*" * 10_000)
    assert "x" in text_of(out.html)


def test_absurd_markup_falls_back_to_plain_text(db):
    body = "- a\n" * 12_000
    out = render_post(body).html
    assert find_all(out, "li") == []
    assert text_of(out).strip() == body.strip()

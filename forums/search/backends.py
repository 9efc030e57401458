"""The two engines behind one interface, chosen by the database in use.

Each backend turns a :class:`~forums.search.query.ParsedQuery` into SQL for its engine and
never sees the reader's raw text: terms are words of letters and digits, passed as
parameters (PostgreSQL) or quoted by :func:`fts5_string` (SQLite). The engine-independent
work — visibility, filters, grouping posts into threads, boosts, pagination — happens in
:mod:`forums.search.engine` around the SQL these produce.

Every backend method returns ``(sql, params)`` pieces or runs one query; none loops over
rows issuing more.
"""

from django.db import connection

from .query import ParsedQuery, Term
from .schema import FOLDED_LANGUAGES

# Marks around highlighted words inside snippets: private-use characters that Markdown and
# HTML leave alone. ``forums.search.highlight`` turns them into <mark> after escaping.
MARK_START = "\ue000"
MARK_END = "\ue001"

# The longest stretch of a post that snippets are cut from: ts_headline reads the whole
# text it is given, and a 50,000-character post would cost milliseconds on every page.
SNIPPET_SOURCE_CHARS = 20_000
# How far each title word counts against the body (SQLite's bm25 column weights; PostgreSQL
# weighs title A, opening post B, replies C through ts_rank_cd's default weights).
SQLITE_COLUMN_WEIGHTS = (8.0, 1.0)
# An opening post stands for its thread a little more than a reply does.
SQLITE_OPENING_BOOST = 1.5
# Suggestions rank only the newest matching titles of a very common word, looking first
# among the newest threads.
SIMILAR_CANDIDATES = 100
RECENT_THREADS = 5_000
# The slices of ids a search goes through, newest first (see PostgresBackend.candidates).
RECENT_WINDOW = 10_000
OLDER_WINDOW = 150_000
# Words whose matches, extrapolated from the recent window to the whole table, stay under
# this are searched in the older slice through the GIN index alone (see ``candidates``).
RARE_MATCHES = 30_000


class PostgresBackend:
    vendor = "postgresql"

    # --- the query ---------------------------------------------------------------------

    @staticmethod
    def _term_sql(term: Term, language: str) -> tuple[str, list]:
        """A term in one language: its stemmed form, or (for languages indexed a second time
        with accents folded) either form."""
        text = f'"{term.text}"' if term.is_phrase else term.text
        sql = "websearch_to_tsquery(forums_search_config(%s), %s)"
        if language not in FOLDED_LANGUAGES:
            return sql, [language, text]
        folded = "websearch_to_tsquery(forums_search_folded_config(%s), %s)"
        return f"({sql} || {folded})", [language, text, language, text]

    def tsquery_sql(self, query: ParsedQuery, languages: list[str]) -> tuple[str, list]:
        """One tsquery: for each language, every group (an OR of its terms) must match; the
        result of each language is OR-ed. Excluded terms are excluded in every language's
        stemming, so "-export" leaves out "exports" whatever the thread's language."""
        per_language, params = [], []
        for language in languages:
            groups = []
            for group in query.groups:
                parts = []
                for term in group:
                    sql, p = self._term_sql(term, language)
                    parts.append(sql)
                    params += p
                groups.append("(" + " || ".join(parts) + ")")
            per_language.append("(" + " && ".join(groups) + ")")
        sql = "(" + " || ".join(per_language) + ")"
        for term in query.excluded:
            for language in languages:
                term_sql, p = self._term_sql(term, language)
                sql += f" && !!{term_sql}"
                params += p
        return f"({sql})", params

    def words_tsquery_sql(
        self, words: list[str], languages: list[str], *, every: bool
    ) -> tuple[str, list]:
        joiner = " && " if every else " || "
        per_language, params = [], []
        for language in languages:
            parts = []
            for word in words:
                sql, values = self._term_sql(Term((word,)), language)
                parts.append(sql)
                params += values
            per_language.append("(" + joiner.join(parts) + ")")
        return "(" + " || ".join(per_language) + ")", params

    # --- matching posts ----------------------------------------------------------------

    def candidates(self, posts, query: ParsedQuery, languages: list[str], *, limit: int):
        """(post id, thread id, position, relevance) of the newest ``limit`` posts of the
        queryset that match, the relevance computed for those rows only.

        Posts are searched in three slices of ids, newest first, stopping once ``limit``
        matched. Each slice bounds what PostgreSQL reads whatever it guesses about how
        common the words are (it assumes words occur independently, which in real text
        they rarely do, and a GIN scan of several very common words reads their whole
        posting lists):

        1. the newest RECENT_WINDOW posts, read backwards through the primary key with the
           document tested on each row (the GIN index deliberately unused): at most that
           many rows, and far fewer when the words are common;
        2. the next OLDER_WINDOW posts, through the GIN index combined with the id range
           (the BRIN index on ids makes that range cheap): at most the slice's matches; or,
           for words rare among recent posts (fewer than RARE_MATCHES in the whole table
           by that sample), through the GIN index alone with the range as a filter, which
           reads only their few matches instead of rechecking every row of the range;
        3. the rest, through the GIN index alone, sorted without the primary key (a
           backwards walk over posts that mostly do not match, or a bitmap of nearly every
           id, would cost more). Only words rare among recent posts get here.
        """
        slices = (
            ("recent", 0, RECENT_WINDOW),
            ("range", RECENT_WINDOW, RECENT_WINDOW + OLDER_WINDOW),
            ("rest", RECENT_WINDOW + OLDER_WINDOW, None),
        )
        # The newest id is read first and the slice bounds passed as values: with a bound
        # the planner can see, it knows a slice is small (a subquery would leave it guessing
        # a third of the table, and planning for that turns on JIT and parallel workers).
        with connection.cursor() as cursor:
            cursor.execute('SELECT coalesce(max("id"), 0) FROM "forums_post"')
            top = cursor.fetchone()[0]
        found: list = []
        seen: set[int] = set()
        for how, newest, oldest in slices:
            if how == "range" and len(found) * top < RARE_MATCHES * RECENT_WINDOW:
                # Rare in the recent window, so rare overall (as far as one can tell): the GIN
                # index alone reads its few matches exactly, where combining it with the id
                # range's BRIN bitmap would recheck every row of the range's pages.
                how = "range-rare"
            rows = self._candidates(
                posts,
                query,
                languages,
                limit=limit - len(found),
                how=how,
                span=(top - newest, None if oldest is None else top - oldest),
            )
            found += [row for row in rows if row[0] not in seen]
            seen.update(row[0] for row in rows)
            if len(found) >= limit:
                break
        return found

    def _candidates(self, posts, query, languages, *, limit: int, how: str, span):
        from django.db.models import BooleanField, F
        from django.db.models.expressions import RawSQL

        tsq, params = self.tsquery_sql(query, languages)
        vector = '"forums_post"."search_vector"'
        highest, lowest = span  # the slice's ids: lowest < id <= highest
        if how == "recent":
            # coalesce() keeps the GIN index out of this slice: it walks the primary key.
            where = f'coalesce({vector}, \'\'::tsvector) @@ {tsq} AND "forums_post"."id" > %s'
            values = [*params, lowest]
            order = F("id").desc()
        elif how == "range":
            where = f'{vector} @@ {tsq} AND "forums_post"."id" <= %s AND "forums_post"."id" > %s'
            values = [*params, highest, lowest]
            order = (F("id") + 0).desc()
        elif how == "range-rare":
            # "+ 0": the id range filters the GIN index's matches instead of joining it.
            where = (
                f'{vector} @@ {tsq} AND ("forums_post"."id" + 0) <= %s'
                ' AND ("forums_post"."id" + 0) > %s'
            )
            values = [*params, highest, lowest]
            order = (F("id") + 0).desc()
        else:
            # "+ 0" keeps the primary key out of this slice, for the reasons above.
            where = f'{vector} @@ {tsq} AND ("forums_post"."id" + 0) <= %s'
            values = [*params, highest]
            order = (F("id") + 0).desc()
        condition = RawSQL(where, values, output_field=BooleanField())  # noqa: S611
        newest_first = (
            posts.filter(condition)
            .annotate(document=RawSQL(vector, ()))  # noqa: S611
            .order_by(order)
            .values_list("id", "thread_id", "position", "document")[:limit]
        )
        inner_sql, inner_params = newest_first.query.sql_with_params()
        sql = f"""
            SELECT c.id, c.thread_id, c.position, ts_rank_cd(c.document, {tsq}, 1)
            FROM ({inner_sql}) AS c (id, thread_id, position, document)
        """  # noqa: S608 - this module's SQL and Django's compiled query; values are params
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *inner_params])
            return cursor.fetchall()

    @staticmethod
    def ids_condition(column: str, ids):
        """``column = ANY(%s)``: one array parameter plans faster than thousands."""
        from django.db.models import BooleanField
        from django.db.models.expressions import RawSQL

        return RawSQL(f"{column} = ANY(%s)", [list(ids)], output_field=BooleanField())  # noqa: S611

    # --- what a result shows -----------------------------------------------------------

    def highlights(
        self, *, best: dict[int, int], query: ParsedQuery, languages: list[str]
    ) -> tuple[dict[int, str], dict[int, str]]:
        """Marked-up snippets of the best post of each thread and marked-up thread titles.

        ``best`` maps thread id -> post id. Returns ({post id: snippet}, {thread id: title}).
        """
        if not best:
            return {}, {}
        tsq, params = self.tsquery_sql(query, languages)
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=32, MinWords=14, "
            'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
        )
        title_options = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
        sql = f"""
            SELECT p.id, t.id,
                   ts_headline(forums_search_config(t.language), left(p.body, %s), {tsq}, %s),
                   ts_headline(forums_search_config(t.language), t.title, {tsq}, %s)
            FROM forums_post p JOIN forums_thread t ON t.id = p.thread_id
            WHERE p.id = ANY(%s)
        """  # noqa: S608 - only placeholders and this module's SQL are interpolated
        values = [SNIPPET_SOURCE_CHARS, *params, options, *params, title_options]
        values.append(list(best.values()))
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        return {r[0]: r[2] for r in rows}, {r[1]: r[3] for r in rows}

    # --- similar titles ----------------------------------------------------------------

    def similar_ids(
        self, threads, words: list[str], languages: list[str], *, every: bool, limit: int
    ) -> list[tuple[int, float]]:
        """(thread id, relevance) of threads whose title has all (or any) of the words,
        best first, among the newest SIMILAR_CANDIDATES matches: first among the newest
        RECENT_THREADS threads (read backwards, the stored title vector tested on each),
        then, if too few, through the GIN index on titles for the older ones."""
        from django.db.models import BooleanField, F
        from django.db.models.expressions import RawSQL

        tsq, params = self.words_tsquery_sql(words, languages, every=every)
        vector = '"forums_thread"."search_title"'
        # A bound the planner can see (see ``candidates``).
        with connection.cursor() as cursor:
            cursor.execute('SELECT coalesce(max("id"), 0) FROM "forums_thread"')
            floor = cursor.fetchone()[0] - RECENT_THREADS
        slices = (
            (
                f'coalesce({vector}, \'\'::tsvector) @@ {tsq} AND "forums_thread"."id" > %s',
                F("id").desc(),
            ),
            (f'{vector} @@ {tsq} AND ("forums_thread"."id" + 0) <= %s', (F("id") + 0).desc()),
        )
        found: list[tuple[int, float]] = []
        for where, order in slices:
            condition = RawSQL(where, [*params, floor], output_field=BooleanField())  # noqa: S611
            candidates = (
                threads.filter(condition)
                .annotate(document=RawSQL(vector, ()))  # noqa: S611
                .order_by(order)
                .values_list("id", "document")[: SIMILAR_CANDIDATES - len(found)]
            )
            inner_sql, inner_params = candidates.query.sql_with_params()
            sql = f"""
                SELECT c.id, ts_rank(c.document, {tsq}) FROM ({inner_sql}) AS c (id, document)
            """  # noqa: S608 - this module's SQL and Django's compiled query; values are params
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, *inner_params])
                found += cursor.fetchall()
            if len(found) >= SIMILAR_CANDIDATES:
                break
        found.sort(key=lambda row: (-(row[1] or 0.0), -row[0]))
        return found[:limit]


def fts5_string(term: Term) -> str:
    """A term as an FTS5 string: words of letters and digits, quoted, quotes doubled."""
    return '"' + term.text.replace('"', '""') + '"'


class SqliteBackend:
    vendor = "sqlite"

    def fts_query(self, query: ParsedQuery) -> str:
        query = query.without_stop_words()
        groups = []
        for group in query.groups:
            items = [fts5_string(term) for term in group]
            groups.append(items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")")
        text = " AND ".join(groups)
        if query.excluded:
            text = f"({text})" + "".join(f" NOT {fts5_string(t)}" for t in query.excluded)
        return text

    def candidates(self, posts, query: ParsedQuery, languages: list[str], *, limit: int):
        """(post id, thread id, position, relevance) of the newest ``limit`` matching posts
        of the queryset, relevance being bm25 with the title weighted over the body."""
        match = self.fts_query(query)
        if not match:
            return []
        inner_sql, inner_params = posts.values_list(
            "id", "thread_id", "position"
        ).query.sql_with_params()
        weights = ", ".join(str(w) for w in SQLITE_COLUMN_WEIGHTS)
        sql = f"""
            SELECT p.id, p.thread_id, p.position,
                   -bm25(forums_post_fts, {weights})
                   * (CASE WHEN p.position = 1 THEN {SQLITE_OPENING_BOOST} ELSE 1 END)
            FROM forums_post_fts
            JOIN ({inner_sql}) AS p ON p.id = forums_post_fts.rowid
            WHERE forums_post_fts MATCH %s
            ORDER BY p.id DESC LIMIT %s
        """  # noqa: S608 - this module's SQL and Django's compiled query; values are params
        with connection.cursor() as cursor:
            cursor.execute(sql, [*inner_params, match, limit])
            return cursor.fetchall()

    def highlights(
        self, *, best: dict[int, int], query: ParsedQuery, languages: list[str]
    ) -> tuple[dict[int, str], dict[int, str]]:
        if not best:
            return {}, {}
        post_ids = list(best.values())
        marks = ", ".join(["%s"] * len(post_ids))
        snippets_sql = f"""
            SELECT rowid, snippet(forums_post_fts, 1, %s, %s, ' … ', 24)
            FROM forums_post_fts WHERE forums_post_fts MATCH %s AND rowid IN ({marks})
        """  # noqa: S608 - only placeholders are interpolated
        title_query = self.title_query(query.words)
        titles_sql = f"""
            SELECT p.thread_id, highlight(forums_post_fts, 0, %s, %s)
            FROM forums_post_fts JOIN forums_post p ON p.id = forums_post_fts.rowid
            WHERE forums_post_fts MATCH %s AND p.position = 1 AND p.thread_id IN ({marks})
        """  # noqa: S608 - only placeholders are interpolated
        with connection.cursor() as cursor:
            cursor.execute(snippets_sql, [MARK_START, MARK_END, self.fts_query(query), *post_ids])
            snippets = dict(cursor.fetchall())
            titles = {}
            if title_query:
                cursor.execute(titles_sql, [MARK_START, MARK_END, title_query, *best.keys()])
                titles = dict(cursor.fetchall())
        return snippets, titles

    @staticmethod
    def ids_condition(column: str, ids):
        from django.db.models import Q

        return Q(pk__in=list(ids))

    def title_query(self, words: list[str], *, every: bool = False) -> str:
        items = [fts5_string(Term((w,))) for w in words]
        if not items:
            return ""
        return "title : (" + (" AND " if every else " OR ").join(items) + ")"

    def similar_ids(
        self, threads, words: list[str], languages: list[str], *, every: bool, limit: int
    ) -> list[tuple[int, float]]:
        from django.db.models.expressions import RawSQL

        match = self.title_query(words, every=every)
        if not match:
            return []
        hits = RawSQL(
            "SELECT p.thread_id FROM forums_post_fts JOIN forums_post p "
            "ON p.id = forums_post_fts.rowid "
            "WHERE forums_post_fts MATCH %s AND p.position = 1",
            [match],
        )
        candidates = threads.filter(id__in=hits).order_by("-id").values("id")
        candidates_sql, candidates_params = candidates[:SIMILAR_CANDIDATES].query.sql_with_params()
        sql = f"""
            SELECT p.thread_id, -bm25(forums_post_fts, 1.0, 0.0)
            FROM forums_post_fts JOIN forums_post p ON p.id = forums_post_fts.rowid
            WHERE forums_post_fts MATCH %s AND p.position = 1
              AND p.thread_id IN ({candidates_sql})
            ORDER BY 2 DESC, p.thread_id DESC LIMIT %s
        """  # noqa: S608 - only this module's SQL and placeholders are interpolated
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *candidates_params, limit])
            return cursor.fetchall()


def get_backend():
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"Search needs PostgreSQL or SQLite, not {connection.vendor}.")

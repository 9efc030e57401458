"""The search index lives in the database and keeps itself current.

PostgreSQL
    ``forums_post.search_vector`` (a ``tsvector`` column that is not a field of the Post
    model, so no ORM query ever loads it) holds each post's document: for the opening post
    the thread title weighted A and the body weighted B; for replies the body weighted C.
    It is computed with the text-search configuration of the thread's language
    (``forums_search_config``: PostgreSQL's stemmer for English, Dutch, Indonesian or
    Spanish, ``simple`` for anything else; Dutch and Spanish text is indexed a second time
    with accents folded through ``unaccent`` when the server has it, see ``_pg_configs``)
    by a trigger on ``forums_post``, and recomputed by a trigger
    on ``forums_thread`` when a title or language changes. A GIN index serves the matches.
    Thread titles have their own vector, ``forums_thread.search_title`` (also kept by a
    trigger, also not a model field) with a GIN index, for similar-question suggestions.

SQLite
    ``forums_post_fts``, an FTS5 table (rowid = post id; columns ``title`` and ``body``),
    filled by triggers on ``forums_post`` and ``forums_thread``. It uses the ``porter``
    stemmer over ``unicode61`` with diacritics folded, for every language.

Either way every write path — the services, a moderator moving posts, ``bulk_create`` in a
benchmark, a data migration — updates the index without having to know about it. Whether
a reader may see a post (deleted, hidden, pending, private space) is not part of the
index: searches filter through ``visible_to`` at query time, so moderation never has to
reindex anything.

SQLite rebuilds a table for many ``ALTER TABLE`` changes, and a trigger that names a table
being rebuilt breaks that rebuild. So the SQLite triggers are dropped before migrations run
(``pre_migrate``) and installed again afterwards (``post_migrate``), which also adds rows
that were written meanwhile. ``manage.py search_rebuild`` recomputes everything.
"""

from django.db import connection as default_connection

# Stoa's languages and the PostgreSQL text-search configuration that stems each one. A
# configuration the server lacks falls back to ``simple`` (lower-casing, no stemming).
PG_CONFIGS = {"en": "english", "nl": "dutch", "id": "indonesian", "es": "spanish"}
# Languages whose readers often type words without their accents.
FOLDED_LANGUAGES = ("nl", "es")

FTS_TABLE = "forums_post_fts"
SQLITE_TRIGGERS = (
    "forums_post_fts_insert",
    "forums_post_fts_update",
    "forums_post_fts_delete",
    "forums_thread_fts_title",
)

SQLITE_TABLE_SQL = """
CREATE VIRTUAL TABLE IF NOT EXISTS forums_post_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
)
"""

SQLITE_TRIGGERS_SQL = (
    """
    CREATE TRIGGER IF NOT EXISTS forums_post_fts_insert AFTER INSERT ON forums_post BEGIN
        INSERT INTO forums_post_fts(rowid, title, body) VALUES (
            new.id,
            CASE WHEN new.position = 1
            THEN coalesce((SELECT title FROM forums_thread WHERE id = new.thread_id), '')
            ELSE '' END,
            new.body
        );
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS forums_post_fts_update
    AFTER UPDATE OF body, position, thread_id ON forums_post BEGIN
        DELETE FROM forums_post_fts WHERE rowid = old.id;
        INSERT INTO forums_post_fts(rowid, title, body) VALUES (
            new.id,
            CASE WHEN new.position = 1
            THEN coalesce((SELECT title FROM forums_thread WHERE id = new.thread_id), '')
            ELSE '' END,
            new.body
        );
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS forums_post_fts_delete AFTER DELETE ON forums_post BEGIN
        DELETE FROM forums_post_fts WHERE rowid = old.id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS forums_thread_fts_title
    AFTER UPDATE OF title ON forums_thread BEGIN
        UPDATE forums_post_fts SET title = new.title
        WHERE rowid IN (SELECT id FROM forums_post WHERE thread_id = new.id AND position = 1);
    END
    """,
)

SQLITE_SYNC_SQL = (
    """
    INSERT INTO forums_post_fts(rowid, title, body)
    SELECT p.id, CASE WHEN p.position = 1 THEN t.title ELSE '' END, p.body
    FROM forums_post p JOIN forums_thread t ON t.id = p.thread_id
    WHERE p.id NOT IN (SELECT rowid FROM forums_post_fts)
    """,
    "DELETE FROM forums_post_fts WHERE rowid NOT IN (SELECT id FROM forums_post)",
)


def _pg_config_functions(stemmed: dict[str, str], folded: dict[str, str]) -> list[str]:
    def function(name: str, configs: dict[str, str]) -> str:
        cases = " ".join(f"WHEN '{code}' THEN '{cfg}'::regconfig" for code, cfg in configs.items())
        return f"""
        CREATE OR REPLACE FUNCTION {name}(language text) RETURNS regconfig
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE language {cases} ELSE '{configs[""]}'::regconfig END
        $$
        """

    return [
        function("forums_search_config", stemmed),
        function("forums_search_folded_config", folded),
    ]


def _pg_unaccent(connection) -> bool:
    """Make ``unaccent`` available if the server allows it (it is a trusted extension, so a
    database owner may create it); otherwise searches stay accent-sensitive."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError:
        return False
    return True


def _pg_configs(connection) -> tuple[dict[str, str], dict[str, str]]:
    """(stemmed, folded): language code -> configuration, "" -> the fallback.

    ``stemmed`` are PostgreSQL's own configurations. ``folded`` are, for the languages
    written with accents (FOLDED_LANGUAGES) and when the server has ``unaccent``, copies that
    fold accents before stemming (``stoa_spanish`` ...); otherwise the same as ``stemmed``.
    Documents in those languages are indexed both ways and queries match either, because
    neither alone is right: Spanish stemming needs the accents ("facturación" and
    "facturaciones" both stem to "factur"), and readers type without them ("facturacion").
    """
    available = pg_available_configs(connection)
    stemmed = {code: cfg for code, cfg in PG_CONFIGS.items() if cfg in available}
    stemmed[""] = "simple"
    folded = dict(stemmed)
    if not _pg_unaccent(connection):
        return stemmed, folded
    with connection.cursor() as cursor:
        cursor.execute("SELECT dictname FROM pg_ts_dict")
        dictionaries = {row[0] for row in cursor.fetchall()}
        for code in FOLDED_LANGUAGES:
            cfg = stemmed.get(code)
            if cfg is None or f"{cfg}_stem" not in dictionaries:
                continue
            name = f"stoa_{cfg}"
            if name not in available:
                # Names come from PG_CONFIGS and pg_ts_dict, never from input.
                cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {cfg})")
                cursor.execute(
                    f"ALTER TEXT SEARCH CONFIGURATION {name} "
                    f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {cfg}_stem"
                )
            folded[code] = name
    return stemmed, folded


PG_DOCUMENT_FUNCTION_SQL = (
    """
    CREATE OR REPLACE FUNCTION forums_search_text_vector(language text, content text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT to_tsvector(forums_search_config(language), coalesce(content, ''))
        || CASE WHEN forums_search_folded_config(language) = forums_search_config(language)
           THEN ''::tsvector
           ELSE to_tsvector(forums_search_folded_config(language), coalesce(content, ''))
           END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION forums_post_search_document(
        title text, language text, post_position integer, body text
    ) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN post_position = 1 THEN
            setweight(forums_search_text_vector(language, title), 'A')
            || setweight(forums_search_text_vector(language, body), 'B')
        ELSE
            setweight(forums_search_text_vector(language, body), 'C')
        END
    $$
    """,
)

PG_TRIGGER_FUNCTIONS_SQL = (
    """
    CREATE OR REPLACE FUNCTION forums_thread_title_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_title := forums_search_text_vector(NEW.language, NEW.title);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION forums_post_search_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        parent record;
    BEGIN
        SELECT title, language INTO parent FROM forums_thread WHERE id = NEW.thread_id;
        NEW.search_vector := forums_post_search_document(
            parent.title, parent.language, NEW.position, NEW.body
        );
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION forums_thread_search_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.language IS DISTINCT FROM OLD.language THEN
            UPDATE forums_post
            SET search_vector = forums_post_search_document(NEW.title, NEW.language, position, body)
            WHERE thread_id = NEW.id;
        ELSIF NEW.title IS DISTINCT FROM OLD.title THEN
            UPDATE forums_post
            SET search_vector = forums_post_search_document(NEW.title, NEW.language, position, body)
            WHERE thread_id = NEW.id AND position = 1;
        END IF;
        RETURN NULL;
    END
    $$
    """,
)

PG_OBJECTS_SQL = (
    "ALTER TABLE forums_post ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "ALTER TABLE forums_thread ADD COLUMN IF NOT EXISTS search_title tsvector",
    "DROP TRIGGER IF EXISTS forums_thread_title ON forums_thread",
    """
    CREATE TRIGGER forums_thread_title BEFORE INSERT OR UPDATE OF title, language
    ON forums_thread FOR EACH ROW EXECUTE FUNCTION forums_thread_title_update()
    """,
    "DROP TRIGGER IF EXISTS forums_post_search ON forums_post",
    """
    CREATE TRIGGER forums_post_search BEFORE INSERT OR UPDATE OF body, position, thread_id
    ON forums_post FOR EACH ROW EXECUTE FUNCTION forums_post_search_update()
    """,
    "DROP TRIGGER IF EXISTS forums_thread_search ON forums_thread",
    """
    CREATE TRIGGER forums_thread_search AFTER UPDATE OF title, language
    ON forums_thread FOR EACH ROW EXECUTE FUNCTION forums_thread_search_update()
    """,
    "CREATE INDEX IF NOT EXISTS forums_post_search_gin ON forums_post USING gin (search_vector)",
    # Ids follow insertion order, so a BRIN index gives the bitmap of an id range almost for
    # free; searches combine it with the GIN index to look at one slice of time at a time.
    """
    CREATE INDEX IF NOT EXISTS forums_post_id_brin ON forums_post
    USING brin (id) WITH (pages_per_range = 16)
    """,
    """
    CREATE INDEX IF NOT EXISTS forums_thread_title_search ON forums_thread
    USING gin (search_title)
    """,
)

PG_DROP_SQL = (
    "DROP INDEX IF EXISTS forums_thread_title_search",
    "DROP TRIGGER IF EXISTS forums_thread_title ON forums_thread",
    "ALTER TABLE forums_thread DROP COLUMN IF EXISTS search_title",
    "DROP FUNCTION IF EXISTS forums_thread_title_update()",
    "DROP INDEX IF EXISTS forums_post_id_brin",
    "DROP TRIGGER IF EXISTS forums_thread_search ON forums_thread",
    "DROP TRIGGER IF EXISTS forums_post_search ON forums_post",
    "ALTER TABLE forums_post DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS forums_thread_search_update()",
    "DROP FUNCTION IF EXISTS forums_post_search_update()",
    "DROP FUNCTION IF EXISTS forums_post_search_document(text, text, integer, text)",
    "DROP FUNCTION IF EXISTS forums_search_text_vector(text, text)",
    "DROP FUNCTION IF EXISTS forums_search_folded_config(text)",
    "DROP FUNCTION IF EXISTS forums_search_config(text)",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS stoa_{cfg}" for cfg in PG_CONFIGS.values()),
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS stoa_simple",
)

# Rebuilding a million posts in one statement holds one huge transaction; batches by id
# keep each short.
PG_REBUILD_BATCH_SQL = """
UPDATE forums_post p
SET search_vector = forums_post_search_document(t.title, t.language, p.position, p.body)
FROM forums_thread t
WHERE t.id = p.thread_id AND p.id >= %s AND p.id < %s
"""


def pg_available_configs(connection) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        return {row[0] for row in cursor.fetchall()}


def install(connection=None) -> None:
    """Create (or bring up to date) the index and what keeps it current. Idempotent."""
    connection = connection or default_connection
    if connection.vendor == "postgresql":
        statements = [
            *_pg_config_functions(*_pg_configs(connection)),
            *PG_DOCUMENT_FUNCTION_SQL,
            *PG_TRIGGER_FUNCTIONS_SQL,
        ]
        # The functions are replaced in place; the column, triggers and indexes are only
        # created once (ALTER TABLE would fail inside a transaction with pending writes).
        if not is_installed(connection):
            statements += PG_OBJECTS_SQL
    elif connection.vendor == "sqlite":
        statements = [SQLITE_TABLE_SQL, *SQLITE_TRIGGERS_SQL, *SQLITE_SYNC_SQL]
    else:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection=None) -> None:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_DROP_SQL:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            drop_sqlite_triggers(connection)
            cursor.execute("DROP TABLE IF EXISTS forums_post_fts")


def drop_sqlite_triggers(connection=None) -> None:
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def is_installed(connection=None) -> bool:
    connection = connection or default_connection
    tables = connection.introspection.table_names(include_views=False)
    if connection.vendor == "sqlite":
        return FTS_TABLE in tables
    if connection.vendor == "postgresql" and "forums_post" in tables:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'forums_post' AND column_name = 'search_vector'"
            )
            return cursor.fetchone() is not None
    return False


def rebuild(connection=None, *, batch: int = 20_000) -> int:
    """Recompute every post's entry. Returns the number of posts indexed."""
    connection = connection or default_connection
    install(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM forums_post_fts")
            cursor.execute(SQLITE_SYNC_SQL[0])
            cursor.execute("SELECT count(*) FROM forums_post_fts")
            return cursor.fetchone()[0]
        if connection.vendor != "postgresql":
            return 0
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM forums_post")
        low, high = cursor.fetchone()
        done = 0
        for start in range(low, high + 1, batch):
            cursor.execute(PG_REBUILD_BATCH_SQL, [start, start + batch])
            done += cursor.rowcount
        cursor.execute(
            "UPDATE forums_thread SET search_title = forums_search_text_vector(language, title)"
        )
        return done


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: (re)install the SQLite triggers and catch up on rows written without
    them. PostgreSQL keeps its triggers through migrations and needs nothing here."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and is_installed(connection):
        install(connection)


def drop_before_migrate(sender, using="default", **kwargs) -> None:
    """pre_migrate: take the SQLite triggers out of the way of table rebuilds."""
    from django.db import connections

    drop_sqlite_triggers(connections[using])

"""Full-text search over threads and posts, and similar-question suggestions.

One interface, two engines chosen by the database in use: PostgreSQL full-text search
(a weighted ``tsvector`` per post kept by triggers, GIN indexes, language-aware stemming,
``websearch_to_tsquery``, ``ts_rank_cd``, ``ts_headline``) and, for the embedded default,
SQLite FTS5 (porter stemming, bm25, ``snippet()``). See ``schema`` for the index,
``query`` for the syntax, ``engine`` for ranking and visibility.
"""

from .engine import (
    PAGE_SIZE,
    SORTS,
    SearchFilters,
    SearchHit,
    SearchPage,
    Suggestion,
    search_threads,
    similar_threads,
)
from .query import ParsedQuery, parse_query

__all__ = [
    "PAGE_SIZE",
    "SORTS",
    "ParsedQuery",
    "SearchFilters",
    "SearchHit",
    "SearchPage",
    "Suggestion",
    "parse_query",
    "search_threads",
    "similar_threads",
]

"""Latency of search and suggestions on the data in the database, measured in-process.

``manage.py bench_search`` (or :func:`measure`) runs a fixed mix of queries — common and
rare words, phrases, exclusions, "or" — as a visitor (and optionally as a member), several
rounds after one warm-up round, and reports p50/p95/max in milliseconds. It measures
``search_threads`` and ``similar_threads`` themselves (all their SQL included), not HTTP.

Two clocks: ``wall`` is elapsed time; ``cpu`` is the CPU time the search used, in this
process plus, when PostgreSQL runs on this machine, in its backend process (from /proc).
On a machine shared with other busy processes, ``cpu`` is what the same search would take
on an idle one; on an idle machine the two agree.
"""

import os
import statistics
import time
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from .engine import SearchFilters, search_threads, similar_threads

SEARCHES = [
    "dashboard",
    "dashboard timeout",
    "dashboard times out",
    "csv export",
    '"wrong totals"',
    "webhook -dashboard",
    "sso or saml",
    "connector empty result",
    "api token",
    "invoice",
    "time zone workspace",
    "snowflake sync slow",
    "xyzzy nothing matches this",
    "dashboard laadt traag",
]
TITLES = [
    "Dashboard times out",
    "How do I export a dashboard to CSV",
    "Webhook returns an empty result",
    "SSO login shows the wrong totals",
    "API token is missing after the upgrade",
    "Connector fails with error 500 since yesterday",
    "Scheduled report ignores my settings",
    "Something entirely unrelated to anything here",
]


@dataclass
class Timing:
    name: str
    samples: list[float]

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.samples)
        index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
        return ordered[index]

    def summary(self) -> dict:
        return {
            "name": self.name,
            "runs": len(self.samples),
            "p50_ms": round(self.percentile(0.50), 2),
            "p95_ms": round(self.percentile(0.95), 2),
            "max_ms": round(max(self.samples), 2),
            "mean_ms": round(statistics.fmean(self.samples), 2),
        }


class _Clock:
    """Wall time, and CPU time of this process and of the database backend serving it."""

    def __init__(self):
        self.backend_schedstat = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                path = f"/proc/{cursor.fetchone()[0]}/schedstat"
            if os.path.exists(path):
                self.backend_schedstat = path

    def _backend_cpu(self) -> float:
        """Seconds the backend has run on a CPU (schedstat counts nanoseconds)."""
        if self.backend_schedstat is None:
            return 0.0
        with open(self.backend_schedstat) as schedstat:
            return int(schedstat.read().split()[0]) / 1e9

    def time(self, call, **kwargs) -> tuple[float, float]:
        wall, cpu, backend = time.perf_counter(), time.process_time(), self._backend_cpu()
        call(**kwargs)
        used = (time.process_time() - cpu) + (self._backend_cpu() - backend)
        return (time.perf_counter() - wall) * 1000, used * 1000


def measure(*, rounds: int = 5, viewers=None, searches=None, titles=None) -> list[dict]:
    viewers = viewers or [AnonymousUser()]
    searches = searches or SEARCHES
    titles = titles or TITLES
    plain = SearchFilters()
    newest = SearchFilters(sort="newest")
    clock = _Clock()
    timings: dict[str, list[float]] = {}

    def record(name, call, **kwargs):
        wall, cpu = clock.time(call, **kwargs)
        if keep:
            timings.setdefault(f"{name} wall", []).append(wall)
            timings.setdefault(f"{name} cpu", []).append(cpu)

    for round_number in range(rounds + 1):
        keep = round_number > 0  # the first round warms caches and is not counted
        for viewer in viewers:
            for query in searches:
                record("search", search_threads, viewer=viewer, query=query, filters=plain)
                record("newest", search_threads, viewer=viewer, query=query, filters=newest)
            for title in titles:
                record("similar", similar_threads, viewer=viewer, title=title)
    return [Timing(name, samples).summary() for name, samples in timings.items()]

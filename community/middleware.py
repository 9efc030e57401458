"""Measurement aids. Nothing here changes what a page does."""

import time

from django.db import connections


class QueryCountHeaderMiddleware:
    """Adds ``X-Stoa-Queries`` (SQL statements run for the request) and ``Server-Timing``
    (``app;dur=<ms>``, the time spent inside Django) when ``STOA_QUERY_COUNT_HEADER`` is on.
    The benchmark reads both: the first is the query budget, the second separates the time a
    request takes in the server from the time it waited for a free worker. Off by default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = {"n": 0}

        def count(execute, sql, params, many, context):
            counter["n"] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connections["default"].execute_wrapper(count):
            response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["X-Stoa-Queries"] = str(counter["n"])
        response["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
        return response

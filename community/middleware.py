"""Measurement aids. Nothing here changes what a page does."""

from django.db import connections


class QueryCountHeaderMiddleware:
    """Adds ``X-Stoa-Queries`` (SQL statements run for the request) when
    ``STOA_QUERY_COUNT_HEADER`` is on — the benchmark reads it; off by default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = {"n": 0}

        def count(execute, sql, params, many, context):
            counter["n"] += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(count):
            response = self.get_response(request)
        response["X-Stoa-Queries"] = str(counter["n"])
        return response

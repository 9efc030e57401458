"""``Median``: one aggregate that works on PostgreSQL and on the embedded SQLite.

PostgreSQL has ``percentile_cont``; SQLite has no median, so a small Python aggregate is
registered on every new SQLite connection (``register_sqlite_median``, connected in
``InsightsConfig.ready``). Either way a median, grouped or filtered, stays one SQL query.
"""

from django.db.models import Aggregate, FloatField


class Median(Aggregate):
    name = "Median"
    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function=SQLITE_MEDIAN,
            template="%(function)s(%(expressions)s)%(filter)s",
            **extra_context,
        )


SQLITE_MEDIAN = "STOA_MEDIAN"


class _SqliteMedian:
    """The continuous median (as ``percentile_cont(0.5)``) of the non-null values."""

    def __init__(self):
        self.values: list[float] = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        if not self.values:
            return None
        values = sorted(self.values)
        middle = len(values) // 2
        if len(values) % 2:
            return float(values[middle])
        return (values[middle - 1] + values[middle]) / 2


def register_sqlite_median(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _SqliteMedian)

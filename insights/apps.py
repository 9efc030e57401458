from django.apps import AppConfig
from django.db.backends.signals import connection_created


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self):
        from django.db import connections

        from .aggregates import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="insights-median")
        # A connection opened before this app was ready (rare: a check at start-up) misses
        # the signal; give it the function now.
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_sqlite_median(sender=None, connection=connection)

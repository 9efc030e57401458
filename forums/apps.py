from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = "Forums"

    def ready(self):
        from . import signals  # noqa: F401  (page-cache invalidation)
        from .search import schema

        # SQLite's search triggers step aside while migrations rebuild tables (see
        # forums.search.schema).
        pre_migrate.connect(schema.drop_before_migrate, sender=self)
        post_migrate.connect(schema.install_after_migrate, sender=self)

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        # Tasks are registered at start-up so the outbox can run them eagerly (embedded mode).
        from . import signals, tasks  # noqa: F401

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Register the tasks in every process, not only in workers (which autodiscover them):
        # the outbox resolves handlers by name, and in eager mode runs them in-process.
        from . import tasks  # noqa: F401

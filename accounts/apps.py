from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # The tasks are registered in every process, not only in workers: the outbox resolves
        # its handlers by name and, in eager mode (the embedded default), runs them here.
        from . import signals, tasks  # noqa: F401

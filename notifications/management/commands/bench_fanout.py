"""``manage.py bench_fanout --watchers 10000``: one reply to N watchers through a real worker."""

from django.core.management.base import BaseCommand, CommandError

from notifications.benchmark import fan_out_benchmark


class Command(BaseCommand):
    help = (
        "Time one reply fanned out to N watchers through a real Celery worker (needs REDIS_URL "
        "and PostgreSQL or a SQLite file). Prints the seconds taken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--watchers", type=int, default=10_000)
        parser.add_argument(
            "--no-spawn",
            action="store_true",
            help="Use the workers already running instead of starting one on a private queue.",
        )
        parser.add_argument("--timeout", type=float, default=120.0)
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark's rows.")

    def handle(self, *args, watchers, no_spawn, timeout, keep, **options):
        if watchers < 1:
            raise CommandError("--watchers must be at least 1.")
        try:
            result = fan_out_benchmark(
                watchers=watchers, spawn_worker=not no_spawn, timeout=timeout, keep=keep
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(result))
        self.stdout.write(f"{result.seconds:.3f}")
        if result.notifications < watchers + 1:
            raise CommandError("Not every watcher was notified before the timeout.")

"""``manage.py rebuild_insights --from 2025-01-01 --to 2025-03-31``: rewrite the rollups of a
date range (all of it: daily sums, tags, mentions, question and flag facts). Safe to run again;
the dashboard keeps working meanwhile, each day being replaced in one transaction."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from insights import rollups


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date; write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Rebuild the insights rollups for a date range (both days included)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first", help="First day, YYYY-MM-DD (default: 30 days ago)."
        )
        parser.add_argument("--to", dest="last", help="Last day, YYYY-MM-DD (default: today).")

    def handle(self, *args, first=None, last=None, verbosity=1, **options):
        today = timezone.localdate()
        last_day = _date(last) if last else today
        first_day = _date(first) if first else last_day - timedelta(days=29)
        if first_day > last_day:
            raise CommandError(
                f"--from ({first_day}) is after --to ({last_day}); swap the two dates."
            )
        if last_day > today:
            raise CommandError(f"--to ({last_day}) is in the future; today is {today}.")
        if (last_day - first_day).days > 3660:
            raise CommandError("Rebuild at most ten years at a time.")

        def progress(day):
            if verbosity > 1:
                self.stdout.write(f"  {day.isoformat()}")

        days = rollups.rollup_range(first_day, last_day, on_day=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt insights for {days} day{'s' if days != 1 else ''} "
                f"({first_day.isoformat()} to {last_day.isoformat()})."
            )
        )

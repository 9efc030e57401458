"""``manage.py seed_demo``: load the Lumen demo community and print its accounts.

Safe to run again: only what is missing is created (see ``community.demo``).
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.demo import DEMO_PASSWORD, DEMO_URL, THREADS
from community.demo.ideas import seed_ideas
from community.demo.loader import DemoAccount, demo_accounts, seed
from community.demo.moderation import seed_moderation
from community.demo.private_spaces import seed_private
from insights.demo import seed_insights

SUMMARY = (
    ("users", "user", "users"),
    ("organizations", "organization", "organizations"),
    ("spaces", "space", "spaces"),
    ("threads", "thread", "threads"),
    ("posts", "post", "posts"),
    ("reactions", "reaction", "reactions"),
)


class Command(BaseCommand):
    help = "Load the demo community (Lumen) and print the demo accounts. Safe to run again."

    def handle(self, *args, **options):
        started = time.monotonic()
        with transaction.atomic():
            result = seed()
            seed_private(result=result)
            # Before the ideas step, which also grants the badges all this content earned.
            seed_moderation(now=timezone.now(), result=result)
            seed_ideas(specs=THREADS, now=timezone.now(), result=result)
        # The insights dashboard reads rollups: build them for every day of the demo.
        days = seed_insights(actor=User.objects.filter(username="sam").first())
        elapsed = time.monotonic() - started
        if result.created_anything:
            made = ", ".join(
                f"{n} {one if n == 1 else many}"
                for key, one, many in SUMMARY
                if (n := result.created[key])
            )
            self.stdout.write(
                self.style.SUCCESS(f"Demo community loaded: {made} ({elapsed:.1f} s).")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS("Demo community already in place; nothing to add.")
            )
        self.stdout.write(f"Insights dashboard rolled up for {days} days.")
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo accounts (password: {DEMO_PASSWORD})"))
        for line in account_table(demo_accounts()):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Open {DEMO_URL} and log in with any of them.")


def account_table(accounts: list[DemoAccount]) -> list[str]:
    """The accounts as an aligned plain-text table, one string per line."""
    header = ("username", "role", "password", "can see")
    rows = [(a.username, a.role, DEMO_PASSWORD, a.sees) for a in accounts]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    rule = tuple("-" * width for width in widths)
    return [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, rule, *rows)
    ]

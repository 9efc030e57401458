"""``manage.py rebuild_reputation``: recompute every member's reputation from the content."""

from django.core.management.base import BaseCommand

from accounts.reputation import reputation_rebuild


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class Command(BaseCommand):
    help = (
        "Rebuild the reputation ledger from accepted answers, helpful reactions and ideas on "
        "the roadmap, and set every member's reputation to the sum of it."
    )

    def handle(self, *args, **options):
        report = reputation_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                "Reputation rebuilt: "
                f"{_count(report.added, 'event', 'events')} added, "
                f"{_count(report.removed, 'event', 'events')} removed, "
                f"{_count(report.members_changed, 'member', 'members')} corrected."
            )
        )

from django.core.management.base import BaseCommand

from forums.search import schema


class Command(BaseCommand):
    help = (
        "Recompute the full-text search index of every post (a repair; triggers keep it "
        "current on their own)."
    )

    def handle(self, *args, **options):
        count = schema.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count:,} posts."))

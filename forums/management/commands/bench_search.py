from django.core.management.base import BaseCommand

from accounts.models import User
from forums.models import Post
from forums.search.bench import measure


class Command(BaseCommand):
    help = "Measure search and similar-question latency (p50/p95) on the current data."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--member", default="", help="Also search as this member (username).")

    def handle(self, *args, rounds, member, **options):
        from django.contrib.auth.models import AnonymousUser

        viewers = [AnonymousUser()]
        if member:
            viewers.append(User.objects.get(username=member))
        self.stdout.write(f"{Post.objects.count():,} posts; {rounds} rounds")
        for row in measure(rounds=rounds, viewers=viewers):
            self.stdout.write(
                f"{row['name']:<14} runs={row['runs']:<4} p50={row['p50_ms']:>7} ms  "
                f"p95={row['p95_ms']:>7} ms  max={row['max_ms']:>7} ms"
            )

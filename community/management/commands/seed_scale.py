from django.core.management.base import BaseCommand

from community.scale import ScalePlan, existing_posts, seed_scale


class Command(BaseCommand):
    help = "Generate a large community for the benchmark (bulk inserts; safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=2_000)
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument("--posts", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="Add data even if the scale set exists."
        )

    def handle(self, *args, users, threads, posts, seed, force, **options):
        have = existing_posts()
        if have and not force:
            self.stdout.write(f"Scale data already present ({have:,} posts); nothing to do.")
            return
        threads = threads or max(posts // 8, 1)
        if posts < threads:
            raise SystemExit("--posts must be at least --threads (every thread has a post).")
        self.stdout.write(f"Seeding {users:,} users, {threads:,} threads, {posts:,} posts…")
        result = seed_scale(
            ScalePlan(users=users, threads=threads, posts=posts, seed=seed),
            log=self.stdout.write,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {result['threads']:,} threads, {result['posts']:,} posts "
                f"in {result['seconds']} s."
            )
        )

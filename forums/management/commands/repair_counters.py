from django.core.management.base import BaseCommand

from forums import services
from forums.models import Space, Thread


class Command(BaseCommand):
    help = "Recompute every thread's and space's denormalised counters from the posts."

    def handle(self, *args, **options):
        threads = 0
        for thread in Thread.objects.iterator(chunk_size=500):
            services.thread_synchronize(thread=thread)
            threads += 1
        spaces = 0
        for space in Space.objects.all():
            services.space_synchronize(space=space)
            spaces += 1
        self.stdout.write(self.style.SUCCESS(f"Repaired {threads} threads and {spaces} spaces."))

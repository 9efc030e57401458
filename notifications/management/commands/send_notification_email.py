"""``manage.py send_notification_email``: what celery beat does every minute, at once.

Useful on the embedded default (no beat running) and to flush mail while trying things out:
``--now`` ignores the collapse window, ``--digests`` also sends the daily and weekly digests.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import mail
from notifications.models import Channel


class Command(BaseCommand):
    help = "Bundle and send the notification e-mail that is due (and, with --digests, digests)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Ignore the collapse window.")
        parser.add_argument("--digests", action="store_true", help="Send digests too.")

    def handle(self, *args, now, digests, **options):
        moment = timezone.now()
        if now:
            moment += timedelta(minutes=settings.STOA_EMAIL_COLLAPSE_MINUTES)
        made = mail.email_schedule_due(now=moment)
        self.stdout.write(f"Immediate e-mails queued: {made}")
        if digests:
            for channel in (Channel.DAILY, Channel.WEEKLY):
                count = mail.email_schedule_digests(channel=channel)
                self.stdout.write(f"{channel.label} queued: {count}")

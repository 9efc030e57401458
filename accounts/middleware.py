"""When a member was last here: ``User.last_seen_at``, written at most every few minutes.

Insights counts a member who only read as active ("visited"), which needs this; the write is
one indexed UPDATE per member per ``SEEN_EVERY``, never on each request."""

from datetime import timedelta

from django.utils import timezone

from .models import User

SEEN_EVERY = timedelta(minutes=10)


class LastSeenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and response.status_code < 400:
            now = timezone.now()
            if user.last_seen_at is None or now - user.last_seen_at >= SEEN_EVERY:
                User.objects.filter(pk=user.pk).update(last_seen_at=now)
                user.last_seen_at = now
        return response

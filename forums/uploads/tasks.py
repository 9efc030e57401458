from celery import shared_task

from . import services


@shared_task(name="forums.uploads_sweep", acks_late=True)
def uploads_sweep() -> int:
    """Hourly (beat): uploads no post took within a day go, with their files."""
    return services.uploads_sweep()

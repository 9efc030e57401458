"""Reading uploads: through ``Upload.objects.visible_to``, the posts' own door."""

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from forums.models import Post

from .models import Upload


def upload_get_for_viewer(*, key: str, name: str, viewer) -> Upload:
    """The upload at ``/uploads/<key>/<name>``, or 404 exactly as if it did not exist."""
    upload = Upload.objects.visible_to(viewer).filter(key=key).first()
    if upload is None or upload.name != name:
        raise Http404("No such file.")
    return upload


def upload_is_public(upload: Upload) -> bool:
    """Could a visitor read it too? Then shared caches may keep it (briefly)."""
    return (
        upload.post_id is not None
        and Post.objects.visible_to(AnonymousUser()).filter(pk=upload.post_id).exists()
    )

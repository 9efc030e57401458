"""Every write to uploads: store a checked file, attach uploads to the post that uses them,
sweep the ones no post took.

Files reach storage before their row is written and are removed again if the row is not;
files of deleted rows are removed after the deletion commits (``models.upload_files_delete``).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forums.permissions import check

from . import paths
from .checks import CheckedFile, UploadRefused, check_upload
from .models import Upload
from .permissions import can_upload, upload_limits, upload_refusal
from .storage import upload_storage


def upload_create(*, owner, file) -> Upload:
    """Check ``file`` (a Django UploadedFile) and store it as ``owner``'s upload.

    Raises PermissionDenied when the member may not attach files and UploadRefused (with the
    message for the member) when the file or the member's hourly allowance says no.
    """
    check(can_upload(owner), upload_refusal(owner))
    limits = upload_limits(owner)
    if limits.per_hour is not None:
        since = timezone.now() - timedelta(hours=1)
        recent = Upload.objects.filter(owner=owner, created_at__gte=since)[: limits.per_hour]
        if recent.count() >= limits.per_hour:
            raise UploadRefused(
                f"Members at trust level “{limits.level_name}” can attach {limits.per_hour} "
                "files an hour, and you have reached that. Please try again a little later."
            )
    checked = check_upload(
        file,
        max_bytes=limits.max_bytes,
        max_pixels=settings.STOA_UPLOAD_MAX_PIXELS,
        allowed_extensions=settings.STOA_UPLOAD_ALLOWED_EXTENSIONS,
        display_size=settings.STOA_UPLOAD_DISPLAY_SIZE,
        thumbnail_size=settings.STOA_UPLOAD_THUMBNAIL_SIZE,
    )
    return _store(owner=owner, checked=checked)


def _store(*, owner, checked: CheckedFile) -> Upload:
    storage = upload_storage()
    now = timezone.now()
    # Stored names are random: they say nothing about the file and are never shown.
    stem = f"{now:%Y/%m}/{secrets.token_hex(16)}"
    extension = paths.extension_of(checked.name) or "bin"
    saved: list[str] = []

    def save(suffix: str, data: bytes) -> str:
        name = storage.save(f"{stem}{suffix}", ContentFile(data))
        saved.append(name)
        return name

    try:
        upload = Upload(
            owner=owner,
            kind=checked.kind,
            name=checked.name,
            size=len(checked.data),
            content_type=checked.content_type,
            sha256=checked.sha256,
            width=checked.width,
            height=checked.height,
            created_at=now,
        )
        upload.file.name = save(f".{extension}", checked.data)
        if checked.display is not None:
            upload.display.name = save(
                f"-display.{checked.display.extension}", checked.display.data
            )
        if checked.thumbnail is not None:
            upload.thumbnail.name = save(
                f"-thumb.{checked.thumbnail.extension}", checked.thumbnail.data
            )
        upload.save()
    except BaseException:
        for name in saved:
            storage.delete(name)
        raise
    return upload


def uploads_attach(*, post) -> int:
    """Attach to ``post`` the uploads its HTML uses that its author owns and that no other
    post has; call it inside the transaction that writes the post.

    Another member's upload, or the author's upload already in another post, stays where it
    is: the link in this post then works only for readers of that other post. Uploads stay
    attached when an edit removes them, so earlier revisions keep their pictures.
    Raises ValidationError (on ``body``) past the author's files-per-post limit.
    """
    keys = set(paths.UPLOAD_REFERENCE_RE.findall(post.body_html))
    if not keys:
        return 0
    usable = list(
        Upload.objects.filter(key__in=keys, owner_id=post.author_id)
        .filter(Q(post__isnull=True) | Q(post=post))
        .values_list("pk", "post_id")
    )
    limits = upload_limits(post.author)
    if limits.per_post is not None and len(usable) > limits.per_post:
        raise ValidationError(
            {
                "body": f"Members at trust level “{limits.level_name}” can attach at most "
                f"{limits.per_post} files to one post; this one has {len(usable)}. Remove some "
                "and post again (your text is still here)."
            }
        )
    new = [pk for pk, post_id in usable if post_id is None]
    if new:
        Upload.objects.filter(pk__in=new, post__isnull=True).update(
            post=post, attached_at=timezone.now()
        )
    return len(new)


def uploads_sweep(*, batch_size: int = 500) -> int:
    """Delete uploads that no post took within ``STOA_UPLOAD_ORPHAN_HOURS``, with their files.

    Safe to run twice at once: rows are claimed with SKIP LOCKED where the database has it,
    and a row attached meanwhile is left alone.
    """
    cutoff = timezone.now() - timedelta(hours=settings.STOA_UPLOAD_ORPHAN_HOURS)
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(
                Upload.objects.orphaned_before(cutoff)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if ids:
                removed += (
                    Upload.objects.filter(pk__in=ids, post__isnull=True)
                    .delete()[1]
                    .get(Upload._meta.label, 0)
                )
        if len(ids) < batch_size:
            return removed

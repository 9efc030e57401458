"""Upload: one file a member attached to a post (or is about to).

An upload belongs to its owner until a post that references it is saved; from then on it is
*attached* to that post and readable exactly by those who may read the post. The same bytes
uploaded twice are two uploads: nothing is shared between posts, so a file in a private post
never becomes readable through a public one.
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from . import paths
from .storage import upload_storage


class UploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Uploads this user may download: those attached to a post they may read, and
        their own not yet attached. The post check is the posts' own door."""
        from forums.models import Post

        readable = Q(post__in=Post.objects.visible_to(user))
        if user.is_authenticated:
            readable |= Q(post__isnull=True, owner=user)
        return self.filter(readable)

    def orphaned_before(self, moment):
        return self.filter(post__isnull=True, created_at__lt=moment)


class Upload(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        FILE = "file", "File"

    key = models.CharField(max_length=32, unique=True, default=paths.new_key, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    name = models.CharField(max_length=paths.MAX_NAME_LENGTH, help_text="The safe file name.")
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(storage=upload_storage, max_length=255)
    display = models.FileField(storage=upload_storage, max_length=255, blank=True)
    thumbnail = models.FileField(storage=upload_storage, max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attached_at = models.DateTimeField(null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(post__isnull=True), name="upload_orphans"
            ),
            models.Index(fields=["owner", "-created_at"], name="upload_owner_created"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return paths.path_for(self.key, self.name)

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    def stored_names(self) -> list[str]:
        return [f.name for f in (self.file, self.display, self.thumbnail) if f]


@receiver(post_delete, sender=Upload)
def upload_files_delete(sender, instance: Upload, **kwargs):
    """A deleted row takes its files with it, once the deletion is committed (a rolled-back
    delete keeps them). Rows go with their post, their owner's account or the sweep."""
    storage = upload_storage()
    names = instance.stored_names()

    def delete_files():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)

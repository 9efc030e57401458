"""Where uploads are kept: the ``uploads`` storage (settings.STORAGES).

The embedded default is :class:`PrivateUploadStorage`, a folder outside MEDIA_ROOT
(``STOA_UPLOAD_ROOT``) that no URL serves: every byte goes out through
``forums.uploads.views.upload_serve`` after the reading check. With ``STOA_STORAGE=s3`` the
alias is an S3 bucket (django-storages) and the same view answers with a signed URL that
lives ``STOA_UPLOAD_SIGNED_URL_SECONDS``.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateUploadStorage(FileSystemStorage):
    """A file system storage under ``STOA_UPLOAD_ROOT``, with no public URL."""

    @property
    def base_location(self):
        return self._location or settings.STOA_UPLOAD_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise NotImplementedError("Uploads are served by forums.uploads.views.upload_serve.")


def upload_storage():
    """The storage every Upload file field uses (a callable, so settings can change it)."""
    return storages["uploads"]


def signs_urls(storage) -> bool:
    """Does this storage hand out signed, expiring URLs (S3 with querystring auth)?"""
    return bool(getattr(storage, "querystring_auth", False))

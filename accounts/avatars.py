"""Avatar uploads: judged by their content, never by their name, and re-encoded before storage.

An upload is accepted only when it passes the shared picture checks (``community.images``)
within the byte and pixel limits (``STOA_AVATAR_MAX_BYTES``, ``STOA_AVATAR_MAX_PIXELS``): a
JPEG, PNG, GIF or WebP, pixel count read from the header before any pixel is decoded. What is
stored is a fresh 256x256 centre crop holding only pixels: EXIF (GPS positions, camera
serials), XMP and colour profiles are gone, and so is anything smuggled after the image data.
The stored name is random, so it reveals nothing about the uploader's file and cannot be
guessed from the username.
"""

import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, features

from community import images

AVATAR_SIZE = 256
ALLOWED_FORMATS = images.ALLOWED_FORMATS
UNREADABLE_MESSAGE = images.UNREADABLE_MESSAGE

# An avatar that cannot be used; ``str(error)`` is the message for the user.
AvatarError = images.ImageError


class PreparedAvatar(ContentFile):
    """Re-encoded avatar bytes, ready to store; only :func:`avatar_prepare` makes these."""


def avatar_prepare(upload) -> PreparedAvatar:
    """Check ``upload`` (any file object) and return the avatar to store, or raise AvatarError."""
    max_bytes = settings.STOA_AVATAR_MAX_BYTES
    max_pixels = settings.STOA_AVATAR_MAX_PIXELS
    size = images.byte_size(upload)
    if size == 0:
        raise AvatarError("That file is empty: choose an image to upload.")
    if size > max_bytes:
        raise AvatarError(images.too_large_message(size, max_bytes))
    data = images.read_limited(upload, limit=max_bytes)
    with images.decoding(max_pixels=max_pixels):
        picture = images.open_checked(
            data, max_pixels=max_pixels, draft=(AVATAR_SIZE * 2, AVATAR_SIZE * 2)
        )
        cropped = _centre_crop(picture)
    return _encode(cropped)


def _centre_crop(picture: Image.Image) -> Image.Image:
    clean = images.pixels_only(picture)
    return ImageOps.fit(clean, (AVATAR_SIZE, AVATAR_SIZE), method=Image.Resampling.LANCZOS)


def _encode(picture: Image.Image) -> PreparedAvatar:
    buffer = io.BytesIO()
    if features.check("webp"):
        picture.save(buffer, format="WEBP", quality=86, method=4)
        extension = "webp"
    else:
        picture.save(buffer, format="PNG", optimize=True)
        extension = "png"
    return PreparedAvatar(buffer.getvalue(), name=f"{secrets.token_hex(16)}.{extension}")

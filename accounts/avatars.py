"""Avatar uploads: judged by their content, never by their name, and re-encoded before storage.

An upload is accepted only when Pillow recognises it as a JPEG, PNG, GIF or WebP within the byte
and pixel limits (``STOA_AVATAR_MAX_BYTES``, ``STOA_AVATAR_MAX_PIXELS``). The pixel limit is
checked from the header, before any pixel is decoded, so a small file that declares a huge
canvas (a decompression bomb) costs nothing. What is stored is a fresh 256x256 centre crop
holding only pixels: EXIF (GPS positions, camera serials), XMP and colour profiles are gone,
and so is anything smuggled after the image data. The stored name is random, so it reveals
nothing about the uploader's file and cannot be guessed from the username.
"""

import io
import secrets
import struct
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError, features

AVATAR_SIZE = 256
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})

UNREADABLE_MESSAGE = "That file is not an image we can read: upload a JPEG, PNG, GIF or WebP."

# Pillow reports malformed input through many exception types, depending on the format and on
# how far decoding got; all of them mean "not an image we can use".
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
)


class AvatarError(Exception):
    """An upload that cannot become an avatar; ``str(error)`` is the message for the user."""


class PreparedAvatar(ContentFile):
    """Re-encoded avatar bytes, ready to store; only :func:`avatar_prepare` makes these."""


def avatar_prepare(upload) -> PreparedAvatar:
    """Check ``upload`` (any file object) and return the avatar to store, or raise AvatarError."""
    max_bytes = settings.STOA_AVATAR_MAX_BYTES
    size = _byte_size(upload)
    if size == 0:
        raise AvatarError("That file is empty: choose an image to upload.")
    if size > max_bytes:
        raise AvatarError(
            f"The image is too large: it is {filesizeformat(size)} and the limit is "
            f"{filesizeformat(max_bytes)}. Try a smaller picture."
        )
    data = _read_all(upload, limit=max_bytes)
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; make every bomb an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = _open_checked(data)
            cropped = _centre_crop(picture)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise AvatarError(_too_many_pixels_message(None)) from None
        except _DECODE_ERRORS:
            raise AvatarError(UNREADABLE_MESSAGE) from None
    return _encode(cropped)


def _byte_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is not None:
        return size
    position = upload.tell()
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(position)
    return size


def _read_all(upload, *, limit: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        # The declared size can be wrong; the bytes actually read are what count.
        raise AvatarError(
            f"The image is too large: the limit is {filesizeformat(limit)}. Try a smaller picture."
        )
    return data


def _open_checked(data: bytes) -> Image.Image:
    """Identify and verify the image from its header and structure, then reopen it to decode."""
    picture = Image.open(io.BytesIO(data))
    if picture.format not in ALLOWED_FORMATS:
        raise AvatarError(UNREADABLE_MESSAGE)
    width, height = picture.size
    if width < 1 or height < 1:
        raise AvatarError(UNREADABLE_MESSAGE)
    if width * height > settings.STOA_AVATAR_MAX_PIXELS:
        raise AvatarError(_too_many_pixels_message((width, height)))
    picture.verify()
    # verify() leaves the image unusable; decoding needs a fresh one.
    picture = Image.open(io.BytesIO(data))
    if picture.format == "JPEG":
        # Let the JPEG decoder scale down while reading: far less memory for big photos.
        picture.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
    picture.load()
    return picture


def _centre_crop(picture: Image.Image) -> Image.Image:
    # Phones store "rotate me" in EXIF; apply it now because the EXIF is about to go.
    upright = ImageOps.exif_transpose(picture)
    has_alpha = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    fitted = ImageOps.fit(converted, (AVATAR_SIZE, AVATAR_SIZE), method=Image.Resampling.LANCZOS)
    # A new image carries pixels only: no info dict, no EXIF, no profile, no comments.
    clean = Image.new(fitted.mode, fitted.size)
    clean.paste(fitted)
    return clean


def _encode(picture: Image.Image) -> PreparedAvatar:
    buffer = io.BytesIO()
    if features.check("webp"):
        picture.save(buffer, format="WEBP", quality=86, method=4)
        extension = "webp"
    else:
        picture.save(buffer, format="PNG", optimize=True)
        extension = "png"
    return PreparedAvatar(buffer.getvalue(), name=f"{secrets.token_hex(16)}.{extension}")


def _too_many_pixels_message(size: tuple[int, int] | None) -> str:
    limit = settings.STOA_AVATAR_MAX_PIXELS / 1_000_000
    if size is None:
        return (
            f"The image is too large: it has more than {limit:g} megapixels. Try a smaller picture."
        )
    width, height = size
    return (
        f"The image is too large: it is {width} by {height} pixels and the limit is "
        f"{limit:g} megapixels. Try a smaller picture."
    )

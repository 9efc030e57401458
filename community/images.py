"""Pictures members send us, judged by their content and never by their name.

Shared by avatars (accounts.avatars) and post attachments (forums.uploads). A picture is
accepted only when Pillow recognises it as a JPEG, PNG, GIF or WebP within a byte and a pixel
limit. The pixel limit is checked from the header, before any pixel is decoded, so a small
file that declares a huge canvas (a decompression bomb) costs nothing; Pillow's own bomb
warning is turned into an error as a second net. What callers store is always a fresh image
made from pixels only (:func:`pixels_only`): EXIF (GPS positions, camera serials), XMP,
colour profiles, comments and anything smuggled after the image data are gone.
"""

import io
import struct
import warnings
from contextlib import contextmanager

from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})

UNREADABLE_MESSAGE = "That file is not an image we can read: upload a JPEG, PNG, GIF or WebP."

# Pillow reports malformed input through many exception types, depending on the format and on
# how far decoding got; all of them mean "not an image we can use".
DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
)


class ImageError(Exception):
    """A file that cannot be used as a picture; ``str(error)`` is the message for the user."""


def byte_size(upload) -> int:
    """The size an uploaded file declares, or the length of a plain file object."""
    size = getattr(upload, "size", None)
    if size is not None:
        return size
    position = upload.tell()
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(position)
    return size


def read_limited(upload, *, limit: int, what: str = "image") -> bytes:
    """All of ``upload``, refusing more than ``limit`` bytes whatever size it declared."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ImageError(
            f"The {what} is too large: the limit is {filesizeformat(limit)}. "
            f"Try a smaller {'picture' if what == 'image' else 'file'}."
        )
    return data


def too_large_message(size: int, limit: int, *, what: str = "image") -> str:
    return (
        f"The {what} is too large: it is {filesizeformat(size)} and the limit is "
        f"{filesizeformat(limit)}. Try a smaller {'picture' if what == 'image' else 'file'}."
    )


def too_many_pixels_message(size: tuple[int, int] | None, *, max_pixels: int) -> str:
    limit = max_pixels / 1_000_000
    if size is None:
        return (
            f"The image is too large: it has more than {limit:g} megapixels. Try a smaller picture."
        )
    width, height = size
    return (
        f"The image is too large: it is {width} by {height} pixels and the limit is "
        f"{limit:g} megapixels. Try a smaller picture."
    )


@contextmanager
def decoding(*, max_pixels: int):
    """Run Pillow work with every decode failure and every bomb turned into ImageError."""
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; make every bomb an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(too_many_pixels_message(None, max_pixels=max_pixels)) from None
        except DECODE_ERRORS:
            raise ImageError(UNREADABLE_MESSAGE) from None


def identify(data: bytes, *, max_pixels: int) -> str | None:
    """The format Pillow reads in ``data``'s header (for example "PNG"), or None when it is
    not a picture at all. A header that declares more than ``max_pixels`` (or a size so
    absurd that Pillow refuses to open it) raises ImageError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                size, image_format = picture.size, picture.format
    except Image.DecompressionBombError:
        raise ImageError(too_many_pixels_message(None, max_pixels=max_pixels)) from None
    except DECODE_ERRORS:
        return None
    if size[0] * size[1] > max_pixels:
        raise ImageError(too_many_pixels_message(size, max_pixels=max_pixels))
    return image_format


def open_checked(
    data: bytes, *, max_pixels: int, draft: tuple[int, int] | None = None
) -> Image.Image:
    """Identify and verify the image from its header and structure, then reopen it to decode.

    Call it inside :func:`decoding`. ``draft`` lets the JPEG decoder scale down while reading.
    """
    picture = Image.open(io.BytesIO(data))
    if picture.format not in ALLOWED_FORMATS:
        raise ImageError(UNREADABLE_MESSAGE)
    width, height = picture.size
    if width < 1 or height < 1:
        raise ImageError(UNREADABLE_MESSAGE)
    if width * height > max_pixels:
        raise ImageError(too_many_pixels_message((width, height), max_pixels=max_pixels))
    picture.verify()
    # verify() leaves the image unusable; decoding needs a fresh one.
    picture = Image.open(io.BytesIO(data))
    if draft is not None and picture.format == "JPEG":
        picture.draft("RGB", draft)
    picture.load()
    return picture


def pixels_only(picture: Image.Image) -> Image.Image:
    """An upright copy holding pixels only: no info dict, no EXIF, no profile, no comments."""
    # Phones store "rotate me" in EXIF; apply it now because the EXIF is about to go.
    upright = ImageOps.exif_transpose(picture)
    has_alpha = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean

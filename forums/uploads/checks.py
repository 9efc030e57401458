"""Judging an uploaded file by its content, never by its name or the type the browser claims.

Images (JPEG, PNG, GIF, WebP, recognised by Pillow from their bytes) pass the shared picture
checks (``community.images``: pixel count from the header before decoding, bombs refused) and
are stored re-encoded from pixels only, so EXIF, GPS positions, comments and anything hidden
after the image data are gone; an image that carries web-page code (a polyglot) is refused
outright. Large images get a display copy and a thumbnail. Animated GIF and WebP keep their
frames; the pixel limit counts every frame.

Other files need an extension from ``STOA_UPLOAD_ALLOWED_EXTENSIONS`` and must look like
what the extension says (a PDF starts as one, a text file holds no binary data). SVG, HTML
and script files are never accepted, whatever the list says: a browser would run them.

Every refusal is an :class:`UploadRefused` whose text is the message for the member.
"""

import hashlib
import io
import re
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageSequence, features

from community import images

from . import paths

IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "jpe", "jfif", "png", "apng", "gif", "webp"})
NEVER_ACCEPTED = frozenset({"svg", "svgz", "html", "htm", "xhtml", "xht", "shtml", "js", "mjs"})
TEXT_EXTENSIONS = frozenset({"txt", "log", "csv", "tsv", "json", "md", "yaml", "yml", "ini"})
CONTENT_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "log": "text/plain; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "ini": "text/plain; charset=utf-8",
    "yaml": "text/plain; charset=utf-8",
    "yml": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
# What each extension's bytes must start with, for the formats that have a signature.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
# Web-page code inside an image file: a browser that sniffs the file would run it. Tokens are
# long enough that compressed pixel data does not spell them by chance.
_MARKUP_RE = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|!doctype)|<svg[\s>/]|javascript:",
    re.IGNORECASE,
)
_SVG_RE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<svg[\s>]", re.I | re.S
)
_FORMATS_HELP = "an image (JPEG, PNG, GIF or WebP) or a file ending in"


class UploadRefused(Exception):
    """A file that cannot be attached; ``str(error)`` is the message for the member."""


@dataclass(frozen=True)
class Variant:
    data: bytes
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # "image" or "file"
    name: str  # safe, with the extension that matches the content
    content_type: str
    data: bytes  # what is stored as the original
    sha256: str
    width: int | None = None
    height: int | None = None
    display: Variant | None = None
    thumbnail: Variant | None = None


def check_upload(
    upload,
    *,
    max_bytes: int,
    max_pixels: int,
    allowed_extensions,
    display_size: int = 1600,
    thumbnail_size: int = 320,
) -> CheckedFile:
    """Return what to store for ``upload`` (a Django UploadedFile), or raise UploadRefused."""
    raw_name = str(getattr(upload, "name", "") or "file")
    shown = _shown(raw_name)
    if paths.has_folders(raw_name):
        raise UploadRefused(
            f"“{shown}” is not a plain file name: names cannot contain folders or “..”. "
            "Rename the file and try again."
        )
    size = images.byte_size(upload)
    if size == 0:
        raise UploadRefused(_empty_message(shown))
    if size > max_bytes:
        raise UploadRefused(_too_large(shown, size, max_bytes))
    try:
        data = images.read_limited(upload, limit=max_bytes, what="file")
    except images.ImageError as error:
        raise UploadRefused(str(error)) from None
    if not data:
        raise UploadRefused(_empty_message(shown))

    extension = paths.extension_of(raw_name)
    try:
        image_format = images.identify(data, max_pixels=max_pixels)
    except images.ImageError as error:
        raise UploadRefused(str(error)) from None
    if image_format in IMAGE_FORMATS:
        return _checked_image(
            data,
            raw_name=raw_name,
            max_pixels=max_pixels,
            display_size=display_size,
            thumbnail_size=thumbnail_size,
        )
    if extension in {"svg", "svgz"} or _SVG_RE.match(data[:4096]):
        raise UploadRefused(
            f"“{shown}” is an SVG drawing, and SVG files are not accepted because they can "
            "carry scripts. Export it as a PNG and attach that."
        )
    if extension in IMAGE_EXTENSIONS:
        raise UploadRefused(
            f"“{shown}” is named like an image but its content is not an image we can read. "
            "Attach a real JPEG, PNG, GIF or WebP (a screenshot pasted straight in works)."
        )
    allowed = sorted({e.lower().lstrip(".") for e in allowed_extensions} - NEVER_ACCEPTED)
    if image_format is not None and extension not in allowed:
        raise UploadRefused(
            f"“{shown}” is a {image_format} image, a format we do not accept. "
            "Save it as a PNG or JPEG and attach that."
        )
    if extension in NEVER_ACCEPTED or extension not in allowed:
        kind = f"Files of type .{extension}" if extension else f"“{shown}” has no extension and"
        listed = ", ".join(f".{e}" for e in allowed) or "nothing else"
        raise UploadRefused(f"{kind} cannot be attached. Attach {_FORMATS_HELP} {listed}.")
    signatures = SIGNATURES.get(extension)
    if signatures and not data.startswith(signatures):
        raise UploadRefused(
            f"“{shown}” is named .{extension} but is not a {extension.upper()} file inside. "
            "Attach the real file."
        )
    if extension in TEXT_EXTENSIONS and b"\x00" in data:
        raise UploadRefused(
            f"“{shown}” is named .{extension} but holds binary data, not text. "
            "Attach the real text file, or put it in a .zip."
        )
    return CheckedFile(
        kind="file",
        name=paths.safe_name(raw_name),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _checked_image(data, *, raw_name, max_pixels, display_size, thumbnail_size) -> CheckedFile:
    shown = _shown(raw_name)
    if _MARKUP_RE.search(data):
        raise UploadRefused(
            f"“{shown}” is an image with web-page code (HTML or script) hidden inside, so it "
            "was refused. Open it in an image editor, save it again and attach that."
        )
    try:
        with images.decoding(max_pixels=max_pixels):
            picture = images.open_checked(data, max_pixels=max_pixels)
            frames = getattr(picture, "n_frames", 1) if picture.format in {"GIF", "WEBP"} else 1
            width, height = picture.size
            if frames > 1 and width * height * frames > max_pixels:
                raise images.ImageError(
                    f"The animation is too large: {frames} frames of {width} by {height} "
                    f"pixels, and the limit is {max_pixels / 1_000_000:g} megapixels in all. "
                    "Try a shorter or smaller one."
                )
            extension, content_type = IMAGE_FORMATS[picture.format]
            if frames > 1:
                stored, first = _reencode_animation(picture)
            else:
                first = images.pixels_only(picture)
                stored = _encode(first, picture.format)
    except images.ImageError as error:
        message = str(error)
        if message == images.UNREADABLE_MESSAGE:
            message = (
                f"“{shown}” could not be read as an image: it is damaged or not really a "
                "JPEG, PNG, GIF or WebP."
            )
        raise UploadRefused(message) from None
    width, height = first.size
    display = thumbnail = None
    source = first
    if max(width, height) > display_size:
        display, source = _variant(first, display_size)
    if max(width, height) > thumbnail_size or frames > 1:
        # Made from the display copy when there is one: far fewer pixels to read.
        thumbnail, _ = _variant(source, thumbnail_size)
    return CheckedFile(
        kind="image",
        name=paths.safe_name(raw_name, extension=extension),
        content_type=content_type,
        data=stored,
        sha256=hashlib.sha256(stored).hexdigest(),
        width=width,
        height=height,
        display=display,
        thumbnail=thumbnail,
    )


def _encode(picture: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        picture.convert("RGB").save(buffer, format="JPEG", quality=90)
    elif image_format == "WEBP":
        picture.save(buffer, format="WEBP", quality=90, method=4)
    else:
        picture.save(buffer, format=image_format)
    return buffer.getvalue()


def _reencode_animation(picture: Image.Image) -> tuple[bytes, Image.Image]:
    """Every frame again from pixels only, with its timing; and the first frame."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(picture):
        durations.append(int(frame.info.get("duration", 100)) or 100)
        frames.append(images.pixels_only(frame))
    buffer = io.BytesIO()
    options = {"save_all": True, "append_images": frames[1:], "duration": durations}
    options["loop"] = int(picture.info.get("loop", 0))
    if picture.format == "WEBP":
        frames[0].save(buffer, format="WEBP", quality=85, method=4, **options)
    else:
        frames[0].save(buffer, format="GIF", disposal=2, **options)
    return buffer.getvalue(), frames[0]


def _variant(picture: Image.Image, longest: int) -> tuple[Variant, Image.Image]:
    copy = picture.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if features.check("webp"):
        copy.save(buffer, format="WEBP", quality=85, method=2)
        extension = "webp"
    else:
        copy.save(buffer, format="PNG")
        extension = "png"
    return Variant(buffer.getvalue(), extension, copy.width, copy.height), copy


def _shown(raw_name: str) -> str:
    """A file name as quoted back to the member: printable and not absurdly long."""
    printable = "".join(c if c.isprintable() else "?" for c in raw_name)
    return printable if len(printable) <= 80 else printable[:77] + "…"


def _empty_message(shown: str) -> str:
    return (
        f"“{shown}” is empty (0 bytes), so there is nothing to attach. "
        "Choose the file again, or copy the screenshot again before pasting."
    )


def _too_large(shown: str, size: int, limit: int) -> str:
    return (
        f"“{shown}” is too large: it is {filesizeformat(size)} and the limit is "
        f"{filesizeformat(limit)}. Make it smaller (or zip a log) and try again."
    )

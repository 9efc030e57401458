"""How an upload is named in URLs and in Markdown. Pure functions: the renderer uses them.

An upload's URL is ``/uploads/<key>/<name>``: ``key`` is random and unguessable (it is not
the stored file's name either), ``name`` is the member's file name made safe. Display and
thumbnail variants are the same URL with ``?size=display`` or ``?size=thumb``.
"""

import re
import secrets
import unicodedata
from urllib.parse import unquote

KEY_BYTES = 18  # 144 random bits, 24 URL-safe characters
KEY_PATTERN = r"[A-Za-z0-9_-]{24}"
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}"
MAX_NAME_LENGTH = 120

# The path of an upload's original, as the composer inserts it: nothing before, nothing after.
UPLOAD_PATH_RE = re.compile(rf"/uploads/(?P<key>{KEY_PATTERN})/(?P<name>{NAME_PATTERN})\Z")
# Every reference to an upload in stored HTML: in a link or an image, relative or absolute.
UPLOAD_REFERENCE_RE = re.compile(
    rf"""(?:href|src)="(?:https?://[^/"]+)?/uploads/({KEY_PATTERN})/"""
)

_UNSAFE_CHARS_RE = re.compile(r"[^A-Za-z0-9._-]+")
_DASHES_RE = re.compile(r"-{2,}")


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def path_for(key: str, name: str) -> str:
    return f"/uploads/{key}/{name}"


def has_folders(raw_name: str) -> bool:
    """Does a file name try to name a folder (``../x``, ``a\\b``, ``..%2Fx``)?

    Browsers send only a file's own name; anything else was written by hand. Percent-encoded
    separators count too: something down the line might decode them."""
    decoded = unquote(unquote(raw_name))
    for name in (raw_name, decoded):
        if "/" in name or "\\" in name or "\x00" in name:
            return True
        if name.strip() in {".", ".."}:
            return True
    return False


def safe_name(raw_name: str, *, extension: str | None = None) -> str:
    """``raw_name`` reduced to ASCII letters, digits, ``.``, ``_`` and ``-``, at most
    MAX_NAME_LENGTH characters, never hidden (no leading dot), with ``extension`` (lower
    case, without the dot) when given."""
    ascii_name = unicodedata.normalize("NFKD", raw_name).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = ascii_name.strip().rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    if extension is not None:
        suffix = extension
    stem = _DASHES_RE.sub("-", _UNSAFE_CHARS_RE.sub("-", stem)).strip("-._") or "file"
    suffix = _UNSAFE_CHARS_RE.sub("", suffix).lower()[:10]
    room = MAX_NAME_LENGTH - (len(suffix) + 1 if suffix else 0)
    stem = stem[:room].rstrip("-._") or "file"
    return f"{stem}.{suffix}" if suffix else stem


def extension_of(raw_name: str) -> str:
    """The lower-case extension of a file name, without the dot ("" when there is none)."""
    stem, dot, suffix = raw_name.strip().rpartition(".")
    return suffix.lower() if dot and stem.strip(".") else ""

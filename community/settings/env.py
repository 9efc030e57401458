"""Reading configuration from the environment: the only place settings come from."""

import os
from urllib.parse import parse_qs, unquote, urlparse


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def email_settings(url: str) -> dict:
    """Translate EMAIL_URL into Django's e-mail settings.

    ``console://`` prints mail, ``locmem://`` keeps it in memory, ``smtp://user:pass@host:port``
    and ``smtp+tls://`` / ``smtp+ssl://`` deliver through an SMTP server.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise ValueError(f"EMAIL_URL: unsupported scheme {scheme!r}")
    options = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or 25,
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
        "EMAIL_TIMEOUT": int(options.get("timeout", ["10"])[0]),
    }


def redis_database(url: str, *, offset: int) -> str:
    """The same Redis server as ``url``, ``offset`` databases further (``/0`` -> ``/1``)."""
    if not url:
        return ""
    parsed = urlparse(url)
    current = parsed.path.strip("/")
    number = int(current) if current.isdigit() else 0
    return parsed._replace(path=f"/{number + offset}").geturl()

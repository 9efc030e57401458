"""Settings come from the environment: production is deployable, defaults are safe."""

import os
import secrets
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from community.settings.env import email_settings

ROOT = Path(__file__).resolve().parent.parent

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


# Set by the browser tests' conftest for Playwright; a deployment must never have it.
TEST_ONLY_VARIABLES = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def _manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with the given environment changes (None unsets)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in env and key not in TEST_ONLY_VARIABLES
    }
    environment.update({key: value for key, value in env.items() if value is not None})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="community.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG=None,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="community.settings.production",
        SECRET_KEY=None,
        DEBUG=None,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_off_without_a_secret_key_fails_in_base_settings_too():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="community.settings.base",
        SECRET_KEY="",
        DEBUG="false",
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def test_pages_carry_a_csp_without_inline_scripts(client, db):
    response = client.get("/")

    assert response.status_code == 200
    directives = _csp_directives(response.headers["Content-Security-Policy"])
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, directives
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_email_url_console_prints_mail():
    assert email_settings("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_email_url_smtp_with_credentials_and_port():
    config = email_settings("smtp://mailer:s%40cret%2Fpw@mail.example.com:2525")

    assert config["EMAIL_BACKEND"] == SMTP_BACKEND
    assert config["EMAIL_HOST"] == "mail.example.com"
    assert config["EMAIL_PORT"] == 2525
    assert config["EMAIL_HOST_USER"] == "mailer"
    assert config["EMAIL_HOST_PASSWORD"] == "s@cret/pw"
    assert config["EMAIL_USE_TLS"] is False
    assert config["EMAIL_USE_SSL"] is False


def test_email_url_smtp_defaults_to_port_25_without_login():
    config = email_settings("smtp://relay.internal")

    assert config["EMAIL_PORT"] == 25
    assert config["EMAIL_HOST_USER"] == ""
    assert config["EMAIL_HOST_PASSWORD"] == ""


def test_email_url_smtp_tls_uses_starttls():
    config = email_settings("smtp+tls://user:pw@smtp.example.com:587?timeout=3")

    assert config["EMAIL_BACKEND"] == SMTP_BACKEND
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_USE_SSL"] is False
    assert config["EMAIL_TIMEOUT"] == 3


def test_email_url_smtp_ssl_uses_implicit_tls():
    config = email_settings("smtp+ssl://user:pw@smtp.example.com:465")

    assert config["EMAIL_USE_SSL"] is True
    assert config["EMAIL_USE_TLS"] is False


@pytest.mark.parametrize("url", ["imap://mail.example.com", "mailto:someone@example.com", ""])
def test_email_url_with_an_unknown_scheme_is_refused(url):
    with pytest.raises(ValueError, match="EMAIL_URL"):
        email_settings(url)


def test_mail_sent_through_an_email_url_reaches_the_smtp_server(smtp_server, settings):
    for name, value in email_settings(smtp_server.url).items():
        setattr(settings, name, value)

    sent = mail.send_mail(
        "Welcome to Stoa",
        "Hello Zoë, your question has an answer.",
        "Stoa <community@example.com>",
        ["zoe@example.com"],
    )

    assert sent == 1
    [message] = smtp_server.messages
    assert message["Subject"] == "Welcome to Stoa"
    assert message["To"] == "zoe@example.com"
    assert "Zoë" in message.get_content()
    assert smtp_server.envelopes == [("community@example.com", ["zoe@example.com"])]


def test_a_refusing_smtp_server_makes_sending_fail(smtp_server):
    smtp_server.refuse = True

    with pytest.raises(smtplib.SMTPDataError) as refused:
        mail.send_mail("Digest", "Body", "community@example.com", ["zoe@example.com"])

    assert refused.value.smtp_code == 451
    assert smtp_server.messages == []
    assert smtp_server.refused == 1

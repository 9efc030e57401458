"""docker-compose.yml and the Dockerfile describe a deployable set (checked by reading them)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _healthy_dependencies(service: dict) -> set[str]:
    depends_on = service.get("depends_on", {})
    assert isinstance(depends_on, dict), "depends_on must name conditions, not just services"
    return {name for name, rule in depends_on.items() if rule.get("condition") == "service_healthy"}


def test_every_service_of_the_production_set_is_there(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker", "beat"])
def test_every_long_running_service_has_a_healthcheck(services, name):
    test = services[name]["healthcheck"]["test"]
    assert test and test[0] in {"CMD", "CMD-SHELL"}, test


def test_database_and_broker_images_are_pinned_to_their_major_versions(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_the_database_lives_on_a_named_volume(compose, services):
    mounts = [str(volume).split(":") for volume in services["postgres"]["volumes"]]
    data = [source for source, target, *_ in mounts if target == "/var/lib/postgresql/data"]
    assert data, mounts
    assert data[0] in compose["volumes"], "the data directory must be a named volume"


def test_web_runs_gunicorn_on_the_wsgi_application(services):
    web = services["web"]
    command = _command(web)
    assert command.startswith("gunicorn community.wsgi:application")
    assert "0.0.0.0:8000" in command
    assert any(str(port).endswith("8000") for port in web["ports"])


def test_web_healthcheck_calls_healthz(services):
    test = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in test
    assert "127.0.0.1:8000" in test


def test_worker_and_beat_run_celery_for_the_community_app(services):
    assert _command(services["worker"]).startswith("celery -A community worker")
    assert _command(services["beat"]).startswith("celery -A community beat")


@pytest.mark.parametrize("name", ["web", "worker"])
def test_web_and_worker_wait_for_healthy_postgres_and_redis(services, name):
    assert {"postgres", "redis"} <= _healthy_dependencies(services[name])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_schema_is_migrated_before_the_app_starts(services, name):
    assert "migrate" in _command(services["migrate"])
    rule = services[name]["depends_on"]["migrate"]
    assert rule["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_services_use_production_settings_and_the_shared_services(services, name):
    environment = services[name]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "community.settings.production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    # The key comes from the operator; compose refuses to start without one.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?.+\}", environment["SECRET_KEY"])


def test_the_healthcheck_host_is_always_allowed(services):
    assert services["web"]["environment"]["ALLOWED_HOSTS"].endswith(",127.0.0.1")


def test_dockerfile_builds_from_python_313_slim_with_the_lock_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.13-slim\b", dockerfile, re.MULTILINE)
    assert "uv==0.13.8" in dockerfile
    assert re.search(r"uv sync --frozen --no-dev", dockerfile)
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE), "the app must not run as root"


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "/db.sqlite3*", "/media"):
        assert entry in ignored

# Stoa: `make run` serves the demo community, `make test` runs the whole suite.
#
# Everything installs itself into .venv on first use: a Python 3.13 (or 3.12) interpreter is
# the only requirement. Installs are incremental: a stamp file named after uv.lock's hash says
# the environment matches the lock, so a second `make run` goes straight to the server.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

LOCK_HASH := $(shell sha256sum uv.lock 2>/dev/null | cut -c1-16)
UV_STAMP := $(VENV)/.uv-$(UV_VERSION)
RUNTIME_STAMP := $(VENV)/.synced-runtime-$(LOCK_HASH)
DEV_STAMP := $(VENV)/.synced-dev-$(LOCK_HASH)

# uv works on .venv with the interpreter it was made from, and never downloads a Python.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PY)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

# Prints the path of a Python 3.13 (else 3.12): $PYTHON if given, then python3.13 on PATH,
# then pyenv, then ~/.pyenv/versions; exits non-zero if none is found.
define FIND_PYTHON
is_supported() { "$$1" -c 'import sys; sys.exit(sys.version_info[:2] not in {(3, 12), (3, 13)})' 2>/dev/null; }
real_path() { "$$1" -c 'import sys; print(sys.executable)'; }
if [ -n "$${PYTHON:-}" ]; then
  if is_supported "$$PYTHON"; then real_path "$$PYTHON"; exit 0; fi
  echo "PYTHON=$$PYTHON is not Python 3.12 or 3.13." >&2; exit 1
fi
for minor in 3.13 3.12; do
  candidates=()
  if command -v "python$$minor" >/dev/null 2>&1; then candidates+=("$$(command -v "python$$minor")"); fi
  if command -v pyenv >/dev/null 2>&1 && prefix="$$(pyenv prefix "$$minor" 2>/dev/null)"; then
    candidates+=("$$prefix/bin/python$$minor" "$$prefix/bin/python")
  fi
  for dir in "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/$$minor*/; do
    candidates+=("$${dir}bin/python")
  done
  for candidate in "$${candidates[@]}"; do
    if [ -x "$$candidate" ] && is_supported "$$candidate"; then real_path "$$candidate"; exit 0; fi
  done
done
exit 1
endef
export FIND_PYTHON

.PHONY: help run test bench lint format worker beat migrate seed install install-dev clean

help:
	@echo "make run      install what is missing, migrate, load the demo, serve http://$(HOST):$(PORT)"
	@echo "make test     install what is missing and run the whole test suite (PYTEST_ARGS=...)"
	@echo "make bench    benchmark on PostgreSQL and Redis (BENCH_POSTS=100000): bench/results/latest.json"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make worker   a Celery worker (needs REDIS_URL)"
	@echo "make beat     Celery beat, the scheduler (needs REDIS_URL)"
	@echo "make clean    remove .venv and the embedded database"

# --- installing -------------------------------------------------------------------------------

$(PY):
	@python="$$(bash -c "$$FIND_PYTHON")" || { \
	  echo "Stoa needs Python 3.13 (or 3.12): none found as python3.13/python3.12 on PATH," >&2; \
	  echo "through pyenv, or in ~/.pyenv/versions. Install one, or run: make PYTHON=/path/to/python3.13 ..." >&2; \
	  exit 1; }; \
	echo "Creating $(VENV) with $$python ($$("$$python" --version))"; \
	rm -rf $(VENV); \
	"$$python" -m venv $(VENV)

$(UV_STAMP): | $(PY)
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' || { \
	  echo "$(VENV) was made with $$($(PY) --version); Stoa needs 3.12 or newer: run make clean." >&2; \
	  exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@rm -f $(VENV)/.uv-*
	@touch $@

$(RUNTIME_STAMP): uv.lock pyproject.toml | $(UV_STAMP)
	$(UV) sync --frozen --inexact --no-dev
	@rm -f $(VENV)/.synced-runtime-*
	@touch $@

$(DEV_STAMP): uv.lock pyproject.toml | $(UV_STAMP)
	$(UV) sync --frozen --inexact
	@rm -f $(VENV)/.synced-dev-*
	@touch $@

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP)

# --- running ----------------------------------------------------------------------------------

migrate: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: $(RUNTIME_STAMP)
	@[ -n "$${REDIS_URL:-}" ] || { echo "REDIS_URL is not set: without a broker, tasks run eagerly inside the web process and no worker is needed." >&2; exit 1; }
	$(VENV)/bin/celery -A community worker --loglevel=INFO

beat: $(RUNTIME_STAMP)
	@[ -n "$${REDIS_URL:-}" ] || { echo "REDIS_URL is not set: without a broker there is nothing for beat to schedule onto." >&2; exit 1; }
	$(VENV)/bin/celery -A community beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

# --- checking ---------------------------------------------------------------------------------

test: $(DEV_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	@command -v wrk >/dev/null || { echo "Installing wrk (the load generator) from Debian's packages."; apt-get install -y wrk >/dev/null || { echo "Install wrk: apt-get install -y wrk" >&2; exit 1; }; }
	$(PY) bench/run.py

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal

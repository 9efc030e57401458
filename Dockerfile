# Stoa's image: one image for web (gunicorn), worker and beat; docker-compose.yml picks the
# command. Dependencies come from uv.lock exactly, without the dev group.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/opt/venv/bin:${PATH}"

RUN pip install --no-cache-dir uv==0.13.8

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.13 \
    && rm -rf /root/.cache/uv

COPY . .

# Hashed, compressed static files for WhiteNoise. The key only satisfies the settings check
# during the build; the running container gets its own SECRET_KEY from the environment.
RUN DJANGO_SETTINGS_MODULE=community.settings.production \
    SECRET_KEY=collectstatic-only-not-a-secret \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin stoa \
    && mkdir -p /app/media /app/private_media \
    && chown stoa /app/media /app/private_media
USER stoa

ENV DJANGO_SETTINGS_MODULE=community.settings.production
EXPOSE 8000
CMD ["gunicorn", "community.wsgi:application", "--bind=0.0.0.0:8000", "--access-logfile=-"]

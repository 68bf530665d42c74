# The bot service's image: `bot serve` (the replicas), `bot db upgrade` (the migrate job) and the
# other `bot` commands (docs/operations.md). Only the locked, hashed requirements; no build tools,
# no secrets (docker compose mounts them in /run/secrets at run time), runs as a user of its own.
# Build from the project's root: docker compose build (docker-compose.yml names this file).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
COPY requirements/bot.txt requirements/bot.txt
RUN /opt/venv/bin/pip install --quiet --require-hashes -r requirements/bot.txt
COPY pyproject.toml README.md ./
COPY requirements/bot.in requirements/bot-dev.in requirements/
COPY bot bot
COPY channels channels
COPY data data
# Editable, as `make setup` does: the code finds data/ beside it (bot/privacy/names.py) and its
# templates and widget files in its own folders, which a wheel would leave out.
RUN /opt/venv/bin/pip install --quiet --no-deps -e .

FROM python:3.11-slim-bookworm
# One user id for the bot and Rasa images, so the secret files (owned by it, 0600) suit both.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# var/ is where `bot serve` keeps private files (SQLite only); the database is PostgreSQL here.
RUN install -d -m 0700 -o app -g app /app/var
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8080
USER 10001:10001
EXPOSE 8080
# /healthz says the process answers; docker-compose.yml's proxy checks the same.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["bot", "serve"]

# Rasa's image (target `rasa`): the Rasa server with the trained model, and with another command
# the action server (docker-compose.yml). Target `retrain`: the same plus the bot service's
# environment, for the retrain worker, which runs `rasa train` and `rasa test` itself.
# Locked, hashed requirements only; no build tools in what runs, no secrets (they are mounted in
# /run/secrets and exported by secrets-entrypoint.sh), a user of its own.
# Build from the project's root after `make train` (it copies models/current.tar.gz).

FROM python:3.10-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Some of Rasa's pins are published as source only; compilers stay in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential=12.9 \
    && rm -rf /var/lib/apt/lists/*
# The path the retrain worker calls Rasa by (bot/nlu/retrain.py: <project>/.venv-rasa/bin/rasa).
RUN python -m venv /app/.venv-rasa \
    && /app/.venv-rasa/bin/pip install --quiet "pip<24.1"
COPY requirements/rasa.txt /tmp/rasa.txt
RUN /app/.venv-rasa/bin/pip install --quiet --require-hashes -r /tmp/rasa.txt

FROM python:3.10-slim-bookworm AS rasa
# The same user id as the bot image, so the secret files (owned by it, 0600) suit both.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --create-home --shell /usr/sbin/nologin app
COPY --from=build /app/.venv-rasa /app/.venv-rasa
WORKDIR /app
COPY config.yml domain.yml endpoints.yml credentials.yml ./
COPY rasa_ext rasa_ext
COPY actions actions
COPY deploy/secrets-entrypoint.sh /usr/local/bin/secrets-entrypoint
# The retrain worker replaces the model in this folder; docker-compose.yml mounts a volume here
# that starts as a copy of it, owned by the app user.
COPY --chown=app:app models/current.tar.gz models/current.tar.gz
ENV PATH=/app/.venv-rasa/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PYTHONWARNINGS=ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning
USER 10001:10001
EXPOSE 5005 5055
ENTRYPOINT ["secrets-entrypoint"]
CMD ["python", "-m", "rasa_ext.server", "--host", "0.0.0.0", "--port", "5005", "--model", "models/current.tar.gz"]

# The retrain worker: `bot retrain worker` on Debian's Python 3.11 (the bot service's version)
# beside Rasa's 3.10, in the project layout bot/nlu/retrain.py expects (.venv-rasa, data/,
# tests/test_stories.yml, models/). Its compilers, if any package needs one, stay in `build`.
FROM rasa AS retrain
USER 0:0
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3=3.11.2-1+b1 python3-venv=3.11.2-1+b1 \
    && rm -rf /var/lib/apt/lists/*
COPY requirements/bot.txt requirements/bot.in requirements/bot-dev.in requirements/
RUN /usr/bin/python3 -m venv /app/.venv \
    && /app/.venv/bin/pip install --quiet --no-cache-dir --require-hashes -r requirements/bot.txt
COPY pyproject.toml README.md ./
COPY bot bot
COPY channels channels
COPY data data
COPY tests/test_stories.yml tests/test_stories.yml
RUN /app/.venv/bin/pip install --quiet --no-cache-dir --no-deps -e . \
    && install -d -o app -g app /app/.build /app/.rasa /app/var \
    && chown -R app:app /app/data/nlu
ENV PATH=/app/.venv/bin:/app/.venv-rasa/bin:$PATH
USER 10001:10001
# The worker reads its secrets itself (RetrainSettings, /run/secrets): no export needed.
ENTRYPOINT []
CMD ["bot", "retrain", "worker"]

# Two virtual environments (see docs/operator-guide.md): Rasa pins old libraries, the
# internet-facing bot service runs current ones. Stamps make every later run fast.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# python3.10 may be a pyenv shim that refuses to run; fall back to pyenv's own install.
PY310 ?= $(shell for p in python3.10 $$(pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10; do \
            $$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo $$p; break; }; done)
PYTHON ?= python3

RASA_VENV := .venv-rasa
BOT_VENV := .venv
# uv compiles the lock files (make lock); it lives in a venv of its own, never in the two above.
TOOLS_VENV := .build/tools
UV_VERSION := 0.13.10
UV := $(TOOLS_VENV)/bin/uv
RASA := $(RASA_VENV)/bin/rasa
BOT := $(BOT_VENV)/bin/bot
SPACY_MODEL := .build/spacy-nl
MODEL := models/current.tar.gz
# Answer names from data/content/, declared to Rasa without their texts (rasa_ext/responses.py).
RESPONSES := .build/rasa/responses.yml
RASA_DATA := data $(RESPONSES)
TRAINING_DATA := config.yml domain.yml $(RESPONSES) rasa_ext/linear_classifier.py \
	$(wildcard data/nlu/*.yml data/stories/*.yml data/rules/*.yml)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Rasa's libraries' deprecation notes: nothing an operator can act on (bot/supervisor.py hides them
# the same way for `make run`'s processes; rasa_ext/cli.py keeps sanic from turning them back on and
# adds Rasa's notes on this project's design to the warnings it expects: rasa_ext/project_notes.py).
QUIET_RASA := PYTHONWARNINGS=ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning

.PHONY: help setup train database content run cluster test-cluster test test-fast test-py test-rasa lint lock eval bench outdated clean screenshots

help:
	@echo "make run    set everything up and start the assistant"
	@echo "make test   run every test"
	@echo "make test-fast   the in-process tests of the bot service (about a minute)"
	@echo "make setup | train | database | lint | eval | bench | lock | outdated | clean | screenshots"

# What running needs. The lock files carry a hash of every package file (make lock); pip refuses
# anything else. The tests' tools (requirements/*-dev.txt) and Chromium come with make test.
setup: .build/rasa.stamp .build/bot.stamp

.build/rasa.stamp: requirements/rasa.txt
	@test -n "$(PY310)" || { echo "python3.10 not found: install Python 3.10 (Rasa 3.6 needs it)"; exit 1; }
	@echo "==> Rasa environment ($(RASA_VENV), $(PY310)); the first time takes a few minutes"
	$(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --quiet --upgrade "pip<24.1"
	$(RASA_VENV)/bin/pip install --quiet --progress-bar off --require-hashes -r requirements/rasa.txt
	@mkdir -p .build && touch $@

.build/rasa-dev.stamp: .build/rasa.stamp requirements/rasa-dev.txt
	$(RASA_VENV)/bin/pip install --quiet --progress-bar off --require-hashes -r requirements/rasa-dev.txt
	@touch $@

.build/bot.stamp: requirements/bot.txt pyproject.toml
	@echo "==> Bot service environment ($(BOT_VENV))"
	$(PYTHON) -m venv $(BOT_VENV)
	$(BOT_VENV)/bin/pip install --quiet --progress-bar off --require-hashes -r requirements/bot.txt
	$(BOT_VENV)/bin/pip install --quiet --no-deps -e .
	@mkdir -p .build && touch $@

.build/bot-dev.stamp: .build/bot.stamp requirements/bot-dev.txt
	$(BOT_VENV)/bin/pip install --quiet --progress-bar off --require-hashes -r requirements/bot-dev.txt
	@touch $@

# Rewrites requirements/*.txt from requirements/*.in with a hash for every file: after adding or
# removing a requirement. uv keeps every pin that still fits (it reads the old lock file first);
# LOCK_ARGS="--upgrade-package NAME" (or "--upgrade") takes newer releases. Each *-dev.txt holds
# the runtime pins too, at the versions of its runtime lock.
LOCK = $(UV) pip compile --quiet --generate-hashes --python-platform linux \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: $(UV)
	$(LOCK) --python-version 3.11 requirements/bot.in -o requirements/bot.txt
	$(LOCK) --python-version 3.11 requirements/bot.in requirements/bot-dev.in -c requirements/bot.txt \
		-o requirements/bot-dev.txt
	$(LOCK) --python-version 3.10 requirements/rasa.in -o requirements/rasa.txt
	$(LOCK) --python-version 3.10 requirements/rasa.in requirements/rasa-dev.in -c requirements/rasa.txt \
		-o requirements/rasa-dev.txt

$(UV):
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --progress-bar off "uv==$(UV_VERSION)"

# A blank Dutch spaCy pipeline with the lookup lemmatizer, saved so Rasa's SpacyNLP loads it by path;
# only make eval uses it (the tokenizer comparison).
$(SPACY_MODEL)/meta.json: .build/rasa.stamp rasa_ext/spacy_nl.py
	@echo "==> spaCy Dutch tokenizer + lemma lookups -> $(SPACY_MODEL)"
	$(RASA_VENV)/bin/python rasa_ext/spacy_nl.py $(SPACY_MODEL)

# Debian's Chromium for the widget's browser tests (Playwright drives it; nothing is downloaded).
.build/chromium.stamp:
	@command -v chromium >/dev/null || { echo "==> Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@mkdir -p .build && touch $@

# Debian's docker-compose, caddy and haproxy: the tests validate docker-compose.yml and run
# deploy/Caddyfile and make cluster's HAProxy with them (Docker itself cannot run on the build
# machines; tests/test_deployment_files.py); make cluster runs HAProxy.
.build/deploy-tools.stamp:
	@command -v docker-compose >/dev/null && command -v caddy >/dev/null && test -x /usr/sbin/haproxy || { \
		echo "==> Installing Debian's docker-compose, caddy and haproxy"; \
		apt-get update -qq && apt-get install -y -qq docker-compose caddy haproxy >/dev/null; }
	@mkdir -p .build && touch $@

train: $(MODEL)

# Rewritten only when the set of answer names changes, so a text edit never retrains.
$(RESPONSES): .build/rasa.stamp $(wildcard data/content/*.yml)
	$(RASA_VENV)/bin/python -m rasa_ext.responses data/content $@

$(MODEL): $(TRAINING_DATA)
	@echo "==> Training the dialogue model (only when training data changed; a few minutes)"
	$(QUIET_RASA) $(RASA_VENV)/bin/python -m rasa_ext.cli train --data $(RASA_DATA) --fixed-model-name current --out models --quiet
	@touch $@

content: var/content.stamp

# The local database at this release's schema: `bot db upgrade` creates it, or migrates one made
# by an older release keeping every row (docs/operator-guide.md, "Upgrading: migrations"). It runs
# every time (well under a second when there is nothing to do) and before any import; order-only
# below, so it never makes an import run again.
database: .build/bot.stamp
	@$(BOT) db upgrade

# The database is the truth once the assistant runs; data/content/, data/regions.yml and
# data/check_rules.yml are its seed and its export (docs/operator-guide.md, "Where each kind of
# data lives"). A changed file is imported, unless editors changed the same kind of data in the
# web app since the last import or export: then `bot ... import` refuses (exit 3) and says how to
# export first, and make run starts with what the database holds, without the stamp, so the next
# run asks again. Other failures (invalid files) stop make run.
IMPORT = status=0; $(BOT) $(1) import || status=$$?; \
	if [ $$status -eq 0 ]; then touch $@; \
	elif [ $$status -eq 3 ]; then echo "==> $(1): starting with what the database holds; data files not imported (see above)"; \
	else exit $$status; fi

var/content.stamp: .build/bot.stamp $(wildcard data/content/*.yml) | database
	@$(call IMPORT,content)

var/regions.stamp: .build/bot.stamp data/regions.yml | database
	@$(call IMPORT,regions)

var/rules.stamp: .build/bot.stamp data/check_rules.yml | database
	@$(call IMPORT,rules)

run: setup train database content var/regions.stamp var/rules.stamp
	@$(BOT) run

# The production topology as processes (docs/operations.md): two bot services, two Rasa servers
# and two action servers behind HAProxy, on this machine's PostgreSQL and Redis (a database of
# its own, made when missing). The data files are imported when the database has none yet.
CLUSTER_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/exit_cluster
CLUSTER_REDIS_URL ?= redis://127.0.0.1:6379/0
CLUSTER_ENV := DATABASE_URL=$(CLUSTER_DATABASE_URL) REDIS_URL=$(CLUSTER_REDIS_URL)
cluster: setup train .build/deploy-tools.stamp
	@$(BOT_VENV)/bin/python -m bot.db.create_database "$(CLUSTER_DATABASE_URL)"
	@$(CLUSTER_ENV) $(BOT) db upgrade
	@for kind in content regions rules; do $(CLUSTER_ENV) $(BOT) $$kind import >/dev/null || [ $$? -eq 3 ]; done
	@$(CLUSTER_ENV) $(BOT) cluster

# The bot service's tests in two tiers: in-process ones on two workers, then the ones with the
# real stack, PostgreSQL, Chromium and the slow ones in one process (each worker would start its
# own Rasa stack: twice the memory and the start-up). Tests that share the one Redis server (its
# channels are global) run on the same worker: --dist loadgroup.
BOT_TESTS := tests --ignore=tests/actions --ignore=tests/rasa_ext --ignore=tests/cluster
IN_PROCESS := not stack and not browser and not slow and not pg

test: setup lint .build/rasa-dev.stamp .build/chromium.stamp .build/deploy-tools.stamp train
	$(RASA) data validate --data $(RASA_DATA) --quiet
	$(RASA) test core --stories tests/test_stories.yml --fail-on-prediction-errors --out results/core
	$(RASA_VENV)/bin/python -m pytest -q --confcutdir=tests/actions -p no:cacheprovider -W ignore::pytest.PytestConfigWarning tests/actions tests/rasa_ext
	$(BOT_VENV)/bin/pytest -q -n 2 --dist loadgroup -m "$(IN_PROCESS)" $(BOT_TESTS)
	$(BOT_VENV)/bin/pytest -q -m "not ($(IN_PROCESS))" $(BOT_TESTS)

# The fault tests (tests/cluster/): a cluster like make cluster on a PostgreSQL and a Redis of their
# own, with replicas, PostgreSQL and Redis killed under load. Their figures: results/cluster-faults.json.
test-cluster: setup .build/bot-dev.stamp .build/deploy-tools.stamp train
	$(BOT_VENV)/bin/pytest -q -p no:cacheprovider tests/cluster
	@cat results/cluster-faults.json

# No Rasa, no Chromium, no training, a tenth of the generated fuzz inputs: what a change to the
# bot service needs first.
test-fast: .build/bot-dev.stamp .build/deploy-tools.stamp
	$(BOT_VENV)/bin/pytest -q -n 2 --dist loadgroup -m "$(IN_PROCESS)" --hypothesis-profile=fast $(BOT_TESTS)

# The screenshots in docs/ are replaced on purpose: the browser tests write theirs to results/,
# this runs them and copies the ones docs/ shows.
screenshots: setup .build/bot-dev.stamp .build/chromium.stamp train
	SCREENSHOTS_TO_DOCS=1 $(BOT_VENV)/bin/pytest -q -m browser $(BOT_TESTS)

# Safety and understanding on the held-out sets (bench/heldout/): the NLU alone, then the whole
# path through the gateway, then whether questions reach their answer (sub-answers); then the
# cross-validated NLU figures and the tokenizer comparison.
eval: setup train $(RESPONSES) $(SPACY_MODEL)/meta.json
	$(RASA_VENV)/bin/python bench/crisis_eval.py
	$(BOT_VENV)/bin/python bench/whole_path_eval.py
	$(RASA_VENV)/bin/python bench/answer_eval.py
	$(RASA_VENV)/bin/python bench/nlu_eval.py

# training_and_start trains from scratch in a copy and starts the stack three times;
# gateway_vs_rasa starts the stack once and compares the gateway with bare Rasa (about 4 minutes;
# its plot needs matplotlib, from the dev requirements). The last one starts a one-replica and a
# two-replica cluster (HAProxy, a private PostgreSQL and Redis) one after the other: several
# minutes each. docs/performance.md has their figures.
bench: setup train .build/bot-dev.stamp .build/deploy-tools.stamp
	$(BOT_VENV)/bin/python bench/nlg_latency.py
	$(BOT_VENV)/bin/python bench/relay_latency.py
	$(BOT_VENV)/bin/python bench/crisis_under_load.py
	$(BOT_VENV)/bin/python bench/redaction_eval.py
	$(BOT_VENV)/bin/python bench/training_and_start.py
	$(BOT_VENV)/bin/python bench/gateway_vs_rasa.py
	$(BOT_VENV)/bin/python bench/cluster_throughput.py

# Style, bugs and security smells (ruff, over all Python), and types (mypy: the bot service in
# .venv, then actions/ and rasa_ext/ against .venv-rasa); both are configured in pyproject.toml.
lint: .build/bot-dev.stamp .build/rasa-dev.stamp
	$(BOT_VENV)/bin/ruff check --quiet
	$(BOT_VENV)/bin/mypy
	$(BOT_VENV)/bin/mypy --python-executable $(RASA_VENV)/bin/python --python-version 3.10 actions rasa_ext

# Pinned packages with a newer release on the package index, for both environments (the Rasa
# one is held back by Rasa 3.6: docs/operator-guide.md, "Dependencies"). Reads, never changes:
# not even the environments, which is why it does not depend on their stamps.
outdated:
	@test -x $(BOT_VENV)/bin/python -a -x $(RASA_VENV)/bin/python || { echo "run make setup first"; exit 1; }
	@$(BOT_VENV)/bin/python requirements/outdated.py "Bot service ($(BOT_VENV))" $(BOT_VENV) \
		requirements/bot.txt requirements/bot-dev.txt
	@echo
	@$(BOT_VENV)/bin/python requirements/outdated.py "Rasa and actions ($(RASA_VENV))" $(RASA_VENV) \
		requirements/rasa.txt requirements/rasa-dev.txt

clean:
	rm -rf .build models results var/content.stamp var/regions.stamp var/rules.stamp

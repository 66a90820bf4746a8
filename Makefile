# Two commands for a newcomer: `make run` serves the blog, `make test` runs every test.
# Both create .venv and install requirements (again only when the files change).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Loopback unless make's command line says otherwise (make serve HOST=10.0.0.11): not `?=`,
# since some shells (tcsh) export HOST as the machine's name, and gunicorn would face the network.
HOST := 127.0.0.1
PORT ?= 8000

.PHONY: run test lint browser serve cluster messages clean deploy-check

# SITE_URL is the address the blog names itself by (redirect URI, sandbox, JWT issuer):
# set it yourself when HOST is 0.0.0.0.
run: $(VENV)/.requirements
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.requirements-dev browser
	$(BIN)/ruff check .
	$(BIN)/pytest -q $(PYTEST_ARGS)

# Before a rolling deploy (also part of `make test`): the release still serving keeps working while
# and after this checkout's migrations run (docs/migrations.md). Name the release in production with
# PREVIOUS_RELEASE=<tag or commit>; by default, the merge-base with main. DATABASE_URL: PostgreSQL too.
deploy-check: $(VENV)/.requirements-dev
	$(BIN)/pytest -q tests/deploy $(PYTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# A longer Schemathesis run with a fresh seed (printed in the summary; replay with FUZZ_SEED=<seed>).
# `make test` runs the same tests seeded and short. FUZZ_EXAMPLES: examples per API operation.
FUZZ_EXAMPLES ?= 300
.PHONY: fuzz
fuzz: $(VENV)/.requirements-dev
	FUZZ_SEED=$${FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')} FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(BIN)/pytest -q tests/fuzz/test_schemathesis.py $(PYTEST_ARGS)

# Debian's Chromium for the browser tests (Playwright's own download does not work offline),
# nginx and PostgreSQL for the cluster test.
browser:
	@scripts/ensure-packages.sh

# Production mode: gunicorn (config/gunicorn.py) with WhiteNoise. Settings refuse to start
# without SECRET_KEY, ALLOWED_HOSTS, KAKAO_CLIENT_ID, JWT_PRIVATE_KEY... (docs/production.md).
# Only for nginx to reach: a client that sends its headers a byte at a time holds one of
# gunicorn's threads until it stops, and nginx reads whole requests before passing them on.
serve: $(VENV)/.requirements
	DEBUG=0 $(BIN)/python manage.py check --deploy
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v 0
	DEBUG=0 $(BIN)/gunicorn --config config/gunicorn.py --bind $(HOST):$(PORT) config.wsgi

# PostgreSQL, the Kakao sandbox, two gunicorn instances and nginx on loopback; Ctrl-C stops all.
cluster: $(VENV)/.requirements
	scripts/cluster.sh run

# Compile translations after editing locale/*/LC_MESSAGES/django.po (needs gettext).
messages: $(VENV)/.requirements-dev
	$(BIN)/python manage.py makemessages -l ko -l en --no-obsolete -i '.venv/*' -i 'staticfiles/*'
	$(BIN)/python manage.py compilemessages -i '.venv/*'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.requirements

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache test-artifacts

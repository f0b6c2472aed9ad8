# Tenderleaf developer commands. `make demo` and `make test` are all a newcomer needs.
#
# Every target bootstraps .venv itself (Python 3.11+), so each works on a fresh clone.
# Useful overrides: PYTHON=python3.12, TENDERLEAF_VAR_DIR=/somewhere, PYTEST_ARGS="-k portal",
# DEMO_PASSWORD=..., DEMO_PORT=8000.

SHELL := /bin/bash
# A failing command piped into tee still fails the target.
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The install is redone only when pyproject.toml changes.
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
VAR_DIR := $(or $(TENDERLEAF_VAR_DIR),$(CURDIR)/var)
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
DEMO_PASSWORD ?=
DEMO_URL := http://$(DEMO_HOST):$(DEMO_PORT)
PYTEST_ARGS ?=

.PHONY: help install demo test lint format migrate worker beat clean screenshots

help:
	@echo "make demo     install, migrate, seed demo data, run web + Celery worker + beat on http://$(DEMO_HOST):$(DEMO_PORT)/"
	@echo "make test     install, run the test suite (PYTEST_ARGS=... to pass options)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make migrate  apply database migrations"
	@echo "make worker   run a Celery worker"
	@echo "make beat     run Celery beat with the database scheduler"
	@echo "make screenshots  walk docs/walkthrough.md in a browser over the demo data, saving its pictures"
	@echo "make clean    remove .venv, var/ and caches"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "Tenderleaf needs Python 3.11 or newer, but '$(PYTHON)' was not found."; \
		echo "Install Python 3.11+ and run again, e.g.: make $(MAKECMDGOALS) PYTHON=python3.12"; \
		exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Tenderleaf needs Python 3.11 or newer, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
		echo "Install Python 3.11+ and run again, e.g.: make $(MAKECMDGOALS) PYTHON=python3.12"; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "$(VENV) was made with $$($(BIN)/python --version); Tenderleaf needs 3.11+. Run 'make clean' and try again."; \
		exit 1; }
	@echo "Installing Tenderleaf and its dependencies into $(VENV) (the first time takes a few minutes)"
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)
	@mkdir -p "$(VAR_DIR)"

migrate: install
	$(MANAGE) migrate --noinput

# The browser tests (tests/browser) need Debian's chromium and the playwright package; without
# them pytest skips them (CI=true makes them fail instead), and this says so before the run starts.
test: install
	@reason=$$($(BIN)/python -c 'from tests.browser.conftest import browser_unavailable_reason as r; print(r() or "")'); \
	if [ -n "$$reason" ]; then \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!! $$reason"; \
	  echo "!! The vendor/officer flow in a real browser will NOT be tested in this run."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A config worker -l info

beat: install
	$(BIN)/celery -A config beat -l info -S django_celery_beat.schedulers:DatabaseScheduler

# serve_demo runs the web server, a worker and beat, each in its own process group; Ctrl-C or
# SIGTERM stops all three within 10 seconds (tenderleaf/management/commands/serve_demo.py).
# Links in emails and printed logins point at the demo server unless SITE_URL says otherwise.
demo: export SITE_URL := $(or $(SITE_URL),$(DEMO_URL))
demo: migrate
	@# Pre-compressing (gzip and brotli) the static files takes a minute on a small machine and
	@# buys nothing on 127.0.0.1, so the demo only copies them; production runs collectstatic.
	$(MANAGE) collectstatic --noinput --no-post-process --verbosity 0
	$(MANAGE) seed_demo $(if $(DEMO_PASSWORD),--password '$(DEMO_PASSWORD)') | tee "$(VAR_DIR)/demo-logins.txt"
	@export DEBUG="$${DEBUG:-1}"; \
	exec $(MANAGE) serve_demo --host $(DEMO_HOST) --port $(DEMO_PORT) --logins "$(VAR_DIR)/demo-logins.txt"

# The walkthrough's pictures come from a browser test over the demo data (needs Chromium).
screenshots: install
	TENDERLEAF_SCREENSHOTS=docs/walkthrough $(BIN)/pytest tests/browser/test_walkthrough.py -q -p no:randomly

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache build *.egg-info

# Two commands for a fresh machine (see README):
#   make run   install, migrate a local SQLite database, load demo data, serve on :8000
#   make test  install, then run the test suite against PostgreSQL (DATABASE_URL);
#              the browser tests also need Debian's Chromium and axe-core (npm), which .ci/run installs

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1:8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/schakelpunt

.PHONY: run install install-dev install-browser-tools test lint format messages

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# axe-core for the browser tests' accessibility checks. Without npm the browser
# tests skip locally (and fail on CI, where .ci/run provides it).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the browser tests will be skipped (see README)"; \
	fi

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-browser-tools: node_modules/.installed

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST)

test: install-dev install-browser-tools
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest --create-db $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy .

# Refresh the English translation after changing texts: fill in the new msgstr
# lines in locale/en/LC_MESSAGES/django.po, then run this again to compile.
messages: install-dev
	DJANGO_SETTINGS_MODULE=schakelpunt.settings_test $(PY) manage.py makemessages -l en --no-location --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench
	DJANGO_SETTINGS_MODULE=schakelpunt.settings_test $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

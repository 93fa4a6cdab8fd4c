# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: bench load-test cluster run test lint check-migrations test-sqlite test-postgres messages lock clean-venv serve data e2e-deps test-browser

$(BIN)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed (python3 is %d.%d); set PYTHON=python3.11" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

## run: a fresh machine to a working portal at http://127.0.0.1:$(PORT) with the agreements and demo data
## (the task worker runs beside the web server and stops with it)
run: data
	@echo "Serving the portal at http://127.0.0.1:$(PORT)/  (stop with Ctrl-C)"
	@$(MANAGE) db_worker --no-startup-delay > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Task worker running (pid $$worker, log in var/worker.log)"; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

## data: migrate, load the agreements and the demo data (idempotent: a second run changes nothing)
data: $(BIN)/.installed
	@mkdir -p var/mail
	$(MANAGE) migrate --no-input
	$(MANAGE) createcachetable
	$(MANAGE) load_agreements --keep-edits
	$(MANAGE) load_demo
	$(MANAGE) load_followup_demo

## test: lint, migrations check, the whole suite on SQLite and again on PostgreSQL
test: lint check-migrations test-sqlite test-postgres

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	scripts/mypy-check

check-migrations: $(BIN)/.installed
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=portal.settings.test $(MANAGE) makemigrations --check --dry-run

test-sqlite: $(BIN)/.installed e2e-deps
	@echo "== Test suite on SQLite =="
	$(BIN)/pytest

test-postgres: $(BIN)/.installed
	@echo "== Test suite on PostgreSQL (the browser tests run in the SQLite pass: docs/accessibility-testing.md) =="
	scripts/with-postgres $(BIN)/pytest -m "not browser"

## e2e-deps: axe-core and vnu-jar for the browser tests (tests/e2e), at the versions pinned in its
## package-lock.json; without npm (or Chromium, Java) the browser tests are reported as not run
E2E := tests/e2e
e2e-deps: $(E2E)/node_modules/.installed
$(E2E)/node_modules/.installed: $(E2E)/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd $(E2E) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
	  echo "npm is missing, so the browser tests will NOT run: sudo apt-get install nodejs npm"; \
	  test "$$CI" != true; \
	fi
	@command -v /usr/bin/chromium >/dev/null && command -v java >/dev/null || \
	  echo "Chromium or Java is missing, so the browser tests will NOT run: sudo apt-get install chromium default-jre-headless"

## test-browser: only the browser journeys (Chromium, axe-core, Nu Html Checker), on SQLite
test-browser: $(BIN)/.installed e2e-deps
	$(BIN)/pytest -m browser

## cluster: PostgreSQL, Redis, two app servers, two task workers and nginx on loopback, and checks
## that sessions, rate limits, files and tasks are shared and that stopping one server loses nothing
cluster: $(BIN)/.installed
	ops/cluster/run

## bench: the national-scale benchmark (bench/README.md); writes bench/results/latest.json and
## the tables in docs/performance.md. Needs PostgreSQL, redis-server, nginx, wrk and chromium, which
## bench/tools installs from Debian's packages when they are missing (as root; otherwise it says how).
bench: $(BIN)/.installed
	bench/tools
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## load-test: locust, 50 users for 60 s, against gunicorn on a throwaway PostgreSQL; checks that no
## acknowledged write is lost (bench/load/, by hand, not part of `make test`; figures in docs/security.md)
load-test: $(BIN)/.installed
	bench/load/run

## messages: update the Swedish catalogue from the code, and compile it
messages: $(BIN)/.installed
	$(MANAGE) makemessages -l sv --no-location --ignore '.venv/*' --ignore 'var/*'
	$(MANAGE) compilemessages -l sv --ignore '.venv/*'

## lock: re-resolve requirements.lock from pyproject.toml (needs network to PyPI)
lock: $(BIN)/.installed
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header -o requirements.lock

clean-venv:
	rm -rf $(VENV)

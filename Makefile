# Two commands for a fresh machine: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PORT ?= 8000
KEY := $(BIN)/python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'

.PHONY: demo test install check pytest pytest-sqlite-1 pytest-sqlite-2 pytest-postgres pytest-browser postgres-pass messages clean

# Python keeps the bytecode of what it compiles, whatever the environment says
# (PYTHONDONTWRITEBYTECODE): the suite starts dozens of processes, each of which would
# otherwise compile the project's modules again.
unexport PYTHONDONTWRITEBYTECODE

demo: install
	$(BIN)/backontrack demo --port $(PORT)

# The checks and the passes share no files or databases, so they run side by side (the
# browser pass waits on Chromium and the database much of the time), the SQLite pass in two
# shards so that both cores are busy until the end; each one's output is printed whole when
# it ends, and any that fails fails the whole.
test: install
	$(MAKE) --no-print-directory --jobs=5 --output-sync=target check pytest-postgres pytest-browser pytest-sqlite-1 pytest-sqlite-2

MO_FILES := $(patsubst %.po,%.mo,$(wildcard backontrack/locale/*/LC_MESSAGES/*.po))

install: $(STAMP) node_modules/.package-lock.json $(MO_FILES)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# uv installs what pyproject.toml asks for in seconds where pip takes a minute, and compiles
# the bytecode on both cores (docs/decisions/0041-uv.md).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check 'uv>=0.13,<1'
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

messages: $(MO_FILES)

$(MO_FILES): %.mo: %.po $(STAMP)
	cd backontrack && ../$(BIN)/backontrack compilemessages --verbosity 0

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backontrack tests
	$(BIN)/lint-imports
	$(BIN)/backontrack makemigrations --check --dry-run
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') BACKONTRACK_AUDIT_KEY=$$($(KEY)) BACKONTRACK_FIELD_KEYS=$$($(KEY)) \
	  BACKONTRACK_INDEX_KEY=$$($(KEY)) BACKONTRACK_PSEUDONYM_KEY=$$($(KEY)) ALLOWED_HOSTS=backontrack.example.org \
	  BACKONTRACK_HTTPS=true BACKONTRACK_VAR_DIR=$$(mktemp -d) \
	  $(BIN)/backontrack check --deploy --fail-level WARNING

# The SQLite pass: whole, or in two shards that `make test` runs side by side, each with
# every other test (tests/conftest.py). With PostgreSQL reachable, the engine-independent
# tests run in its pass.
SQLITE_PASS = BACKONTRACK_ENGINE_INDEPENDENT_PASS=$$($(PG_REACHABLE) && echo postgresql || echo sqlite) $(BIN)/pytest

pytest: install
	$(SQLITE_PASS)

pytest-sqlite-1 pytest-sqlite-2: pytest-sqlite-%: install
	@echo "== tests on SQLite, shard $* of 2 =="; BACKONTRACK_SHARD=$*/2 $(SQLITE_PASS)

# Again on PostgreSQL when a server is reachable (with CI=true it must be), in two parts that
# run side by side with the SQLite pass, each in its own test database: the browser suite,
# and the rest but the walks of every page, with the engine-independent tests (see
# tests/conftest.py).
PG_REACHABLE = $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null

pytest-postgres: install
	@$(MAKE) --no-print-directory postgres-pass PASS_NAME="tests on PostgreSQL" \
	  PASS_DB=$(PG_URL) PASS_ARGS="--ignore=tests/browser" \
	  PASS_ENV=BACKONTRACK_ENGINE_INDEPENDENT_PASS=postgresql

pytest-browser: install
	@$(MAKE) --no-print-directory postgres-pass PASS_NAME="browser tests on PostgreSQL" \
	  PASS_DB=$(PG_URL)_browser PASS_ARGS="tests/browser"

postgres-pass:
	@if $(PG_REACHABLE); then \
	  echo "== $(PASS_NAME) =="; $(PASS_ENV) DATABASE_URL=$(PASS_DB) $(BIN)/pytest $(PASS_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(PG_URL) and CI=true: failing." >&2; exit 1; \
	else \
	  echo "PostgreSQL is not reachable at $(PG_URL): the $(PASS_NAME) did not run."; \
	fi

clean:
	rm -rf $(VENV) node_modules var test-artifacts

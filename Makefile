# Wangge — `make demo` and `make test` do everything on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/wangge
SCALE ?= small

.PHONY: install demo test test-sqlite test-postgres lint check serve worker bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	npm ci --silent --no-audit --no-fund
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

demo: install
	$(BIN)/wangge demo --scale $(SCALE)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check:
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

test: install lint check test-sqlite test-postgres

test-sqlite:
	@echo "=== test suite on SQLite (embedded default) ==="
	DATABASE_URL= $(BIN)/python -m pytest -q

# PostgreSQL runs when a server answers (CI always has one: see DEVELOPERS.md).
test-postgres:
	@if pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "=== test suite on PostgreSQL ($(PG_URL)) ==="; \
	  DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q; \
	else \
	  echo "=== PostgreSQL: no server answers on 127.0.0.1:5432 — PostgreSQL run SKIPPED ==="; \
	fi

serve:
	$(BIN)/wangge serve

worker:
	$(BIN)/wangge worker

bench:
	$(BIN)/python bench/run.py

messages:
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=node_modules --no-location

clean:
	rm -rf $(VENV) node_modules var

# qabot: `make run` and `make test` set themselves up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit setup clean bench migration

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/qabot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile  # a process a core; a module's tests stay together

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache qabot.db

# Regenerate the single initial migration from storage/models.py (nothing is released yet).
migration: $(STAMP)
	rm -f storage/migrations/versions/0001_initial_schema.py /tmp/qabot-migration.db
	$(BIN)/python -c "from alembic import command; from storage.database import alembic_config; command.revision(alembic_config('sqlite:////tmp/qabot-migration.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	$(BIN)/ruff format -q storage/migrations/versions
	$(BIN)/ruff check -q --fix storage/migrations/versions || true

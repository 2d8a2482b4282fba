# Warta: the two commands are `make run` and `make test` (README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test bench lint translations compile-translations setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The project itself is installed editable so its entry points (adapters, plugins) are registered.
$(RUNTIME_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt $(RUNTIME_STAMP)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

# Message catalogues are compiled by the build, never committed as binaries.
compile-translations: $(RUNTIME_STAMP)
	$(BIN)/pybabel compile -d app/translations

setup: $(RUNTIME_STAMP) compile-translations

## run: set up, migrate, load demo data into an empty database, start everything.
run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) up

## test: set up and run the whole suite (SQLite and PostgreSQL legs, real Redis, browser tests in
## Debian's Chromium, which must be installed: `apt-get install chromium`; .ci/run does it).
test: $(DEV_STAMP) compile-translations
	$(BIN)/ruff check .
	WARTA_REQUIRE_BROWSER=1 $(BIN)/pytest

## bench: one JSON line per benchmark.
bench: $(DEV_STAMP) compile-translations
	$(BIN)/python -m bench

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

## translations: extract new messages and merge them into the catalogues (then translate id).
translations: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance

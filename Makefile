# The two commands: `make run` and `make test`; everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export FLASK_APP := wsgi

.PHONY: run test lint format migrate translations translations-update bench cluster clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[postgres]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

# Each catalogue is compiled when its source changed, so that two runs started at once (CI)
# never rewrite a catalogue the other is reading.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard portal/translations/*/LC_MESSAGES/messages.po))

translations: $(CATALOGUES)

portal/translations/%/LC_MESSAGES/messages.mo: portal/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -l $* -i $< -o $@.tmp && mv $@.tmp $@

# After changing interface strings: refresh the catalogues, then translate what is new.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _ln:1,2 --omit-header --sort-output -w 100 -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d portal/translations --ignore-obsolete --no-fuzzy-matching -w 100
	$(BIN)/python tools/fr_plurals.py
	rm messages.pot

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty
	$(FLASK) seed accounts
	EMBED_SCHEDULER=1 $(FLASK) run --host 127.0.0.1 --port 5000

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.installed-dev lint translations
	$(BIN)/pytest -q $(PYTEST_ARGS)

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

bench: $(VENV)/.installed-dev translations
	$(BIN)/python -m bench

# Two web instances, one PostgreSQL, one scheduler, 50 clients; one instance killed midway.
cluster: $(VENV)/.installed-dev translations
	$(BIN)/python -m bench.cluster

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

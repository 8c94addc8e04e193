# Distretto — `make run` sets everything up and serves the demo; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := app/static/vendor/bootstrap-italia/.built
export FLASK_APP := app:create_cli_app

.PHONY: run setup check-system assets install translations db demo serve worker scheduler test test-fast lint clean

run: setup db demo serve

setup: check-system assets install translations

check-system:
	@bash scripts/check-system.sh

# Bootstrap Italia for the public site and the PDFs' font, from the npm registry (never a CDN at run time).
$(ASSETS): package.json package-lock.json scripts/build-assets.sh
	npm ci --no-audit --no-fund
	@bash scripts/build-assets.sh
	@touch $@

assets: $(ASSETS)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

translations: install
	@$(BIN)/python -m scripts.i18n compile

db: install
	@mkdir -p instance
	$(BIN)/flask district init

demo: db
	$(BIN)/flask district demo

serve:
	@echo ""
	@echo "  Distretto is running on http://127.0.0.1:5000/admin/  (Ctrl+C to stop)"
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port 5000

worker: install
	$(BIN)/flask jobs worker

scheduler: install
	$(BIN)/flask jobs scheduler

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not browser"

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache

# The two commands: `make run` (quick start) and `make test` (the whole suite; .ci/run calls it).
# Everything they need is installed here, idempotently, on the first call.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_UI_PORT ?= 8765
BUN_VERSION := 1.4.4
BUN := .tools/node_modules/.bin/bun

.PHONY: run test lint format setup setup-dev frontend bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Reflex builds its frontend with bun (Node 20 is too old for its npm mode).
$(BUN):
	npm install --prefix .tools --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)

setup: $(VENV)/.runtime-installed $(BUN)

setup-dev: $(VENV)/.dev-installed $(BUN)
	./scripts/install-system-deps.sh

run: setup
	$(PY) -m privet_manager_app serve --port $(PORT) --demo

frontend: setup
	$(PY) -m privet_manager_app build-frontend --port $(PORT)

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: setup-dev lint
	$(PY) -m privet_manager_app build-frontend --port $(TEST_UI_PORT)
	# Two workers for the database/domain/API tests; the browser tests then run alone, so the
	# live server and Chromium never compete with them for the two CI cores.
	$(PY) -m pytest -m "not browser and not replicas" -n 2 --dist loadgroup
	TEST_UI_PORT=$(TEST_UI_PORT) $(PY) -m pytest -m browser
	# Two replicas + Redis behind a round-robin proxy on TEST_UI_PORT (held by -m browser's server).
	TEST_UI_PORT=$(TEST_UI_PORT) $(PY) -m pytest -m replicas

bench: setup-dev
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf .web test-artifacts .pytest_cache data

# Two commands do all the set-up on a fresh machine with Python 3.11+ and make:
#   make run    the whole system on its embedded defaults (SQLite, Temporal dev server)
#   make test   the test suite (what CI runs)
#   make test-fast  the domain and service tests only, for the edit-test loop (README, "Set-up")
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast lint install lock clean bench messages screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/fengqiao run

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# No Temporal server, no HTTP API, no browser, no deploy validators, no PostgreSQL, no real servers (markers: pyproject.toml).
test-fast: install
	$(BIN)/pytest -q -m "not (workflow or http or slow or browser or deploy or process or postgres)" $(PYTEST_ARGS)

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip freeze --exclude-editable --exclude fengqiao > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache

# Rebuild speed on a county-sized log (needs PostgreSQL; see bench/rebuild.py). Writes docs/benchmarks.md.
bench: install
	$(BIN)/python -m bench.rebuild $(BENCH_ARGS)

# Bring the workbench's message catalogues in step with the pages (then translate what is new).
messages: install
	$(BIN)/python -m web.messages

# Retake the README's pictures of the workbench (docs/screenshots/) from the browser journeys.
screenshots: install
	FENGQIAO_UPDATE_SCREENSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider tests/test_browser.py tests/test_browser_board.py

# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
# `make demo PORT=9000`: the relay's port; the Meta and Slack simulators take PORT+1 and PORT+2
PORT ?= 8000

.PHONY: demo test scenario lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/waslack sandbox --port $(PORT)

scenario: $(STAMP)
	$(BIN)/waslack sandbox --scenario --port $(PORT)

test: $(DEVSTAMP)
	$(BIN)/python -m pytest -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

bench: $(STAMP)  ## bench.ingest (issue 7) and connect_claim; load from Debian's wrk when installed (apt-get install wrk)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache

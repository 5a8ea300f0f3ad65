# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test test-reliability bench bench-scale bench-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect $(BIN)/kaoping demo

test: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect $(BIN)/python -m pytest -n 2 -m "not reliability"

test-reliability: $(STAMP)
	PREFECT_HOME=$(CURDIR)/.prefect $(BIN)/python -m pytest -n 2 -m reliability tests/reliability

bench: $(STAMP)
	$(BIN)/python -m benchmarks --profile full
	$(BIN)/python -m benchmarks markdown --write

bench-scale: $(STAMP)
	$(BIN)/python -m benchmarks --profile scale
	$(BIN)/python -m benchmarks markdown --write

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --profile smoke

clean:
	rm -rf $(VENV) .prefect kaoping-demo

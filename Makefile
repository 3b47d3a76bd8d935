# The two commands a fresh clone needs: `make test` and `make demo`.
# Both create .venv and install what they need; nothing else is assumed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_ALL := $(VENV)/.installed-all-dev
STAMP_DEMO := $(VENV)/.installed-demo

.PHONY: test demo lint typecheck pytest bench bench-env bench-pycanon-env clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_ALL): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $@

$(STAMP_DEMO): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[synthetic,arrow]'
	touch $@

test: $(STAMP_ALL)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy --strict src
	PYSPARK_PYTHON=$(CURDIR)/$(BIN)/python $(BIN)/python -m pytest

lint: $(STAMP_ALL)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP_ALL)
	$(BIN)/mypy --strict src

pytest: $(STAMP_ALL)
	PYSPARK_PYTHON=$(CURDIR)/$(BIN)/python $(BIN)/python -m pytest

demo: $(STAMP_DEMO)
	$(BIN)/custdata demo

# Baseline tools for benchmarks live in their own virtualenv: some pin old pandas or numpy.
bench-env: $(STAMP_ALL)
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet -e '.[bench]'

# pycanon (the anonymity cross-check) pins its own pandas and numpy: a virtualenv apart from the others.
bench-pycanon-env:
	test -x .venv-pycanon/bin/python || $(PYTHON) -m venv .venv-pycanon
	.venv-pycanon/bin/python -m pip install --quiet 'pycanon==1.3.6'

clean:
	rm -rf $(VENV) .venv-bench .venv-pycanon .mypy_cache .ruff_cache .pytest_cache .hypothesis

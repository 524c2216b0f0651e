# The two commands a newcomer needs are `make run` and `make test`; both install first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint bench clean readme

install: $(STAMP)

# torch is pinned to the CPU build that lies on this machine's disk and installed first, so that
# sentence-transformers finds it satisfied and never pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@echo 'installing packages (the first time takes a few minutes) …'
	$(BIN)/pip install --progress-bar on torch==2.13.0
	$(BIN)/pip install --progress-bar on -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/ltgraph build --if-stale
	$(BIN)/ltgraph serve --host $(HOST) --port $(PORT)

test: install lint
	$(BIN)/python -m pytest

# ruff (errors and likely bugs) and mypy --strict over the package; part of `make test`.
lint: install
	$(BIN)/ruff check src
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/bench_graph.py
	$(BIN)/python benchmarks/bench_search.py --passages 20000
	$(BIN)/python benchmarks/bench_http.py --seconds 10

clean:
	rm -rf $(VENV) .pytest_cache build dist

# Regenerate the entries table in README.md from the corpus (a test checks it is current).
readme: install
	$(BIN)/python scripts/update_readme.py

# Every target sets up what it needs: a virtual environment in .venv with the package and its dev tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test lint typecheck unit live-test generate bench clean demo

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

test: lint typecheck unit

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# tests/typing: typed user code of default and pinned clients (each assert_type holds, each type: ignore is needed).
typecheck: $(BIN)/.installed
	$(BIN)/mypy --strict speechrest
	$(BIN)/mypy --strict --warn-unused-ignores tests/typing

unit: $(BIN)/.installed
	$(BIN)/pytest -q

# Against a real Speech resource: needs SPEECH_KEY and SPEECH_ENDPOINT (or SPEECH_REGION), else every test is skipped.
live-test: $(BIN)/.installed
	$(BIN)/pytest -q -rs tests_live

generate: $(BIN)/.installed
	$(BIN)/python -m tools.codegen

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_deserialize.py
	$(BIN)/python benchmarks/bench_emulator.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_overhead.py
	$(BIN)/python benchmarks/bench_faults.py
	$(BIN)/python benchmarks/bench_upload.py
	$(BIN)/python benchmarks/bench_polling.py
	$(BIN)/python benchmarks/bench_results.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

demo: $(BIN)/.installed
	$(BIN)/python -m speechrest.demo

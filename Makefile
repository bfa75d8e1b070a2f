# ddb-migrate: every target sets itself up (venv, pinned dependencies, DynamoDB Local).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test unit lint package lambda bench notebooks clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

setup: $(STAMP) ## create the venv and install the pinned dependencies

demo: setup ## a whole cross-account migration on the local stack, validated; the stack keeps running (ddb-migrate local down)
	$(BIN)/ddb-migrate demo --output demo-output

test: setup ## the whole test suite, with its own emulators, cleaned up however it ends
	scripts/run-tests.sh

unit: setup ## pure tests only: no JVM, no network
	$(BIN)/python -m pytest -m unit -q

lint: setup ## ruff, mypy, the layer contract (no upward import, no cycle), notebooks without outputs
	$(BIN)/ruff check jobs glue_scripts tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/notebooks -k committed_without_outputs

notebooks: setup ## JupyterLab on the project's kernel (the notebooks start or reuse the local stack)
	$(BIN)/python -m ipykernel install --sys-prefix --name ddb-migrate --display-name "ddb-migrate (.venv)"
	$(BIN)/jupyter lab notebooks/

# The wheel's file times come from the last commit, so an unchanged tree builds the same bytes
# and the bundle keeps its name (its SHA-256): Terraform then uploads nothing new.
package: setup ## the jobs wheel and the Glue 5.0 dependency bundle (zip of wheels named by its SHA-256), into dist/
	rm -rf dist && mkdir -p dist
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 315532800) \
	  $(BIN)/python -m pip wheel --quiet --no-deps -w dist .
	$(BIN)/python scripts/build_glue_bundle.py --jobs-wheel "$$(ls dist/ddb_migrate-*.whl)" --out dist
	$(BIN)/python -m zipfile -c dist/glue_scripts.zip glue_scripts/*.py

lambda: setup ## the stream replicator's Lambda package, dist/replicator.zip
	$(BIN)/python -c "import sys; from jobs.streams.package import build; print(build(sys.argv[1]))" dist/replicator.zip

BENCH_VENV := .venv-bench

# dynamodump is a bench-only peer: it goes into a venv of its own, never into the project's.
$(BENCH_VENV)/bin/dynamodump:
	$(PYTHON) -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/python -m pip install --quiet dynamodump==1.11.1 \
	  || echo "[bench] dynamodump could not be installed into $(BENCH_VENV): the bench will skip it"

bench: setup ## ddb-migrate against raw BatchWriteItem, put_item, dynamodump, awswrangler: items/s and CPU/item (BENCH_RUNS=3, BENCH_ARGS=--check)
	-@$(MAKE) --no-print-directory $(BENCH_VENV)/bin/dynamodump
	set -o pipefail; mkdir -p bench-output && BENCH_DYNAMODUMP=$(BENCH_VENV)/bin/dynamodump \
	  $(BIN)/python -m jobs.local.bench $(BENCH_ARGS) | tee bench-output/bench.txt

clean: ## stop the local stack if it runs, then remove what the targets made
	-@test -x $(BIN)/ddb-migrate && $(BIN)/ddb-migrate local down
	rm -rf $(VENV) .local-stack local-sample demo-output dist build *.egg-info .pytest_cache .mypy_cache .ruff_cache

# The three commands a newcomer needs: `make run`, `make test`, `make bench`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
BI_READER_VENV := .venv-bi-reader
SPARK_VENV := .venv-spark
SIYU_HOME ?= $(CURDIR)/data
export SIYU_HOME
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json

# sqlfluff's dbt templater opens a warehouse connection; give it a throwaway file
# one process per core (--processes 0): 86 -> 53 s on two cores
LINT_SQL = SIYU_WAREHOUSE_PATH=$$(mktemp -d)/lint.duckdb \
	$(BIN)/sqlfluff lint --processes 0 $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests

.PHONY: run test test-run-safety bench lint format manifest dev validate clean-data setup \
	spark-setup spark-build test-spark

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# an older DuckDB, as BI tools embed it: the publish tests open the BI file with it
$(BI_READER_VENV)/.installed: requirements-bi-reader.lock $(VENV)/.installed
	$(BIN)/uv venv --quiet --allow-existing --python $(BIN)/python $(BI_READER_VENV)
	$(BIN)/uv pip sync --quiet --python $(BI_READER_VENV)/bin/python requirements-bi-reader.lock
	touch $@

# dbt-spark and pyspark (478 MB, about 40 s from a cold cache) in their own venv, pinned by
# requirements-spark.lock: compiled with `-c requirements.lock`, so every shared pin is the same
spark-setup: $(SPARK_VENV)/.installed

$(SPARK_VENV)/.installed: requirements-spark.lock pyproject.toml $(VENV)/.installed
	$(BIN)/uv venv --quiet --allow-existing --python $(BIN)/python $(SPARK_VENV)
	$(BIN)/uv pip sync --quiet --python $(SPARK_VENV)/bin/python requirements-spark.lock
	$(BIN)/uv pip install --quiet --python $(SPARK_VENV)/bin/python --no-deps -e .
	touch $@

# The models on Spark (docs/scale.md): the warehouse's input tables exported to the lake, registered
# as Spark tables, then every model built and data-tested in a local SparkSession on one core.
# The unit tests stay DuckDB's: their given rows are DuckDB SQL (timestamptz literals).
# A target path of its own: target/manifest.json stays the DuckDB one Dagster reads.
SPARK_DBT = cd $(DBT_DIR) && nice -n 19 ../$(SPARK_VENV)/bin/dbt
SPARK_DBT_ARGS = --target spark --profiles-dir . --project-dir . --target-path target/spark
# e.g. SPARK_SELECT=staging for one layer; every seed and model by default
SPARK_SELECT ?=

spark-build: spark-setup
	$(BIN)/siyu export-lake
	$(SPARK_DBT) run-operation register_lake_sources $(SPARK_DBT_ARGS)
	$(SPARK_DBT) build $(if $(SPARK_SELECT),--select $(SPARK_SELECT)) --exclude test_type:unit $(SPARK_DBT_ARGS)

# the tests' small brand built on DuckDB and on Spark, compared row by row (docs/scale.md)
test-spark: manifest spark-setup
	SIYU_RUN_SPARK=1 $(BIN)/pytest tests/integration/test_spark_parity.py

# dbt's manifest is what Dagster reads to build the dbt assets; parse it once per model change.
manifest: setup
	cd $(DBT_DIR) && SIYU_WAREHOUSE_PATH=$${SIYU_WAREHOUSE_PATH:-$(SIYU_HOME)/warehouse/siyu.duckdb} \
		../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .

run: manifest
	$(BIN)/siyu run

# the Spark venv too: the parity test builds the tests' small brand on Spark (docs/scale.md)
test: manifest $(BI_READER_VENV)/.installed $(SPARK_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(LINT_SQL)
	@# the tests' homes on tmpfs when there is one: Dagster's SQLite event log syncs every event,
	@# about 30 s of disk waits per pipeline run; one worker per core, a shared brand in one worker
	tmp=$$(mktemp -d /dev/shm/siyu-test.XXXXXX 2>/dev/null || mktemp -d); \
		SIYU_RUN_SPARK=1 $(BIN)/pytest -n auto --dist loadgroup --durations=15 --basetemp=$$tmp; \
		status=$$?; \
		rm -rf $$tmp; exit $$status

validate: manifest
	DAGSTER_HOME=$(SIYU_HOME)/dagster $(BIN)/siyu prepare-home
	DAGSTER_HOME=$(SIYU_HOME)/dagster $(BIN)/dagster definitions validate -m orchestration.definitions

dev: manifest
	$(BIN)/siyu prepare-home
	DAGSTER_HOME=$(SIYU_HOME)/dagster $(BIN)/dagster dev -m orchestration.definitions

# kill -9 at ten random points, two runs at once, a damaged warehouse: about 19 full runs of a
# small brand (an hour on 2 cores), so not part of `make test`
test-run-safety: manifest
	SIYU_RUN_SAFETY=1 $(BIN)/pytest tests/integration/test_run_safety.py

bench: manifest
	$(BIN)/python -m benchmarks.run

lint: setup
	$(BIN)/ruff check .
	$(LINT_SQL)

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	SIYU_WAREHOUSE_PATH=$$(mktemp -d)/lint.duckdb \
		$(BIN)/sqlfluff fix $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests

clean-data:
	rm -rf $(SIYU_HOME)

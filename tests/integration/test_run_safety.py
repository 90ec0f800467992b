"""One writer at a time, and kill -9 at any point costs nothing: `siyu run` as a user starts it.

Every run here is a `siyu run` subprocess on its own SIYU_HOME (on /dev/shm when there is one:
the same pipeline, without waiting on disk syncs). One clean run is the reference: a content
hash of every mart (order-independent, duplicates counted), of clv.customer_scores and
identity.oneid_map, and the content of every raw table by its lineage key. Columns that
legitimately differ from run to run are left out (RUN_SPECIFIC).

Cost (2-core machine shared with other builds): one run of this brand takes 3-5 minutes, ~80%
of it dbt (landing ~20 s, OneID and CLV ~1 s each). The module is about 19 runs: the clean one,
two at once, SIYU_RUN_SAFETY_KILLS (10) x (the run up to the kill + a complete re-run) and the
restore. That is an hour, far past `make test`'s budget, so the module runs only with
SIYU_RUN_SAFETY=1 (a separate CI job: `SIYU_RUN_SAFETY=1 pytest tests/integration/
test_run_safety.py`).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.simulator import simulate_brand

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("SIYU_RUN_SAFETY") != "1",
        reason="about an hour of full pipeline runs: set SIYU_RUN_SAFETY=1 to run them",
    ),
]

CUSTOMERS, DAYS, SEED = 300, 100, 7  # the smallest brand whose run reaches every stage
KILLS = int(os.environ.get("SIYU_RUN_SAFETY_KILLS", "10"))
KILL_SEED = 20261123
TEST_KEY = "run-safety-test-key-0123456789abcdef"  # one key: every home hashes alike
SIYU = Path(sys.executable).parent / "siyu"
# where the kills are aimed, by the step names the progress lines print
STAGES = {
    "landing": "raw__",
    "dbt": "siyu_dbt_models",
    "oneid": "identity__oneid_map",
    "clv": "clv__customer_scores",
}
# columns that hold when or in which run a row was written, not what it says
RUN_SPECIFIC = {
    "clv.customer_scores": ("scored_at",),
    "identity.oneid_map": ("resolved_at",),
    "clv.model_fits": ("run_id", "fitted_at"),
}
RAW_RUN_SPECIFIC = ("_load_id", "_loaded_at")
PROGRESS = re.compile(r"^\[\s*([\d.]+)s\] (start|done |FAIL ) (\S+)", re.MULTILINE)
LOCK_ERROR = re.compile(r"\block\b|could not set lock|conflicting lock", re.IGNORECASE)


def scratch_root() -> Path:
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2 << 30:
        return shm
    return Path(tempfile.gettempdir())


def siyu_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "DAGSTER_"))}
    return env | {
        "SIYU_HOME": str(home),
        "SIYU_MODE": "demo",
        "SIYU_PSEUDONYMISATION_KEY": TEST_KEY,
        "SIYU_DEMO_CUSTOMERS": str(CUSTOMERS),
        "SIYU_DEMO_DAYS": str(DAYS),
        "SIYU_DEMO_SEED": str(SEED),
        "PYTHONUNBUFFERED": "1",
    }


def start_run(home: Path) -> subprocess.Popen:
    """`siyu run` in its own process group, so that a kill takes its dbt children too."""
    return subprocess.Popen(
        [str(SIYU), "run"],
        env=siyu_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def run_to_end(home: Path) -> str:
    process = start_run(home)
    output, _ = process.communicate()
    failures = [line for line in output.splitlines() if re.search(r"FAIL|Error|Traceback", line)]
    assert process.returncode == 0, "\n".join(failures[:20]) + "\n" + output[-1500:]
    return output


@dataclass(frozen=True)
class Step:
    name: str
    started: float
    seconds: float


def steps_of(output: str) -> list[Step]:
    started: dict[str, float] = {}
    steps = []
    for at, event, name in PROGRESS.findall(output):
        if event == "start":
            started[name] = float(at)
        elif name in started:
            steps.append(Step(name, started[name], float(at) - started[name]))
    return steps


def step_running_at_kill(output: str) -> str:
    """The step started and not finished when the run died, or where between steps it was."""
    events = PROGRESS.findall(output)
    started = [name for _, event, name in events if event == "start"]
    ended = {name for _, event, name in events if event != "start"}
    running = [name for name in started if name not in ended]
    if running:
        return running[-1]
    return f"after {started[-1]}" if started else "before the first step"


def stage_of(step: str) -> str | None:
    return next((stage for stage, prefix in STAGES.items() if step.startswith(prefix)), None)


def query(home: Path, sql: str):
    with duckdb.connect(str(home / "warehouse" / "siyu.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def content_digest(conn, table: str, leave_out: tuple[str, ...] = ()) -> tuple[int, int]:
    """(rows, sum of row hashes): independent of row order, and a duplicated row counts."""
    schema, name = table.split(".")
    columns = [
        column
        for (column,) in conn.execute(
            "select column_name from duckdb_columns() where schema_name = $s and table_name = $t "
            "order by column_index",
            {"s": schema, "t": name},
        ).fetchall()
        if column not in leave_out
    ]
    row = ", ".join(f'"{column}"' for column in columns)
    return conn.execute(f"select count(*), coalesce(sum(hash({row})), 0) from {table}").fetchone()


@dataclass(frozen=True)
class WarehouseState:
    marts: dict[str, tuple[int, int]]  # marts.*, clv.customer_scores, identity.oneid_map
    raw: dict[str, tuple[int, int]]  # raw.*, bookkeeping included, by content
    raw_duplicates: dict[str, int]  # rows sharing a lineage key (file hash, row number)
    model_fits: list[tuple]  # distinct fits, run-specific columns left out
    model_fit_runs_repeated: int  # run ids with more than one fit row


def warehouse_state(home: Path) -> WarehouseState:
    path = home / "warehouse" / "siyu.duckdb"
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = [
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where schema_name in ('marts', 'raw') order by all"
            ).fetchall()
        ]
        marts = {
            table: content_digest(conn, table, RUN_SPECIFIC.get(table, ()))
            for table in [t for t in tables if t.startswith("marts.")]
            + ["clv.customer_scores", "identity.oneid_map"]
        }
        raw_tables = [t for t in tables if t.startswith("raw.")]
        data_tables = [t for t in raw_tables if not t.startswith("raw._")]
        raw = {
            table: content_digest(conn, table, RAW_RUN_SPECIFIC)
            for table in data_tables
        }  # fmt: skip
        # a file byte-identical to one landed earlier is skipped, so of two identical API pages
        # (an empty last page on two days) the manifest names whichever landed first
        raw["raw._load_manifest"] = content_digest(
            conn, "raw._load_manifest", ("load_id", "loaded_at", "source_mtime_ns", "source_file")
        )
        raw["raw._quarantine"] = content_digest(
            conn, "raw._quarantine", ("load_id", "quarantined_at")
        )
        duplicates = {
            table: conn.execute(
                f"select count(*) - count(distinct (_file_sha256, _row_number)) from {table}"
            ).fetchone()[0]
            for table in data_tables
        }
        fit_columns = ", ".join(
            f'"{c}"'
            for (c,) in conn.execute(
                "select column_name from duckdb_columns() where schema_name = 'clv' and "
                "table_name = 'model_fits' order by column_index"
            ).fetchall()
            if c not in RUN_SPECIFIC["clv.model_fits"]
        )
        fits = conn.execute(f"select distinct {fit_columns} from clv.model_fits").fetchall()
        repeated = conn.execute(
            "select count(*) from "
            "(select run_id from clv.model_fits group by run_id having count(*) > 1)"
        ).fetchone()[0]
    return WarehouseState(marts, raw, duplicates, sorted(fits, key=repr), repeated)


def assert_same_as_clean(state: WarehouseState, clean: WarehouseState, label: str) -> None:
    assert state.marts.keys() == clean.marts.keys(), f"{label}: other mart tables"
    changed = [t for t in clean.marts if state.marts[t] != clean.marts[t]]
    assert not changed, f"{label}: marts differ from the clean run: {changed}"
    assert state.raw == clean.raw, f"{label}: raw content differs: " + str(
        {t: (state.raw.get(t), n) for t, n in clean.raw.items() if state.raw.get(t) != n}
    )
    assert not any(state.raw_duplicates.values()), f"{label}: {state.raw_duplicates}"
    assert state.model_fits == clean.model_fits, f"{label}: other CLV fits"
    assert state.model_fit_runs_repeated == 0, f"{label}: a run recorded two CLV fits"


def new_home(root: Path, sources: Path, name: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root))
    shutil.copytree(sources, home / "sources")
    return home


@dataclass(frozen=True)
class CleanRun:
    root: Path
    sources: Path  # the brand's files as generated, before any run fetched the mall
    home: Path
    output: str
    state: WarehouseState
    seconds: float


@pytest.fixture(scope="module")
def clean_run():
    root = Path(tempfile.mkdtemp(prefix="siyu-run-safety-", dir=scratch_root()))
    try:
        sources = root / "brand_sources"
        simulate_brand(sources, customers=CUSTOMERS, days=DAYS, seed=SEED, bad_row_rate=0.0)
        home = new_home(root, sources, "clean")
        started = time.monotonic()
        output = run_to_end(home)
        seconds = time.monotonic() - started
        yield CleanRun(root, sources, home, output, warehouse_state(home), seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_clean_run_reaches_every_stage_and_keeps_a_last_good_copy(clean_run):
    stages = {stage_of(step.name) for step in steps_of(clean_run.output)}
    assert set(STAGES) <= stages, clean_run.output[-2000:]
    assert (clean_run.home / "warehouse" / "last_good" / "siyu.duckdb").exists()
    assert clean_run.state.marts["marts.dim_customers"][0] > 0
    assert clean_run.state.model_fits, "the clean run recorded no CLV fit"


def test_two_runs_started_at_once_queue_instead_of_failing_on_the_lock(clean_run):
    home = new_home(clean_run.root, clean_run.sources, "two-runs")
    try:
        first, second = start_run(home), start_run(home)
        outputs = [first.communicate()[0], second.communicate()[0]]
        assert [first.returncode, second.returncode] == [0, 0], outputs
        assert not [o for o in outputs if LOCK_ERROR.search(o)], outputs
        waited = [o for o in outputs if "Waiting for the warehouse siyu.duckdb: held by run" in o]
        assert len(waited) == 1, outputs
        assert_same_as_clean(warehouse_state(home), clean_run.state, "two runs at once")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def kill_plan(clean_steps: list[Step], kills: int, seed: int) -> list[tuple[str, float]]:
    """(step, seconds after its start): each stage in turn, a seeded step of it and a seeded
    point in the first 80% of the time it took in the clean run."""
    rng = random.Random(seed)
    stages = list(STAGES)
    plan = []
    for i in range(kills):
        candidates = [s for s in clean_steps if stage_of(s.name) == stages[i % len(stages)]]
        step = rng.choice(candidates)
        plan.append((step.name, rng.uniform(0, 0.8) * step.seconds))
    return plan


def kill_during(home: Path, step: str, delay: float) -> str:
    """Start a run, kill -9 its process group `delay` seconds after `step` starts; the output."""
    process = start_run(home)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if re.search(rf"\] start {re.escape(step)}$", line.rstrip()):
            break
    else:
        process.wait()
        pytest.fail(f"the run ended before {step} started:\n{''.join(seen)[-2000:]}")
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)
    rest, _ = process.communicate()
    return "".join(seen) + rest


def test_kill_9_at_random_points_then_a_rerun_gives_the_clean_marts(clean_run):
    plan = kill_plan(steps_of(clean_run.output), KILLS, KILL_SEED)
    landed_in = []
    for number, (step, delay) in enumerate(plan, start=1):
        home = new_home(clean_run.root, clean_run.sources, f"kill-{number}")
        try:
            killed_output = kill_during(home, step, delay)
            landed_in.append(step_running_at_kill(killed_output))
            rerun = run_to_end(home)
            label = f"kill {number} ({landed_in[-1]}, {delay:.1f}s into {step})"
            assert "siyu nightly run" in rerun, label
            assert_same_as_clean(warehouse_state(home), clean_run.state, label)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    if len(STAGES) <= KILLS:
        hit = {stage_of(step) for step in landed_in}
        assert set(STAGES) <= hit, f"the kills landed in {landed_in}"


def test_a_damaged_warehouse_is_replaced_by_the_last_good_copy(clean_run):
    """Last in the module: it damages the clean run's own warehouse (its state is kept)."""
    warehouse = clean_run.home / "warehouse" / "siyu.duckdb"
    with warehouse.open("r+b") as handle:
        handle.write(random.Random(SEED).randbytes(8192))  # garbage over the header
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(warehouse), read_only=True).close()
    output = run_to_end(clean_run.home)
    assert "restored the last good copy" in output, output[-2000:]
    assert list(warehouse.parent.glob("siyu.duckdb.damaged-*")), "the damaged file is gone"
    assert_same_as_clean(warehouse_state(clean_run.home), clean_run.state, "after the restore")

"""OneID resolution at brand scale, on its own: a generated identity graph, resolved twice.

Writes the two intermediate tables dbt would build (one person: 1-5 identifiers joined in a
chain, plus store phones typed on thousands of receipts), then times `resolve_oneids` in a
process of its own (so that its peak memory is its own) on a first run and on a next-day run
that adds a thousand new edges, on a fresh copy of the graph each round; times are medians:

    python -m benchmarks.identity_graph --customers 1000000 --warehouse /tmp/graph.duckdb
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from benchmarks.memory import own_peak_rss_gb
from identity.resolve import resolve_oneids
from identity.rules import load_rules
from ingestion.pseudonymise import PseudonymisationKey

TYPES = ("phone_hash", "unionid", "mall_openid", "wecom_external_userid", "pos_member_card")
T0 = datetime(2024, 1, 1)
STORE_PHONES = 4
CARDS_PER_STORE_PHONE = 2_000
KEY = b"benchmark-only-key"


def generate(customers: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges (left < right) of a graph of `customers` persons."""
    rng = np.random.default_rng(seed)
    per_person = rng.integers(1, len(TYPES) + 1, size=customers)  # 1-5 identifiers, 3 on average
    person = np.repeat(np.arange(customers), per_person)
    # a person's identifiers are of distinct types, from a random first one
    rank = np.arange(len(person)) - np.repeat(np.cumsum(per_person) - per_person, per_person)
    kind = (rng.integers(0, len(TYPES), size=customers)[person] + rank) % len(TYPES)
    values = np.char.add(np.char.add("v", person.astype("U8")), np.char.add("_", kind.astype("U1")))
    values = np.char.add(values, np.arange(len(person)).astype("U9"))
    nodes = pd.DataFrame({"identifier_type": np.asarray(TYPES)[kind], "identifier_value": values})
    # consecutive identifiers of one person are seen together in one record
    same = np.flatnonzero(person[1:] == person[:-1])
    left, right = same, same + 1
    junk = np.repeat(np.arange(STORE_PHONES), CARDS_PER_STORE_PHONE)
    junk_nodes = pd.DataFrame(
        {
            "identifier_type": "phone_hash",
            "identifier_value": np.char.add("store", junk.astype("U1")),
        }
    ).drop_duplicates()
    cards = rng.choice(np.flatnonzero(kind == TYPES.index("pos_member_card")), size=len(junk))
    nodes = pd.concat([nodes, junk_nodes], ignore_index=True)
    junk_index = len(person) + junk
    left = np.concatenate([left, junk_index])
    right = np.concatenate([right, cards])
    return nodes, _edges(nodes, left, right, rng)


def _edges(nodes: pd.DataFrame, left: np.ndarray, right: np.ndarray, rng) -> pd.DataFrame:
    a = nodes.iloc[left].reset_index(drop=True)
    b = nodes.iloc[right].reset_index(drop=True)
    a_first = (a["identifier_type"] + a["identifier_value"]) < (
        b["identifier_type"] + b["identifier_value"]
    )
    lo, hi = a.where(a_first, b), b.where(a_first, a)
    seen = T0 + pd.to_timedelta(rng.integers(0, 700, size=len(lo)), unit="D")
    return pd.DataFrame(
        {
            "left_type": lo["identifier_type"],
            "left_value": lo["identifier_value"],
            "right_type": hi["identifier_type"],
            "right_value": hi["identifier_value"],
            "first_observed_at": seen,
            "last_observed_at": seen + timedelta(days=10),
            "first_source_table": "raw.pos__receipt_lines",
            "first_source_file": "pos.csv",
            "first_source_row": np.arange(1, len(lo) + 1),
            "observation_count": 1,
        }
    ).drop_duplicates(["left_type", "left_value", "right_type", "right_value"])


def write_graph(conn: duckdb.DuckDBPyConnection, nodes: pd.DataFrame, edges: pd.DataFrame):
    conn.execute("create schema if not exists intermediate")
    conn.register("graph_nodes", nodes)
    conn.execute(
        "create or replace table intermediate.int_identity__identifiers as select "
        "identifier_type, identifier_value, $t0::timestamp as first_seen_at, 'pos' as "
        "first_seen_source, $t0::timestamp as last_seen_at, 1::bigint as observation_count "
        "from graph_nodes",
        {"t0": T0},
    )
    conn.register("graph_edges", edges)
    conn.execute("create or replace table intermediate.int_identity__edges as from graph_edges")
    conn.unregister("graph_nodes")
    conn.unregister("graph_edges")


def resolve_first(warehouse: Path) -> None:
    """The first run alone: the graph and map splink's linkage is compared with."""
    with duckdb.connect(str(warehouse)) as conn:
        resolve_oneids(conn, PseudonymisationKey(KEY), rules=load_rules(), run_id="first")


def resolve_twice(warehouse: Path, seed: int) -> str:
    """First run, then a next-day run after a thousand persons show a new identifier."""
    key, rules = PseudonymisationKey(KEY), load_rules()
    with duckdb.connect(str(warehouse)) as conn:
        started = time.monotonic()
        first = resolve_oneids(conn, key, rules=rules, run_id="first")
        first_seconds = time.monotonic() - started
        # sampled in SQL: 3M identifiers in pandas would count against resolution's peak
        known = conn.execute(
            "select identifier_type, identifier_value "
            "from intermediate.int_identity__identifiers "
            f"using sample reservoir(1000 rows) repeatable ({seed})"
        ).df()
        new = known.assign(identifier_value="new" + known["identifier_value"])
        both = pd.concat([known, new], ignore_index=True)
        new_edges = _edges(
            both, np.arange(1_000), np.arange(1_000, 2_000), np.random.default_rng(seed)
        )
        conn.register("new_nodes", new)
        conn.execute(
            "insert into intermediate.int_identity__identifiers select identifier_type, "
            "identifier_value, $t0::timestamp, 'pos', $t0::timestamp, 1 from new_nodes",
            {"t0": T0},
        )
        conn.register("new_edges", new_edges)
        conn.execute("insert into intermediate.int_identity__edges from new_edges")
        started = time.monotonic()
        second = resolve_oneids(conn, key, rules=rules, run_id="second")
        second_seconds = time.monotonic() - started
    peak_gb = own_peak_rss_gb()
    return (
        f"identifiers={first.identifiers} edges={first.edges + first.edges_rejected} "
        f"customers={first.customers} edges_rejected={first.edges_rejected} "
        f"first_run_s={first_seconds:.2f} next_day_run_s={second_seconds:.2f} "
        f"next_day_changed_share={second.changed_share:.5f} "
        f"resolution_peak_rss_gb={peak_gb:.2f}"
    )


def summarise(rounds: list[dict[str, str]]) -> str:
    """Medians of the times, the largest peak, the graph's counts as they were."""
    figures = dict(rounds[0])
    for name in ("first_run_s", "next_day_run_s"):
        values = [float(r[name]) for r in rounds]
        figures[name] = f"{statistics.median(values):.2f}"
        figures[name.replace("_s", "_s_range")] = f"{min(values):.2f}-{max(values):.2f}"
    peaks = [float(r["resolution_peak_rss_gb"]) for r in rounds]
    figures["resolution_peak_rss_gb"] = f"{max(peaks):.2f}"
    figures["rounds"] = str(len(rounds))
    return " ".join(f"{name}={value}" for name, value in figures.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--resolve-only", action="store_true", help="the graph is written")
    parser.add_argument("--first-run-only", action="store_true", help="the graph is written")
    parser.add_argument("--figures", type=Path, help="also write the figures (JSON) to this file")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; times are medians")
    args = parser.parse_args()
    if args.first_run_only:
        resolve_first(args.warehouse)
        return 0
    if args.resolve_only:
        print(resolve_twice(args.warehouse, args.seed))
        return 0
    graph = args.warehouse.with_suffix(".graph.duckdb")
    graph.unlink(missing_ok=True)
    nodes, edges = generate(args.customers, args.seed)
    with duckdb.connect(str(graph)) as conn:
        write_graph(conn, nodes, edges)
    del nodes, edges
    rounds = []
    for _ in range(args.repeat):
        shutil.copyfile(graph, args.warehouse)
        # resolution in a process of its own, so that its peak memory is its own
        command = [sys.executable, "-m", "benchmarks.identity_graph", "--warehouse",
                   str(args.warehouse), "--seed", str(args.seed), "--resolve-only"]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        rounds.append(dict(word.split("=", 1) for word in output.split() if "=" in word))
    figures = summarise(rounds)
    print(figures)
    splink = link_with_splink(graph, args.warehouse)
    print(json.dumps(splink))
    if args.figures:
        named = dict(word.split("=", 1) for word in figures.split())
        args.figures.write_text(json.dumps({"figures": named, "splink": splink}, indent=1))
    return 0


def link_with_splink(graph: Path, warehouse: Path) -> dict:
    """splink on a fresh copy of the graph after OneID's first run, each in its own process."""
    shutil.copyfile(graph, warehouse)
    module = [sys.executable, "-m"]
    subprocess.run([*module, "benchmarks.identity_graph", "--warehouse", str(warehouse),
                    "--first-run-only"], check=True, capture_output=True)  # fmt: skip
    output = subprocess.run(
        [*module, "benchmarks.identity_splink", "--warehouse", str(warehouse)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


if __name__ == "__main__":
    raise SystemExit(main())

"""The lower bound of a full build: DuckDB reading every raw input file of a brand once.

One query per raw table over the files that feed it (the globs of `ingestion.sources`), with
DuckDB's own readers: read_csv for the CSV exports, read_json for JSON lines, and the record
lists of saved API pages through read_json_objects. The mall's pages are fetched from its API
during landing, so its raw input is what the API serves (the simulator's `_mall_api` records).
No transformation, no validation, no write: whatever a build does on top is its cost.

    python -m benchmarks.lower_bound --sources DIR --figures lower_bound.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

from ingestion.landing import RawTableSpec
from ingestion.mall.extract import DEMO_DATA_DIR
from ingestion.sources import ALL_SPECS

# JSON files that are one object each, read by pandas in landing, and where their records sit
RECORD_LISTS = {"wecom__group_stats": "$.items"}


def input_files(spec: RawTableSpec, sources: Path) -> list[Path]:
    """The files a table's build reads: the landed globs, or the API's records when fetched."""
    if spec.extract is not None:
        return sorted((sources / DEMO_DATA_DIR / Path(spec.source_dir).name).glob("*.jsonl"))
    return [found.path for found in spec.files(sources)]


def is_utf8(path: Path) -> bool:
    try:
        path.read_bytes()[:65536].decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > 65530  # a character cut at the sample's end is still UTF-8
    return True


def count_query(spec: RawTableSpec, files: list[Path]) -> str:
    """A query counting the records of `files` that makes DuckDB parse every byte of them."""
    suffix = files[0].suffix
    if suffix == ".csv" and is_utf8(files[0]):
        # a table's exports share one header; union_by_name would sniff every file
        # first: 60 s instead of 1.5 s over 2,972 POS files
        return "select count(*) from read_csv($files, all_varchar = true)"
    if suffix == ".csv":
        # GBK exports: DuckDB has no GBK decoder offline and its latin-1 one refuses bytes
        # 0x80-0x9F, so they are read as bytes and their lines counted (no record spans lines)
        return "select content from read_blob($files)"
    if suffix == ".jsonl":
        return "select count(*) from read_json_objects($files, format = 'newline_delimited')"
    records = spec.pages.records if spec.pages is not None else RECORD_LISTS.get(spec.name)
    if records is None:
        return "select count(*) from read_json_objects($files, format = 'auto')"
    return (
        f"select coalesce(sum(json_array_length(json, '{records}')), 0) "
        "from read_json_objects($files, format = 'auto')"
    )


def read_all(sources: Path) -> dict:
    """Files, bytes, rows and seconds per raw table, and their totals."""
    tables = {}
    with duckdb.connect() as conn:
        for spec in ALL_SPECS:
            files = input_files(spec, sources)
            if not files:
                continue
            started = time.monotonic()
            query = count_query(spec, files)
            result = conn.execute(query, {"files": [str(f) for f in files]})
            if query.endswith("read_blob($files)"):  # lines after each file's header
                rows = sum(content.count(b"\n") - 1 for (content,) in result.fetchall())
            else:
                (rows,) = result.fetchone()
            tables[spec.name] = {
                "files": len(files),
                "bytes": sum(f.stat().st_size for f in files),
                "rows": int(rows),
                "seconds": time.monotonic() - started,
            }
    totals = {key: sum(t[key] for t in tables.values())
              for key in ("files", "bytes", "rows", "seconds")}  # fmt: skip
    return {"tables": tables, **totals}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--figures", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    figures = read_all(args.sources)
    text = json.dumps(figures, indent=1)
    print(text)
    if args.figures:
        args.figures.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CLI: python -m ingestion.simulator --out DIR [--customers N --days D --seed S --next-day]."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from .simulate import simulate_brand


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.simulator",
        description="Write the demo brand's source files and ground truth.",
    )
    parser.add_argument("--out", type=Path, required=True, help="source root to write into")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start-date", type=date.fromisoformat, default=date(2024, 1, 1))
    parser.add_argument("--bad-row-rate", type=float, default=0.0)
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the simulator's own folders"
    )
    parser.add_argument(
        "--next-day",
        action="store_true",
        help="add the files arriving on day DAYS to a folder written with DAYS-1",
    )
    args = parser.parse_args(argv)
    try:
        summary = simulate_brand(
            args.out,
            customers=args.customers,
            days=args.days,
            seed=args.seed,
            start_date=args.start_date,
            bad_row_rate=args.bad_row_rate,
            overwrite=args.overwrite,
            mode="next_day" if args.next_day else "history",
        )
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        parser.error(str(exc))
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

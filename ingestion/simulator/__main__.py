"""CLI: python -m ingestion.simulator --out DIR --customers N --days D --seed S."""

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
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start-date", type=date.fromisoformat, default=date(2025, 7, 1))
    parser.add_argument("--bad-row-rate", type=float, default=0.0)
    parser.add_argument(
        "--overwrite", action="store_true", help="replace tmall/, pos/, wecom/, _ground_truth/"
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
        )
    except (FileExistsError, ValueError) as exc:
        parser.error(str(exc))
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

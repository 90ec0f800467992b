"""`python -m publish.recover`: restore $SIYU_HOME/publish/siyu.duckdb from the last good copy
when it does not open (a damaged file); do nothing when it opens."""

from __future__ import annotations

import sys

from ingestion.settings import load_settings
from publish.swap import PublishLayout, recover_bi_database
from publish.writer import PublishError


def main() -> int:
    layout = PublishLayout(load_settings().home / "publish")
    try:
        recovery = recover_bi_database(layout)
    except PublishError as error:
        print(error)
        return 1
    if recovery.restored:
        print(f"Restored {layout.database} from {layout.previous}")
        if recovery.damaged_copy is not None:
            print(f"The damaged file was moved to {recovery.damaged_copy}")
    else:
        print(f"{layout.database} opens and matches its manifest: nothing to recover")
    return 0


if __name__ == "__main__":
    sys.exit(main())

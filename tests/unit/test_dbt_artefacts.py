"""dbt's artefacts are kept per run, whatever the number of dbt steps a run had."""

import os

from orchestration.defs.transform.dbt_models import KEEP_RUN_ARTEFACTS, _prune_old_artefacts


def test_the_folders_of_the_latest_runs_and_of_the_current_run_are_kept(tmp_path):
    runs = [f"0000000{n}-aaaa-bbbb-cccc-dddddddddddd" for n in range(KEEP_RUN_ARTEFACTS + 2)]
    for age, run_id in enumerate(runs):
        for step in ("a1b2c3", "d4e5f6", "0a0b0c"):  # three dbt steps per run
            folder = tmp_path / f"{run_id}-{step}"
            folder.mkdir()
            os.utime(folder, (1_000 + age, 1_000 + age))
    current = "ffffffff-aaaa-bbbb-cccc-dddddddddddd"
    (tmp_path / f"{current}-123456").mkdir()
    os.utime(tmp_path / f"{current}-123456", (1, 1))  # oldest mtime, but the run going on

    _prune_old_artefacts(tmp_path, keep_run=current)

    left = {folder.name.rsplit("-", 1)[0] for folder in tmp_path.iterdir()}
    assert left == {current, *runs[-(KEEP_RUN_ARTEFACTS - 1) :]}
    assert len(list(tmp_path.iterdir())) == 1 + 3 * (KEEP_RUN_ARTEFACTS - 1)

"""make bench's pure parts: staged figures merged, targets judged, the report block rendered."""

import pytest

from benchmarks.figures import (
    full_build,
    load_figures,
    merge_figures,
    new_figures,
    save_figures,
    stage_summary,
)
from benchmarks.report import (
    END,
    START,
    full_build_steps,
    render,
    replace_block,
    targets,
    verdict,
)


def measured(wall, cpu=1.0, peak=1.0):
    return {"rounds": [{"wall_s": wall, "cpu_s": cpu, "peak_rss_gb": peak}]}


def brand_with(**stages):
    figures = new_figures(1_000_000, 730)
    figures["stages"] = {name: measured(*values) for name, values in stages.items()}
    return figures


def test_a_later_stage_run_adds_to_the_earlier_figures_and_replaces_what_it_remeasured():
    earlier = brand_with(simulate=(700.0,), ingest=(3000.0,))
    earlier["details"] = {"lower_bound": {"rows": 5}}
    later = {"stages": {"ingest": measured(2000.0), "build": measured(250.0)}, "details": {}}

    merged = merge_figures(earlier, later)

    assert set(merged["stages"]) == {"simulate", "ingest", "build"}
    assert stage_summary(merged, "ingest")["wall_s"] == 2000.0
    assert stage_summary(merged, "simulate")["wall_s"] == 700.0
    assert merged["details"] == {"lower_bound": {"rows": 5}}
    assert merged["brand"] == {"customers": 1_000_000, "days": 730}


def test_figures_survive_the_file_between_runs(tmp_path):
    figures = brand_with(build=(12.5, 20.0, 2.5))
    save_figures(tmp_path / "bench", figures)
    assert load_figures(tmp_path / "bench") == figures
    assert load_figures(tmp_path / "elsewhere") is None


def test_a_stage_of_several_rounds_reports_median_times_and_the_largest_peak():
    figures = new_figures(100, 10)
    figures["stages"]["build"] = {"rounds": [
        {"wall_s": w, "cpu_s": w / 2, "peak_rss_gb": p} for w, p in ((10, 1), (30, 3), (20, 2))
    ]}  # fmt: skip
    assert stage_summary(figures, "build") == {
        "wall_s": 20, "cpu_s": 10, "peak_rss_gb": 3, "rounds": 3, "failed_exit_code": None
    }  # fmt: skip


def test_the_full_build_is_landing_plus_the_build_and_needs_both():
    figures = brand_with(ingest=(200.0, 150.0, 5.0), build=(150.0, 100.0, 7.0))
    assert full_build(figures) == {"wall_s": 350.0, "cpu_s": 250.0, "peak_rss_gb": 7.0}
    assert full_build(brand_with(build=(150.0,))) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(300.0, "met"), (120.0, "met"), (450.0, "missed by 150.0 s (1.5x the target)"),
     (None, "not run")],
)  # fmt: skip
def test_verdict(value, expected):
    assert verdict(value, 300, "s") == expected


def test_targets_say_which_is_missed_and_by_how_much():
    figures = brand_with(
        lower_bound=(20.0, 30.0, 0.5),
        ingest=(200.0, 300.0, 4.0),
        build=(250.0, 400.0, 6.5),
        next_day=(45.0, 60.0, 3.0),
    )
    verdicts = {target: (figure, result) for target, figure, result in targets(figures)}
    assert verdicts["full build ≤ 300 s"] == ("450.0 s", "missed by 150.0 s (1.5x the target)")
    assert verdicts["full build peak RSS ≤ 6 GB"] == (
        "6.50 GB", "missed by 0.5 GB (1.1x the target)"
    )  # fmt: skip
    assert verdicts["next-day run ≤ 60 s"] == ("45.0 s", "met")
    assert verdicts["full build ≤ 10x the lower bound"] == (
        "22.5x", "missed by 12.5 x (2.2x the target)"
    )  # fmt: skip


def test_the_report_shows_stages_not_run_and_leaves_targets_unjudged_without_figures():
    text = render(brand_with(simulate=(776.6, 700.0, 7.14)))
    assert "| simulate the brand (DAYS-1 days of history) | 776.6 | 700.0 | 7.14 |" in text
    assert "| next-day run, one new day of files (`siyu run`) | not run | | |" in text
    assert "| full build ≤ 300 s | not run | not run |" in text
    assert "1,000,000 customers, 729 days of history plus one next day" in text
    assert "OneID against splink" not in text  # no side by side before the identity stage


def test_the_report_puts_splink_and_lifetimes_beside_ours():
    figures = brand_with(identity=(60.0,), clv=(50.0,))
    figures["details"]["identity"] = {
        "figures": {"first_run_s": "6.74", "resolution_peak_rss_gb": "2.30"},
        "splink": {"version": "5.0.0", "records": 10, "link_seconds": 30.0,
                   "link_cpu_seconds": 50.0, "peak_rss_gb": 4.0, "oneid_clusters": 7,
                   "splink_clusters": 8, "identical_clusters": 6, "same_partition": False},
    }  # fmt: skip
    fit = {"fit_seconds": 2.0, "fit_cpu_seconds": 3.0, "peak_rss_gb": 1.0,
           "bgnbd": {"r": 0.81, "alpha": 41.0, "a": 1.1, "b": 8.9},
           "gamma_gamma": {"p": 3.9, "q": 5.1, "gamma": 121.0}}  # fmt: skip
    figures["details"]["clv"] = {
        "ours": fit,
        "lifetimes": {**fit, "version": "0.11.3", "customers": 1000, "fit_seconds": 9.0},
        "truth": {"bgnbd": {"r": 0.8, "alpha": 40.0, "a": 1.2, "b": 9.0},
                  "gamma_gamma": {"p": 4.0, "q": 5.0, "gamma": 120.0}},
    }  # fmt: skip
    text = render(figures)
    assert "| clusters | 7 | 8 |" in text
    assert "| same partition | no | |" in text
    assert "| both fits, wall s | | 2.00 | 9.00 |" in text
    assert "| bgnbd alpha | 40 | 41 | 41 |" in text


def test_only_the_block_between_the_markers_is_replaced():
    document = f"# Benchmarks\n\n{START}\nold figures\n{END}\n\nHand-written notes.\n"
    replaced = replace_block(document, "new figures")
    assert replaced == f"# Benchmarks\n\n{START}\n\nnew figures\n\n{END}\n\nHand-written notes.\n"
    assert replace_block(replaced, "newer").count("Hand-written notes.") == 1
    with pytest.raises(ValueError, match="make bench: start"):
        replace_block("# Benchmarks\n", "new figures")


def test_the_ratio_divides_by_the_reading_alone_when_the_lower_bound_timed_its_queries():
    figures = brand_with(lower_bound=(30.0,), ingest=(200.0,), build=(100.0,))
    ratio = {t: f for t, f, _ in targets(figures)}["full build ≤ 10x the lower bound"]
    assert ratio == "10.0x"  # the stage's wall time
    figures["details"]["lower_bound"] = {"seconds": 20.0}
    ratio = {t: f for t, f, _ in targets(figures)}["full build ≤ 10x the lower bound"]
    assert ratio == "15.0x"


def test_a_failed_build_is_shown_as_failed_and_judges_no_target():
    figures = brand_with(ingest=(200.0,), build=(100.0, 80.0, 2.0))
    figures["stages"]["build"]["rounds"][0]["exit_code"] = 1
    assert full_build(figures) is None
    text = render(figures)
    assert "| nightly build on landed sources (`siyu run`) | failed (exit 1) after 100.0 |" in text
    assert "| full build ≤ 300 s | not run | not run |" in text


def test_the_full_builds_steps_add_the_ingestion_and_build_stages():
    details = {
        "steps_ingest": {"raw__wecom__contacts": 1000.0, "raw__jd__orders": 50.0},
        "steps_build": {"raw__wecom__contacts": 9.0, "siyu_dbt_models": 400.0},
        "steps_rerun": {"siyu_dbt_models": 300.0},  # not part of the full build
    }
    assert full_build_steps(details) == {
        "raw__wecom__contacts": 1009.0,
        "raw__jd__orders": 50.0,
        "siyu_dbt_models": 400.0,
    }
    block = render({**brand_with(build=(300.0,)), "details": details})
    assert "| raw__wecom__contacts | 1,009.0 |" in block

"""The demo brand 青禾: writes every source in its real format, plus `_ground_truth/`.

Framework-free; `python -m ingestion.simulator --out DIR` runs it from the shell.
"""

from .simulate import SimulationSummary, simulate_brand

__all__ = ["SimulationSummary", "simulate_brand"]

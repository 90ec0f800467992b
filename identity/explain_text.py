"""A LinkExplanation as lines for a terminal, with nothing personal in them.

Hashed values (64 hex digits) are cut to 12 characters, enough to tell identifiers apart; other
values (card numbers, openids) show their first 4 characters only. Sources are shown in full:
they are what an engineer opens next.
"""

from __future__ import annotations

import re

from identity.explain import LinkExplanation, LinkStep
from identity.rules import Identifier

_HASH = re.compile(r"[0-9a-f]{64}")


def masked(identifier: Identifier) -> str:
    value = identifier.value
    shown = (
        value[:12] + "…" if _HASH.fullmatch(value) else value[:4] + ("…" if len(value) > 4 else "")
    )
    return f"{identifier.type}:{shown}"


def explanation_lines(answer: LinkExplanation) -> list[str]:
    lines = [f"{masked(answer.a)} ~ {masked(answer.b)}: {answer.verdict}"]
    lines += [f"  {n}. {_step_line(step)}" for n, step in enumerate(answer.steps, start=1)]
    return lines


def _step_line(step: LinkStep) -> str:
    where = f"{step.first_source_table or '?'} {step.first_source_file or '?'}"
    if step.first_source_row is not None:
        where += f" row {step.first_source_row}"
    if step.first_observed_at is not None:
        where += f", first seen {step.first_observed_at:%Y-%m-%d %H:%M}"
    rejected = (
        f"  [rejected: {step.rejected_by}, {step.rejected_detail}]" if step.rejected_by else ""
    )
    return f"{masked(step.left)} - {masked(step.right)}  ({where}){rejected}"

"""The simulator's true WeCom relationships, and the callbacks a test makes WeCom lose.

The full-history brand of conftest.py drops some callbacks before its run, as WeCom loses them,
so the repair from the periodic full contact list is in the data every mart test reads.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from ingestion.simulator.clock import DAY, Period
from ingestion.simulator.people import make_people
from ingestion.simulator.simulate import _world
from ingestion.simulator.wecom import ADD, ALL_GUIDES

START = date(2024, 1, 1)
# which callbacks WeCom "loses": every LOST_DELETE_EVERY-th delete, every LOST_ADD_EVERY-th add
LOST_DELETE_EVERY, LOST_ADD_EVERY = 2, 4


@dataclass(frozen=True)
class Relationship:
    """One true relationship: times are local seconds since START."""

    person_id: str
    external_userid: str
    guide_userid: str
    added: int
    deleted: int | None
    del_type: str | None


def true_relationships(seed: int, customers: int, days: int) -> list[Relationship]:
    """The simulator's relationships added within the horizon; deletes after it are unknown."""
    period = Period(START, days)
    people = make_people(seed, customers, period)
    rel = _world(seed, people, period)["rel"]
    rel = rel[rel["added"] < period.end]
    out = []
    for person, guide, added, deleted, del_type in zip(
        rel["person"], rel["guide"], rel["added"], rel["deleted"], rel["del_type"], strict=True
    ):
        gone = 0 <= deleted < period.end
        out.append(
            Relationship(
                person_id=str(people.person_id[person]),
                external_userid=str(people.external_userid[person]),
                guide_userid=str(ALL_GUIDES[guide]),
                added=int(added),
                deleted=int(deleted) if gone else None,
                del_type=str(del_type) if gone else None,
            )
        )
    return out


def snapshot_days(days: int) -> list[int]:
    return [int(d) for d in Period(START, days).snapshot_days()]


def is_listed(r: Relationship, days: int) -> bool:
    """Whether a contact-list snapshot (taken at the end of its day) shows the relationship."""
    ends = [(d + 1) * DAY - 1 for d in snapshot_days(days)]
    return any(r.added <= at and (r.deleted is None or r.deleted > at) for at in ends)


def drop_callbacks(sources, lost: list[tuple[Relationship, str, int]], period: Period) -> None:
    """Remove the callback lines of `lost` (relationship, ChangeType, local time) from the files."""
    by_file = defaultdict(set)
    for r, change, t in lost:
        name = f"{(START + timedelta(days=t // DAY)):%Y%m%d}.jsonl"
        by_file[name].add((r.external_userid, r.guide_userid, change, period.epoch0 + t))
    for name, wanted in by_file.items():
        path = sources / "wecom" / "events" / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = []
        for line in lines:
            e = json.loads(line)
            key = (e["ExternalUserID"], e["UserID"], e["ChangeType"], e["CreateTime"])
            if key in wanted:
                wanted.discard(key)
            else:
                kept.append(line)
        assert not wanted, f"callbacks not found in {name}: {wanted}"
        assert kept, f"{name} would be empty"  # a day file always keeps a callback
        path.write_text("".join(kept), encoding="utf-8")


def choose_lost(truth: list[Relationship], days: int) -> tuple[set, set]:
    """Every few deletes, and every few adds a snapshot lists (else nothing could repair them);
    never the last callback of a day's file."""
    per_day = defaultdict(int)
    for r in truth:
        per_day[r.added // DAY] += 1
        if r.deleted is not None:
            per_day[r.deleted // DAY] += 1

    def take(candidates, at):
        taken = set()
        for r in candidates:
            if per_day[at(r) // DAY] > 1:
                per_day[at(r) // DAY] -= 1
                taken.add(r)
        return taken

    deleted = sorted((r for r in truth if r.deleted is not None), key=lambda r: r.deleted)
    lost_deletes = take(deleted[::LOST_DELETE_EVERY], lambda r: r.deleted)
    listed = sorted(
        (r for r in truth if is_listed(r, days) and r not in lost_deletes), key=lambda r: r.added
    )
    lost_adds = take(listed[::LOST_ADD_EVERY], lambda r: r.added)
    return lost_adds, lost_deletes


def lose_callbacks(sources, seed: int, customers: int, days: int):
    """Drop some callbacks from the simulated files: (truth, lost adds, lost deletes)."""
    truth = true_relationships(seed, customers, days)
    lost_adds, lost_deletes = choose_lost(truth, days)
    lost = [(r, ADD, r.added) for r in lost_adds]
    lost += [(r, r.del_type, r.deleted) for r in lost_deletes]
    drop_callbacks(sources, lost, Period(START, days))
    return truth, lost_adds, lost_deletes

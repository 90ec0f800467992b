"""How good OneID is against a ground truth: pairwise precision and recall.

Precision: of all pairs of identifiers given the same OneID, the share that belong to one person.
Recall: of all pairs of one person's identifiers that the data makes linkable, the share given
the same OneID. A pair is linkable when the warehouse's own edges join the two identifiers
through identifiers of that same person only: a Douyin buyer whose open_id never appears next to
another identifier cannot be linked by anyone, and does not count against recall.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ingestion.pseudonymise import PseudonymisationKey

# the demo's ground-truth identifier types, as the warehouse names (and hashes) them
_HASHED = {
    "phone": "phone_hash",
    "tmall_buyer_nick": "tmall_buyer_nick_hash",
    "jd_pin": "jd_pin_hash",
}
_AS_IS = ("unionid", "wecom_external_userid", "pos_member_card", "douyin_open_id", "oa_openid")


@dataclass(frozen=True)
class PairwiseScores:
    identifiers_scored: int  # in both the OneID map and the ground truth
    identifiers_unknown: int  # in the OneID map only (none expected on a simulated brand)
    predicted_pairs: int
    correct_pairs: int
    linkable_pairs: int
    found_linkable_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.found_linkable_pairs / self.linkable_pairs if self.linkable_pairs else 1.0


def demo_truth(ground_truth: Path, key: PseudonymisationKey, mall_appid: str) -> pd.DataFrame:
    """The simulator's identities as warehouse identifiers: (type, value, person_id). Junk
    identifiers (a store's phone) are persons of their own, so a merge through one counts as an
    error; a number two persons held (a recycled phone) belongs to the one who got it last."""
    rows = [
        (*_as_warehouse(row, key, mall_appid), row["person_id"])
        for row in _read(ground_truth / "identities.csv")
    ]
    rows += [
        (*_as_warehouse(row, key, mall_appid), f"junk:{row['identifier_value']}")
        for row in _read(ground_truth / "junk_identifiers.csv")
    ]
    frame = pd.DataFrame(rows, columns=["identifier_type", "identifier_value", "person_id"])
    joined = {r["person_id"]: r["joined_on"] for r in _read(ground_truth / "persons.csv")}
    frame = frame.dropna(subset=["identifier_type"]).drop_duplicates()
    frame["joined_on"] = frame["person_id"].map(joined).fillna("")
    frame = frame.sort_values("joined_on", kind="stable")  # the latest holder last
    keys = ["identifier_type", "identifier_value"]
    latest = frame.drop_duplicates(keys, keep="last").drop(columns="joined_on")
    return latest.sort_values(keys).reset_index(drop=True)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _as_warehouse(row: dict[str, str], key: PseudonymisationKey, mall_appid: str):
    """(type, value) as the warehouse names and hashes it; (None, None) for types it lacks."""
    kind, value = row["identifier_type"], row["identifier_value"]
    if kind in _HASHED:
        return _HASHED[kind], key.hmac_hex(value)
    if kind == "mall_openid":
        return kind, f"{mall_appid}/{value}"
    if kind in _AS_IS:
        return kind, value
    return None, None


def _pairs(sizes: pd.Series) -> int:
    n = sizes.to_numpy(dtype=np.int64)
    return int((n * (n - 1) // 2).sum())


def pairwise_scores(conn: duckdb.DuckDBPyConnection, truth: pd.DataFrame) -> PairwiseScores:
    """Score `identity.oneid_map` against `truth` using the graph's edges for linkability."""
    conn.register("truth_identifiers", truth)
    try:
        scored = conn.execute(
            "select m.identifier_type, m.identifier_value, m.oneid, t.person_id "
            "from identity.oneid_map m left join truth_identifiers t "
            "using (identifier_type, identifier_value)"
        ).df()
        edges = conn.execute(
            "select l.person_id as left_person, e.left_type, e.left_value, e.right_type, "
            "e.right_value from intermediate.int_identity__edges e "
            "join truth_identifiers l on l.identifier_type = e.left_type "
            "and l.identifier_value = e.left_value "
            "join truth_identifiers r on r.identifier_type = e.right_type "
            "and r.identifier_value = e.right_value where l.person_id = r.person_id"
        ).df()
    finally:
        conn.unregister("truth_identifiers")
    unknown = int(scored["person_id"].isna().sum())
    scored = scored.dropna(subset=["person_id"]).reset_index(drop=True)
    scored["linkable"] = _linkable_groups(scored, edges)
    return PairwiseScores(
        identifiers_scored=len(scored),
        identifiers_unknown=unknown,
        predicted_pairs=_pairs(scored.groupby("oneid").size()),
        correct_pairs=_pairs(scored.groupby(["oneid", "person_id"]).size()),
        linkable_pairs=_pairs(scored.groupby("linkable").size()),
        found_linkable_pairs=_pairs(scored.groupby(["linkable", "oneid"]).size()),
    )


def _linkable_groups(scored: pd.DataFrame, same_person_edges: pd.DataFrame) -> np.ndarray:
    """Connected components over the edges whose two ends are one person's identifiers."""
    node = pd.Series(
        np.arange(len(scored)),
        index=pd.MultiIndex.from_frame(scored[["identifier_type", "identifier_value"]]),
    )
    left = node.reindex(pd.MultiIndex.from_frame(same_person_edges[["left_type", "left_value"]]))
    right = node.reindex(pd.MultiIndex.from_frame(same_person_edges[["right_type", "right_value"]]))
    known = left.notna().to_numpy() & right.notna().to_numpy()
    rows, cols = left.to_numpy()[known].astype(np.int64), right.to_numpy()[known].astype(np.int64)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), (len(node),) * 2)
    return connected_components(graph, directed=False)[1]

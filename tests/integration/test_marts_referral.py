"""The referral (裂变) marts, checked against the simulator's ground truth."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from .conftest import read_csv

INVITES_FACT = "marts.fct_referral_invites"
CAMPAIGNS_MART = "marts.mart_referral__campaigns"
TREES_MART = "marts.mart_referral__trees"
# the farm rules read device and timing fields, not the simulator's label: a self-invite sent
# inside a farm's burst by the farm's own inviter would be counted as farm
FARM_TOLERANCE = (1, 0.05)


@pytest.fixture(scope="module")
def built(full_history_brand):
    return full_history_brand.pipeline


@pytest.fixture(scope="module")
def truth(built):
    return {
        row["campaign_id"]: {k: int(row[k]) for k in ("invites", "self_invites", "farm_invites")}
        for row in read_csv(built.ground_truth / "referral.csv")
    }


@pytest.fixture(scope="module")
def campaigns(built):
    columns = (
        "campaign_id",
        "invites",
        "self_invites",
        "farm_invites",
        "rejected_invites",
        "fraud_invites",
        "valid_invites",
        "inviters",
        "valid_inviters",
        "invitees",
        "converted_invitees",
        "k_factor",
        "root_inviters",
        "tree_depth",
        "first_invited_date",
        "last_invited_date",
    )
    rows = built.query(f"select {', '.join(columns)} from {CAMPAIGNS_MART}")
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}


def test_campaign_counts_match_ground_truth(truth, campaigns):
    # the 100-day brand holds the first campaign (days 30-43) and nothing after it
    assert truth and set(campaigns) == set(truth)
    for campaign, expected in truth.items():
        row = campaigns[campaign]
        assert row["invites"] == expected["invites"], campaign
        assert row["self_invites"] == expected["self_invites"], campaign
        absolute, relative = FARM_TOLERANCE
        farm = expected["farm_invites"]
        assert farm > 0 and abs(row["farm_invites"] - farm) <= max(absolute, relative * farm)
        assert row["invites"] == row["valid_invites"] + row["fraud_invites"]


def test_valid_invitees_are_the_people_referral_brought_in(built, campaigns):
    """Every person the simulator acquired through referral is a valid invitee of the campaign
    that ran on their joining day, and nobody else is."""
    joined = [
        row["joined_on"]
        for row in read_csv(built.ground_truth / "persons.csv")
        if row["acquisition_channel"] == "referral" and row["joined_on"]
    ]
    for campaign, row in campaigns.items():
        first, last = str(row["first_invited_date"]), str(row["last_invited_date"])
        expected = sum(first <= day <= last for day in joined)
        assert expected > 0
        assert row["invitees"] == expected, campaign


def test_fraud_flags_match_the_invitees_ground_truth_identity(built):
    """Per invite: the invitee's person in identities.csv is a farm account (`F…`), the inviter
    (self-invite) or a real person, and the fact's fraud reason says the same."""
    person_of = {
        (row["identifier_type"], row["identifier_value"]): row["person_id"]
        for row in read_csv(built.ground_truth / "identities.csv")
    }
    rows = built.query(
        "select stg.inviter_unionid, stg.invitee_openid, fct.fraud_reason "
        f"from {INVITES_FACT} as fct inner join staging.stg_referral__invites as stg "
        "using (event_id)"
    )
    pairs = Counter()
    for inviter_unionid, invitee_openid, reason in rows:
        invitee = person_of[("mall_openid", invitee_openid)]
        if invitee.startswith("F"):
            label = "invite_farm"
        elif invitee == person_of[("unionid", inviter_unionid)]:
            label = "self_invite"
        else:
            label = None
        pairs[(label, reason)] += 1
    real_flagged = sum(n for (label, reason), n in pairs.items() if label is None and reason)
    fraud_missed = sum(n for (label, reason), n in pairs.items() if label and reason is None)
    assert pairs[(None, None)] > 0 and pairs[("invite_farm", "invite_farm")] > 0
    assert real_flagged == 0, pairs
    assert fraud_missed == 0, pairs


def test_k_factor_and_trees_add_up(built, campaigns):
    trees = defaultdict(list)
    for campaign, size, depth, converted in built.query(
        f"select campaign_id, tree_size, tree_depth, converted_descendants from {TREES_MART}"
    ):
        trees[campaign].append((size, depth, converted))
    for campaign, row in campaigns.items():
        assert 0 <= row["converted_invitees"] <= row["invitees"] <= row["valid_invites"]
        assert row["valid_inviters"] <= row["inviters"]
        if row["valid_inviters"]:
            k_factor = row["converted_invitees"] / row["valid_inviters"]
            assert row["k_factor"] == pytest.approx(k_factor)
        else:
            assert row["k_factor"] is None
        # no invitee of the simulator is credited twice or sits on a loop: trees hold them all
        assert sum(size for size, _, _ in trees[campaign]) == row["invitees"]
        assert sum(converted for *_, converted in trees[campaign]) == row["converted_invitees"]
        assert len(trees[campaign]) == row["root_inviters"]
        assert max((depth for _, depth, _ in trees[campaign]), default=0) == row["tree_depth"]

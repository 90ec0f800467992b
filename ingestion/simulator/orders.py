"""Online orders of one platform and each order's status timeline.

Each order's whole future (payment, shipping, completion or refund) is drawn when it is
created; a file then shows the status as of its export time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .brand import PRODUCT_PRICE_CENTS, PRODUCT_WEIGHTS
from .clock import BLOCK_DAYS, DAY, HOUR, ONLINE_HOURS, Period, sample_days, time_of_day
from .people import People
from .rand import stream
from .text import choice, draw_unique

# Outcomes drawn at creation.
COMPLETED, UNPAID, REFUNDED = 0, 1, 2
OUTCOME_WEIGHTS = np.array([0.88, 0.05, 0.07])
# Statuses at a moment, shared by every platform; each source maps them to its own labels.
CREATED, PAID, SHIPPED, DONE, CLOSED, REFUNDING, REFUNDED_ST = range(7)
NONE = -1
FREE_SHIPPING_CENTS = 4900
POSTAGE_CENTS = 600
MIDNIGHT_RUSH = 0.30  # share of Double 11 orders placed in its first hour
# Mostly one or two items; a few office gift orders of 6 or 10.
QUANTITIES = np.array([1, 2, 3, 6, 10])
QUANTITY_WEIGHTS = np.array([0.75, 0.17, 0.05, 0.02, 0.01])


@dataclass(frozen=True)
class OrderPlan:
    """How one platform's orders are drawn."""

    name: str
    rate: float  # orders per active day of a buyer of propensity 1
    close_unpaid_hours: tuple[float, float]  # unpaid orders close this long after creation
    serial_digits: int = 12  # per-block order serial width; the block index is prepended
    postage: bool = True


def _block_orders(
    seed: int, plan: OrderPlan, people: People, period: Period, buyers: np.ndarray, q: int
) -> pd.DataFrame:
    rng = stream(seed, "orders", plan.name, q)
    first = q * BLOCK_DAYS
    weights = period.weights("online", np.arange(first, first + BLOCK_DAYS)).sum()
    lam = plan.rate * people.propensity * weights * buyers
    person = np.repeat(np.arange(people.n), rng.poisson(lam))
    day = sample_days(rng, period, "online", first, BLOCK_DAYS, len(person))
    t = day * DAY + time_of_day(rng, ONLINE_HOURS, len(person))
    month, dom, _ = period.fields(day)
    rush = (month == 11) & (dom == 11) & (rng.random(len(person)) < MIDNIGHT_RUSH)
    t = np.where(rush, day * DAY + rng.integers(0, HOUR, size=len(person)), t)
    active = (t >= people.joined[person]) & (t < people.active_until[person])
    person, t = person[active], t[active]
    # The first order of a person acquired here is the acquisition itself.
    joined = people.joined
    new = np.flatnonzero(
        (people.acquisition == plan.name)
        & (joined >= first * DAY)
        & (joined < (first + BLOCK_DAYS) * DAY)
    )
    person = np.concatenate([person, new])
    t = np.concatenate([t, joined[new]])
    orders = draw_attributes(rng, plan, person, t)
    block_no = draw_unique(lambda k: rng.integers(0, 10**plan.serial_digits, size=k), len(orders))
    orders["serial"] = (q + 100) * 10**plan.serial_digits + block_no  # unique across blocks
    return orders


def draw_attributes(
    rng: np.random.Generator, plan: OrderPlan, person: np.ndarray, t: np.ndarray
) -> pd.DataFrame:
    """Products, amounts and the status timeline of orders placed by person at t."""
    n = len(person)
    outcome = choice(rng, OUTCOME_WEIGHTS, n)
    product = choice(rng, PRODUCT_WEIGHTS, n)
    quantity = QUANTITIES[choice(rng, QUANTITY_WEIGHTS, n)]
    goods = PRODUCT_PRICE_CENTS[product] * quantity
    postage = np.where(goods >= FREE_SHIPPING_CENTS, 0, POSTAGE_CENTS) if plan.postage else 0
    day_end = (t // DAY + 1) * DAY - 1
    pay = np.minimum(t + 5 + rng.exponential(180, size=n).astype(np.int64), day_end)
    paid = outcome != UNPAID
    lo, hi = plan.close_unpaid_hours
    closed = t + (rng.uniform(lo, hi, size=n) * HOUR).astype(np.int64)
    shipped = pay + rng.integers(3 * HOUR, 40 * HOUR, size=n)
    done = shipped + rng.integers(4 * DAY, 11 * DAY, size=n)
    refund_req = pay + rng.integers(HOUR, 7 * DAY, size=n)
    refunded_at = refund_req + rng.integers(2 * HOUR, 3 * DAY, size=n)
    refunded = outcome == REFUNDED
    shipped = np.where(paid & ~(refunded & (refund_req < shipped)), shipped, NONE)
    return pd.DataFrame(
        {
            "person": person,
            "created": t,
            "outcome": outcome,
            "product": product,
            "quantity": quantity,
            "goods": goods,
            "postage": postage + np.zeros(n, dtype=np.int64),
            "total": goods + postage,
            "paid_at": np.where(paid, pay, NONE),
            "shipped_at": shipped,
            "done_at": np.where(outcome == COMPLETED, done, NONE),
            "closed_at": np.where(paid, NONE, closed),
            "refund_req_at": np.where(refunded, refund_req, NONE),
            "refunded_at": np.where(refunded, refunded_at, NONE),
        }
    )


def make_orders(
    seed: int, plan: OrderPlan, people: People, period: Period, buyers: np.ndarray
) -> pd.DataFrame:
    """Every order of the platform whose block starts within the horizon, by creation time."""
    frames = [_block_orders(seed, plan, people, period, buyers, q) for q in period.blocks]
    return sort_orders(pd.concat(frames, ignore_index=True), period)


def sort_orders(orders: pd.DataFrame, period: Period) -> pd.DataFrame:
    """By creation time then serial, cut at the horizon."""
    order = np.lexsort((orders["serial"].to_numpy(), orders["created"].to_numpy()))
    orders = orders.iloc[order].reset_index(drop=True)
    return orders[orders["created"] < period.end].reset_index(drop=True)


def status_at(o: pd.DataFrame, at: np.ndarray | int) -> np.ndarray:
    """Status of each order at local second(s) `at` (a refund in progress keeps REFUNDING)."""
    at = np.asarray(at)
    paid, shipped, done = (
        o["paid_at"].to_numpy(),
        o["shipped_at"].to_numpy(),
        o["done_at"].to_numpy(),
    )
    closed, req, ref = (
        o["closed_at"].to_numpy(),
        o["refund_req_at"].to_numpy(),
        o["refunded_at"].to_numpy(),
    )
    status = np.full(len(o), CREATED)
    status = np.where((paid >= 0) & (at >= paid), PAID, status)
    status = np.where((shipped >= 0) & (at >= shipped), SHIPPED, status)
    status = np.where((done >= 0) & (at >= done), DONE, status)
    status = np.where((closed >= 0) & (at >= closed), CLOSED, status)
    status = np.where((req >= 0) & (at >= req), REFUNDING, status)
    return np.where((ref >= 0) & (at >= ref), REFUNDED_ST, status)


def before_refund(o: pd.DataFrame, at: np.ndarray | int) -> np.ndarray:
    """The status a platform still shows while a refund is in progress (paid or shipped)."""
    shipped = o["shipped_at"].to_numpy()
    return np.where((shipped >= 0) & (np.asarray(at) >= shipped), SHIPPED, PAID)


def updates(o: pd.DataFrame, last_second: int) -> pd.DataFrame:
    """One row per (order, day) on which the order changed, with the day's last change time.

    Rows: order (position in o), updated_at; sorted by update day then creation order.
    """
    cols = ["created", "paid_at", "shipped_at", "done_at", "closed_at", "refunded_at"]
    times = np.concatenate([o[c].to_numpy() for c in cols])
    idx = np.tile(np.arange(len(o)), len(cols))
    keep = (times >= 0) & (times <= last_second)
    times, idx = times[keep], idx[keep]
    day = times // DAY
    order = np.lexsort((times, idx, day))
    times, idx, day = times[order], idx[order], day[order]
    last = np.r_[(idx[1:] != idx[:-1]) | (day[1:] != day[:-1]), True][: len(idx)]
    return pd.DataFrame({"order": idx[last], "updated_at": times[last], "day": day[last]})


def extra_orders(
    seed: int, plan: OrderPlan, label: int, person: np.ndarray, t: np.ndarray
) -> pd.DataFrame:
    """Orders caused by something else (a referral, a call), drawn from their own stream."""
    rng = stream(seed, "orders", plan.name, "extra", label)
    orders = draw_attributes(rng, plan, person, t)
    serial = draw_unique(lambda k: rng.integers(0, 10**plan.serial_digits, size=k), len(orders))
    orders["serial"] = (900 + label) * 10**plan.serial_digits + serial
    return orders


def observed(o: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """Orders as seen at `at`: creation time, paid, paid and refunded amounts (cents)."""
    paid = (o["paid_at"].to_numpy() >= 0) & (o["paid_at"].to_numpy() <= at)
    refunded = status_at(o, at) == REFUNDED_ST
    total = o["total"].to_numpy()
    return pd.DataFrame(
        {
            "created": o["created"].to_numpy(),
            "paid": paid,
            "paid_amount": np.where(paid, total, 0),
            "refund_amount": np.where(refunded, total, 0),
        }
    )


def latest(orders: pd.DataFrame, up: pd.DataFrame) -> pd.DataFrame:
    """Each order as of its last update within the horizon."""
    last = up.drop_duplicates("order", keep="last")
    return observed(orders.iloc[last["order"].to_numpy()], last["updated_at"].to_numpy())

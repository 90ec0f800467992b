"""The BG/NBD model (Fader, Hardie & Lee 2005, Marketing Science 24(2):275-284).

A customer buys as a Poisson process with rate λ ~ Gamma(r, α) while alive, and after each
purchase drops out with probability p ~ Beta(a, b). Inputs per customer: x repeat purchases,
t_x the time of the last purchase and T the time of the end of observation, both measured from
the first purchase, in one time unit (siyu uses days; see docs/clv.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from clv.optimisation import reached_optimum

# log-parameters are kept within these bounds: beyond them the optimum is degenerate anyway
_LOG_BOUND = 15.0
# the conditional expectation has a removable singularity at a = 1
_A_SINGULAR = 1e-7


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float

    def as_array(self) -> np.ndarray:
        return np.array([self.r, self.alpha, self.a, self.b])


@dataclass(frozen=True)
class BgNbdFit:
    params: BgNbdParams
    log_likelihood: float  # summed over customers (weights included)
    converged: bool
    iterations: int
    message: str


def log_likelihood(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T), FHL 2005 eq. 6, summed on the log scale."""
    r, alpha, a, b = params.as_array()
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    still_alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    # the second term exists only for repeat buyers; x=1 keeps betaln defined where it is unused
    x_safe = np.maximum(x, 1.0)
    dropped_after_last = betaln(a + 1, b + x_safe - 1) - (r + x) * np.log(alpha + t_x)
    both = np.logaddexp(still_alive, dropped_after_last)
    return common + np.where(x > 0, both, still_alive)


class _Histories:
    """Customers' histories with the terms that depend on x, t_x or T alone computed once per
    distinct value: a fit evaluates the likelihood a hundred times on up to millions of rows."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray) -> None:
        self.x_levels, self.x_index = np.unique(x, return_inverse=True)
        self.t_x_levels, self.t_x_index = np.unique(t_x, return_inverse=True)
        self.T_levels, self.T_index = np.unique(T, return_inverse=True)
        self.x, self.w, self.total = x, w, w.sum()
        self.repeat = x > 0
        self.weight_per_x = np.bincount(self.x_index, weights=w)

    def log_likelihood(self, params: BgNbdParams) -> float:
        """Σ weight × log-likelihood, the same sum as log_likelihood() gives."""
        return self.value_and_gradient(params)[0]

    def value_and_gradient(self, params: BgNbdParams) -> tuple[float, np.ndarray]:
        """Σ weight × log-likelihood and its gradient in (log r, log α, log a, log b)."""
        r, alpha, a, b = params.as_array()
        xs = self.x_levels
        x_safe = np.maximum(xs, 1.0)
        common = gammaln(r + xs) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        T_shift = (alpha + self.T_levels)[self.T_index]
        t_x_shift = (alpha + self.t_x_levels)[self.t_x_index]
        log_T, log_t_x = np.log(T_shift), np.log(t_x_shift)
        exponent = r + self.x
        still_alive = betaln(a, b + xs)[self.x_index] - exponent * log_T
        dropped = betaln(a + 1, b + x_safe - 1)[self.x_index] - exponent * log_t_x
        per_history = np.where(self.repeat, np.logaddexp(still_alive, dropped), still_alive)
        value = float(np.dot(self.weight_per_x, common) + np.dot(self.w, per_history))

        # share of each history's likelihood from "still alive" (1 without repeat purchases)
        alive_share = np.where(self.repeat, np.exp(still_alive - per_history), 1.0)
        w_alive, w_dropped = self.w * alive_share, self.w * (1 - alive_share)
        w_alive_x = np.bincount(self.x_index, weights=w_alive, minlength=len(xs))
        w_dropped_x = np.bincount(self.x_index, weights=w_dropped, minlength=len(xs))
        psi_abx = digamma(a + b + xs)
        d_common = np.array(
            [
                digamma(r + xs) - digamma(r) + np.log(alpha),
                np.full_like(xs, r / alpha),
                np.full_like(xs, digamma(a + b) - digamma(a)),
                np.full_like(xs, digamma(a + b) - digamma(b)),
            ]
        )
        grad = d_common @ self.weight_per_x
        grad += np.array(
            [
                -np.dot(w_alive, log_T) - np.dot(w_dropped, log_t_x),
                -np.dot(w_alive, exponent / T_shift) - np.dot(w_dropped, exponent / t_x_shift),
                np.dot(w_alive_x, digamma(a) - psi_abx)
                + np.dot(w_dropped_x, digamma(a + 1) - psi_abx),
                np.dot(w_alive_x, digamma(b + xs) - psi_abx)
                + np.dot(w_dropped_x, digamma(b + x_safe - 1) - psi_abx),
            ]
        )
        return value, grad * params.as_array()


def fit(
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
    initial: BgNbdParams | None = None,
) -> BgNbdFit:
    """Maximum-likelihood fit on log-parameters (so all four stay positive)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    histories = _Histories(x, t_x, T, w)
    if initial is None:
        initial = BgNbdParams(r=1.0, alpha=max(float(np.average(T, weights=w)), 1.0), a=1.0, b=1.0)

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = histories.value_and_gradient(BgNbdParams(*np.exp(log_params)))
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros(4)
        return -value / histories.total, -grad / histories.total

    result = minimize(
        objective,
        np.log(initial.as_array()),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 4,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
    )
    params = BgNbdParams(*(float(v) for v in np.exp(result.x)))
    at_bound = bool(np.any(np.abs(result.x) >= _LOG_BOUND - 1e-6))
    return BgNbdFit(
        params=params,
        log_likelihood=-float(result.fun) * histories.total,
        converged=reached_optimum(result) and not at_bound,
        iterations=int(result.nit),
        message=str(result.message) + (" (a parameter hit its bound)" if at_bound else ""),
    )


def p_alive(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive at T | x, t_x, T), FHL 2005 eq. 11; 1 for a customer without repeat purchases."""
    r, alpha, a, b = params.as_array()
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    x_safe = np.maximum(x, 1.0)
    # the odds of having dropped out, in logs: thousands of purchases must not overflow
    log_odds_dead = (
        np.log(a) - np.log(b + x_safe - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def expected_purchases(
    params: BgNbdParams, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next t time units, FHL 2005 eq. 10.

    The hypergeometric term ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) is evaluated after
    Euler's transformation as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose first two
    parameters do not grow with x: a customer with thousands of purchases neither overflows
    nor loses the series' convergence.
    """
    r, alpha, a, b = params.as_array()
    if abs(a - 1.0) < _A_SINGULAR:
        a = 1.0 + _A_SINGULAR
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if t <= 0:
        return np.zeros(np.broadcast(x, t_x, T).shape)
    z = t / (alpha + T + t)
    c = a + b + x - 1
    hyper = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, c, z)
    if_alive = c / (a - 1) * (1.0 - hyper)
    return if_alive * p_alive(params, x, t_x, T)


def expected_purchases_new_customer(params: BgNbdParams, t: float) -> float:
    """E[X(t)]: expected purchases of a customer observed from time 0, FHL 2005 eq. 9."""
    r, alpha, a, b = params.as_array()
    if abs(a - 1.0) < _A_SINGULAR:
        a = 1.0 + _A_SINGULAR
    z = t / (alpha + t)
    hyper = (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z)
    return float((a + b - 1) / (a - 1) * (1.0 - hyper))

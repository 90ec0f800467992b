"""The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005, JMR 42(4):415-430;
Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value").

A customer's purchase amounts are Gamma(p, ν), with ν ~ Gamma(q, γ) across customers. Inputs per
repeat customer: x repeat purchases and m their mean amount (> 0). Spend is assumed independent
of the purchase process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

from clv.optimisation import reached_optimum

_LOG_BOUND = 15.0


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float

    def as_array(self) -> np.ndarray:
        return np.array([self.p, self.q, self.gamma])

    @property
    def population_mean_spend(self) -> float:
        """E[M] = pγ/(q-1): the mean spend per purchase of a customer we know nothing about."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")


@dataclass(frozen=True)
class GammaGammaFit:
    params: GammaGammaParams
    log_likelihood: float
    converged: bool
    customers: int  # repeat customers with a positive mean spend the fit used
    message: str


def log_likelihood(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Log-density of each customer's mean spend m over x purchases (FH 2013, eq. 4)."""
    p, q, gamma = params.as_array()
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x)
        + (px - 1) * np.log(m)
        - (px + q) * np.log(gamma + x * m)
    )


def usable(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Repeat customers with a positive, finite mean spend: only they inform the fit."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return (x > 0) & np.isfinite(m) & (m > 0)


def fit(x: np.ndarray, m: np.ndarray) -> GammaGammaFit:
    """Maximum-likelihood fit on the usable customers, on log-parameters."""
    keep = usable(x, m)
    x, m = np.asarray(x, dtype=float)[keep], np.asarray(m, dtype=float)[keep]
    n = len(x)
    if n < 2:
        nan = GammaGammaParams(float("nan"), float("nan"), float("nan"))
        return GammaGammaFit(nan, float("nan"), False, n, "fewer than 2 repeat customers")

    # the terms in x alone are summed per distinct x, those in m alone once
    x_levels, x_index = np.unique(x, return_inverse=True)
    per_x = np.bincount(x_index)
    log_m_per_x = np.bincount(x_index, weights=np.log(m))
    sum_log_m = log_m_per_x.sum()

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, gamma = np.exp(log_params)
        px = p * x_levels
        per_level = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
        per_level += px * np.log(x_levels)
        log_total = np.log(gamma + x * m)
        total = np.dot(per_x, per_level) + p * np.dot(x_levels, log_m_per_x) - sum_log_m
        total -= np.dot(p * x + q, log_total)
        psi_pxq = digamma(px + q)
        d_p = np.dot(per_x * x_levels, psi_pxq - digamma(px) + np.log(x_levels))
        d_p += np.dot(x_levels, log_m_per_x) - np.dot(x, log_total)
        d_q = np.dot(per_x, psi_pxq - digamma(q) + np.log(gamma)) - log_total.sum()
        d_gamma = n * q / gamma - np.sum((p * x + q) / (gamma + x * m))
        grad = np.array([d_p * p, d_q * q, d_gamma * gamma])
        if not (np.isfinite(total) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros(3)
        return -float(total) / n, -grad / n

    # start at q = 2 and the γ that makes the prior mean the observed mean
    start = np.log([1.0, 2.0, float(np.mean(m))])
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 3,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
    )
    params = GammaGammaParams(*(float(v) for v in np.exp(result.x)))
    at_bound = bool(np.any(np.abs(result.x) >= _LOG_BOUND - 1e-6))
    return GammaGammaFit(
        params=params,
        log_likelihood=-float(result.fun) * n,
        # q ≤ 1 leaves the population mean infinite: no usable spend prediction
        converged=reached_optimum(result) and not at_bound and bool(params.q > 1),
        customers=n,
        message=str(result.message) + (" (a parameter hit its bound)" if at_bound else ""),
    )


def expected_average_spend(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[M | x, m] (FH 2013, eq. 5): a weighted mean of the population mean and the customer's.

    A customer without repeat purchases (x = 0) gets the population mean. A repeat customer
    whose purchases net to nothing or less (refunded, zero-value) is taken at m = 0, so the
    prediction shrinks towards 0 as such purchases accumulate and never turns negative.
    """
    p, q = params.p, params.q
    x = np.asarray(x, dtype=float)
    m = np.clip(np.nan_to_num(np.asarray(m, dtype=float), nan=0.0), 0.0, None)
    own_weight = p * x / (p * x + q - 1)
    return (1 - own_weight) * params.population_mean_spend + own_weight * m

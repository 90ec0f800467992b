"""The BG/NBD and Gamma-Gamma models of clv/, against published fits on real data and against
computations that share no code with them (the paper's formulas written out, numerical
integration over the individual-level model, a plain series for the hypergeometric function).

Data: the CDNOW sample of 2,357 customers who first bought in the first quarter of 1997, 39-week
calibration period, as distributed with the `lifetimes` package (dev extra):
- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
  An Alternative to the Pareto/NBD Model. Marketing Science 24(2):275-284. BG/NBD MLE:
  r = 0.243, α = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4.
- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves for
  Customer Base Analysis. Journal of Marketing Research 42(4):415-430; and Fader & Hardie
  (2013), "The Gamma-Gamma Model of Monetary Value": on the 946 repeat customers' mean repeat
  transaction values, p = 6.25, q = 3.74, γ = 15.44.
"""

from __future__ import annotations

import csv
import importlib.metadata
import math

import numpy as np
import pytest
from scipy import integrate, stats

from clv import bgnbd, gamma_gamma
from clv.bgnbd import BgNbdParams
from clv.gamma_gamma import GammaGammaParams

PUBLISHED_BGNBD = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_BGNBD_LOG_LIKELIHOOD = -9582.4
PUBLISHED_GAMMA_GAMMA = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
CDNOW_CUSTOMERS, CDNOW_REPEAT_CUSTOMERS = 2357, 946
# parameters of the demo brand's fit in days (a > 1, unlike CDNOW)
DEMO_LIKE = BgNbdParams(r=1.21, alpha=38.8, a=1.80, b=21.6)


def cdnow() -> dict[str, np.ndarray]:
    """The CDNOW summary (x, t_x, T in weeks; zbar the mean repeat transaction value), read
    from the installed package's files without importing the package."""
    name = "cdnow_customers_summary_with_transactions.csv"
    found = [f for f in importlib.metadata.files("lifetimes") if f.name == name]
    assert found, "the lifetimes package (dev extra) ships the CDNOW sample"
    with open(found[0].locate(), newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {k: np.array([float(row[k]) for row in rows]) for k in ("x", "t_x", "T", "zbar")}


def same_to_two_significant_digits(fitted: float, published: float) -> bool:
    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(published))) - 1)
    return abs(fitted - published) <= half_unit


def beta_fn(a: float, b: float) -> float:
    return math.gamma(a) * math.gamma(b) / math.gamma(a + b)


def paper_likelihood(p: BgNbdParams, x: int, t_x: float, T: float) -> float:
    """FHL 2005 eq. 6 as printed, in plain floats."""
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    scale = math.gamma(r + x) * alpha**r / math.gamma(r)
    alive = beta_fn(a, b + x) / beta_fn(a, b) * scale / (alpha + T) ** (r + x)
    dropped = 0.0
    if x > 0:
        dropped = beta_fn(a + 1, b + x - 1) / beta_fn(a, b) * scale / (alpha + t_x) ** (r + x)
    return alive + dropped


def integrated_over_individuals(p: BgNbdParams, x: int, t_x: float, T: float, t: float):
    """P(alive) and E[Y(t)] by integrating the individual-level model over the Gamma(λ) and
    Beta(p) mixing distributions: no closed form involved."""
    log_rate_norm = p.r * math.log(p.alpha) - math.lgamma(p.r)
    log_dropout_norm = -math.log(beta_fn(p.a, p.b))

    def rate_density(lam):  # Gamma(r, α) written out: scipy.stats is slow inside quad
        return math.exp(log_rate_norm + (p.r - 1) * math.log(lam) - p.alpha * lam)

    def dropout_density(q):
        return math.exp(log_dropout_norm + (p.a - 1) * math.log(q) + (p.b - 1) * math.log1p(-q))

    def alive(lam, q):  # still alive at T after x purchases, the last at t_x
        return (1 - q) ** x * lam**x * math.exp(-lam * T)

    def likelihood(lam, q):
        dropped = q * (1 - q) ** (x - 1) * lam**x * math.exp(-lam * t_x) if x > 0 else 0.0
        return alive(lam, q) + dropped

    def expected_if_alive(lam, q):  # purchases in (T, T+t] of a live customer: (1-e^{-λqt})/q
        return -math.expm1(-lam * q * t) / q

    # the integrands are tiny (λ^x e^{-λT}): judge precision relatively, never absolutely
    # (epsabs=0), and split the rate axis at the integrand's peak so quad cannot miss it
    peak = (x + p.r) / (p.alpha + t_x)
    exact = {"epsabs": 0.0, "epsrel": 1e-8, "limit": 100}

    def integral(f):
        def over_rate(q):
            def g(lam):
                return f(lam, q) * rate_density(lam)

            body = integrate.quad(g, 0, 20 * peak, points=[peak], **exact)[0]
            return body + integrate.quad(g, 20 * peak, np.inf, **exact)[0]

        return integrate.quad(lambda q: over_rate(q) * dropout_density(q), 0, 1, **exact)[0]

    evidence = integral(likelihood)
    return (
        integral(alive) / evidence,
        integral(lambda lam, q: alive(lam, q) * expected_if_alive(lam, q)) / evidence,
    )


def series_hyp2f1(a: float, b: float, c: float, z: float) -> float:
    """Gauss's series, summed term by term (converges for |z| < 1)."""
    total, term, k = 1.0, 1.0, 0
    while abs(term) > 1e-17 * abs(total) or k < 10:
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        k += 1
    return total


# ---------------------------------------------------------------- BG/NBD


def test_bgnbd_reproduces_the_published_cdnow_fit():
    data = cdnow()
    assert len(data["x"]) == CDNOW_CUSTOMERS
    fit = bgnbd.fit(data["x"], data["t_x"], data["T"])
    assert fit.converged, fit.message
    for name in ("r", "alpha", "a", "b"):
        fitted, published = getattr(fit.params, name), getattr(PUBLISHED_BGNBD, name)
        assert same_to_two_significant_digits(fitted, published), (name, fitted, published)
    assert fit.log_likelihood == pytest.approx(PUBLISHED_BGNBD_LOG_LIKELIHOOD, abs=0.05)


def test_bgnbd_fit_with_weights_equals_fit_on_every_customer():
    data = cdnow()
    keys, counts = np.unique(
        np.stack([data["x"], data["t_x"], data["T"]]), axis=1, return_counts=True
    )
    assert len(counts) < CDNOW_CUSTOMERS
    weighted = bgnbd.fit(keys[0], keys[1], keys[2], weights=counts)
    full = bgnbd.fit(data["x"], data["t_x"], data["T"])
    assert weighted.params.as_array() == pytest.approx(full.params.as_array(), rel=1e-4)
    assert weighted.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-9)


@pytest.mark.parametrize(("x", "t_x", "T"), [(2, 30.43, 38.86), (0, 0.0, 38.86), (7, 35.71, 38.86)])
def test_bgnbd_likelihood_matches_the_paper_formula(x, t_x, T):
    expected = math.log(paper_likelihood(PUBLISHED_BGNBD, x, t_x, T))
    assert bgnbd.log_likelihood(PUBLISHED_BGNBD, x, t_x, T) == pytest.approx(expected, rel=1e-12)


def test_bgnbd_likelihood_of_cdnow_at_published_parameters():
    data = cdnow()
    total = sum(
        math.log(paper_likelihood(PUBLISHED_BGNBD, int(x), t_x, T))
        for x, t_x, T in zip(data["x"], data["t_x"], data["T"], strict=True)
    )
    ours = bgnbd.log_likelihood(PUBLISHED_BGNBD, data["x"], data["t_x"], data["T"]).sum()
    assert ours == pytest.approx(total, rel=1e-12)
    assert ours == pytest.approx(PUBLISHED_BGNBD_LOG_LIKELIHOOD, abs=0.1)


@pytest.mark.parametrize(
    ("params", "x", "t_x", "T", "t"),
    [
        (PUBLISHED_BGNBD, 2, 30.43, 38.86, 39.0),  # CDNOW customer 1, the next 39 weeks
        (PUBLISHED_BGNBD, 7, 35.71, 38.86, 39.0),
        (PUBLISHED_BGNBD, 1, 1.71, 38.86, 10.0),
        (DEMO_LIKE, 30, 600.0, 640.0, 90.0),
        (DEMO_LIKE, 3, 100.0, 500.0, 365.0),
    ],
)
def test_p_alive_and_expected_purchases_match_integration(params, x, t_x, T, t):
    alive, expected = integrated_over_individuals(params, x, t_x, T, t)
    assert float(bgnbd.p_alive(params, x, t_x, T)) == pytest.approx(alive, rel=1e-6)
    assert float(bgnbd.expected_purchases(params, t, x, t_x, T)) == pytest.approx(
        expected, rel=1e-6
    )


@pytest.mark.parametrize("params", [PUBLISHED_BGNBD, DEMO_LIKE])
def test_customer_seen_at_their_first_purchase_expects_the_unconditional_count(params):
    # T = 0: nothing observed beyond the first purchase, so E[Y(t)|0,0,0] = E[X(t)] (eq. 9)
    for t in (1.0, 39.0, 365.0):
        conditional = float(bgnbd.expected_purchases(params, t, 0, 0.0, 0.0))
        assert np.isfinite(conditional)
        assert conditional == pytest.approx(
            bgnbd.expected_purchases_new_customer(params, t), rel=1e-9
        )
    assert float(bgnbd.p_alive(params, 0, 0.0, 0.0)) == 1.0
    assert np.isfinite(bgnbd.log_likelihood(params, 0, 0.0, 0.0))


def test_thousands_of_purchases_neither_overflow_nor_drift():
    # one purchase day for 5,000 of 6,000 days; the direct formula's 2F1 term alone is ~e^80
    p, x, t_x, T, t = DEMO_LIKE, 5000, 5990.0, 6000.0, 100.0
    z = t / (p.alpha + T + t)
    direct_hyper = math.exp((p.r + x) * math.log1p(-z)) * series_hyp2f1(
        p.r + x, p.b + x, p.a + p.b + x - 1, z
    )
    odds_dead = p.a / (p.b + x - 1) * ((p.alpha + T) / (p.alpha + t_x)) ** (p.r + x)
    direct = (p.a + p.b + x - 1) / (p.a - 1) * (1 - direct_hyper) / (1 + odds_dead)
    ours = float(bgnbd.expected_purchases(p, t, x, t_x, T))
    assert ours == pytest.approx(direct, rel=1e-8)
    assert 0 < ours < t  # at most one purchase a day … but many
    assert np.isfinite(bgnbd.log_likelihood(p, x, t_x, T))
    assert 0 < float(bgnbd.p_alive(p, x, t_x, T)) <= 1


def test_p_alive_falls_with_time_since_the_last_purchase():
    recency = np.array([38.0, 30.0, 20.0, 10.0, 1.0])
    alive = bgnbd.p_alive(PUBLISHED_BGNBD, np.full(5, 4), recency, np.full(5, 38.86))
    assert np.all(np.diff(alive) < 0)


# ---------------------------------------------------------------- Gamma-Gamma


def test_gamma_gamma_reproduces_the_published_cdnow_fit():
    data = cdnow()
    fit = gamma_gamma.fit(data["x"], data["zbar"])
    assert fit.customers == CDNOW_REPEAT_CUSTOMERS
    assert fit.converged, fit.message
    for name in ("p", "q", "gamma"):
        fitted, published = getattr(fit.params, name), getattr(PUBLISHED_GAMMA_GAMMA, name)
        assert same_to_two_significant_digits(fitted, published), (name, fitted, published)


def test_gamma_gamma_likelihood_matches_the_density_written_out():
    # mean of x Gamma(p, ν) amounts is Gamma(px, xν); ν ~ Gamma(q, γ): integrate ν out numerically
    params, x, m = PUBLISHED_GAMMA_GAMMA, 3, 25.7
    density = integrate.quad(
        lambda nu: (
            stats.gamma(params.p * x, scale=1 / (x * nu)).pdf(m)
            * stats.gamma(params.q, scale=1 / params.gamma).pdf(nu)
        ),
        0,
        np.inf,
    )[0]
    assert float(gamma_gamma.log_likelihood(params, x, m)) == pytest.approx(
        math.log(density), rel=1e-8
    )


def test_expected_average_spend_is_the_posterior_mean():
    params, x, m = PUBLISHED_GAMMA_GAMMA, 4, 30.0
    # E[M | data] = p E[ν^-1 | data], ν | data ~ Gamma(px + q, γ + x m)
    posterior = stats.gamma(params.p * x + params.q, scale=1 / (params.gamma + x * m))
    expected = params.p * posterior.expect(lambda nu: 1 / nu)
    assert float(gamma_gamma.expected_average_spend(params, x, m)) == pytest.approx(
        expected, rel=1e-8
    )


def test_spend_guards_for_one_time_refunded_and_zero_value_customers():
    params = PUBLISHED_GAMMA_GAMMA
    population = params.p * params.gamma / (params.q - 1)
    spend = gamma_gamma.expected_average_spend(
        params, np.array([0, 0, 2, 20, 2]), np.array([np.nan, 0.0, -15.0, 0.0, 0.0])
    )
    # no repeat purchase: the population mean, whatever the (missing) mean says
    assert spend[:2] == pytest.approx([population, population])
    # repeat purchases that net to nothing or less count as 0 and shrink towards 0, never below
    assert spend[2] == pytest.approx((params.q - 1) / (2 * params.p + params.q - 1) * population)
    assert spend[2] == spend[4]
    assert 0 < spend[3] < spend[2] < population
    # such customers never enter the fit
    assert not gamma_gamma.usable(np.array([0, 2, 2]), np.array([5.0, -15.0, 0.0])).any()


def test_analytic_gradients_match_finite_differences():
    data = cdnow()
    histories = bgnbd._Histories(data["x"], data["t_x"], data["T"], np.ones(CDNOW_CUSTOMERS))
    at = np.log([0.3, 5.0, 0.9, 2.0])

    def value(log_params):
        return histories.value_and_gradient(BgNbdParams(*np.exp(log_params)))[0]

    analytic = histories.value_and_gradient(BgNbdParams(*np.exp(at)))[1]
    numeric = [(value(at + step) - value(at - step)) / 2e-6 for step in np.eye(4) * 1e-6]
    assert analytic == pytest.approx(numeric, rel=1e-5)
    assert value(at) == pytest.approx(
        bgnbd.log_likelihood(BgNbdParams(*np.exp(at)), data["x"], data["t_x"], data["T"]).sum()
    )

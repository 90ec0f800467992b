"""When a maximum-likelihood fit counts as converged."""

import numpy as np
from scipy.optimize import OptimizeResult

# gradient of the per-customer mean log-likelihood (on log-parameters) that counts as zero
STATIONARY_GRADIENT = 1e-6


def reached_optimum(result: OptimizeResult) -> bool:
    """L-BFGS-B's own verdict, or a line search that stopped at a stationary point: with the
    tolerances this tight, summing the same customers in another order can end the search with
    "ABNORMAL" at the optimum itself (gradient ~6e-8 there, as in the fits that succeed)."""
    if not np.isfinite(result.fun):
        return False
    return bool(result.success) or bool(np.max(np.abs(result.jac)) < STATIONARY_GRADIENT)

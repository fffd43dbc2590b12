"""The per-category classifier: an L2-regularised logistic regression with balanced class
weights, fitted by Newton's method (a fixed number of steps from zero, so deterministic).

Pure numpy on embeddings; it knows nothing of stories, models or files (``bot.semantic.model``
builds one per category from labelled examples).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

L2 = 10.0  # the ridge of every category's logistic regression (chosen by 5-fold CV on data/training)
NEWTON_STEPS = 25


def sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def train_logistic(
    x: NDArray[np.float64], y: NDArray[np.float64], l2: float, sample_weight: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Weights (bias last) of an L2-regularised logistic regression with balanced class weights
    (times ``sample_weight`` when given), by ``NEWTON_STEPS`` Newton steps from zero:
    deterministic, and converged long before."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    sw = np.ones(n) if sample_weight is None else sample_weight
    total, positives = float(sw.sum()), float((sw * y).sum())
    weight = sw * np.where(y > 0, total / (2.0 * max(positives, 1.0)), total / (2.0 * max(total - positives, 1.0)))
    ridge = np.full(d + 1, l2)
    ridge[-1] = 1e-6  # the bias is (almost) free
    w = np.zeros(d + 1)
    for _ in range(NEWTON_STEPS):
        p = sigmoid(xb @ w)
        grad = xb.T @ (weight * (p - y)) + ridge * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(ridge)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return w

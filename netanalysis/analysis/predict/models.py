"""The models and the baselines they must beat, for predicting won outcomes from investment history.

Logistic regression is the primary model (`holdout_auc` and the follow-up list):
it is stable on small data and its probabilities are calibrated by construction.
The baselines need no fitting: recency (months since the last touch), frequency
(touches in the last 12 months) and a hand-weighted relationship score of the
kind personal CRMs show.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

PRIMARY = "logistic_regression"
MIN_TRAIN_POSITIVES = 10   # won-outcome windows needed to fit a model
MIN_TEST_CLASS = 5         # rows of each class needed in the held-out window to judge one
NAMES = {
    "logistic_regression": "logistic regression",
    "gradient_boosting": "gradient boosting",
    "recency": "recency only (baseline)",
    "frequency": "frequency only (baseline)",
    "relationship_score": "hand-weighted relationship score (baseline)",
}


def logistic_regression(seed: int = 0):
    """Logistic regression on log1p-scaled, standardised features, with a firm L2 penalty (C=0.05):
    the features overlap (stock at four half-lives, touches over four windows) and outcomes are rare."""
    return make_pipeline(FunctionTransformer(np.log1p), StandardScaler(),
                         LogisticRegression(C=0.05, max_iter=2000))


def gradient_boosting(seed: int = 0):
    """Histogram gradient boosting with shallow trees and large leaves (outcomes are rare and noisy),
    without early stopping so a seed gives one result."""
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.05, max_depth=3, min_samples_leaf=200,
                                          l2_regularization=1.0, early_stopping=False, random_state=seed)


MODELS = {"logistic_regression": logistic_regression, "gradient_boosting": gradient_boosting}


def _fit_logistic_regression_weighted(model, X: pd.DataFrame, y: np.ndarray, weight: np.ndarray):
    """Fit `logistic_regression()` with row weights: the scaler's mean and spread and the penalised
    log-likelihood are weighted sums, so a row of weight k counts as k equal rows."""
    return model.fit(X, y, standardscaler__sample_weight=weight, logisticregression__sample_weight=weight)


# Models whose fit is a weighted sum over rows: equal rows may be fitted once, weighted by their number.
# Not gradient boosting: its leaves need `min_samples_leaf` rows counted one by one, and it bins the
# features on a random subset of the rows, which weights would change.
REPEATS_AS_WEIGHTS = {"logistic_regression": _fit_logistic_regression_weighted}


def recency_score(X: pd.DataFrame) -> np.ndarray:
    """Baseline: the more recent the last touch, the higher the score."""
    return -X["months_since_last"].to_numpy(dtype=float)


def frequency_score(X: pd.DataFrame) -> np.ndarray:
    """Baseline: touches in the last 12 months."""
    return X["touches_12m"].to_numpy(dtype=float)


def relationship_score(X: pd.DataFrame) -> np.ndarray:
    """Baseline: a fixed, hand-weighted strength score like personal CRMs show (0 to 1, not fitted).

    40% recency (halves every 3 months since the last touch), 30% frequency
    (touches in the last 12 months, full at 12), 20% depth (hours of carryover
    stock at a 6-month half-life, full at 10 hours), 10% reciprocity (inbound share).
    """
    recency = 0.5 ** ((X["months_since_last"].to_numpy(dtype=float) - 1.0) / 3.0)
    frequency = np.minimum(X["touches_12m"].to_numpy(dtype=float) / 12.0, 1.0)
    depth = np.minimum(X["stock_hl6"].to_numpy(dtype=float) / 600.0, 1.0)
    reciprocity = X["inbound_share"].to_numpy(dtype=float)
    return 0.4 * recency + 0.3 * frequency + 0.2 * depth + 0.1 * reciprocity


BASELINES = {"recency": recency_score, "frequency": frequency_score, "relationship_score": relationship_score}


def single_thread(func):
    """Fit with one thread: OpenMP workers contend badly on a busy machine, and results stay reproducible."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(1):
            return func(*args, **kwargs)
    return wrapper

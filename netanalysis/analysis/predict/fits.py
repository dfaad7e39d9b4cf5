"""Each model fitted once per training window, shared by the held-out evaluation, the rolling origins
and the follow-up list.

The held-out window's training rows (label windows closed before its first month)
are also the training rows of one rolling origin; fitting the same model on the
same rows twice would give the same model at twice the cost.

Many relationship-months are alike to the last digit (a dormant relationship's
months differ only in the months since its last touch), so a model whose fit
minimises a sum over rows (`models.REPEATS_AS_WEIGHTS`) is fitted on each distinct
(features, label) row once, weighted by how often it occurs: the same sum, hence
the same optimum, from a fraction of the rows.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from netanalysis.analysis.predict.models import MODELS, REPEATS_AS_WEIGHTS


def distinct_row_codes(values: np.ndarray) -> np.ndarray:
    """One code per row of the 2-D array `values`: rows share a code only when they are equal in every column
    (NaN equal to NaN), as pandas' grouping on every column says; codes in order of first appearance.

    >>> distinct_row_codes(np.array([[1.0, 0.0], [2.0, 0.0], [1.0, 0.0], [np.nan, 1.0], [np.nan, 1.0]])).tolist()
    [0, 1, 0, 2, 2]
    """
    frame = pd.DataFrame(np.asarray(values, dtype="float64"))
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy(dtype="int64")


class WindowFits:
    """Models fitted on rows of one feature table, remembered by model and training rows.

    Parameters
    ----------
    table : the feature table (`features.feature_table`); its `feature_columns` are the inputs.
    seed : the models' seed.
    """

    def __init__(self, table: pd.DataFrame, seed: int = 0):
        self.X = table[table.attrs["feature_columns"]]
        self.y = table["label"].to_numpy()
        self.seed = seed
        self._fitted: dict = {}
        self._codes = None

    def model(self, name: str, train: np.ndarray):
        """Model `name` fitted on the rows where the boolean mask `train` is True (once per mask)."""
        train = np.asarray(train, dtype=bool)
        key = (name, hashlib.blake2b(np.packbits(train).tobytes() + str(len(train)).encode()).hexdigest())
        if key not in self._fitted:
            self._fitted[key] = self._fit(name, train)
        return self._fitted[key]

    def _fit(self, name: str, train: np.ndarray):
        model = MODELS[name](self.seed)
        if name not in REPEATS_AS_WEIGHTS:
            return model.fit(self.X[train], self.y[train])
        if self._codes is None:
            self._codes = distinct_row_codes(np.column_stack([self.X.to_numpy(dtype="float64"), self.y]))
        rows = np.flatnonzero(train)
        _, first, repeats = np.unique(self._codes[rows], return_index=True, return_counts=True)
        in_order = np.argsort(first)  # each distinct row at its first occurrence, in table order
        rows, repeats = rows[first[in_order]], repeats[in_order]
        return REPEATS_AS_WEIGHTS[name](model, self.X.iloc[rows], self.y[rows], repeats.astype("float64"))

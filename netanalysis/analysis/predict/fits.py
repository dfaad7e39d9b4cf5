"""Each model fitted once per training window, shared by the held-out evaluation and the rolling origins.

The held-out window's training rows (label windows closed before its first month)
are also the training rows of one rolling origin; fitting the same model on the
same rows twice would give the same model at twice the cost.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from netanalysis.analysis.predict.models import MODELS


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

    def model(self, name: str, train: np.ndarray):
        """Model `name` fitted on the rows where the boolean mask `train` is True (once per mask)."""
        train = np.asarray(train, dtype=bool)
        key = (name, hashlib.blake2b(np.packbits(train).tobytes() + str(len(train)).encode()).hexdigest())
        if key not in self._fitted:
            self._fitted[key] = MODELS[name](self.seed).fit(self.X[train], self.y[train])
        return self._fitted[key]

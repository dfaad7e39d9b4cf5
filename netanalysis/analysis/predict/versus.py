"""How a model compares with the recency baseline, in one word: kept apart from the models so that the
report's front page can word it without importing scikit-learn."""


def versus_recency(gain_low: float, gain_high: float) -> str:
    """'better', 'no better' or 'worse': the model against the recency baseline, read from the 95% interval
    of its AUC gain (a paired bootstrap over relationships). Page 4 and the index tile both word this.

    >>> versus_recency(0.01, 0.08), versus_recency(-0.02, 0.05), versus_recency(-0.09, -0.01)
    ('better', 'no better', 'worse')
    """
    return "better" if gain_low > 0 else "no better" if gain_high > 0 else "worse"

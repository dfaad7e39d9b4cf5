"""Tables for people: how a report page shows a pandas table.

A notebook's tables are read by people, not by pandas: no row numbers (0, 1, 2 ...)
unless the rows' labels mean something, headers in words with their units, numbers
formatted (shares as percentages, thousands separated), and "–" where a value is
missing instead of NaN or None. Text is never cut short, and everything from the
data is escaped. `people_html` does this for one table; `show_tables_for_people`
makes it how every DataFrame in a report notebook is shown.
"""

from __future__ import annotations

import html
import math
import numbers

import pandas as pd

MISSING = "–"

# Column (or index) names that tables carry, in words with their units. Anything else
# that looks like a code (snake_case) is shown with spaces.
HEADERS = {
    "rows_read": "rows read",
    "rejected_by_reason": "rejected, by reason",
    "first": "first record",
    "last": "last record",
    "new_hours": "hours with new relationships",
    "nurtured_hours": "hours with nurtured relationships",
    "active": "active relationships",
    "new": "new relationships",
    "outcomes_won": "won outcomes",
    "value_won": "value won",
    "contact_id": "contact id",
    "probability": "chance of a won outcome",
    "last_touch": "last touch",
    "stock_hours": "hours still working (stock)",
    "past_outcomes": "earlier won outcomes",
    "group": "status",
    "reason": "why",
    "logistic_regression": "logistic regression",
    "gradient_boosting": "gradient boosting",
    "recency": "recency only (baseline)",
    "frequency": "frequency only (baseline)",
    "relationship_score": "hand-weighted relationship score (baseline)",
    "origin": "decision month",
    "tie_strength": "tie strength",
    "event_month": "months from the win",
    "minutes": "minutes per month",
    "minutes_low": "minutes, 95% low",
    "minutes_high": "minutes, 95% high",
    "touches": "touches per month",
    "touches_low": "touches, 95% low",
    "touches_high": "touches, 95% high",
    "units": "relationships",
    "median_hours": "median hours",
    "total_hours": "total hours",
    "share_of_hours": "share of hours",
    "phase": "phase",
    "clear": "clear after correction",
    "low": "95% low",
    "high": "95% high",
}

# Columns whose values are shares (0 to 1) and are shown as percentages.
PERCENT = {
    "probability", "monthly chance", "chance low", "chance high", "share of outcomes", "share low", "share high",
    "share_of_hours", "low", "high",
}


def header(name) -> str:
    """A column name in words: `HEADERS`, else the name with underscores as spaces."""
    text = str(name)
    return HEADERS.get(text, text.replace("_", " "))


def is_missing(value) -> bool:
    """NaN, None, NA and NaT, and the strings pandas or Python print for them."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in {"nan", "none", "<na>", "nat"}


def is_p_value(name) -> bool:
    """Whether a column holds p-values (shown as "< 0.001" rather than 0)."""
    text = str(name).lower()
    return text.startswith(("p ", "p-value", "p (")) or "p-value" in text or text == "p"


def decimals_for(values, percent: bool = False) -> int:
    """One number of decimals for a whole column, from its largest value, so a column lines up.

    Examples
    --------
    >>> decimals_for([11.5, 18.0]), decimals_for([0.787, 0.68]), decimals_for([991.7, 1002.7]), decimals_for([0.0066], True)
    (1, 3, 0, 1)
    >>> decimals_for([6.4, 5.7]), decimals_for([2.02, 0.08])
    (1, 2)
    """
    numbers_ = [abs(float(v)) for v in values if isinstance(v, numbers.Real) and not isinstance(v, bool)
                and not is_missing(v)]
    if not numbers_:
        return 0
    top = max(numbers_)
    if percent:
        return 1 if top < 0.1 else 0
    if all(float(v).is_integer() for v in numbers_) or top >= 100:
        return 0
    wanted = 1 if top >= 10 else 2 if top >= 1 else 3
    # no more decimals than the values carry (touches already rounded to 0.1 stay 6.4, not 6.40)
    carried = next((d for d in range(wanted) if all(round(v, d) == round(v, 6) for v in numbers_)), wanted)
    return carried


def cell(value, percent: bool = False, p_value: bool = False, decimals: int | None = None) -> str:
    """One value as a person reads it (`decimals`: for the whole column, see `decimals_for`).

    Examples
    --------
    >>> [cell(1001), cell(32920.0), cell(0.787), cell(0.0336, percent=True), cell(float("nan")), cell(True)]
    ['1,001', '32,920', '0.787', '3.4%', '–', 'yes']
    >>> [cell(0.0002, p_value=True), cell(18.0, decimals=1), cell(-0.02, decimals=3)]
    ['< 0.001', '18.0', '-0.020']
    """
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        v = float(value)
        if p_value and 0 <= v < 0.001:
            return "< 0.001"
        digits = decimals_for([v], percent) if decimals is None else decimals
        return f"{v:.{digits}%}" if percent else f"{v:,.{digits}f}"
    return str(value)


def for_people(df: pd.DataFrame) -> pd.DataFrame:
    """The table with every value as text and headers in words; a meaningful index becomes the first column.

    Row numbers (a default 0..n-1 index, or what is left of one after filtering) are dropped.
    `attrs["text_columns"]` says which columns hold words (aligned left) rather than numbers.
    """
    out = df.copy()
    index = out.index
    numbered = index.nlevels == 1 and index.name is None and pd.api.types.is_integer_dtype(index.dtype)
    if not numbered:
        names = [n if n is not None else "" for n in index.names]
        out.index = index.set_names(names)
        out = out.reset_index()
    out.columns = [" ".join(str(x) for x in c if str(x)) if isinstance(c, tuple) else c for c in out.columns]
    columns = []
    for i, name in enumerate(out.columns):
        values = out.iloc[:, i].tolist()
        percent, p_value = str(name) in PERCENT, is_p_value(name)
        digits = 3 if p_value else decimals_for(values, percent)
        columns.append([cell(v, percent=percent, p_value=p_value, decimals=digits) for v in values])
    shown = pd.DataFrame(dict(enumerate(columns)), index=range(len(out)), dtype=object)
    shown.columns = [header(c) for c in out.columns]
    shown.attrs["text_columns"] = [not any(isinstance(v, numbers.Number) for v in out.iloc[:, i].tolist())
                                   for i in range(out.shape[1])]
    return shown


def people_html(df: pd.DataFrame) -> str:
    """A table as HTML for people (`for_people`): escaped, no index column, nothing cut short."""
    if df.empty:
        return "<p><em>None.</em></p>"
    shown = for_people(df)
    # Words read from the left, numbers line up on the right (inline, so JupyterLab shows it too).
    align = ['style="text-align:left"' if text else 'style="text-align:right"' for text in shown.attrs["text_columns"]]
    head = "".join(f"<th {a}>{html.escape(str(c))}</th>" for a, c in zip(align, shown.columns))
    body = "".join("<tr>" + "".join(f"<td {a}>{html.escape(v)}</td>" for a, v in zip(align, row)) + "</tr>"
                   for row in shown.itertuples(index=False))
    return f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def show_tables_for_people() -> None:
    """Show every DataFrame in this notebook with `people_html` (nothing happens outside a notebook)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, people_html)

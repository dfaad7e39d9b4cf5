"""`base.frame`, which every reader's records pass through, adds the columns a reader left out all at once:
the same frame, labels, dtypes and values, as adding them one by one."""

import pandas as pd
import pytest

from netanalysis.io.sources.base import INTERACTION_COLUMNS, OUTCOME_COLUMNS, PEOPLE_COLUMNS, REJECTED_COLUMNS, frame


def frame_one_column_at_a_time(rows, columns):
    """The reference: each missing column set to NA in turn."""
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
    for c in columns:
        if c not in df.columns:
            df[c] = pd.NA
    return df[columns].reset_index(drop=True)


ROWS = {
    "nothing": None,
    "no rows": [],
    "dicts": [{"ref": "a", "timestamp": pd.Timestamp("2025-01-01", tz="UTC"), "duration_minutes": 5.0},
              {"ref": "b", "channel": "call"}],
    "a rejected row": [{"source_row": 3, "reason": "unknown kind", "raw": "x,y"}],
    "repeated labels": pd.DataFrame({"ref": ["a", "b"], "emails": [["a@x.com"], []]}, index=[5, 5]),
    "text columns": pd.DataFrame({"ref": pd.array(["a", None], dtype="string"), "name": [None, "B"]}),
    "empty columns": pd.DataFrame({"ref": [], "name": []}),
    "every column": pd.DataFrame({c: [1, 2] for c in REJECTED_COLUMNS}, index=[9, 4]),
}


@pytest.mark.parametrize("columns", [PEOPLE_COLUMNS, INTERACTION_COLUMNS, OUTCOME_COLUMNS, REJECTED_COLUMNS])
@pytest.mark.parametrize("name", list(ROWS))
def test_frame_equals_adding_columns_one_at_a_time(name, columns):
    rows = ROWS[name]
    copy = (lambda: rows.copy()) if isinstance(rows, pd.DataFrame) else (lambda: rows)
    got, expected = frame(copy(), columns), frame_one_column_at_a_time(copy(), columns)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_index_type=True, check_column_type=True)
    assert list(got.columns) == list(columns)

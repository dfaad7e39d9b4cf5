"""The modes are plain strings to users; the exceptions sit in one module."""

import pytest

from netanalysis.errors import LeakageError, NotebookFailed, UserError
from netanalysis.modes import Freq, Period, Unit
from netanalysis.panel.build import FREQS, UNITS, check_parameters


def test_modes_are_plain_strings():
    assert Unit.CONTACT == "contact" and Unit("account") is Unit.ACCOUNT
    assert f"{Period.QUARTER}" == "quarter" and str(Freq.M) == "M"
    assert UNITS == ("contact", "account")
    assert FREQS["M"] == FREQS["month"] == 1 and FREQS["Q"] == FREQS["quarter"] == 3


def test_an_enum_member_passes_where_its_string_does():
    assert check_parameters(Freq.Q, 3, Unit.ACCOUNT) == check_parameters("Q", 3, "account") == 3.0
    with pytest.raises(UserError, match="unit: 'team'"):
        check_parameters("M", 3, "team")


def test_error_kinds():
    # Only UserError means "the user's input" (exit 2); a leak is a bug, a notebook failure is reported.
    assert not issubclass(NotebookFailed, UserError) and not issubclass(LeakageError, UserError)
    assert issubclass(LeakageError, AssertionError)
    assert "notebook 01 failed in cell 3" in str(NotebookFailed("01", 3, "ValueError", "x", None))

"""A kernel that dies before it runs a cell (two kernels racing for one port) is started again."""

import papermill as pm
import pytest

from netanalysis.errors import NotebookFailed
from netanalysis.report import runner


def _flaky(failures: int, calls: list):
    def execute(*args, **kwargs):
        calls.append(1)
        if len(calls) <= failures:
            raise RuntimeError("Kernel died before replying to kernel_info")
    return execute


def test_a_kernel_that_died_at_start_is_started_again(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(pm, "execute_notebook", _flaky(1, calls))
    runner.execute_notebook(tmp_path / "01_x.ipynb", tmp_path / "out.ipynb", {}, tmp_path)
    assert len(calls) == 2


def test_a_kernel_that_keeps_dying_fails_the_notebook_after_three_tries(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(pm, "execute_notebook", _flaky(10, calls))
    with pytest.raises(NotebookFailed):
        runner.execute_notebook(tmp_path / "01_x.ipynb", tmp_path / "out.ipynb", {}, tmp_path)
    assert len(calls) == runner.KERNEL_START_TRIES == 3


def test_other_errors_are_not_retried(monkeypatch, tmp_path):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("something else")

    monkeypatch.setattr(pm, "execute_notebook", broken)
    with pytest.raises(NotebookFailed):
        runner.execute_notebook(tmp_path / "01_x.ipynb", tmp_path / "out.ipynb", {}, tmp_path)
    assert len(calls) == 1

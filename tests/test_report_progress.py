"""`report` names the notebooks it is waiting for on its progress bar."""

from __future__ import annotations

import threading

import pytest

from netanalysis.report import runner


class _Bar:
    """Records what a tqdm bar would show."""

    def __init__(self):
        self.postfix, self.done = [], 0

    def set_postfix_str(self, text, refresh=True):
        self.postfix.append(text)

    def update(self, n):
        self.done += n


def test_the_bar_names_every_notebook_running_and_clears_when_all_are_done(monkeypatch):
    both_started = threading.Barrier(2)
    seen_while_running = []

    def fake_run_one(nb, *args):
        both_started.wait(timeout=10)  # both notebooks are running at once here
        seen_while_running.append(bar.postfix[-1])
        both_started.wait(timeout=10)
        return {"ok": True, "notebook": nb}

    monkeypatch.setattr(runner, "_run_one", fake_run_one)
    bar = _Bar()
    waiting = runner._WaitingFor(bar)
    threads = [threading.Thread(target=waiting.run, args=(f"/x/{name}.ipynb", "out", {}, "cwd", False))
               for name in ("03_delayed_returns", "04_predicting_outcomes")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert all(("03_delayed_returns" in s and "04_predicting_outcomes" in s) for s in seen_while_running)
    assert bar.postfix[0] in ("waiting for 03_delayed_returns", "waiting for 04_predicting_outcomes")
    assert bar.postfix[-1] == "" and bar.done == 2


def test_a_failed_notebook_is_counted_and_no_longer_named(monkeypatch):
    def boom(nb, *args):
        raise RuntimeError("kernel died")

    monkeypatch.setattr(runner, "_run_one", boom)
    bar = _Bar()
    waiting = runner._WaitingFor(bar)
    with pytest.raises(RuntimeError):
        waiting.run("/x/05_network_structure.ipynb", "out", {}, "cwd", False)
    assert bar.postfix == ["waiting for 05_network_structure", ""] and bar.done == 1

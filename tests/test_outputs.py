"""The output-folder rule (netanalysis.outputs): no command ever deletes, moves or writes over what a user owns.

Every command that writes is tried against a folder of user files, a file, a path under a file, its own
inputs and a read-only parent; each must exit 2 with one line and leave the tree byte-identical.
"""

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from netanalysis import outputs
from netanalysis.cli import main
from netanalysis.errors import UserError


def tree(root: Path) -> dict:
    """Every path under `root` with its bytes' hash (folders as 'dir'): equal trees, untouched files."""
    return {p.relative_to(root).as_posix(): ("dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*"))}


def run_cli(args, capsys):
    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    return code, err


def one_line_error(code, err, *words):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netanalysis: error:") and "Traceback" not in err, err
    for w in words:
        assert w in err, (w, err)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A small simulated world (canonical CSV) and its loaded folder, shared by the module."""
    root = tmp_path_factory.mktemp("outputs")
    assert main(["simulate", "--contacts", "40", "--months", "12", "--format", "canonical", "--out",
                 str(root / "world")]) == 0
    assert main(["load", str(root / "world"), "--out", str(root / "loaded")]) == 0
    return root


def user_folder(root: Path) -> Path:
    """What a user keeps: a file and a subfolder with a file."""
    d = root / "mine"
    (d / "sub").mkdir(parents=True)
    (d / "tax_2024.txt").write_text("keep me\n")
    (d / "sub" / "notes.md").write_text("mine too\n")
    return d


COMMANDS = {
    "simulate": lambda w, out: ["simulate", "--contacts", "40", "--months", "12", "--out", out],
    "load": lambda w, out: ["load", w / "world", "--out", out],
    "report": lambda w, out: ["report", w / "world", "--out", out],
    "classroom": lambda w, out: ["classroom", "-p", "n_students=10", "-p", "months=12", "--out", out],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_folder_of_user_files_is_refused_and_untouched(world, tmp_path, capsys, command):
    d = user_folder(tmp_path)
    before = tree(tmp_path)
    code, err = run_cli(COMMANDS[command](world, d), capsys)
    one_line_error(code, err, str(d), "did not write", "tax_2024.txt")
    assert tree(tmp_path) == before


def test_panel_refuses_a_user_file_and_a_folder(world, tmp_path, capsys):
    d = user_folder(tmp_path)
    (tmp_path / "theirs.parquet").write_bytes(b"not ours")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "pandas.parquet")  # real Parquet, but not written by us
    before = tree(tmp_path)
    for out, words in [(d, ("is a folder",)), (tmp_path / "theirs.parquet", ("not written by netanalysis",)),
                       (tmp_path / "pandas.parquet", ("not written by netanalysis",)),
                       (d / "tax_2024.txt" / "p.parquet", ("is a file",))]:
        code, err = run_cli(["panel", world / "loaded", "--out", out], capsys)
        one_line_error(code, err, str(out), *words)
    assert tree(tmp_path) == before


def test_panel_replaces_only_its_own_file(world, tmp_path, capsys):
    out = tmp_path / "p.parquet"
    assert run_cli(["panel", world / "loaded", "--out", out], capsys)[0] == 0
    assert outputs.is_our_parquet(out)
    first = out.read_bytes()
    assert run_cli(["panel", world / "loaded", "--out", out, "--half-life", "6"], capsys)[0] == 0
    assert out.read_bytes() != first and pd.read_parquet(out).attrs["half_life_months"] == 6.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.parquet"]  # no temporary file left beside it


@pytest.mark.parametrize("command", ["simulate", "load", "report", "classroom"])
def test_out_is_a_file_or_under_a_file(world, tmp_path, capsys, command):
    f = tmp_path / "f.txt"
    f.write_text("a user file\n")
    before = tree(tmp_path)
    code, err = run_cli(COMMANDS[command](world, f), capsys)
    one_line_error(code, err, str(f), "is a file")
    code, err = run_cli(COMMANDS[command](world, f / "sub"), capsys)
    one_line_error(code, err, str(f / "sub"), "is a file")
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", ["load", "report"])
def test_a_given_out_is_refused_before_the_inputs_are_read(tmp_path, capsys, command):
    # both errors apply: the input does not exist and --out is a user's folder; the folder is named first
    d = user_folder(tmp_path)
    code, err = run_cli([command, tmp_path / "no-such-export.csv", "--out", d], capsys)
    one_line_error(code, err, str(d), "did not write")
    assert "no-such-export" not in err


@pytest.mark.parametrize("command", ["load", "report"])
def test_never_writes_among_its_inputs(world, capsys, command):
    inp = world / "world"
    before = tree(world / "world")
    for out, words in [(inp, ("inside the input",)), (inp / "out", ("inside the input",)),
                       (world, ("holds the input",))]:
        code, err = run_cli(COMMANDS[command](world, out), capsys)
        one_line_error(code, err, str(out), *words)
    assert tree(world / "world") == before


def test_panel_never_writes_into_its_loaded_folder(world, capsys):
    before = tree(world / "loaded")
    code, err = run_cli(["panel", world / "loaded", "--out", world / "loaded" / "p.parquet"], capsys)
    one_line_error(code, err, "inside the input")
    assert tree(world / "loaded") == before


def test_a_second_run_replaces_its_own_output_but_refuses_when_a_user_file_was_added(world, tmp_path, capsys):
    out = tmp_path / "loaded"
    assert run_cli(["load", world / "world", "--out", out], capsys)[0] == 0
    marker = json.loads((out / ".netanalysis").read_text())
    assert marker["command"] == "load" and set(marker["files"]) == {
        "contacts.parquet", "interactions.parquet", "outcomes.parquet", "load_report.json", "rejected.csv"}
    assert run_cli(["load", world / "world", "--out", out], capsys)[0] == 0  # its own folder: replaced
    (out / "my_notes.txt").write_text("added by the user\n")
    before = tree(tmp_path)
    code, err = run_cli(["load", world / "world", "--out", out], capsys)
    one_line_error(code, err, "my_notes.txt", "did not write")
    assert tree(tmp_path) == before
    # another command's folder is not taken over either
    (out / "my_notes.txt").unlink()
    code, err = run_cli(COMMANDS["simulate"](world, out), capsys)
    one_line_error(code, err, "netanalysis load")


def test_an_empty_folder_is_used(world, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert run_cli(COMMANDS["simulate"](world, tmp_path / "empty"), capsys)[0] == 0
    assert (tmp_path / "empty" / "ground_truth.json").exists()


def test_publish_removes_only_what_the_earlier_output_listed(tmp_path):
    """A file slipped in after the check (between check and swap) survives: only listed files are deleted."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("ours")
    outputs.write_marker(out, "simulate")
    build = outputs.start_build(out, "simulate")
    (build / "b.txt").write_text("new")
    real_check = outputs.check_out_folder

    def check_then_user_adds(*a, **k):  # the user drops a file right after the last check
        real_check(*a, **k)
        (out / "late.txt").write_text("the user's")
    outputs.check_out_folder = check_then_user_adds
    try:
        with pytest.warns(UserWarning, match="late.txt"):
            outputs.publish(build, out, "simulate")
    finally:
        outputs.check_out_folder = real_check
    assert sorted(p.name for p in out.iterdir()) == [".netanalysis", "b.txt"]
    kept = [p for p in tmp_path.iterdir() if ".old-" in p.name]
    assert len(kept) == 1 and (kept[0] / "late.txt").read_text() == "the user's"


# -- read-only parent ------------------------------------------------------------
@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root writes through chmod 555; the monkeypatched twin below covers this case as root")
def test_read_only_parent_for_real(world, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, err = run_cli(COMMANDS["simulate"](world, ro / "out"), capsys)
        one_line_error(code, err, str(ro), "permission denied")
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("command", ["simulate", "load", "panel", "classroom"])
def test_read_only_parent_simulated(world, tmp_path, capsys, monkeypatch, command):
    """As root chmod does not stop writes, so `os.access` answers as for a read-only folder."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(outputs.os, "access", lambda p, mode: False if Path(p) == ro else real(p, mode))
    args = (["panel", world / "loaded", "--out", ro / "p.parquet"] if command == "panel"
            else COMMANDS[command](world, ro / "out"))
    code, err = run_cli(args, capsys)
    one_line_error(code, err, str(ro), "permission denied")
    assert list(ro.iterdir()) == []


def test_permission_error_while_creating_is_one_line(world, tmp_path, capsys, monkeypatch):
    """A folder that turns unwritable after the checks (mkdtemp fails) is still one line, exit 2."""
    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(outputs.tempfile, "mkdtemp", refuse)
    code, err = run_cli(COMMANDS["simulate"](world, tmp_path / "out"), capsys)
    one_line_error(code, err, "permission denied")


# -- building folders of killed runs ------------------------------------------------
def fake_build(parent: Path, name: str, **info) -> Path:
    folder = parent / name
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "contacts.parquet").write_bytes(b"x" * 100)
    base = {"tool": "netanalysis", "command": "report", "host": socket.gethostname(), "boot_id": outputs._boot_id()}
    (folder / outputs.BUILDING_MARKER).write_text(json.dumps({**base, **info}))
    return folder


def test_only_building_folders_of_dead_processes_are_removed(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that existed and is gone
    me = os.getpid()
    dead = fake_build(tmp_path, ".r.building-dead", pid=gone.pid, process_start="1")
    alive = fake_build(tmp_path, ".r.building-alive", pid=me, process_start=outputs._process_start(me))
    reused = fake_build(tmp_path, ".r.building-reused", pid=me, process_start="1")  # pid reused by another process
    rebooted = fake_build(tmp_path, ".r.building-boot", pid=me, boot_id="another-boot")
    elsewhere = fake_build(tmp_path, ".r.building-host", pid=gone.pid, host="another-machine")
    unmarked = tmp_path / ".r.building-nomarker"
    unmarked.mkdir()
    user = tmp_path / "r.building-visible"  # not hidden: never ours
    user.mkdir()
    removed = set(outputs.remove_stale_builds(tmp_path))
    expected = {dead, rebooted} | ({reused} if outputs._process_start(me) else set())
    assert removed == expected
    assert alive.exists() and elsewhere.exists() and unmarked.exists() and user.exists()


# -- modes and the failed notebook -------------------------------------------------
@pytest.mark.parametrize("mask, folder, file", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_outputs_follow_the_umask(tmp_path, capsys, mask, folder, file):
    old = os.umask(mask)
    try:
        assert run_cli(["simulate", "--contacts", "20", "--months", "6", "--format", "canonical", "--out",
                        tmp_path / "new" / "w"], capsys)[0] == 0
    finally:
        os.umask(old)
    for d in (tmp_path / "new", tmp_path / "new" / "w"):
        assert d.stat().st_mode & 0o777 == folder, oct(d.stat().st_mode)
    assert (tmp_path / "new" / "w" / "contacts.csv").stat().st_mode & 0o777 == file


def test_failed_notebook_is_never_kept_over_a_user_file_or_in_a_user_folder(tmp_path):
    executed = tmp_path / "build" / "02_x.ipynb"
    executed.parent.mkdir()
    executed.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    # a user's folder: kept elsewhere (a private temporary folder)
    users = tmp_path / "users"
    users.mkdir()
    (users / "photo.jpg").write_bytes(b"jpg")
    kept = outputs.keep_failed_notebook(executed, users / "r", "02_x")
    assert kept.parent != users and Path(tempfile.gettempdir()) in kept.parents and outputs.is_our_failed_notebook(kept)
    assert sorted(p.name for p in users.iterdir()) == ["photo.jpg"]
    # a folder of reports we own, but the name is taken by a user file: not overwritten
    ours = tmp_path / "reports"
    ours.mkdir()
    outputs.write_marker(ours, outputs.REPORTS_FOLDER, files=[])
    (ours / "r.failed-02_x.ipynb").write_text("the user's own notebook")
    kept = outputs.keep_failed_notebook(executed, ours / "r", "02_x")
    assert kept.parent != ours and (ours / "r.failed-02_x.ipynb").read_text() == "the user's own notebook"
    # free name in a folder we own: kept there, and a later one replaces it; success removes only ours
    (ours / "r.failed-02_x.ipynb").unlink()
    assert outputs.keep_failed_notebook(executed, ours / "r", "02_x") == ours / "r.failed-02_x.ipynb"
    assert outputs.keep_failed_notebook(executed, ours / "r", "02_x") == ours / "r.failed-02_x.ipynb"
    (ours / "r.failed-03_y.ipynb").write_text("the user's")
    outputs.remove_failed_notebooks(ours / "r")
    assert sorted(p.name for p in ours.iterdir()) == [".netanalysis", "r.failed-03_y.ipynb"]


def test_check_out_folder_messages_by_hand(tmp_path):
    with pytest.raises(UserError, match="empty path"):
        outputs.check_out_folder("", "report")
    assert outputs.check_out_folder(tmp_path / "new" / "deeper", "report") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checking creates nothing

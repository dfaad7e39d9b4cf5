"""Where a command may write: the one rule every command that writes follows.

A command writes only into a folder that is **new**, **empty**, or **one it
wrote before**. A folder it wrote holds a marker file, ``.netanalysis``: JSON
with the command, the netanalysis version, the time and the list of files the
command wrote. Anything else is the user's, and the command exits with status 2
and one line instead of touching it:

- a folder holding files the tool did not write (even an earlier report to
  which a file was added afterwards: the tool never deletes what it did not
  write, so it refuses rather than guess);
- a folder written by another command (a loaded dataset is not a report);
- an output inside an input, or an input inside the output (resolved paths);
- a file where a folder is needed, a folder where a file is needed, a missing
  or read-only parent folder.

Output is built in a hidden sibling, ``.<name>.building-XXXX/``, and moved into
place when complete. The building folder holds ``.netanalysis-building`` (pid,
host, boot and process start time); a later run in the same parent folder
removes building folders whose process is gone (a killed run), and only those.

Folders and files follow the user's umask (0755 and 0644 under umask 022).

A single output *file* (`netanalysis panel --out FILE.parquet`) is recognised
as the tool's by the Parquet key-value metadata ``netanalysis`` (JSON with the
command and version), written into the file itself; any other file is refused.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from netanalysis.errors import UserError

MARKER = ".netanalysis"
BUILDING_MARKER = ".netanalysis-building"
REPORTS_FOLDER = "reports"  # the marker's command for a folder of reports (history index, failed notebooks)
PARQUET_KEY = b"netanalysis"


def version() -> str:
    try:
        from importlib.metadata import version as _v

        return _v("netanalysis")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "unknown"


# -- the user's umask -----------------------------------------------------------
def umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def folder_mode() -> int:
    """The mode `mkdir` gives a folder under the user's umask (0o755 under 022)."""
    return 0o777 & ~umask()


# -- markers ------------------------------------------------------------------
def read_marker(folder) -> dict | None:
    """The `.netanalysis` marker of `folder`, or None when there is none (or it is not ours)."""
    path = Path(folder) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == "netanalysis" else None


def files_under(folder: Path) -> list[str]:
    """Every file under `folder`, as sorted POSIX paths relative to it (the marker excluded)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if not p.is_dir() and p.name != MARKER)


def write_marker(folder: Path, command: str, files: list[str] | None = None, **extra) -> None:
    """Mark `folder` as written by `command`, listing the files it wrote (default: all files in it)."""
    data = {"tool": "netanalysis", "command": command, "version": version(),
            "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": files_under(folder) if files is None else sorted(files), **extra}
    (folder / MARKER).write_text(json.dumps(data, indent=1), encoding="utf-8")


def foreign_entries(folder: Path, marker: dict) -> list[str]:
    """What in a marked folder the marker does not list: files (and folders) the tool did not write."""
    listed = set(marker.get("files") or [])
    parents = {a.as_posix() for f in listed for a in Path(f).parents} - {"."}
    found = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.name == MARKER and p.parent == folder:
            continue
        if p.is_dir() and not p.is_symlink():
            if rel not in parents:
                found.append(rel + "/")
        elif rel not in listed:
            found.append(rel)
    # a folder the tool did not write is reported once, not with each file in it
    return [f for f in found if not any(f != d and f.startswith(d) for d in found if d.endswith("/"))]


# -- checking a target ----------------------------------------------------------
def _first_file_above(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.exists():
            return parent if not parent.is_dir() else None
    return None


def _check_parent(out: Path, flag: str) -> None:
    """The parent must be a folder we can write in, or be creatable."""
    blocker = _first_file_above(out)
    if blocker is not None:
        raise UserError(f"{flag} {out}: {blocker} is a file, so no folder can be made under it")
    parent = next(p for p in out.parents if p.exists())
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{flag} {out}: cannot write in {parent} (permission denied or a read-only folder)")


def check_apart(out: Path, inputs, flag: str = "--out") -> None:
    """Refuse an output inside an input or an input inside the output (resolved paths)."""
    o = Path(out).resolve()
    for given in inputs or ():
        i = Path(given).resolve()
        if o == i or i in o.parents:
            raise UserError(f"{flag} {out}: is inside the input {given}; netanalysis never writes among its inputs, "
                            "choose another output folder")
        if o in i.parents:
            raise UserError(f"{flag} {out}: holds the input {given}; netanalysis never writes among its inputs, "
                            "choose another output folder")


def check_out_folder(out, command: str, inputs=(), flag: str = "--out") -> Path:
    """Raise UserError unless `command` may write the folder `out` (see the module docstring).
    """
    if str(out).strip() == "":
        raise UserError(f"{flag}: empty path")
    out = Path(out)
    check_apart(out, inputs, flag)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise UserError(f"{flag} {out}: is a file, not a folder; netanalysis writes a folder and never "
                            "replaces a file it did not write")
        try:
            entries = list(out.iterdir())
        except PermissionError:
            raise UserError(f"{flag} {out}: cannot be read (permission denied)") from None
        if entries:
            marker = read_marker(out)
            if marker is None:
                names = ", ".join(sorted(e.name for e in entries)[:3]) + (", ..." if len(entries) > 3 else "")
                raise UserError(f"{flag} {out}: is a folder netanalysis did not write (it holds {names}); "
                                "choose a new or empty folder")
            if marker.get("command") == REPORTS_FOLDER:
                raise UserError(f"{flag} {out}: is a folder of reports; give a folder inside it, e.g. {out / 'latest'}")
            if marker.get("command") != command:
                raise UserError(f"{flag} {out}: holds the output of `netanalysis {marker.get('command')}`, not of "
                                f"`{command}`; choose another folder")
            foreign = foreign_entries(out, marker)
            if foreign:
                names = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise UserError(f"{flag} {out}: holds files netanalysis did not write ({names}); it replaces an "
                                "earlier output only when nothing was added, so move them away or choose another folder")
    _check_parent(out, flag)
    return out


# -- building in a hidden sibling ---------------------------------------------
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _process_start(pid: int) -> str:
    """The start time of process `pid` in clock ticks since boot (Linux), '' where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _running(info: dict) -> bool:
    """Whether the process that made a building folder may still be running (unknown: yes)."""
    if info.get("host") != socket.gethostname():
        return True  # another machine's run on a shared disk: not ours to judge
    if info.get("boot_id") and _boot_id() and info["boot_id"] != _boot_id():
        return False
    pid = info.get("pid")
    if not isinstance(pid, int):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    start = _process_start(pid)
    return not (start and info.get("process_start") and start != info["process_start"])


def remove_stale_builds(parent: Path) -> list[Path]:
    """Remove the building folders of killed runs in `parent` (those whose process is gone); return them.

    Only hidden folders named ``.*.building-*`` that hold our building marker
    are considered; anything else is left alone.
    """
    removed = []
    try:
        candidates = [p for p in Path(parent).glob(".*.building-*") if p.is_dir() and not p.is_symlink()]
    except OSError:
        return removed
    for folder in candidates:
        try:
            info = json.loads((folder / BUILDING_MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("tool") == "netanalysis" and not _running(info):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def make_folder(path: Path, flag: str = "--out") -> None:
    """`mkdir -p` with the user's umask; a path problem becomes one line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"{flag} {path}: is a file, not a folder") from None
    except NotADirectoryError:
        raise UserError(f"{flag} {path}: a part of it is a file, so no folder can be made there") from None
    except PermissionError:
        raise UserError(f"{flag} {path}: cannot be created (permission denied or a read-only folder)") from None
    except OSError as exc:
        raise UserError(f"{flag} {path}: cannot be created ({exc.strerror or exc})") from None


def start_build(out: Path, command: str, flag: str = "--out") -> Path:
    """A new hidden building folder next to `out` (parent made if needed), with its building marker."""
    parent = out.parent
    made_parent = not parent.exists()
    make_folder(parent, flag)
    if made_parent and command in ("report", "classroom"):
        write_marker(parent, REPORTS_FOLDER, files=[])
    remove_stale_builds(parent)
    try:
        # absolute: notebooks run with the building folder as their working folder
        build = Path(os.path.abspath(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=parent)))
    except OSError as exc:
        reason = "permission denied or a read-only folder" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) \
            else (exc.strerror or str(exc))
        raise UserError(f"{flag} {out}: cannot write in {parent} ({reason})") from None
    os.chmod(build, folder_mode())  # mkdtemp makes 0700; the result must follow the umask
    info = {"tool": "netanalysis", "command": command, "pid": os.getpid(), "host": socket.gethostname(),
            "boot_id": _boot_id(), "process_start": _process_start(os.getpid()), "started": time.time()}
    (build / BUILDING_MARKER).write_text(json.dumps(info), encoding="utf-8")
    return build


def _remove_listed(folder: Path, marker: dict) -> list[str]:
    """Delete the files `marker` lists, then the folders left empty; return what is left (not ours)."""
    for rel in marker.get("files") or []:
        p = folder / rel
        if p.is_file() or p.is_symlink():
            p.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    for d in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            d.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()
    return [p.relative_to(folder).as_posix() for p in folder.rglob("*")] if folder.exists() else []


def publish(build: Path, out: Path, command: str, inputs=(), flag: str = "--out", **extra) -> Path:
    """Mark `build` and move it into place as `out`, replacing only an earlier output of the same command.

    `out` is checked again just before (the user may have added a file while
    the command ran). The earlier output is moved aside and only the files its
    marker lists are deleted.
    """
    check_out_folder(out, command, inputs, flag)
    (build / BUILDING_MARKER).unlink(missing_ok=True)
    write_marker(build, command, **extra)
    old = None
    if out.exists() and read_marker(out) is not None:  # an empty folder is replaced by the rename below
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(build, out)
    if old is not None:
        left = _remove_listed(old, read_marker(old) or {})
        if left:
            import warnings

            warnings.warn(f"{old}: kept, it holds files netanalysis did not write: {', '.join(left[:3])}", stacklevel=2)
    return out


@contextlib.contextmanager
def building(out, command: str, inputs=(), flag: str = "--out"):
    """Check `out`, yield a building folder, remove it if anything fails.
    """
    out = check_out_folder(out, command, inputs, flag)
    build = start_build(out, command, flag)
    try:
        yield build
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)


# -- a folder of reports (history index, failed notebooks) --------------------------
def owns_reports_folder(folder: Path, adopt_if_empty: bool = True) -> bool:
    """Whether netanalysis may write its own files (index.html, trends.png, failed notebooks) in `folder`.

    True when `folder` carries a reports marker, or (with `adopt_if_empty`)
    holds nothing but report folders netanalysis wrote and our building
    folders, in which case it is marked now.
    """
    from netanalysis.paths import REPORTS

    marker = read_marker(folder)
    if marker is not None:
        return marker.get("command") == REPORTS_FOLDER
    if not folder.is_dir():
        return False
    if folder.resolve() == REPORTS.resolve():  # the project's own (git-ignored) reports folder
        write_marker(folder, REPORTS_FOLDER, files=[])
        return True
    if not adopt_if_empty:
        return False
    for entry in folder.iterdir():
        ours = (entry.is_dir() and (entry.name.startswith(".") and ".building-" in entry.name
                                    or (read_marker(entry) or {}).get("command") in ("report", "classroom")))
        if not ours:
            return False
    write_marker(folder, REPORTS_FOLDER, files=[])
    return True


def is_our_failed_notebook(path: Path) -> bool:
    """A failed executed notebook kept by an earlier run (its metadata says so)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(nb, dict) and isinstance(nb.get("metadata"), dict) and "netanalysis_failed" in nb["metadata"]


def keep_failed_notebook(executed: Path, out: Path, notebook: str) -> Path | None:
    """Keep a failed run's executed notebook where the user can find it, never over a user file.

    Next to the report as ``<out>.failed-<notebook>.ipynb`` when the parent is a
    folder of reports netanalysis owns and the name is free or holds an
    earlier failed notebook; else in a new private folder under the system
    temporary folder. Returns the path, or None when there was nothing to keep.
    """
    if not executed.exists():
        return None
    nb = json.loads(executed.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {})["netanalysis_failed"] = {"notebook": notebook, "report": str(out)}
    text = json.dumps(nb, indent=1)
    kept = out.parent / f"{out.name}.failed-{notebook}.ipynb"
    if not (owns_reports_folder(out.parent) and (not kept.exists() or is_our_failed_notebook(kept))):
        kept = Path(tempfile.mkdtemp(prefix="netanalysis-failed-")) / kept.name
    tmp = kept.with_name(f".{kept.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(kept)
    return kept


def remove_failed_notebooks(out: Path) -> None:
    """After a successful run: drop failed notebooks an earlier run kept next to `out` (ours only)."""
    for stale in out.parent.glob(f"{out.name}.failed-*.ipynb"):
        if is_our_failed_notebook(stale):
            stale.unlink(missing_ok=True)


# -- a single output file ---------------------------------------------------------
def parquet_mark() -> dict[bytes, bytes]:
    """The key-value metadata that marks a Parquet file as written by netanalysis."""
    return {PARQUET_KEY: json.dumps({"command": "panel", "version": version()}).encode()}


def is_our_parquet(path: Path) -> bool:
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
    except Exception:  # noqa: BLE001 - not Parquet, unreadable: not ours
        return False
    return PARQUET_KEY in meta


def check_out_file(out, inputs=(), flag: str = "--out") -> Path:
    """Raise UserError unless the file `out` is new or a Parquet file netanalysis wrote."""
    out = Path(out)
    check_apart(out, inputs, flag)
    if out.is_dir():
        raise UserError(f"{flag} {out}: is a folder; this command writes one Parquet file (e.g. {out / 'panel.parquet'})")
    if out.exists() and not is_our_parquet(out):
        raise UserError(f"{flag} {out}: exists and was not written by netanalysis (no netanalysis Parquet metadata); "
                        "choose a new file name")
    _check_parent(out, flag)
    return out


@contextlib.contextmanager
def building_file(out, command: str, inputs=(), flag: str = "--out"):
    """Yield a path in a building folder next to `out`; on success move it onto `out` (checked again)."""
    out = check_out_file(out, inputs, flag)
    build = start_build(out, command, flag)
    try:
        target = build / out.name
        yield target
        check_out_file(out, inputs, flag)
        target.replace(out)
    finally:
        shutil.rmtree(build, ignore_errors=True)

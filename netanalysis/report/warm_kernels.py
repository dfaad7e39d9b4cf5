"""Notebook kernels forked from a warm process that has already imported what the notebooks import.

A new kernel process spends about a second starting ipykernel, then one to four seconds
importing pandas, matplotlib, scikit-learn and the analysis modules before the notebook's
first line of analysis; a report starts one kernel per notebook, and the test suite some
seventy. Here one *warm process* per runner process does those imports once (in the
background, while the runner loads the data), and each kernel is a `fork` of it: the same
interpreter, environment and modules a new process would have, ready at once.

The warm process is used only where a fork gives what a new process would:

- on Linux (forking without `exec` is unsafe with some macOS system libraries; Windows has
  no fork) with `os.pidfd_open`, which lets the runner watch a process that is not its child;
- for the report's own kernel command (`python -m netanalysis.report.kernel ...`);
- when the kernel's environment equals the warm process's, apart from the per-kernel `JPY_*`
  variables: libraries read some variables (thread counts, the figure backend, the hash seed)
  when first imported, so another environment gets a warm process of its own;
- when the warm process runs no thread but its allocator's (a fork copies only the thread
  that forks, and a lock another thread held would stay locked in the kernel).

Anything else starts the kernel as a new process, as jupyter_client does. Set
``NETANALYSIS_WARM_KERNELS=0`` to start every kernel that way.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import functools
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

KERNEL_MODULE = "netanalysis.report.kernel"
# Imported by every kernel before its notebook's first cell.
ALWAYS_IMPORTED = ("import ipykernel.kernelapp", "import ipykernel.ipkernel", "import ipykernel.zmqshell")
# Above this many interactions a report starts its kernels as new processes (`runner._kernels_for`): there
# a kernel runs for minutes, its memory matters more than a second or two of its start, and the pages it
# shares with the warm process mostly end up copied (10M interactions: 12.2 GB at the peak, against 11.0).
LARGEST_WARM_DATA = 2_000_000
# How long a kernel waits for the warm process to finish importing before it starts as a new process.
IMPORTS_WAIT = 120.0
# Variables that may differ between a kernel and its warm process: pandera sets the first two when imported
# (for Spark; every kernel imports it too), pytest names the running test in the third, and netanalysis reads
# its anonymizing key and the classroom's batch flag when a function runs. No library reads them when
# imported, and the kernel gets its own values.
NOT_COMPARED = {"SPARK_LOCAL_IP", "PYARROW_IGNORE_TIMEZONE", "PYTEST_CURRENT_TEST", "NETANALYSIS_KEY",
                "NETANALYSIS_BATCH"}
# jemalloc (pyarrow's allocator) keeps a purging thread; its own fork handlers make forking safe.
FORK_SAFE_THREADS = {"jemalloc_bg_thd"}


def enabled() -> bool:
    """Whether kernels may be forked from a warm process here (Linux with pidfds, not switched off)."""
    return (sys.platform.startswith("linux") and os.environ.get("NETANALYSIS_WARM_KERNELS", "1") != "0"
            and _pidfds_work())


@functools.cache
def _pidfds_work() -> bool:
    """Whether this system lets us open a pidfd (some container sandboxes refuse the system call)."""
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):
        return False
    return True


# Python 3.11 builds `ast` trees with interpreter-wide state: two threads parsing at once (the runner's
# notebook threads each call `prepare`) can fail with "SystemError: AST constructor recursion depth mismatch"
# (CPython gh-106905). One parse at a time.
_parse_lock = threading.Lock()


def notebook_imports(notebooks) -> list[str]:
    """The import statements at the top level of the notebooks' code cells, in order, each once."""
    found: list[str] = []
    for path in notebooks:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue  # the runner reports an unreadable notebook itself
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", ""))
            try:
                with _parse_lock:
                    body = ast.parse(source).body
            except SyntaxError:  # IPython magics: not plain Python
                continue
            for node in body:
                if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
                    line = ast.get_source_segment(source, node)
                    if line not in found:
                        found.append(line)
    return found


# -- the runner's side -------------------------------------------------------------------
def _key(env: dict) -> tuple:
    """What a warm process must share with a kernel: its environment, without the per-kernel JPY_* variables
    and those `NOT_COMPARED`."""
    return tuple(sorted((k, v) for k, v in env.items() if not k.startswith("JPY_") and k not in NOT_COMPARED))


class WarmProcess:
    """A warm process started with `env`; asks it to import, or to fork a kernel. Thread-safe."""

    def __init__(self, env: dict):
        self.key = _key(env)
        ours, theirs = socket.socketpair()
        # -P: no working folder on the path (each kernel puts its own first, as `python -m` would)
        self.process = subprocess.Popen([sys.executable, "-P", "-m", __name__, str(theirs.fileno())], env=env,
                                        pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, cwd="/")
        theirs.close()
        self._sock = ours
        self._reader = ours.makefile("rb")
        self._lock = threading.Lock()  # one request at a time, its reply read before the next is sent
        self._imports_lock = threading.Lock()
        self._asked: set[str] = set()
        self._pending: list[str] = []

    def import_lines(self, lines) -> None:
        """Have the warm process import `lines` (statements not asked for before), without waiting for it.

        Imports asked for are sent before any later kernel request, so a kernel forked after
        this call finds them imported.
        """
        with self._imports_lock:
            new = [line for line in lines if line not in self._asked]
            self._asked.update(new)
            self._pending += new
        if new:
            threading.Thread(target=self.ask, args=(None,), daemon=True, name="warm-imports").start()

    def ask(self, request: dict | None, wait: float | None = None) -> dict:
        """Send the pending imports, then `request` (if any); its reply, or {"error": ...} when the process is gone.

        With `wait`, give up (with an error) if another request still holds the process after `wait` seconds.
        """
        if not self._lock.acquire(timeout=-1 if wait is None else wait):
            return {"error": f"the warm process was still busy after {wait} s"}
        try:
            with self._imports_lock:
                imports, self._pending = self._pending, []
            if imports:
                self._request({"imports": imports})
            return self._request(request) if request is not None else {}
        finally:
            self._lock.release()

    def _request(self, request: dict) -> dict:
        try:
            self._sock.sendall(json.dumps(request).encode() + b"\n")
            line = self._reader.readline()
        except OSError as exc:
            return {"error": str(exc)}
        return json.loads(line) if line else {"error": "the warm process ended"}

    def close(self) -> None:
        """Tell the warm process to end once it has answered (its kernels run on until they are shut down)."""
        with contextlib.suppress(OSError):  # (closed already)
            self._sock.shutdown(socket.SHUT_RDWR)  # a request waiting for its reply gets an error at once
        with self._lock:
            self._reader.close()
            self._sock.close()

    def wait(self) -> None:
        """Wait for the warm process to end after `close` (it is killed after 10 s)."""
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# A few warm processes stay, one per environment (a test suite switches between some); the last used is _current.
KEEP_ALIVE = 3
_live: dict[tuple, WarmProcess] = {}  # by `_key`, least recently used first
_current: WarmProcess | None = None
_retired: list[WarmProcess] = []  # closed, and waited for when this process ends
_registry_lock = threading.Lock()


def prepare(notebooks, env: dict) -> WarmProcess | None:
    """The warm process for kernels started with `env` (started if need be), importing what `notebooks` import.

    Returns None where warm kernels are not used (`enabled`). Does not wait for the imports.
    """
    global _current
    if not enabled():
        return None
    key = _key(env)
    with _registry_lock:
        warm = _live.pop(key, None)
        if warm is not None and warm.process.poll() is not None:  # it ended (or was killed)
            _retire(warm)
            warm = None
        if warm is None:
            try:
                warm = WarmProcess(env)
            except OSError:  # it cannot start here: kernels start as new processes
                return None
        _live[key] = _current = warm
        while len(_live) > KEEP_ALIVE:
            _retire(_live.pop(next(iter(_live))))
    warm.import_lines([*ALWAYS_IMPORTED, *notebook_imports(notebooks)])
    return warm


def _retire(warm: WarmProcess) -> None:
    warm.close()
    _retired.append(warm)


def end_all() -> None:
    """End every warm process (kernels already forked run on)."""
    with _registry_lock:
        for warm in _live.values():
            _retire(warm)
        _live.clear()


@atexit.register
def _end_warm_processes() -> None:
    end_all()
    for warm in _retired:
        warm.wait()


def fork_kernel(cmd: list[str], cwd, env: dict) -> ForkedKernel | None:
    """A kernel for `cmd` forked from the warm process, or None when it must start as a new process."""
    if not (enabled() and cmd[:3] == [sys.executable, "-m", KERNEL_MODULE]):
        return None
    warm = prepare((), env)
    if warm is None:
        return None
    # A kernel waits for the warm process's imports (seconds) but not for an import that hangs.
    reply = warm.ask({"kernel": {"argv": cmd[2:], "cwd": str(cwd or os.getcwd()), "env": env}}, wait=IMPORTS_WAIT)
    if "pid" not in reply:
        return None
    try:
        return ForkedKernel(reply["pid"])
    except ProcessLookupError:  # it ended already: let jupyter_client find out as it would
        return ForkedKernel(reply["pid"], ended=True)


class ForkedKernel:
    """The part of `subprocess.Popen` that jupyter_client uses, for a kernel the warm process forked.

    The kernel is the warm process's child, not ours, so it is watched through a pidfd; its
    exit status is not known here (the warm process collects it), and reads as 0.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, ended: bool = False):
        self.pid = pid
        self.returncode: int | None = 0 if ended else None
        self._pidfd = None if ended else os.pidfd_open(pid)

    def poll(self) -> int | None:
        return self.wait(timeout=0) if self.returncode is None else self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            if not ready:
                if timeout == 0:
                    return None
                raise subprocess.TimeoutExpired(KERNEL_MODULE, timeout)
            os.close(self._pidfd)
            self.returncode = 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class WarmProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, whose kernels are forked from the warm process when they can be."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        kernel = fork_kernel(cmd, kwargs.get("cwd"), kwargs.get("env") or dict(os.environ))
        if kernel is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process, self.pid, self.pgid = kernel, kernel.pid, kernel.pid  # the kernel leads its own group
        self.cwd = kwargs.get("cwd", Path.cwd())
        return self.connection_info


class WarmKernelManager(AsyncKernelManager):
    """The kernel manager papermill is given: its kernels come from `WarmProvisioner`."""

    async def start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or _new_id()
            self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super().start_kernel(**kw)


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


# -- the warm process's side ------------------------------------------------------------
def serve(fd: int) -> None:
    """Answer the runner's requests on socket `fd` until it closes: import lines, or fork a kernel."""
    from netanalysis.report.lighter_imports import skip_iri_grammar

    skip_iri_grammar()  # as the kernel does before ipykernel brings in jsonschema
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the runner's to handle; it closes us
    sock = socket.socket(fileno=fd)
    reader, writer = sock.makefile("rb"), sock.makefile("wb")
    while True:
        ready, _, _ = select.select([sock], [], [], 1.0)
        _reap()
        if not ready:
            continue
        line = reader.readline()
        if not line:
            return  # the runner closed its end or ended: so do we (our kernels notice and end)
        request = json.loads(line)
        reply = _import(request["imports"]) if "imports" in request else _fork(request["kernel"], sock)
        try:
            writer.write(json.dumps(reply).encode() + b"\n")
            writer.flush()
        except OSError:  # the runner stopped listening (`WarmProcess.close`)
            return


def _reap() -> None:
    """Collect the exit of every kernel that ended (their pidfds have told the runner)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _import(lines: list[str]) -> dict:
    failed = []
    for line in lines:
        try:
            exec(compile(line, "<notebook imports>", "exec"), {})  # the notebooks' own import lines
        except Exception:  # noqa: BLE001 - the kernel will import it again and show the error in its cell
            failed.append(line)
    for thread in threading.enumerate():  # an import may finish its work on a thread (pandera's, in the loader)
        if thread is not threading.main_thread():
            thread.join(timeout=60)
    return {"imported": len(lines) - len(failed), "failed": failed}


def _other_threads() -> list[str]:
    """The names of this process's threads other than the main one and those safe to fork past."""
    names = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return ["(unknown: /proc/self/task cannot be read)"]
    for task in tasks:
        if int(task) != os.getpid():
            try:
                names.append(Path(f"/proc/self/task/{task}/comm").read_text().strip())
            except OSError:
                continue  # ended meanwhile
    return [n for n in names if n not in FORK_SAFE_THREADS]


def _fork(kernel: dict, sock: socket.socket) -> dict:
    threads = _other_threads()
    if threads:
        return {"error": f"threads running: {', '.join(threads)}"}
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # what was imported stays out of the kernels' collections: their pages stay shared
    pid = os.fork()
    if pid == 0:
        _become_kernel(kernel, sock)  # never returns
    return {"pid": pid}


def _become_kernel(kernel: dict, sock: socket.socket) -> None:
    """In the forked child: take the kernel's folder, environment and arguments, and run it; then exit."""
    code = 1
    try:
        sock.close()
        os.setsid()  # its own process group, as jupyter_client gives a kernel: signals reach it and its children
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(kernel["cwd"])
        os.environ.clear()
        os.environ.update(kernel["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        time.tzset()
        sys.path.insert(0, kernel["cwd"])  # as `python -m` puts the working folder first
        from netanalysis.report import kernel as kernel_module

        # as `python -m` sets them; ipykernel read JPY_PARENT_PID when the warm process imported it, so the
        # kernel is told here to end when its parent (the warm process, which ends with the runner) does
        sys.argv = [kernel_module.__file__, *kernel["argv"][1:], f"--IPKernelApp.parent_handle={os.getppid()}"]
        if "numpy" in sys.modules:  # a new process seeds numpy's global generator afresh (`random` reseeds itself)
            sys.modules["numpy"].random.seed()
        kernel_module.run_kernel()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - shown on stderr as a new process's traceback would be
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    serve(int(sys.argv[1]))

"""One headless Chromium for many pages, driven over the DevTools protocol on a pipe.

Starting Chromium costs about a second of CPU; a test module that checks twenty pages starts
it once. Each page opens in a browser context of its own (its own cookies, storage and cache,
as a fresh profile would have), runs for the same virtual-time budget that ``--dump-dom
--virtual-time-budget`` gives, and is read as a browser shows it: the DOM after its scripts
ran, every console message (console calls, uncaught errors, and what the browser itself logs,
such as a blocked load under the Content Security Policy), any dialog a script opened, and on
request a screenshot. Only the standard library: ``--remote-debugging-pipe`` reads commands
on file descriptor 3 and writes replies and events on 4, each a JSON text ending in a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import select
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BASH = shutil.which("bash") or "/bin/bash"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--mute-audio",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


@dataclass
class Shown:
    """What one page showed: its DOM after the budget, console messages, dialogs, and a PNG if asked."""

    dom: str
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    png: bytes | None = None
    settled: bool = False  # the virtual-time budget has run out


def _above(fd: int, lowest: int) -> int:
    """`fd` moved to the lowest free descriptor number from `lowest` up."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, lowest)
    os.close(fd)
    return moved


class Chromium:
    """A headless Chromium process; ``show(path)`` loads one page in a fresh browser context."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="chromium-")
        to_browser, self._send_fd = os.pipe()
        self._recv_fd, from_browser = os.pipe()
        # above 4, so that putting one end on 3 cannot overwrite the other before it is moved to 4
        to_browser, from_browser = (_above(fd, 10) for fd in (to_browser, from_browser))
        command = [CHROMIUM, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile}", "about:blank"]
        # bash puts the two pipe ends on descriptors 3 and 4, where Chromium looks for them (dash, the usual
        # /bin/sh, takes only one-digit descriptors)
        script = (f"exec {shlex.join(command)} 3<&{to_browser} 4>&{from_browser} {to_browser}<&- "
                  f"{from_browser}>&-")
        self._proc = subprocess.Popen([BASH, "-c", script], pass_fds=(to_browser, from_browser),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._next_id = b"", 0
        self._pages: dict[str, Shown] = {}  # the pages being shown, by DevTools session
        self._shown: dict[tuple, Shown] = {}  # `show_once`'s pages, by file, bytes and budget

    # -- the protocol -----------------------------------------------------------------------------------------
    def _send(self, method: str, session: str | None = None, **params) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._send_fd, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict:
        """The next message; an event is handed at once to the page it belongs to (see `_note`)."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._recv_fd], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._recv_fd, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium ended (exit code {self._proc.wait()})")
            self._buffer += chunk
        text, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(text)
        if "method" in message and message.get("sessionId") in self._pages:
            self._note(message, self._pages[message["sessionId"]], message["sessionId"])
        return message

    def call(self, method: str, session: str | None = None, **params) -> dict:
        """Send a command and wait for its reply."""
        wanted = self._send(method, session, **params)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def _note(self, message: dict, shown: Shown, session: str) -> None:
        """Keep what a reader would see in the developer tools' console; dismiss a dialog so the page goes on."""
        method, params = message["method"], message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            shown.console.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            shown.console.append(f"uncaught: {details.get('exception', {}).get('description') or details['text']}")
        elif method == "Log.entryAdded":
            shown.console.append(f"{params['entry']['source']} {params['entry']['level']}: {params['entry']['text']}")
        elif method == "Page.javascriptDialogOpening":
            shown.dialogs.append(f"{params['type']}: {params['message']}")
            self._send("Page.handleJavaScriptDialog", session, accept=True)
        elif method == "Emulation.virtualTimeBudgetExpired":
            shown.settled = True

    # -- pages ------------------------------------------------------------------------------------------------
    def show(self, page: Path | str, budget_ms: int = 3000, screenshot: tuple[int, int] | None = None) -> Shown:
        """Load `page` (a path or URL) in a fresh context and return what it showed after `budget_ms` of
        virtual time. A dialog a script opens (``alert``) is recorded and dismissed, so the page goes on."""
        url = Path(page).as_uri() if isinstance(page, Path) else page
        context = self.call("Target.createBrowserContext")["browserContextId"]
        target = self.call("Target.createTarget", url="about:blank", browserContextId=context)["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        shown = self._pages[session] = Shown(dom="")
        try:
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable", session)
            if screenshot:
                self.call("Emulation.setDeviceMetricsOverride", session, width=screenshot[0], height=screenshot[1],
                          deviceScaleFactor=1, mobile=False)
            # as --virtual-time-budget does: time stands still while the page loads what it links to
            self.call("Emulation.setVirtualTimePolicy", session, policy="pause")
            self.call("Page.navigate", session, url=url)
            self.call("Emulation.setVirtualTimePolicy", session, policy="pauseIfNetworkFetchesPending",
                      budget=budget_ms)
            deadline = time.monotonic() + self.timeout
            while not shown.settled:
                self._receive(deadline)
            html = self.call("Runtime.evaluate", session, expression="document.documentElement.outerHTML",
                             returnByValue=True)
            shown.dom = html["result"]["value"]
            if screenshot:
                shown.png = base64.b64decode(self.call("Page.captureScreenshot", session, format="png")["data"])
        finally:
            del self._pages[session]
            self.call("Target.closeTarget", targetId=target)
            self.call("Target.disposeBrowserContext", browserContextId=context)
        return shown

    def show_once(self, page: Path, budget_ms: int = 3000) -> Shown:
        """`show(page)`, loaded once for the same file, bytes and budget: checks in several modules read the
        session's shared reports (read-only, so the files a page links to do not change either), and the same
        page shows the same DOM, console and dialogs. Treat the result as read-only."""
        page = Path(page).resolve()
        key = (str(page), hashlib.sha256(page.read_bytes()).hexdigest(), budget_ms)
        if key not in self._shown:
            self._shown[key] = self.show(page, budget_ms)
        return self._shown[key]

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):  # already gone: nothing left to close
            self.call("Browser.close")
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._send_fd)
        os.close(self._recv_fd)
        shutil.rmtree(self._profile, ignore_errors=True)

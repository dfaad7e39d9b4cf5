"""Shared test data as fixtures: tiny canonical datasets, simulated worlds and hostile report worlds.

Read-only data is built once per session (the factories cache by their arguments); the
factories that write files take the folder to write into. Functions that hold no data
live in `helpers.py`.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import os
import shutil
from pathlib import Path

# Two test workers share two cores (make test: -n 2), so each uses one thread for BLAS and OpenMP
# (scikit-learn's trees), as the report's kernels do; set before numpy loads, and inherited by the
# workers, kernels and CLI runs. Extra threads find no free core and spin waiting for one: under load
# they cost several times the CPU of the work itself.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

from netanalysis.report.lighter_imports import skip_iri_grammar  # noqa: E402

skip_iri_grammar()  # test processes render notebooks as the report's runner does, without the IRI grammar

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from helpers import write  # noqa: E402

import netanalysis  # noqa: E402
from netanalysis.classroom.naive_readings import world_dataset  # noqa: E402
from netanalysis.dataset import Dataset  # noqa: E402
from netanalysis.simulate.world import simulate_world  # noqa: E402


# -- a tiny dataset worked out by hand -----------------------------------------
def _write_tiny(folder: Path) -> Path:
    """Two contacts: Ann (met Jan, e-mailed Mar, deal Apr) and Bob (one call in Feb)."""
    write(folder, "contacts.csv", """
contact_id,name,email,company
c1,Ann Lee,ann@x.com,Acme
c2,Bob Roy,,Beta
""")
    write(folder, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
c1,2025-01-15T10:00:00Z,meeting,outbound,60
c1,2025-03-02T09:00:00Z,email,inbound,
c2,2025-02-01T12:00:00Z,call,outbound,
""")
    write(folder, "outcomes.csv", """
contact_id,timestamp,kind,status,value
c1,2025-04-10T00:00:00Z,deal,won,1000
c2,2025-04-11T00:00:00Z,deal,lost,500
""")
    return folder


@pytest.fixture
def tiny(tmp_path):
    """Two contacts: Ann (met Jan, e-mailed Mar, deal Apr) and Bob (one call in Feb), as canonical CSVs in
    the test's own folder (tests may change the files)."""
    return _write_tiny(tmp_path)


@pytest.fixture(scope="session")
def tiny_ds(tmp_path_factory):
    """The tiny dataset, loaded once per session (worker): read-only (`until` and `Dataset.from_frames`
    make new datasets); checked unchanged when the session ends."""
    ds = netanalysis.load([_write_tiny(tmp_path_factory.mktemp("tiny"))])
    loaded = {name: getattr(ds, name).copy() for name in ("contacts", "interactions", "outcomes", "rejected")}
    yield ds
    for name, frame in loaded.items():
        pd.testing.assert_frame_equal(getattr(ds, name), frame, obj=f"tiny_ds.{name} (changed by a test)")


@pytest.fixture(scope="session")
def sample_dir():
    from netanalysis.paths import SAMPLE_DATA

    return SAMPLE_DATA


@pytest.fixture(scope="session")
def sample_ds(sample_dir):
    """The bundled sample, loaded once per session (worker): read-only."""
    return netanalysis.load([sample_dir])


# -- simulated worlds, in memory ------------------------------------------------
@pytest.fixture(scope="session")
def simulated_dataset():
    """Factory ``simulated_dataset(contacts=400, months=36, seed=7)``: a simulated world as a Dataset.

    Cached by its arguments for the session: treat the result as read-only (`until` and
    `Dataset.from_frames` make new datasets).
    """
    cache: dict[tuple, Dataset] = {}

    def make(contacts: int = 400, months: int = 36, seed: int = 7) -> Dataset:
        key = (contacts, months, seed)
        if key not in cache:
            cache[key] = world_dataset(simulate_world(contacts=contacts, months=months, seed=seed))
        return cache[key]

    return make


def _world_rows(world: str, contacts: int, months: int, seed: int, **kw):
    """Hazard rows (`carryover.HazardRows`) from a simulated world's monthly truth."""
    # imported here: scipy.stats is slow to import, and the xdist controller imports this file and runs no test
    from netanalysis.analysis.returns.carryover import HazardRows

    w = simulate_world(contacts, months, seed=seed, world=world, **kw)
    m = w.monthly.sort_values(["contact_id", "month"], kind="stable").reset_index(drop=True)
    start = pd.Timestamp(w.truth.start, tz="UTC")
    won = w.outcomes[w.outcomes["status"] == "won"]
    won_month = (won["timestamp"].dt.year - start.year) * 12 + won["timestamp"].dt.month - start.month
    key = pd.MultiIndex.from_arrays([won["contact_id"].to_numpy(), won_month.to_numpy()])
    event = pd.MultiIndex.from_arrays([m["contact_id"].to_numpy(), m["month"].to_numpy()]).isin(key)
    tenure = (m["month"] - m.groupby("contact_id")["month"].transform("min")).to_numpy()
    months_from = pd.date_range(start, periods=int(m["month"].max()) + 1, freq="MS")
    period = np.asarray(months_from[m["month"].to_numpy()].to_pydatetime(), dtype=object)
    return HazardRows(unit=m["contact_id"].to_numpy(dtype=object), period=period,
                      minutes=m["minutes"].to_numpy(dtype=float), event=event.astype(float),
                      tenure=tenure.astype("int64"), starts=np.flatnonzero(tenure == 0).astype("int64"))


@pytest.fixture(scope="session")
def world_rows():
    """Factory ``world_rows(world, contacts, months, seed, **kw)``: hazard rows straight from a simulated
    world's monthly truth (no files), contact x month from first meeting to the world's last month."""
    return _world_rows


# -- worlds with hostile and distinctive strings, for the report's safety and privacy --
# Each payload, if it ever ran or became an element, leaves a mark in the DOM.
MARK = "document.documentElement.setAttribute('data-pwned','{0}')"
HOSTILE_NAMES = [
    f"<script>{MARK.format('script')}</script>Zorblax Scripta",
    "<script>alert(1)</script>",
    f'<img src=x onerror="{MARK.format("img")}">Zorblax Imago',
    '"><b id="pwned-b">Zorblax Bold</b>',
    f"<svg onload=\"{MARK.format('svg')}\"></svg>Zorblax Svgo",
    f"[Zorblax Link](javascript:{MARK.format('md-link')})",
    f"</td></tr></table><iframe id=\"pwned-iframe\" src=\"javascript:{MARK.format('iframe')}\"></iframe>",
    '=HYPERLINK("http://evil.example","Zorblax Formula")',
    "+Zorblax Plus",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(Zorblax)",
    "\tZorblax Tab",
    r"$\href{javascript:alert(1)}{x}$",  # a TeX link MathJax would typeset: pages must show it as text
]
HOSTILE_COMPANIES = [
    f"<img src=x onerror=\"{MARK.format('company')}\">Vexmoor Imaging",
    "=Vexmoor()",
    '"><b id="pwned-company">Vexmoor</b>',
]
TOKENS = ("zorblax", "quendrith", "vexmoor")


@pytest.fixture(scope="session")
def hostile_names() -> list[str]:
    """Names carrying markup, spreadsheet formulas and scripts that mark the DOM if they ever run."""
    return list(HOSTILE_NAMES)


@pytest.fixture(scope="session")
def distinctive_tokens() -> tuple[str, ...]:
    """Tokens every distinctive person's strings carry and that occur nowhere else (lower case)."""
    return TOKENS


def _distinctive_world(folder: Path, contacts: int = 120, months: int = 24, seed: int = 3, hostile: bool = True,
                       until: str | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    w = simulate_world(contacts=contacts, months=months, seed=seed)
    if until is not None:  # the same world without its interactions and outcomes after `until`
        cut = pd.Timestamp(until, tz="UTC") + pd.Timedelta(days=1)
        w.interactions = w.interactions[w.interactions["timestamp"] < cut]
        w.outcomes = w.outcomes[w.outcomes["timestamp"] < cut]
    people = w.contacts[["contact_id", "name", "email", "company", "title", "linkedin_url"]].copy()
    companies = {}
    for n, old in enumerate(sorted(people["company"].unique())):
        companies[old] = ((HOSTILE_COMPANIES[n % len(HOSTILE_COMPANIES)] + " ") if hostile else "") + f"Vexmoor{n} Holdings"
    # every person carries a payload, so whichever names a page shows are hostile ones
    names = [((HOSTILE_NAMES[i % len(HOSTILE_NAMES)] + " ") if hostile else "") + f"Zorblax{i} Quendrith"
             for i in range(len(people))]
    people["name"] = names
    people["email"] = [f"zorblax{i}@quendrith-mail.example" for i in range(len(people))]
    people["linkedin_url"] = [f"https://www.linkedin.com/in/zorblax-quendrith-{i}" for i in range(len(people))]
    people["company"] = people["company"].map(companies)
    people.to_csv(folder / "contacts.csv", index=False, quoting=csv.QUOTE_ALL)
    inter = w.interactions.drop(columns=[c for c in ("group_key",) if c in w.interactions]).copy()
    inter["timestamp"] = inter["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    inter.to_csv(folder / "interactions.csv", index=False)
    with (folder / "interactions.csv").open("a", encoding="utf-8") as fh:  # a row the loader rejects
        fh.write('"=2+5+cmd|\' /C calc\'!A0",not a date,meeting,outbound,30\n')
    out = w.outcomes.copy()
    out["account"] = out["account"].map(companies)
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(folder / "outcomes.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def distinctive_world():
    """Factory ``distinctive_world(folder, contacts=120, months=24, seed=3, hostile=True, until=None)``.

    Writes canonical CSVs into `folder` whose interactions and outcomes come from the simulator (so every
    notebook has something to analyse) and whose people's names, e-mails, companies and profile URLs carry
    the distinctive tokens and, if `hostile`, the hostile names; plus one interaction row the loader rejects.
    With `until` (a date), the interactions and outcomes after that day are left out. Returns the folder.
    """
    return _distinctive_world


# -- one headless browser per session (worker) -----------------------------------------------------
NO_BROWSER = ("headless Chromium is not installed: `make test` installs it on Debian/Ubuntu when run as root "
              "(apt-get install -y chromium); otherwise install the `chromium` package yourself")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session's page checks (`chromium.Chromium`: each page in a fresh context,
    as a new browser would show it); the test is skipped when Chromium is not installed. The files that use it
    read the shared reports, so they run one after the other on one worker, which starts it once."""
    from chromium import CHROMIUM, Chromium

    if not CHROMIUM:
        pytest.skip(NO_BROWSER)
    chromium = Chromium()
    yield chromium
    chromium.close()


# -- one report run shared by every test that only reads its outputs -------------------
@contextlib.contextmanager
def _once_per_session(tmp_path_factory, name: str):
    """Yield a folder shared by every xdist worker of this session, holding a lock on it.

    With `-n 2` each worker is a process with its own session fixtures; the base temporary
    folder's parent is common to the workers of one run (and unique to that run), so the
    first worker to take the lock builds the data and the others reuse it.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / f"shared-{name}"
    folder.mkdir(exist_ok=True)
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory):
    """The full report on the hostile distinctive world (120 people, 24 months), in ``reports/r``.

    Run once per session and shared: tests must only read it (copy it to change it).
    """
    from netanalysis.report.runner import run_report

    with _once_per_session(tmp_path_factory, "hostile_report") as folder:
        out = folder / "reports" / "r"
        if not (out / "summary.json").exists():
            data = _distinctive_world(folder / "data")
            run_report([data], out=out, progress=False)
    return out


# The anonymized reports' cut-off: the world runs on for 6 more months (149 interactions, 11 outcomes).
ANONYMIZED_AS_OF = "2024-06-30"
ANONYMIZED_KEY = "test-key-not-secret"


@pytest.fixture(scope="session")
def anonymized_reports(tmp_path_factory):
    """Two ``--anonymize`` reports with as_of 2024-06-30 on the hostile distinctive world, run once and shared.

    ``past`` reads the world cut at as_of, ``full`` the whole world (6 more months); both read the same input
    folder (filled with one, then the other), with the same key and the same copy of the notebooks. Returns a
    dict: ``past`` and ``full`` (report folders), ``past_data`` and ``full_data`` (copies of what each read),
    ``input`` (the folder both read) and ``as_of``. Tests must only read them.
    """
    from netanalysis.report.runner import report_notebooks, run_report

    with _once_per_session(tmp_path_factory, "anonymized_reports") as folder:
        found = {"past": folder / "past" / "reports" / "r", "full": folder / "full" / "reports" / "r",
                 "past_data": folder / "data" / "past", "full_data": folder / "data" / "full",
                 "input": folder / "data" / "input", "as_of": ANONYMIZED_AS_OF}
        if not all((found[run] / "summary.json").exists() for run in ("past", "full")):
            _distinctive_world(found["past_data"], until=ANONYMIZED_AS_OF)
            _distinctive_world(found["full_data"])
            # one copy of the notebooks for both runs, so that an edit in between cannot change them
            (folder / "nbs").mkdir(exist_ok=True)
            nbs = [Path(shutil.copy(nb, folder / "nbs" / nb.name)) for nb in report_notebooks()]
            old = os.environ.get("NETANALYSIS_KEY")
            os.environ["NETANALYSIS_KEY"] = ANONYMIZED_KEY
            try:
                for run in ("past", "full"):
                    shutil.rmtree(found["input"], ignore_errors=True)
                    shutil.copytree(found[f"{run}_data"], found["input"])
                    run_report([found["input"]], out=found[run], as_of=ANONYMIZED_AS_OF, anonymize=True,
                               progress=False, notebooks=nbs)
            finally:
                os.environ.pop("NETANALYSIS_KEY") if old is None else os.environ.__setitem__("NETANALYSIS_KEY", old)
    return found


@pytest.fixture(scope="session")
def classroom_demo(tmp_path_factory):
    """The classroom demo (14 months, 40 students, seed 3), run once per session and shared.

    Tests may try to replace it only with runs that must fail and leave it byte-identical.
    """
    from netanalysis.classroom.demo import run_classroom

    with _once_per_session(tmp_path_factory, "classroom") as folder:
        out = folder / "demo"
        if not (out / "summary.json").exists():
            run_classroom(out=out, parameters={"months": "14", "n_students": "40", "seed": "3"})
    return out


# -- how two xdist workers share the files, so that they end together ------------------------
# The files whose tests read a shared report run on one worker, one after the other, under ``--dist loadfile``
# (make test): the report is built once and no worker waits on the other's lock. Checked against the
# fixtures each file's tests use (pytest_collection_modifyitems below).
SHARED_FIXTURES = {"hostile_report": "shared_reports", "classroom_demo": "shared_reports",
                   "anonymized_reports": "anonymized_reports"}
SHARED_REPORT_FILES = {
    **dict.fromkeys(("tests/test_report_runs.py", "tests/test_report_safety.py", "tests/test_report_pages.py",
                     "tests/test_report_outputs.py", "tests/test_classroom.py"), "shared_reports"),
    **dict.fromkeys(("tests/test_report_privacy.py", "tests/test_report_no_future.py"), "anonymized_reports"),
}
# The heaviest work units, heaviest first (sum a run's durations per file with benchmarks/suite_times.py):
# they start at once and the many short files fill the end.
HEAVIEST_FIRST = ("shared_reports", "tests/test_returns_verdict.py", "tests/test_lag_shape.py", "tests/test_scale.py",
                  "anonymized_reports", "tests/test_load_properties.py", "tests/test_report_history_datasets.py",
                  "tests/test_canonical_load.py", "tests/test_report_without_outcomes.py", "tests/test_warm_kernels.py",
                  "tests/test_report_imports.py", "tests/test_returns_truth.py",
                  "tests/test_sources_crm.py", "tests/test_sources_linkedin.py", "tests/test_hostile_inputs.py",
                  "tests/test_predict_fast_paths.py", "tests/test_predict_leakage.py")


def work_unit(nodeid: str) -> str:
    """The file of a test, or the shared report's name for the files that read one."""
    path = nodeid.split("::", 1)[0]
    return SHARED_REPORT_FILES.get(path, path)


def pytest_configure(config):
    """Keep the order below under xdist: its loadscope re-sort (by number of tests) put long files last."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist it is never called
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with the files that read one shared report as one unit of work."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedReportScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return SharedReportScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Heaviest units first, the rest in their usual order; every file that reads a shared report is listed."""
    unlisted = sorted({item.nodeid.split("::", 1)[0] for item in items
                       if set(item.fixturenames) & set(SHARED_FIXTURES) and work_unit(item.nodeid) not in SHARED_FIXTURES.values()})
    if unlisted:
        raise pytest.UsageError(f"tests/conftest.py: add {', '.join(unlisted)} to SHARED_REPORT_FILES")
    rank = {unit: n for n, unit in enumerate(HEAVIEST_FIRST)}
    items.sort(key=lambda item: rank.get(work_unit(item.nodeid), len(rank)))  # stable: a file keeps its order

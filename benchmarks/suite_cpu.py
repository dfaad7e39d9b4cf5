"""A pytest plugin that records each test's CPU seconds in the JUnit XML (property ``cpu_s``).

The machine is shared, so a test's duration says as much about the neighbours as about the test.
Its CPU seconds do not: this process's user + system time over the test's setup, call and teardown,
plus that of the child processes that ended meanwhile (notebook kernels, the CLI). Use::

    PYTHONPATH=benchmarks python -m pytest -p suite_cpu -n 2 --dist loadfile --junitxml=run.xml
    python benchmarks/suite_times.py run.xml

A session fixture's work is counted in the first test that asks for it. Kernels forked from the warm process
(`netanalysis.report.warm_kernels`) are its children, not the worker's: their seconds reach the worker when the
warm process ends, at the end of the run; set NETANALYSIS_WARM_KERNELS=0 to count them test by test.
"""

import resource

import pytest


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = _cpu()
    # the report of the teardown phase is sent before this hook returns, so record while setting up the
    # last phase: the property is taken from the item when each phase's report is made
    item.user_properties.append(("cpu_s", start))
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    if call.when == "teardown":
        for n, (key, value) in enumerate(item.user_properties):
            if key == "cpu_s":
                item.user_properties[n] = ("cpu_s", round(_cpu() - value, 3))
    yield

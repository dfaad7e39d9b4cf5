"""The kernel the report's notebooks run in: ipykernel's own launcher, without jsonschema's IRI grammar
(`lighter_imports.skip_iri_grammar`). Started as ``python -m netanalysis.report.kernel -f <connection file>``,
or forked from a warm process that runs `run_kernel` (`warm_kernels`)."""

from __future__ import annotations

import sys

from netanalysis.report.lighter_imports import skip_iri_grammar


def run_kernel() -> None:
    """Run ipykernel with the arguments in `sys.argv` until it is shut down."""
    skip_iri_grammar()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    if sys.path and sys.path[0] == "":  # as ipykernel_launcher: not the kernel's working folder first on the path
        del sys.path[0]
    run_kernel()

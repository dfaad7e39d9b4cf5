"""What importing the report costs: the report's own processes (runner, kernels, tests) build no grammar
parser for an IRI check the report never makes; anyone else importing netanalysis keeps the check."""

import subprocess
import sys

from netanalysis.report.runner import project_kernel

IRI_CHECK = ("import jsonschema\n"
             "print(sys.modules.get('rfc3987_syntax', 'absent') is None, 'iri' in jsonschema.FormatChecker().checkers,"
             " 'date-time' in jsonschema.FormatChecker().checkers)\n")


def _python(code: str) -> list[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_the_runner_validates_notebooks_without_building_the_iri_grammar(tmp_path):
    code = ("import sys, pytest\n"
            "from netanalysis.errors import UserError\n"
            "from netanalysis.report.runner import run_report\n"
            f"with pytest.raises(UserError): run_report([{str(tmp_path / 'missing')!r}], out={str(tmp_path / 'r')!r})\n"
            "import nbformat, papermill, nbconvert\n"
            "nb = nbformat.v4.new_notebook()\n"
            "nb.cells.append(nbformat.v4.new_code_cell('x = 1'))\n"
            "nbformat.validate(nb)\n" + IRI_CHECK)
    assert _python(code) == ["True", "False", "True"]  # the IRI check alone is left out


def test_importing_the_report_elsewhere_keeps_the_iri_check():
    code = ("import sys, netanalysis.report, netanalysis.report.runner, netanalysis.report.session\n"
            "import rfc3987_syntax, nbformat\n" + IRI_CHECK)
    assert _python(code) == ["False", "True", "True"]


def test_the_reports_kernels_start_without_the_iri_grammar():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name=project_kernel())
    try:
        out = []
        kc.execute_interactive("import sys\n" + IRI_CHECK, timeout=60,
                               output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert "".join(out).split() == ["True", "False", "True"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

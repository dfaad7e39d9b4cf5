"""What importing the report costs: no grammar parser built for a check the report never makes."""

import subprocess
import sys


def test_notebooks_validate_without_building_the_iri_grammar():
    code = ("import sys, netanalysis.report.runner, nbformat, papermill, nbconvert, jsonschema\n"
            "nb = nbformat.v4.new_notebook()\n"
            "nb.cells.append(nbformat.v4.new_code_cell('x = 1'))\n"
            "nbformat.validate(nb)\n"
            "print(sys.modules['rfc3987_syntax'] is None, 'iri' in jsonschema.FormatChecker().checkers,\n"
            "      'date-time' in jsonschema.FormatChecker().checkers)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "True"]  # the IRI check alone is left out

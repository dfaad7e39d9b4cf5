"""report.toml and as_of rules, notebook parameters typed by their annotations, and the CLI glue."""

import datetime as dt

import nbformat
import pytest

from netanalysis.cli import _report_options, build_parser, main
from netanalysis.errors import UserError
from netanalysis.report.config import read_config, resolve_as_of
from netanalysis.report.parameters import check_parameters, coerce_parameter


# -- as_of rules ----------------------------------------------------------------
@pytest.mark.parametrize("rule, today, expected", [
    ("end of last month", dt.date(2026, 3, 15), "2026-02-28"),
    ("end of last month", dt.date(2024, 3, 1), "2024-02-29"),      # leap year
    ("end of last month", dt.date(2026, 1, 31), "2025-12-31"),     # across the year
    ("End of  last_month", dt.date(2026, 5, 2), "2026-04-30"),
    ("end of last quarter", dt.date(2026, 5, 20), "2026-03-31"),
    ("end of last quarter", dt.date(2026, 1, 1), "2025-12-31"),
    ("end of last quarter", dt.date(2026, 12, 31), "2026-09-30"),
    ("end of last year", dt.date(2026, 6, 1), "2025-12-31"),
    ("today", dt.date(2026, 6, 1), "2026-06-01"),
    ("2025-06-30", dt.date(2026, 6, 1), "2025-06-30"),
    ("last data", dt.date(2026, 6, 1), None),
    ("", dt.date(2026, 6, 1), None),
    (None, dt.date(2026, 6, 1), None),
])
def test_as_of_rules(rule, today, expected):
    assert resolve_as_of(rule, None, today) == expected


def test_impossible_date_or_unknown_rule_is_a_user_error():
    with pytest.raises(UserError, match="2025-02-30"):
        resolve_as_of("2025-02-30", None)
    with pytest.raises(UserError, match="'end of last mnth' is neither a date nor a rule.*end of last quarter"):
        resolve_as_of("end of last mnth", None)
    assert resolve_as_of("2025-06-30T12:00:00+02:00", None) == "2025-06-30T12:00:00+02:00"


# -- report.toml ----------------------------------------------------------------
def test_config_paths_are_relative_to_the_file(tmp_path):
    (tmp_path / "cfg").mkdir()
    f = tmp_path / "cfg" / "report.toml"
    f.write_text('inputs = ["exports", "/abs/calendar.ics"]\nas_of = "end of last quarter"\nperiod = "quarter"\n'
                 'anonymize = true\nout = "reports/{as_of}"\nme = ["me@x.com"]\n[parameters]\nseed = 3\nunit = "account"\n')
    cfg = read_config(f)
    assert cfg["inputs"] == [tmp_path / "cfg" / "exports", tmp_path.anchor and __import__("pathlib").Path("/abs/calendar.ics")]
    assert cfg["out"] == str(tmp_path / "cfg" / "reports" / "{as_of}")
    assert cfg["anonymize"] is True and cfg["period"] == "quarter" and cfg["parameters"] == {"seed": 3, "unit": "account"}


@pytest.mark.parametrize("text, message", [
    ('colour = "red"\n', "unknown key colour"),
    ('anonymize = "yes"\n', "anonymize must be a bool"),
    ('inputs = "data"\n', "inputs must be a list"),
    ('period = \n', "not valid TOML"),
])
def test_bad_config_names_the_key(tmp_path, text, message):
    f = tmp_path / "report.toml"
    f.write_text(text)
    with pytest.raises(UserError, match=message):
        read_config(f)


def test_command_line_overrides_the_config(tmp_path):
    f = tmp_path / "report.toml"
    f.write_text('inputs = ["a"]\nas_of = "end of last month"\nperiod = "quarter"\n[parameters]\nseed = 3\nunit = "account"\n')
    args = build_parser().parse_args(["report", "--config", str(f), "--period", "month", "-p", "seed=5"])
    opts = _report_options(args)
    assert opts["period"] == "month" and opts["as_of"] == "end of last month" and opts["inputs"] == [tmp_path / "a"]
    assert opts["parameters"] == {"seed": "5", "unit": "account"}  # typed later, against the notebooks
    assert "anonymize" not in opts and "show_code" not in opts  # flags not given keep run_report's defaults


def test_missing_config_exits_2(tmp_path, capsys):
    assert main(["report", "--config", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert "nope.toml" in err and "Traceback" not in err


# -- parameters typed by annotations ------------------------------------------------
@pytest.mark.parametrize("raw, type_name, expected", [
    ("3", "int", 3), (" -4 ", "int", -4), (7, "int", 7),
    ("2.5", "float", 2.5), ("3", "float", 3.0), (3, "float", 3.0),
    ("true", "bool", True), ("No", "bool", False), ("1", "bool", True), (False, "bool", False),
    ("hello", "str", "hello"), ("", "str", ""),
    ('["a", "b"]', "list", ["a", "b"]), ("a, b,c", "list[str]", ["a", "b", "c"]), ("1,2", "list[int]", [1, 2]),
    ([1.5, 2], "list[float]", [1.5, 2.0]), ("none", "Optional[int]", None), ("5", "int | None", 5),
    ('{"a": 1}', "dict", {"a": 1}),
])
def test_coerce_parameter(raw, type_name, expected):
    value = coerce_parameter("x", raw, type_name)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw, type_name", [
    ("abc", "int"), ("2.5", "int"), (True, "int"), ("maybe", "bool"), ("nan", "float"), ("x", "float"),
    (3, "str"), ("1,x", "list[int]"), ("[1", "list"), ("[1]", "dict"), ("none", "int"),
])
def test_bad_values_are_user_errors_naming_the_parameter(raw, type_name):
    with pytest.raises(UserError, match=r"^(-p x=|parameter x)"):
        coerce_parameter("x", raw, type_name)


def test_untyped_parameter_takes_its_default_type():
    assert coerce_parameter("n", "7", "None", default="5") == 7
    assert coerce_parameter("s", "7", "None", default='"a"') == "7"


@pytest.fixture
def notebooks(tmp_path):
    def nb(name, params):
        book = nbformat.v4.new_notebook()
        book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        cell = nbformat.v4.new_code_cell(params)
        cell.metadata["tags"] = ["parameters"]
        book.cells.append(cell)
        nbformat.write(book, str(tmp_path / name))
        return tmp_path / name
    return [nb("01_a.ipynb", 'data_dir: str = ""\nseed: int = 0\nhalf_life_months: float = 3.0\n'),
            nb("02_b.ipynb", 'data_dir: str = ""\nseed: int = 0\nshow: list = []\n')]


def test_check_parameters_routes_and_types(notebooks):
    out = check_parameters(notebooks, {"seed": "4", "show": "a,b", "half_life_months": "6"})
    assert out["01_a"]["given"] == {"seed": 4, "half_life_months": 6.0}
    assert out["02_b"]["given"] == {"seed": 4, "show": ["a", "b"]}
    assert out["01_a"]["accepts"] == {"data_dir", "seed", "half_life_months"}


@pytest.mark.parametrize("given, message", [
    ({"colour": "red"}, r"-p colour: unknown parameter; the notebooks accept: half_life_months, seed, show"),
    ({"data_dir": "/x"}, r"-p data_dir: set by netanalysis itself"),
    ({"as_of": "2025-01-01"}, r"-p as_of: use --as-of"),
    ({"seed": "1.5"}, r"-p seed=1.5: expected a value of type int"),
])
def test_check_parameters_rejects(notebooks, given, message):
    with pytest.raises(UserError, match=message):
        check_parameters(notebooks, given)

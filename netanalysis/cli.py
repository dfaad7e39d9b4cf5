"""Command line: argument parsing only; the work is done by the modules it calls."""

from __future__ import annotations

import argparse
import os
import sys

from netanalysis.errors import UserError
from netanalysis.modes import Freq, Period, Unit, values


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # bad arguments are user errors: exit 2, one line
        self.exit(2, f"netanalysis: error: {message}\n")


def _params(items) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise UserError(f"-p {item}: expected NAME=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def _report_options(args) -> dict:
    """`run_report` arguments: the config file (if any), overridden by what the command line gives."""
    opts: dict = {}
    if args.config:
        from netanalysis.report.config import read_config

        opts = read_config(args.config)
    if args.inputs:
        opts["inputs"] = args.inputs
    for name in ("as_of", "period", "anonymize", "out", "tz", "me", "show_code", "history", "workers", "name",
                 "engine", "scheduler"):
        if getattr(args, name) is not None:
            opts[name] = getattr(args, name)
    params = dict(opts.pop("parameters", {}))
    params.update(_params(args.params))
    opts["parameters"] = params
    return opts


OUT_FOLDER = ("a new or empty folder, or one this command wrote before (it holds a .netanalysis file); "
              "a folder with other files is refused, never overwritten")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="netanalysis", description="How time invested in relationships relates to the outcomes that come back.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("simulate", help="write a simulated world as exports or canonical CSV, with ground_truth.json")
    s.add_argument("--out", required=True, help=OUT_FOLDER)
    s.add_argument("--contacts", type=int, default=400)
    s.add_argument("--months", type=int, default=36)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--half-life", type=float, default=3.0)
    s.add_argument("--format", choices=["exports", "canonical"], default="exports")
    s.add_argument("--world", choices=["carryover", "null", "reverse", "confounded", "delayed"], default="carryover",
                   help="what drives outcomes: carryover of time invested (default), nothing (null), outcomes drive "
                        "meetings (reverse), a hidden contact quality (confounded), or a delayed kernel (delayed)")
    s.add_argument("--lag-peak", dest="lag_peak", type=float, default=6.0, help="months to the peak (delayed world)")
    s.add_argument("--dose", choices=["log1p", "linear"], default="log1p")
    s.add_argument("--baseline-sd", dest="baseline_sd", type=float, default=0.0,
                   help="spread of each contact's own baseline hazard (carryover and delayed worlds)")

    ld = sub.add_parser("load", help="read exports into canonical parquet tables with a load report")
    ld.add_argument("inputs", nargs="+")
    ld.add_argument("--out", required=True, help=OUT_FOLDER + "; not inside an input")
    ld.add_argument("--tz", default="UTC")
    ld.add_argument("--me", action="append", default=[], help="e-mail, profile URL or name of the owner (repeatable)")

    _add_report_parser(sub)

    c = sub.add_parser("classroom", help="the classroom demonstration of delayed gratification")
    c.add_argument("--out", help="demo folder (default reports/classroom); " + OUT_FOLDER)
    c.add_argument("-p", dest="params", action="append", default=[], metavar="NAME=VALUE")

    pn = sub.add_parser("panel", help="build the unit x period panel from a loaded folder")
    pn.add_argument("data_dir")
    pn.add_argument("--out", required=True, help="the Parquet file to write: a new file, or one netanalysis wrote "
                                                 "(never a file of yours, never inside DATA_DIR)")
    pn.add_argument("--freq", default=Freq.M.value)
    pn.add_argument("--half-life", type=float, default=3.0)
    pn.add_argument("--unit", default=Unit.CONTACT.value)
    pn.add_argument("--as-of", dest="as_of")
    pn.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    pn.add_argument("--scheduler")
    return p


def _add_report_parser(sub) -> None:
    """The `report` command's options (a config file's values are overridden by these)."""
    r = sub.add_parser("report", help="run the notebooks into an HTML report",
                        description="Run the notebooks into an HTML report. Options given here override --config.")
    r.add_argument("inputs", nargs="*", help="export files or folders (default: the bundled sample)")
    r.add_argument("--config", help="report.toml with inputs, as_of, period, anonymize, out, parameters")
    r.add_argument("--name", default=None, help="a name for this data (up to 60 characters): reports compare only "
                                                "with earlier reports of the same name, or else of the same inputs")
    r.add_argument("--as-of", dest="as_of", help='a date YYYY-MM-DD, or "end of last month", "end of last quarter", '
                                                 '"last data" (default)')
    r.add_argument("--period", choices=values(Period), default=None)
    r.add_argument("--anonymize", action="store_true", default=None)
    r.add_argument("--out", help="report folder (default reports/<as_of>); " + OUT_FOLDER + "; not inside an input")
    r.add_argument("--tz", default=None)
    r.add_argument("--me", action="append", default=None)
    r.add_argument("--show-code", action="store_true", default=None)
    r.add_argument("--no-history", dest="history", action="store_false", default=None,
                   help="do not compare with the previous report or update the reports index")
    r.add_argument("--workers", type=int, default=None, help="notebooks run at once (default: the number of cores)")
    r.add_argument("--engine", choices=["pandas", "dask"], default=None,
                   help="what builds the notebooks' panels: pandas (default) or dask; the same numbers")
    r.add_argument("--scheduler", help="address of a running dask scheduler (tcp://HOST:8786) for --engine dask")
    r.add_argument("-p", dest="params", action="append", default=[], metavar="NAME=VALUE")


def run(args) -> int:
    if args.command == "simulate":
        from netanalysis.simulate.folder import simulate_to_folder

        out = simulate_to_folder(args.out, contacts=args.contacts, months=args.months, seed=args.seed,
                                 half_life=args.half_life, fmt=args.format, world=args.world,
                                 lag_peak=args.lag_peak, dose=args.dose, baseline_sd=args.baseline_sd)
        print(f"wrote a simulated world to {out}")
    elif args.command == "load":
        from netanalysis.io.loader import load_to_folder

        ds = load_to_folder(args.inputs, args.out, tz=args.tz, me=args.me)
        for s in ds.load_report.get("skipped", []):
            print(f"skipped {s['path']}: {s['reason']}")
        for f in ds.load_report["files"]:
            if f.get("recurrences_capped"):
                print(f"{f['path']}: {f['recurrences_capped']} recurring events cut to their latest occurrences")
        t = ds.load_report["totals"]
        print(f"{t['rows_read']} rows read: {t['loaded']} loaded, {t['duplicates']} duplicates, {t['rejected']} rejected "
              f"-> {len(ds.contacts)} contacts, {len(ds.interactions)} interactions, {len(ds.outcomes)} outcomes in {args.out}")
    elif args.command == "report":
        from netanalysis.report.runner import run_report

        out = run_report(**_report_options(args))
        print(f"report written to {out / 'index.html'}")
    elif args.command == "classroom":
        from netanalysis.classroom.demo import run_classroom

        out = run_classroom(out=args.out, parameters=_params(args.params))
        print(f"classroom demo written to {out / 'index.html'}")
    elif args.command == "panel":
        from netanalysis.dates import parse_as_of
        from netanalysis.panel.command import panel_command

        as_of = parse_as_of(args.as_of) if (args.as_of or "").strip() else None  # None: the data's last record
        out = panel_command(args.data_dir, args.out, freq=args.freq, half_life=args.half_life, unit=args.unit,
                            as_of=as_of, engine=args.engine, scheduler=args.scheduler)
        print(f"panel written to {out}")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except UserError as exc:
        print(f"netanalysis: error: {' '.join(str(exc).split())}", file=sys.stderr)  # always one line
        return 2
    except (PermissionError, FileNotFoundError, FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
        # a path problem the checks before writing did not foresee (a folder made read-only mid-run...)
        if os.environ.get("NETANALYSIS_DEBUG") or not exc.filename:
            raise
        print(f"netanalysis: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("netanalysis: interrupted", file=sys.stderr)
        return 130
    except ImportError as exc:
        if os.environ.get("NETANALYSIS_DEBUG"):
            raise
        print(f"netanalysis: error: {args.command} is not available in this version ({exc})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

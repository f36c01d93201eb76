"""``kpirules check``: evaluate a ruleset on facts and report the verdicts."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from ..errors import EvaluationError
from ..report import render
from ..ruleset import load
from .common import (
    add_data_args,
    engine,
    load_data,
    report_formats,
    report_languages,
    same_file,
    sources,
)
from .progress import display


def add_parser(sub: Any) -> argparse.ArgumentParser:
    check = sub.add_parser("check", help="evaluate a ruleset on facts and report verdicts",
                           description="Evaluate every objective of RULESET on the facts and "
                           "print pass / warn / fail / n/a / missing per objective, unit and "
                           "period, with the gap and the items needed or the budget left.")
    check.add_argument("ruleset", metavar="RULESET")
    add_data_args(check)
    check.add_argument("--format", choices=report_formats(), default="table",
                       help="table (terminal, default), json (the contract), md (Markdown), "
                       "html (a self-contained page to print), junit (JUnit XML for CI)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    check.add_argument("--lang", choices=report_languages(), default="vi",
                       help="language of the words kpirules writes (default vi)")
    check.add_argument("--compare", metavar="P", help="also show each row's actual in period "
                       "P (e.g. 2021) and the change")
    check.add_argument("--as-of", dest="as_of", metavar="MONTH", help="year to date: evaluate "
                       "the period on data through MONTH (e.g. 2022-09); rows are marked "
                       "partial")
    check.add_argument("--strict-coverage", dest="strict_coverage", action="store_true",
                       help="records that cover the period only in part (two weeks of "
                       "January for the year) are an error (exit 2), not partial rows")
    return check


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rs = load(args.ruleset)
    facts, units = load_data(args)
    counted = any(info.derived is not None for info in rs.plan.facts.values())
    if facts is None and not counted:
        raise EvaluationError(f"no data: give the facts with --facts FILE (CSV, JSON, YAML or "
                              f".xlsx); {args.ruleset} counts nothing from records")
    bound = sources(args)
    if args.output and same_file(args.output, [
            args.ruleset, *args.facts, args.units, *rs.source_files(bound)]):
        raise EvaluationError(f"--output {args.output} would overwrite an input file")
    report = rs.evaluate(facts, units=units, period=args.period, compare=args.compare,
                         as_of=args.as_of, sources=bound, engine=engine(args, bound),
                         progress=display(args.quiet), strict_coverage=args.strict_coverage)
    err.writelines(f"warning: {w}\n" for w in report.warnings)
    write(report, args, out, err)
    return report.exit_code


def write(report: Any, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    """The report in ``--format``: to ``--output``, or to ``out`` (in colour on a terminal)."""
    color = args.format == "table" and not args.output and out.isatty() and \
        "NO_COLOR" not in os.environ
    width = None if args.output or not out.isatty() else os.get_terminal_size().columns
    text = render(report, args.format, lang=args.lang, color=color, width=width)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        err.write(f"wrote {args.output}\n")
    else:
        out.write(text if text.endswith("\n") else text + "\n")

"""The command line: wiring only. ``main(argv) -> int``; the exit codes:

0    nothing failed or is missing
1    some objective failed or is missing data (check), or an expectation failed (test)
2    the ruleset, the data or the command is invalid
3    a bug in kpirules (an unexpected exception): a one-line apology on stderr, the
     traceback too with ``--debug`` or ``KPIRULES_DEBUG=1``
130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import sys
import traceback
from pathlib import Path
from typing import Any, TextIO

from . import __version__, document, targets
from .diagnostics import render
from .errors import EvaluationError, FactsError, KpiError, RulesetError
from .explain import explain_text
from .facts import merge, read_facts, read_units
from .report import FORMATS, schema_json
from .report import render as render_report
from .ruleset import Ruleset, load

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

_DESCRIPTION = """\
kpirules checks ISO 9001 quality objectives written as .kpi rulesets against data.

  kpirules lint rulesets/*.kpi                        is each ruleset well formed?
  kpirules check RULESET --facts facts.csv --units units.csv
                                                      who passes, who fails, by how much
  kpirules explain RULESET Q3.2 --facts facts.csv     where each number comes from
  kpirules schema                                     the JSON Schema of --format json
  kpirules doc RULESET --format docx -o plan.docx     the objectives plan as a document
  kpirules test tests/targets/                        regression tests on the targets

Exit codes: 0 all objectives met, 1 some failed or lack data, 2 invalid input,
3 a bug in kpirules (please report it; --debug or KPIRULES_DEBUG=1 shows the traceback),
130 interrupted."""


_DECIMAL_COMMA_HELP = ("read numbers written as text in the fact files the Vietnamese way: "
                       "`.` groups thousands, `,` is the decimal mark (1.234,5); numbers "
                       "held as numbers (JSON numbers, Excel numeric cells) are unaffected")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"kpirules: error: {message}\n"
                         "Run `kpirules --help` (or `kpirules COMMAND --help`) for usage.\n")
        raise SystemExit(EXIT_INVALID)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kpirules", description=_DESCRIPTION,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"kpirules {__version__}")
    add_debug(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    lint = sub.add_parser("lint", help="check rulesets for errors and warnings (no data read)",
                          description="Parse and check each ruleset: syntax, names, units of "
                          "measure, scopes and periods. Prints every problem with its "
                          "file:line:col. Exit 0 when clean (warnings allowed), 2 on errors.")
    lint.add_argument("rulesets", nargs="+", metavar="RULESET", help=".kpi files or globs")
    lint.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 2)")
    lint.add_argument("--facts", action="append", default=[], metavar="FILE",
                      help="also lint a fact set against the (single) ruleset: bad rows, "
                      "undeclared facts, own values that disagree with their sub-units")
    lint.add_argument("--units", metavar="FILE", help="units table for --facts")
    lint.add_argument("--decimal-comma", dest="decimal_comma", action="store_true",
                      help=_DECIMAL_COMMA_HELP)

    def data_args(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--facts", action="append", default=[], metavar="FILE",
                         help="fact set: CSV (long or wide), JSON, YAML or .xlsx; repeatable, "
                         "merged (the same unit, period and fact twice is an error)")
        cmd.add_argument("--units", metavar="FILE", help="units table CSV (id,name,parent,"
                         "level,…): the hierarchy that scopes and roll-up use")
        cmd.add_argument("--decimal-comma", dest="decimal_comma", action="store_true",
                         help=_DECIMAL_COMMA_HELP)
        cmd.add_argument("--period", metavar="P", help="period to evaluate: 2022, 2022-Q3 or "
                         "2022-07 (default: the ruleset's `period`)")
        cmd.add_argument("--source", action="append", default=[], metavar="NAME=PATH",
                         help="bind a records source to data: a CSV, Parquet or JSON-lines "
                         "file, a glob of them, or file.duckdb:table (overrides the "
                         "ruleset's `from`); repeatable")
        cmd.add_argument("--quiet", "-q", action="store_true",
                         help="no progress display while records are scanned")
        cmd.add_argument("--engine", choices=("duckdb", "postgres", "spark"), default=None,
                         help="where records are counted: duckdb (embedded; the default), "
                         "postgres (on the server of postgresql:// sources; the default when "
                         "every --source is one), spark (Spark SQL; see --spark-master)")
        cmd.add_argument("--spark-master", metavar="URL",
                         help="with --engine spark: local[4], spark://host:7077, yarn, "
                         "k8s://…; default: the active session, spark-submit's master, or "
                         "local[*]")

    check = sub.add_parser("check", help="evaluate a ruleset on facts and report verdicts",
                           description="Evaluate every objective of RULESET on the facts and "
                           "print pass / warn / fail / n/a / missing per objective, unit and "
                           "period, with the gap and the items needed or the budget left.")
    check.add_argument("ruleset", metavar="RULESET")
    data_args(check)
    check.add_argument("--format", choices=FORMATS, default="table",
                       help="table (terminal, default), json (the contract), md (Markdown), "
                       "html (a self-contained page to print), junit (JUnit XML for CI)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    check.add_argument("--lang", choices=("vi", "en"), default="vi",
                       help="language of the words kpirules writes (default vi)")
    check.add_argument("--compare", metavar="P", help="also show each row's actual in period "
                       "P (e.g. 2021) and the change")
    check.add_argument("--as-of", dest="as_of", metavar="MONTH", help="year to date: evaluate "
                       "the period on data through MONTH (e.g. 2022-09); rows are marked "
                       "partial")
    check.add_argument("--strict-coverage", dest="strict_coverage", action="store_true",
                       help="records that cover the period only in part (two weeks of "
                       "January for the year) are an error (exit 2), not partial rows")

    ex = sub.add_parser("explain", help="show how one objective's numbers were computed",
                        description="For each scope unit and period of OBJECTIVE: the measure "
                        "as a tree with each fact's value and where it came from (own value, "
                        "rolled up from which units or months), the comparison and the verdict.")
    ex.add_argument("ruleset", metavar="RULESET")
    ex.add_argument("objective", metavar="OBJECTIVE", help="objective id, e.g. Q3.2")
    data_args(ex)

    document.add_parser(sub)
    targets.add_parser(sub)
    sub.add_parser("schema", help="print the JSON Schema of the JSON report",
                   description="Print the JSON Schema of `kpirules check --format json`.")
    for cmd in sub.choices.values():  # `kpirules check … --debug`, as `kpirules --debug …`
        add_debug(cmd, default=argparse.SUPPRESS)
    return p


def add_debug(parser: argparse.ArgumentParser, default: object = False) -> None:
    parser.add_argument("--debug", action="store_true", default=default,
                        help="on an internal error (exit 3), print the traceback too "
                        "(also KPIRULES_DEBUG=1)")


def internal_error(exc: BaseException, err: TextIO, debug: bool = False) -> int:
    """Report a bug in kpirules (an exception no input should cause): one line, exit 3.

    The traceback is printed only with ``debug`` (``--debug``) or ``KPIRULES_DEBUG=1``."""
    detail = " ".join(str(exc).split())
    if len(detail) > 200:
        detail = detail[:199] + "…"
    name = type(exc).__name__ + (f": {detail}" if detail else "")
    line = (f"kpirules: internal error ({name}) — this is a bug in kpirules, not in your "
            "input; please report it, with the command and the files it read, on the "
            "kpirules issue tracker\n")
    if debug or os.environ.get("KPIRULES_DEBUG", "").strip() not in ("", "0"):
        line += "".join(traceback.format_exception(exc))
    # backslashreplace: a lone surrogate in the message must not make the report crash;
    # OSError, ValueError: a closed or broken stderr leaves nowhere to report to
    with contextlib.suppress(OSError, ValueError):
        err.write(line.encode("utf-8", "backslashreplace").decode("utf-8"))
        err.flush()
    return EXIT_BUG


def interrupted(err: TextIO) -> int:
    with contextlib.suppress(OSError, ValueError):
        err.write("kpirules: interrupted\n")
    return EXIT_INTERRUPTED


def _expand(patterns: list[str]) -> list[str]:
    out: list[str] = []
    for pat in patterns:
        hits = sorted(glob.glob(pat)) if any(ch in pat for ch in "*?[") else []
        out.extend(hits or [pat])
    return out


def _lint(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    files = _expand(args.rulesets)
    n_err = n_warn = 0
    for path in files:
        try:
            rs = load(path)
        except RulesetError as exc:
            err.write(exc.render())
            n_err += len(exc.errors)
            n_warn += len(exc.diagnostics) - len(exc.errors)
            continue
        if rs.warnings:
            err.write(render(rs.warnings, {rs.path: rs.ast.source}))
            n_warn += len(rs.warnings)
        if args.facts:
            facts, units = _load_data(args)
            for w in rs.lint_facts(facts, units=units):
                err.write(w + "\n")
                n_warn += 1
    plural = "s" if len(files) != 1 else ""
    out.write(f"{len(files)} ruleset{plural} checked: {n_err} error{'s' if n_err != 1 else ''}, "
              f"{n_warn} warning{'s' if n_warn != 1 else ''}\n")
    if n_err or (args.strict and n_warn):
        return EXIT_INVALID
    return EXIT_OK


def _sources(args: argparse.Namespace) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in getattr(args, "source", None) or []:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise EvaluationError(f"--source {item}: write NAME=PATH, e.g. "
                                  "--source dossiers=data/dossiers.parquet")
        out[name.strip()] = path.strip()
    return out


def _engine(args: argparse.Namespace, sources: dict[str, str]) -> Any:
    """--engine (default: postgres when every --source is a postgresql:// URL, else
    duckdb); with --spark-master, a SparkEngine on that master."""
    name = args.engine or ("postgres" if sources and all(
        v.lower().startswith(("postgresql://", "postgres://")) for v in sources.values())
        else "duckdb")
    if args.spark_master:
        if name != "spark":
            raise EvaluationError("--spark-master goes with --engine spark")
        from .records import make_engine
        return make_engine("spark", progress=not args.quiet, master=args.spark_master)
    return name


def _load_data(args: argparse.Namespace) -> tuple[object, object]:
    comma = getattr(args, "decimal_comma", False)
    facts = merge([read_facts(f, decimal_comma=comma) for f in args.facts]) \
        if args.facts else None
    units = read_units(args.units) if args.units else None
    return facts, units


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rs = load(args.ruleset)
    facts, units = _load_data(args)
    counted = any(info.derived is not None for info in rs.plan.facts.values())
    if facts is None and not counted:
        raise EvaluationError(f"no data: give the facts with --facts FILE (CSV, JSON, YAML or "
                              f".xlsx); {args.ruleset} counts nothing from records")
    sources = _sources(args)
    if args.output and _same_file(Path(args.output), [
            args.ruleset, *args.facts, args.units, *map(str, rs.source_files(sources))]):
        raise EvaluationError(f"--output {args.output} would overwrite an input file")
    report = rs.evaluate(facts, units=units, period=args.period,  # type: ignore[arg-type]
                         compare=args.compare, as_of=args.as_of, sources=sources,
                         engine=_engine(args, sources), progress=not args.quiet,
                         strict_coverage=args.strict_coverage)
    for w in report.warnings:
        err.write(f"warning: {w}\n")
    color = args.format == "table" and not args.output and out.isatty() and \
        "NO_COLOR" not in os.environ
    width = None if args.output or not out.isatty() else os.get_terminal_size().columns
    text = render_report(report, args.format, lang=args.lang, color=color, width=width)
    if args.output:
        target = Path(args.output)
        target.write_text(text, encoding="utf-8")
        err.write(f"wrote {args.output}\n")
    else:
        out.write(text if text.endswith("\n") else text + "\n")
    return report.exit_code


def _same_file(target: Path, inputs: list[str | None]) -> bool:
    try:
        t = target.resolve()
        return any(i is not None and Path(i).resolve() == t for i in inputs)
    except OSError:
        return False


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rs: Ruleset = load(args.ruleset)
    if args.objective not in rs.objective_ids:
        raise EvaluationError(f"no objective `{args.objective}` in {args.ruleset}; it has: "
                              + ", ".join(rs.objective_ids))
    facts, units = _load_data(args)
    sources = _sources(args)
    text, code = explain_text(rs, args.objective, facts, units=units, period=args.period,
                              sources=sources, engine=_engine(args, sources))
    out.write(text)
    return code


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(out)
        return EXIT_INVALID
    try:
        if args.command == "lint":
            return _lint(args, out, err)
        if args.command == "check":
            return _check(args, out, err)
        if args.command == "explain":
            return _explain(args, out, err)
        if args.command == "doc":
            return document.main(args, out, err)
        if args.command == "test":
            return targets.main(args, out, err)
        out.write(schema_json())
        return EXIT_OK
    except RulesetError as exc:
        err.write(exc.render())
        return EXIT_INVALID
    except FactsError as exc:
        err.write(exc.render() + "\n")
        return EXIT_INVALID
    except (EvaluationError, KpiError) as exc:
        err.write(f"kpirules: error: {exc}\n")
        return EXIT_INVALID
    except BrokenPipeError:  # pragma: no cover - `kpirules check … | head`
        return EXIT_OK
    except OSError as exc:
        err.write(f"kpirules: error: {exc.strerror or exc}: {getattr(exc, 'filename', '')}\n")
        return EXIT_INVALID
    except KeyboardInterrupt:
        return interrupted(err)
    except Exception as exc:  # noqa: BLE001 - any other exception is a bug of ours: exit 3
        return internal_error(exc, err, getattr(args, "debug", False))


def entry() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
        except (AttributeError, ValueError):  # pragma: no cover
            pass
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:  # pragma: no cover - while flushing
        code = interrupted(sys.stderr)
    except BrokenPipeError:  # pragma: no cover - `kpirules … | head` closed the pipe
        # the reader is gone: keep Python's own flush at exit from complaining
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    raise SystemExit(code)

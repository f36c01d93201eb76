"""What every command shares: the exit codes, the argument parser's error line, the
options fed by the registries, error output, the --output guard and reading the data.

The exit codes (``kpirules --help`` lists them):

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

from ..errors import EvaluationError
from ..facts import merge, read_facts, read_units
from ..records import ENGINES, make_engine
from ..report import DEFAULT_LANG, FORMATS, languages
from .progress import display

EXIT_OK, EXIT_INVALID, EXIT_BUG = 0, 2, 3  # 1 (failed) is the report's or the tests' own
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

DECIMAL_COMMA_HELP = ("read numbers written as text in the fact files the Vietnamese way: "
                      "`.` groups thousands, `,` is the decimal mark (1.234,5); numbers "
                      "held as numbers (JSON numbers, Excel numeric cells) are unaffected")


# ---------------------------------------------------------------- choices, from the registries
def report_formats() -> tuple[str, ...]:
    """``check --format``: the report renderers."""
    return tuple(FORMATS)


def engine_names() -> tuple[str, ...]:
    """``--engine``: the records engines."""
    return tuple(ENGINES)


def report_languages() -> tuple[str, ...]:
    """``--lang``: the message catalogue's languages, the default first."""
    return tuple(sorted(languages(), key=lambda lang: lang != DEFAULT_LANG))


# ---------------------------------------------------------------- the parser
class Parser(argparse.ArgumentParser):
    """argparse, with kpirules's error line and exit code 2 on a bad command."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"kpirules: error: {message}\n"
                         "Run `kpirules --help` (or `kpirules COMMAND --help`) for usage.\n")
        raise SystemExit(EXIT_INVALID)


def add_debug(parser: argparse.ArgumentParser, default: object = False) -> None:
    parser.add_argument("--debug", action="store_true", default=default,
                        help="on an internal error (exit 3), print the traceback too "
                        "(also KPIRULES_DEBUG=1)")


# ---------------------------------------------------------------- error output
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


# ---------------------------------------------------------------- files
def same_file(target: str | Path, inputs: list[str | Path | None]) -> bool:
    """Would writing ``target`` overwrite one of ``inputs``? The same path once resolved
    (symbolic links, ``..``), or the same file under another name (a hard link)."""
    t = Path(target)
    for i in inputs:
        if i is None:
            continue
        p = Path(i)
        try:
            if p.resolve() == t.resolve() or (p.exists() and t.exists() and p.samefile(t)):
                return True
        except OSError:
            continue
    return False


def expand(patterns: list[str]) -> list[str]:
    """Globs expanded (sorted); a pattern that matches nothing, or no pattern, as given."""
    out: list[str] = []
    for pat in patterns:
        hits = sorted(glob.glob(pat)) if any(ch in pat for ch in "*?[") else []
        out.extend(hits or [pat])
    return out


def load_data(args: argparse.Namespace) -> tuple[Any, Any]:
    """The merged ``--facts`` (or None) and the ``--units`` table (or None)."""
    comma = getattr(args, "decimal_comma", False)
    facts = merge([read_facts(f, decimal_comma=comma) for f in args.facts]) \
        if args.facts else None
    units = read_units(args.units) if args.units else None
    return facts, units


def sources(args: argparse.Namespace) -> dict[str, str]:
    """``--source NAME=PATH`` items by name."""
    out: dict[str, str] = {}
    for item in getattr(args, "source", None) or []:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise EvaluationError(f"--source {item}: write NAME=PATH, e.g. "
                                  "--source dossiers=data/dossiers.parquet")
        out[name.strip()] = path.strip()
    return out


def add_data_args(cmd: argparse.ArgumentParser) -> None:
    """The options that give a command its data: facts, units, period, records."""
    cmd.add_argument("--facts", action="append", default=[], metavar="FILE",
                     help="fact set: CSV (long or wide), JSON, YAML or .xlsx; repeatable, "
                     "merged (the same unit, period and fact twice is an error)")
    cmd.add_argument("--units", metavar="FILE", help="units table CSV (id,name,parent,"
                     "level,…): the hierarchy that scopes and roll-up use")
    cmd.add_argument("--decimal-comma", dest="decimal_comma", action="store_true",
                     help=DECIMAL_COMMA_HELP)
    cmd.add_argument("--period", metavar="P", help="period to evaluate: 2022, 2022-Q3 or "
                     "2022-07 (default: the ruleset's `period`)")
    cmd.add_argument("--source", action="append", default=[], metavar="NAME=PATH",
                     help="bind a records source to data: a CSV, Parquet or JSON-lines "
                     "file, a glob of them, or file.duckdb:table (overrides the "
                     "ruleset's `from`); repeatable")
    cmd.add_argument("--quiet", "-q", action="store_true",
                     help="no progress display while records are scanned")
    cmd.add_argument("--engine", choices=engine_names(), default=None,
                     help="where records are counted: duckdb (embedded; the default), "
                     "postgres (on the server of postgresql:// sources; the default when "
                     "every --source is one), spark (Spark SQL; see --spark-master)")
    cmd.add_argument("--spark-master", metavar="URL",
                     help="with --engine spark: local[4], spark://host:7077, yarn, "
                     "k8s://…; default: the active session, spark-submit's master, or "
                     "local[*]")


def engine(args: argparse.Namespace, sources: dict[str, str]) -> Any:
    """--engine (default: postgres when every --source is a postgresql:// URL, else
    duckdb); with --spark-master, a SparkEngine on that master."""
    name = args.engine or ("postgres" if sources and all(
        v.lower().startswith(("postgresql://", "postgres://")) for v in sources.values())
        else "duckdb")
    if args.spark_master:
        if name != "spark":
            raise EvaluationError("--spark-master goes with --engine spark")
        return make_engine("spark", progress=display(args.quiet), master=args.spark_master)
    return name

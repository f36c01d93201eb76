"""The command line's entry: the parser of every command, the dispatch, and the one place
that turns an exception into an exit code (input errors → 2, a bug in kpirules → 3,
Ctrl-C → 130; see :mod:`.common`)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from .. import __version__
from ..errors import EvaluationError, FactsError, KpiError, RulesetError
from . import check, doc, explain, lint, schema, test
from .common import EXIT_INVALID, EXIT_OK, Parser, add_debug, internal_error, interrupted

# the commands, in the order `kpirules --help` lists them: name → module with
# add_parser(subparsers) and run(args, out, err) -> exit code
COMMANDS = {"lint": lint, "check": check, "explain": explain, "doc": doc, "test": test,
            "schema": schema}

DESCRIPTION = """\
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


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="kpirules", description=DESCRIPTION,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"kpirules {__version__}")
    add_debug(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS.values():
        add_debug(command.add_parser(sub), default=argparse.SUPPRESS)  # `check … --debug`
    return p


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run ``kpirules`` with ``argv`` (default: the process's); the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command is None:
        p.print_help(out)
        return EXIT_INVALID
    try:
        return COMMANDS[args.command].run(args, out, err)
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

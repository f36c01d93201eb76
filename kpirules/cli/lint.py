"""``kpirules lint``: is each ruleset well formed (and, with --facts, its fact set)?"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..diagnostics import render
from ..errors import RulesetError
from ..ruleset import load
from .common import DECIMAL_COMMA_HELP, EXIT_INVALID, EXIT_OK, expand, load_data


def add_parser(sub: Any) -> argparse.ArgumentParser:
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
                      help=DECIMAL_COMMA_HELP)
    return lint


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    files = expand(args.rulesets)
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
            facts, units = load_data(args)
            for w in rs.lint_facts(facts, units=units):
                err.write(w + "\n")
                n_warn += 1
    plural = "s" if len(files) != 1 else ""
    out.write(f"{len(files)} ruleset{plural} checked: {n_err} error{'s' if n_err != 1 else ''}, "
              f"{n_warn} warning{'s' if n_warn != 1 else ''}\n")
    if n_err or (args.strict and n_warn):
        return EXIT_INVALID
    return EXIT_OK

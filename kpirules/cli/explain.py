"""``kpirules explain``: where each number of one objective comes from."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..errors import EvaluationError
from ..explain import explain_text
from ..ruleset import load
from .common import add_data_args, engine, load_data, sources


def add_parser(sub: Any) -> argparse.ArgumentParser:
    ex = sub.add_parser("explain", help="show how one objective's numbers were computed",
                        description="For each scope unit and period of OBJECTIVE: the measure "
                        "as a tree with each fact's value and where it came from (own value, "
                        "rolled up from which units or months), the comparison and the verdict.")
    ex.add_argument("ruleset", metavar="RULESET")
    ex.add_argument("objective", metavar="OBJECTIVE", help="objective id, e.g. Q3.2")
    add_data_args(ex)
    return ex


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rs = load(args.ruleset)
    if args.objective not in rs.objective_ids:
        raise EvaluationError(f"no objective `{args.objective}` in {args.ruleset}; it has: "
                              + ", ".join(rs.objective_ids))
    facts, units = load_data(args)
    bound = sources(args)
    text, code = explain_text(rs, args.objective, facts, units=units, period=args.period,
                              sources=bound, engine=engine(args, bound))
    out.write(text)
    return code

"""``kpirules test``: regression tests on targets. The parser and the run live with the
test runner (:mod:`kpirules.targets`) until it is split into its parts."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .. import targets


def add_parser(sub: Any) -> argparse.ArgumentParser:
    return targets.add_parser(sub)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return targets.main(args, out, err)

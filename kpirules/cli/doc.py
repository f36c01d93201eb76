"""``kpirules doc``: the objectives plan as a document. The parser and the run live with
the document (:mod:`kpirules.document`) until it is split into its parts."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .. import document


def add_parser(sub: Any) -> argparse.ArgumentParser:
    return document.add_parser(sub)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return document.main(args, out, err)

"""``kpirules schema``: the JSON Schema of ``check --format json``."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..report import schema_json
from .common import EXIT_OK


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "schema", help="print the JSON Schema of the JSON report",
        description="Print the JSON Schema of `kpirules check --format json`.")
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(schema_json())
    return EXIT_OK

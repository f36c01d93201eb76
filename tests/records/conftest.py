"""Shared fixtures for the records tests: generated dossiers, rulesets written to disk,
and a plain-Python reference count to check the SQL path against."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from kpirules.datagen import write

ROOT = Path(__file__).resolve().parents[2]
HEADER = '''ruleset "records test"
period 2022
source dossiers from "{path}"
  unit   by unit_id
  period by returned_at
'''


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 generated dossiers over 10 communes, as Parquet (dates as dates)."""
    out = tmp_path_factory.mktemp("gen")
    write(out, 2000, 10, seed=11)
    return out


@pytest.fixture(scope="session")
def generated_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen_csv")
    write(out, 2000, 10, seed=11, fmt="csv")
    return out


@pytest.fixture
def ruleset(tmp_path: Path) -> Callable[..., Any]:
    """``ruleset(body, path=…)``: a ruleset in tmp_path reading ``path``, loaded."""
    import kpirules

    def make(body: str, path: str = "dossiers.parquet", header: str = HEADER) -> Any:
        f = tmp_path / "r.kpi"
        f.write_text(header.format(path=path) + body, encoding="utf-8")
        return kpirules.load(f)

    return make


def write_table(path: Path, columns: dict[str, list[Any]], types: dict[str, Any] | None = None
                ) -> Path:
    """A small Parquet file from columns (pyarrow infers types unless given)."""
    types = types or {}
    arrays = [pa.array(v, type=types.get(k)) for k, v in columns.items()]
    pq.write_table(pa.Table.from_arrays(arrays, names=list(columns)), path)
    return path

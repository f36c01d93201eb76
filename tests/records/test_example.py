"""examples/records: its data is what the generator writes, every unit id is in its units
table, and its facts are what the README says."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import ROOT

import kpirules
from kpirules.datagen import write
from kpirules.records import derive
from kpirules.values import Pair

EXAMPLE = ROOT / "examples" / "records"


def _units() -> list[dict[str, str]]:
    with (EXAMPLE / "data" / "units.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_example_data_is_the_generators(tmp_path: Path) -> None:
    # the README's command (pyarrow writes the same bytes for the same version)
    write(tmp_path, 20000, 40, seed=7)
    assert (tmp_path / "units.csv").read_bytes() == (EXAMPLE / "data" / "units.csv").read_bytes()
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "dossiers.parquet").equals(
        pq.read_table(EXAMPLE / "data" / "dossiers.parquet"))
    assert (EXAMPLE / "data" / "dossiers.parquet").stat().st_size < 2_000_000


def test_example_facts_match_the_readme() -> None:
    rs = kpirules.load(EXAMPLE / "dossiers.kpi")
    assert rs.warnings == ()
    ids = {u["id"] for u in _units()}
    facts, warnings = derive(rs.plan, period=rs.period or "2022", base_dir=EXAMPLE, units=ids)
    assert warnings == []

    def total(fact: str) -> object:
        vals = [v for (_, f), by in facts.items() if f == fact for v in by.values()]
        if isinstance(vals[0], Pair):
            out = vals[0]
            for v in vals[1:]:
                out = out + v
            return out
        return max(vals) if fact == "longest_wait" else sum(vals)  # type: ignore[arg-type]

    assert total("resolved") == 19427 and total("late") == 654
    assert total("online_share") == Pair(3723, 19427)
    assert (total("satisfied"), total("rated")) == (5726, 6726)
    assert total("paid_online") == 2234 and total("online") == 3723
    assert total("longest_wait") == 102 * 60  # base units: seconds
    wait = total("avg_wait")
    assert isinstance(wait, Pair) and round(wait.num / wait.den / 60, 1) == 14.7

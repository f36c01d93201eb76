"""derive() agrees with a plain-Python reference count on generated dossiers — for every
aggregate and condition operator, with dates stored as dates, as text, in CSV, in JSON
lines and as timestamps."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from reference import normal, reference

from kpirules.periods import parse_period
from kpirules.records import derive

# every aggregate, every comparison operator against every kind of value, in, is [not]
# null, not / and / or with parentheses, dates, periods, booleans, a unit of measure
FACTS = '''
fact all_records = count(dossiers)
fact resolved    = count(dossiers where returned_at is not null)
fact late        = count(dossiers where returned_at > due_at)
fact on_time     = count(dossiers where returned_at <= due_at)
fact same_day    = count(dossiers where finished_at = returned_at)
fact other_day   = count(dossiers where finished_at != returned_at)
fact early       = count(dossiers where finished_at < due_at)
fact level_3up   = count(dossiers where service_level >= 3)
fact online      = share(dossiers where channel in ("online_full", "online_partial"))
fact not_direct  = count(dossiers where not channel = "direct")
fact mixed       = count(dossiers where (channel = "direct" or rating <= 2) and not rating is null)
fact paid        = count(dossiers where fee_paid_online = true)
fact unpaid      = count(dossiers where fee_paid_online != true)
fact unrated     = count(dossiers where rating is null)
fact early_year  = count(dossiers where received_at < 2022-04-01)
fact from_july   = count(dossiers where received_at >= 2022-07-01)
fact in_march    = count(dossiers where received_at = 2022-03)
fact not_march   = count(dossiers where received_at != 2022-03)
fact after_june  = count(dossiers where received_at > 2022-06)
fact upto_june   = count(dossiers where received_at <= 2022-06)
fact before_may  = count(dossiers where received_at < 2022-05)
fact from_may    = count(dossiers where received_at >= 2022-05)
fact q_months    = count(dossiers where received_at in (2022-01, 2022-02, 2022-03))
fact wait_total  = sum(dossiers.wait_minutes where channel = "direct") : min
fact wait_avg    = avg(dossiers.wait_minutes) : min
fact rating_avg  = avg(dossiers.rating where service_level in (3, 4))
fact rating_min  = min(dossiers.rating)
fact rating_max  = max(dossiers.rating where channel = "bcci")
fact level_sum   = sum(dossiers.service_level where rating >= 4 and wait_minutes < 20)
fact paid_avg    = avg(dossiers.fee_paid_online)
fact codes       = count(dossiers where procedure_code > "1.005")
objective Q "all": resolved >= 0
'''


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()  # type: ignore[no-any-return]


def _check(rs: Any, source: Any, rows: list[dict[str, Any]]) -> None:
    period = parse_period("2022")
    got, warnings = derive(rs.plan, {"dossiers": source}, period=period)
    want = reference(rs.plan, rows, period)
    assert warnings == []
    assert normal(got) == normal(want)
    assert len(got) > 100  # the data exercises many (unit, fact) pairs


def test_parquet_with_dates(generated: Path, ruleset: Callable[..., Any]) -> None:
    rs = ruleset(FACTS)
    table = pq.read_table(generated / "dossiers.parquet")
    _check(rs, str(generated / "dossiers.parquet"), _rows(table))


def test_some_records_fall_outside_the_period(generated: Path, ruleset: Callable[..., Any]
                                              ) -> None:
    # returned in January 2023 or never returned: not in 2022's facts
    table = pq.read_table(generated / "dossiers.parquet")
    rows = _rows(table)
    outside = [r for r in rows if r["returned_at"] is None or r["returned_at"].year != 2022]
    assert len(outside) > 10
    rs = ruleset(FACTS)
    got, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period="2022")
    total = sum(v for (u, f), by in got.items() if f == "all_records" for v in by.values())
    assert total == len(rows) - len(outside)


def test_a_quarter_is_three_months(generated: Path, ruleset: Callable[..., Any]) -> None:
    rs = ruleset(FACTS)
    table = pq.read_table(generated / "dossiers.parquet")
    period = parse_period("2022-Q2")
    got, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period=period)
    assert normal(got) == normal(reference(rs.plan, _rows(table), period))
    assert {str(p) for by in got.values() for p in by} == {"2022-04", "2022-05", "2022-06"}


def test_dates_stored_as_text(generated: Path, ruleset: Callable[..., Any], tmp_path: Path
                              ) -> None:
    table = pq.read_table(generated / "dossiers.parquet")
    for col in ("received_at", "due_at", "finished_at", "returned_at"):
        i = table.schema.get_field_index(col)
        table = table.set_column(i, col, pc.cast(table[col], pa.string()))
    path = tmp_path / "text_dates.parquet"
    pq.write_table(table, path)
    rs = ruleset(FACTS)
    _check(rs, str(path), _rows(table))
    # and the same facts as with real dates
    a, _ = derive(rs.plan, {"dossiers": str(path)}, period="2022")
    b, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period="2022")
    assert normal(a) == normal(b)


def test_timestamps(generated: Path, ruleset: Callable[..., Any], tmp_path: Path) -> None:
    table = pq.read_table(generated / "dossiers.parquet")
    for col in ("received_at", "due_at", "finished_at", "returned_at"):
        i = table.schema.get_field_index(col)
        # at 15:30, so that `=` between a timestamp and a date needs the date part
        ts = pc.add(pc.cast(table[col], pa.timestamp("s")),
                    pa.scalar(15 * 3600 + 1800, pa.duration("s")))
        table = table.set_column(i, col, ts)
    path = tmp_path / "ts.parquet"
    pq.write_table(table, path)
    rs = ruleset(FACTS)
    a, _ = derive(rs.plan, {"dossiers": str(path)}, period="2022")
    b, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period="2022")
    assert normal(a) == normal(b)
    assert isinstance(_rows(table)[0]["received_at"], datetime)


def test_csv(generated: Path, generated_csv: Path, ruleset: Callable[..., Any]) -> None:
    rs = ruleset(FACTS)
    a, _ = derive(rs.plan, {"dossiers": str(generated_csv / "dossiers.csv")}, period="2022")
    b, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period="2022")
    assert normal(a) == normal(b)


def test_json_lines(generated: Path, ruleset: Callable[..., Any], tmp_path: Path) -> None:
    rows = _rows(pq.read_table(generated / "dossiers.parquet"))
    path = tmp_path / "dossiers.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, default=str) + "\n")
    rs = ruleset(FACTS)
    a, _ = derive(rs.plan, {"dossiers": str(path)}, period="2022")
    b, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period="2022")
    assert normal(a) == normal(b)


def test_in_memory_tables_and_relations(generated: Path, ruleset: Callable[..., Any]) -> None:
    import duckdb

    rs = ruleset(FACTS)
    path = str(generated / "dossiers.parquet")
    want, _ = derive(rs.plan, {"dossiers": path}, period="2022")
    table = pq.read_table(path)
    assert normal(derive(rs.plan, {"dossiers": table}, period="2022")[0]) == normal(want)
    con = duckdb.connect()
    rel = con.read_parquet(path)
    assert normal(derive(rs.plan, {"dossiers": rel}, period="2022")[0]) == normal(want)
    filtered = con.sql(f"SELECT * FROM read_parquet('{path}') WHERE channel = 'direct'")
    got, _ = derive(rs.plan, {"dossiers": filtered}, period="2022")
    assert sum(got.get(("x0001", "not_direct"), {}).values()) == 0
    assert sum(got.get(("x0001", "all_records"), {}).values()) > 0


def test_duckdb_table(generated: Path, ruleset: Callable[..., Any], tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "one_stop.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE hs AS SELECT * FROM read_parquet('{generated / 'dossiers.parquet'}')")
    con.close()
    rs = ruleset(FACTS)
    a, _ = derive(rs.plan, {"dossiers": f"{db}:hs"}, period="2022")
    b, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period="2022")
    assert normal(a) == normal(b)
    # `from` in the ruleset, relative to the ruleset's folder, with a schema-qualified table
    rs2 = ruleset(FACTS, path="one_stop.duckdb:main.hs")
    c, _ = derive(rs2.plan, period="2022", base_dir=tmp_path)
    assert normal(c) == normal(b)


def test_glob_of_files(generated: Path, ruleset: Callable[..., Any], tmp_path: Path) -> None:
    table = pq.read_table(generated / "dossiers.parquet")
    half = table.num_rows // 2
    (tmp_path / "parts").mkdir()
    pq.write_table(table.slice(0, half), tmp_path / "parts" / "a.parquet")
    pq.write_table(table.slice(half), tmp_path / "parts" / "b.parquet")
    rs = ruleset(FACTS, path="parts/*.parquet")
    a, _ = derive(rs.plan, period="2022", base_dir=tmp_path)
    b, _ = derive(rs.plan, {"dossiers": str(generated / "dossiers.parquet")}, period="2022")
    assert normal(a) == normal(b)

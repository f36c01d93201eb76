"""Spark SQL: the same scan printed for Spark and run on a local SparkSession (local[2])
must give the facts and the verdicts DuckDB gives on the same generated dossiers, with
exact decimal sums. Opt-in (``python -m pytest -m spark tests/records``): the session
takes a few seconds to start and needs Java 17+."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, write_table
from reference import normal
from test_agreement import FACTS
from test_sql import HOSTILE_COLUMN, HOSTILE_TEXT, HOSTILE_UNIT, _info

import kpirules
from kpirules import ast
from kpirules.errors import FactsError
from kpirules.periods import parse_period
from kpirules.records import bind, compile_scan, derive
from kpirules.records.spark import SparkEngine

pytestmark = [pytest.mark.spark,
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")]
EXAMPLE = ROOT / "examples" / "records"


@pytest.fixture(scope="module")
def engine(spark: Any) -> SparkEngine:
    return SparkEngine(spark)


@pytest.fixture(scope="module")
def duck_facts(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """FACTS counted by DuckDB on the Parquet file: what Spark must give."""
    folder = tmp_path_factory.mktemp("spark_rs")
    (folder / "r.kpi").write_text(_header() + FACTS, encoding="utf-8")
    rs = kpirules.load(folder / "r.kpi")
    got, _ = derive(rs.plan, {"dossiers": str(dataset / "dossiers.parquet")}, period="2022")
    return rs, got


def _header() -> str:
    from conftest import HEADER

    return HEADER.format(path="dossiers.parquet")


def test_facts_agree_with_duckdb(engine: SparkEngine, dataset: Path, duck_facts: Any) -> None:
    rs, want = duck_facts
    engine.log.clear()
    got, warnings = derive(rs.plan, {"dossiers": str(dataset / "dossiers.parquet")},
                           period="2022", engine=engine)
    assert warnings == [] and len(got) > 1000
    assert normal(got) == normal(want)
    assert [k for k, _ in engine.log] == ["probe", "scan"]  # one scan, on the cluster
    assert "TRUNC(`returned_at`, 'MONTH')" in engine.log[-1][1]


def test_csv_and_dates_stored_as_text(engine: SparkEngine, dataset: Path, duck_facts: Any,
                                      tmp_path: Path) -> None:
    rs, want = duck_facts
    got, _ = derive(rs.plan, {"dossiers": str(dataset / "dossiers.csv")}, period="2022",
                    engine=engine)
    assert normal(got) == normal(want)
    table = pq.read_table(dataset / "dossiers.parquet")
    for col in ("received_at", "due_at", "finished_at", "returned_at"):
        i = table.schema.get_field_index(col)
        table = table.set_column(i, col, pc.cast(table[col], pa.string()))
    pq.write_table(table, tmp_path / "text_dates.parquet")
    got, _ = derive(rs.plan, {"dossiers": str(tmp_path / "text_dates.parquet")},
                    period="2022", engine=engine)
    assert normal(got) == normal(want)
    assert "TRY_CAST(`returned_at` AS DATE)" in engine.log[-1][1]


def test_verdicts_agree_with_duckdb(engine: SparkEngine, dataset: Path) -> None:
    rs = kpirules.load(EXAMPLE / "dossiers.kpi")
    units = str(dataset / "units.csv")
    path = str(dataset / "dossiers.parquet")
    on_spark = rs.evaluate(sources={"dossiers": path}, units=units, engine=engine)
    on_duck = rs.evaluate(sources={"dossiers": path}, units=units)
    rows = [r.model_dump() for r in on_spark.results]
    assert rows == [r.model_dump() for r in on_duck.results]
    assert {r["verdict"] for r in rows} >= {"pass", "fail"} and len(rows) > 400
    # by name: the session already running is used (getOrCreate), and left running
    by_name = rs.evaluate(sources={"dossiers": path}, units=units, engine="spark")
    assert [r.model_dump() for r in by_name.results] == rows


def test_decimals_are_exact(engine: SparkEngine, tmp_path: Path,
                            ruleset: Callable[..., Any]) -> None:
    fees = ["0.100", "0.200", "12345678901.125", None, "0.001"]
    days = pa.array([19000, 19001, 19031, 19032, 19033], pa.int32()).cast(pa.date32())
    write_table(tmp_path / "m.parquet", {
        "unit_id": ["a", "a", "a", "b", "b"],
        "fee": pa.array([Decimal(f) if f else None for f in fees], pa.decimal128(14, 3)),
        "score": [0.1, 0.2, 1e-9, 2.5, None], "paid": [True, False, True, None, True],
        "returned_at": days})
    rs = ruleset("fact fees = sum(dossiers.fee)\nfact fee_avg = avg(dossiers.fee)\n"
                 "fact fee_min = min(dossiers.fee)\nfact scores = sum(dossiers.score)\n"
                 "fact paid = avg(dossiers.paid)\nfact top = max(dossiers.score)\n"
                 'objective Q "q": fees >= 0\n', path="m.parquet")
    duck, _ = derive(rs.plan, period="2022", base_dir=tmp_path)
    got, _ = derive(rs.plan, period="2022", base_dir=tmp_path, engine=engine)
    assert normal(got) == normal(duck)
    jan, feb = parse_period("2022-01"), parse_period("2022-02")
    assert got[("a", "scores")][jan] == Fraction(3, 10)  # DECIMAL(38, 9), not a float sum
    assert got[("a", "fees")][feb] == Fraction("12345678901.125")
    assert got[("a", "scores")][feb] == Fraction(1, 10**9)


def test_a_dataframe_binding_and_hostile_names(engine: SparkEngine, spark: Any) -> None:
    frame = spark.createDataFrame(
        [(HOSTILE_TEXT, 1, "2022-01-05"), ("b", 2, "2022-01-06"), (HOSTILE_TEXT, 4, "2022-01-07")],
        schema=f"`{HOSTILE_UNIT.replace('`', '``')}` STRING, "
        f"`{HOSTILE_COLUMN}` INT, d STRING")
    where = ast.Compare(ast.Ident(HOSTILE_UNIT), "=", ast.Text(HOSTILE_TEXT, "string"))
    facts = [_info("n", "count", None, where), _info("total", "sum", HOSTILE_COLUMN, None)]
    decl = ast.SourceDecl(ast.Ident("src"), None, ast.Ident(HOSTILE_UNIT), ast.Ident("d"))
    binding = bind("src", frame)
    scan, diags = compile_scan(decl, facts, engine.columns(binding), parse_period("2022"),
                               dialect="spark")
    assert diags == [] and scan is not None
    rows = sorted(engine.run(scan.tree, binding))
    assert [(r[0], r[2], r[4], r[5]) for r in rows] == [("b", 1, 0, 2), (HOSTILE_TEXT, 2, 2, 5)]


def test_errors(engine: SparkEngine, duck_facts: Any) -> None:
    rs, _ = duck_facts
    with pytest.raises(FactsError) as err:
        derive(rs.plan, {"dossiers": "file:///nonexistent/kpirules/dossiers.parquet"},
               period="2022", engine=engine)
    assert err.value.code == "E521" and "cannot be read" in str(err.value)
    with pytest.raises(FactsError) as err:
        derive(rs.plan, {"dossiers": "postgresql://u:pw@h/db?table=t"}, period="2022",
               engine=engine)
    assert "--engine postgres" in (err.value.hint or "") and "pw" not in str(err.value.path)


def test_names_like_patterns_coverage_and_the_last_year(engine: SparkEngine,
                                                        tmp_path: Path) -> None:
    """A file named d[1].csv is read as itself (not d1.csv); the scan's coverage and a
    period ending on 9998-12-31 (the last year a period may name) agree with DuckDB."""
    from datetime import date

    from kpirules.records import Coverage

    head = "unit_id,returned_at\n"
    (tmp_path / "d[1].csv").write_text(head + "u1,2022-01-05\nu1,2022-03-09\n")
    (tmp_path / "d1.csv").write_text(head + "u1,2022-01-05\n" * 5)
    (tmp_path / "r.kpi").write_text(
        'ruleset "s"\nperiod 2022\nunit u1\nsource d from "d[1].csv"\n  unit by unit_id\n'
        '  period by returned_at\nfact n = count(d)\nfact dec = count(d where returned_at '
        '= 9998-12)\nobjective A "n": n >= 1\n', encoding="utf-8")
    rs = kpirules.load(tmp_path / "r.kpi")
    for eng in (engine, "duckdb"):
        cov: dict[str, Coverage] = {}
        got, _ = derive(rs.plan, period="2022", base_dir=tmp_path, engine=eng, coverage=cov)
        assert sum(got[("u1", "n")].values()) == 2, eng  # type: ignore[arg-type]
        assert (cov["d"].first, cov["d"].last) == (date(2022, 1, 5), date(2022, 3, 9))
        last, _ = derive(rs.plan, period="9998", base_dir=tmp_path, engine=eng)
        assert last == {}

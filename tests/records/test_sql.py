"""The SQL side: trees, not strings — hostile names and literals stay data; one scan per
source; the same tree printed for DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import sqlglot
from conftest import ROOT, write_table
from sqlglot import exp

import kpirules
from kpirules import ast
from kpirules.checker import FactInfo
from kpirules.periods import parse_period
from kpirules.records import DIALECTS, DuckDBEngine, bind, compile_scan, derive, plan_scans
from kpirules.records.columns import family
from kpirules.units import COUNT, NUMBER
from kpirules.values import Pair

HOSTILE_COLUMN = 'a"; DROP TABLE x; --'
HOSTILE_UNIT = "u`]' OR 1=1 --"
HOSTILE_TEXT = "x'); DROP TABLE x; --"
EXAMPLE = ROOT / "examples" / "records"


def _info(name: str, func: str, column: str | None, where: ast.Condition | None) -> FactInfo:
    agg = ast.Aggregate(ast.Ident(func), ast.Ident("src"),
                        ast.Ident(column) if column else None, where)
    decl = ast.FactDecl(ast.Ident(name), None, None, agg)
    return FactInfo(name, "", COUNT if func == "count" else NUMBER,
                    "sum" if func in ("count", "sum") else func, agg, decl)


def test_hostile_identifiers_and_literals_are_quoted_by_the_generator() -> None:
    # The grammar only lets plain names through; the compiler must not rely on that.
    where = ast.Compare(ast.Ident(HOSTILE_UNIT), "=", ast.Text(HOSTILE_TEXT, "string"))
    facts = [_info("n", "count", None, where), _info("total", "sum", HOSTILE_COLUMN, None)]
    decl = ast.SourceDecl(ast.Ident("src"), None, ast.Ident(HOSTILE_UNIT), ast.Ident("d"))
    table = pa.table({HOSTILE_UNIT: [HOSTILE_TEXT, "b", HOSTILE_TEXT],
                      HOSTILE_COLUMN: [1, 2, 4],
                      "d": pa.array([19000, 19001, 19002], pa.int32()).cast(pa.date32())})
    engine = DuckDBEngine()
    engine.con.execute("CREATE TABLE x AS SELECT 42 AS sentinel")
    binding = bind("src", table)
    schema = engine.columns(binding)
    scan, diags = compile_scan(decl, facts, schema, parse_period("2022"))
    assert diags == [] and scan is not None
    for dialect in DIALECTS:
        sql = scan.sql(dialect)
        back = sqlglot.parse_one(sql, dialect=dialect)  # one statement, the names intact
        assert isinstance(back, exp.Select)
        assert HOSTILE_TEXT in {lit.this for lit in back.find_all(exp.Literal)}
        names = {i.this for i in back.find_all(exp.Identifier)}
        assert {HOSTILE_COLUMN, HOSTILE_UNIT} <= names
    assert '"a""; DROP TABLE x; --"' in scan.sql("duckdb")
    assert "'x''); DROP TABLE x; --'" in scan.sql("duckdb")
    assert "`a\"; DROP TABLE x; --`" in scan.sql("spark")
    rows = engine.run(scan.tree, binding)
    assert sorted((r[0], r[2], r[3], r[4]) for r in rows) == [
        ("b", 1, 0, 2), (HOSTILE_TEXT, 2, 2, 5)]  # records, matching, sum
    assert engine.con.execute("SELECT sentinel FROM x").fetchall() == [(42,)]


def test_hostile_string_literal_in_a_ruleset(ruleset: Callable[..., Any], tmp_path: Path
                                             ) -> None:
    write_table(tmp_path / "dossiers.parquet", {
        "unit_id": ["a", "a"], "channel": ["x'; DROP TABLE t; --", "direct"],
        "returned_at": pa.array([19000, 19001], pa.int32()).cast(pa.date32())})
    rs = ruleset('fact odd = count(dossiers where channel = "x\'; DROP TABLE t; --")\n'
                 'fact plain = count(dossiers where channel = "direct")\n'
                 'objective Q "q": odd >= 0\n')
    facts, _ = derive(rs.plan, period="2022", base_dir=tmp_path)
    assert sum(facts[("a", "odd")].values()) == 1
    assert sum(facts[("a", "plain")].values()) == 1


def test_hostile_names_in_a_csv_header(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text(f'"{HOSTILE_COLUMN.replace(chr(34), chr(34) * 2)}",u,d\n'
                                    "1.5,001,2022-01-03\n2.25,001,2022-01-04\n",
                                    encoding="utf-8")
    decl = ast.SourceDecl(ast.Ident("src"), None, ast.Ident("u"), ast.Ident("d"))
    facts = [_info("total", "sum", HOSTILE_COLUMN, None)]
    engine = DuckDBEngine()
    binding = bind("src", str(tmp_path / "h.csv"))
    binding = type(binding)(**{**binding.__dict__, "column_types": (("u", "text"),)})
    scan, diags = compile_scan(decl, facts, engine.columns(binding), parse_period("2022"))
    assert not diags and scan is not None
    rows = engine.run(scan.tree, binding)
    assert rows[0][0] == "001"  # the unit id keeps its leading zeros
    assert Fraction(rows[0][3]) == Fraction(15, 4)  # a DOUBLE column summed exactly


def test_one_scan_per_source(tmp_path: Path) -> None:
    write_table(tmp_path / "d.parquet", {
        "unit_id": ["a", "b"], "n": [1, 2],
        "returned_at": pa.array([19000, 19001], pa.int32()).cast(pa.date32())})
    write_table(tmp_path / "v.parquet", {
        "unit": ["a", "a"], "wait": [5, 7],
        "day": pa.array([19000, 19001], pa.int32()).cast(pa.date32())})
    facts = "\n".join(f"fact f{i} = count(dossiers where n >= {i})" for i in range(20))
    (tmp_path / "r.kpi").write_text(
        'ruleset "two sources"\nperiod 2022\n'
        'source dossiers from "d.parquet"\n  unit by unit_id\n  period by returned_at\n'
        'source visits from "v.parquet"\n  unit by unit\n  period by day\n'
        'source unused from "nowhere.csv"\n  unit by u\n  period by d\n'
        f"{facts}\nfact s = sum(dossiers.n)\nfact a = avg(visits.wait)\n"
        "fact m = max(visits.wait)\nfact k = share(visits where wait > 5)\n"
        + "".join(f'objective Q{i} "q": f{i} >= 0\n' for i in range(20))
        + 'objective A "a": a <= 10\n', encoding="utf-8")
    rs = kpirules.load(tmp_path / "r.kpi")
    engine = DuckDBEngine()
    facts_got, _ = derive(rs.plan, period="2022", base_dir=tmp_path, engine=engine)
    kinds = [k for k, _ in engine.log]
    assert kinds.count("scan") == 2  # one per used source, however many facts
    assert kinds.count("probe") == 2  # one schema probe per used source
    assert facts_got[("a", "f1")] == {parse_period("2022-01"): 1}
    assert facts_got[("a", "a")][parse_period("2022-01")] == Pair(12, 2)


def test_csv_may_probe_twice(tmp_path: Path) -> None:
    # a CSV column the ruleset compares with text but that looks numeric is re-read as text
    (tmp_path / "d.csv").write_text("unit_id,code,returned_at\n007,1.10,2022-02-01\n"
                                    "007,1.1,2022-02-02\n", encoding="utf-8")
    (tmp_path / "r.kpi").write_text(
        'ruleset "csv"\nperiod 2022\nsource d from "d.csv"\n  unit by unit_id\n'
        '  period by returned_at\nfact c = count(d where code = "1.10")\n'
        'objective Q "q": c >= 0\n', encoding="utf-8")
    rs = kpirules.load(tmp_path / "r.kpi")
    engine = DuckDBEngine()
    got, _ = derive(rs.plan, period="2022", base_dir=tmp_path, engine=engine)
    assert got == {("007", "c"): {parse_period("2022-02"): 1}}
    assert [k for k, _ in engine.log] == ["probe", "probe", "scan"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_example_sql_per_dialect(dialect: str, golden: Callable[[str, str], None]) -> None:
    rs = kpirules.load(EXAMPLE / "dossiers.kpi")
    scan = plan_scans(rs.plan, period="2022", base_dir=EXAMPLE)["dossiers"]
    sql = scan.sql(dialect, pretty=True) + "\n"
    assert sqlglot.parse_one(sql, dialect=dialect) is not None
    golden(sql, str(Path(__file__).parent / "golden" / f"example.{dialect}.sql"))


def test_text_dates_print_per_dialect(tmp_path: Path, golden: Callable[[str, str], None]
                                      ) -> None:
    write_table(tmp_path / "d.parquet", {"unit_id": [1], "returned_at": ["2022-01-05"],
                                         "due_at": ["2022-01-09"], "fee": [1.5]})
    (tmp_path / "r.kpi").write_text(
        'ruleset "text dates"\nperiod 2022-Q1\nsource d from "d.parquet"\n  unit by unit_id\n'
        '  period by returned_at\nfact late = count(d where returned_at > due_at)\n'
        'fact fees = sum(d.fee where due_at < 2022-02)\nobjective Q "q": late >= 0\n',
        encoding="utf-8")
    rs = kpirules.load(tmp_path / "r.kpi")
    scan = plan_scans(rs.plan, period="2022-Q1", base_dir=tmp_path)["d"]
    text = "".join(f"-- {d}\n{scan.sql(d, pretty=True)}\n" for d in DIALECTS)
    golden(text, str(Path(__file__).parent / "golden" / "text_dates.sql"))
    assert "TRY_CAST" not in scan.sql("postgres")  # PostgreSQL has none: a guarded CAST
    got, _ = derive(rs.plan, period="2022-Q1", base_dir=tmp_path)
    assert got == {("1", "late"): {parse_period("2022-01"): 0},
                   ("1", "fees"): {parse_period("2022-01"): Fraction(3, 2)}}


@pytest.mark.parametrize("name,dialect,want", [
    ("VARCHAR", "duckdb", "text"), ("DATE", "duckdb", "date"),
    ("TIMESTAMP WITH TIME ZONE", "duckdb", "timestamp"), ("HUGEINT", "duckdb", "int"),
    ("DECIMAL(18,3)", "duckdb", "decimal"), ("DOUBLE", "duckdb", "float"),
    ("BOOLEAN", "duckdb", "bool"), ("ENUM('a', 'b')", "duckdb", "text"),
    ("INTEGER[]", "duckdb", "other"), ("character varying", "postgres", "text"),
    ("timestamp without time zone", "postgres", "timestamp"),
    ("double precision", "postgres", "float"), ("numeric(10,2)", "postgres", "decimal"),
    ("string", "spark", "text"), ("bigint", "spark", "int"), ("date", "spark", "date"),
])
def test_type_families(name: str, dialect: str, want: str) -> None:
    assert family(name, dialect) == want


def test_duckdb_reader_paths_are_literals(tmp_path: Path) -> None:
    odd = tmp_path / "it's here"
    odd.mkdir()
    write_table(odd / "d.parquet", {"unit_id": ["a"], "returned_at": pa.array(
        [19000], pa.int32()).cast(pa.date32())})
    engine = DuckDBEngine()
    cols = engine.columns(bind("d", str(odd / "d.parquet")))
    assert list(cols) == ["unit_id", "returned_at"]
    assert "it''s here" in engine.log[0][1]
    assert duckdb.__version__

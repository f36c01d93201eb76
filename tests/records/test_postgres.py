"""PostgreSQL as a real source: the same scan, printed for PostgreSQL and run on a real
server (tools/start-postgres.sh, or KPIRULES_PG_URL), must give the facts and the
verdicts DuckDB gives on the same generated dossiers — dates as DATE, as text, as
timestamps; exact decimals; hostile names; one probe and one scan; clear errors.

Skipped, with the reason, where no server can be started or psycopg is missing."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from conftest import ROOT, write_table
from reference import normal
from test_agreement import FACTS
from test_sql import HOSTILE_COLUMN, HOSTILE_TEXT, HOSTILE_UNIT, _info

import kpirules
from kpirules import ast
from kpirules.errors import FactsError, RulesetError
from kpirules.periods import parse_period
from kpirules.records import bind, compile_scan, derive
from kpirules.records.postgres import PostgresEngine, split_url

psycopg = pytest.importorskip("psycopg")

EXAMPLE = ROOT / "examples" / "records"
COLUMNS = ("dossier_id bigint, unit_id text, procedure_code text, service_level smallint, "
           "channel text, received_at {d}, due_at {d}, finished_at {d}, returned_at {d}, "
           "fee_paid_online boolean, rating smallint, wait_minutes smallint")
DATES = ("received_at", "due_at", "finished_at", "returned_at")


class Database:
    """A schema of its own in the test database, with the generated dossiers loaded."""

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema
        self.con = psycopg.connect(url, autocommit=True)

    def table(self, name: str) -> str:
        """The URL binding a source to table ``name`` of this schema."""
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}table={self.schema}.{name}"

    def execute(self, sql: str, params: Any = None) -> Any:
        return self.con.execute(sql, params)

    def copy_csv(self, table: str, path: Path) -> None:
        with self.con.cursor() as cur, cur.copy(
                f'COPY "{self.schema}"."{table}" FROM STDIN (FORMAT csv, HEADER true)') as cp:
            cp.write(path.read_bytes())


@pytest.fixture(scope="module")
def db(postgres_url: str, dataset: Path) -> Iterator[Database]:
    d = Database(postgres_url, f"kpirules_test_{os.getpid()}")
    s = d.schema
    d.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')
    d.execute(f'CREATE SCHEMA "{s}"')
    d.execute(f'CREATE TABLE "{s}".dossiers ({COLUMNS.format(d="date")})')
    d.copy_csv("dossiers", dataset / "dossiers.csv")
    d.execute(f'CREATE TABLE "{s}".dossiers_text ({COLUMNS.format(d="text")})')
    d.copy_csv("dossiers_text", dataset / "dossiers.csv")
    # timestamps at 15:30, so that `finished_at = returned_at` needs the date part
    d.execute(f'CREATE TABLE "{s}".dossiers_ts AS SELECT dossier_id, unit_id, procedure_code, '
              "service_level, channel, "
              + ", ".join(f"{c} + time '15:30' AS {c}" for c in DATES)
              + f', fee_paid_online, rating, wait_minutes FROM "{s}".dossiers')
    d.execute(f'CREATE TABLE "{s}".empty (LIKE "{s}".dossiers)')
    (count,) = d.execute(f'SELECT count(*) FROM "{s}".dossiers').fetchone()
    assert count == 20_000
    yield d
    d.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')
    d.con.close()


@pytest.fixture
def facts_ruleset(ruleset: Callable[..., Any]) -> Any:
    return ruleset(FACTS)


def _duck(rs: Any, dataset: Path, period: str = "2022") -> Any:
    got, warnings = derive(rs.plan, {"dossiers": str(dataset / "dossiers.parquet")},
                           period=period)
    assert warnings == []
    return got


def _pg(rs: Any, url: str, period: str = "2022", engine: Any = "postgres") -> Any:
    got, warnings = derive(rs.plan, {"dossiers": url}, period=period, engine=engine)
    assert warnings == []
    return got


# ---------------------------------------------------------------- agreement
def test_facts_agree_with_duckdb(db: Database, dataset: Path, facts_ruleset: Any) -> None:
    want = _duck(facts_ruleset, dataset)
    got = _pg(facts_ruleset, db.table("dossiers"))
    assert normal(got) == normal(want)
    assert len(got) > 1000  # 40 communes, their districts and the province, 31 facts


def test_dates_stored_as_text(db: Database, dataset: Path, facts_ruleset: Any) -> None:
    assert normal(_pg(facts_ruleset, db.table("dossiers_text"))) == \
        normal(_duck(facts_ruleset, dataset))


def test_timestamps(db: Database, dataset: Path, facts_ruleset: Any) -> None:
    assert normal(_pg(facts_ruleset, db.table("dossiers_ts"))) == \
        normal(_duck(facts_ruleset, dataset))


def test_a_quarter(db: Database, dataset: Path, facts_ruleset: Any) -> None:
    got = _pg(facts_ruleset, db.table("dossiers"), period="2022-Q2")
    assert normal(got) == normal(_duck(facts_ruleset, dataset, period="2022-Q2"))
    assert {str(p) for by in got.values() for p in by} == {"2022-04", "2022-05", "2022-06"}


def test_verdicts_agree_with_duckdb(db: Database, dataset: Path) -> None:
    rs = kpirules.load(EXAMPLE / "dossiers.kpi")
    units = str(dataset / "units.csv")
    on_pg = rs.evaluate(sources={"dossiers": db.table("dossiers")}, units=units,
                        engine="postgres")
    on_duck = rs.evaluate(sources={"dossiers": str(dataset / "dossiers.parquet")}, units=units)
    rows = [r.model_dump() for r in on_pg.results]
    assert rows == [r.model_dump() for r in on_duck.results]
    assert {r["verdict"] for r in rows} >= {"pass", "fail"}
    assert len(rows) > 400  # every commune every month, every district, the province
    text = rs.evaluate(sources={"dossiers": db.table("dossiers_text")}, units=units,
                       engine="postgres")
    assert [r.model_dump() for r in text.results] == rows


def test_one_probe_one_scan_only_aggregates_come_back(db: Database,
                                                      facts_ruleset: Any) -> None:
    engine = PostgresEngine()
    got = _pg(facts_ruleset, db.table("dossiers"), engine=engine)
    engine.close()
    assert [k for k, _ in engine.log] == ["probe", "scan"]
    probe, scan = (sql for _, sql in engine.log)
    assert probe.endswith("LIMIT 0")
    assert "GROUP BY" in scan and "FILTER(WHERE" in scan
    months = {p for by in got.values() for p in by}
    units = {u for u, _ in got}
    assert len(months) == 12 and len(units) < 60  # rows per unit and month, not 20,000


def test_sql_adapted_for_postgres(db: Database, facts_ruleset: Any) -> None:
    engine = PostgresEngine()
    _pg(facts_ruleset, db.table("dossiers"), engine=engine)
    engine.close()
    scan = engine.log[-1][1]
    assert "CAST(DATE_TRUNC('MONTH', \"returned_at\") AS DATE)" in scan
    assert '"procedure_code" COLLATE "C" > \'1.005\'' in scan  # byte order, as DuckDB
    assert 'CAST(CAST("fee_paid_online" AS INT) AS BIGINT)' in scan  # avg of a truth value
    assert f'FROM "{db.schema}"."dossiers"' in scan


def test_text_order_is_byte_order_whatever_the_locale(db: Database, tmp_path: Path,
                                                      ruleset: Callable[..., Any]) -> None:
    words = ["apple", "Banana", "banana", "Zebra", "äpfel", "1.10", "1.9", "_x", ""]
    days = pa.array([19000] * len(words), pa.int32()).cast(pa.date32())
    write_table(tmp_path / "w.parquet", {"unit_id": ["a"] * len(words), "w": words,
                                         "returned_at": days})
    s = db.schema
    # a linguistic collation where the server has one (ICU): 'banana' < 'Z' there, not in bytes
    icu = db.execute("SELECT collname FROM pg_collation WHERE collname = 'und-x-icu'").fetchall()
    collate = ' COLLATE "und-x-icu"' if icu else ""
    db.execute(f'CREATE TABLE "{s}".words (unit_id text, w text{collate}, returned_at date)')
    for word in words:
        db.execute(f'INSERT INTO "{s}".words VALUES (%s, %s, %s)', ("a", word, "2022-01-08"))
    body = "".join(f'fact f{i} = count(dossiers where w {op} "{lit}")\n'
                   for i, (op, lit) in enumerate((o, v) for o in ("<", "<=", ">", ">=")
                                                 for v in ("banana", "Z", "1.2", "ä")))
    rs = ruleset(body + 'objective Q "q": f0 >= 0\n', path="w.parquet")
    duck, _ = derive(rs.plan, period="2022", base_dir=tmp_path)
    assert normal(_pg(rs, db.table("words"))) == normal(duck)


def test_decimals_are_exact(db: Database, tmp_path: Path, ruleset: Callable[..., Any]) -> None:
    fees = ["0.100", "0.200", "12345678901.125", None, "0.001"]
    scores = [0.1, 0.2, 1e-9, 2.5, None]
    days = pa.array([19000, 19001, 19031, 19032, 19033], pa.int32()).cast(pa.date32())
    write_table(tmp_path / "m.parquet", {
        "unit_id": ["a", "a", "a", "b", "b"],
        "fee": pa.array([Decimal(f) if f else None for f in fees], pa.decimal128(14, 3)),
        "score": scores, "paid": [True, False, True, None, True], "returned_at": days})
    s = db.schema
    db.execute(f'CREATE TABLE "{s}".money (unit_id text, fee numeric(14, 3), '
               "score double precision, paid boolean, returned_at date)")
    for row in zip(["a", "a", "a", "b", "b"], fees, scores, [True, False, True, None, True],
                   ["2022-01-08", "2022-01-09", "2022-02-08", "2022-02-09", "2022-02-10"]):
        db.execute(f'INSERT INTO "{s}".money VALUES (%s, %s, %s, %s, %s)', row)
    rs = ruleset("fact fees = sum(dossiers.fee)\nfact fee_avg = avg(dossiers.fee)\n"
                 "fact fee_min = min(dossiers.fee)\nfact scores = sum(dossiers.score)\n"
                 "fact paid = avg(dossiers.paid)\nfact top = max(dossiers.score)\n"
                 'objective Q "q": fees >= 0\n', path="m.parquet")
    duck, _ = derive(rs.plan, period="2022", base_dir=tmp_path)
    got = _pg(rs, db.table("money"))
    assert normal(got) == normal(duck)
    jan, feb = parse_period("2022-01"), parse_period("2022-02")
    assert got[("a", "fees")][jan] == Fraction(3, 10)
    assert got[("a", "scores")][jan] == Fraction(3, 10)  # not 0.30000000000000004
    assert got[("a", "fees")][feb] == Fraction("12345678901.125")
    assert got[("a", "scores")][feb] == Fraction(1, 10**9)
    assert got[("b", "fee_min")][feb] == Fraction(1, 1000)


def test_hostile_names_and_literals(db: Database) -> None:
    s = db.schema
    db.execute(f'CREATE TABLE "{s}".hostile ("{HOSTILE_UNIT}" text, '
               f'"{HOSTILE_COLUMN.replace(chr(34), chr(34) * 2)}" integer, d date)')
    for unit, n, day in ((HOSTILE_TEXT, 1, "2022-01-05"), ("b", 2, "2022-01-06"),
                         (HOSTILE_TEXT, 4, "2022-01-07"), ("50% \\ off", 8, "2022-01-08")):
        db.execute(f'INSERT INTO "{s}".hostile VALUES (%s, %s, %s)', (unit, n, day))
    db.execute(f'CREATE TABLE "{s}".x AS SELECT 42 AS sentinel')
    where = ast.Compare(ast.Ident(HOSTILE_UNIT), "=", ast.Text(HOSTILE_TEXT, "string"))
    pct = ast.Compare(ast.Ident(HOSTILE_UNIT), "=", ast.Text("50% \\ off", "string"))
    facts = [_info("n", "count", None, where), _info("total", "sum", HOSTILE_COLUMN, None),
             _info("pct", "count", None, pct)]
    decl = ast.SourceDecl(ast.Ident("src"), None, ast.Ident(HOSTILE_UNIT), ast.Ident("d"))
    engine = PostgresEngine()
    binding = bind("src", db.table("hostile"))
    scan, diags = compile_scan(decl, facts, engine.columns(binding), parse_period("2022"),
                               dialect="postgres")
    assert diags == [] and scan is not None
    rows = sorted(engine.run(scan.tree, binding))
    engine.close()
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("50% \\ off", 1, 0, 8, 1), ("b", 1, 0, 2, 0), (HOSTILE_TEXT, 2, 2, 5, 0)]
    assert db.execute(f'SELECT sentinel FROM "{s}".x').fetchall() == [(42,)]


def test_an_empty_table_gives_no_facts(db: Database, facts_ruleset: Any) -> None:
    assert _pg(facts_ruleset, db.table("empty")) == {}


def test_unknown_unit_ids_are_reported(db: Database) -> None:
    rs = kpirules.load(EXAMPLE / "dossiers.kpi")
    units = kpirules.read_units(str(EXAMPLE / "data" / "units.csv"))  # 40 communes, seed 7
    some = [u for u in units.units if u.startswith("x")][:5]
    with pytest.raises(FactsError) as err:
        derive(rs.plan, {"dossiers": db.table("dossiers")}, period="2022", engine="postgres",
               units=some)
    assert err.value.code == "E524"


def test_table_urls_with_the_engine_s_database(db: Database, dataset: Path,
                                               facts_ruleset: Any) -> None:
    conninfo = split_url(db.table("dossiers"))[0]
    engine = PostgresEngine(conninfo)
    got = _pg(facts_ruleset, f"table://{db.schema}.dossiers", engine=engine)
    engine.close()
    assert normal(got) == normal(_duck(facts_ruleset, dataset))
    given = PostgresEngine(db.con)  # an open connection: used, not closed
    got2 = _pg(facts_ruleset, f"table://{db.schema}.dossiers", engine=given)
    given.close()
    assert got2 == got and not db.con.closed


# ---------------------------------------------------------------- errors
def _fails(rs: Any, value: str, engine: Any = "postgres") -> FactsError:
    with pytest.raises(FactsError) as err:
        derive(rs.plan, {"dossiers": value}, period="2022", engine=engine)
    return err.value


def test_a_url_without_a_table(db: Database, facts_ruleset: Any) -> None:
    e = _fails(facts_ruleset, db.url)
    assert e.code == "E521" and "names no table" in str(e) and "?table=" in (e.hint or "")


def test_an_unknown_table_names_the_closest(db: Database, facts_ruleset: Any) -> None:
    e = _fails(facts_ruleset, db.table("dosiers"))
    assert e.code == "E521" and "does not exist" in str(e)
    assert f"{db.schema}.dossiers" in (e.hint or "")


def test_an_unknown_column_points_at_the_ruleset(db: Database,
                                                 ruleset: Callable[..., Any]) -> None:
    rs = ruleset('fact late = count(dossiers where returned_at > due_on)\n'
                 'objective Q "q": late >= 0\n')
    with pytest.raises(RulesetError) as err:
        derive(rs.plan, {"dossiers": db.table("dossiers")}, period="2022", engine="postgres")
    (d,) = err.value.diagnostics
    assert d.code == "E522" and "did you mean `due_at`" in (d.hint or "")


def test_no_server_and_the_password_is_not_shown(facts_ruleset: Any) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    e = _fails(facts_ruleset, f"postgresql://kp:s3cret@127.0.0.1:{port}/db?table=t")
    assert e.code == "E521" and "cannot connect" in str(e)
    assert "s3cret" not in str(e) and "s3cret" not in (e.path or "")
    assert "kp:***@" in (e.path or "")


def test_engines_refuse_what_they_cannot_read(db: Database, dataset: Path,
                                              facts_ruleset: Any) -> None:
    e = _fails(facts_ruleset, str(dataset / "dossiers.parquet"))
    assert e.code == "E521" and "--engine duckdb" in (e.hint or "")
    e = _fails(facts_ruleset, db.table("dossiers"), engine="duckdb")
    assert e.code == "E521" and "--engine postgres" in (e.hint or "")


def test_coverage_agrees_with_duckdb(db: Database, dataset: Path,
                                     facts_ruleset: Any) -> None:
    """The first and last date come back with the scan, for dates, text and timestamps;
    a period with no record asks the span of the whole table (E528 names it)."""
    from kpirules.records import Coverage

    want: dict[str, Coverage] = {}
    derive(facts_ruleset.plan, {"dossiers": str(dataset / "dossiers.parquet")},
           period="2022-Q2", coverage=want)
    for table in ("dossiers", "dossiers_text", "dossiers_ts"):
        got: dict[str, Coverage] = {}
        derive(facts_ruleset.plan, {"dossiers": db.table(table)}, period="2022-Q2",
               engine="postgres", coverage=got)
        assert (got["dossiers"].first, got["dossiers"].last) == \
            (want["dossiers"].first, want["dossiers"].last), table
    none: dict[str, Coverage] = {}
    derive(facts_ruleset.plan, {"dossiers": db.table("dossiers")}, period="2031",
           engine="postgres", coverage=none)
    c = none["dossiers"]
    assert c.first is None and c.overall is not None and c.overall[0].startswith("2022-")
    empty: dict[str, Coverage] = {}
    derive(facts_ruleset.plan, {"dossiers": db.table("empty")}, period="2022",
           engine="postgres", coverage=empty)
    assert empty["dossiers"].overall is None

"""Every way a source can be wrong gets its code, the place (ruleset line and column, or
the data file) and a hint — never a traceback."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from conftest import write_table

import kpirules
from kpirules import FactsError, RulesetError
from kpirules.records import bind, derive

COUNT_LATE = "fact late = count(dossiers where returned_at > due_at)\nobjective Q \"q\": late >= 0\n"


def _dates(*days: int | None) -> Any:
    return pa.array(list(days), pa.int32()).cast(pa.date32())


def _table(tmp_path: Path, name: str = "dossiers.parquet", **extra: Any) -> Path:
    cols = {"unit_id": ["a", "b", "c"], "returned_at": _dates(19000, 19100, None),
            "due_at": _dates(18999, 19200, 19000), "channel": ["direct", "bcci", None],
            "wait_minutes": [10, 20, None]}
    cols.update(extra)
    return write_table(tmp_path / name, cols)


def _facts_error(fn: Callable[[], Any], code: str) -> FactsError:
    with pytest.raises(FactsError) as info:
        fn()
    assert info.value.code == code, str(info.value)
    pickle.loads(pickle.dumps(info.value))  # structured and picklable
    return info.value


def _ruleset_error(fn: Callable[[], Any]) -> RulesetError:
    with pytest.raises(RulesetError) as info:
        fn()
    return info.value


# ---------------------------------------------------------------- binding
def test_missing_file(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    rs = ruleset(COUNT_LATE, path="data/nowhere.parquet")
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E521")
    assert err.path == "data/nowhere.parquet" and "no such file" in err.message
    assert "relative to the ruleset's folder" in err.hint


def test_missing_file_given_by_sources(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    rs = ruleset(COUNT_LATE)
    err = _facts_error(lambda: derive(rs.plan, {"dossiers": str(tmp_path / "x.csv")},
                                      period="2022"), "E521")
    assert err.path.endswith("x.csv")


def test_a_csv_named_parquet(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "dossiers.parquet").write_text("unit_id,returned_at\na,2022-01-01\n")
    rs = ruleset(COUNT_LATE)
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E521")
    assert err.message == "the file's extension says Parquet, but it holds CSV text"
    assert err.hint == "rename it to .csv"
    assert err.render().startswith("dossiers.parquet: error[E521]: ")


def test_a_parquet_named_csv(tmp_path: Path) -> None:
    path = _table(tmp_path, "dossiers.csv")
    err = _facts_error(lambda: bind("dossiers", path), "E521")
    assert "holds a Parquet file" in err.message and err.hint == "rename it to .parquet"


def test_a_workbook_named_csv(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    err = _facts_error(lambda: bind("d", tmp_path / "d.csv"), "E521")
    assert "zip archive" in err.message


def test_a_broken_parquet_file(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "dossiers.parquet").write_bytes(b"PAR1" + b"\x00" * 100)
    rs = ruleset(COUNT_LATE)
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E521")
    assert "cannot be read" in err.message and "valid PARQUET" in err.hint


@pytest.mark.parametrize("name,content,fragment", [
    ("d.xlsx", b"PK\x03\x04", "cannot tell the format"),
    ("d.csv", b"", "empty"),
])
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, fragment: str) -> None:
    (tmp_path / name).write_bytes(content)
    assert fragment in _facts_error(lambda: bind("d", tmp_path / name), "E521").message


def test_a_directory(tmp_path: Path) -> None:
    assert "directory" in _facts_error(lambda: bind("d", tmp_path), "E521").message


def test_an_empty_glob(tmp_path: Path) -> None:
    err = _facts_error(lambda: bind("d", "parts/*.parquet", tmp_path), "E521")
    assert err.path == "parts/*.parquet" and "no file matches" in err.message


def test_a_file_whose_name_looks_like_a_glob(tmp_path: Path) -> None:
    _table(tmp_path, "d[1].parquet")
    b = bind("d", "d[1].parquet", tmp_path)
    assert b.paths == (str(tmp_path / "d[1].parquet"),) and b.format == "parquet"


def test_a_glob_of_mixed_formats(tmp_path: Path) -> None:
    _table(tmp_path, "a.parquet")
    (tmp_path / "b.csv").write_text("unit_id\na\n")
    err = _facts_error(lambda: bind("d", "*.*", tmp_path), "E521")
    assert "different formats" in err.message


def test_an_unknown_duckdb_table(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    import duckdb

    duckdb.connect(str(tmp_path / "db.duckdb")).close()
    rs = ruleset(COUNT_LATE, path="db.duckdb:hs")
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E521")
    assert "hs" in err.message and err.hint == "name a table of that database: file.duckdb:table"


def test_a_url_is_for_another_engine(ruleset: Callable[..., Any]) -> None:
    rs = ruleset(COUNT_LATE)
    err = _facts_error(lambda: derive(rs.plan, {"dossiers": "postgresql://h/db?table=d"},
                                      period="2022"), "E521")
    assert "DuckDB engine cannot read" in err.message


def test_unbound_source_points_at_its_declaration(tmp_path: Path) -> None:
    (tmp_path / "r.kpi").write_text('ruleset "r"\nperiod 2022\nsource dossiers\n'
                                    "  unit by unit_id\n  period by returned_at\n" + COUNT_LATE)
    rs = kpirules.load(tmp_path / "r.kpi")
    err = _ruleset_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path))
    (d,) = err.diagnostics
    assert (d.code, d.line, d.column) == ("E520", 3, 8)
    assert "--source dossiers=PATH" in d.hint and "sources={\"dossiers\": PATH}" in d.hint


def test_a_binding_for_an_undeclared_source(ruleset: Callable[..., Any]) -> None:
    rs = ruleset(COUNT_LATE)
    err = _facts_error(lambda: derive(rs.plan, {"dosiers": "x.csv"}, period="2022"), "E520")
    assert "no source `dosiers`" in err.message and "did you mean `dossiers`?" in err.hint


# ---------------------------------------------------------------- columns and types
def test_unknown_columns_point_at_the_ruleset(tmp_path: Path) -> None:
    _table(tmp_path)
    text = ('ruleset "r"\nperiod 2022\nsource dossiers from "dossiers.parquet"\n'
            "  unit by unit_idd\n  period by returned_on\n"
            'fact a = count(dossiers where chanel = "direct")\n'
            "fact b = sum(dossiers.wait_minute)\n"
            "fact c = count(dossiers where returned_at > due)\n"
            'fact d = count(dossiers where channel = online-full)\n'
            'objective Q "q": a >= 0\n')
    (tmp_path / "r.kpi").write_text(text)
    rs = kpirules.load(tmp_path / "r.kpi")
    err = _ruleset_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path))
    got = [(d.code, d.line, d.column, d.hint) for d in err.diagnostics]
    assert got == [
        ("E522", 4, 11, "did you mean `unit_id`?"),
        ("E522", 5, 13, "did you mean `returned_at`?"),
        ("E522", 6, 31, "did you mean `channel`?"),
        ("E522", 7, 23, "did you mean `wait_minutes`?"),
        ("E522", 8, 45, "did you mean `due_at`?"),
        ("E522", 9, 41, ("its columns are: unit_id, returned_at, due_at, channel, "
                        "wait_minutes (a text value is written in quotes: \"…\")")),
    ]
    assert err.diagnostics[0].message == \
        "source `dossiers` (dossiers.parquet) has no column `unit_idd`"
    rendered = err.render()
    assert "r.kpi:7:23: error[E522]" in rendered and "^^^^^^^^^^^" in rendered


@pytest.mark.parametrize("body,col,fragment", [
    ("fact x = sum(dossiers.channel)", 23, "`sum` needs a column of numbers; `channel` holds text"),
    ("fact x = count(dossiers where channel = 3)", 41, ("`channel` holds text; it cannot be "
     "compared with the number 3")),
    ('fact x = count(dossiers where wait_minutes = "3")', 46, ("`wait_minutes` holds whole "
     "numbers, not text")),
    ("fact x = count(dossiers where wait_minutes < 2022-01-01)", 46, ("cannot be compared "
     "with the date")),
    ("fact x = count(dossiers where wait_minutes > due_at)", 46, ("`wait_minutes` holds "
     "whole numbers and `due_at` holds dates")),
    ("fact x = count(dossiers where channel = true)", 41, "holds text, not true/false"),
    ("fact x = count(dossiers where channel < null)", 41, "is never true"),
    ("fact x = count(dossiers where due_at < 2022-02-30)", 40, "not a date"),
])
def test_type_errors(ruleset: Callable[..., Any], tmp_path: Path, body: str, col: int,
                     fragment: str) -> None:
    _table(tmp_path)
    rs = ruleset(body + '\nobjective Q "q": x >= 0\n')
    err = _ruleset_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path))
    (d,) = err.diagnostics
    assert d.code in ("E523", "E401") and d.line == 6 and d.column == col
    assert fragment in d.message


def test_a_period_column_without_dates(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    _table(tmp_path)
    header = ('ruleset "r"\nperiod 2022\nsource dossiers from "{path}"\n  unit by unit_id\n'
              "  period by wait_minutes\n")
    rs = ruleset(COUNT_LATE, header=header)
    (d,) = _ruleset_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path)).diagnostics
    assert (d.code, d.line, d.column) == ("E523", 5, 13)
    assert d.message == "the period column `wait_minutes` holds whole numbers, not dates"


def test_a_source_without_unit_by(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    _table(tmp_path)
    header = 'ruleset "r"\nperiod 2022\nsource dossiers from "{path}"\n  period by returned_at\n'
    rs = ruleset(COUNT_LATE, header=header)
    (d,) = _ruleset_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path)).diagnostics
    assert d.code == "E523" and "needs `unit by`" in d.message


# ---------------------------------------------------------------- records
def test_unknown_unit_ids_are_reported(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    write_table(tmp_path / "dossiers.parquet", {
        "unit_id": ["a", "zz", "zz", "yy", "zz", "a"],
        "returned_at": _dates(19000, 19000, 19001, 19002, None, 19003),
        "due_at": _dates(19000, 19000, 19000, 19000, 19000, 19000)})
    rs = ruleset(COUNT_LATE)
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path,
                                      units={"a", "b"}), "E524")
    assert err.message == ("3 record(s) of source `dossiers` in 2022 name unit ids that are "
                           "not in the units table: `zz` (2), `yy` (1)")
    assert err.column == "unit_id" and err.path == "dossiers.parquet"
    # without a units table every unit id is known
    facts, _ = derive(rs.plan, period="2022", base_dir=tmp_path)
    assert {u for u, _ in facts} == {"a", "zz", "yy"}


def test_empty_unit_ids_are_a_warning(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    write_table(tmp_path / "dossiers.parquet", {
        "unit_id": ["a", None, ""], "returned_at": _dates(19000, 19000, 19001),
        "due_at": _dates(19000, 19000, 19000)})
    rs = ruleset(COUNT_LATE)
    facts, warnings = derive(rs.plan, period="2022", base_dir=tmp_path, units={"a"})
    assert set(facts) == {("a", "late")}
    assert warnings == [("dossiers.parquet: warning[E526]: 2 record(s) of source `dossiers` in "
                        "2022 have an empty `unit_id`; they belong to no unit and are not "
                        "counted")]


def test_a_period_cell_that_is_not_a_date(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    write_table(tmp_path / "dossiers.parquet", {
        "unit_id": ["a", "a", "a", "a"],
        "returned_at": ["2022-01-05", "31/12/2022", "", None],
        "due_at": ["2022-01-01", "2022-01-01", "2022-01-01", "2022-01-01"]})
    rs = ruleset(COUNT_LATE)
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E525")
    assert err.message == ("1 record(s) of source `dossiers` have a `returned_at` that is not "
                           "a date, e.g. `31/12/2022`")
    assert err.column == "returned_at"


def test_a_csv_row_that_breaks_the_guessed_type(ruleset: Callable[..., Any], tmp_path: Path
                                                ) -> None:
    rows = "".join(f"a,2022-01-{1 + i % 28:02d},2022-01-01,{i}\n" for i in range(30000))
    (tmp_path / "dossiers.csv").write_text("unit_id,returned_at,due_at,wait\n" + rows
                                           + "a,2022-02-01,2022-01-01,abc\n")
    rs = ruleset("fact w = sum(dossiers.wait)\nobjective Q \"q\": w >= 0\n",
                 path="dossiers.csv")
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E527")
    assert (err.path, err.row, err.column) == ("dossiers.csv", 30002, "wait")
    assert "`wait` holds `abc`, which is not a number" in err.message
    assert "guessed" in err.message and "Parquet" in err.hint


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_column_compared_as_a_date_holding_text(ruleset: Callable[..., Any], tmp_path: Path,
                                                  fmt: str) -> None:
    """`abc` in row 7 of a column compared as a date would silently match nothing: E527
    names the file, the column and the value."""
    due = ["2022-01-03"] * 5 + ["abc", ""]
    if fmt == "csv":
        (tmp_path / "dossiers.csv").write_text("unit_id,returned_at,due_at\n" + "".join(
            f"a,2022-01-05,{d}\n" for d in due))
    else:
        write_table(tmp_path / "dossiers.parquet", {"unit_id": ["a"] * 7,
                                                    "returned_at": ["2022-01-05"] * 7,
                                                    "due_at": due})
    rs = ruleset(COUNT_LATE, path=f"dossiers.{fmt}")
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E527")
    assert err.path == f"dossiers.{fmt}" and err.column == "due_at"
    assert err.row == (7 if fmt == "csv" else None)  # a CSV's row is found (1: the header)
    assert "1 record(s) of source `dossiers` have a `due_at` that is not a date, e.g. `abc`" \
        in err.message and "YYYY-MM-DD" in err.hint


def test_a_non_date_in_one_file_of_a_glob_names_that_file_and_row(
        ruleset: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    head = "unit_id,returned_at,due_at\n"
    (tmp_path / "parts" / "a.csv").write_text(head + "a,2022-01-05,2022-01-06\n")
    (tmp_path / "parts" / "b.csv").write_text(head + "a,2022-01-05,2022-01-06\n"
                                              "a,2022-01-07,31/01/2022\n")
    rs = ruleset(COUNT_LATE, path="parts/*.csv")
    err = _facts_error(lambda: derive(rs.plan, period="2022", base_dir=tmp_path), "E527")
    assert (Path(err.path).name, err.row, err.column) == ("b.csv", 3, "due_at")
    assert "e.g. `31/01/2022`" in err.message

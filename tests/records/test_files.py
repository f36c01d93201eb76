"""Which files a source reads, and which files a report may not overwrite: a file whose
name looks like a pattern is read as exactly that file on every engine; ``--output``
never overwrites a records source (a `from` path, a --source, a glob's matches)."""

from __future__ import annotations

from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.records import derive
from kpirules.records.bind import local_files
from kpirules.records.engines import literal_path
from kpirules.records.spark import hadoop_literal

HEADER = "unit_id,returned_at\n"


def _ruleset(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "r.kpi"
    path.write_text(f'ruleset "t"\nperiod 2022\nunit u1\nsource d from "{source}"\n'
                    "  unit by unit_id\n  period by returned_at\n"
                    'fact n = count(d)\nobjective A "n": n >= 1\n', encoding="utf-8")
    return path


def _csv(path: Path, records: int) -> None:
    path.write_text(HEADER + "".join(f"u1,2022-01-{1 + i:02d}\n" for i in range(records)),
                    encoding="utf-8")


def _count(tmp_path: Path, source: str) -> int:
    rs = kpirules.load(_ruleset(tmp_path, source))
    facts, _ = derive(rs.plan, period="2022", base_dir=tmp_path)
    return sum(facts[("u1", "n")].values())  # type: ignore[arg-type]


@pytest.mark.parametrize("name, other", [("d[1].csv", "d1.csv"), ("a*b.csv", "axb.csv"),
                                         ("q?.csv", "qx.csv"), ("d[[]x.csv", "d[x.csv")])
def test_a_file_named_like_a_pattern_is_read_as_itself(tmp_path: Path, name: str,
                                                       other: str) -> None:
    _csv(tmp_path / name, 1)
    _csv(tmp_path / other, 3)  # DuckDB used to read this one too, or instead
    assert _count(tmp_path, name) == 1


def test_a_glob_reads_its_matches_each_as_itself(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    _csv(tmp_path / "parts" / "d[1].csv", 1)
    _csv(tmp_path / "parts" / "x.csv", 2)
    _csv(tmp_path / "d1.csv", 5)  # what `parts/d[1].csv` would match as a pattern
    assert _count(tmp_path, "parts/*.csv") == 3


def test_a_glob_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(kpirules.FactsError) as info:
        _count(tmp_path, "none-*.csv")
    assert info.value.code == "E521" and "no file matches" in info.value.message


def test_escaped_names() -> None:
    assert literal_path("/x/d[1]*?.csv") == "/x/d[[]1][*][?].csv"
    assert literal_path("plain.csv") == "plain.csv"
    assert hadoop_literal("/x/d[1]{a}*?.csv") == "/x/d\\[1\\]\\{a\\}\\*\\?.csv"


def test_a_name_duckdb_cannot_read_literally_is_refused(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Should DuckDB's glob of the escaped name find another file, nothing is read."""
    from kpirules.records import engines

    _csv(tmp_path / "d[1].csv", 1)
    _csv(tmp_path / "d1.csv", 2)
    monkeypatch.setattr(engines, "literal_path", lambda p: p.replace("[1]", "?"))  # broken
    with pytest.raises(kpirules.FactsError) as info:
        _count(tmp_path, "d[1].csv")
    assert info.value.code == "E521" and "by its name alone" in info.value.message


# ---------------------------------------------------------------- --output
def _check(tmp_path: Path, *args: str) -> tuple[int, str]:
    import io

    err = io.StringIO()
    code = main(["check", str(tmp_path / "r.kpi"), "-q", *args], out=io.StringIO(), err=err)
    return code, err.getvalue()


@pytest.mark.parametrize("source, output, extra", [
    ("d.csv", "d.csv", []),                       # the ruleset's `from`
    ("parts/*.csv", "parts/b.csv", []),            # a match of its glob
    ("d.csv", "other.csv", ["--source", "d=OTHER"]),  # a --source
    ("db.duckdb:t", "db.duckdb", []),             # a DuckDB database
])
def test_output_never_overwrites_a_records_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 source: str, output: str,
                                                 extra: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parts").mkdir()
    for f in ("d.csv", "other.csv", "parts/a.csv", "parts/b.csv"):
        _csv(tmp_path / f, 1)
    (tmp_path / "db.duckdb").write_bytes(b"not really")
    _ruleset(tmp_path, source)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    args = [a.replace("OTHER", str(tmp_path / "other.csv")) for a in extra]
    code, err = _check(tmp_path, *args, "--output", str(tmp_path / output))
    assert code == 2 and "would overwrite an input file" in err, err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_output_elsewhere_is_written(tmp_path: Path) -> None:
    _csv(tmp_path / "d.csv", 1)
    _ruleset(tmp_path, "d.csv")
    code, err = _check(tmp_path, "--output", str(tmp_path / "report.txt"))
    assert code == 0, err
    assert (tmp_path / "report.txt").exists()


def test_local_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x")
    assert local_files("a.csv", tmp_path) == [(tmp_path / "a.csv").resolve()]
    assert local_files("postgresql://u@h/db?table=t") == []
    assert local_files("db.duckdb:t", tmp_path) == [(tmp_path / "db.duckdb").resolve()]
    assert local_files("*.csv", tmp_path) == [(tmp_path / "a.csv").resolve()]

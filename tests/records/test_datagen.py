"""The data generator: deterministic, well-formed, and its units table fits the records."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import kpirules
from kpirules.datagen import batches, main, units


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    for d in ("a", "b", "c"):
        main(["--dossiers", "3000", "--communes", "12", "--seed", "5" if d != "c" else "6",
              "--out", str(tmp_path / d)])
    a, b, c = ((tmp_path / d / "dossiers.parquet").read_bytes() for d in "abc")
    assert a == b and a != c
    assert (tmp_path / "a" / "units.csv").read_bytes() == (tmp_path / "b" / "units.csv").read_bytes()


def test_chunks_do_not_change_the_rows_of_the_first_chunk() -> None:
    unit_list = units(5, 1)
    whole = next(batches(1000, unit_list, 1, chunk=1000))
    again = next(batches(1000, unit_list, 1, chunk=1000))
    assert whole.equals(again)


def test_units_table_is_a_hierarchy(tmp_path: Path) -> None:
    main(["--dossiers", "10", "--communes", "30", "--out", str(tmp_path)])
    with (tmp_path / "units.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ids = {r["id"] for r in rows}
    assert list(rows[0]) == ["id", "name", "parent", "level"]
    assert [r["id"] for r in rows if not r["parent"]] == ["tinh"]
    assert all(r["parent"] in ids for r in rows if r["parent"])
    levels = [r["level"] for r in rows]
    assert levels.count("tinh") == 1 and levels.count("xa") == 30
    assert levels.count("huyen") >= 1
    districts = {r["id"] for r in rows if r["level"] == "huyen"}
    assert districts == {r["parent"] for r in rows if r["level"] == "xa"}  # none empty
    assert any(ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
               for r in rows for ch in r["name"].lower())
    kpirules.read_units(tmp_path / "units.csv")  # the project's reader accepts it


def test_records_are_plausible(tmp_path: Path) -> None:
    main(["--dossiers", "5000", "--communes", "20", "--seed", "3", "--out", str(tmp_path)])
    rows = pq.read_table(tmp_path / "dossiers.parquet").to_pylist()
    assert len(rows) == 5000 and len({r["dossier_id"] for r in rows}) == 5000
    ids = {line.split(",")[0] for line in
           (tmp_path / "units.csv").read_text(encoding="utf-8").splitlines()[1:]}
    assert {r["unit_id"] for r in rows} <= ids
    assert {r["channel"] for r in rows} == {"direct", "online_full", "online_partial", "bcci"}
    for r in rows:
        assert r["received_at"].year == 2022 and r["due_at"] >= r["received_at"]
        assert 1 <= r["service_level"] <= 4
        if r["finished_at"] is not None:
            assert r["finished_at"] >= r["received_at"]
        if r["returned_at"] is not None:
            assert r["finished_at"] is not None and r["returned_at"] >= r["finished_at"]
        assert (r["wait_minutes"] is not None) == (r["channel"] == "direct")
        if r["fee_paid_online"]:
            assert r["channel"] in ("online_full", "online_partial")
        assert r["rating"] is None or 1 <= r["rating"] <= 5
    late = sum(1 for r in rows if r["returned_at"] and r["returned_at"] > r["due_at"])
    unreturned = sum(1 for r in rows if r["returned_at"] is None)
    assert 0 < late < len(rows) * 0.2 and 0 < unreturned < len(rows) * 0.1
    assert sum(1 for r in rows if r["rating"] is not None) > 1000


def test_csv_output(tmp_path: Path) -> None:
    main(["--dossiers", "100", "--communes", "4", "--out", str(tmp_path), "--format", "csv"])
    header = (tmp_path / "dossiers.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.replace('"', "").split(",")[:3] == ["dossier_id", "unit_id", "procedure_code"]


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--dossiers", "-1", "--out", str(tmp_path)])

"""The units table: hierarchy, attributes, and its errors."""

from __future__ import annotations

import pickle
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from kpirules.errors import FactsError
from kpirules.facts import UnitTable, read_units

DATA = Path(__file__).resolve().parent.parent / "data" / "facts"


def units_error(code: str, source: Any) -> FactsError:
    with pytest.raises(FactsError) as info:
        read_units(source)
    assert info.value.code == code, info.value.render()
    return info.value


def write(tmp_path: Path, text: str, name: str = "units.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def table() -> UnitTable:
    return read_units(DATA / "units.csv")


def test_units_in_file_order(table: UnitTable) -> None:
    assert list(table.units) == ["ha-long", "tthcc", "phuong", "dong-hai", "bai-chay",
                                 "hong-gai"]
    unit = table.units["dong-hai"]
    assert (unit.name, unit.parent, unit.level, unit.row) == ("Phường Đông Hải", "phuong",
                                                              "xa", 5)
    assert table.units["ha-long"].parent is None
    assert table.path == str(DATA / "units.csv")


def test_hierarchy(table: UnitTable) -> None:
    assert table.roots() == ("ha-long",)
    assert table.children("ha-long") == ("tthcc", "phuong")
    assert table.children("dong-hai") == ()
    assert table.descendants("ha-long") == ("tthcc", "phuong", "dong-hai", "bai-chay",
                                            "hong-gai")
    assert table.descendants("phuong") == ("dong-hai", "bai-chay", "hong-gai")
    assert table.descendants("tthcc") == ()
    assert table.ancestors("dong-hai") == ("phuong", "ha-long")
    assert table.ancestors("ha-long") == ()
    assert table.ancestors("nowhere") == ()


def test_attributes(table: UnitTable) -> None:
    assert table.attribute("dong-hai", "kind") == "phuong"
    assert table.attribute("dong-hai", "level") == "xa"
    assert table.attribute("ha-long", "parent") == ""
    assert table.attribute("phuong", "kind") == ""
    assert table.attribute("dong-hai", "district") is None
    assert table.attribute("nowhere", "kind") is None
    assert set(table.units["tthcc"].attrs) == {"id", "name", "parent", "level", "kind"}
    assert "tthcc" in table and "nowhere" not in table and len(table) == 6


def test_names_are_nfc(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Phường Đông Hải")
    table = read_units(write(tmp_path, f"id,name,parent,level\nđông-hải,{nfd},,xa\n"))
    uid = unicodedata.normalize("NFC", "đông-hải")
    assert table.units[uid].name == unicodedata.normalize("NFC", "Phường Đông Hải")


def test_header_case_semicolons_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes("\ufeffID; Name; Parent; Level; Kind\r\na;A;;tp;x\r\nb;;a;xa;\r\n"
                     .encode("utf-8"))
    table = read_units(path)
    assert table.children("a") == ("b",)
    assert table.units["b"].name == "b"  # an empty name falls back to the id
    assert table.attribute("a", "Kind") == "x"


def test_from_dicts() -> None:
    table = read_units([{"id": "a", "name": "A", "parent": None, "level": "tp"},
                        {"id": "b", "name": "B", "parent": "a", "level": "xa", "kind": "k"}])
    assert table.path == "<units>"
    assert table.descendants("a") == ("b",)
    assert table.attribute("a", "kind") == ""


def test_from_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for row in (["id", "name", "parent", "level"], ["a", "A", None, "tp"],
                ["b", "B", "zz", "xa"]):
        wb.active.append(row)
    wb.save(tmp_path / "units.xlsx")
    err = units_error("E510", tmp_path / "units.xlsx")
    assert (err.row, err.column) == (3, "C")


def test_flat_table() -> None:
    table = UnitTable.flat(["b", "a", "b"])
    assert table.roots() == ("b", "a")
    assert table.descendants("a") == () and table.ancestors("a") == ()


def test_cycle_names_a_member_row_and_the_whole_cycle() -> None:
    err = units_error("E509", DATA / "units-cycle.csv")
    assert (err.row, err.column) == (3, "parent")
    assert "a → c → b → a" in err.message


def test_self_parent_is_a_cycle(tmp_path: Path) -> None:
    err = units_error("E509", write(tmp_path, "id,name,parent,level\nr,R,,tp\nx,X,x,xa\n"))
    assert err.row == 3 and "x → x" in err.message


def test_dangling_parent() -> None:
    err = units_error("E510", DATA / "units-dangling.csv")
    assert (err.row, err.column) == (3, "parent")
    assert "`phuongg`" in err.message


def test_duplicate_id_names_both_rows() -> None:
    err = units_error("E511", DATA / "units-duplicate.csv")
    assert (err.row, err.column) == (4, "id")
    assert f"first given at {DATA / 'units-duplicate.csv'}:3" in err.message


@pytest.mark.parametrize("text, code, row, column", [
    ("id,name,level\na,A,tp\n", "E502", 1, None),
    ("id,name,parent,level,id\n", "E502", 1, "id"),
    ("id,name,parent,level\n,A,,tp\n", "E514", 2, "id"),
    ("id,name,parent,level\na,A,,tp,stray\n", "E502", 2, "5"),
    ("", "E501", None, None),
])
def test_bad_tables(tmp_path: Path, text: str, code: str, row: int | None,
                    column: str | None) -> None:
    err = units_error(code, write(tmp_path, text))
    assert (err.row, err.column) == (row, column)


def test_missing_column_is_named(tmp_path: Path) -> None:
    err = units_error("E502", write(tmp_path, "id,name,level\na,A,tp\n"))
    assert "`parent`" in err.message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    units_error("E501", tmp_path / "nope.csv")
    units_error("E501", tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes("id,name,parent,level\nbc,Bãi Cháy,,tp\n".encode("latin-1"))
    err = units_error("E501", path)
    assert err.row == 2 and "UTF-8" in err.hint


def test_error_pickles() -> None:
    err = units_error("E509", DATA / "units-cycle.csv")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.code == "E509"


# --- issue 9: deep hierarchies work (no recursion anywhere in reading them) -------------

def _chain(n: int) -> str:
    return "id,name,parent,level\nu0,U0,,l\n" + "".join(
        f"u{i},U{i},u{i - 1},l\n" for i in range(1, n))


def test_a_hierarchy_1000_deep_is_read_and_walked(tmp_path: Path) -> None:
    table = read_units(write(tmp_path, _chain(1000)))
    assert len(table) == 1000
    assert table.ancestors("u999") == tuple(f"u{i}" for i in range(998, -1, -1))
    assert len(table.descendants("u0")) == 999
    from kpirules.scopes import Hierarchy, top_units
    tree = Hierarchy.build(table, [])
    assert tree.ancestors("u999")[-1] == "u0" and len(tree.ancestors("u999")) == 999
    assert top_units(tree, list(table)) == ["u0"]


def test_a_cycle_1000_long_is_found(tmp_path: Path) -> None:
    text = _chain(1000).replace("u0,U0,,l", "u0,U0,u999,l")
    err = units_error("E509", write(tmp_path, text))
    assert err.row == 2 and err.message.count("→") == 1000


def test_check_on_a_hierarchy_1000_deep(tmp_path: Path) -> None:
    import io

    from kpirules.cli import main
    (tmp_path / "r.kpi").write_text('ruleset "t"\nunit u0\nperiod 2022\nfact late : count\n'
                                    "fact resolved : count\n"
                                    "objective Q1: late / resolved < 2%\n", encoding="utf-8")
    write(tmp_path, _chain(1000))
    (tmp_path / "f.csv").write_text("unit,period,fact,value\nu999,2022,resolved,10\n"
                                    "u999,2022,late,0\n", encoding="utf-8")
    err = io.StringIO()
    code = main(["check", str(tmp_path / "r.kpi"), "--facts", str(tmp_path / "f.csv"),
                 "--units", str(tmp_path / "units.csv")], io.StringIO(), err)
    assert code == 0, err.getvalue()


def test_control_characters_in_unit_ids_are_refused(tmp_path: Path) -> None:
    err = units_error("E519", write(tmp_path, 'id,name,parent,level\n"a\x00b",A,,l\n'))
    assert (err.row, err.column) == (2, "id")
    err = units_error("E519", [{"id": "a", "name": "A", "parent": "\ud800", "level": "l"}])
    assert err.column == "parent"
    err.render().encode("utf-8")

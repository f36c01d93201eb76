"""Fact sets in: every format, exact values, and every bad input with
its code, row and column."""

from __future__ import annotations

import json
import pickle
import shutil
import unicodedata
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from kpirules.diagnostics import CODES
from kpirules.errors import FactsError
from kpirules.facts import FactSet, FactValue, Origin, merge, read_facts
from kpirules.periods import Period, parse_period

DATA = Path(__file__).resolve().parent.parent / "data" / "facts"

EXPECTED = {
    ("tthcc", "2022", "resolved", Fraction(20000), None),
    ("tthcc", "2022", "wait_total", Fraction(5000), "h"),
    ("tthcc", "2022", "satisfaction", Fraction(81), "percent"),
    ("dong-hai", "2022-Q1", "resolved", Fraction(250), None),
    ("dong-hai", "2022-Q1", "score", Fraction(1, 10), None),
    ("dong-hai", "2022-03", "late", Fraction(3), None),
}

DECLARED = {"resolved": "count", "late": None, "wait_total": "min",
            "satisfaction": "percent", "score": "percent"}


def plain(fs: FactSet) -> set[tuple[Any, ...]]:
    return {(v.unit, str(v.period), v.fact, v.value, v.uom) for v in fs.values}


def raises(code: str, source: Any, **kw: Any) -> FactsError:
    with pytest.raises(FactsError) as info:
        read_facts(source, **kw)
    assert info.value.code == code, info.value.render()
    return info.value


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def xlsx(tmp_path: Path, rows: list[list[Any]], name: str = "facts.xlsx",
         percent_cells: tuple[str, ...] = (), merged: str | None = None) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for ref in percent_cells:
        ws[ref].number_format = "0%"
    if merged:
        ws.merge_cells(merged)
    path = tmp_path / name
    wb.save(path)
    return path


# --- good paths --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["long.csv", "wide.csv", "excel-semicolon.csv", "rows.json",
                                  "nested.json", "rows.yaml", "nested.yaml"])
def test_every_file_format_gives_the_same_facts(name: str) -> None:
    fs = read_facts(DATA / name)
    assert plain(fs) == EXPECTED
    assert fs == read_facts(DATA / "long.csv")
    assert fs.paths == (str(DATA / name),)


def test_xlsx_long_and_wide_give_the_same_facts(tmp_path: Path) -> None:
    long = xlsx(tmp_path, [["unit", "period", "fact", "value", "uom"],
                           ["tthcc", "2022", "resolved", 20000, None],
                           ["tthcc", 2022, "wait_total", 5000, "h"],
                           ["tthcc", "2022", "satisfaction", 0.81, None],
                           ["dong-hai", "2022-Q1", "resolved", 250, None],
                           ["dong-hai", "2022-Q1", "score", 0.1, None],
                           ["dong-hai", "2022-03", "late", "3", None]],
                percent_cells=("D4",), name="long.xlsx")
    wide = xlsx(tmp_path, [["unit", "period", "resolved", "wait_total (h)", "satisfaction",
                            "score", "late"],
                           ["tthcc", "2022", 20000, 5000, "81%", None, None],
                           ["dong-hai", "2022-Q1", 250, None, None, 0.1, None],
                           ["dong-hai", "2022-03", None, None, None, None, 3.0]],
                name="wide.xlsx")
    assert plain(read_facts(long)) == EXPECTED
    assert plain(read_facts(wide)) == EXPECTED
    origin = read_facts(long).get("tthcc", parse_period("2022"), "wait_total").origin
    assert (origin.row, origin.column, origin.unit_column, origin.uom_column) == (3, "D", "A", "E")


def test_in_memory_rows_and_nested_mapping() -> None:
    rows = [{"unit": "tthcc", "period": "2022", "fact": "resolved", "value": 20000},
            {"unit": "tthcc", "period": Period(2022, "year", 1), "fact": "wait_total",
             "value": Fraction(5000), "uom": "h"},
            {"unit": "tthcc", "period": "2022", "fact": "satisfaction", "value": "81%"},
            {"unit": "dong-hai", "period": "2022-Q1", "fact": "resolved", "value": 250},
            {"unit": "dong-hai", "period": "2022-Q1", "fact": "score", "value": 0.1},
            {"unit": "dong-hai", "period": "2022-03", "fact": "late", "value": "3"}]
    fs = read_facts(rows)
    assert plain(fs) == EXPECTED
    assert fs.paths == ("<facts>",)
    assert fs.values[1].origin == Origin("<facts>", 2, "value", "unit", "uom")
    nested = json.loads((DATA / "nested.json").read_text())
    assert plain(read_facts(nested, name="inline")) == EXPECTED
    assert read_facts(fs) is fs


def test_exact_values() -> None:
    fs = read_facts([{"unit": "u", "period": "2022", "fact": f, "value": v}
                     for f, v in [("a", "0.1"), ("b", 0.1), ("c", "1e3"), ("d", "-2.50"),
                                  ("e", "+.5"), ("f", 1.1), ("g", "99.9%")]])
    got = {v.fact: (v.value, v.uom) for v in fs.values}
    assert got == {"a": (Fraction(1, 10), None), "b": (Fraction(1, 10), None),
                   "c": (Fraction(1000), None), "d": (Fraction(-5, 2), None),
                   "e": (Fraction(1, 2), None), "f": (Fraction(11, 10), None),
                   "g": (Fraction(999, 10), "percent")}
    assert all(type(v.value) is Fraction for v in fs.values)


def test_json_floats_are_read_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, "f.json",
                 '[{"unit": "u", "period": "2022", "fact": "x", "value": 0.30000000000000004}]')
    assert read_facts(path).values[0].value == Fraction(30000000000000004, 10**17)


def test_index_units_facts_periods() -> None:
    fs = read_facts(DATA / "long.csv")
    index = fs.index()
    assert index is fs.index()
    assert set(index[("dong-hai", "resolved")]) == {parse_period("2022-Q1")}
    assert fs.units() == {"tthcc", "dong-hai"}
    assert fs.facts() == {"resolved", "wait_total", "satisfaction", "score", "late"}
    assert fs.periods() == {parse_period(p) for p in ("2022", "2022-Q1", "2022-03")}
    assert len(fs) == 6 and list(fs) == list(fs.values)
    assert fs.get("tthcc", parse_period("2022"), "nope") is None


def test_origins_of_csv_json_yaml() -> None:
    csv_v = read_facts(DATA / "long.csv").get("tthcc", parse_period("2022"), "wait_total")
    assert csv_v.origin == Origin(str(DATA / "long.csv"), 3, "value", "unit", "uom")
    wide_v = read_facts(DATA / "wide.csv").get("tthcc", parse_period("2022"), "wait_total")
    assert (wide_v.origin.row, wide_v.origin.column) == (2, "wait_total [h]")
    yaml_v = read_facts(DATA / "rows.yaml").get("dong-hai", parse_period("2022-Q1"),
                                                "resolved")
    assert (yaml_v.origin.row, yaml_v.origin.column) == (8, "value")
    nested = read_facts(DATA / "nested.yaml").get("tthcc", parse_period("2022"), "wait_total")
    assert (nested.origin.row, nested.origin.column) == (5, "/tthcc/2022/wait_total/value")
    assert nested.origin.uom_column == "/tthcc/2022/wait_total/uom"
    jv = read_facts(DATA / "nested.json").get("dong-hai", parse_period("2022-03"), "late")
    assert (jv.origin.row, jv.origin.column) == (6, "/dong-hai/2022-03/late")


def test_origins_stay_out_of_equality() -> None:
    p = parse_period("2022")
    a = FactValue("u", p, "f", Fraction(1), None, Origin("a.csv", 2, "value"))
    b = FactValue("u", p, "f", Fraction(1), None, Origin("b.json", 9, "value"))
    assert a == b and hash(a) == hash(b)


def test_vietnamese_names_are_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Đông Hải")
    path = write(tmp_path, "f.csv", f"unit,period,fact,value\n{decomposed},2022,x,1\n")
    assert read_facts(path).values[0].unit == unicodedata.normalize("NFC", "Đông Hải")


def test_blank_rows_and_trailing_empty_cells_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", "unit,period,fact,value,\n\nu,2022,x,1,\n,,,,\n u , 2022 , y , 2 \n")
    fs = read_facts(path)
    assert {(v.unit, v.fact, v.value) for v in fs} == {("u", "x", 1), ("u", "y", 2)}


def test_header_only_is_an_empty_fact_set(tmp_path: Path) -> None:
    assert len(read_facts(write(tmp_path, "f.csv", "unit,period,fact,value\n"))) == 0


def test_input_files_are_not_modified(tmp_path: Path) -> None:
    for name in ("long.csv", "nested.yaml", "rows.json"):
        copy = tmp_path / name
        shutil.copy(DATA / name, copy)
        before = copy.read_bytes(), copy.stat().st_mtime_ns
        read_facts(copy)
        assert (copy.read_bytes(), copy.stat().st_mtime_ns) == before


# --- bad files ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda p: p / "missing.csv",
    lambda p: p,
    lambda p: write(p, "empty.csv", ""),
    lambda p: write(p, "blank.csv", "\ufeff \n\n"),
    lambda p: write(p, "f.xls", "x"),
    lambda p: write(p, "broken.xlsx", "not a zip"),
    lambda p: write(p, "utf16.csv", "unit".encode("utf-16")),
])
def test_unreadable_files_are_E501(tmp_path: Path, make: Any) -> None:
    err = raises("E501", make(tmp_path))
    assert "Traceback" not in str(err)


def test_not_utf8_names_the_row_and_the_byte() -> None:
    err = raises("E501", DATA / "latin1.csv")
    assert err.row == 2
    assert "0xE0" in err.message
    assert "UTF-8" in err.hint


def test_empty_fixture_file() -> None:
    assert raises("E501", DATA / "empty.csv").row is None


@pytest.mark.parametrize("header, column", [
    ("unit,period,fact", "fact"),
    ("unit,fact,period,value", "fact"),
    ("id,period,fact,value", "id"),
    ("unit,period,fact,value,note", "note"),
    ("unit,period,value", "value"),
    ("unit,period,a,,b", "4"),
    ("unit,period,a,a [h]", "a [h]"),
])
def test_wrong_header_is_E502_at_row_1(tmp_path: Path, header: str, column: str | None) -> None:
    err = raises("E502", write(tmp_path, "f.csv", header + "\nu,2022,x,1\n"))
    assert (err.row, err.column) == (1, column)


def test_wrong_header_says_what_was_expected(tmp_path: Path) -> None:
    err = raises("E502", write(tmp_path, "f.csv", "a,b,c\n1,2,3\n"))
    assert "unit,period,fact,value[,uom]" in err.message
    assert "unit,period,<fact>" in err.message


def test_stray_cell_beyond_the_header_is_E502(tmp_path: Path) -> None:
    err = raises("E502", write(tmp_path, "f.csv", "unit,period,fact,value\nu,2022,x,1,oops\n"))
    assert (err.row, err.column) == (2, "5")


@pytest.mark.parametrize("period, fragment", [
    ("2022-13", "a month is 01 to 12"), ("Q5", "is not a period"),
    ("2022/03", "is not a period"), ("2022-Q5", "a quarter is Q1 to Q4"),
])
def test_malformed_period_is_E503(tmp_path: Path, period: str, fragment: str) -> None:
    err = raises("E503", write(tmp_path, "f.csv",
                               f"unit,period,fact,value\nu,2022,x,1\nu,{period},x,1\n"))
    assert (err.row, err.column) == (3, "period")
    assert fragment in err.message


def test_malformed_period_fixture() -> None:
    err = raises("E503", DATA / "bad-period.csv")
    assert (err.row, err.column) == (3, "period")
    assert str(err).startswith(f"{DATA / 'bad-period.csv'}:3:period: error[E503]")


@pytest.mark.parametrize("value, hint", [
    ("abc", "write a number"), ('"1,234"', "1234"), ("1.234.567", "1234"),
    ("nan", "write a number"), ("inf", "write a number"), ("", "leave the row out"),
    ("1 234", "1234"), ("%", "write a number"), ("true", "write a number"),
])
def test_not_a_number_is_E504(tmp_path: Path, value: str, hint: str) -> None:
    err = raises("E504", write(tmp_path, "f.csv", f"unit,period,fact,value\nu,2022,x,{value}\n"))
    assert (err.row, err.column) == (2, "value")
    assert hint in err.hint


def test_thousands_separator_fixture() -> None:
    err = raises("E504", DATA / "bad-value.csv")
    assert (err.row, err.column) == (2, "value")
    assert "write 1234" not in err.message and "1234" in err.hint


@pytest.mark.parametrize("value", [True, False, float("nan"), float("inf"), None, [1],
                                   datetime(2022, 3, 1)])
def test_not_a_number_from_data_is_E504(value: Any) -> None:
    err = raises("E504", [{"unit": "u", "period": "2022", "fact": "x", "value": 1},
                          {"unit": "u", "period": "2022", "fact": "y", "value": value}])
    assert (err.path, err.row, err.column) == ("<facts>", 2, "value")


def test_json_nan_and_booleans_are_E504(tmp_path: Path) -> None:
    err = raises("E504", write(tmp_path, "f.json", '{"u": {"2022": {"x": 1, "y": NaN}}}'))
    assert (err.row, err.column) == (2, "/u/2022/y")
    err = raises("E504", write(tmp_path, "g.json",
                               '[{"unit": "u", "period": "2022", "fact": "x", "value": true}]'))
    assert (err.row, err.column) == (1, "value")


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    err = raises("E504", write(tmp_path, "f.yaml", "u:\n  2022:\n    x: 1\n    y: yes\n"))
    assert (err.row, err.column) == (4, "/u/2022/y")
    err = raises("E503", write(tmp_path, "g.yaml", "u:\n  2022-13:\n    x: 1\n"))
    assert (err.row, err.column) == (2, "/u/2022-13")
    err = raises("E503", write(tmp_path, "h.yaml",
                               "- {unit: u, period: 2022-03-01, fact: x, value: 1}\n"))
    assert (err.row, err.column) == (1, "period")
    assert "text" in err.hint
    err = raises("E501", write(tmp_path, "i.yaml", "u: [1, 2\n"))
    assert err.row == 2
    err = raises("E502", write(tmp_path, "j.yaml",
                               "- {unit: u, period: 2022, fact: x, value: 1, valeu: 2}\n"))
    assert (err.row, err.column) == (1, "valeu")


def test_yaml_floats_are_exact(tmp_path: Path) -> None:
    fs = read_facts(write(tmp_path, "f.yaml", "u:\n  2022:\n    x: 0.1\n    y: 1_000.5\n"))
    assert {v.fact: v.value for v in fs} == {"x": Fraction(1, 10), "y": Fraction(2001, 2)}
    err = raises("E504", write(tmp_path, "g.yaml", "u:\n  2022:\n    x: .inf\n"))
    assert err.row == 3


def test_json_errors(tmp_path: Path) -> None:
    err = raises("E501", write(tmp_path, "f.json", '[{"unit": "u",\n "period" 2022}]'))
    assert err.row == 2
    err = raises("E502", write(tmp_path, "g.json", '[{"unit": "u", "period": "2022"}]'))
    assert (err.row, err.column) == (1, "fact")
    err = raises("E502", write(tmp_path, "h.json", '"hello"'))
    assert err.row is None
    err = raises("E502", write(tmp_path, "i.json", '{"u": {"2022": {"x": 1, "x": 2}}}'))
    assert "`x` is given twice" in err.message
    err = raises("E502", write(tmp_path, "j.json", '{"u": {"2022": {"x": {"val": 1}}}}'))
    assert err.column == "/u/2022/x"
    err = raises("E502", write(tmp_path, "k.json", '{"u": [1, 2]}'))
    assert err.column == "/u"


def test_empty_required_cells_are_E514(tmp_path: Path) -> None:
    err = raises("E514", write(tmp_path, "f.csv", "unit,period,fact,value\n,2022,x,1\n"))
    assert (err.row, err.column) == (2, "unit")
    err = raises("E514", write(tmp_path, "g.csv", "unit,period,fact,value\nu,,x,1\n"))
    assert (err.row, err.column) == (2, "period")
    err = raises("E514", write(tmp_path, "h.csv", "unit,period,a,b\n,2022,1,\n"))
    assert (err.row, err.column) == (2, "unit")


def test_uom_column_and_percent(tmp_path: Path) -> None:
    fs = read_facts(write(tmp_path, "f.csv", "unit,period,fact,value,uom\n"
                          "u,2022,a,5000,h\nu,2022,b,81,%\nu,2022,c,81%,percent\nu,2022,d,3, \n"))
    assert {v.fact: v.uom for v in fs} == {"a": "h", "b": "percent", "c": "percent",
                                           "d": None}
    err = raises("E508", write(tmp_path, "g.csv", "unit,period,fact,value,uom\nu,2022,a,1,zz\n"))
    assert (err.row, err.column) == (2, "uom")
    err = raises("E508", write(tmp_path, "h.csv", "unit,period,fact,value,uom\nu,2022,a,8%,h\n"))
    assert (err.row, err.column) == (2, "uom")
    err = raises("E508", write(tmp_path, "i.csv", "unit,period,wait [zz]\n"))
    assert (err.row, err.column) == (1, "wait [zz]")


def test_duplicate_in_one_file_names_both_rows() -> None:
    err = raises("E506", DATA / "duplicate.csv")
    assert (err.row, err.column) == (4, "value")
    assert f"first given at {DATA / 'duplicate.csv'}:2" in err.message


def test_duplicate_in_wide_and_yaml(tmp_path: Path) -> None:
    err = raises("E506", write(tmp_path, "f.csv", "unit,period,x\nu,2022,1\nu,2022,2\n"))
    assert err.row == 3 and "f.csv:2" in err.message
    err = raises("E506", write(tmp_path, "g.yaml", "u:\n  2022-03:\n    x: 1\n  2022-3:\n    x: 2\n"))
    assert err.row == 5 and "g.yaml:3" in err.message


# --- xlsx ----------------------------------------------------------------------------

def test_xlsx_merged_header_is_E512(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [["unit", "period", "resolved", None], ["u", "2022", 1, 2]],
                merged="C1:D1")
    err = raises("E512", path)
    assert (err.row, err.column) == (1, "C")
    assert "unmerge" in err.hint


def test_xlsx_merged_data_cells_are_E512(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [["unit", "period", "x"], ["u", "2022", 1], [None, "2023", 2]],
                merged="A2:A3")
    err = raises("E512", path)
    assert (err.row, err.column) == (2, "A")


def test_xlsx_date_period_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [["unit", "period", "fact", "value"],
                           ["u", datetime(2022, 3, 1), "x", 1]])
    err = raises("E503", path)
    assert (err.row, err.column) == (2, "B")
    assert "2022-03" in err.hint and "text" in err.hint


def test_xlsx_bad_cells_name_the_letter(tmp_path: Path) -> None:
    err = raises("E504", xlsx(tmp_path, [["unit", "period", "fact", "value"],
                                         ["u", "2022", "x", 1], ["u", "2022", "y", "abc"]]))
    assert (err.row, err.column) == (3, "D")
    err = raises("E502", xlsx(tmp_path, [["unit", "periode", "fact", "value"]], name="h.xlsx"))
    assert (err.row, err.column) == (1, "B")
    err = raises("E503", xlsx(tmp_path, [["unit", "period", "x"], ["u", 2022.03, 1]],
                              name="p.xlsx"))
    assert (err.row, err.column) == (2, "B")


def test_xlsx_empty_sheet_is_E501(tmp_path: Path) -> None:
    raises("E501", xlsx(tmp_path, []))


# --- merge ---------------------------------------------------------------------------

def test_merge_combines_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", "unit,period,fact,value\nu,2022,x,1\n")
    b = write(tmp_path, "b.yaml", "v:\n  2022:\n    x: 2\n")
    fs = merge([read_facts(a), read_facts(b)])
    assert {(v.unit, v.value) for v in fs} == {("u", 1), ("v", 2)}
    assert fs.paths == (str(a), str(b))
    assert len(merge([])) == 0


def test_merge_duplicate_names_second_and_first(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", "unit,period,fact,value\nu,2022,y,1\nu,2022,x,1\n")
    b = write(tmp_path, "b.csv", "unit,period,fact,value\nv,2022,x,1\n\nu,2022,x,5\n")
    with pytest.raises(FactsError) as info:
        merge([read_facts(a), read_facts(b)])
    err = info.value
    assert (err.code, err.path, err.row) == ("E506", str(b), 4)
    assert f"first given at {a}:3" in err.message


# --- check against the ruleset's declarations ----------------------------------------

def test_check_passes_and_warns_on_undeclared_facts() -> None:
    fs = read_facts(DATA / "long.csv")
    assert fs.check(DECLARED, {"tthcc", "dong-hai"}) == []
    warnings = fs.check({"resolved": "count"}, None)
    assert warnings[0].startswith(f"{DATA / 'long.csv'}:3: warning[W202]: fact `wait_total`")
    assert len(warnings) == 4


@pytest.mark.parametrize("value, fragment", [("-1", "negative"), ("2.5", "not a whole")])
def test_check_count_values_are_E505(value: str, fragment: str) -> None:
    fs = read_facts([{"unit": "u", "period": "2022", "fact": "late", "value": 1},
                     {"unit": "u", "period": "2023", "fact": "late", "value": value}])
    with pytest.raises(FactsError) as info:
        fs.check({"late": "count"}, None)
    assert (info.value.code, info.value.row, info.value.column) == ("E505", 2, "value")
    assert fragment in info.value.message
    assert fs.check({"late": "min"}, None) == []  # a quantity may be negative or fractional


def test_check_unknown_unit_is_E507(tmp_path: Path) -> None:
    fs = read_facts(DATA / "long.csv")
    with pytest.raises(FactsError) as info:
        fs.check(DECLARED, {"tthcc", "dong-hai-2"})
    assert (info.value.code, info.value.row, info.value.column) == ("E507", 5, "unit")
    assert "dong-hai-2" in info.value.hint
    fx = read_facts(xlsx(tmp_path, [["unit", "period", "x"], ["w", "2022", 1]]))
    with pytest.raises(FactsError) as info:
        fx.check({"x": None}, {"u"})
    assert (info.value.row, info.value.column) == (2, "A")


@pytest.mark.parametrize("declared, uom, ok", [
    ("count", "h", False), ("min", "h", True), ("min", "percent", False),
    ("count", "percent", False), ("percent", "percent", True), ("percent", "count", False),
    ("count", "dossier", True), ("VND", "kVND", True), ("VND", "h", False),
])
def test_check_uom_dimension(declared: str, uom: str, ok: bool) -> None:
    fs = read_facts([{"unit": "u", "period": "2022", "fact": "x", "value": 5, "uom": uom}])
    if ok:
        assert fs.check({"x": declared}, None) == []
    else:
        with pytest.raises(FactsError) as info:
            fs.check({"x": declared}, None)
        assert (info.value.code, info.value.row, info.value.column) == ("E508", 1, "uom")


def test_check_unknown_uom_in_a_hand_built_fact_set() -> None:
    v = FactValue("u", parse_period("2022"), "x", Fraction(1), "furlongs per zork",
                  Origin("mem", 7, "value", "unit", "uom"))
    with pytest.raises(FactsError) as info:
        FactSet([v]).check({"x": "min"}, None)
    assert (info.value.code, info.value.row, info.value.column) == ("E508", 7, "uom")


# --- errors as values ----------------------------------------------------------------

def test_facts_error_pickles() -> None:
    err = raises("E506", DATA / "duplicate.csv")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, FactsError) and isinstance(back, ValueError)
    assert (back.message, back.path, back.row, back.column, back.code, back.hint) == (
        err.message, err.path, err.row, err.column, err.code, err.hint)
    assert str(back) == str(err)


def test_factset_pickles() -> None:
    fs = read_facts(DATA / "long.csv")
    back = pickle.loads(pickle.dumps(fs))
    assert back == fs and back.paths == fs.paths
    assert back.values[0].origin == fs.values[0].origin


def test_every_code_raised_is_registered() -> None:
    for code in ("E501", "E502", "E503", "E504", "E505", "E506", "E507", "E508", "E509",
                 "E510", "E511", "E512", "E514", "E515", "E516", "E517", "E518", "E519",
                 "W202"):
        assert code in CODES
    assert "E500" in CODES


def test_hundred_thousand_rows_read_whole(tmp_path: Path) -> None:
    # Reading speed is measured in tests/benchmarks, not asserted here.
    lines = ["unit,period,fact,value,uom"]
    lines += [f"u{i // 84},2022-{i % 12 + 1:02d},f{i // 12 % 7},{i % 997},"
              for i in range(100_000)]
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    fs = read_facts(path)
    assert len(fs) == 100_000
    assert fs.values[-1].value == 99_999 % 997


def test_every_data_code_is_documented_with_an_example() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    # fact sets and units tables in data.md; records (E52x) in records.md
    doc = (docs / "data.md").read_text("utf-8") + (docs / "records.md").read_text("utf-8")
    for code in CODES:
        if code.startswith("E5") and code != "E500":
            assert f"**{code}**" in doc and f"[{code}]" in doc, code


# --- issue 9: numbers in data files ----------------------------------------------------

COUNTS = {"resolved": "count", "late": "count", "wait_total": "min"}


def check_error(code: str, source: Any, declared: dict[str, Any] = COUNTS,
                **kw: Any) -> FactsError:
    fs = read_facts(source, **kw)
    with pytest.raises(FactsError) as info:
        fs.check(declared, None)
    assert info.value.code == code, info.value.render()
    return info.value


@pytest.mark.parametrize("text", ["1.000", "12.345", "+1.000"])
def test_a_count_written_with_a_thousands_point_is_refused(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "f.csv", f"unit,period,fact,value\nu,2022,resolved,{text}\n")
    err = check_error("E515", path)
    assert (err.row, err.column) == (2, "value")
    assert "thousands" in err.message and "--decimal-comma" in err.hint


def test_two_thousands_points_are_not_a_number(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", "unit,period,fact,value\nu,2022,resolved,1.234.567\n")
    assert "--decimal-comma" in raises("E504", path).hint
    assert read_facts(path, decimal_comma=True).values[0].value == 1234567


@pytest.mark.parametrize("text", ["1.0", "1e3", "1000.00"])
def test_a_whole_count_written_as_a_decimal_is_refused(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "f.csv", f"unit,period,fact,value\nu,2022,resolved,{text}\n")
    err = check_error("E515", path)
    assert "digits only" in err.hint


def test_a_fractional_count_stays_e505_and_quantities_take_decimals(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", "unit,period,fact,value\nu,2022,resolved,12.5\n")
    assert check_error("E505", path).row == 2
    ok = write(tmp_path, "q.csv", "unit,period,fact,value\nu,2022,wait_total,1.000\n"
               "u,2022,resolved,+5\n")
    assert read_facts(ok).check(COUNTS, None) == []


def test_counts_in_json_and_yaml_follow_the_written_form(tmp_path: Path) -> None:
    for body in ('[{"unit":"u","period":"2022","fact":"resolved","value":1.000}]',
                 '[{"unit":"u","period":"2022","fact":"resolved","value":"1.000"}]',
                 '[{"unit":"u","period":"2022","fact":"resolved","value":1.0}]'):
        assert check_error("E515", write(tmp_path, "f.json", body)).column == "value"
    assert check_error("E515", write(tmp_path, "f.yaml", "u: {2022: {resolved: 1.000}}\n")
                       ).column == "/u/2022/resolved"
    ok = write(tmp_path, "ok.json", '{"u": {"2022": {"resolved": 1000, "late": 0}}}')
    assert read_facts(ok).check(COUNTS, None) == []


def test_numbers_held_as_numbers_are_numbers(tmp_path: Path) -> None:
    fs = read_facts([{"unit": "u", "period": "2022", "fact": "resolved", "value": 1000.0}])
    assert fs.check(COUNTS, None) == [] and fs.values[0].value == 1000
    path = xlsx(tmp_path, [["unit", "period", "fact", "value"], ["u", "2022", "resolved", 1000.0],
                           ["u", "2022", "late", "1.000"]])
    err = check_error("E515", path)
    assert (err.row, err.column) == (3, "D")
    fs = read_facts(path, decimal_comma=True)
    assert {v.fact: v.value for v in fs} == {"resolved": 1000, "late": 1000}


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,5", Fraction(2469, 2)), ("1.000", Fraction(1000)), ("1234,5", Fraction(2469, 2)),
    ("-1.234.567,25", Fraction(-123456725, 100)), ("81,5%", Fraction(163, 2)), ("12", 12)])
def test_decimal_comma_reads_vietnamese_numbers(tmp_path: Path, text: str,
                                                value: Fraction) -> None:
    path = write(tmp_path, "f.csv", f'unit,period,fact,value\nu,2022,wait_total,"{text}"\n')
    assert read_facts(path, decimal_comma=True).values[0].value == value


@pytest.mark.parametrize("text", ["1.23,4", "12.34", "1,2,3", "1.2345", ",5"])
def test_decimal_comma_checks_the_grouping(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "f.csv", f'unit,period,fact,value\nu,2022,wait_total,"{text}"\n')
    err = raises("E504", path, decimal_comma=True)
    assert (err.row, err.column) == (2, "value") and "1.234,5" in err.hint


def test_decimal_comma_leaves_json_numbers_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "f.json", '[{"unit":"u","period":"2022","fact":"wait_total",'
                 '"value":1.5}, {"unit":"u","period":"2022","fact":"late","value":"2,5"}]')
    fs = read_facts(path, decimal_comma=True)
    assert [v.value for v in fs] == [Fraction(3, 2), Fraction(5, 2)]


def test_a_comma_without_the_option_names_it(tmp_path: Path) -> None:
    err = raises("E504", write(tmp_path, "f.csv", 'unit,period,fact,value\nu,2022,late,"1,5"\n'))
    assert "--decimal-comma" in err.hint


@pytest.mark.parametrize("ext", ["csv", "json", "yaml"])
def test_integers_past_4300_digits_are_a_clean_limit(tmp_path: Path, ext: str) -> None:
    big = "9" * 5000
    body = {"csv": f"unit,period,fact,value\nu,2022,late,{big}\n",
            "json": f'[{{"unit":"u","period":"2022","fact":"late","value":{big}}}]',
            "yaml": f"- {{unit: u, period: 2022, fact: late, value: {big}}}\n"}[ext]
    err = raises("E516", write(tmp_path, f"f.{ext}", body))
    assert err.column == "value" and err.row in (1, 2)


@pytest.mark.parametrize("text", ["1e4400", "1e-9999", "1e99999999", "1" * 101,
                                  "0." + "0" * 100 + "1"])
def test_huge_and_tiny_numbers_are_a_clean_limit(tmp_path: Path, text: str) -> None:
    err = raises("E516", write(tmp_path, "f.csv", f"unit,period,fact,value\nu,2022,x,{text}\n"))
    assert (err.row, err.column) == (2, "value")
    assert read_facts(write(tmp_path, "z.csv", "unit,period,fact,value\nu,2022,x,0e-9999\n")
                      ).values[0].value == 0


def test_python_numbers_past_the_limits_are_refused() -> None:
    for value in (10 ** 5000, 1e300, Fraction(1, 10 ** 200)):
        raises("E516", [{"unit": "u", "period": "2022", "fact": "x", "value": value}])


# --- issue 9: hostile files -------------------------------------------------------------

def test_json_nested_100k_deep_is_a_clean_limit(tmp_path: Path) -> None:
    err = raises("E517", write(tmp_path, "f.json", "[" * 100_000 + "]" * 100_000))
    assert (err.row, err.column) == (1, 101)
    err = raises("E517", write(tmp_path, "g.json", '{"a":' * 150 + "1" + "}" * 150))
    assert err.row == 1


def test_yaml_aliases_are_refused_before_expansion(tmp_path: Path) -> None:
    # a billion-laughs file: 9 levels of 9 aliases each would be 387 M values
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    err = raises("E517", write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))
    assert err.row == 1 and "aliases" in err.message
    err = raises("E517", write(tmp_path, "merge.yaml", "base: &b {2022: {late: 1}}\n"
                               "u: *b\n"))
    assert err.row == 1


def test_a_lone_surrogate_in_a_unit_id_is_reported_printably(tmp_path: Path) -> None:
    path = write(tmp_path, "f.json", '[{"unit":"\\ud800","period":"2022","fact":"late",'
                 '"value":1}]')
    err = raises("E519", path)
    assert (err.row, err.column) == (1, "unit")
    err.render().encode("utf-8")  # printable: no surrogate left in the message
    err = raises("E504", write(tmp_path, "g.json", '[{"unit":"u","period":"2022",'
                               '"fact":"late","value":"\\udfff"}]'))
    err.render().encode("utf-8")


def test_control_characters_in_names_are_refused(tmp_path: Path) -> None:
    err = raises("E519", write(tmp_path, "f.csv", 'unit,period,fact,value\n"a\x00b",2022,x,1\n'))
    assert (err.row, err.column) == (2, "unit") and "\\u0000" in err.message


# --- issue 9: locations ------------------------------------------------------------------

def test_an_extra_column_after_uom_is_named(tmp_path: Path) -> None:
    err = raises("E502", write(tmp_path, "f.csv", "unit,period,fact,value,uom,note\n"))
    assert err.column == "note" and "`note`" in err.message


def test_a_percent_count_is_reported_at_the_value_cell(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", "unit,period,fact,value,uom\nu,2022,resolved,3%,\n")
    err = check_error("E508", path)
    assert (err.row, err.column) == (2, "value")
    path = write(tmp_path, "g.csv", "unit,period,fact,value,uom\nu,2022,resolved,3,h\n")
    assert check_error("E508", path).column == "uom"


def test_undeclared_facts_warn_with_a_w_code() -> None:
    warnings = read_facts(DATA / "long.csv").check({"resolved": "count"}, None)
    assert warnings and all("warning[W202]" in w for w in warnings)
    assert CODES["W202"] and "E513" not in CODES


# --- issue 9: xlsx -----------------------------------------------------------------------

def _workbook(tmp_path: Path, name: str, sheets: list[tuple[str, str, list[list[Any]]]],
              active: int) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, state, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        ws.sheet_state = state
    wb.active = active
    path = tmp_path / name
    wb.save(path)
    return path


GOOD = [["unit", "period", "fact", "value"], ["u", "2022", "late", 1]]
OLD = [["unit", "period", "fact", "value"], ["old", "2019", "late", 99]]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_xlsx_never_reads_a_hidden_sheet(tmp_path: Path, state: str) -> None:
    path = _workbook(tmp_path, "f.xlsx", [("old", state, OLD), ("data", "visible", GOOD)], 1)
    assert [v.unit for v in read_facts(path)] == ["u"]
    # the active sheet hidden (a file edited by a script): the first visible one
    path = _workbook(tmp_path, "g.xlsx", [("old", state, OLD), ("data", "visible", GOOD),
                                          ("b", "visible", OLD)], 0)
    assert [v.unit for v in read_facts(path)] == ["u"]
    path = _workbook(tmp_path, "h.xlsx", [("a", "visible", OLD), ("data", "visible", GOOD)], 1)
    assert [v.unit for v in read_facts(path)] == ["u"]  # the active sheet, not the first


def test_xlsx_with_every_sheet_hidden_is_refused(tmp_path: Path) -> None:
    import zipfile
    path = _workbook(tmp_path, "f.xlsx", [("a", "visible", GOOD)], 0)
    with zipfile.ZipFile(path) as zf:  # openpyxl will not save it so: edit the XML
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'state="visible"', b"") \
        .replace(b"<sheet ", b'<sheet state="hidden" ')
    with zipfile.ZipFile(path, "w") as zf:
        for part, data in parts.items():
            zf.writestr(part, data)
    err = raises("E501", path)
    assert "hidden" in err.message


def test_xlsx_formula_without_a_saved_value(tmp_path: Path) -> None:
    for shape in (GOOD + [["u", "2022", "resolved", "=D2*100"]],
                  [["unit", "period", "late", "resolved"], ["u", "2022", 1, "=C2*100"]]):
        path = _workbook(tmp_path, "f.xlsx", [("data", "visible", shape)], 0)
        err = raises("E518", path)
        assert (err.row, err.column) in ((3, "D"), (2, "D"))
        assert "=C2*100" in err.message or "=D2*100" in err.message
        assert "save" in err.hint


def test_xlsx_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpirules.facts import xlsx as module
    path = _workbook(tmp_path, "f.xlsx", [("data", "visible", GOOD)], 0)
    monkeypatch.setattr(module, "MAX_XLSX_UNZIPPED", 1000)
    assert "unzips" in raises("E517", path).message
    monkeypatch.setattr(module, "MAX_XLSX_UNZIPPED", 256 * 1024 * 1024)
    monkeypatch.setattr(module, "MAX_XLSX_BYTES", 100)
    assert "at most 100 bytes" in raises("E517", path).message
    monkeypatch.setattr(module, "MAX_XLSX_BYTES", 64 * 1024 * 1024)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(path)
    wb.active["XFD100000"] = "stray"  # one cell far away makes 1.6 G cells to iterate
    wb.save(path)
    err = raises("E517", path)
    assert "16384 columns" in err.message
    monkeypatch.setattr(module, "MAX_SHEET_CELLS", 4)  # GOOD stores 8 cells, the stray 1
    assert "stores more than 4 cells" in raises("E517", path).message


def test_xlsx_cells_are_counted_across_chunks(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from kpirules.facts import xlsx as module
    rows = [["unit", "period", "fact", "value"]] + [["u", f"2022-{m:02d}", f"f{i}", i]
                                                   for i in range(300) for m in (1,)]
    path = _workbook(tmp_path, "f.xlsx", [("data", "visible", rows)], 0)
    monkeypatch.setattr(module, "_CHUNK", 61)  # tags cut at many boundaries
    import zipfile
    with zipfile.ZipFile(path) as zf:
        sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/")]
        assert module._scan(zf, sheets) == (4 * 301, False)


# --- issue 9: coverage and --decimal-comma through the API and the CLI -------------------

RULESET = '''\
ruleset "t"
unit   u
period 2022
fact resolved : count
fact late     : count
objective Q1: late / resolved < 2%
'''


def test_a_period_without_any_data_is_a_coverage_error(tmp_path: Path) -> None:
    import kpirules
    from kpirules.errors import CoverageError, EvaluationError
    rs = kpirules.loads(RULESET)
    facts = write(tmp_path, "f.csv", "unit,period,fact,value\nu,2022-Q1,resolved,100\n"
                  "u,2022-12,late,1\n")
    with pytest.raises(CoverageError) as info:
        rs.evaluate(str(facts), period="2023")
    err = info.value
    assert isinstance(err, EvaluationError) and err.period == "2023"
    assert err.covered == ("2022-Q1", "2022-12") and "2022-Q1" in str(err)
    assert pickle.loads(pickle.dumps(err)).covered == err.covered
    # data inside the period, or the period's own value: no error
    assert rs.evaluate(str(facts), period="2022-Q1").results
    assert rs.evaluate(str(facts), period="2022").results
    with pytest.raises(CoverageError):
        rs.evaluate(str(facts), period="2022-Q2")


def test_coverage_through_the_cli(tmp_path: Path) -> None:
    import io as _io

    from kpirules.cli import main
    (tmp_path / "r.kpi").write_text(RULESET, encoding="utf-8")
    facts = write(tmp_path, "f.csv", "unit,period,fact,value\nu,2022,resolved,1.000\n"
                  "u,2022,late,1\n")
    out, err = _io.StringIO(), _io.StringIO()
    code = main(["check", str(tmp_path / "r.kpi"), "--facts", str(facts), "--period",
                 "2023", "--decimal-comma"], out, err)
    assert code == 2 and "cover 2022" in err.getvalue()
    err = _io.StringIO()
    assert main(["check", str(tmp_path / "r.kpi"), "--facts", str(facts)], out, err) == 2
    assert "E515" in err.getvalue()
    for cmd in (["check", str(tmp_path / "r.kpi")], ["explain", str(tmp_path / "r.kpi"), "Q1"],
                ["lint", str(tmp_path / "r.kpi")]):
        err = _io.StringIO()
        code = main([*cmd, "--facts", str(facts), "--decimal-comma"], _io.StringIO(), err)
        assert code == 0, err.getvalue()


def test_decimal_comma_through_evaluate(tmp_path: Path) -> None:
    import kpirules
    rs = kpirules.loads(RULESET)
    facts = write(tmp_path, "f.csv", "unit,period,fact,value\nu,2022,resolved,1.000\n"
                  "u,2022,late,1\n")
    with pytest.raises(FactsError):
        rs.evaluate(str(facts))
    report = rs.evaluate(str(facts), decimal_comma=True)
    assert report.results[0].verdict == "pass"


def test_data_warnings_are_located_strings() -> None:
    from kpirules.facts import DataWarning
    warnings = read_facts(DATA / "long.csv").check({"resolved": "count"}, None)
    w = warnings[0]
    assert isinstance(w, DataWarning) and isinstance(w, str)
    assert (w.code, w.path, w.row) == ("W202", str(DATA / "long.csv"), 3)
    assert w == f"{w.path}:3: warning[W202]: {w.message}"
    back = pickle.loads(pickle.dumps(w))
    assert back == w and back.code == "W202"


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u200e", "\u2028"])
def test_invisible_characters_in_names_are_refused(tmp_path: Path, char: str) -> None:
    err = raises("E519", write(tmp_path, "f.csv", f"unit,period,fact,value\nu{char}v,2022,x,1\n"))
    assert (err.row, err.column) == (2, "unit") and f"\\u{ord(char):04x}" in err.message

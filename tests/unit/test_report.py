"""Report renderers: table, Markdown, JSON, number formatting, the label catalogue and
the published JSON Schema.

The schema golden file is regenerated with::

    python -c "from kpirules.report import schema_json; print(schema_json(), end='')" > docs/report.schema.json

(or by running this file with ``--update-goldens`` when the suite's conftest
provides that option, or with ``KPIRULES_UPDATE_GOLDENS=1``); review the diff
like code: the schema is a published contract.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from fractions import Fraction
from pathlib import Path

import pytest
from rich.cells import cell_len

from kpirules.report import FORMATS, render, schema_json
from kpirules.report.format import (
    MINUS,
    cells,
    decimal,
    languages,
    messages,
    ordered_rows,
    round_half_even,
    to_fraction,
)
from kpirules.report.markdown import escape
from kpirules.results import ObjectiveVerdict, Report, ResultRow, Summary

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "report.schema.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def row(**kw: object) -> ResultRow:
    base: dict[str, object] = {"part": None, "unit": "ha-long", "period": "2022",
                               "comparator": ">=", "uom": "", "kind": "ratio"}
    base.update(kw)
    return ResultRow(**base)  # type: ignore[arg-type]


def sample() -> Report:
    """Every verdict, a compound objective, a pooled scope, a quantity, n/a and missing."""
    results = [
        row(objective="Q1", label="Hồ sơ trễ hạn dưới 2%", verdict="fail", actual="1/50",
            comparator="<", threshold="1/50", gap="0", needed=1, unit="tthcc"),
        row(objective="Q3.1", label="Giải quyết TTHC đúng hạn tại Trung tâm HCC",
            verdict="warn", actual="4921/5000", comparator=">", threshold="0.98",
            gap="21/5000", budget=20, unit="tthcc"),
        row(objective="Q3.2", label="Đúng hạn tại từng phường, xã", verdict="fail",
            actual="243/250", comparator=">", threshold="999/1000", gap="-31/5000",
            needed=7, unit="dong-hai"),
        row(objective="Q3.2", label="Đúng hạn tại từng phường, xã", verdict="pass",
            actual="1", comparator=">", threshold="999/1000", gap="1/1000", budget=0,
            unit="bai-chay"),
        row(objective="Q3.3", label="Đúng hạn | gộp các xã", verdict="pass",
            actual="19999/20000", comparator=">=", threshold="0.999", gap="49/1000000",
            budget=19, unit=None, scope='units where level = "xa"'),
        row(objective="Q3.7", label="Thời gian chờ trung bình tối đa 25 phút",
            verdict="pass", actual="49/2", comparator="<=", threshold="25", gap="-1/2",
            uom="min", kind="quantity", unit=None),
        row(objective="PL4", label="Kiểm tra công vụ đột xuất ít nhất 01 lần/tháng",
            verdict="missing", actual=None, comparator=">=", threshold="1", gap=None,
            kind="count", period="2022-03", reason="thiếu dữ liệu inspections (2022-03)"),
        row(objective="PL4", label="Kiểm tra công vụ đột xuất ít nhất 01 lần/tháng",
            verdict="pass", actual="20000", comparator=">=", threshold="1", gap="19999",
            kind="count", period="2022-04"),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="pass",
            part="truoc_han", actual="0.41", threshold="0.4", gap="0.01", budget=50),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="n/a",
            part="dung_han", actual=None, threshold="0.6", gap=None,
            reason="không có hồ sơ đã giải quyết (resolved = 0)"),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="pass",
            actual=None, comparator="all", threshold=None, gap=None),
        row(objective="Q5", label="Tỷ lệ hài lòng 85–95%", verdict="pass", actual="0.9",
            comparator="between", threshold="0.85", upper="0.95", gap="0.05"),
        row(objective="Q6", label="Khiếu nại", verdict="n/a", actual=None,
            comparator="<", threshold="0.01", reason="không có hồ sơ (resolved = 0)"),
    ]
    objectives = [
        ObjectiveVerdict(id="Q1", label="Hồ sơ trễ hạn dưới 2%", verdict="fail"),
        ObjectiveVerdict(id="Q3.1", label="Giải quyết TTHC đúng hạn tại Trung tâm HCC",
                         verdict="warn", owner="Trung tâm hành chính công"),
        ObjectiveVerdict(id="Q3.2", label="Đúng hạn tại từng phường, xã", verdict="fail"),
        ObjectiveVerdict(id="Q3.3", label="Đúng hạn | gộp các xã", verdict="pass"),
        ObjectiveVerdict(id="Q3.7", label="Thời gian chờ trung bình tối đa 25 phút",
                         verdict="pass"),
        ObjectiveVerdict(id="PL4", label="Kiểm tra công vụ đột xuất ít nhất 01 lần/tháng",
                         verdict="missing"),
        ObjectiveVerdict(id="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="pass"),
        ObjectiveVerdict(id="Q5", label="Tỷ lệ hài lòng 85–95%", verdict="pass"),
        ObjectiveVerdict(id="Q6", label="Khiếu nại", verdict="n/a"),
    ]
    return Report(ruleset="Mục tiêu chất lượng năm 2022 — UBND thành phố Hạ Long",
                  unit="ha-long", period="2022", objectives=objectives, results=results,
                  summary=Summary(**{"pass": 4, "warn": 1, "fail": 2, "n/a": 1,
                                     "missing": 1}),
                  warnings=["facts.csv:12: giá trị của tthcc không khớp tổng các đơn vị con"])


@pytest.fixture(scope="module")
def report() -> Report:
    return sample()


# --- json ----------------------------------------------------------------------------------

def test_json_is_deterministic_and_round_trips(report: Report) -> None:
    first, second = render(report, "json"), render(sample(), "json")
    assert first == second and first.encode("utf-8") == second.encode("utf-8")
    assert first == report.to_json()
    assert json.loads(first) == report.model_dump(mode="json", by_alias=True)
    assert "Hạ Long" in first  # ensure_ascii=False


def test_json_has_the_keys_of_spec_section_6(report: Report) -> None:
    data = json.loads(render(report, "json"))
    assert {"ruleset", "period", "objectives", "results", "summary"} <= data.keys()
    assert set(data["summary"]) == {"pass", "warn", "fail", "n/a", "missing"}
    assert {"id", "label", "verdict"} <= data["objectives"][0].keys()
    fixed = {"objective", "part", "unit", "period", "verdict", "actual", "comparator",
             "threshold", "gap", "uom", "needed", "budget"}
    for r in data["results"]:
        assert fixed <= r.keys()
    pooled = next(r for r in data["results"] if r["objective"] == "Q3.3")
    assert pooled["unit"] is None and pooled["scope"] == 'units where level = "xa"'


# --- table ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_table_names_every_objective_and_verdict(report: Report, lang: str) -> None:
    text = render(report, "table", lang=lang)
    for o in report.objectives:
        assert o.id in text
    for verdict in ("pass", "warn", "fail", "missing", "n/a"):
        assert messages(lang)[f"verdict.{verdict}"] in text
    assert "\x1b[" not in text


def test_table_vietnamese(report: Report) -> None:
    text = render(report, "table")  # vi is the default
    for word in ("đạt", "cảnh báo", "không đạt", "thiếu dữ liệu", "không áp dụng"):
        assert word in text
    assert "97,20%" in text and "> 99,90%" in text
    assert f"{MINUS}0,62 điểm %" in text
    assert "cần thêm 7" in text and "còn dư 20" in text
    assert "20.000" in text and "24,5 min" in text
    assert "  └ truoc_han" in text and "  └ dung_han" in text
    assert "thiếu dữ liệu inspections" in text  # the reason of a missing row
    wide = render(report, "table", width=200)  # nothing wraps
    assert 'units where level = "xa"' in wide and "từ 85,00% đến 95,00%" in wide
    assert "Tổng hợp 9 mục tiêu: 4 đạt · 1 cảnh báo · 2 không đạt" in text


def test_table_english(report: Report) -> None:
    text = render(report, "table", lang="en")
    assert "97.20%" in text and "98.00%" in text
    assert f"{MINUS}0.62 pp" in text and "+0.42 pp" in text
    assert "needs 7 more" in text and "budget 20" in text
    assert "20,000" in text and "24.5 min" in text and "≤ 25 min" in text
    assert "between 85.00% and 95.00%" in render(report, "table", lang="en", width=200)
    assert "9 objectives: 4 pass · 1 warn · 2 fail · 1 missing · 1 n/a" in text
    assert "Unit: ha-long · Period: 2022" in text


@pytest.mark.parametrize("width", [200, 120, 100, 80])
def test_table_fits_the_width_and_columns_align(report: Report, width: int) -> None:
    text = render(report, "table", width=width)
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    # the period column starts at the same terminal column on every row, whatever
    # Vietnamese text precedes it
    ids = {o.id for o in report.objectives}
    starts = {cell_len(line[:line.index(" 2022")]) for line in lines
              if line.split(" ", 1)[0] in ids}
    assert len(starts) == 1, text
    # the labels are measured as terminal cells: no line of the table is ragged
    rule = next(line for line in lines if line.startswith("─"))
    assert all(cell_len(line) <= cell_len(rule) for line in lines if line.split(" ", 1)[0] in ids)


def test_table_normalises_decomposed_vietnamese(report: Report) -> None:
    nfd = report.model_copy(update={"results": [
        r.model_copy(update={"label": unicodedata.normalize("NFD", r.label)})
        for r in report.results]})
    assert render(nfd, "table") == render(report, "table")


def test_table_color(report: Report) -> None:
    text = render(report, "table", color=True)
    assert "\x1b[" in text
    assert ANSI.sub("", text) == render(report, "table")


def test_table_labels_are_not_markup() -> None:
    r = sample()
    odd = r.model_copy(update={"ruleset": "[bold]Bộ mục tiêu[/bold] :smile:"})
    assert "[bold]Bộ mục tiêu[/bold] :smile:" in render(odd, "table")


def test_combined_row_comes_before_its_parts(report: Report) -> None:
    pl3 = [r.part for r in ordered_rows(report.results) if r.objective == "PL3"]
    assert pl3 == [None, "truoc_han", "dung_han"]


# --- markdown ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_markdown_has_a_table_row_per_result(report: Report, lang: str) -> None:
    text = render(report, "md", lang=lang)
    assert text.startswith("# Mục tiêu chất lượng năm 2022")
    data_rows = [line for line in text.splitlines()
                 if line.startswith("| ") and not line.startswith("| ---")]
    # results + objectives + (5 verdicts + total) + a header per table
    per_objective_headers = len({r.objective for r in report.results})
    assert len(data_rows) == (len(report.results) + len(report.objectives) + 6
                              + 2 + per_objective_headers)
    for r in report.results:
        if r.period != "2022":
            assert f"| {r.period} |" in text
    assert "Đúng hạn \\| gộp các xã" in text
    assert "thiếu dữ liệu inspections (2022-03)" in text
    assert "không có hồ sơ đã giải quyết (resolved = 0)" in text


def test_markdown_tables_are_well_formed(report: Report) -> None:
    text = render(report, "md", lang="en")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            widths = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
            assert len(widths) == 1, block
    assert "**fail**" in text and "Verdict: **fail**" in text
    assert "| fail | 2 |" in text and "| **Total** | **9** |" in text


def test_markdown_escape() -> None:
    assert escape("a | b\nc") == "a \\| b c"


# --- formatting ----------------------------------------------------------------------------

def test_round_half_even_uses_exact_arithmetic() -> None:
    assert round_half_even(Fraction(1, 8), 2) == 12  # 0.125 -> 0.12
    assert round_half_even(Fraction(3, 8), 2) == 38  # 0.375 -> 0.38
    assert round_half_even(Fraction(-1, 8), 2) == -12
    assert round_half_even(Fraction(2, 3), 2) == 67
    assert decimal(Fraction("0.125") * 100, 1, "en") == "12.5"
    assert decimal(Fraction("1.005"), 2, "en") == "1.00"  # float would say 1.00 or 1.01


def test_decimal_separators_and_sign() -> None:
    assert decimal(Fraction(20000), 0, "en") == "20,000"
    assert decimal(Fraction(20000), 0, "vi") == "20.000"
    assert decimal(Fraction(1234567, 100), 2, "vi") == "12.345,67"
    assert decimal(Fraction(-62, 100), 2, "en", signed=True) == f"{MINUS}0.62"
    assert decimal(Fraction(62, 100), 2, "en", signed=True) == "+0.62"
    assert decimal(Fraction(0), 2, "en", signed=True) == "0.00"
    assert decimal(Fraction(49, 2), 2, "en", trim=True) == "24.5"
    assert to_fraction("-3/200") == Fraction(-3, 200) and to_fraction(None) is None


def test_cells_ratio_gap_in_percentage_points() -> None:
    c = cells(row(objective="X", verdict="fail", actual="-3/200", threshold="0.98",
                  gap="-199/200", needed=3), "en")
    assert c.actual == f"{MINUS}1.50%" and c.target == "≥ 98.00%"
    assert c.gap == f"{MINUS}99.50 pp" and c.delta == "needs 3 more"
    assert cells(row(objective="X", verdict="pass", actual="0.99", threshold="0.98",
                     gap="0.01", budget=12), "vi").delta == "còn dư 12"


def test_cells_never_round_onto_the_threshold() -> None:
    # 99.899% fails > 99.9%: it must not print as 99.90% against > 99.90%
    c = cells(row(objective="X", verdict="fail", actual="0.99899", comparator=">",
                  threshold="0.999", gap="-0.00001"), "en")
    assert c.actual == "99.899%" and c.target == "> 99.900%" and c.gap == f"{MINUS}0.001 pp"
    tiny = cells(row(objective="X", verdict="fail", actual="1/3", comparator=">=",
                     threshold="0.34", gap="-1/150"), "en")
    assert tiny.actual == "33.33%" and tiny.gap == f"{MINUS}0.67 pp"
    exact_threshold = cells(row(objective="X", verdict="pass", actual="1",
                                threshold="0.99995", gap="0.00005"), "en")
    assert exact_threshold.target == "≥ 99.995%" and exact_threshold.actual == "100.000%"


def test_cells_quantities_counts_and_none() -> None:
    q = cells(row(objective="X", verdict="pass", kind="quantity", uom="h", actual="2",
                  comparator="<=", threshold="5/2", gap="-1/2"), "vi")
    assert (q.actual, q.target, q.gap) == ("2 h", "≤ 2,5 h", f"{MINUS}0,5 h")
    n = cells(row(objective="X", verdict="fail", kind="count", actual="0",
                  threshold="1", gap="-1"), "en")
    assert (n.actual, n.target, n.gap, n.delta) == ("0", "≥ 1", f"{MINUS}1", "—")
    m = cells(row(objective="X", verdict="missing", actual=None, threshold="1",
                  gap=None), "en")
    assert (m.actual, m.gap) == ("—", "—")


# --- catalogue, api ------------------------------------------------------------------------

def test_catalogue_has_the_same_keys_in_every_language() -> None:
    assert set(languages()) >= {"vi", "en"}
    keys = {lang: set(messages(lang)) for lang in languages()}
    for lang, ks in keys.items():
        assert ks == keys["vi"], lang
    for lang in languages():
        for key, template in messages(lang).items():
            assert template.strip(), (lang, key)
            # placeholders agree across languages
            assert set(re.findall(r"{(\w+)}", template)) == \
                set(re.findall(r"{(\w+)}", messages("vi")[key])), (lang, key)


def test_render_rejects_unknown_format_and_language(report: Report) -> None:
    assert FORMATS == ("table", "json", "md", "html", "junit")
    with pytest.raises(ValueError, match="format"):
        render(report, "pdf")
    with pytest.raises(ValueError, match="language"):
        render(report, "table", lang="fr")


def test_schema_golden(request: pytest.FixtureRequest) -> None:
    text = schema_json()
    update = (os.environ.get("KPIRULES_UPDATE_GOLDENS") == "1"
              or bool(request.config.getoption("--update-goldens", default=False)))
    if update:
        SCHEMA_FILE.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_FILE.write_text(text, encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == text, (
        "docs/report.schema.json is stale; regenerate it (see this module's docstring)")
    schema = json.loads(text)
    assert text.endswith("}\n") and "Report" in schema.get("title", "")
    assert json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text


# ---------------------------------------------------------------- one pool: silent units
SILENT_RULESET = """\
ruleset "Mục tiêu"
unit city
period 2022
fact late : count
fact resolved : count
objective Q1 "Hồ sơ trễ hạn dưới 2%": late / resolved < 2%
"""
SILENT_UNITS = [{"id": "city", "name": "Thành phố", "parent": "", "level": "tp"},
                {"id": "w1", "name": "Phường Một", "parent": "city", "level": "phuong"},
                {"id": "w2", "name": "Phường Hai", "parent": "city", "level": "phuong"},
                {"id": "w3", "name": "Phường Ba", "parent": "city", "level": "phuong"}]
SILENT_FACTS = [{"unit": "w1", "period": "2022", "fact": "resolved", "value": 1000},
                {"unit": "w1", "period": "2022", "fact": "late", "value": 10},
                {"unit": "w2", "period": "2022", "fact": "resolved", "value": 1000},
                {"unit": "w2", "period": "2022", "fact": "late", "value": 10}]


@pytest.mark.parametrize("fmt", ["table", "md", "html", "junit"])
@pytest.mark.parametrize("lang,words", [("vi", "2/3 đơn vị có báo cáo; không báo cáo: Phường Ba"),
                                        ("en", "2 of 3 units reported; not reporting: "
                                               "Phường Ba")])
def test_every_human_format_names_the_silent_units(fmt: str, lang: str, words: str) -> None:
    import kpirules

    report = kpirules.loads(SILENT_RULESET, "t.kpi").evaluate(SILENT_FACTS, units=SILENT_UNITS)
    (row,) = report.results
    assert row.silent == [{"unit": "w3", "name": "Phường Ba"}] and row.reporting == 2
    text = render(report, fmt, lang=lang, width=200) if fmt == "table" else render(
        report, fmt, lang=lang)
    assert words in unicodedata.normalize("NFC", text)


def test_data_warnings_are_worded_in_the_report_language(tmp_path: Path) -> None:
    import kpirules

    facts = tmp_path / "facts.csv"
    facts.write_text("unit,period,fact,value\ncity,2022,resolved,1000\ncity,2022,late,10\n"
                     "city,2022,diem_hai_long,81\n", encoding="utf-8")
    report = kpirules.loads(SILENT_RULESET, "t.kpi").evaluate(str(facts))
    (w,) = report.warnings
    assert w.code == "W202" and w.row == 4 and w.params == {"fact": "diem_hai_long",
                                                              "count": "1"}
    assert report.to_json().count("warning[W202]: fact `diem_hai_long` is not declared") == 1
    en = render(report, "md", lang="en")
    vi = render(report, "md", lang="vi")
    assert "warning[W202]: fact `diem_hai_long` is not declared by the ruleset" in en
    assert "cảnh báo[W202]: bộ mục tiêu không khai báo `diem_hai_long`" in vi
    assert "not declared" not in vi

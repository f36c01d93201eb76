"""JUnit XML as a real consumer reads it (``junitparser``): a test case per result row,
fail → failure, missing → error, n/a → skipped, warn → a pass with a note; the counts
match the JSON report, for a sample and for every example."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite

from kpirules.report import render
from kpirules.report.junit import case_name
from kpirules.results import ObjectiveVerdict, Report, ResultRow, Summary

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_REPORTS = sorted(ROOT.glob("examples/*/expected/report.json"))


def row(**kw: object) -> ResultRow:
    base: dict[str, object] = {"part": None, "unit": "ha-long", "period": "2022",
                               "comparator": ">=", "uom": "", "kind": "ratio"}
    base.update(kw)
    return ResultRow(**base)  # type: ignore[arg-type]


def sample(**report_kw: object) -> Report:
    results = [
        row(objective="Q1", label="Hồ sơ trễ hạn dưới 2% <&> \"quoted\"", verdict="fail",
            actual="1/40", comparator="<", threshold="1/50", gap="1/200", needed=3,
            unit="tthcc"),
        row(objective="Q3.1", label="Đúng hạn tại Trung tâm HCC", verdict="warn",
            actual="0.983", comparator=">", threshold="0.98", gap="0.003", budget=15,
            unit="tthcc", warn="< 0.985"),
        row(objective="Q3.3", label="Đúng hạn gộp các xã", verdict="pass", actual="1",
            threshold="0.999", gap="0.001", unit=None, scope='units where level = "xa"'),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="fail",
            comparator="all", threshold=None, kind="compound"),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="fail",
            part="truoc_han", actual="0.35", threshold="0.4", gap="-0.05", needed=5),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="n/a",
            part="dung_han", threshold="0.6", reason="nothing to measure: resolved = 0"),
        row(objective="Q6", label="Khiếu nại\x0c được giải quyết", verdict="missing",
            threshold="1", reason="no `complaints` for ha-long in 2022"),
    ]
    objectives = [
        ObjectiveVerdict(id="Q1", label="Hồ sơ trễ hạn dưới 2% <&> \"quoted\"",
                         verdict="fail"),
        ObjectiveVerdict(id="Q3.1", label="Đúng hạn tại Trung tâm HCC", verdict="warn"),
        ObjectiveVerdict(id="Q3.3", label="Đúng hạn gộp các xã", verdict="pass"),
        ObjectiveVerdict(id="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="fail"),
        ObjectiveVerdict(id="Q6", label="Khiếu nại\x0c được giải quyết", verdict="missing"),
    ]
    kw: dict[str, object] = {
        "ruleset": "Mục tiêu chất lượng năm 2022 — UBND thành phố Hạ Long", "unit": "ha-long",
        "period": "2022", "objectives": objectives, "results": results,
        "summary": Summary(**{"pass": 1, "warn": 1, "fail": 2, "n/a": 0, "missing": 1})}
    kw.update(report_kw)
    return Report(**kw)  # type: ignore[arg-type]


def read(report: Report, tmp_path: Path, lang: str = "vi") -> tuple[str, JUnitXml]:
    text = render(report, "junit", lang=lang)
    path = tmp_path / "report.xml"
    path.write_bytes(text.encode("utf-8"))
    return text, JUnitXml.fromfile(str(path))


def expected_counts(report: Report) -> dict[str, int]:
    verdicts = Counter(r.verdict for r in report.results)
    return {"tests": len(report.results), "failures": verdicts["fail"],
            "errors": verdicts["missing"], "skipped": verdicts["n/a"]}


def counts(x: JUnitXml | TestSuite) -> dict[str, int]:
    return {"tests": x.tests, "failures": x.failures, "errors": x.errors, "skipped": x.skipped}


def outcomes(xml: JUnitXml) -> dict[str, tuple[str, str, object]]:
    """name → (classname, outcome, the result element or None)."""
    out: dict[str, tuple[str, str, object]] = {}
    for suite in xml:
        for case in suite:
            kinds = [type(r) for r in case.result]
            outcome = ("fail" if Failure in kinds else "missing" if Error in kinds
                       else "n/a" if Skipped in kinds else "pass")
            assert case.name not in out, f"duplicate test case {case.name}"
            out[case.name] = (case.classname, outcome, case.result[0] if case.result else None)
    return out


def test_counts_match_the_json_report(tmp_path: Path) -> None:
    report = sample()
    _, xml = read(report, tmp_path)
    assert counts(xml) == expected_counts(report) == {"tests": 7, "failures": 3, "errors": 1,
                                                      "skipped": 1}
    suites = list(xml)
    assert len(suites) == 1 and suites[0].name == report.ruleset
    assert counts(suites[0]) == expected_counts(report)


def test_a_case_per_row_named_objective_unit_period(tmp_path: Path) -> None:
    _, xml = read(sample(), tmp_path)
    got = outcomes(xml)
    assert list(got) == [
        "Q1 · tthcc · 2022", "Q3.1 · tthcc · 2022", 'Q3.3 · units where level = "xa" · 2022',
        "PL3 · ha-long · 2022", "PL3/truoc_han · ha-long · 2022",
        "PL3/dung_han · ha-long · 2022", "Q6 · ha-long · 2022"]
    assert {name: (cls, outcome) for name, (cls, outcome, _) in got.items()} == {
        "Q1 · tthcc · 2022": ("Q1", "fail"),
        "Q3.1 · tthcc · 2022": ("Q3.1", "pass"),
        'Q3.3 · units where level = "xa" · 2022': ("Q3.3", "pass"),
        "PL3 · ha-long · 2022": ("PL3", "fail"),
        "PL3/truoc_han · ha-long · 2022": ("PL3", "fail"),
        "PL3/dung_han · ha-long · 2022": ("PL3", "n/a"),
        "Q6 · ha-long · 2022": ("Q6", "missing")}


def test_messages_carry_label_actual_target_and_gap(tmp_path: Path) -> None:
    _, xml = read(sample(), tmp_path)
    got = outcomes(xml)
    failure = got["Q1 · tthcc · 2022"][2]
    assert isinstance(failure, Failure) and failure.type == "fail"
    assert failure.message == ('Q1 — Hồ sơ trễ hạn dưới 2% <&> "quoted": thực tế 2,50%, '
                               "chỉ tiêu < 2,00%, chênh lệch +0,50 điểm % (cần thêm 3)")
    assert "actual: 1/40" in (failure.text or "")  # the exact values for the log
    error = got["Q6 · ha-long · 2022"][2]
    assert isinstance(error, Error) and error.type == "missing"
    assert error.message == "thiếu dữ liệu: no `complaints` for ha-long in 2022"
    skipped = got["PL3/dung_han · ha-long · 2022"][2]
    assert isinstance(skipped, Skipped)
    assert skipped.message == "nothing to measure: resolved = 0"


def test_warn_passes_with_a_note(tmp_path: Path) -> None:
    text, xml = read(sample(), tmp_path, lang="en")
    case = next(c for s in xml for c in s if c.name == "Q3.1 · tthcc · 2022")
    assert case.is_passed
    assert case.system_out == ("warn — met, but close to the edge: actual 98.30%, "
                               "target > 98.00%, gap +0.30 pp")
    assert "actual 2.50%, target &lt; 2.00%, gap +0.50 pp (needs 3 more)" in text


def test_partial_rows_say_so(tmp_path: Path) -> None:
    report = sample(as_of="2022-09")
    report = report.model_copy(update={"results": [r.model_copy(update={"partial": True})
                                                   for r in report.results]})
    text, xml = read(report, tmp_path)
    case = next(c for s in xml for c in s if c.name == "Q3.3 · units where level = \"xa\" · 2022")
    assert case.system_out == "tạm tính: dữ liệu đến hết 2022-09"
    assert '<property name="as_of" value="2022-09" />' in text


def test_well_formed_utf8_and_deterministic(tmp_path: Path) -> None:
    text, _ = read(sample(), tmp_path)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    assert "Mục tiêu chất lượng năm 2022" in text  # UTF-8, not character references
    assert "\x0c" not in text  # a character XML cannot hold is dropped, not written
    assert text == render(Report.model_validate_json(sample().to_json()), "junit")
    assert "timestamp" not in text and "hostname" not in text


def test_case_name_of_a_pooled_row_without_scope_uses_the_ruleset_unit() -> None:
    r = row(objective="Q9", verdict="pass", unit=None, scope=None)
    assert case_name(r, "ha-long") == "Q9 · ha-long · 2022"


@pytest.mark.parametrize("path", EXAMPLE_REPORTS,
                         ids=[p.parent.parent.name for p in EXAMPLE_REPORTS])
def test_every_example(path: Path, tmp_path: Path) -> None:
    report = Report.model_validate_json(path.read_text(encoding="utf-8"))
    _, xml = read(report, tmp_path)
    assert counts(xml) == expected_counts(report)
    got = outcomes(xml)  # also: names are unique
    assert len(got) == len(report.results)
    by_outcome = Counter(outcome for _, outcome, _ in got.values())
    verdicts = Counter("pass" if r.verdict == "warn" else r.verdict for r in report.results)
    assert by_outcome == verdicts
    assert {cls for cls, _, _ in got.values()} == {r.objective for r in report.results}

"""The conformance suite: the language's rules as data.

Every ``tests/conformance/*.yaml`` file holds a list of cases; each case is one test,
named ``<file stem>::<case name>``. A case is a mapping:

``name`` (required)
    What the case shows, in a sentence. Unique within its file.
``ruleset`` (required)
    The ruleset text (the file name in diagnostics is ``case.kpi``).
``diagnostics``
    For a ruleset that must be rejected (or that loads with lint warnings): a list of
    ``{code: E201, at: "6:26"}``. Every expected diagnostic must be present (same code,
    same 1-based ``line:col``), and the ruleset must have no *error* that is not
    listed; unlisted warnings are tolerated. When every listed code is a warning the
    ruleset must load, and its warnings are checked. An optional ``message`` on an
    item must be a substring of that diagnostic's message.
``facts``
    Fact rows ``{unit, period, fact, value[, uom]}`` (default: none). Periods are
    strings (``"2022"``; quote them, YAML reads 2022 as a number).
``units``
    Optional units table as rows ``{id, name, parent, level, …}``.
``period``
    Optional period to evaluate (default: the ruleset's ``period``).
``expect``
    Expected result rows. Each item is a mapping from keys of the JSON result row
    (``objective``, ``part``, ``unit``, ``period``, ``verdict``, ``actual``,
    ``threshold``, ``gap``, ``uom``, ``needed``, ``budget``, ``scope``, ``reason``…)
    to values; keys not named match anything. A value written ``{contains: TEXT}``
    matches a string holding TEXT. Each item must match exactly one row.
``rows``
    Optional: the exact number of result rows.
``objectives``
    Optional: ``{objective id: verdict}`` from the report's ``objectives`` list.
``summary``
    Optional: the report's ``summary`` (``{pass: 1, fail: 0, …}``; keys not named are 0).
``raises``
    Optional, instead of ``expect``: evaluation must raise ``{type: EvaluationError,
    match: TEXT}`` (``match`` a substring of the message).
``records``
    Optional: raw records per source, ``{source name: [row, …]}``. Each source's rows are
    written to a CSV file (the header is the union of the rows' keys, in first-seen
    order) and bound with ``sources=``; the ruleset's derived facts are then counted
    from them (DuckDB). ``facts`` may be given too, for facts that are not counted.
``xfail``
    Optional: a reason. The case is a known bug (``xfail(strict=True)``): the
    expectation is what the rules say, the code does not do it yet.

Every evaluation case runs twice, on two fact back ends that must agree: the rows
given in memory, and the same rows written to a long CSV file
(``unit,period,fact,value,uom``) and read from disk; and twice on the first, which
must give byte-identical JSON (evaluation is deterministic).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import kpirules
from kpirules.errors import EvaluationError, RulesetError

HERE = Path(__file__).resolve().parent
CASE_KEYS = {"name", "ruleset", "diagnostics", "facts", "units", "period", "expect", "rows",
             "objectives", "summary", "raises", "xfail", "records"}
RAISES = {"EvaluationError": EvaluationError, "RulesetError": RulesetError,
          "FactsError": kpirules.FactsError}


def _load_cases() -> list[Any]:
    params = []
    seen: set[str] = set()
    for path in sorted(HERE.glob("*.yaml")):
        cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        assert isinstance(cases, list), f"{path.name}: a conformance file is a list of cases"
        for case in cases:
            assert isinstance(case, dict) and "name" in case and "ruleset" in case, \
                f"{path.name}: every case needs `name` and `ruleset`: {case!r}"
            unknown = set(case) - CASE_KEYS
            assert not unknown, f"{path.name}::{case['name']}: unknown keys {sorted(unknown)}"
            case_id = f"{path.stem}::{case['name']}"
            assert case_id not in seen, f"duplicate case name {case_id}"
            seen.add(case_id)
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(strict=True, reason=str(case["xfail"])))
            params.append(pytest.param(case, id=case_id, marks=marks))
    return params


CASES = _load_cases()


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    if "diagnostics" in case:
        _check_diagnostics(case)
        assert "expect" not in case or _is_warning_only(case), \
            "a case expecting errors cannot also expect rows"
        if not _is_warning_only(case):
            return
    if "expect" in case or "raises" in case or "objectives" in case or "summary" in case:
        _check_evaluation(case, tmp_path)


# ---------------------------------------------------------------- diagnostics
def _is_warning_only(case: dict[str, Any]) -> bool:
    return all(str(d["code"]).startswith("W") for d in case.get("diagnostics", []))


def _found(diags: Any) -> list[tuple[str, str, str, str]]:
    return [(d.code, f"{d.line}:{d.column}", d.message, d.severity) for d in diags]


def _check_diagnostics(case: dict[str, Any]) -> None:
    text = case["ruleset"]
    try:
        rs = kpirules.loads(text, "case.kpi")
        got = _found(rs.warnings)
        loaded = True
    except RulesetError as exc:
        got = _found(exc.diagnostics)
        loaded = False
        for d in exc.diagnostics:  # spans inside the text, always
            assert 0 <= d.start <= d.end <= len(text), (d, len(text))
    expected = case["diagnostics"]
    if _is_warning_only(case):
        assert loaded, f"the ruleset should load (warnings only); got {got}"
    else:
        assert not loaded, f"the ruleset should be rejected; it loaded with warnings {got}"
    shown = "\n".join(f"  {c} at {at} [{sev}]: {msg}" for c, at, msg, sev in got)
    for want in expected:
        assert isinstance(want.get("at"), str), \
            f"write `at` quoted (\"6:26\"): YAML reads 6:26 unquoted as a number: {want}"
        hits = [g for g in got if g[0] == want["code"] and g[1] == str(want["at"])]
        assert hits, f"expected {want['code']} at {want['at']}; got:\n{shown}"
        if "message" in want:
            assert any(want["message"] in g[2] for g in hits), \
                f"{want['code']} at {want['at']}: no message holds {want['message']!r}:\n{shown}"
    wanted = {(str(w["code"]), str(w["at"])) for w in expected}
    extra = [g for g in got if g[3] == "error" and (g[0], g[1]) not in wanted]
    assert not extra, f"unexpected errors:\n{shown}"
    # several problems are reported sorted by position
    positions = [tuple(int(x) for x in g[1].split(":")) for g in got]
    assert positions == sorted(positions), f"diagnostics not sorted by position:\n{shown}"


# ---------------------------------------------------------------- evaluation
def _write_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "period", "fact", "value", "uom"])
        for r in rows:
            w.writerow([r["unit"], str(r["period"]), r["fact"], r["value"], r.get("uom", "")])
    return path


def _write_records(rows: list[dict[str, Any]], path: Path) -> Path:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if r.get(k) is None else str(r[k]) for k in header])
    return path


def _run(case: dict[str, Any], facts: Any, sources: dict[str, Any] | None = None) -> Any:
    rs = kpirules.loads(case["ruleset"], "case.kpi")
    return rs.evaluate(facts, units=case.get("units"), sources=sources,
                       period=str(case["period"]) if "period" in case else None)


def _matches(want: Any, got: Any) -> bool:
    if isinstance(want, dict) and set(want) == {"contains"}:
        return isinstance(got, str) and str(want["contains"]) in got
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, str):
        return False  # exact values travel as strings: write "0" not 0
    return bool(want == got)


def _check_evaluation(case: dict[str, Any], tmp_path: Path) -> None:
    rows_in = case.get("facts") or []
    sources = {name: str(_write_records(rows, tmp_path / f"{name}.csv"))
               for name, rows in (case.get("records") or {}).items()} or None
    if "raises" in case:
        spec = case["raises"]
        with pytest.raises(RAISES[spec["type"]]) as info:
            _run(case, rows_in, sources)
        if "match" in spec:
            assert spec["match"] in str(info.value)
        return
    report = _run(case, rows_in, sources)
    text = report.to_json()
    assert _run(case, rows_in, sources).to_json() == text, \
        "the same input must give byte-identical JSON"
    data = json.loads(text)
    results = data["results"]
    table = "\n".join("  " + json.dumps({k: r[k] for k in (
        "objective", "part", "unit", "period", "verdict", "actual", "threshold", "gap",
        "needed", "budget", "reason")}, ensure_ascii=False) for r in results)
    for want in case.get("expect", []):
        hits = [r for r in results if all(_matches(v, r.get(k, "<absent>"))
                                          for k, v in want.items())]
        assert len(hits) == 1, (f"expected exactly one row matching {want}, found "
                                f"{len(hits)} among:\n{table}")
    if "rows" in case:
        assert len(results) == case["rows"], f"expected {case['rows']} rows:\n{table}"
    if "objectives" in case:
        got = {o["id"]: o["verdict"] for o in data["objectives"]}
        want_obj = {str(k): v for k, v in case["objectives"].items()}
        assert {k: got.get(k) for k in want_obj} == want_obj, f"objectives: {got}\n{table}"
    if "summary" in case:
        want_sum = {"pass": 0, "warn": 0, "fail": 0, "n/a": 0, "missing": 0}
        want_sum.update(case["summary"])
        assert data["summary"] == want_sum
    # the second back end: the same rows read from a long CSV file must agree
    if rows_in:
        again = json.loads(_run(case, str(_write_csv(rows_in, tmp_path / "facts.csv")),
                                sources).to_json())
        for key in ("objectives", "results", "summary"):
            assert again[key] == data[key], f"in-memory and CSV facts disagree on {key}"

"""JUnit XML for CI: a result row is a test case.

The shape, chosen so that any JUnit consumer (Jenkins, GitLab, GitHub annotations,
``junitparser``) shows one line per verdict::

    <testsuites name=RULESET tests=… failures=… errors=… skipped=…>
      <testsuite name=RULESET tests=… failures=… errors=… skipped=… time="0">
        <properties> period, unit, compare, as-of </properties>
        <testcase classname=OBJECTIVE name="OBJECTIVE · UNIT · PERIOD" time="0"/> …

* one ``<testsuite>`` named after the ruleset, one ``<testcase>`` per result row, in the
  report's reading order; ``classname`` is the objective id, so CI tools that group by
  class show one group per objective;
* ``name`` is ``objective · unit · period``; a compound's part rows are
  ``objective/part · unit · period``; a pooled scope (no unit) writes its condition
  (``units where level = "xa"``) where the unit would be;
* **fail** → ``<failure type="fail" message=…>``: the label, the actual value, the target
  and the gap (and the items needed), in the report language;
* **missing** → ``<error type="missing" message=reason>``: the target could not be
  checked because data is absent. That is a problem with the run's input, not a target
  that was missed, and JUnit's *error* (the test could not run) says exactly that, so CI
  shows it apart from failures — and still fails the build, as ``kpirules check`` exits 1;
* **n/a** → ``<skipped message=reason>``: nothing to measure (``late = 0``);
* **warn** → a passing case with a ``<system-out>`` note (met, close to the edge);
* rows of an ``--as-of`` (year-to-date) run carry a ``<system-out>`` note saying so.

Counts (``tests``, ``failures``, ``errors``, ``skipped``) are on both elements. No
timestamps or host names: the same report gives the same bytes. Text goes through
:mod:`xml.etree.ElementTree`, which escapes it; characters XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kpirules.report.format import (
    NONE,
    banners,
    cells,
    message,
    nfc,
    ordered_rows,
    reason,
    silent_units,
    unit_text,
)
from kpirules.results import Report, ResultRow

__all__ = ["case_name", "render_junit"]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", nfc(value))


def case_name(row: ResultRow, default_unit: str | None) -> str:
    """``Q3.2 · dong-hai · 2022-Q3``; ``Q3.9/chu_ky_so · ha-long · 2022`` for a part."""
    objective = row.objective if row.part is None else f"{row.objective}/{row.part}"
    return _text(f"{objective} · {unit_text(row, default_unit)} · {row.period}")


def _label(row: ResultRow, labels: dict[str, str]) -> str:
    label = labels.get(row.objective) or row.label
    head = row.objective if row.part is None else f"{row.objective}/{row.part}"
    return f"{head} — {label}" if label else head


def _case(row: ResultRow, report: Report, labels: dict[str, str], lang: str) -> ET.Element:
    case = ET.Element("testcase", {"classname": _text(row.objective),
                                   "name": case_name(row, report.unit), "time": "0"})
    c = cells(row, lang)
    values = {"label": _label(row, labels), "actual": c.actual, "target": c.target,
              "gap": c.gap}
    notes = []
    if row.verdict == "fail":
        text = message(lang, "junit.failure", **values)
        if c.delta != NONE:
            text += f" ({c.delta})"
        failure = ET.SubElement(case, "failure", {"type": "fail", "message": _text(text)})
        failure.text = _text(_detail(row))
    elif row.verdict == "missing":
        why = reason(row, lang) or message(lang, "verdict.missing")
        error = ET.SubElement(case, "error", {"type": "missing", "message": _text(
            message(lang, "junit.missing", reason=why))})
        error.text = _text(_detail(row))
    elif row.verdict == "n/a":
        ET.SubElement(case, "skipped", {"message": _text(reason(row, lang) or
                                                         message(lang, "verdict.n/a"))})
    elif row.verdict == "warn":
        notes.append(message(lang, "junit.warn", **values))
    if row.partial and report.as_of:
        notes.append(message(lang, "junit.partial", month=report.as_of))
    elif row.partial:  # records that cover the period only in part
        notes.extend(banners(report, lang))
    left_out = silent_units(row, lang)
    if left_out is not None:
        notes.append(left_out)
    if notes:
        ET.SubElement(case, "system-out").text = _text("\n".join(notes))
    return case


def _detail(row: ResultRow) -> str:
    """The exact values, as the JSON report has them, for whoever reads the CI log."""
    keys = ("objective", "part", "unit", "scope", "period", "verdict", "actual", "comparator",
            "threshold", "upper", "gap", "uom", "needed", "budget", "previous", "change")
    return "\n".join(f"{k}: {getattr(row, k)}" for k in keys
                     if getattr(row, k, None) not in (None, ""))


def _counts(cases: list[ET.Element]) -> dict[str, str]:
    def n(tag: str) -> str:
        return str(sum(1 for c in cases if c.find(tag) is not None))
    return {"tests": str(len(cases)), "failures": n("failure"), "errors": n("error"),
            "skipped": n("skipped")}


def render_junit(report: Report, *, lang: str = "vi") -> str:
    """``report`` as JUnit XML text (UTF-8 declared, deterministic)."""
    labels = {o.id: o.label for o in report.objectives}
    cases = [_case(r, report, labels, lang) for r in ordered_rows(report.results)]
    counts = _counts(cases)
    name = _text(report.ruleset)
    root = ET.Element("testsuites", {"name": name, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": name, **counts, "time": "0"})
    properties = ET.SubElement(suite, "properties")
    for key, value in (("period", report.period), ("unit", report.unit),
                       ("compare", report.compare), ("as_of", report.as_of)):
        if value is not None:
            ET.SubElement(properties, "property", {"name": key, "value": _text(value)})
    suite.extend(cases)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"

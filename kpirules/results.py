"""Result models: the JSON report other programs read, as pydantic models.

Exact values travel as strings (``"999/1000"``, ``"0.98"``, ``"25"``) so that no
reader has to trust a binary float. Rows are built with ``model_construct`` on
the hot path: the evaluator already guarantees their shape.
"""

from __future__ import annotations

import json
from fractions import Fraction
from math import gcd
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

__all__ = ["Verdict", "ResultRow", "ObjectiveVerdict", "Summary", "Report", "exact", "worst",
           "VERDICT_ORDER", "report_schema", "exact_ratio", "SourceCoverage"]

Verdict = Literal["pass", "warn", "fail", "n/a", "missing"]

# Severity used to combine rows: the worst wins (fail > missing > warn > pass > n/a).
VERDICT_ORDER: dict[str, int] = {"n/a": 0, "pass": 1, "warn": 2, "missing": 3, "fail": 4}


def worst(verdicts: list[str] | tuple[str, ...]) -> str:
    return max(verdicts, key=VERDICT_ORDER.__getitem__) if verdicts else "n/a"


def exact(value: Fraction | int | None) -> str | None:
    """An exact rational as text: ``"12"``, ``"0.98"`` (terminating decimals) or ``"43/45"``."""
    if value is None:
        return None
    if isinstance(value, int):
        return str(value)
    return exact_ratio(value.numerator, value.denominator)


def exact_ratio(num: int, den: int) -> str:
    """``num / den`` (den != 0) in lowest terms, as :func:`exact` writes it, without
    building a Fraction: the evaluator's hot path for ratios of counts."""
    if den < 0:
        num, den = -num, -den
    g = gcd(num, den)
    if g != 1:
        num //= g
        den //= g
    if den == 1:
        return str(num)
    d, twos, fives = den, 0, 0
    while not d & 1:
        d >>= 1
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{num}/{den}"
    places = max(twos, fives)
    scaled = abs(num) * (10**places) // den
    digits = str(scaled).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")
    return ("-" if num < 0 else "") + text


class ResultRow(BaseModel):
    """One verdict: (objective, part, scope unit, period)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    objective: str
    part: str | None = None
    unit: str | None = None
    period: str
    verdict: Verdict
    actual: str | None = None
    comparator: str
    threshold: str | None = None
    gap: str | None = None
    uom: str = ""
    needed: int | None = None
    budget: int | None = None
    # extra keys, beyond the contract's: what a human report needs
    label: str = ""
    scope: str | None = None
    upper: str | None = Field(default=None, description="upper bound of `between`")
    kind: str = Field(default="number", description="count | ratio | quantity | number")
    reason: str | None = Field(default=None, description="why n/a or missing, in words")
    unit_name: str | None = Field(default=None, description="the unit's name (units table)")
    warn: str | None = Field(default=None, description="the warn condition, exact, "
                             "in the display unit")
    previous: str | None = Field(default=None, description="--compare: the actual of the "
                                 "same row in the compared period (exact)")
    change: str | None = Field(default=None, description="--compare: actual − previous (exact)")
    partial: bool = Field(default=False, description="--as-of: evaluated on data through the "
                          "as-of month only (year to date), not the whole period")
    reasons: list[dict[str, str]] | None = Field(
        default=None, description="why n/a or missing, as codes with their arguments "
        "({\"code\": \"no_value\", \"fact\": …}); `reason` is their English text")
    reasons_more: int = Field(default=0, description="reasons beyond those listed")
    reporting: int | None = Field(
        default=None, description="how many units' figures were pooled into this row, when "
        "it was rolled up from sub-units (null: the unit's own figures)")
    silent: list[dict[str, str]] | None = Field(
        default=None, description="sub-units left out because they give none of the "
        "measure's facts ({\"unit\": id, \"name\": name}); null when none was")


class ObjectiveVerdict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    label: str
    verdict: Verdict
    owner: str | None = None
    # what ISO 9001 §6.2.2 asks a plan to say; never changes a verdict
    support: list[str] = Field(default_factory=list)
    method: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    due: str | None = None
    note: list[str] = Field(default_factory=list)
    every: str | None = None
    scope: str | None = None


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    pass_: int = Field(default=0, alias="pass")
    warn: int = 0
    fail: int = 0
    na: int = Field(default=0, alias="n/a")
    missing: int = 0

    def count(self, verdict: str) -> int:
        return {"pass": self.pass_, "warn": self.warn, "fail": self.fail, "n/a": self.na,
                "missing": self.missing}[verdict]


class SourceCoverage(BaseModel):
    """What one records source covers of the evaluated period."""

    model_config = ConfigDict(frozen=True)

    source: str
    first: str | None = Field(description="the date of its first record in the period "
                              "(YYYY-MM-DD); null when it has none")
    last: str | None = Field(description="the date of its last record in the period")
    partial: bool = Field(description="the records do not reach the period's first or last "
                          "month: rows counted from them are marked partial")


class Report(BaseModel):
    """What ``Ruleset.evaluate`` returns and ``--format json`` prints."""

    model_config = ConfigDict(frozen=True, extra="allow", serialize_by_alias=True)

    ruleset: str
    unit: str | None = None
    period: str
    objectives: list[ObjectiveVerdict]
    results: list[ResultRow]
    summary: Summary
    warnings: list[str] = Field(default_factory=list,
                                description="data problems that did not stop the run")
    compare: str | None = Field(default=None, description="--compare: the compared period")
    as_of: str | None = Field(default=None, description="--as-of: last month of data used")
    coverage: list[SourceCoverage] | None = Field(
        default=None, description="facts counted from records: what each source's records "
        "cover of the period (absent when nothing is counted from records)")

    @model_serializer(mode="wrap")
    def _without_no_coverage(self, handler: Any) -> Any:
        """Reports that count nothing from records keep their shape: no `coverage` key."""
        data = handler(self)
        if isinstance(data, dict) and data.get("coverage") is None:
            data.pop("coverage", None)
        return data

    @property
    def exit_code(self) -> int:
        """0 when nothing failed or is missing, 1 otherwise (the exit code of ``check``)."""
        return 1 if (self.summary.fail or self.summary.missing) else 0

    def rows(self, objective: str | None = None, **match: Any) -> list[ResultRow]:
        out = []
        for r in self.results:
            if objective is not None and r.objective != objective:
                continue
            if all(getattr(r, k, None) == v for k, v in match.items()):
                out.append(r)
        return out

    def to_json(self) -> str:
        """Deterministic JSON: same ruleset and data, byte-identical text."""
        return json.dumps(self.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                          indent=2) + "\n"


def report_schema() -> dict[str, Any]:
    return Report.model_json_schema(by_alias=True)

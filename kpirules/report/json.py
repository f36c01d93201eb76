"""The JSON report: the contract other programs read, exactly :meth:`Report.to_json`."""

from __future__ import annotations

from kpirules.results import Report

__all__ = ["render_json"]


def render_json(report: Report) -> str:
    """Deterministic JSON (sorted by the model's field order, ``ensure_ascii=False``)."""
    return report.to_json()

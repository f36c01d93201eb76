"""Typed errors. Each is also the builtin a caller would catch (``ValueError``)."""

from __future__ import annotations

from typing import Any

from .diagnostics import Diagnostic, Source, render


class KpiError(Exception):
    """Base of every error kpirules raises on purpose."""


class RulesetError(KpiError, ValueError):
    """A ruleset that cannot be used. ``diagnostics`` holds every problem, sorted."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...],
                 sources: dict[str, Source] | None = None) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.sources: dict[str, Source] = dict(sources or {})
        first = next((d for d in self.diagnostics if d.severity == "error"),
                     self.diagnostics[0] if self.diagnostics else None)
        summary = str(first) if first else "invalid ruleset"
        more = len(self.errors) - 1
        if more > 0:
            summary += f" (and {more} more error{'s' if more > 1 else ''})"
        super().__init__(summary)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def render(self) -> str:
        return render(self.diagnostics, self.sources)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.diagnostics, self.sources))


class FactsError(KpiError, ValueError):
    """A data file (facts, units table, records, test file) that cannot be used.

    ``row`` and ``column`` are 1-based (row 1 is a CSV's header); either may be
    ``None`` when the problem is the whole file.
    """

    def __init__(self, message: str, *, path: str = "", row: int | None = None,
                 column: str | int | None = None, code: str = "E500",
                 hint: str = "") -> None:
        self.message = message
        self.path = str(path)
        self.row = row
        self.column = column
        self.code = code
        self.hint = hint
        super().__init__(self.render())

    @property
    def location(self) -> str:
        loc = self.path or "<data>"
        if self.row is not None:
            loc += f":{self.row}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def render(self) -> str:
        text = f"{self.location}: error[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  = help: {self.hint}"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_facts_error, (self.message, self.path, self.row, self.column,
                                       self.code, self.hint))


def _rebuild_facts_error(message: str, path: str, row: int | None, column: str | int | None,
                         code: str, hint: str) -> FactsError:
    return FactsError(message, path=path, row=row, column=column, code=code, hint=hint)


class EvaluationError(KpiError, ValueError):
    """A request the evaluator cannot honour (an unknown period, objective or unit)."""


class CoverageError(EvaluationError):
    """A period for which the fact set holds no value at all (``kpirules check`` exits 2).

    ``period`` is the period asked for; ``covered`` the periods the facts hold values
    for, sorted; ``paths`` the fact files."""

    def __init__(self, message: str, *, period: str = "", covered: tuple[str, ...] = (),
                 paths: tuple[str, ...] = ()) -> None:
        self.period = period
        self.covered = tuple(covered)
        self.paths = tuple(paths)
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_coverage_error, (str(self), self.period, self.covered, self.paths))


def _rebuild_coverage_error(message: str, period: str, covered: tuple[str, ...],
                            paths: tuple[str, ...]) -> CoverageError:
    return CoverageError(message, period=period, covered=covered, paths=paths)

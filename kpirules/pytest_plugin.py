"""pytest plugin: collect ``*.kpitest.yaml`` files as tests (docs/testing.md).

Installed as the ``pytest11`` entry point ``kpirules``; without the entry point, load it
with ``pytest -p kpirules.pytest_plugin``. Each test in a file is one pytest item, named
by its ``name``. A failing expectation is reported with the same text as
``kpirules test`` (no Python traceback); an invalid test file is a collection error
with the file:line of every problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .errors import KpiError
from .facts import FactSet
from .targets import SUFFIX, TargetTest, TestFile, TestFileError, check_test, load_test_file

__all__ = ["ExpectationFailed", "KpiTestFile", "KpiTestItem"]


class ExpectationFailed(Exception):
    """A kpitest whose expectations do not hold (or that could not run): the text says
    which, as ``kpirules test`` prints it."""


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> KpiTestFile | None:
    if file_path.name.endswith(SUFFIX):
        return KpiTestFile.from_parent(parent, path=file_path)
    return None


class KpiTestFile(pytest.File):
    """One ``*.kpitest.yaml``: loads and validates it, then one item per test."""

    def collect(self) -> Iterator[KpiTestItem]:
        tf = load_test_file(_shown(self.path, self.config))
        cache: dict[Path, FactSet] = {}
        for test in tf.tests:
            yield KpiTestItem.from_parent(self, name=test.name, testfile=tf, test=test,
                                          cache=cache)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, TestFileError):
            return excinfo.value.render()
        if isinstance(excinfo.value, KpiError):
            return f"{self.path}: error: {excinfo.value}"
        return super().repr_failure(excinfo)


class KpiTestItem(pytest.Item):
    """One test of a kpitest file: evaluate its facts, check its expectations."""

    def __init__(self, *, testfile: TestFile, test: TargetTest,
                 cache: dict[Path, FactSet], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.testfile, self.test, self._cache = testfile, test, cache

    def runtest(self) -> None:
        result = check_test(self.testfile, self.test, cache=self._cache)
        if not result.passed:
            word = "ERROR" if result.error is not None else "FAIL"
            raise ExpectationFailed(f"{word} {result.name} ({result.path})\n"
                                    f"{result.details()}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, ExpectationFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.test.line - 1, f"kpitest: {self.name}"


def _shown(path: Path, config: pytest.Config) -> str:
    """The path as messages show it: relative to the invocation directory when inside."""
    try:
        return str(path.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(path)

"""Suite-wide pytest configuration.

* ``--update-goldens`` (or ``KPIRULES_UPDATE_GOLDENS=1``): the ``golden`` fixture
  rewrites the golden files under ``tests/golden/`` instead of comparing with them.
  Review the resulting diff like code.
* Hypothesis profiles: ``ci`` (the default: 200 examples, no deadline) and ``fuzz``
  (10 000 examples), chosen with ``--hypothesis-profile fuzz``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    settings = None  # type: ignore[assignment]
else:
    _QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile("ci", max_examples=200, deadline=None,
                              suppress_health_check=_QUIET, print_blob=True)
    settings.register_profile("fuzz", max_examples=10_000, deadline=None,
                              suppress_health_check=_QUIET, print_blob=True)
    # The hypothesis pytest plugin applies --hypothesis-profile after this file is
    # imported, so loading "ci" here only sets the default.
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite golden files under tests/golden/ instead of comparing")


def update_goldens(config: pytest.Config) -> bool:
    return bool(config.getoption("--update-goldens", default=False)) or \
        os.environ.get("KPIRULES_UPDATE_GOLDENS") == "1"


GoldenCheck = Callable[[str, str], None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> GoldenCheck:
    """``golden(text, "diagnostics/name.txt")``: compare ``text`` with the golden file
    (path relative to tests/golden/, or absolute), or rewrite it under --update-goldens."""
    update = update_goldens(request.config)

    def check(text: str, relpath: str) -> None:
        path = Path(relpath) if Path(relpath).is_absolute() else GOLDEN_DIR / relpath
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.read_text(encoding="utf-8") if path.exists() else None
            if old != text:
                with path.open("w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
            return
        if not path.exists():
            pytest.fail(f"golden file {path} does not exist; run pytest --update-goldens "
                        "to create it, then review it", pytrace=False)
        expected = path.read_text(encoding="utf-8")
        if expected != text:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=f"{path} (golden)", tofile="produced now"))
            pytest.fail(f"output differs from the golden file {path}; if the change is "
                        f"intended, run pytest --update-goldens and review the diff:\n{diff}",
                        pytrace=False)

    return check

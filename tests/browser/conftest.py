"""Browser tests: the HTML report opened in headless Chromium (Debian's ``chromium``
package, installed by ``tools/install-chromium.sh``) driven with Playwright.

Marked ``browser``; skipped, with the reason, when ``/usr/bin/chromium`` or the
``playwright`` package is absent. Select or deselect them with ``-m browser`` /
``-m "not browser"``. Artefacts (a screenshot, a PDF) go to ``test-artifacts/`` at the
repository root.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("KPIRULES_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: opens the HTML report in headless Chromium (needs "
        "/usr/bin/chromium: bash tools/install-chromium.sh)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install it with `bash tools/install-chromium.sh`")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright package is not installed")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

"""The HTML report of examples/ha-long-2022 in headless Chromium: no console or page
errors, no request leaves the file, every objective's card is visible, nothing is wider
than the window or than an A4 page, and it prints to PDF. A full-page screenshot and the
PDF are kept in ``test-artifacts/`` for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kpirules.report import render
from kpirules.results import Report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ha-long-2022" / "expected" / "report.json"
A4_CONTENT_PX = 680  # 210 mm − 2 × 15 mm margins, at 96 px per inch


def _open(browser: Any, path: Path, width: int) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems, requests


def _overflowing(page: Any) -> list[str]:
    """Elements whose content is wider than their box (tables in their scroll boxes, cards),
    and the page itself when it scrolls sideways."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('.scroll, .card, .page-head')) {
            if (el.scrollWidth > el.clientWidth + 1) {
                const card = el.closest('[data-objective]');
                out.push((card ? card.dataset.objective + ' ' : '') + el.className
                         + ' ' + el.scrollWidth + '>' + el.clientWidth);
            }
        }
        const doc = document.documentElement;
        if (doc.scrollWidth > window.innerWidth) out.push('page ' + doc.scrollWidth);
        return out;
    }""")


def test_ha_long_report_in_chromium(browser: Any, artifacts: Path, tmp_path: Path) -> None:
    report = Report.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
    html = tmp_path / "report-ha-long-2022.html"
    html.write_text(render(report, "html", lang="vi"), encoding="utf-8")

    page, problems, requests = _open(browser, html, 1280)
    try:
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert page.evaluate("document.characterSet") == "UTF-8"
        assert page.title() == report.ruleset
        for objective in report.objectives:
            card = page.locator(f'[data-objective="{objective.id}"]')
            assert card.count() == 1, objective.id
            assert card.is_visible(), f"{objective.id} is not visible"
            box = card.bounding_box()
            assert box is not None and box["width"] > 600 and box["height"] > 40, objective.id
        assert _overflowing(page) == []
        page.screenshot(path=str(artifacts / "report-ha-long-2022.png"), full_page=True)

        # printed: A4 with 15 mm margins; nothing wider than the page
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1000})
        assert _overflowing(page) == []
        pdf = artifacts / "report-ha-long-2022.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    finally:
        page.close()

    assert problems == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 1

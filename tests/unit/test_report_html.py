"""The HTML report: self-contained, complete, honest about missing and n/a, Vietnamese
that renders, the same bytes every time — on a sample with every case and on every
example's report (``examples/*/expected/report.json``).

What a browser makes of the page is checked in ``tests/browser/``.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kpirules.report import FORMATS, render
from kpirules.report.format import messages, reason
from kpirules.report.html import render_html, scale_for
from kpirules.results import ObjectiveVerdict, Report, ResultRow, Summary

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_REPORTS = sorted(ROOT.glob("examples/*/expected/report.json"))


def _example_id(path: Path) -> str:
    return path.parent.parent.name


def row(**kw: object) -> ResultRow:
    base: dict[str, object] = {"part": None, "unit": "ha-long", "period": "2022",
                               "comparator": ">=", "uom": "", "kind": "ratio"}
    base.update(kw)
    return ResultRow(**base)  # type: ignore[arg-type]


def sample(**report_kw: object) -> Report:
    """Every verdict and layout: each unit × quarters (a grid), one unit × quarters (a
    strip), a compound, a pooled scope, a quantity with a warn bound, `between`, missing
    and n/a with reasons, previous/change, and a label that needs escaping."""
    q32 = "Đúng hạn tại từng phường, xã <b>&</b>"
    results = [
        row(objective="Q1", label="Hồ sơ trễ hạn dưới 2%", verdict="fail", actual="1/40",
            comparator="<", threshold="1/50", gap="1/200", needed=3, unit="tthcc",
            unit_name="Trung tâm hành chính công", previous="0.01", change="3/200"),
        *[row(objective="Q3.1", label="Giải quyết TTHC đúng hạn tại Trung tâm HCC",
              verdict=v, actual=a, comparator=">", threshold="0.98", gap=g, budget=b,
              unit="tthcc", period=f"2022-Q{i}", warn="< 0.985")
          for i, (v, a, g, b) in enumerate([("pass", "0.99", "0.01", 50),
                                            ("warn", "0.983", "0.003", 15),
                                            ("pass", "0.991", "0.011", 55),
                                            ("pass", "0.99", "0.01", 50)], 1)],
        *[row(objective="Q3.2", label=q32, verdict=v, actual=a, comparator=">",
              threshold="0.999", gap=g, needed=n, unit=u, unit_name=name, period=p,
              reason=reason)
          for u, name, p, v, a, g, n, reason in [
              ("dong-hai", "UBND phường Đông Hải", "2022-Q1", "pass", "1", "0.001", None,
               None),
              ("dong-hai", "UBND phường Đông Hải", "2022-Q2", "fail", "0.998", "-0.001", 3,
               None),
              ("bai-chay", "UBND phường Bãi Cháy", "2022-Q1", "pass", "0.9995", "0.0005",
               None, None),
              ("bai-chay", "UBND phường Bãi Cháy", "2022-Q2", "missing", None, None, None,
               "no `resolved` for bai-chay in 2022-Q2")]],
        row(objective="Q3.3", label="Đúng hạn gộp các xã", verdict="pass",
            actual="19999/20000", comparator=">=", threshold="0.999", gap="49/1000000",
            budget=19, unit=None, scope='units where level = "xa"'),
        row(objective="Q3.7", label="Thời gian chờ trung bình tối đa 25 phút",
            verdict="pass", actual="49/2", comparator="<=", threshold="25", gap="-1/2",
            uom="min", kind="quantity", unit="tthcc", warn="> 22"),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="n/a",
            actual=None, comparator="all", threshold=None, gap=None, kind="compound"),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="pass",
            part="truoc_han", actual="0.41", threshold="0.4", gap="0.01", budget=50),
        row(objective="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="n/a",
            part="dung_han", actual=None, threshold="0.6", gap=None,
            reason="nothing to measure: resolved = 0"),
        row(objective="Q5", label="Tỷ lệ hài lòng 85–95%", verdict="pass", actual="0.9",
            comparator="between", threshold="0.85", upper="0.95", gap="0.05"),
        row(objective="Q6", label="Khiếu nại được giải quyết", verdict="missing",
            actual=None, comparator=">=", threshold="1",
            reason="no `complaints` for ha-long in 2022"),
    ]
    objectives = [
        ObjectiveVerdict(id="Q1", label="Hồ sơ trễ hạn dưới 2%", verdict="fail",
                         owner="Văn phòng HĐND và UBND"),
        ObjectiveVerdict(id="Q3.1", label="Giải quyết TTHC đúng hạn tại Trung tâm HCC",
                         verdict="warn", owner="Trung tâm hành chính công", every="quarter",
                         scope="unit tthcc"),
        ObjectiveVerdict(id="Q3.2", label=q32, verdict="fail", every="quarter",
                         scope='each unit where level = "phuong"'),
        ObjectiveVerdict(id="Q3.3", label="Đúng hạn gộp các xã", verdict="pass"),
        ObjectiveVerdict(id="Q3.7", label="Thời gian chờ trung bình tối đa 25 phút",
                         verdict="pass"),
        ObjectiveVerdict(id="PL3", label="Trước hạn 40%, đúng hạn 60%", verdict="n/a"),
        ObjectiveVerdict(id="Q5", label="Tỷ lệ hài lòng 85–95%", verdict="pass"),
        ObjectiveVerdict(id="Q6", label="Khiếu nại được giải quyết", verdict="missing"),
    ]
    kw: dict[str, object] = {
        "ruleset": "Mục tiêu chất lượng năm 2022 — UBND thành phố Hạ Long", "unit": "ha-long",
        "period": "2022", "objectives": objectives, "results": results,
        "summary": Summary(**{"pass": 3, "warn": 1, "fail": 2, "n/a": 1, "missing": 1}),
        "warnings": ["facts.csv:12: giá trị của tthcc không khớp tổng các đơn vị con"]}
    kw.update(report_kw)
    return Report(**kw)  # type: ignore[arg-type]


class Page(HTMLParser):
    """The parts of the page the tests look at: tags with their attributes, the text of
    each objective card, and whether the markup nests properly."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "rect", "line", "circle",
                      "col"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cards: dict[str, str] = {}
        self.stack: list[str] = []
        self.errors: list[str] = []
        self._card: tuple[str, int] | None = None
        self._text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if "data-objective" in a and self._card is None:
            self._card = (a["data-objective"] or "", len(self.stack))
            self._text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
            return
        if self._card is not None and len(self.stack) == self._card[1]:
            self.cards[self._card[0]] = " ".join("".join(self._text).split())
            self._card = None
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self._card is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def report() -> Report:
    return sample()


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return render(report, "html", lang="vi")


# --- self-contained -------------------------------------------------------------------------

def assert_self_contained(text: str) -> None:
    parsed = Page(text)
    for tag, attrs in parsed.tags:
        for key in ("src", "href", "srcset", "data", "action", "poster", "xlink:href"):
            value = (attrs.get(key) or "").strip().lower()
            assert not re.match(r"^(https?:|//|ftp:|file:)", value), (tag, key, value)
        assert tag != "script", "the report runs no script"
        assert not (tag == "link" and "stylesheet" in (attrs.get("rel") or "")), attrs
        assert tag not in ("iframe", "object", "embed", "img"), tag
    assert not re.search(r"https?://", text), "no address of any kind in the page"
    assert "@import" not in text and "url(" not in text
    assert "@font-face" not in text


def test_page_is_self_contained(page: str) -> None:
    assert_self_contained(page)
    assert page.startswith("<!DOCTYPE html>\n")
    assert "<style>" in page and "<svg" in page


def test_markup_nests_properly(page: str) -> None:
    parsed = Page(page)
    assert parsed.errors == []
    assert parsed.stack == []


def test_every_objective_has_a_card(report: Report, page: str) -> None:
    cards = Page(page).cards
    assert list(cards) == [o.id for o in report.objectives]
    for o in report.objectives:
        assert cards[o.id].startswith(o.id)


def test_vietnamese_is_declared_and_written_as_is(report: Report, page: str) -> None:
    assert '<html lang="vi">' in page
    assert '<meta charset="utf-8">' in page
    assert "Mục tiêu chất lượng năm 2022 — UBND thành phố Hạ Long" in page  # not &#…; refs
    assert "Giải quyết TTHC đúng hạn tại Trung tâm HCC" in page
    assert unicodedata.is_normalized("NFC", page)
    assert re.search(r'font-family: "Noto Sans", "DejaVu Sans"', page)
    for word in ("đạt", "không đạt", "cảnh báo", "thiếu dữ liệu", "không áp dụng", "điểm %"):
        assert word in page


def test_decomposed_labels_come_out_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Hồ sơ trễ hạn")
    r = sample(ruleset=decomposed)
    text = render(r, "html")
    assert "Hồ sơ trễ hạn" in text and decomposed not in text


def test_english_switches_every_word_but_the_labels() -> None:
    text = render(sample(), "html", lang="en")
    assert '<html lang="en">' in text
    cards = Page(text).cards
    assert "missing" in cards["Q6"] and "thiếu dữ liệu" not in text
    assert "Needs attention" in text and "pp" in text
    assert "Hồ sơ trễ hạn dưới 2%" in text  # the ruleset's own words stay as written
    en, vi = messages("en"), messages("vi")
    assert {k for k in en if k.startswith("html.")} == {k for k in vi if k.startswith("html.")}


def test_labels_are_escaped(page: str) -> None:
    assert "<b>&</b>" not in page
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in page
    assert "Đúng hạn tại từng phường, xã <b>&</b>" in Page(page).cards["Q3.2"]


def test_deterministic(report: Report) -> None:
    first = render(report, "html")
    again = render(Report.model_validate_json(report.to_json()), "html")
    assert first.encode("utf-8") == again.encode("utf-8")


# --- what a reader sees -------------------------------------------------------------------

def test_header_has_counts_by_verdict(page: str) -> None:
    for count, word in ((3, "đạt"), (1, "cảnh báo"), (2, "không đạt"), (1, "thiếu dữ liệu"),
                        (1, "không áp dụng")):
        assert re.search(rf"<b>{count}</b> {word}</li>", page), word
    assert "<b>8</b> mục tiêu" in page
    assert "Đơn vị: ha-long" in page and "Kỳ đánh giá: 2022" in page


def test_attention_lists_what_is_not_passing_worst_first(page: str) -> None:
    section = page.split('id="attention-h"')[1].split("</section>")[0]
    ids = re.findall(r'<a href="#obj-([^"]+)"><b>', section)
    assert ids == ["Q1", "Q3.2", "Q6", "Q3.1"]


def test_missing_and_na_say_why_and_never_look_like_a_pass(page: str) -> None:
    cards = Page(page).cards
    assert "thiếu dữ liệu — no `complaints` for ha-long in 2022" in cards["Q6"]
    assert "không áp dụng — nothing to measure: resolved = 0" in cards["PL3"]
    # in a grid, the reason is a numbered note under it
    assert "no `resolved` for bai-chay in 2022-Q2" in cards["Q3.2"]
    q6 = page.split('data-objective="Q6"')[1].split("</article>")[0]
    assert 'class="nobar v-missing"' in q6 and "v-pass" not in q6
    assert 'class="chip v-missing"' in q6
    assert 'class="card v-missing"' in page and 'class="card v-na"' in page


def test_bars_mark_the_threshold(page: str) -> None:
    q1 = page.split('data-objective="Q1"')[1].split("</article>")[0]
    assert '<line class="mark-target"' in q1
    assert 'aria-label="Thực tế 2,50%, chỉ tiêu &lt; 2,00%"' in q1
    q37 = page.split('data-objective="Q3.7"')[1].split("</article>")[0]
    assert '<line class="mark-warn"' in q37 and "24,5 min" in q37
    q5 = page.split('data-objective="Q5"')[1].split("</article>")[0]
    assert q5.count('<line class="mark-target"') == 2  # both ends of `between`


def test_each_unit_over_quarters_is_a_grid_with_unit_names(page: str) -> None:
    q32 = page.split('data-objective="Q3.2"')[1].split("</article>")[0]
    assert '<table class="grid">' in q32
    assert "UBND phường Đông Hải" in q32 and "dong-hai" in q32
    assert q32.count('<th scope="col">2022-Q') == 2
    assert "cần thêm 3" in q32
    assert "thang đo của mỗi ô: 99,5% – 100%" in q32 and "thang đo phóng to" in q32


def test_one_unit_over_quarters_is_a_strip(page: str) -> None:
    q31 = page.split('data-objective="Q3.1"')[1].split("</article>")[0]
    strip = q31.split('<ol class="strip"')[1].split("</ol>")[0]
    assert strip.count("<li") == 4
    assert 'class="v-warn"><span class="period">2022-Q2</span>' in strip
    assert "hằng quý" in q31


def test_compound_shows_its_parts_under_the_combined_verdict(page: str) -> None:
    card = Page(page).cards["PL3"]
    assert card.index("chung") < card.index("└ truoc_han") < card.index("└ dung_han")
    assert "mọi thành phần đạt" in card


def test_pooled_scope_is_shown(page: str) -> None:
    assert "units where level = &#34;xa&#34;" in page or \
        "units where level = &quot;xa&quot;" in page


def test_compare_shows_previous_and_a_trend_arrow() -> None:
    text = render(sample(compare="2021"), "html")
    assert "So sánh với kỳ 2021" in text and "So với 2021" in text
    q1 = text.split('data-objective="Q1"')[1].split("</article>")[0]
    # late share went up: worse for a `<` target
    assert '<span class="prev">1,00%</span>' in q1
    assert '<span class="trend bad"><span aria-hidden="true">▲</span> +1,50 điểm %</span>' in q1
    assert '<circle class="mark-previous"' in q1


def test_as_of_says_partial_at_the_top_and_on_the_rows() -> None:
    r = sample(as_of="2022-09")
    r = r.model_copy(update={"results": [x.model_copy(update={"partial": True})
                                         for x in r.results]})
    text = render(r, "html")
    assert "Tạm tính — dữ liệu đến hết 2022-09" in text
    assert "Dữ liệu đến hết 2022-09" in text
    assert text.count('<span class="tag">tạm tính</span>') >= len(r.results) - 3


def test_print_css_for_a4(page: str) -> None:
    assert "@page { size: A4; margin: 15mm; }" in page
    assert "break-inside: avoid" in page and "@media print" in page


def test_html_is_a_format() -> None:
    assert "html" in FORMATS and "junit" in FORMATS


# --- scales ---------------------------------------------------------------------------------

def test_scale_zooms_in_when_every_value_is_above_90_percent() -> None:
    s = scale_for([Fraction("0.998"), Fraction("0.999"), Fraction(1)], "ratio", "", "vi")
    assert s is not None and s.zoomed and s.lo == Fraction("0.995") and s.hi == 1
    assert (s.lo_text, s.hi_text) == ("99,5%", "100%")
    # 99.8% and 99.9% are a fifth of the bar apart, not a tenth of a percent of it
    assert Fraction(s.x(Fraction("0.999"))) - Fraction(s.x(Fraction("0.998"))) == 20


def test_scale_is_0_to_100_percent_otherwise() -> None:
    s = scale_for([Fraction("0.3"), Fraction("0.98")], "ratio", "", "en")
    assert s is not None and (s.lo, s.hi, s.zoomed) == (0, 1, False)
    same = scale_for([Fraction(1), Fraction(1)], "ratio", "", "en")
    assert same is not None and not same.zoomed and same.lo == 0


def test_scale_zooms_in_for_small_shares_and_rounds_up_for_quantities() -> None:
    s = scale_for([Fraction("0.005"), Fraction("0.02")], "ratio", "", "en")
    assert s is not None and s.zoomed and (s.lo, s.hi) == (0, Fraction("0.05"))
    q = scale_for([Fraction("19.85"), Fraction(25), Fraction(22)], "quantity", "min", "en")
    assert q is not None and (q.lo, q.hi, q.hi_text) == (0, 30, "30 min")
    neg = scale_for([Fraction(-3), Fraction(5)], "number", "", "en")
    assert neg is not None and neg.lo < 0 < neg.hi
    assert scale_for([], "ratio") is None


# --- every example --------------------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLE_REPORTS, ids=[_example_id(p) for p in EXAMPLE_REPORTS])
def test_every_example_renders(path: Path) -> None:
    r = Report.model_validate_json(path.read_text(encoding="utf-8"))
    text = render_html(r, lang="vi")
    assert_self_contained(text)
    parsed = Page(text)
    assert parsed.errors == [] and parsed.stack == []
    assert list(parsed.cards) == [o.id for o in r.objectives]
    for row_ in r.results:
        why = reason(row_, "vi")
        if row_.verdict in ("missing", "n/a") and why:
            # the reason in the page's language, from the row's reason codes
            assert " ".join(why.split()) in parsed.cards[row_.objective]
            if row_.reasons:
                assert row_.reason not in parsed.cards[row_.objective]
    for o in r.objectives:
        opening = text.split(f'data-objective="{o.id}"')[0].rsplit("<article", 1)[1]
        assert re.search(rf'class="card v-{o.verdict.replace("/", "")}( long)?"', opening)
    assert text == render_html(Report.model_validate_json(path.read_text(encoding="utf-8")))
    assert render_html(r, lang="en") != text

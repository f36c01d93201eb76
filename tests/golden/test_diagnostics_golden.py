"""Rendered diagnostics, compared with golden files (STYLE practices 5 and 10).

Each broken ruleset below is rendered with ``RulesetError.render()`` (or, for lint
warnings, ``diagnostics.render``) and compared with ``tests/golden/diagnostics/<name>.txt``.
Rewrite them with ``pytest --update-goldens`` and review the diff like code.

Besides the exact text, every rendered block is checked for what a reader relies on:
the caret stands under the character the ``line:col`` names, also after Vietnamese
letters typed in NFD (combining marks) and after tabs.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.diagnostics import render

NFD_LINE = unicodedata.normalize(
    "NFD", 'objective Q1 "Hồ sơ trễ hạn dưới 2%": late / resolvd < 2%')
assert NFD_LINE != unicodedata.normalize("NFC", NFD_LINE)

BROKEN: dict[str, str] = {
    # STYLE practice 5's own example
    "minutes_vs_percentage": '''\
ruleset "Mục tiêu chất lượng năm 2022 — UBND thành phố Hạ Long"
unit   ha-long
period 2022
fact wait_total : min
fact visits     : count
objective Q3.7 "Chờ tối đa 25 phút": wait_total / visits <= 25%
''',
    "undeclared_fact": '''\
ruleset "Mục tiêu chất lượng năm 2022"
unit   ha-long
period 2022
fact resolved : count
fact on_time  : count
objective Q3.1 "Giải quyết TTHC đúng hạn tại Trung tâm HCC" {
  measure dung_han / resolved
  target  > 98%
  owner   "Trung tâm hành chính công"
}
''',
    # the objective line is written in NFD: the caret must still stand under `resolvd`
    "nfd_label": f'''\
ruleset "Mục tiêu chất lượng"
unit   ha-long
period 2022
fact late     : count
fact resolved : count
{NFD_LINE}
''',
    "several_syntax_errors": '''\
ruleset "Mục tiêu chất lượng năm 2022 — phường Đông Hải"
unit   dong-hai
period 2022
fact late     : count
fact resolved : count
objective Q1 "Hồ sơ trễ hạn": late / resolved < < 2%
objective Q2 "Hồ sơ đúng hạn": (resolved - late) / resolved ≥ 98%
objective Q3 "Tỷ lệ" {
  measure late / resolved
''',
    "unterminated_string": '''\
ruleset "Mục tiêu chất lượng năm 2022"
unit   ha-long
period 2022
fact inspections : count
objective PL4 "Kiểm tra công vụ đột xuất ít nhất 01 lần/tháng {
  measure inspections
  target  >= 1
}
''',
    "malformed_numbers": '''\
ruleset "Mục tiêu chất lượng"
unit   ha-long
period 2022
fact late     : count
fact resolved : count
objective Q1 "Trễ hạn": late / resolved < 99..9%
objective Q2 "Trễ hạn (lũy thừa)": late / resolved < 1e400
''',
    "units_and_scopes": '''\
ruleset "Mục tiêu chất lượng — xã, phường"
unit   ha-long
period 2022-13
fact late       : count
fact resolved   : count
fact wait_total : phut
objective Q3.2 "Đúng hạn tại từng phường, xã" {
  measure late / resolved
  target  < 2%
  scope   each unit where level > "xa"
  every   tuan
}
objective Q4 "Số hồ sơ trễ": late < 2%
objective Q3.7 "Thời gian chờ": wait_total / resolved <= 25 phut
''',
    # names are ASCII (SPEC §2): a Vietnamese letter in a unit or cadence is a syntax error
    "vietnamese_names": '''\
ruleset "Mục tiêu chất lượng"
unit   ha-long
period 2022
fact wait_total : phút
objective PL4 "Kiểm tra" {
  measure wait_total
  target  <= 25 min
  every   tuần
}
''',
    "empty": "# Mục tiêu chất lượng — chưa viết\n",
    # a tab-indented block: the caret must land under `lat` in a terminal too
    "tab_indented": 'ruleset "t"\nunit u\nperiod 2022\nfact late : count\n'
                    'objective Q1 {\n\tmeasure lat\n\ttarget  >= 1\n}\n',
}

WARNINGS = '''\
ruleset "Mục tiêu chất lượng năm 2022"
unit   ha-long
period 2022
fact on_time  : count
fact resolved : count
fact visits   : count
objective Q3.1 "Giải quyết TTHC đúng hạn" {
  measure on_time / resolved
  target  > 98%
  warn    < 97%
}
'''

def _rendered(name: str) -> str:
    with pytest.raises(kpirules.RulesetError) as info:
        kpirules.loads(BROKEN[name], f"rulesets/{name}.kpi")
    return info.value.render()


_BLOCK = re.compile(r"^(?P<loc>\S+?):(?P<line>\d+):(?P<col>\d+): \w+\[\w+\]: .*\n"
                    r" +\|\n(?P<n>\d+) \| (?P<src>.*)\n +\| (?P<caret>[ \t]*)\^", re.M)


def _display(text: str) -> int:
    """Terminal columns taken by ``text`` (tabs to the next multiple of 8)."""
    return len(text.expandtabs(8))


def _check_carets(text: str) -> int:
    """Every rendered block: the caret stands under the character line:col names, as a
    terminal shows it. Returns the number of blocks checked."""
    blocks = list(_BLOCK.finditer(text))
    for m in blocks:
        col = int(m["col"])
        gutter = len(m["n"]) + 3  # "12 | "
        src = m["src"]
        assert unicodedata.is_normalized("NFC", src), "source lines are shown in NFC"
        want = _display(" " * gutter + src[: col - 1])
        got = _display(" " * gutter + m["caret"])
        assert got == want, f"caret at terminal column {got}, the spot is at {want}:\n{m[0]}"
    return len(blocks)


@pytest.mark.parametrize("name", list(BROKEN))
def test_rendered_diagnostics(name: str, golden) -> None:  # type: ignore[no-untyped-def]
    text = _rendered(name)
    if name == "empty":
        assert "error[E106]" in text
    else:
        assert _check_carets(text) >= 1
    golden(text, f"diagnostics/{name}.txt")


def test_rendered_warnings(golden) -> None:  # type: ignore[no-untyped-def]
    rs = kpirules.loads(WARNINGS, "rulesets/warnings.kpi")
    assert [d.code for d in rs.warnings] == ["W102", "W101"]
    text = render(rs.warnings, {rs.path: rs.ast.source})
    assert _check_carets(text) == 2
    golden(text, "diagnostics/warnings.txt")


def test_nfd_line_columns_count_letters() -> None:
    with pytest.raises(kpirules.RulesetError) as info:
        kpirules.loads(BROKEN["nfd_label"], "nfd.kpi")
    (d,) = info.value.errors
    nfc = unicodedata.normalize("NFC", NFD_LINE)
    assert (d.line, d.column) == (6, nfc.index("resolvd") + 1)
    assert BROKEN["nfd_label"][d.start:d.end] == "resolvd"


def test_lint_output(golden, tmp_path: Path,  # type: ignore[no-untyped-def]
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """What a user sees from `kpirules lint` on two files: every problem, then a count."""
    monkeypatch.chdir(tmp_path)
    Path("a.kpi").write_text(BROKEN["minutes_vs_percentage"], encoding="utf-8")
    Path("b.kpi").write_text(WARNINGS, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", "a.kpi", "b.kpi"], out, err)
    assert code == 2
    golden(f"$ kpirules lint a.kpi b.kpi\n[exit {code}]\n--- stdout\n{out.getvalue()}"
           f"--- stderr\n{err.getvalue()}", "diagnostics/lint_two_files.txt")


def test_lint_unreadable_files(golden, tmp_path: Path,  # type: ignore[no-untyped-def]
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("latin1.kpi").write_bytes('ruleset "Mục tiêu"\n'.encode("utf-8")
                                   + 'objective Q1 "Hồ sơ"'.encode("cp1258", "replace"))
    Path("folder.kpi").mkdir()
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", "latin1.kpi", "folder.kpi", "missing.kpi"], out, err)
    assert code == 2
    golden(f"$ kpirules lint latin1.kpi folder.kpi missing.kpi\n[exit {code}]\n--- stdout\n"
           f"{out.getvalue()}--- stderr\n{err.getvalue()}", "diagnostics/lint_unreadable.txt")

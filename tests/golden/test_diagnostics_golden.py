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
import os
import re
import unicodedata
from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.diagnostics import CODES, render

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
    # names are ASCII: a Vietnamese letter in a unit or cadence is a syntax error
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
    # lone-CR line endings (old Mac editors): a comment ends at CR, lines count CRs
    "lone_cr": ('ruleset "Mục tiêu"\runit ha-long\rperiod 2022\rfact late : count # trễ\r'
                'fact resolved : count\robjective Q1: late / resolved < 2%\r'
                "objective Q2: late / resolvd < 2%\r"),
    "no_objective": 'ruleset "Mục tiêu chất lượng năm 2022"\nunit ha-long\nperiod 2022\n',
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
                    r" +\|\n(?P<n>\d+) \| (?P<src>.*)\n +\| (?P<caret>[ \t]*)\^", re.MULTILINE)


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
    Path("latin1.kpi").write_bytes('ruleset "Mục tiêu"\n'.encode()
                                   + 'objective Q1 "Hồ sơ"'.encode("cp1258", "replace"))
    Path("folder.kpi").mkdir()
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", "latin1.kpi", "folder.kpi", "missing.kpi"], out, err)
    assert code == 2
    golden(f"$ kpirules lint latin1.kpi folder.kpi missing.kpi\n[exit {code}]\n--- stdout\n"
           f"{out.getvalue()}--- stderr\n{err.getvalue()}", "diagnostics/lint_unreadable.txt")


# ---------------------------------------------------------------- docs/diagnostics.md
# The reference page of every diagnostic code is generated from real runs of the parser
# and checker (so each example is what a user sees) and kept as a golden file:
# `pytest --update-goldens tests/golden` rewrites docs/diagnostics.md.

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "diagnostics.md"

DOC_HEADER = '''\
ruleset "Mục tiêu chất lượng năm 2022"
unit   ha-long
period 2022
fact resolved : count
fact late     : count
'''

# code → list of (example: a body after DOC_HEADER, or a whole file when it starts with
# "!"), and what to do. Bodies use both declared facts, so no W102 rides along.
DOC_EXAMPLES: dict[str, tuple[list[str], str]] = {
    "E100": ([], ("Check the path (it is relative to the directory you run kpirules from); "
             "name a `.kpi` file, not a folder; save the file as UTF-8.")),
    "E101": (['objective Q1 "Hồ sơ trễ hạn": late / resolved ≤ 2%\n'],
             ("Remove the character or write the ASCII form (`<=`, not `≤`). Text with other "
             "characters belongs inside quotes. Names (facts, units of measure, cadences) "
             "are ASCII: `phut` is not a name kpirules knows either; write `min`.")),
    "E102": (["objective Q1: late / resolved < < 2%\n"],
             ("A word or symbol stands where the grammar expects something else; the label "
             "under the caret lists what may come there. Often a keyword is misspelt or a "
             "value is missing. See docs/language.md for the form of each statement.")),
    "E103": (["objective Q1 {\n  measure late / resolved\n  target  < 2%\n"],
             ("Close the brace, bracket or parenthesis the caret points at, or finish the "
             "last statement.")),
    "E104": (['objective Q1 "Hồ sơ trễ hạn: late / resolved < 2%\n'],
             ('Close the string with `"` on the same line. A `"` inside a string is '
             'written `\\"`.')),
    "E105": (["objective Q1: late / resolved < 99..9%\n"],
             ("Write numbers as `12`, `0.5` or `99.9%`: digits, at most one decimal point, "
             "no exponent, and a space between a number and its unit (`25 min`).")),
    "E106": (["!# Mục tiêu chất lượng năm 2022 — chưa viết\n"],
             'Start the file with `ruleset "…"`, then facts and objectives.'),
    "E107": (["objective Q1: " + "-" * 101 + "late <= 0\nobjective Q2: resolved >= 1\n"],
             ("Split the measure into named facts or several objectives, or drop redundant "
             "signs, parentheses and `not`s. A measure or condition may be at most 100 "
             "levels deep; a long chain of `+`/`-` or of `and`/`or` counts only a few levels "
             "(see docs/limits.md).")),
    "E108": (["objective Q1: late <= 1000000000000000000000000000000\n"
              "objective Q2: resolved >= 1\n"],
             "Write the number with at most 30 digits (before and after the point)."),
    "E109": ([], ("A ruleset file (or text given to the API) is at most 4 MiB; the message "
             "names the size found: `big.kpi: error[E109]: big.kpi is 5242880 bytes; a "
             "ruleset may hold at most 4194304 (4 MiB)`. Split it into several rulesets.")),
    "E201": (["objective Q1: late / resolvd < 2%\n"],
             ("Declare the fact (`fact NAME : count`) or fix the spelling; the hint "
             "suggests the closest declared name.")),
    "E202": (["fact late : count\nobjective Q1: late / resolved < 2%\n"],
             "Keep one declaration, or rename one of the facts."),
    "E203": (["objective Q1: late / resolved < 2%\nobjective Q1: late / resolved < 3%\n"],
             "Give each objective its own id (`Q3.1`, `Q3.2`, …)."),
    "E204": ([("objective PL3 {\n  all {\n    a: late / resolved < 2%\n"
              "    a: late / resolved < 3%\n  }\n}\n")],
             "Give each part of a compound objective its own name."),
    "E205": ([("fact staff : count aggregate summ\nobjective Q1: late / resolved < 2%\n"
              "objective Q2: staff >= 1\n")],
             "Use one of `sum`, `mean`, `last`, `max`, `min`."),
    "E206": ([("fact online = count(dossiers where channel = \"online\")\n"
              "objective Q1: online / resolved >= 50%\nobjective Q2: late >= 0\n")],
             "Declare the source first: `source dossiers from \"dossiers.csv\"`."),
    "E207": (['!unit   ha-long\nperiod 2022\nfact late : count\nobjective Q1: late >= 1\n',
              'ruleset "again"\nobjective Q1: late / resolved < 2%\n'],
             ('Start the file with one `ruleset "…"` line, followed by the `unit`, '
             "`period` and `owner` headers, each at most once, before facts and objectives.")),
    "E208": (["objective Q1 {\n  target < 2%\n}\nobjective Q2: late / resolved < 2%\n"],
             ("A block objective needs `measure …` and `target …`, or `all { … }` / "
             "`any { … }` parts.")),
    "E209": ([("objective Q1 {\n  measure late / resolved\n  target  < 2%\n"
              "  target  < 3%\n}\n")],
             'Keep one. Several texts go in one list: `actions ["…", "…"]`.'),
    "E210": (["objective Q1: avg(late, resolved) < 2\n"],
             ("Measures use `min`, `max` and `abs`; derived facts use `count`, `sum`, `avg`, "
             "`min`, `max` and `share`. A fact name directly followed by `(` needs an "
             "operator in between.")),
    "E211": (["objective Q1: abs(late, resolved) < 2\n"],
             ("`abs` takes one argument, `min` and `max` two or more; `count` and `share` "
             "take no column, `sum`/`avg`/`min`/`max` over records need one.")),
    "E212": ([('source dossiers from "a.csv"\nsource dossiers from "b.csv"\n'
              "objective Q1: late / resolved < 2%\n")],
             "Declare each source once, with each option (`unit by`, `period by`) once."),
    "E213": ([("objective Q1 {\n  measure late / resolved\n  target  < 2%\n  all {\n"
              "    a: late / resolved < 2%\n  }\n}\n")],
             ("A compound objective's parts carry their own targets: drop the "
             "`measure`/`target`, or the parts. `warn` applies to a single measure; "
             "`share` takes no unit.")),
    "E214": (["!ruleset \"Mục tiêu chất lượng năm 2022\"\nunit   ha-long\nperiod 2022\n"],
             ("Add at least one objective. A file that only declares a header and facts "
             "checks nothing, and `check` would report nothing as a pass.")),
    "E301": ([("fact wait_total : min\nfact visits : count\n"
              'objective Q3.7 "Chờ tối đa 25 phút": wait_total / visits <= 25%\n'
              "objective Q1: late / resolved < 2%\n")],
             "Give the threshold the measure's dimension (`<= 25 min`), or fix the measure."),
    "E302": ([("fact wait_total : min\nobjective Q1: late + wait_total >= 1\n"
              "objective Q2: late / resolved < 2%\n")],
             ("Add and subtract only terms of one dimension. To add a count to a "
             "percentage, divide the count by its total first.")),
    "E303": (["objective Q1: late < 2%\nobjective Q2: resolved >= 1\n"],
             ("Divide by the total to get a ratio (`late / resolved < 2%`), or compare "
             "with a number of items (`late <= 10`).")),
    "E304": (["fact wait_total : minn\nobjective Q1: late / resolved < 2%\n"],
             ("Units of measure are pint's names: `count`, `min`, `h`, `day`, `percent`, "
             "`VND` (also `kVND`, `trVND`)…")),
    "E305": (["objective Q1: late / 0 < 2%\nobjective Q2: resolved >= 1\n"],
             "A literal zero as divisor never has a value: divide by a fact."),
    "E306": ([("fact satisfaction : percent aggregate sum\n"
              "objective Q1: late / resolved < 2%\nobjective Q2: satisfaction >= 80%\n")],
             ("Percentages do not add up: use `aggregate mean`, or declare numerator and "
             "denominator as counts and divide them.")),
    "E307": ([("fact area : m^9999\nobjective Q1: late / resolved < 2%\n"
              "objective Q2: area >= 1 m^2\n"),
              "fact share2 : percent^2\nobjective Q1: late / resolved < 2%\n"
              "objective Q2: share2 >= 1%\n"],
             ("Exponents are integers from -4 to 4 (`m^2`, `/s^2`), and only on units with a "
             "dimension: a count or a percentage takes none. A unit of measure is at most 64 "
             "characters. Data files (`uom` cells) follow the same rules and report E508.")),
    "E401": ([('!ruleset "Mục tiêu chất lượng năm 2022"\nunit   ha-long\nperiod 2022-13\n'
              "fact late : count\nobjective Q1: late >= 1\n")],
             ("Periods are `2022`, `2022-Q1` … `2022-Q4` or `2022-01` … `2022-12`; dates "
             "are `2022-12-31`.")),
    "E402": ([("objective PL4 {\n  measure late\n  target  <= 0\n  every   week\n}\n"
              "objective Q1: late / resolved < 2%\n")],
             "Write `every month`, `every quarter` or `every year`."),
    "E403": ([('!ruleset "Mục tiêu chất lượng tháng 3"\nunit   ha-long\nperiod 2022-03\n'
              "fact inspections : count\nobjective PL4 {\n  measure inspections\n"
              "  target  >= 1\n  every   quarter\n}\n")],
             "Use a cadence no longer than the period, or evaluate a longer period."),
    "E404": ([("objective Q3.2 {\n  measure late / resolved\n  target  < 2%\n"
              "  scope   each unit where level > \"xa\"\n}\n")],
             ("Scopes compare unit attributes as text with `=`, `!=` or `in (…)`, combined "
             "with `not`, `and`, `or`.")),
    "E405": (["objective Q1: late / resolved between 5% and 2%\n"],
             "Write the smaller bound first: `between 2% and 5%`."),
    "W101": ([("objective Q3.1 {\n  measure late / resolved\n  target  < 2%\n"
              "  warn    > 3%\n}\n")],
             ("A warn band lies inside the target, near its edge (`target > 98%` with "
             "`warn < 98.5%`); fix the comparator or the bound.")),
    "W102": (["fact visits : count\nobjective Q1: late / resolved < 2%\n"],
             "Remove the declaration, or use the fact in a measure."),
    "W103": (["objective Q1: late / resolved < 2\n"],
             ("A ratio is a fraction of one, so `< 2` means below 200% and always holds. "
             "Write `2%` when 2% is meant (a plain `1` means 100%; `0` is not reported).")),
    "W104": (["objective Q1: 1 - late / resolved >= 150%\n",
              "objective Q1: late / resolved between -5% and 2%\n"],
             ("A share of items (one count fact over another, a sum of counts over a sum "
             "holding its terms, a `share(…)` fact, or one minus any of these) stays within "
             "0%–100%: a threshold outside that range makes the comparison always or never "
             "true. Check the comparator and the threshold.")),
    "W201": ([], ("Correct the unit's own value or its sub-units' values in the fact set. "
             "The own value is what kpirules uses: a unit that reports a value of its own "
             "is not rolled up from its sub-units.")),
    "W202": ([], ("Declare the fact in the ruleset if an objective should use it, correct its "
             "name if it is misspelt, or leave it: its values are not used. This warning was "
             "coded E513 before it was given a warning code.")),
    "W210": ([], ("Add the absent values to the fact set (or, when the unit truly reports "
             "neither, remove the values it gives: a unit that gives none of a measure's "
             "facts is left out of the roll-up and named in the report).")),
}


def _doc_text(example: str) -> str:
    return example[1:] if example.startswith("!") else DOC_HEADER + example


def _render_code(code: str, example: str, name: str) -> str:
    try:
        rs = kpirules.loads(_doc_text(example), name)
        diags, sources = rs.warnings, {rs.path: rs.ast.source}
    except kpirules.RulesetError as exc:
        diags, sources = exc.diagnostics, exc.sources
    mine = [d for d in diags if d.code == code]
    assert mine, f"the example for {code} does not produce it: {[d.code for d in diags]}"
    return render(mine, sources).rstrip("\n")


def _cli(args: list[str], files: dict[str, bytes | str], tmp: Path) -> str:
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        for name, content in files.items():
            path = Path(name)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        code = main(args, out, err)
    finally:
        os.chdir(cwd)
    return (f"$ kpirules {' '.join(args)}\n{err.getvalue().rstrip()}\n"
            f"{out.getvalue().rstrip()}\n[exit {code}]")


def _e100_example(tmp: Path) -> str:
    return _cli(["lint", "missing.kpi", "cp1258.kpi"],
                {"cp1258.kpi": 'ruleset "Mục tiêu"\n'.encode()
                 + 'objective Q1 "Hồ sơ": late >= 1\n'.encode("cp1258", "replace")}, tmp)


def _w201_example(tmp: Path) -> str:
    ruleset = DOC_HEADER + 'objective Q1 "Hồ sơ trễ hạn dưới 2%": late / resolved < 2%\n'
    facts = ("unit,period,fact,value\nha-long,2022,resolved,1000\nha-long,2022,late,10\n"
             "hong-gai,2022,resolved,600\nhong-gai,2022,late,4\n"
             "bai-chay,2022,resolved,500\nbai-chay,2022,late,6\n")
    units = ("id,name,parent,level\nha-long,Hạ Long,,tp\nhong-gai,Hồng Gai,ha-long,phuong\n"
             "bai-chay,Bãi Cháy,ha-long,phuong\n")
    return _cli(["lint", "ha-long-2022.kpi", "--facts", "facts.csv", "--units", "units.csv"],
                {"ha-long-2022.kpi": ruleset, "facts.csv": facts, "units.csv": units}, tmp)


def _w202_example(tmp: Path) -> str:
    ruleset = DOC_HEADER + 'objective Q1 "Hồ sơ trễ hạn dưới 2%": late / resolved < 2%\n'
    facts = ("unit,period,fact,value\nha-long,2022,resolved,1000\nha-long,2022,late,10\n"
             "ha-long,2022,satisfaction,81%\n")
    return _cli(["lint", "ha-long-2022.kpi", "--facts", "facts.csv"],
                {"ha-long-2022.kpi": ruleset, "facts.csv": facts}, tmp)


def _w210_example(tmp: Path) -> str:
    ruleset = DOC_HEADER + 'objective Q1 "Hồ sơ trễ hạn dưới 2%": late / resolved < 2%\n'
    facts = ("unit,period,fact,value\nhong-gai,2022,resolved,600\nhong-gai,2022,late,4\n"
             "bai-chay,2022,resolved,500\n")
    units = ("id,name,parent,level\nha-long,Hạ Long,,tp\nhong-gai,Hồng Gai,ha-long,phuong\n"
             "bai-chay,Bãi Cháy,ha-long,phuong\n")
    return _cli(["lint", "ha-long-2022.kpi", "--facts", "facts.csv", "--units", "units.csv"],
                {"ha-long-2022.kpi": ruleset, "facts.csv": facts, "units.csv": units}, tmp)


def build_diagnostics_doc(tmp: Path) -> str:
    out = ['<!-- Generated by tests/golden/test_diagnostics_golden.py from real runs of the',
           '     parser and checker: do not edit by hand; run',
           '     `python -m pytest tests/golden --update-goldens` and review the diff. -->',
           "# Diagnostics",
           "",
           ("Every problem kpirules finds in a ruleset has a stable code. Codes never change "
           "meaning; new ones are appended. A diagnostic is printed as"),
           ("`file:line:col: error[CODE]: message`, then the source line with a caret under "
           "the spot, notes, and a hint (`help`). Lines and columns are 1-based (a line "
           "ends at LF, CR LF or a lone CR); columns "
           "count the letters of the line as it reads (NFC), so Vietnamese letters typed "
           "with combining marks take one column each. Every problem is reported at once, "
           "sorted by position; `kpirules lint` exits 2 when there is an error "
           "(warnings alone exit 0, or 2 under `--strict`), and the API raises one "
           "`RulesetError` carrying them all (`.diagnostics`)."),
           "",
           "| range | stage |",
           "|---|---|",
           "| E1xx | syntax: the file cannot be read or parsed |",
           "| E2xx | names and declarations |",
           "| E3xx | units of measure, checked before any data is read |",
           "| E4xx | scopes and periods in rulesets |",
           ("| E5xx | data files (facts, units tables, records): see "
           "[docs/data.md](data.md#error-codes) |"),
           "| W… | lint warnings: the ruleset still loads |",
           "",
           "Unless an example shows a whole file, it continues this header (lines 1–5):",
           "",
           "```kpi",
           DOC_HEADER.rstrip("\n"),
           "```",
           ""]
    sections = [("E1", "Syntax (E1xx)"), ("E2", "Names and declarations (E2xx)"),
                ("E3", "Units of measure (E3xx)"), ("E4", "Scopes and periods (E4xx)"),
                ("E5", "Data files (E5xx)"), ("W", "Lint warnings (W…)")]
    for prefix, title in sections:
        out += [f"## {title}", ""]
        codes = [c for c in CODES if c.startswith(prefix)]
        if prefix == "E5":
            out += [("Problems in data files are reported as `file:row:column: error[E5…]` "
                    "and documented, each with an example, in "
                    "[docs/data.md](data.md#error-codes):"), ""]
            out += [f"- **{c}** — {CODES[c]}" for c in codes]
            out.append("")
            continue
        for code in codes:
            examples, todo = DOC_EXAMPLES[code]
            out += [f"### {code} — {CODES[code]}", ""]
            if code == "E100":
                out += ["```console", _e100_example(tmp), "```", ""]
            elif code == "W201":
                out += [("Reported by `kpirules lint RULESET --facts FILE [--units FILE]` "
                        "(and `Ruleset.lint_facts`), which checks a fact set against the "
                        "ruleset: a unit's own value that differs from what its sub-units "
                        "add up to."), "",
                        "```console", _w201_example(tmp), "```", ""]
            elif code == "W202":
                out += [("Reported with the data, by `kpirules lint RULESET --facts FILE`, "
                        "`check` and `explain` (and `FactSet.check`): a fact the data gives "
                        "and the ruleset does not declare."), "",
                        "```console", _w202_example(tmp), "```", ""]
            elif code == "W210":
                out += [("Reported by `kpirules lint RULESET --facts FILE [--units FILE]`: a "
                        "unit that gives some of a measure's facts for a period but not all. "
                        "The measure's facts are pooled over the same units, so every row "
                        "that pools that unit is missing until the values are added."), "",
                        "```console", _w210_example(tmp), "```", ""]
            for i, example in enumerate(examples):
                shown = _doc_text(example) if example.startswith("!") else example
                out += ["```kpi", shown.rstrip("\n"), "```", "",
                        "```text",
                        _render_code(code, example, "ha-long-2022.kpi"),
                        "```", ""]
            out += [f"**What to do:** {todo}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def test_every_code_has_an_entry() -> None:
    documented = set(DOC_EXAMPLES) | {c for c in CODES if c.startswith("E5")}
    assert set(CODES) <= documented, f"undocumented codes: {sorted(set(CODES) - documented)}"
    assert set(DOC_EXAMPLES) <= set(CODES), \
        f"documented codes no longer registered: {sorted(set(DOC_EXAMPLES) - set(CODES))}"


def test_docs_diagnostics_md(golden, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = build_diagnostics_doc(tmp_path)
    for code in CODES:
        assert f"**{code}**" in text or f"### {code} " in text, code
    golden(text, str(DOC))

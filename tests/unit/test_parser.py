"""The parser: text → our own AST (docs/language.md; STYLE practices 1–3).

AST shapes for every statement and field, spans that point at the source text, exact
numbers from the parser on, span-free equality, and syntax errors as RulesetError.
"""

from __future__ import annotations

import pickle
import unicodedata
from fractions import Fraction
from pathlib import Path

import pytest

from kpirules import ast
from kpirules.diagnostics import Source
from kpirules.errors import RulesetError
from kpirules.parser import parse, parse_source

# the Hạ Long example (tests/data/rulesets), shared by several test modules
SPEC_EXAMPLE = (Path(__file__).resolve().parents[1] / "data" / "rulesets" / "spec-example.kpi").read_text(
    encoding="utf-8")

HEADER = 'ruleset "t"\nunit u\nperiod 2022\n'


def p(body: str, header: str = HEADER) -> ast.Ruleset:
    return parse_source(Source("t.kpi", header + body))


def objective(body: str, decls: str = "fact a : count\nfact b : count\nfact c : count\n"
              ) -> ast.Objective:
    rs = p(decls + body)
    assert len(rs.objectives) == 1
    return rs.objectives[0]


def text_of(rs: ast.Ruleset, node: object) -> str:
    span = node.span  # type: ignore[attr-defined]
    return rs.source.text[span.start:span.end]


def F(name: str) -> ast.FactRef:
    return ast.FactRef(name)


def N(value: Fraction | int, text: str, percent: bool = False,
      uom: str | None = None) -> ast.Number:
    return ast.Number(Fraction(value), text, percent, ast.Ident(uom) if uom else None)


# ---------------------------------------------------------------- the Hạ Long example
@pytest.fixture(scope="module")
def spec() -> ast.Ruleset:
    return parse_source(Source("ha-long-2022.kpi", SPEC_EXAMPLE))


def test_spec_example_header(spec: ast.Ruleset) -> None:
    assert spec.label == "Mục tiêu chất lượng năm 2022 — UBND thành phố Hạ Long"
    assert spec.unit == ast.Ident("ha-long")
    assert spec.period is not None and spec.period.value == "2022"
    assert [f.name.value for f in spec.facts] == [
        "resolved", "late", "on_time", "early", "inspections", "wait_total", "visits"]
    assert spec.facts[5].uom == ast.Ident("min")
    assert [o.id.value for o in spec.objectives] == ["Q1", "Q3.1", "Q3.2", "Q3.7", "PL4", "PL3"]
    assert spec.problems == ()


def test_spec_example_one_line_form(spec: ast.Ruleset) -> None:
    q1 = spec.objective("Q1")
    assert q1 is not None
    assert q1.label == "Hồ sơ trễ hạn dưới 2%"
    assert q1.measure == ast.BinOp("/", F("late"), F("resolved"))
    assert q1.target == ast.Comparison("<", N(Fraction(1, 50), "2%", True))
    assert q1.warn is None and q1.scope is None and q1.every is None and q1.parts == ()
    assert text_of(spec, q1) == 'objective Q1 "Hồ sơ trễ hạn dưới 2%": late / resolved < 2%'


def test_spec_example_block_form(spec: ast.Ruleset) -> None:
    q = spec.objective("Q3.1")
    assert q is not None
    assert q.measure == ast.BinOp("/", F("on_time"), F("resolved"))
    assert q.target == ast.Comparison(">", N(Fraction(49, 50), "98%", True))
    assert q.warn == ast.Comparison("<", N(Fraction(197, 200), "98.5%", True))
    assert q.scope == ast.Scope("unit", ast.Ident("tthcc"))
    assert q.owner == ("Trung tâm hành chính công",)
    assert q.support == ("Các phòng, ban, đơn vị trực thuộc UBND TP",)
    assert q.method == ("Số hồ sơ đúng hạn / tổng số hồ sơ đã giải quyết",)
    assert q.due == ast.Due("period", "2022-12")
    src = text_of(spec, q)
    assert src.startswith("objective Q3.1") and src.rstrip().endswith("due     2022-12")


def test_spec_example_scopes_cadence_parts(spec: ast.Ruleset) -> None:
    q32 = spec.objective("Q3.2")
    assert q32 is not None and q32.scope is not None
    assert q32.scope.kind == "each"
    assert q32.scope.where == ast.Compare(ast.Ident("level"), "=", ast.Text("xa", "string"))
    q37 = spec.objective("Q3.7")
    assert q37 is not None and q37.target is not None
    assert q37.target.threshold == N(25, "25 min", uom="min")
    pl4 = spec.objective("PL4")
    assert pl4 is not None and pl4.every == ast.Ident("month")
    assert pl4.measure == F("inspections")
    pl3 = spec.objective("PL3")
    assert pl3 is not None and pl3.combine == "all"
    assert [x.name.value for x in pl3.parts] == ["truoc_han", "dung_han"]
    assert pl3.parts[0].measure == ast.BinOp("/", F("early"), F("resolved"))
    assert pl3.parts[1].target == ast.Comparison(">=", N(Fraction(3, 5), "60%", True))
    assert pl3.measure is None and pl3.target is None


# ---------------------------------------------------------------- exact numbers
@pytest.mark.parametrize("literal, value", [
    ("99.9%", Fraction(999, 1000)),
    ("98.5%", Fraction(197, 200)),
    ("2%", Fraction(1, 50)),
    ("100%", Fraction(1)),
    ("0.1", Fraction(1, 10)),
    ("0.3", Fraction(3, 10)),
    ("12", Fraction(12)),
    ("0.000001", Fraction(1, 1_000_000)),
    ("33.333333333333333333%", Fraction(33_333_333_333_333_333_333, 10**20)),
    ("-5", Fraction(-5)),
    ("-0.5%", Fraction(-1, 200)),
])
def test_numbers_are_exact(literal: str, value: Fraction) -> None:
    o = objective(f"objective Q1: a >= {literal}\n")
    assert o.target is not None
    assert o.target.threshold.value == value
    assert isinstance(o.target.threshold.value, Fraction)


def test_percent_and_quantity_literals() -> None:
    o = objective("objective Q1: a / b * 100% + 2 h >= 25 min\n",
                  "fact a : count\nfact b : count\n")
    assert o.measure == ast.BinOp(
        "+", ast.BinOp("*", ast.BinOp("/", F("a"), F("b")), N(1, "100%", True)),
        N(2, "2 h", uom="h"))
    assert o.target == ast.Comparison(">=", N(25, "25 min", uom="min"))


def test_between_keeps_both_bounds() -> None:
    o = objective("objective Q1: a / b between 2% and 5.5%\n")
    assert o.target == ast.Comparison("between", N(Fraction(1, 50), "2%", True),
                                      N(Fraction(11, 200), "5.5%", True))


@pytest.mark.parametrize("uom", ["min", "h", "/month", "VND", "percent", "day", "min/day"])
def test_fact_units_of_measure(uom: str) -> None:
    rs = p(f"fact x : {uom}\n")
    assert rs.facts[0].uom == ast.Ident(uom)


# ---------------------------------------------------------------- measures: precedence
@pytest.mark.parametrize("measure, tree", [
    ("a - b / c", ast.BinOp("-", F("a"), ast.BinOp("/", F("b"), F("c")))),
    ("a - b - c", ast.BinOp("-", ast.BinOp("-", F("a"), F("b")), F("c"))),
    ("a / b * c", ast.BinOp("*", ast.BinOp("/", F("a"), F("b")), F("c"))),
    ("(a + b) / c", ast.BinOp("/", ast.BinOp("+", F("a"), F("b")), F("c"))),
    ("-a * b", ast.BinOp("*", ast.Neg(F("a")), F("b"))),
    ("1 - a / b", ast.BinOp("-", N(1, "1"), ast.BinOp("/", F("a"), F("b")))),
    ("max(a, b) / min(b, c)", ast.BinOp(
        "/", ast.Call(ast.Ident("max"), (F("a"), F("b"))),
        ast.Call(ast.Ident("min"), (F("b"), F("c"))))),
    ("abs(a - b)", ast.Call(ast.Ident("abs"), (ast.BinOp("-", F("a"), F("b")),))),
])
def test_measure_precedence(measure: str, tree: ast.Measure) -> None:
    assert objective(f"objective Q1: {measure} >= 0\n").measure == tree


# ---------------------------------------------------------------- scopes and conditions
def test_condition_precedence_is_sql() -> None:
    o = objective('objective Q1 {\n measure a\n target >= 0\n'
                  ' scope each unit where not kind = "x" and level = "xa" or id in (hq, "b")\n}\n')
    assert o.scope is not None
    assert o.scope.where == ast.BoolOp(
        "or",
        ast.BoolOp("and",
                   ast.Not(ast.Compare(ast.Ident("kind"), "=", ast.Text("x", "string"))),
                   ast.Compare(ast.Ident("level"), "=", ast.Text("xa", "string"))),
        ast.InList(ast.Ident("id"), (ast.Ref("hq"), ast.Text("b", "string"))))


def test_parentheses_in_conditions() -> None:
    o = objective('objective Q1 {\n measure a\n target >= 0\n'
                  ' scope units where level = "xa" and (kind = "x" or kind != "y")\n}\n')
    assert o.scope is not None and o.scope.kind == "pooled"
    where = o.scope.where
    assert isinstance(where, ast.BoolOp) and where.op == "and"
    assert isinstance(where.right, ast.BoolOp) and where.right.op == "or"


def test_scope_unit_with_dashes_and_dots() -> None:
    o = objective("objective Q1 {\n measure a\n target >= 0\n scope unit dong-hai.p1\n}\n")
    assert o.scope == ast.Scope("unit", ast.Ident("dong-hai.p1"))


# ---------------------------------------------------------------- declarations
def test_fact_aggregate() -> None:
    rs = p("fact staff : count aggregate last\nfact sat : percent aggregate mean\n")
    assert rs.facts[0] == ast.FactDecl(ast.Ident("staff"), ast.Ident("count"),
                                       ast.Ident("last"))
    assert rs.facts[1].aggregate == ast.Ident("mean")


def test_source_and_derived_facts() -> None:
    rs = p('source dossiers from "data/d.csv"\n  unit   by unit_id\n  period by returned_at\n'
           "fact resolved = count(dossiers where returned_at is not null)\n"
           'fact online = count(dossiers where channel in ("online_full", "online_partial"))\n'
           "fact wait_total = sum(visits.wait_minutes) : min\n"
           "fact early = count(dossiers where returned_at < 2022-01-01)\n")
    (src,) = rs.sources
    assert src == ast.SourceDecl(ast.Ident("dossiers"), ast.Text("data/d.csv", "string"),
                                 ast.Ident("unit_id"), ast.Ident("returned_at"))
    resolved, online, wait, early = rs.facts
    assert resolved.derived == ast.Aggregate(
        ast.Ident("count"), ast.Ident("dossiers"), None,
        ast.IsNull(ast.Ident("returned_at"), True))
    assert online.derived is not None and online.derived.where == ast.InList(
        ast.Ident("channel"), (ast.Text("online_full", "string"),
                               ast.Text("online_partial", "string")))
    assert wait.derived == ast.Aggregate(ast.Ident("sum"), ast.Ident("visits"),
                                         ast.Ident("wait_minutes"), None)
    assert wait.uom == ast.Ident("min")
    assert early.derived is not None and early.derived.where == ast.Compare(
        ast.Ident("returned_at"), "<", ast.Text("2022-01-01", "date"))


def test_unit_header_is_not_a_source_option() -> None:
    rs = parse_source(Source("t.kpi", 'ruleset "t"\nsource d from "x.csv"\nunit u\n'))
    assert rs.unit == ast.Ident("u")
    assert rs.sources[0].unit_by is None


def test_descriptive_fields() -> None:
    o = objective('objective Q1 "Nhãn" {\n measure a\n target >= 1\n'
                  ' owner "Văn phòng"\n support "Các phòng"\n method "Đếm"\n'
                  ' actions [\n  "Một",\n  "Hai",\n ]\n resources ["Người"]\n'
                  ' note "Ghi chú # không phải chú thích"\n tags tthc, "một cửa"\n'
                  ' due ongoing\n}\n')
    assert o.label == "Nhãn"
    assert o.owner == ("Văn phòng",) and o.support == ("Các phòng",)
    assert o.method == ("Đếm",)
    assert o.actions == ("Một", "Hai")
    assert o.resources == ("Người",)
    assert o.note == ("Ghi chú # không phải chú thích",)
    assert o.tags == ("tthc", "một cửa")
    assert o.due == ast.Due("ongoing", "ongoing")


@pytest.mark.parametrize("due, want", [
    ("2022-12", ast.Due("period", "2022-12")),
    ("2022-Q4", ast.Due("period", "2022-Q4")),
    ("2022", ast.Due("period", "2022")),
    ("2022-12-31", ast.Due("date", "2022-12-31")),
    ("ongoing", ast.Due("ongoing", "ongoing")),
    ('"Khi có phát sinh"', ast.Due("text", "Khi có phát sinh")),
])
def test_due_forms(due: str, want: ast.Due) -> None:
    assert objective(f"objective Q1 {{\n measure a\n target >= 1\n due {due}\n}}\n").due == want


def test_any_parts_and_part_label_spacing() -> None:
    o = objective("objective P {\n  any {\n    x : a >= 1\n    y:b >= 2\n  }\n}\n")
    assert o.combine == "any"
    assert [x.name.value for x in o.parts] == ["x", "y"]
    assert o.parts[1].target == ast.Comparison(">=", N(2, "2"))


def test_strings_escapes_and_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Hồ sơ trễ hạn")
    rs = p(f'objective Q1 "{nfd} \\"trong\\" năm": a >= 1\n', HEADER + "fact a : count\n")
    assert rs.objectives[0].label == 'Hồ sơ trễ hạn "trong" năm'
    assert unicodedata.is_normalized("NFC", rs.objectives[0].label)


def test_comments_and_blank_lines_are_ignored() -> None:
    with_comments = p("# a comment\n\nfact a : count   # trailing\n\n"
                      "objective Q1: a >= 1 # why\n")
    without = p("fact a : count\nobjective Q1: a >= 1\n")
    assert with_comments == without


# ---------------------------------------------------------------- spans
def test_spans_point_at_the_source() -> None:
    rs = p("fact late : count\nfact resolved : count\n"
           'objective Q1 "Hồ sơ": late / resolved < 99.9%\n')
    o = rs.objectives[0]
    assert o.measure is not None and o.target is not None
    assert isinstance(o.measure, ast.BinOp)
    assert text_of(rs, o.id) == "Q1"
    assert text_of(rs, o.measure) == "late / resolved"
    assert text_of(rs, o.measure.left) == "late"
    assert text_of(rs, o.measure.right) == "resolved"
    assert text_of(rs, o.target) == "< 99.9%"
    assert text_of(rs, o.target.threshold) == "99.9%"
    assert text_of(rs, rs.facts[1].name) == "resolved"
    assert text_of(rs, rs.facts[1]) == "fact resolved : count"
    assert (o.measure.left.span.line, o.measure.left.span.column) == (6, 23)
    assert rs.span.start == 0 and rs.span.end == len(rs.source.text)


def test_block_spans() -> None:
    rs = p("fact a : count\nobjective Q1 {\n  measure a\n  target >= 1\n"
           "  scope each unit where level = \"xa\"\n}\n")
    o = rs.objectives[0]
    assert o.scope is not None and o.scope.where is not None
    assert text_of(rs, o.scope) == 'each unit where level = "xa"'
    assert text_of(rs, o.scope.where) == 'level = "xa"'
    assert text_of(rs, o).startswith("objective Q1 {")


def test_part_spans() -> None:
    rs = p("fact a : count\nobjective P {\n all {\n  truoc_han : a >= 1\n }\n}\n")
    part = rs.objectives[0].parts[0]
    assert text_of(rs, part.name) == "truoc_han"
    assert text_of(rs, part) == "truoc_han : a >= 1"


def test_span_is_outside_equality() -> None:
    """Two equal rules compare (and hash) equal wherever they stand."""
    rs = p("fact a : count\nfact b : count\n"
           "objective Q1: a / b >= 99.9%\n\n\n   objective Q1:   a/b   >=   99.9%\n")
    first, second = rs.objectives
    assert first.span != second.span
    assert first.measure is not None and second.measure is not None
    assert first.measure.span.start != second.measure.span.start
    assert first == second
    assert hash(first) == hash(second)
    assert first.measure == second.measure and hash(first.measure) == hash(second.measure)
    other = parse_source(Source("other.kpi", "# moved\n" + rs.source.text))
    assert other == rs


def test_ast_is_frozen() -> None:
    o = objective("objective Q1: a >= 1\n")
    with pytest.raises(AttributeError):
        o.label = "x"  # type: ignore[misc]


# ---------------------------------------------------------------- entry points and errors
def test_parse_text_with_name_and_path(tmp_path: Path) -> None:
    text = HEADER + "fact a : count\nobjective Q1: a >= 1\n"
    rs = parse(text, "mine.kpi")
    assert rs.source.name == "mine.kpi"
    f = tmp_path / "r.kpi"
    f.write_text(text, encoding="utf-8")
    assert parse(f) == rs
    assert parse(str(f)) == rs
    assert parse(f).source.name == str(f)


def test_syntax_error_is_a_ruleset_error() -> None:
    with pytest.raises(RulesetError) as info:
        parse(HEADER + "objective Q1: a >= \n", "bad.kpi")
    (d,) = info.value.errors
    assert d.code == "E103" and d.path == "bad.kpi"


def test_parser_problems_ride_along_or_raise_when_strict() -> None:
    text = HEADER + "fact a : count\nobjective Q1 {\n measure a\n target >= 1\n target >= 2\n}\n"
    rs = parse_source(Source("t.kpi", text))
    assert [d.code for d in rs.problems] == ["E209"]
    with pytest.raises(RulesetError) as info:
        parse_source(Source("t.kpi", text), strict=True)
    assert [(d.code, d.line, d.column) for d in info.value.diagnostics] == [("E209", 8, 2)]


def test_every_syntax_error_at_once() -> None:
    with pytest.raises(RulesetError) as info:
        p("fact a : count\nobjective Q1: a >= >= 1\nobjective Q2: a @ 1\n"
          "objective Q3: a >= 1\nobjective Q4 {\n")
    got = [(d.code, d.line, d.column) for d in info.value.diagnostics]
    assert got == [("E102", 5, 20), ("E101", 6, 17), ("E103", 8, 14)]


def test_ruleset_error_pickles_with_its_diagnostics() -> None:
    with pytest.raises(RulesetError) as info:
        p('objective Q1 "Hồ sơ": a >= >= 1\nobjective Q2: a @ 1\n')
    err = info.value
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is RulesetError
    assert again.diagnostics == err.diagnostics and len(again.diagnostics) == 2
    assert again.render() == err.render()
    assert str(again) == str(err)
    assert isinstance(again, ValueError)
    d = pickle.loads(pickle.dumps(err.diagnostics[0]))
    assert d == err.diagnostics[0] and hash(d) == hash(err.diagnostics[0])


# ---------------------------------------------------------------- error recovery
def syntax_errors(text: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(RulesetError) as info:
        parse_source(Source("t.kpi", text))
    return [(d.code, d.line, d.column, d.message) for d in info.value.diagnostics]


def test_recovery_reports_each_broken_statement_once() -> None:
    got = syntax_errors(HEADER + "fact a : count\nobjective Q1: a >= >= 1\n"
                        "objective Q2: a >= 1\nobjective Q3: a @ 1\n")
    assert [(c, ln, col) for c, ln, col, _ in got] == [("E102", 5, 20), ("E101", 7, 17)]




def test_no_phantom_error_after_an_incomplete_header() -> None:
    got = syntax_errors("ruleset\nunit u\n")
    assert not any("`nit`" in m for *_, m in got), got
    assert len(got) == 1


def test_no_phantom_error_after_an_incomplete_objective() -> None:
    got = syntax_errors(HEADER + "fact a : count\nobjective Q1: a >=\nobjective Q2: a >= 1\n")
    assert not any("bjective" in m.replace("`objective`", "") for *_, m in got), got
    assert len(got) == 1


def test_no_end_of_file_error_in_the_middle_of_a_file() -> None:
    got = syntax_errors(HEADER + "fact a : count\nfact x :\nobjective Q2: a >= 1\n")
    assert not any(c == "E103" for c, *_ in got), got


# ---------------------------------------------------------------- hostile text (issue 9)
def test_lone_cr_crlf_and_lf_are_line_breaks_for_comments_and_positions() -> None:
    for nl in ("\n", "\r\n", "\r"):
        text = nl.join(['ruleset "t"', "unit u", "period 2022", "fact a : count # trễ",
                        "objective Q1: a >= 1", "objective Q2: a $ 1", ""])
        with pytest.raises(RulesetError) as info:
            parse_source(Source("t.kpi", text), strict=True)
        (d,) = info.value.diagnostics
        assert (d.code, d.line, d.column) == ("E101", 6, 17), repr(nl)
        assert "6 | objective Q2: a $ 1\n" in info.value.render()
    mixed = Source("m.kpi", "a\r\nb\rc\nd")
    assert [mixed.line_col(i)[0] for i in (0, 3, 5, 7)] == [1, 2, 3, 4]
    assert [mixed.line_text(n) for n in (1, 2, 3, 4)] == ["a", "b", "c", "d"]


def test_e100_column_counts_characters_of_the_valid_prefix(tmp_path: Path) -> None:
    path = tmp_path / "bad.kpi"
    path.write_bytes('ruleset "Mục tiêu"\r\nobjective "Hồ sơ '.encode() + b"\xff")
    with pytest.raises(RulesetError) as info:
        parse(path)
    (d,) = info.value.diagnostics
    assert (d.code, d.line, d.column) == ("E100", 2, len('objective "Hồ sơ ') + 1)


def test_a_bom_and_whitespace_only_is_empty() -> None:
    for text in ("\ufeff", "\ufeff  \r\n\t", "\ufeff# chỉ có ghi chú\r"):
        with pytest.raises(RulesetError) as info:
            parse_source(Source("t.kpi", text))
        assert [d.code for d in info.value.diagnostics] == ["E106"]


def _seconds(text: str) -> float:
    import time
    t0 = time.perf_counter()
    with pytest.raises(RulesetError):
        parse(text, "t.kpi")
    return time.perf_counter() - t0


def test_error_after_long_words_stays_linear() -> None:
    """A non-ASCII letter after a long comment or string: the word around it is found by
    walking back from it, not by a regex rescanning every earlier word (was quadratic)."""
    def text(n: int) -> str:
        return HEADER + "# " + "a" * n + "\n" + 'objective Q1 "' + "b" * n + '": cé >= 1\n'
    small, big = _seconds(text(20_000)), _seconds(text(200_000))
    assert big < max(0.5, 30 * small)
    with pytest.raises(RulesetError) as info:
        parse(text(50), "t.kpi")
    assert "`cé`" in info.value.diagnostics[0].message


def test_unterminated_string_costs_linear_time_and_little_memory() -> None:
    import tracemalloc
    text = HEADER + 'objective Q1 "' + "a" * 500_000
    tracemalloc.start()
    try:
        with pytest.raises(RulesetError) as info:
            parse(text, "t.kpi")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.diagnostics[0].code == "E104"
    assert peak < 40 * len(text)  # was ~550 bytes per byte


def test_many_syntax_errors_in_a_big_file_stay_bounded() -> None:
    text = HEADER + "objective Q1: a >= \n" * 100_000
    assert _seconds(text) < 10


def test_lone_surrogates_and_control_characters_render_cleanly() -> None:
    for text in ["\ud800", 'ruleset "t"\x00\x1b[2J\n', 'ruleset "t"\nfact a : min\udfff\n']:
        with pytest.raises(RulesetError) as info:
            parse(text, "t.kpi")
        rendered = info.value.render()
        rendered.encode("utf-8")  # printable
        assert "\x1b" not in rendered and "\x00" not in rendered
        for d in info.value.diagnostics:
            assert 0 <= d.start <= d.end <= len(text)
        pickle.loads(pickle.dumps(info.value))

"""Fuzzing the front end (STYLE practice 11; docs/diagnostics.md).

(a) Any text either loads or raises RulesetError whose every diagnostic lies inside the
    text (0 <= start <= end <= len(text)) and renders; never any other exception.
(b) ``kpirules lint`` on a mutated ruleset file exits 0 or 2, never with a traceback.

Texts come from random characters, a soup of the grammar's keywords and punctuation,
and mutations (deleted, duplicated, swapped, inserted, truncated pieces) of a corpus:
every ``rulesets/*.kpi`` present when the tests run, plus the Hạ Long example kept here
so the fuzzers have a seed even in a checkout without rulesets.
"""

from __future__ import annotations

import functools
import io
import tempfile
import re
import unicodedata
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

import kpirules
from kpirules.cli import main
from kpirules.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[2]

# the Hạ Long example (tests/data/rulesets), shared by several test modules
SPEC_EXAMPLE = (Path(__file__).resolve().parents[1] / "data" / "rulesets" / "spec-example.kpi").read_text(
    encoding="utf-8")

RECORDS_EXAMPLE = '''\
ruleset "records"
unit u
period 2022
source dossiers from "dossiers.csv"
  unit   by unit_id
  period by returned_at
fact resolved = count(dossiers where returned_at is not null)
fact late     = count(dossiers where returned_at > due_at and not channel in ("a", "b"))
fact wait_total = sum(dossiers.wait_minutes) : min
objective Q1: late / resolved between 0% and 2%
objective Q2 { measure wait_total / resolved
  target <= 25 min
  due ongoing
  tags tthc, "một cửa" }
'''


def shipped_rulesets() -> list[Path]:
    return sorted((ROOT / "rulesets").glob("*.kpi"))


@functools.cache
def corpus() -> tuple[str, ...]:
    texts = [SPEC_EXAMPLE, RECORDS_EXAMPLE]
    for p in shipped_rulesets():
        try:
            texts.append(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):  # a file being written right now
            continue
    return tuple(texts)


KEYWORDS = ["ruleset", "unit", "units", "period", "owner", "fact", "aggregate", "source",
            "from", "objective", "measure", "target", "warn", "scope", "every", "support",
            "method", "actions", "resources", "note", "due", "tags", "all", "any", "ongoing",
            "between", "each", "where", "and", "or", "not", "in", "is", "null", "by",
            "count", "sum", "mean", "last", "max", "min", "abs", "share", "avg", "month",
            "quarter", "year", "h", "percent", "VND"]
PUNCT = ["{", "}", "(", ")", "[", "]", ":", ",", ".", "%", "/", "*", "+", "-", "^", "=",
         "!=", "<", "<=", ">", ">=", '"', "#", "\n", "\t", "\r", "\ufeff", "\\"]
WORDS = ["late", "resolved", "Q1", "Q3.1", "ha-long", "x", "_", "a.b-c", "2022", "2022-Q1",
         "2022-13", "2022-01-31", "2022-02-30", "0", "99.9", "99.9%", "1e400", "99..9",
         "25 min", '"Hồ sơ"', '"unterminated', "đ", "Ho\u0302\u0300", "\u0301", "\x00",
         "\U0001F600", "９", "ǅ"]


@st.composite
def token_soup(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.sampled_from(KEYWORDS + PUNCT + WORDS), max_size=60))
    seps = draw(st.lists(st.sampled_from(["", " ", "\n", "  "]), min_size=len(tokens),
                         max_size=len(tokens)))
    return "".join(t + s for t, s in zip(tokens, seps))


@st.composite
def mutated(draw: st.DrawFn, texts: tuple[str, ...] | None = None) -> str:
    """A seed text after a few edits: deleted, duplicated, swapped, inserted or truncated
    pieces, by characters or by lines."""
    seeds = texts if texts is not None else corpus()
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate",
                                   "delete_line", "swap_lines"]))
        if op in ("delete_line", "swap_lines"):
            lines = text.split("\n")
            i = draw(st.integers(0, max(0, len(lines) - 1)))
            if op == "delete_line":
                del lines[i]
            else:
                j = draw(st.integers(0, max(0, len(lines) - 1)))
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
            continue
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, min(n, a + 40)))
        if op == "delete":
            text = text[:a] + text[b:]
        elif op == "duplicate":
            text = text[:b] + text[a:b] + text[b:]
        elif op == "swap":
            c = draw(st.integers(0, n))
            d = draw(st.integers(c, min(n, c + 40)))
            if b <= c:
                text = text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]
        elif op == "insert":
            piece = draw(st.sampled_from(KEYWORDS + PUNCT + WORDS))
            text = text[:a] + piece + text[a:]
        else:
            text = text[:a]
    return text


def any_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.sampled_from(list("{}()[]:,.%/*+-<>=!\"#\n\t 0123456789"
                                              "abcdeQ_ồơđ")), max_size=120),
        token_soup(),
        mutated(),
    )


# ---------------------------------------------------------------- (a) the API
def _check_text(text: str) -> None:
    try:
        kpirules.loads(text, "fuzz.kpi")
    except kpirules.RulesetError as exc:
        assert exc.diagnostics, "a RulesetError carries at least one diagnostic"
        assert exc.errors, "a rejected ruleset has at least one error"
        for d in exc.diagnostics:
            assert 0 <= d.start <= d.end <= len(text), (d, len(text))
            assert d.code in CODES, d
            assert d.path == "fuzz.kpi"
            # line:col is the 1-based position of start (columns in NFC characters)
            # (a line ends at LF, CRLF or a lone CR)
            breaks = [m.end() for m in re.finditer(r"\r\n?|\n", text[:d.start])]
            line_start = breaks[-1] if breaks else 0
            col = len(unicodedata.normalize("NFC", text[line_start:d.start])) + 1
            assert (d.line, d.column) == (len(breaks) + 1, col), d
        rendered = exc.render()
        assert isinstance(rendered, str) and rendered
        assert "Traceback" not in rendered


@given(any_text())
@example("")
@example("\ufeff")
@example('ruleset "')
@example("objective Q1 {")
@example(SPEC_EXAMPLE.replace("}", "", 1))
@example(SPEC_EXAMPLE + "\x00")
def test_any_text_loads_or_raises_ruleset_error(text: str) -> None:
    _check_text(text)


@given(mutated())
def test_mutated_rulesets_load_or_raise_ruleset_error(text: str) -> None:
    _check_text(text)


# ---------------------------------------------------------------- (b) the CLI
@given(mutated(), st.sampled_from(["utf-8", "utf-8-sig", "bytes"]))
def test_lint_on_mutated_files_exits_0_or_2(text: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.kpi"
        if encoding == "bytes":  # a few bytes that are not UTF-8 somewhere in the file
            data = text.encode("utf-8")
            cut = len(data) // 2
            path.write_bytes(data[:cut] + b"\xff\xfe" + data[cut:])
        else:
            path.write_text(text, encoding=encoding)
        out, err = io.StringIO(), io.StringIO()
        code = main(["lint", str(path)], out, err)
        assert code in (0, 2), (code, out.getvalue(), err.getvalue())
        assert "Traceback" not in err.getvalue()
        if code == 2:
            assert "error[" in err.getvalue()
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["mutated.kpi"]

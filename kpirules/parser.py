"""Text → AST. The only module that imports lark.

The grammar (``grammar/kpi.lark``) is compiled once. The transformer runs inline
in the LALR parser, so no parse tree is ever built: each reduction builds the
AST node directly, with a span taken from its first and last token.

Syntax errors never stop at the first: the statement holding the error is
blanked out (offsets preserved) and the text is parsed again, so one run
reports every broken statement.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading
import unicodedata
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import ast
from .diagnostics import Diagnostic, Source, Span, make
from .errors import RulesetError
from .text_limits import MAX_NUMBER_DIGITS, MAX_RECOVERY_CHARS, MAX_RULESET_CHARS, shape

__all__ = ["parse", "parse_source", "read_source", "grammar_text"]

_MAX_SYNTAX_ERRORS = 50
# a line starts after LF, CRLF or a lone CR (old Mac editors): all three end a line
_TOP_LEVEL = re.compile(r"(?:^|(?<=[\r\n]))(objective|fact|source|ruleset|unit|period|owner)\b")
_LINE_BREAK = re.compile(r"\r\n?|\n")
_NUMBERISH = re.compile(r"[0-9][0-9A-Za-z_.+\-]*")
_NONSPACE = re.compile(r"\S+")


def grammar_text() -> str:
    """The grammar shipped in the wheel, or the repository's copy in a checkout."""
    try:
        packaged = importlib.resources.files(__package__ or "kpirules").joinpath(
            "grammar/kpi.lark")
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, AttributeError, TypeError):  # pragma: no cover
        pass
    repo_copy = Path(__file__).resolve().parent.parent / "grammar" / "kpi.lark"
    return repo_copy.read_text(encoding="utf-8")


# ---------------------------------------------------------------- reading files
def read_source(path: str | Path) -> Source:
    """Read a ruleset file; an unreadable one raises RulesetError E100."""
    p = Path(path)
    name = str(path)
    empty = Source(name, "")
    try:
        if p.is_file() and p.stat().st_size > MAX_RULESET_CHARS:
            _fail_file(empty, f"{name} is {p.stat().st_size} bytes; a ruleset may hold at most "
                       f"{MAX_RULESET_CHARS} ({MAX_RULESET_CHARS // 1024 // 1024} MiB)",
                       "split it into several rulesets", "E109")
        data = p.read_bytes()
    except FileNotFoundError:
        _fail_file(empty, f"no such file: {name}", "check the path; it is relative to the "
                   "directory you run kpirules from")
    except IsADirectoryError:
        _fail_file(empty, f"{name} is a directory, not a ruleset file",
                   "name a .kpi file, or use a glob such as rulesets/*.kpi")
    except OSError as exc:
        _fail_file(empty, f"cannot read {name}: {exc.strerror}", "")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte-order mark, as Windows editors write it: accepted
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # the valid prefix, decoded: line and column count characters, as everywhere
        # else (a Vietnamese letter before the bad byte is one column, not two or three)
        prefix = Source(name, data[: exc.start].decode("utf-8"))
        line, col = prefix.line_col(len(prefix.text))
        diag = Diagnostic("E100", f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
                          name, line, col, hint="save the file as UTF-8 (in Word or Notepad: "
                          "Save As → Encoding: UTF-8)")
        raise RulesetError([diag]) from None
    return Source(name, text)


def _fail_file(src: Source, message: str, hint: str, code: str = "E100") -> None:
    raise RulesetError([Diagnostic(code, message, src.name, 0, 0, hint=hint)])


# ---------------------------------------------------------------- the transformer
_local = threading.local()


def _src() -> Source:
    return _local.source  # type: ignore[no-any-return]


def _pos(x: Any) -> tuple[int, int]:
    if isinstance(x, Token):
        return x.start_pos or 0, x.end_pos or 0
    span = x.span
    return span.start, span.end


def _sp(first: Any, last: Any | None = None) -> Span:
    start = _pos(first)[0]
    end = _pos(last if last is not None else first)[1]
    return Span(_src(), start, end)


def _ident(tok: Token) -> ast.Ident:
    return ast.Ident(str(tok), _sp(tok))


_ESCAPE = re.compile(r"\\(.)")


def _string(tok: Token) -> str:
    body = str(tok)[1:-1]
    body = _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)
    return unicodedata.normalize("NFC", body)


def _fraction(tok: Token) -> Fraction:
    text = str(tok)
    digits = len(text) - text.count(".")
    if digits > MAX_NUMBER_DIGITS:
        # refused before any conversion (a million digits would take seconds, and more
        # than 4300 raise in int()); 1 stands in for it so no other error rides along
        start = tok.start_pos or 0
        _problem(make("E108", f"a number of {digits} digits: at most {MAX_NUMBER_DIGITS} are "
                      "allowed", Span(_src(), start, tok.end_pos or start + len(text)),
                      hint="write the number with fewer digits (a threshold needs no more "
                      f"than {MAX_NUMBER_DIGITS})"))
        return Fraction(1)
    return _exact_number(text)


@functools.lru_cache(maxsize=4096)
def _exact_number(text: str) -> Fraction:
    """``"99.9"`` → 999/10, exactly (the lexer admits only digits and one point)."""
    return Fraction(Decimal(text))


def _signed(sign: Token | None, num: Token) -> tuple[Fraction, str, Token]:
    """A number with an optional sign: its value, its text and its first token."""
    value = _fraction(num)
    if sign is not None and str(sign) == "-":
        return -value, f"-{num}", sign
    return value, str(num), sign if sign is not None else num


def _problem(diag: Diagnostic) -> None:
    _local.problems.append(diag)


def _present(children: list[Any]) -> list[Any]:
    return [c for c in children if c is not None]


class _Build(Transformer):  # type: ignore[type-arg]
    """Callbacks named after the grammar's rules and aliases."""

    # ---- literals
    def number(self, c: list[Any]) -> ast.Number:
        num, pct = c
        value = _fraction(num)
        if pct is not None:
            return ast.Number(value / 100, f"{num}%", True, None, _sp(num, pct))
        return ast.Number(value, str(num), False, None, _sp(num))

    def number_quantity(self, c: list[Any]) -> ast.Number:
        num, unit = c
        return ast.Number(_fraction(num), f"{num} {unit}", False, _ident(unit), _sp(num, unit))

    def sign(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def threshold_plain(self, c: list[Any]) -> ast.Number:
        sign, num, pct = c
        value, text, first = _signed(sign, num)
        if pct is not None:
            return ast.Number(value / 100, text + "%", True, None, _sp(first, pct))
        return ast.Number(value, text, False, None, _sp(first, num))

    def threshold_quantity(self, c: list[Any]) -> ast.Number:
        sign, num, unit = c
        value, text, first = _signed(sign, num)
        return ast.Number(value, f"{text} {unit.value}", False, unit, _sp(first, unit))

    def uom(self, c: list[Any]) -> ast.Ident:
        parts = _present(c)
        span = _sp(parts[0], parts[-1])
        text = re.sub(r"\s+", "", _src().text[span.start:span.end])
        return ast.Ident(text, span)

    def uom_term(self, c: list[Any]) -> Token:
        name, power = c
        if power is None:
            return name  # type: ignore[no-any-return]
        return Token("NAME", f"{name}^{power}", name.start_pos, name.line, name.column,
                     end_pos=power.end_pos)

    def uom_op(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    # ---- measures
    def fact_ref(self, c: list[Any]) -> ast.FactRef:
        return ast.FactRef(str(c[0]), _sp(c[0]))

    def bin_op(self, c: list[Any]) -> ast.BinOp:
        left, op, right = c
        return ast.BinOp(str(op), left, right, _sp(left, right))

    def neg(self, c: list[Any]) -> ast.Neg:
        return ast.Neg(c[1], _sp(c[0], c[1]))

    def call(self, c: list[Any]) -> ast.Call:
        return ast.Call(_ident(c[0]), tuple(c[1:]), _sp(c[0], c[-1]))

    def comparison(self, c: list[Any]) -> ast.Comparison:
        if len(c) == 2:
            return ast.Comparison(str(c[0]), c[1], None, _sp(c[0], c[1]))
        return ast.Comparison("between", c[1], c[3], _sp(c[0], c[3]))

    # ---- conditions
    def compare(self, c: list[Any]) -> ast.Compare:
        return ast.Compare(_ident(c[0]), str(c[1]), c[2], _sp(c[0], c[2]))

    def in_list(self, c: list[Any]) -> ast.InList:
        values = tuple(_present(c[2:]))
        return ast.InList(_ident(c[0]), values, _sp(c[0], values[-1] if values else c[1]))

    def is_null(self, c: list[Any]) -> ast.IsNull:
        return ast.IsNull(_ident(c[0]), False, _sp(c[0], c[-1]))

    def is_not_null(self, c: list[Any]) -> ast.IsNull:
        return ast.IsNull(_ident(c[0]), True, _sp(c[0], c[-1]))

    def not_(self, c: list[Any]) -> ast.Not:
        return ast.Not(c[1], _sp(c[0], c[1]))

    def bool_op(self, c: list[Any]) -> ast.BoolOp:
        return ast.BoolOp(str(c[1]).lower(), c[0], c[2], _sp(c[0], c[2]))

    def value_string(self, c: list[Any]) -> ast.Text:
        return ast.Text(_string(c[0]), "string", _sp(c[0]))

    def value_number(self, c: list[Any]) -> ast.Number:
        sign, num = c
        value, text, first = _signed(sign, num)
        return ast.Number(value, text, False, None, _sp(first, num))

    def value_date(self, c: list[Any]) -> ast.Text:
        return ast.Text(str(c[0]), "date", _sp(c[0]))

    def value_period(self, c: list[Any]) -> ast.Text:
        return ast.Text(str(c[0]), "period", _sp(c[0]))

    def value_ref(self, c: list[Any]) -> ast.Ref:
        return ast.Ref(str(c[0]), _sp(c[0]))

    def value_null(self, c: list[Any]) -> ast.Text:
        return ast.Text("null", "null", _sp(c[0]))

    # ---- scopes
    def scope_unit(self, c: list[Any]) -> ast.Scope:
        return ast.Scope("unit", _ident(c[1]), None, _sp(c[0], c[1]))

    def scope_each(self, c: list[Any]) -> ast.Scope:
        return ast.Scope("each", None, c[3], _sp(c[0], c[3]))

    def scope_pooled(self, c: list[Any]) -> ast.Scope:
        return ast.Scope("pooled", None, c[2], _sp(c[0], c[2]))

    # ---- declarations
    def ruleset_header(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("ruleset", _string(c[1]), _sp(c[0], c[1]))

    def unit_header(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("unit", _ident(c[1]), _sp(c[0], c[1]))

    def period_header(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("period", c[1], _sp(c[0], c[1]))

    def owner_header(self, c: list[Any]) -> tuple[str, Any, Span]:
        values, last = c[1]
        return ("owner", values, _sp(c[0], last))

    def period_value(self, c: list[Any]) -> ast.Text:
        return ast.Text(str(c[0]), "period", _sp(c[0]))

    def fact_decl(self, c: list[Any]) -> ast.FactDecl:
        _, name, unit, _agg_kw, agg = c
        last = agg if agg is not None else unit
        return ast.FactDecl(_ident(name), unit, _ident(agg) if agg is not None else None, None,
                            _sp(c[0], last))

    def derived_fact_decl(self, c: list[Any]) -> ast.FactDecl:
        _, name, aggregate, unit = c
        last = unit if unit is not None else aggregate
        return ast.FactDecl(_ident(name), unit, None, aggregate, _sp(c[0], last))

    def aggregate(self, c: list[Any]) -> ast.Aggregate:
        func, table, column, _where, cond = c
        last = cond if cond is not None else (column if column is not None else table)
        return ast.Aggregate(_ident(func), _ident(table),
                             _ident(column) if column is not None else None, cond,
                             _sp(func, last))

    def source_decl(self, c: list[Any]) -> ast.SourceDecl:
        _, name, _from, path, *options = c
        unit_by = period_by = None
        last: Any = path if path is not None else name
        for key, ident, tok in options:
            if key == "unit":
                if unit_by is not None:
                    _problem(make("E212", "`unit by` given twice in one source", ident.span))
                unit_by = ident
            else:
                if period_by is not None:
                    _problem(make("E212", "`period by` given twice in one source", ident.span))
                period_by = ident
            last = tok
        path_text = ast.Text(_string(path), "string", _sp(path)) if path is not None else None
        return ast.SourceDecl(_ident(name), path_text, unit_by, period_by, _sp(c[0], last))

    def source_unit_by(self, c: list[Any]) -> tuple[str, ast.Ident, Token]:
        return ("unit", _ident(c[1]), c[1])

    def source_period_by(self, c: list[Any]) -> tuple[str, ast.Ident, Token]:
        return ("period", _ident(c[1]), c[1])

    # ---- objectives
    def objective_line(self, c: list[Any]) -> ast.Objective:
        _, oid, label, measure, comparison = c
        return ast.Objective(_ident(oid), _string(label) if label is not None else "",
                             measure=measure, target=comparison, span=_sp(c[0], comparison))

    def objective_block(self, c: list[Any]) -> ast.Objective:
        kw, oid, label, *fields = c
        values: dict[str, Any] = {}
        seen: dict[str, Span] = {}
        last: Any = label if label is not None else oid
        for key, value, span in fields:
            if key in seen:
                _problem(make("E209", f"`{key}` is given twice in objective {oid}", span,
                              notes=[f"first given at line {seen[key].line}"],
                              hint="keep one; a list of texts is written [\"…\", \"…\"]"))
                continue
            seen[key] = span
            values[key] = value
            last = span
        if "parts" in values:
            values["combine"], values["parts"] = values["parts"]
        end = Span(_src(), kw.start_pos or 0, last.end if isinstance(last, Span) else
                   (last.end_pos or 0))
        return ast.Objective(_ident(oid), _string(label) if label is not None else "",
                             span=end, **values)

    def field_measure(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("measure", c[1], _sp(c[0], c[1]))

    def field_target(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("target", c[1], _sp(c[0], c[1]))

    def field_warn(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("warn", c[1], _sp(c[0], c[1]))

    def field_scope(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("scope", c[1], _sp(c[0], c[1]))

    def field_every(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("every", _ident(c[1]), _sp(c[0], c[1]))

    def text_key(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def field_text(self, c: list[Any]) -> tuple[str, Any, Span]:
        values, last = c[1]
        return (str(c[0]), values, _sp(c[0], last))

    def text_one(self, c: list[Any]) -> tuple[tuple[str, ...], Token]:
        return (_string(c[0]),), c[0]

    def text_list(self, c: list[Any]) -> tuple[tuple[str, ...], Any]:
        items = _present(c)
        return tuple(_string(t) for t in items), (items[-1] if items else None)

    def field_due(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("due", c[1], _sp(c[0], c[1]))

    def due_value(self, c: list[Any]) -> ast.Due:
        text = c[0]
        return ast.Due("period", text.value, text.span)

    def due_date(self, c: list[Any]) -> ast.Due:
        return ast.Due("date", str(c[0]), _sp(c[0]))

    def due_ongoing(self, c: list[Any]) -> ast.Due:
        return ast.Due("ongoing", "ongoing", _sp(c[0]))

    def due_text(self, c: list[Any]) -> ast.Due:
        return ast.Due("text", _string(c[0]), _sp(c[0]))

    def field_tags(self, c: list[Any]) -> tuple[str, Any, Span]:
        tags = tuple(_string(t) if t.type == "STRING" else str(t) for t in c[1:])
        return ("tags", tags, _sp(c[0], c[-1]))

    def combine(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def field_parts(self, c: list[Any]) -> tuple[str, Any, Span]:
        kw, *parts = c
        last = parts[-1] if parts else kw
        return ("parts", (str(kw), tuple(parts)), _sp(kw, last))

    def part(self, c: list[Any]) -> ast.Part:
        label, measure, comparison = c
        name = str(label).rstrip(": \t")
        ident = ast.Ident(name, Span(_src(), label.start_pos, label.start_pos + len(name)))
        return ast.Part(ident, measure, comparison, _sp(label, comparison))

    # ---- the file
    def start(self, c: list[Any]) -> ast.Ruleset:
        return _assemble(c)


def _assemble(statements: list[Any]) -> ast.Ruleset:
    src = _src()
    header: dict[str, Any] = {}
    first_span: dict[str, Span] = {}
    facts: list[ast.FactDecl] = []
    sources: list[ast.SourceDecl] = []
    objectives: list[ast.Objective] = []
    seen_body = False
    for i, st in enumerate(statements):
        if isinstance(st, tuple):
            key, value, span = st
            if key in first_span:
                _problem(make("E207", f"`{key}` is declared twice", span,
                              notes=[f"first declared at line {first_span[key].line}"],
                              hint="a ruleset has one header of each kind"))
                continue
            if key == "ruleset" and (i > 0):
                _problem(make("E207", "`ruleset \"…\"` must be the first declaration", span,
                              hint="move the ruleset line to the top of the file"))
            if key != "ruleset" and seen_body and key in ("unit", "period"):
                _problem(make("E207", f"`{key}` belongs in the header, before facts and "
                              "objectives", span, hint="move it up, under the ruleset line"))
            first_span[key] = span
            header[key] = value
        else:
            seen_body = True
            if isinstance(st, ast.FactDecl):
                facts.append(st)
            elif isinstance(st, ast.SourceDecl):
                sources.append(st)
            else:
                objectives.append(st)
    if "ruleset" not in header and statements:
        first = statements[0]
        span = first[2] if isinstance(first, tuple) else first.span
        _problem(make("E207", "the ruleset has no `ruleset \"label\"` line", Span(src, span.start,
                      span.start), hint='start the file with: ruleset "Mục tiêu chất lượng năm …"'))
    return ast.Ruleset(
        label=header.get("ruleset", ""),
        unit=header.get("unit"),
        period=header.get("period"),
        owner=header.get("owner", ()),
        facts=tuple(facts),
        sources=tuple(sources),
        objectives=tuple(objectives),
        source=src,
        problems=(),
        span=Span(src, 0, len(src.text)),
    )


@functools.cache
def _parser() -> Lark:
    return Lark(grammar_text(), parser="lalr", lexer="contextual", transformer=_Build(),
                propagate_positions=False, maybe_placeholders=True, cache=False)


@functools.cache
def _tree_parser() -> Lark:
    """The same grammar without the transformer: builds a bare Lark tree (benchmarks)."""
    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=True)


# ---------------------------------------------------------------- entry points
def parse(text_or_path: str | Path, name: str | None = None) -> ast.Ruleset:
    """Parse a ruleset (a path, or text with ``name``) into its AST; raise RulesetError."""
    if isinstance(text_or_path, Path) or (name is None and "\n" not in text_or_path
                                          and text_or_path.endswith(".kpi")):
        source = read_source(text_or_path)
    else:
        source = Source(name or "<string>", str(text_or_path))
    return parse_source(source, strict=True)


def parse_source(source: Source, *, strict: bool = False) -> ast.Ruleset:
    """Parse ``source``. Syntax errors raise RulesetError carrying all of them; other
    problems the parser noticed ride along in ``Ruleset.problems`` (raised here only
    when ``strict``)."""
    text = source.text
    if len(text) > MAX_RULESET_CHARS:
        raise RulesetError([make("E109", f"the ruleset holds {len(text)} characters; at most "
                                 f"{MAX_RULESET_CHARS} are allowed", Span(source, 0, 0),
                                 hint="split it into several rulesets")], {source.name: source})
    if not _strip_comments(text).replace("\ufeff", "").strip(" \t\r\n\f"):
        raise RulesetError([make("E106", "the ruleset is empty", Span(source, 0, 0),
                                 hint='start with: ruleset "…", then facts and objectives')],
                           {source.name: source})
    syntax: list[Diagnostic] = []
    work = text
    resume = 0  # errors before this offset are echoes of a statement already blanked
    budget = MAX_RECOVERY_CHARS
    for _ in range(_MAX_SYNTAX_ERRORS):
        if syntax and budget < 0:
            break  # enough errors reported for a text this size
        budget -= 2 * len(work)  # this parse, and the one _incomplete_before may make
        _local.source = source
        _local.problems = []
        try:
            tree = _parser().parse(work)
            break
        except UnexpectedInput as exc:
            diag, pos = _syntax_diagnostic(exc, source, work)
            if pos < resume:
                break
            diag, pos = _incomplete_before(diag, pos, source, work)
            syntax.append(diag)
            blanked, resume = _blank_statement(work, pos)
            if blanked == work:
                break
            work = blanked
        finally:
            problems = list(_local.problems)
    else:
        tree = None
    if syntax:
        raise RulesetError(sorted(set(syntax), key=lambda d: d.start), {source.name: source})
    assert isinstance(tree, ast.Ruleset)
    tree, deep = shape(tree)
    if deep:  # no later stage may walk an expression past the depth limit
        raise RulesetError(sorted(problems + deep, key=lambda d: d.start), {source.name: source})
    result = ast.Ruleset(tree.label, tree.unit, tree.period, tree.owner, tree.facts,
                         tree.sources, tree.objectives, source, tuple(problems + deep),
                         tree.span)
    if strict and result.problems:
        raise RulesetError(sorted(result.problems, key=lambda d: d.start), {source.name: source})
    return result


def _strip_comments(text: str) -> str:
    return re.sub(r"#[^\r\n]*", "", text)


_TOKEN_WORDS = {
    "CMP": "a comparison (<, <=, >, >=, =, !=)", "NUMBER": "a number", "NAME": "a name",
    "ID": "an id", "STRING": 'a "string"', "PERCENT": "%", "LBRACE": "{", "RBRACE": "}",
    "LPAR": "(", "RPAR": ")", "COLON": ":", "COMMA": ",", "PART_LABEL": "a part `name:`",
    "PERIOD_LIT": "a period (2022-Q1, 2022-03)", "DATE": "a date (2022-01-31)",
    "SLASH": "/", "STAR": "*", "PLUS": "+", "MINUS": "-", "BETWEEN": "between",
    "$END": "the end of the file", "CIRCUMFLEX": "^", "LSQB": "[", "RSQB": "]", "DOT": ".",
    "EQUAL": "=", "UNIT_BY": "unit by", "PERIOD_BY": "period by",
}


def _describe_expected(expected: set[str]) -> str:
    words: list[str] = []
    for name in sorted(expected):
        if name.startswith("__ANON"):
            continue
        word = _TOKEN_WORDS.get(name, f"`{name.lower()}`" if name.isupper() else name)
        if word not in words:
            words.append(word)
    if not words:
        return ""
    if len(words) > 8:
        words = words[:8] + ["…"]
    return "expected " + ", ".join(words)


def _syntax_diagnostic(exc: UnexpectedInput, source: Source, work: str) -> tuple[Diagnostic, int]:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        ch = work[pos]
        span = Span(source, pos, pos + 1)
        if ch == '"':
            brk = _LINE_BREAK.search(work, pos)
            end = len(work) if brk is None else brk.start()
            return make("E104", "unterminated string", Span(source, pos, end),
                        hint='close the string with " on the same line'), pos
        if ch.isdigit() or (ch == "." and pos > 0 and work[pos - 1].isdigit()):
            m = _NUMBERISH.match(work, pos) or _NONSPACE.match(work, pos)
            end = m.end() if m else pos + 1
            start = pos
            while start > 0 and (work[start - 1].isdigit() or work[start - 1] == "."):
                start -= 1
            shown_number = work[start:end] if end - start <= 40 else work[start:start + 40] + "…"
            return make("E105", f"malformed number `{shown_number}`", Span(source, start, end),
                        hint="write numbers as 12, 0.5 or 99.9%; no exponents, one decimal "
                        "point, and a space before a unit (25 min)"), start
        shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
        if ch.isalpha() and not ch.isascii():
            # the word around the letter, found by walking from it (linear: a regex
            # anchored at the end would rescan every earlier word)
            w0 = pos
            while w0 > 0 and pos - w0 < 200 and (work[w0 - 1].isalnum() or work[w0 - 1] == "_"):
                w0 -= 1
            m2 = re.compile(r"\w{0,200}").match(work, pos)
            word = work[w0:m2.end() if m2 else pos + 1]
            return make("E101", f"unexpected character `{shown}` in `{word}`: names are written "
                        "without diacritics", Span(source, w0, w0 + len(word)),
                        hint="names and units use a–z, 0–9 and _ (a unit of measure is pint's "
                        "name: min, h, day); put Vietnamese text inside \"quotes\""), w0
        return make("E101", f"unexpected character `{shown}`", span,
                    notes=[_describe_expected(set(exc.allowed or ()))] if exc.allowed else [],
                    hint="remove it, or put text inside \"quotes\""), pos
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        tok = exc.token
        start = tok.start_pos or 0
        end = tok.end_pos or start + len(str(tok))
        expected = _describe_expected(set(exc.expected))
        return make("E102", f"unexpected `{tok}`", Span(source, start, end),
                    label=expected, hint=_token_hint(tok, set(exc.expected))), start
    # end of input: an unclosed brace, list or parenthesis
    expected = set(getattr(exc, "expected", ()) or ())
    pos = len(work.rstrip())
    opener = _last_unclosed(work)
    if opener is not None:
        return make("E103", "unexpected end of file: this `{` (or `(`, `[`) is never closed",
                    Span(source, opener, opener + 1), label=_describe_expected(expected),
                    hint="add the closing bracket"), opener
    return make("E103", "unexpected end of file", Span(source, max(0, pos - 1), pos),
                label=_describe_expected(expected), hint="the last statement is incomplete"), pos


def _token_hint(tok: Token, expected: set[str]) -> str:
    if tok.type in ("NAME", "ID") and any(k.isupper() and not k.startswith("__") for k in expected):
        return ("a keyword or value is missing here, or this word is misspelt; "
                "see docs/language.md")
    if "PERCENT" in expected and tok.type == "NAME":
        return "a unit of measure follows the number after a space: `25 min`"
    return "see docs/language.md for the form of each statement"


def _last_unclosed(text: str) -> int | None:
    stack: list[int] = []
    in_str = False
    i = 0
    clean = _strip_comments_keep(text)
    while i < len(clean):
        ch = clean[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch in '"\r\n':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{([":
            stack.append(i)
        elif ch in "})]" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _strip_comments_keep(text: str) -> str:
    return re.sub(r"#[^\r\n]*", lambda m: " " * len(m.group(0)), text)


def _statement_starts(text: str) -> list[int]:
    return [m.start() for m in _TOP_LEVEL.finditer(text)]


def _incomplete_before(diag: Diagnostic, pos: int, source: Source,
                       work: str) -> tuple[Diagnostic, int]:
    """When the statement before ``pos``'s statement is incomplete, say so, at the start
    of the statement the parser then ran into (``fact x :`` followed by ``objective``)."""
    if diag.code not in ("E101", "E102"):
        return diag, pos
    starts = [s for s in _statement_starts(work) if s <= pos]
    if not starts or starts[-1] == 0:
        return diag, pos
    here = starts[-1]
    if here < pos:
        try:
            _local.problems = []
            _parser().parse(work[:here])
            return diag, pos  # everything before this statement is whole
        except UnexpectedInput as exc:
            if not _at_end(exc):
                return diag, pos
            expected = _describe_expected(set(getattr(exc, "expected", ()) or ()))
    else:
        expected = diag.label
    word = work[here:].split(None, 1)[0]
    return make("E102", f"unexpected `{word}`: the statement before it is incomplete",
                Span(source, here, here + len(word)), label=expected,
                hint="finish the previous statement (see docs/language.md)"), here


def _at_end(exc: UnexpectedInput) -> bool:
    if isinstance(exc, UnexpectedEOF):
        return True
    return isinstance(exc, UnexpectedToken) and exc.token.type == "$END"


def _blank_statement(text: str, pos: int) -> tuple[str, int]:
    """Replace the top-level statement that failed at ``pos`` with spaces (newlines
    kept, offsets unchanged). Returns the text and where the blanked part ends."""
    starts = _statement_starts(text)
    before = [s for s in starts if s <= pos]
    start = before[-1] if before else 0
    if start == pos and len(before) >= 2:
        # the error is a statement's first word: the statement that failed is the one
        # before it, and this one is left to parse
        start = before[-2]
        end = pos
    else:
        after = [s for s in starts if s > pos]
        end = after[0] if after else len(text)
    chunk = text[start:end]
    blank = re.sub(r"[^\r\n]", " ", chunk)
    return text[:start] + blank + text[end:], end

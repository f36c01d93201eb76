"""Limits on ruleset text, and the one pass that keeps expressions shallow.

Every limit is a named constant here (docs/limits.md lists them, with what happens
when one is exceeded). The parser builds ``a + b + c …`` and ``x and y and z …`` as
left-deep trees; every later stage (checker, compiler, evaluator, scope matching, SQL
generation, printers) walks trees recursively, so :func:`shape` rebuilds a long chain
of ``+``/``-`` or of one of ``and``/``or`` as a balanced tree (a chain of n terms is
then about log2(n) deep, and means exactly the same: sums of exact numbers and
conjunctions do not depend on grouping). Whatever remains deeper than
:data:`MAX_DEPTH` — parentheses around operators, nested calls, signs, ``not``, long
chains of ``*`` and ``/`` — is refused with E107. This pass is itself iterative.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import ast
from .diagnostics import Diagnostic, Source, Span, make

__all__ = ["MAX_RULESET_CHARS", "MAX_RECOVERY_CHARS", "MAX_NUMBER_DIGITS", "MAX_DEPTH", "BALANCE_AT", "shape"]

MAX_RULESET_CHARS = 4 * 1024 * 1024  # characters of ruleset text (and bytes of a file)
# after a syntax error the text is parsed again (the broken statement blanked): at most
# this many characters are re-read in all, so a big file full of errors stays linear
MAX_RECOVERY_CHARS = 16 * 1024 * 1024
MAX_NUMBER_DIGITS = 30  # digits of one number literal, before and after the point
MAX_DEPTH = 100  # levels of one measure or condition, after chains are balanced
BALANCE_AT = 64  # a chain of this many terms or more is rebuilt balanced

_SUM = ("+", "-")


def _spine(node: Any, same: Any) -> list[Any]:
    """The terms of a left-leaning chain of one operator, left to right, without recursion."""
    terms: list[Any] = []
    while same(node):
        terms.append(node.right)
        node = node.left
    terms.append(node)
    terms.reverse()
    return terms


def _kids(node: Any) -> list[Any]:
    """The operands of ``node``: a chain's terms (its left spine dissolved), or its
    children; () for a leaf."""
    if isinstance(node, ast.BinOp) and node.op in _SUM:
        return _spine(node, lambda n: isinstance(n, ast.BinOp) and n.op in _SUM)
    if isinstance(node, ast.BoolOp):
        op = node.op
        return _spine(node, lambda n: isinstance(n, ast.BoolOp) and n.op == op)
    return _structural(node)


def _signs(node: ast.BinOp) -> list[str]:
    """The operators of a +/- chain, in order (one fewer than its terms)."""
    ops = []
    cur: Any = node
    while isinstance(cur, ast.BinOp) and cur.op in _SUM:
        ops.append(cur.op)
        cur = cur.left
    ops.reverse()
    return ops


def _balanced_sum(terms: list[tuple[int, Any, int]], src: Source) -> tuple[Any, int]:
    """``terms`` = (sign, node, height), the first sign +1 → (node, height), balanced."""
    if len(terms) == 1:
        return terms[0][1], terms[0][2]
    mid = len(terms) // 2
    left, lh = _balanced_sum(terms[:mid], src)
    right_terms = terms[mid:]
    op = "+"
    if right_terms[0][0] < 0:  # x - (y ± …): the right group written with its signs flipped
        op = "-"
        right_terms = [(-s, n, h) for s, n, h in right_terms]
    right, rh = _balanced_sum(right_terms, src)
    span = Span(src, terms[0][1].span.start, terms[-1][1].span.end)
    return ast.BinOp(op, left, right, span), 1 + max(lh, rh)


def _balanced_bool(op: str, terms: list[tuple[Any, int]], src: Source) -> tuple[Any, int]:
    if len(terms) == 1:
        return terms[0]
    mid = len(terms) // 2
    left, lh = _balanced_bool(op, terms[:mid], src)
    right, rh = _balanced_bool(op, terms[mid:], src)
    span = Span(src, terms[0][0].span.start, terms[-1][0].span.end)
    return ast.BoolOp(op, left, right, span), 1 + max(lh, rh)


def _rebuild(node: Any, kids: list[tuple[Any, int]], src: Source) -> tuple[Any, int]:
    """``node`` with its operands replaced by ``kids`` (node, height) → (node, height)."""
    olds = _kids(node)
    same = all(new is old for (new, _), old in zip(kids, olds))
    if (isinstance(node, ast.BinOp) and node.op in _SUM) or isinstance(node, ast.BoolOp):
        if isinstance(node, ast.BinOp):
            ops = _signs(node)
            signs = [1] + [1 if o == "+" else -1 for o in ops]
            if len(kids) >= BALANCE_AT:
                return _balanced_sum([(s, n, h) for s, (n, h) in zip(signs, kids)], src)
            acc, height = kids[0]
            for o, (n, h) in zip(ops, kids[1:]):
                if not same:
                    acc = ast.BinOp(o, acc, n, Span(src, acc.span.start, n.span.end))
                height = 1 + max(height, h)
            return (node if same else acc), height
        if len(kids) >= BALANCE_AT:
            return _balanced_bool(node.op, kids, src)
        acc, height = kids[0]
        for n, h in kids[1:]:
            if not same:
                acc = ast.BoolOp(node.op, acc, n, Span(src, acc.span.start, n.span.end))
            height = 1 + max(height, h)
        return (node if same else acc), height
    height = 1 + max((h for _, h in kids), default=0)
    if same:
        return node, height
    if isinstance(node, ast.BinOp):
        return dataclasses.replace(node, left=kids[0][0], right=kids[1][0]), height
    if isinstance(node, (ast.Neg, ast.Not)):
        return dataclasses.replace(node, operand=kids[0][0]), height
    assert isinstance(node, ast.Call)
    return dataclasses.replace(node, args=tuple(n for n, _ in kids)), height


def _shape_tree(root: Any, src: Source) -> tuple[Any, int, dict[int, tuple[Any, int]]]:
    """Post-order, with an explicit stack: → (new root, its height, id(old) → result)."""
    done: dict[int, tuple[Any, int]] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        kids = _kids(node)
        if not ready:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in done)
            continue
        if not kids:
            done[id(node)] = (node, 1)
        else:
            done[id(node)] = _rebuild(node, [done[id(k)] for k in kids], src)
    new, height = done[id(root)]
    return new, height, done


def _too_deep(root: Any, src: Source) -> Diagnostic:
    """E107 at the first node past the limit, along the deepest path."""
    heights: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        kids = _structural(node)
        if not ready:
            stack.append((node, True))
            stack.extend((k, False) for k in kids)
        else:
            heights[id(node)] = 1 + max((heights[id(k)] for k in kids), default=0)
    node = root
    for _ in range(MAX_DEPTH):
        node = max(_structural(node), key=lambda k: heights[id(k)])
    start = node.span.start
    return make("E107", f"this expression is nested {heights[id(root)]} levels deep; at most "
                f"{MAX_DEPTH} are allowed", Span(src, start, start + 1),
                label=f"level {MAX_DEPTH + 1} starts here",
                hint="split it into named facts or several objectives, or remove redundant "
                "parentheses, signs and `not`s")


def _structural(node: Any) -> list[Any]:
    if isinstance(node, (ast.BinOp, ast.BoolOp)):
        return [node.left, node.right]
    if isinstance(node, (ast.Neg, ast.Not)):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


class _Shaper:
    def __init__(self, src: Source) -> None:
        self.src = src
        self.problems: list[Diagnostic] = []

    def __call__(self, node: Any) -> Any:
        if node is None:
            return None
        new, height, _ = _shape_tree(node, self.src)
        if height > MAX_DEPTH:
            self.problems.append(_too_deep(new, self.src))
        return new


def shape(rs: ast.Ruleset) -> tuple[ast.Ruleset, list[Diagnostic]]:
    """Balance long chains in every measure and condition of ``rs``; E107 for what stays
    deeper than MAX_DEPTH. Returns the ruleset (the same object when nothing changed)."""
    fix = _Shaper(rs.source)
    facts = []
    for f in rs.facts:
        if f.derived is not None and f.derived.where is not None:
            where = fix(f.derived.where)
            if where is not f.derived.where:
                f = dataclasses.replace(f, derived=dataclasses.replace(f.derived, where=where))
        facts.append(f)
    objectives = []
    for o in rs.objectives:
        changes: dict[str, Any] = {}
        measure = fix(o.measure)
        if measure is not o.measure:
            changes["measure"] = measure
        if o.scope is not None and o.scope.where is not None:
            where = fix(o.scope.where)
            if where is not o.scope.where:
                changes["scope"] = dataclasses.replace(o.scope, where=where)
        parts = tuple(p if (m := fix(p.measure)) is p.measure
                      else dataclasses.replace(p, measure=m) for p in o.parts)
        if any(a is not b for a, b in zip(parts, o.parts)):
            changes["parts"] = parts
        objectives.append(dataclasses.replace(o, **changes) if changes else o)
    if not fix.problems and all(a is b for a, b in zip(facts, rs.facts)) and \
            all(a is b for a, b in zip(objectives, rs.objectives)):
        return rs, []
    return dataclasses.replace(rs, facts=tuple(facts), objectives=tuple(objectives)), fix.problems

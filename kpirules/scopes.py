"""Units and scopes: the unit hierarchy, and which units a scope condition selects.

Conditions compare unit attributes (any column of the units table) as text, with
``=``, ``!=`` and ``in (…)`` combined by ``not``, ``and``, ``or``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import ast

__all__ = ["Hierarchy", "condition_text", "matches", "scope_text", "top_units"]


@dataclass
class Hierarchy:
    parent: dict[str, str | None]
    children: dict[str, tuple[str, ...]]
    attrs: dict[str, dict[str, str]]
    has_table: bool

    @classmethod
    def build(cls, units: Any, known: Iterable[str]) -> Hierarchy:
        parent: dict[str, str | None] = {}
        attrs: dict[str, dict[str, str]] = {}
        kids: dict[str, list[str]] = {}
        if units is not None:
            for uid, u in units.units.items():
                parent[uid] = u.parent or None
                attrs[uid] = dict(u.attrs)
                attrs[uid].setdefault("id", uid)
                attrs[uid].setdefault("parent", u.parent or "")
                attrs[uid].setdefault("level", u.level or "")
                attrs[uid].setdefault("name", u.name or "")
                kids.setdefault(uid, [])
                if u.parent:
                    kids.setdefault(u.parent, []).append(uid)
        for uid in known:
            if uid not in parent:
                parent[uid] = None
                attrs[uid] = {"id": uid, "parent": "", "level": "", "name": uid}
                kids.setdefault(uid, [])
        return cls(parent, {k: tuple(v) for k, v in kids.items()}, attrs, units is not None)

    def ancestors(self, uid: str) -> list[str]:
        """Parent, grandparent, … root: iterative and linear in the depth (a units
        table is checked for cycles when read; ``seen`` guards a hand-built one)."""
        out: list[str] = []
        seen: set[str] = set()
        p = self.parent.get(uid)
        while p is not None and p not in seen:
            out.append(p)
            seen.add(p)
            p = self.parent.get(p)
        return out

    def name(self, uid: str) -> str:
        return self.attrs.get(uid, {}).get("name", uid)


def matches(c: ast.Condition, attrs: dict[str, str]) -> bool:
    """Whether a unit with these attributes meets the scope condition."""
    if isinstance(c, ast.BoolOp):
        if c.op == "and":
            return matches(c.left, attrs) and matches(c.right, attrs)
        return matches(c.left, attrs) or matches(c.right, attrs)
    if isinstance(c, ast.Not):
        return not matches(c.operand, attrs)
    if isinstance(c, ast.Compare):
        got = attrs.get(c.left.value, "")
        want = _literal(c.right)
        return (got == want) if c.op == "=" else (got != want)
    if isinstance(c, ast.InList):
        got = attrs.get(c.left.value, "")
        return any(got == _literal(v) for v in c.values)
    return False  # `is null` is refused by the checker


def _literal(v: ast.Value) -> str:
    if isinstance(v, ast.Number):
        return v.text
    if isinstance(v, ast.Ref):
        return v.name
    return "" if v.kind == "null" else v.value


def top_units(tree: Hierarchy, matched: list[str]) -> list[str]:
    """The matched units without those whose ancestor is matched too (the ancestor's
    subtree already holds them): what a pooled scope adds up, each value once."""
    chosen = set(matched)
    return [u for u in matched if not any(a in chosen for a in tree.ancestors(u))]


def condition_text(c: ast.Condition) -> str:
    """The condition as it reads in a ruleset (for the pooled row's ``scope``)."""
    if isinstance(c, ast.BoolOp):
        return f"{_wrap(c.left, c.op)} {c.op} {_wrap(c.right, c.op)}"
    if isinstance(c, ast.Not):
        return f"not {_wrap(c.operand, 'not')}"
    if isinstance(c, ast.Compare):
        return f"{c.left.value} {c.op} {_value_text(c.right)}"
    if isinstance(c, ast.InList):
        return f"{c.left.value} in ({', '.join(_value_text(v) for v in c.values)})"
    assert isinstance(c, ast.IsNull)
    return f"{c.left.value} is {'not ' if c.negated else ''}null"


def _wrap(c: ast.Condition, outer: str) -> str:
    text = condition_text(c)
    if isinstance(c, ast.BoolOp) and (outer == "not" or (outer == "and" and c.op == "or")):
        return f"({text})"
    return text


def _value_text(v: ast.Value) -> str:
    if isinstance(v, ast.Text) and v.kind == "string":
        return '"' + v.value.replace('"', '\\"') + '"'
    return _literal(v) if not (isinstance(v, ast.Text) and v.kind == "null") else "null"


def scope_text(s: ast.Scope) -> str:
    if s.kind == "unit":
        assert s.unit is not None
        return f"unit {s.unit.value}"
    assert s.where is not None
    prefix = "each unit where " if s.kind == "each" else "units where "
    return prefix + condition_text(s.where)



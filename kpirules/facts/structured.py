"""Facts as JSON, YAML or in-memory Python data, in either of two shapes.

* a list of rows: ``[{"unit": …, "period": …, "fact": …, "value": …, "uom": …}]``
  (``uom`` optional);
* nested: ``{unit: {period: {fact: value}}}`` where a value is a number, a
  text such as ``"81%"``, or ``{"value": …, "uom": "h"}``.

Origins: in the list shape, ``row`` is the 1-based index of the entry (JSON, in
memory) or the line of the value (YAML) and ``column`` is the key; in the
nested shape, ``row`` is the 1-based index of the fact value in document order
(JSON, in memory) or its line (YAML), and ``column`` is a JSON Pointer to the
key or value at fault (``/tthcc/2022/resolved``).

JSON numbers are read from their text (never as floats), so ``0.1`` is exactly
1/10, and ``1.000`` for a count is refused as it is in CSV; YAML numbers are read
from their text for the same reasons.

Limits (docs/limits.md): nesting deeper than :data:`MAX_NESTING` levels is E517,
located at the bracket that goes past it; YAML anchors and aliases are refused
(E517) before anything is expanded, since a fact file has no use for them and a
few kilobytes of aliases can stand for millions of values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..errors import FactsError
from ._common import MAX_NUMBER_CHARS, NUMBER, Builder, Written, decode, read_bytes
from .models import FactSet, Origin

ROW_KEYS = ("unit", "period", "fact", "value", "uom")
_REQUIRED = ROW_KEYS[:4]
_LEAF_KEYS = frozenset({"value", "uom"})

# A fact file is four levels deep at most (unit → period → fact → {value, uom}).
MAX_NESTING = 100

# A field as read: (raw value, row, column).
Field = tuple[Any, int, str]


def pointer(*keys: str) -> str:
    """RFC 6901 JSON Pointer of a key path."""
    return "".join("/" + k.replace("~", "~0").replace("/", "~1") for k in keys)


def add_entry(b: Builder, unit: Field, period: Field, fact: Field, value: Field,
              uom: Field | None) -> None:
    u = b.name(unit[0], unit[1], unit[2], "unit")
    p = b.period(period[0], period[1], period[2])
    f = b.name(fact[0], fact[1], fact[2], "fact name")
    n = b.number(value[0], value[1], value[2])
    if n is None:
        raise b.error("the value is empty", value[1], value[2], "E504",
                      "write a number; leave the entry out if there is no value")
    m = b.uom(uom[0], uom[1], uom[2]) if uom is not None else None
    b.add(u, p, f, n, m, Origin(b.path, value[1], value[2], unit[2],
                                uom[2] if uom is not None and m is not None else None))


# --- Python data: JSON and in-memory rows -------------------------------------------

class _Obj(dict[str, Any]):
    """A JSON object that remembers a key given twice."""

    dup: str | None = None


def _pairs(pairs: list[tuple[str, Any]]) -> _Obj:
    obj = _Obj(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj.dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    return obj


def _no_dup(b: Builder, obj: Any, row: int, column: str | None) -> None:
    dup = getattr(obj, "dup", None)
    if dup is not None:
        raise b.error(f"key `{dup}` is given twice in one object", row, column, "E502",
                      "give each key once")


def read_json(path: Path, name: str, decimal_comma: bool = False) -> FactSet:
    text = decode(read_bytes(path, name), name)
    try:
        # Numbers stay text (Written) until a cell reads them, within the limits and
        # with the row and key of the value.
        data = json.loads(text, parse_float=Written, parse_int=Written, parse_constant=float,
                          object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise FactsError(f"not valid JSON: {exc.msg}", path=name, row=exc.lineno,
                         column=exc.colno, code="E501") from None
    except RecursionError:
        raise _too_deep(text, name) from None
    if _deeper_than(data, MAX_NESTING):
        raise _too_deep(text, name)
    return facts_from_data(data, name, decimal_comma)


def _deeper_than(data: Any, limit: int) -> bool:
    """Is any list or object nested more than ``limit`` levels? (iterative)"""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _too_deep(text: str, name: str) -> FactsError:
    """E517 at the first bracket nested deeper than MAX_NESTING (a linear scan)."""
    depth, row, col, in_string, escaped = 0, 1, 0, False, False
    for ch in text:
        col += 1
        if ch == "\n":
            row, col = row + 1, 0
        elif in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_NESTING:
                break
        elif ch in "]}":
            depth -= 1
    return FactsError(f"the JSON is nested more than {MAX_NESTING} levels deep",
                      path=name, row=row, column=col, code="E517",
                      hint="a fact file is a list of rows or unit → period → fact → value; "
                      "see docs/data.md")


def facts_from_data(data: Any, name: str, decimal_comma: bool = False) -> FactSet:
    """A list of row mappings or a nested mapping (JSON, in memory) → FactSet."""
    b = Builder(name, decimal_comma)
    if isinstance(data, (list, tuple)):
        for i, entry in enumerate(data, 1):
            _data_row(b, i, entry)
    elif isinstance(data, Mapping):
        _no_dup(b, data, 1, None)
        _data_nested(b, data)
    else:
        raise b.error(f"expected a list of rows or an object of units, not {_what(data)}",
                      None, None, "E502", _SHAPES)
    return b.factset()


_SHAPES = ('write a list of {"unit", "period", "fact", "value"[, "uom"]} rows, or '
           '{unit: {period: {fact: value}}}; see docs/data.md')


def _what(x: Any) -> str:
    if isinstance(x, Written):
        return "a number"
    if isinstance(x, Mapping):
        return "an object"
    if isinstance(x, (list, tuple)):
        return "a list"
    if isinstance(x, str):
        return "a text"
    return "a number" if isinstance(x, (int, float, Decimal)) else type(x).__name__


def _data_row(b: Builder, i: int, entry: Any) -> None:
    if not isinstance(entry, Mapping):
        raise b.error(f"entry {i} is {_what(entry)}, not an object with unit, period, fact "
                      "and value", i, None, "E502", _SHAPES)
    _no_dup(b, entry, i, None)
    _check_keys(b, entry.keys(), i, None)
    f = {k: (entry[k], i, k) for k in ROW_KEYS if k in entry}
    add_entry(b, f["unit"], f["period"], f["fact"], f["value"], f.get("uom"))


def _check_keys(b: Builder, keys: Any, row: int, column: str | None) -> None:
    for key in keys:
        if key not in ROW_KEYS:
            raise b.error(f"unexpected key `{key}`", row, column or str(key), "E502",
                          "a row has the keys unit, period, fact, value and, optionally, uom")
    for key in _REQUIRED:
        if key not in keys:
            raise b.error(f"this entry has no `{key}`", row, column or key, "E502",
                          "a row has the keys unit, period, fact, value and, optionally, uom")


def _data_nested(b: Builder, data: Mapping[Any, Any]) -> None:
    row = 0
    for unit, periods in data.items():
        p_unit = pointer(str(unit))
        if not isinstance(periods, Mapping):
            raise b.error(f"unit `{unit}` holds {_what(periods)}, not an object of periods",
                          row + 1, p_unit, "E502", _SHAPES)
        _no_dup(b, periods, row + 1, p_unit)
        for period, facts in periods.items():
            p_period = pointer(str(unit), str(period))
            if not isinstance(facts, Mapping):
                raise b.error(f"period `{period}` holds {_what(facts)}, not an object of "
                              "facts", row + 1, p_period, "E502", _SHAPES)
            _no_dup(b, facts, row + 1, p_period)
            for fact, leaf in facts.items():
                row += 1
                p_fact = pointer(str(unit), str(period), str(fact))
                value: Field = (leaf, row, p_fact)
                uom: Field | None = None
                if isinstance(leaf, Mapping):
                    _no_dup(b, leaf, row, p_fact)
                    for key in leaf:
                        if key not in _LEAF_KEYS:
                            raise b.error(f"unexpected key `{key}`", row, p_fact, "E502",
                                          'a value object is {"value": …, "uom": …}')
                    if "value" not in leaf:
                        raise b.error("this object has no `value`", row, p_fact, "E502",
                                      'a value object is {"value": …, "uom": …}')
                    value = (leaf["value"], row, p_fact + "/value")
                    if "uom" in leaf:
                        uom = (leaf["uom"], row, p_fact + "/uom")
                elif isinstance(leaf, (list, tuple)):
                    raise b.error("a list where a value belongs", row, p_fact, "E504",
                                  "write one number per fact and period")
                add_entry(b, (unit, row, p_unit), (period, row, p_period),
                          (fact, row, p_fact), value, uom)


# --- YAML, read as nodes to keep line numbers ---------------------------------------

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()


def read_yaml(path: Path, name: str, decimal_comma: bool = False) -> FactSet:
    text = decode(read_bytes(path, name), name)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context)
        if "nesting depth" in problem:  # libyaml's own bound, past ours
            raise FactsError(f"the YAML is nested more than {MAX_NESTING} levels deep",
                             path=name, row=mark.line + 1 if mark else None,
                             column=mark.column + 1 if mark else None, code="E517",
                             hint="a fact file is a list of rows or unit → period → fact → "
                             "value") from None
        raise FactsError(f"not valid YAML: {problem}", path=name,
                         row=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None, code="E501") from None
    except yaml.YAMLError as exc:
        raise FactsError(f"not valid YAML: {exc}", path=name, code="E501") from None
    except RecursionError:
        raise FactsError(f"the YAML is nested more than {MAX_NESTING} levels deep",
                         path=name, code="E517") from None
    b = Builder(name, decimal_comma)
    if root is None:
        raise b.error("the file is empty", None, None, "E501")
    _check_nodes(b, root)
    if isinstance(root, yaml.SequenceNode):
        for entry in root.value:
            _yaml_row(b, entry)
    elif isinstance(root, yaml.MappingNode):
        _yaml_nested(b, root)
    else:
        raise b.error("expected a list of rows or a mapping of units", _line(root), None,
                      "E502", _SHAPES)
    return b.factset()


def _check_nodes(b: Builder, root: yaml.Node) -> None:
    """Refuse anchors and aliases (a node met twice) and nesting past MAX_NESTING,
    walking the composed nodes once, before any alias is expanded (E517)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise b.error("YAML anchors and aliases (`&name`, `*name`) are not allowed in a "
                          "fact file; this node is used more than once", _line(node), None,
                          "E517", "write each value out where it belongs")
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            continue
        if depth > MAX_NESTING:
            raise b.error(f"the YAML is nested more than {MAX_NESTING} levels deep",
                          _line(node), None, "E517",
                          "a fact file is a list of rows or unit → period → fact → value")
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        else:
            stack.extend((c, depth + 1) for c in node.value)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _key_text(b: Builder, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise b.error("a key must be a single word or number", _line(node), None, "E502")
    return str(node.value)


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _construct(node: yaml.ScalarNode) -> Any:
    """A scalar as YAML types it (no state kept between calls)."""
    tag = node.tag
    if tag == _INT:
        return _constructor.construct_yaml_int(node)
    if tag == _FLOAT:
        return _constructor.construct_yaml_float(node)
    if tag == _BOOL:
        return _constructor.construct_yaml_bool(node)
    if tag == _NULL:
        return None
    if tag == _TIMESTAMP:
        return _constructor.construct_yaml_timestamp(node)
    return node.value


def _name_raw(node: yaml.ScalarNode) -> Any:
    """A scalar for a name or a period: its text as written (``2022`` stays "2022")."""
    if node.tag in (_STR, _INT, _FLOAT, _BOOL):
        return node.value
    return _construct(node)  # null: empty; a date: rejected downstream


def _value_raw(node: yaml.ScalarNode) -> Any:
    """A scalar for a value, exact and within the limits: a number is read from its
    text when it is plain (or too long to be anything but refused)."""
    if node.tag == _STR or (node.tag in (_FLOAT, _INT) and (
            NUMBER.match(node.value) or len(node.value) > MAX_NUMBER_CHARS)):
        return node.value
    return _construct(node)


def _scalar(b: Builder, node: yaml.Node, column: str, conv: Any) -> Field:
    if not isinstance(node, yaml.ScalarNode):
        raise b.error("expected a single value here, not a list or a mapping", _line(node),
                      column, "E502", _SHAPES)
    return (conv(node), _line(node), column)


def _yaml_pairs(b: Builder, node: yaml.MappingNode, column: str | None
                ) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    seen: set[str] = set()
    for k, v in node.value:
        key = _key_text(b, k)
        if key in seen:
            raise b.error(f"key `{key}` is given twice", _line(k), column or key, "E502",
                          "give each key once")
        seen.add(key)
        yield key, k, v


def _yaml_row(b: Builder, entry: yaml.Node) -> None:
    if not isinstance(entry, yaml.MappingNode):
        raise b.error("expected a row with unit, period, fact and value", _line(entry), None,
                      "E502", _SHAPES)
    nodes = {key: v for key, _, v in _yaml_pairs(b, entry, None)}
    _check_keys(b, nodes.keys(), _line(entry), None)
    f = {k: _scalar(b, nodes[k], k, _value_raw if k == "value" else _name_raw)
         for k in ROW_KEYS if k in nodes}
    add_entry(b, f["unit"], f["period"], f["fact"], f["value"], f.get("uom"))


def _yaml_nested(b: Builder, root: yaml.MappingNode) -> None:
    for unit, k_unit, periods in _yaml_pairs(b, root, None):
        p_unit = pointer(unit)
        if not isinstance(periods, yaml.MappingNode):
            raise b.error(f"unit `{unit}` should hold a mapping of periods", _line(periods),
                          p_unit, "E502", _SHAPES)
        for period, k_period, facts in _yaml_pairs(b, periods, p_unit):
            p_period = pointer(unit, period)
            if not isinstance(facts, yaml.MappingNode):
                raise b.error(f"period `{period}` should hold a mapping of facts",
                              _line(facts), p_period, "E502", _SHAPES)
            for fact, k_fact, leaf in _yaml_pairs(b, facts, p_period):
                p_fact = pointer(unit, period, fact)
                uom: Field | None = None
                if isinstance(leaf, yaml.MappingNode):
                    parts = {key: v for key, _, v in _yaml_pairs(b, leaf, p_fact)}
                    extra = set(parts) - _LEAF_KEYS
                    if extra or "value" not in parts:
                        raise b.error(f"unexpected key `{min(extra)}`" if extra
                                      else "this mapping has no `value`", _line(leaf),
                                      p_fact, "E502", "a value mapping is {value: …, uom: …}")
                    value = _scalar(b, parts["value"], p_fact + "/value", _value_raw)
                    if "uom" in parts:
                        uom = _scalar(b, parts["uom"], p_fact + "/uom", _name_raw)
                else:
                    value = _scalar(b, leaf, p_fact, _value_raw)
                add_entry(b, (_name_raw(k_unit), _line(k_unit), p_unit),
                          (_name_raw(k_period), _line(k_period), p_period),
                          (_name_raw(k_fact), _line(k_fact), p_fact), value, uom)

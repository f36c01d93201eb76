"""Engines run a scan: the :class:`Engine` protocol and the embedded DuckDB engine.

An engine knows three things: its SQL ``dialect`` (the name sqlglot prints the scan
in), the ``columns`` of a bound source (name → the engine's type name, read from the
schema without scanning the data), and how to ``run`` a scan tree against a binding
(replace the placeholder table by the binding's ``FROM``, print the tree in its
dialect, send it, return plain tuples). The other engines — PostgreSQL through psycopg
(``postgres.py``), Spark SQL through a ``SparkSession`` (``spark.py``) — are classes with
these three members, listed in :data:`ENGINES`; the compiler does not change.

Every engine keeps a ``log`` of what it sent, ``("probe", sql)`` for schema probes and
``("scan", sql)`` for scans, so that tests can count them (one scan per source).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlglot import exp

from ..errors import FactsError
from .bind import Binding
from .sql import to_sql

__all__ = ["ENGINES", "Display", "DuckDBEngine", "Engine", "make_engine", "ticking"]


@runtime_checkable
class Engine(Protocol):
    """What the records path needs from an SQL engine."""

    dialect: str
    log: list[tuple[str, str]]

    def columns(self, binding: Binding) -> dict[str, str]:
        """Column name → type name of the bound data, in order; FactsError when the data
        cannot be read."""
        ...

    def run(self, tree: exp.Select, binding: Binding) -> list[tuple[Any, ...]]:
        """Run the scan ``tree`` (its table is the placeholder ``"<source>"``) on the
        bound data; FactsError when the engine refuses it."""
        ...


# ---------------------------------------------------------------- progress
# Engines draw nothing. ``progress`` is a display (the command line's is
# kpirules.cli.progress.bar) or None: called as ``display(label, poll)`` around one long
# call, it returns a context manager; ``poll()`` gives the fraction done (0..1) or None.
Poll = Callable[[], float | None]
Display = Callable[[str, Poll | None], AbstractContextManager[object]]


def ticking(display: Display | bool | None, label: str,
            poll: Poll | None = None) -> AbstractContextManager[object]:
    """``display(label, poll)``, or nothing when no display is given."""
    return display(label, poll) if callable(display) else nullcontext()


# ---------------------------------------------------------------- DuckDB
class DuckDBEngine:
    """The embedded default. Files are read with ``read_parquet`` / ``read_csv`` /
    ``read_json`` (types detected by DuckDB), a ``file.duckdb:table`` on a read-only
    connection to that file, a relation on its own connection, an in-memory table
    registered as a view. ``threads`` and ``memory_limit`` go to DuckDB's settings."""

    dialect = "duckdb"

    def __init__(self, *, progress: Display | None = None, threads: int | None = None,
                 memory_limit: str | None = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.progress = progress
        self.log: list[tuple[str, str]] = []
        self._config: dict[str, Any] = {}
        if threads:
            self._config["threads"] = threads
        if memory_limit:
            self._config["memory_limit"] = memory_limit
        self._con: Any = None
        self._dbs: dict[str, Any] = {}
        self._views: dict[int, str] = {}
        self._literal: set[str] = set()  # file names checked to read as themselves

    # ---- connections
    @property
    def con(self) -> Any:
        if self._con is None:
            self._con = self._track(self._duckdb.connect(config=dict(self._config)))
        return self._con

    def _track(self, con: Any) -> Any:
        """Let ``query_progress()`` report (DuckDB tracks progress only when asked to)."""
        if callable(self.progress):
            con.execute("SET enable_progress_bar = true")
            con.execute("SET enable_progress_bar_print = false")
        return con

    def _connection(self, b: Binding) -> Any:
        if b.kind == "duckdb":
            con = self._dbs.get(b.database)
            if con is None:
                try:
                    con = self._track(self._duckdb.connect(b.database, read_only=True,
                                                           config=dict(self._config)))
                except self._duckdb.Error as exc:
                    raise _error(b, exc, "is it a DuckDB database file?") from None
                self._dbs[b.database] = con
            return con
        return self.con

    def close(self) -> None:
        for con in [self._con, *self._dbs.values()]:
            if con is not None:
                con.close()
        self._con, self._dbs = None, {}

    # ---- FROM
    def table(self, b: Binding) -> exp.Expr:
        """What the placeholder table becomes for binding ``b``."""
        if b.kind == "files":
            self._literal_names(b)
            files = exp.Array(expressions=[exp.Literal.string(literal_path(p))
                                           for p in b.paths])
            reader = {"parquet": "read_parquet", "csv": "read_csv", "json": "read_json"}[b.format]
            args: list[exp.Expr] = [files]
            if b.column_types and b.format == "csv":
                types = [exp.PropertyEQ(this=exp.Literal.string(c),
                                        expression=exp.Literal.string(_DUCK_TYPES[k]))
                         for c, k in b.column_types]
                args.append(exp.EQ(this=exp.var("types"),
                                   expression=exp.Struct(expressions=types)))
            if len(b.paths) > 1:
                args.append(exp.EQ(this=exp.var("union_by_name"), expression=exp.true()))
            return exp.Table(this=exp.Anonymous(this=reader, expressions=args))
        if b.kind == "duckdb":
            parts = b.table.split(".")
            return exp.Table(this=exp.to_identifier(parts[-1], quoted=True),
                             db=exp.to_identifier(parts[0], quoted=True) if len(parts) > 1
                             else None)
        if b.kind in ("relation", "frame"):
            return exp.Table(this=exp.to_identifier(self._view(b), quoted=True))
        if b.kind == "url" and b.url.lower().startswith(("postgresql://", "postgres://")):
            hint = "a PostgreSQL table is read on its server: engine=\"postgres\" (the " \
                "CLI's --engine postgres)"
        else:
            hint = "bind the source to a CSV, Parquet or JSON-lines file, a glob of them, " \
                "or file.duckdb:table"
        raise FactsError(f"the DuckDB engine cannot read `{b.shown}` (source `{b.name}`)",
                         path=b.shown, code="E521", hint=hint)

    def _literal_names(self, b: Binding) -> None:
        """Check, once per file whose name holds ``*``, ``?`` or ``[``, that DuckDB's glob
        of the escaped name is that file and no other (E521 otherwise, never another
        file's records)."""
        for path in b.paths:
            if not _GLOB_CHARS & set(path) or path in self._literal:
                continue
            try:
                found = [r[0] for r in self.con.execute(
                    "SELECT file FROM glob(?)", [literal_path(path)]).fetchall()]
            except self._duckdb.Error:
                found = []
            if [str(Path(f)) for f in found] != [str(Path(path))]:
                raise FactsError(f"DuckDB cannot read this file by its name alone (source "
                                 f"`{b.name}`): `*`, `?` and `[` in it make a pattern",
                                 path=path, code="E521",
                                 hint="rename the file without `*`, `?` or `[`")
            self._literal.add(path)

    def _view(self, b: Binding) -> str:
        name = self._views.get(id(b.obj))
        if name is None:
            name = f"kpirules_{b.name}_{len(self._views)}"
            if b.kind == "frame":
                try:
                    self.con.register(name, b.obj)
                except Exception as exc:  # noqa: BLE001 - duckdb refuses unknown objects
                    raise FactsError(f"DuckDB cannot scan a {type(b.obj).__name__} (source "
                                     f"`{b.name}`): {exc}", path=b.shown, code="E521",
                                     hint="pass a path, a DuckDB relation, a pyarrow Table or "
                                     "a pandas DataFrame") from None
            self._views[id(b.obj)] = name
        return name

    def _send(self, kind: str, tree: exp.Expr, b: Binding) -> tuple[Any, str]:
        """Print ``tree`` (placeholder replaced) and return (connection or relation, sql)."""
        sql = to_sql(_with_from(tree, self.table(b)), self.dialect)
        self.log.append((kind, sql))
        if b.kind == "relation":
            return b.obj, sql
        return self._connection(b), sql

    def _query(self, target: Any, b: Binding, sql: str) -> Any:
        if b.kind == "relation":
            return target.query(self._views[id(b.obj)], sql)
        return target.sql(sql)

    # ---- the protocol
    def columns(self, b: Binding) -> dict[str, str]:
        probe = exp.select(exp.Star()).from_(exp.Table(this=exp.to_identifier("src")))
        target, sql = self._send("probe", probe, b)
        try:
            rel = self._query(target, b, sql)
            return {name: str(t) for name, t in zip(rel.columns, rel.types)}
        except self._duckdb.Error as exc:
            raise _error(b, exc, _probe_hint(b, exc)) from None

    def run(self, tree: exp.Select, b: Binding) -> list[tuple[Any, ...]]:
        target, sql = self._send("scan", tree, b)
        con = target if b.kind != "relation" else None
        poll = (lambda: _progress_of(con)) if con is not None else None
        with ticking(self.progress, f"reading {b.shown}", poll):
            try:
                if b.kind == "relation":
                    return list(self._query(target, b, sql).fetchall())
                return list(target.execute(sql).fetchall())
            except self._duckdb.Error as exc:
                raise _conversion_error(b, exc) or _error(
                    b, exc, "a column's type is guessed from the first rows of a CSV; a "
                    "later row that does not fit stops the scan — fix that row, or export "
                    "the records as Parquet") from None


_DUCK_TYPES = {"text": "VARCHAR", "number": "DOUBLE", "bool": "BOOLEAN"}
_GLOB_CHARS = set("*?[")
_GLOB_CHAR = re.compile(r"[*?\[]")


def literal_path(path: str) -> str:
    """A file's path as DuckDB's readers take it for that file alone. DuckDB expands
    ``*``, ``?`` and ``[…]`` in every path it is given — also one naming a file that
    exists (``d[1].csv`` reads ``d1.csv``; ``a*b.csv`` also ``axb.csv``) — and has no
    escape character: each is written as a one-character class (``[[]``, ``[*]``,
    ``[?]``), which matches exactly that character."""
    return _GLOB_CHAR.sub(lambda m: f"[{m.group()}]", path)


def _with_from(tree: exp.Expr, table: exp.Expr) -> exp.Expr:
    out = tree.copy()
    src = out.args.get("from") or out.args.get("from_")
    assert src is not None
    src.set("this", table)
    return out


def _progress_of(con: Any) -> float | None:
    try:
        p = float(con.query_progress())
    except Exception:  # noqa: BLE001 - no query running, or an old duckdb
        return None
    return p / 100 if p >= 0 else None


def _error(b: Binding, exc: Exception, hint: str) -> FactsError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return FactsError(f"source `{b.name}` cannot be read: {text}", path=b.shown, code="E521",
                      hint=hint)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERTING = re.compile(r'Error when converting column "(?P<col>(?:[^"]|"")*)"\. Could not '
                         r'convert string "(?P<value>.*?)" to \'(?P<type>[A-Z0-9_]+)')
_FILE = re.compile(r"^\s*file = (.+)$", re.MULTILINE)
_TYPE_WORDS = {"DATE": "a date", "TIMESTAMP": "a date and time", "BOOLEAN": "true or false",
               "VARCHAR": "text"}


def _conversion_error(b: Binding, exc: Exception) -> FactsError | None:
    """DuckDB's "CSV Error on Line: N … Error when converting column "x"" as E527 at the
    file, row and column (its first line alone names neither), or None."""
    text = str(exc)
    m = _CONVERTING.search(text)
    if m is None:
        return None
    line = _CSV_LINE.search(text)
    named = _FILE.search(text)
    path = b.shown
    if len(b.paths) > 1 and named:  # which file of a glob: DuckDB names it as it was given
        path = {literal_path(p): p for p in b.paths}.get(named.group(1).strip(), path)
    column, value, kind = m.group("col").replace('""', '"'), m.group("value"), m.group("type")
    want = _TYPE_WORDS.get(kind, "a number")
    manual = "manually set" in text or any(c == column for c, _ in b.column_types)
    why = ("the ruleset uses it as such" if manual else
           "DuckDB guessed the column's type from the rows before it")
    return FactsError(f"`{column}` holds `{value}`, which is not {want} ({why}; source "
                      f"`{b.name}`)", path=path,
                      row=int(line.group(1)) if line else None, column=column, code="E527",
                      hint="correct that cell (or empty it), or export the records as "
                      "Parquet, where every column has one type")


def _probe_hint(b: Binding, exc: Exception) -> str:
    if b.kind == "duckdb" and "Catalog" in type(exc).__name__:
        return "name a table of that database: file.duckdb:table"
    if b.kind == "files":
        names = ", ".join(Path(p).name for p in b.paths[:3])
        return f"check that {names} {'is' if len(b.paths) == 1 else 'are'} valid " \
            f"{b.format.upper()} (open it, or export it again)"
    return "check the data bound to the source"


def _postgres(**options: Any) -> Engine:
    from .postgres import PostgresEngine

    return PostgresEngine(**options)


def _spark(**options: Any) -> Engine:
    from .spark import SparkEngine

    return SparkEngine(**options)


# name → factory(progress=…, **options); PostgreSQL and Spark are imported when asked for
ENGINES: dict[str, Callable[..., Engine]] = {"duckdb": DuckDBEngine, "postgres": _postgres,
                                             "spark": _spark}


def make_engine(engine: str | Engine, *, progress: Display | None = None, **options: Any) -> Engine:
    """An engine by name (``duckdb``, ``postgres``, ``spark``), made with ``options``
    (``make_engine("spark", master="spark://head:7077")``), or the engine instance given."""
    if not isinstance(engine, str):
        return engine
    factory = ENGINES.get(engine)
    if factory is None:
        raise FactsError(f"unknown records engine `{engine}`", code="E521",
                         hint="engines: " + ", ".join(sorted(ENGINES)))
    return factory(progress=progress, **options)


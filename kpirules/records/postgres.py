"""PostgreSQL as a records source: the scan printed in the postgres dialect and run on the
server, so that only the per-unit, per-month aggregates cross the wire.

A source is bound to a table by a URL, libpq's own with one more parameter::

    postgresql://user:password@host:5432/onestop?table=dossiers
    postgresql://user@host/onestop?table=hs2022.dossiers&sslmode=require
    postgresql:///onestop?host=/var/run/postgresql&table=dossiers     (a unix socket)

``table`` (``schema.table``, or ``schema=`` apart) names the table or view, as stored in
the catalogue (lower case unless it was created with quotes); every other parameter
goes to libpq unchanged. With ``PostgresEngine(url_or_connection)``, ``table://name``
reads a table of that database.

The engine reads the schema with ``SELECT * FROM t LIMIT 0`` (no row is read; type
names come from the result's type OIDs), then sends the one scan. Connections are
opened read-only (``default_transaction_read_only``), one per server and database,
and closed by :meth:`close`. Results come back as plain tuples: ``numeric`` as
``Decimal``, months as dates — the records path turns them into exact values.

Two things are adapted to PostgreSQL before printing, on the same tree:

* ``DATE_TRUNC('MONTH', d)`` is cast back to a date (PostgreSQL truncates a date as a
  ``timestamptz``, in the session's time zone);
* ``<``, ``<=``, ``>``, ``>=`` between text use ``COLLATE "C"`` — byte order, as DuckDB
  and Spark compare text — whatever the database's locale; a truth value summed or
  averaged is cast through ``INT`` (PostgreSQL has no ``boolean → bigint`` cast).
"""

from __future__ import annotations

import difflib
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from sqlglot import exp

from ..errors import FactsError
from .bind import Binding, mask_password
from .columns import family
from .engines import Display, _with_from, ticking
from .sql import to_sql

__all__ = ["PostgresEngine", "mask_password", "split_url"]

SCHEMES = ("postgresql", "postgres")
_INT = exp.DataType.build("INT")
_DATE = exp.DataType.build("DATE")
# type names psycopg gives that the type-family table spells otherwise
_NAMES = {"bpchar": "char", "name": "text", "citext": "text"}


def split_url(url: str) -> tuple[str, str | None, str | None]:
    """``postgresql://…?table=s.t`` → (libpq conninfo without ``table``/``schema``,
    schema or None, table or None)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    table = next((v for k, v in query if k == "table"), None) or None
    schema = next((v for k, v in query if k == "schema"), None) or None
    rest = [(k, v) for k, v in query if k not in ("table", "schema")]
    if table is not None and schema is None and "." in table:
        schema, table = table.split(".", 1)
    conninfo = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if rest:
        conninfo += "?" + urlencode(rest, quote_via=quote, safe="/")
    return conninfo, schema, table


class PostgresEngine:
    """Run scans on a PostgreSQL server through psycopg 3.

    ``PostgresEngine()`` reads ``postgresql://…?table=…`` bindings, connecting to each
    server named; ``PostgresEngine(url)`` or ``PostgresEngine(connection)`` also reads
    ``table://[schema.]name`` from that database (a psycopg connection given is used as
    it is and not closed)."""

    dialect = "postgres"

    def __init__(self, database: Any = None, *, progress: Display | None = None,
                 connect_timeout: int = 10) -> None:
        try:
            import psycopg
        except ImportError:
            raise FactsError("PostgreSQL sources need psycopg 3, which is not installed",
                             code="E521", hint="pip install 'kpirules[postgres]'") from None
        self._pg = psycopg
        self.progress = progress
        self.connect_timeout = connect_timeout
        self.log: list[tuple[str, str]] = []
        self._cons: dict[str, Any] = {}
        self._given: Any = None
        self._default = ""
        if isinstance(database, str):
            self._default = split_url(database)[0]
        elif database is not None:
            self._given = database
        self._schemas: dict[tuple[str, str | None, str], dict[str, str]] = {}

    # ---- where a binding is
    def _where(self, b: Binding) -> tuple[str, str | None, str]:
        """(conninfo, schema, table) of a binding; FactsError when it names none."""
        if b.kind != "url":
            raise FactsError(f"the PostgreSQL engine reads tables of a database, not "
                             f"`{b.shown}` (source `{b.name}`)", path=b.shown, code="E521",
                             hint="bind the source to postgresql://user@host/db?table=name, "
                             "or read files with the DuckDB engine (--engine duckdb)")
        scheme = b.url.split("://", 1)[0].lower()
        if scheme == "table":
            if self._given is None and not self._default:
                raise FactsError(f"`{b.shown}` names a table, but the engine has no database "
                                 f"(source `{b.name}`)", path=b.shown, code="E521",
                                 hint="give the whole URL, postgresql://user@host/db?table=name, "
                                 "or make the engine with one: PostgresEngine(url)")
            name = b.url.split("://", 1)[1].strip("/")
            owner, _, name = name.rpartition(".")
            return self._default, owner or None, name
        if scheme not in SCHEMES:
            raise FactsError(f"the PostgreSQL engine cannot read `{b.shown}` (source "
                             f"`{b.name}`)", path=b.shown, code="E521",
                             hint="write postgresql://user@host:port/db?table=name")
        conninfo, schema, found = split_url(b.url)
        if not found:
            raise FactsError(f"the URL of source `{b.name}` names no table", path=b.shown,
                             code="E521", hint="add the table: …/db?table=dossiers (or "
                             "?table=schema.dossiers)")
        return conninfo, schema, found

    def _connection(self, conninfo: str, b: Binding) -> Any:
        if self._given is not None and conninfo == self._default:
            return self._given
        con = self._cons.get(conninfo)
        if con is None:
            try:
                con = self._pg.connect(conninfo, autocommit=True,
                                       connect_timeout=self.connect_timeout)
                con.execute("SET default_transaction_read_only = on")
            except self._pg.Error as exc:
                raise FactsError(f"cannot connect to PostgreSQL for source `{b.name}`: "
                                 f"{_first_line(exc)}", path=b.shown, code="E521",
                                 hint="check host, port, database, user and password; for a "
                                 "local server to try: bash tools/start-postgres.sh") from None
            self._cons[conninfo] = con
        return con

    def close(self) -> None:
        for con in self._cons.values():
            con.close()
        self._cons = {}

    @staticmethod
    def table(schema: str | None, table: str) -> exp.Table:
        return exp.Table(this=exp.to_identifier(table, quoted=True),
                         db=exp.to_identifier(schema, quoted=True) if schema else None)

    # ---- the protocol
    def columns(self, b: Binding) -> dict[str, str]:
        conninfo, schema, table = self._where(b)
        con = self._connection(conninfo, b)
        probe = exp.select(exp.Star()).from_("src").limit(0)
        sql = to_sql(_with_from(probe, self.table(schema, table)), self.dialect)
        self.log.append(("probe", sql))
        try:
            cur = con.execute(sql)
        except self._pg.Error as exc:
            raise self._read_error(b, con, exc, schema, table) from None
        desc = cur.description or []
        names = self._type_names(con, [d.type_code for d in desc])
        out = {d.name: names[d.type_code] for d in desc}
        self._schemas[(conninfo, schema, table)] = out
        return out

    def run(self, tree: exp.Select, b: Binding) -> list[tuple[Any, ...]]:
        conninfo, schema, table = self._where(b)
        con = self._connection(conninfo, b)
        known = self._schemas.get((conninfo, schema, table))
        if known is None:
            known = self.columns(b)
        adapted = _adapt(tree, {k: family(v, self.dialect) for k, v in known.items()})
        sql = to_sql(_with_from(adapted, self.table(schema, table)), self.dialect)
        self.log.append(("scan", sql))
        with ticking(self.progress, f"reading {b.shown}"):
            try:
                return list(con.execute(sql).fetchall())
            except self._pg.Error as exc:
                raise FactsError(f"source `{b.name}` cannot be read: {_first_line(exc)}",
                                 path=b.shown, code="E521",
                                 hint="the server refused the scan; check the table's column "
                                 "types (kpirules explain … shows the query)") from None

    # ---- helpers
    def _type_names(self, con: Any, oids: list[int]) -> dict[int, str]:
        """Type OID → a name the type families know: psycopg's for built-in types, the
        catalogue's for the rest (an enum is text, a domain its base type)."""
        out: dict[int, str] = {}
        unknown = []
        for oid in oids:
            info = self._pg.postgres.types.get(oid)
            if info is not None:
                out[oid] = _NAMES.get(info.name, info.name)
            else:
                unknown.append(oid)
        if unknown:
            sql = ("SELECT t.oid, t.typtype, format_type(CASE WHEN t.typtype = 'd' THEN "
                   "t.typbasetype ELSE t.oid END, NULL) FROM pg_catalog.pg_type t "
                   "WHERE t.oid = ANY(%s)")
            self.log.append(("probe", sql))
            for oid, typtype, name in con.execute(sql, [unknown]).fetchall():
                out[oid] = "text" if typtype == "e" else str(name)
        for oid in unknown:
            out.setdefault(oid, "unknown")
        return out

    def _read_error(self, b: Binding, con: Any, exc: Exception, schema: str | None,
                    table: str) -> FactsError:
        hint = "check the data bound to the source"
        if isinstance(exc, self._pg.errors.UndefinedTable):
            hint = _table_hint(con, schema, table)
        elif isinstance(exc, self._pg.errors.InsufficientPrivilege):
            hint = f"GRANT SELECT ON {to_sql(self.table(schema, table), self.dialect)} TO the " \
                "user of the URL"
        return FactsError(f"source `{b.name}` cannot be read: {_first_line(exc)}",
                          path=b.shown, code="E521", hint=hint)


def _table_hint(con: Any, schema: str | None, table: str) -> str:
    """Name the closest tables of the database (names are matched exactly as stored)."""
    try:
        rows = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                           "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                           "ORDER BY 1, 2").fetchall()
    except Exception:  # noqa: BLE001 - only a hint
        rows = []
    names = [f"{s}.{t}" if s != "public" else t for s, t in rows]
    want = f"{schema}.{table}" if schema else table
    close = difflib.get_close_matches(want, names, 1, 0.6) or \
        [n for n in names if n.lower() == want.lower()]
    if close:
        return f"did you mean ?table={close[0]}? (names are matched exactly as stored)"
    if names:
        shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
        return f"tables of that database: {shown}"
    return "that database has no tables the user can see"


def _adapt(tree: exp.Expr, families: dict[str, str]) -> exp.Expr:
    """The scan as PostgreSQL needs it (see the module's docstring)."""

    def is_text(e: exp.Expr) -> bool:
        return isinstance(e, exp.Column) and families.get(e.name) == "text"

    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.DateTrunc) and not isinstance(node.parent, exp.Cast):
            return exp.cast(node.copy(), _DATE.copy())
        if isinstance(node, (exp.LT, exp.LTE, exp.GT, exp.GTE)):
            for side in ("this", "expression"):
                e = node.args.get(side)
                if e is not None and is_text(e):
                    node.set(side, exp.Collate(this=e.copy(),
                                               expression=exp.to_identifier("C", quoted=True)))
            return node
        if (isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.BIGINT
                and isinstance(node.this, exp.Column)
                and families.get(node.this.name) == "bool"):
            return exp.cast(exp.cast(node.this.copy(), _INT.copy()), node.to.copy())
        return node

    return tree.copy().transform(fix, copy=False)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""Binding a source name to data: a file, a glob of files, a DuckDB table, a relation.

A :class:`Binding` says *where* a source's records are, never how to read them: the
engine (``engines.py``) turns it into the ``FROM`` of its query. Everything that can
be checked without an engine is checked here — a missing file, an empty glob, a
directory, an empty file, an unknown extension, a file whose first bytes say it is
not what its extension says — and raises :class:`FactsError` (E521) with the path
and a hint, never a traceback.

Accepted values (``source NAME from "…"`` or ``sources={"NAME": …}``):

* ``data/dossiers.parquet``, ``.csv`` (also ``.tsv``, ``.txt``, ``.csv.gz``),
  ``.jsonl`` / ``.ndjson`` / ``.json`` (JSON lines, or one JSON array);
* a glob of such files, ``data/2022-*.parquet`` (every match must have one format);
* ``path/to/file.duckdb:table`` (also ``.ddb``/``.db``; ``schema.table`` allowed): a
  table of a DuckDB database, opened read-only;
* a DuckDB relation (``duckdb.sql(…)``, ``con.table(…)``) — run on its own connection;
* an in-memory table DuckDB can scan (a pyarrow Table, a pandas or polars DataFrame);
* ``scheme://…`` URLs are kept as ``kind="url"`` for the engines that read them:
  ``postgresql://user@host/db?table=name`` (the PostgreSQL engine), ``hdfs://``, ``s3a://``,
  ``file://`` … and ``table://db.name`` (Spark); the DuckDB engine refuses them with a clear
  message. A password in a URL is shown as ``***`` in messages.
"""

from __future__ import annotations

import glob as _glob
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FactsError

__all__ = ["FORMATS", "Binding", "bind", "local_files", "mask_password"]

# extension → format; a trailing .gz (or .zst) is allowed on text formats
FORMATS: dict[str, str] = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "json", ".ndjson": "json", ".json": "json",
}
_COMPRESSED = (".gz", ".zst")
_DB_TABLE = re.compile(r"^(?P<db>.+\.(?:duckdb|ddb|db)):(?P<table>[A-Za-z_][A-Za-z0-9_]*"
                       r"(?:\.[A-Za-z_][A-Za-z0-9_]*)?)$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Binding:
    """Where one source's records are.

    ``kind`` is ``"files"`` (``format`` and ``paths``), ``"duckdb"`` (``database`` and
    ``table``), ``"relation"`` (a DuckDB relation in ``obj``), ``"frame"`` (an
    in-memory table in ``obj``) or ``"url"`` (``url``, for engines that read one).
    ``shown`` is what messages print for it. ``column_types`` override the types an engine
    guesses (set by the records path for CSV, from how the ruleset uses each column).
    """

    name: str
    kind: str
    shown: str
    format: str = ""
    paths: tuple[str, ...] = ()
    database: str = ""
    table: str = ""
    url: str = ""
    obj: Any = field(default=None, compare=False, repr=False)
    # (column, kind) read as that kind — text, number or bool — whatever the engine would
    # guess (CSV: unit ids with leading zeros and codes such as 1.001590 as text; the
    # columns of a header-only file as what the ruleset uses them for)
    column_types: tuple[tuple[str, str], ...] = ()

    @property
    def guessed_types(self) -> bool:
        """Whether the engine guesses column types from the values (CSV)."""
        return self.kind == "files" and self.format == "csv"


def bind(name: str, value: Any, base_dir: str | Path | None = None) -> Binding:
    """Bind source ``name`` to ``value``; a relative path is taken from ``base_dir``
    (the ruleset's folder for ``from "…"``; the current directory when None)."""
    if isinstance(value, Binding):
        return value
    if isinstance(value, (str, Path)):
        return _bind_text(name, str(value), Path(base_dir) if base_dir is not None else None)
    if type(value).__name__ == "DuckDBPyRelation":
        return Binding(name, "relation", f"<relation bound to {name}>", obj=value)
    return Binding(name, "frame", f"<{type(value).__name__} bound to {name}>", obj=value)


def _bind_text(name: str, text: str, base: Path | None) -> Binding:
    text = text.strip()
    if not text:
        raise FactsError(f"source `{name}` is bound to an empty path", code="E521",
                         hint=f"--source {name}=data/{name}.parquet")
    if _URL.match(text):
        return Binding(name, "url", mask_password(text), url=text)
    m = _DB_TABLE.match(text)
    if m:
        db = _resolve(m.group("db"), base)
        _check_file(db, m.group("db"))
        return Binding(name, "duckdb", text, database=str(db), table=m.group("table"))
    path = _resolve(text, base)
    if _GLOB_CHARS & set(text) and not path.exists():  # a file named data[1].csv is a file
        return _bind_glob(name, text, base)
    _check_file(path, text)
    fmt = _format(path, text)
    _sniff(path, text, fmt)
    return Binding(name, "files", text, format=fmt, paths=(str(path),))


def local_files(value: Any, base_dir: str | Path | None = None) -> list[Path]:
    """The local files a binding reads (a glob's matches, a DuckDB table's database),
    resolved, without checking them: what ``--output`` must never overwrite. URLs,
    relations and in-memory tables read no local file here."""
    if isinstance(value, Binding):
        return [Path(p).resolve() for p in (*value.paths, value.database) if p]
    if not isinstance(value, (str, Path)):
        return []
    text = str(value).strip()
    base = Path(base_dir) if base_dir is not None else None
    if not text or _URL.match(text):
        return []
    m = _DB_TABLE.match(text)
    if m:
        text = m.group("db")
    path = _resolve(text, base)
    found = [path]
    if _GLOB_CHARS & set(text) and not path.exists():
        found = [Path(p) for p in _glob.glob(str(path), recursive=True)]
    out = []
    for p in found:
        try:
            out.append(p.resolve())
        except OSError:  # pragma: no cover - a loop of links
            out.append(p)
    return out


def mask_password(url: str) -> str:
    """A URL as messages show it: its password (``user:pw@`` or ``password=``) as ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    head, q, query = rest.partition("?")
    auth, at, _ = head.partition("/")[0].rpartition("@")
    if at and ":" in auth:
        head = f"{auth.split(':', 1)[0]}:***@{head[len(auth) + 1:]}"
    if q:
        query = "&".join("password=***" if part.split("=", 1)[0] == "password" else part
                         for part in query.split("&"))
    return f"{scheme}{sep}{head}{q}{query}"


def _resolve(text: str, base: Path | None) -> Path:
    p = Path(text).expanduser()
    return p if p.is_absolute() or base is None else base / p


def _bind_glob(name: str, text: str, base: Path | None) -> Binding:
    pattern = str(_resolve(text, base))
    matches = sorted(p for p in _glob.glob(pattern, recursive=True) if Path(p).is_file())
    if not matches:
        raise FactsError(f"no file matches this pattern (source `{name}`)", path=text,
                         code="E521", hint="check the folder and the pattern; it is relative "
                         "to the ruleset's folder in `from`, to the current directory in "
                         "--source")
    formats = {p: _format(Path(p), p) for p in matches}
    kinds = sorted(set(formats.values()))
    if len(kinds) > 1:
        first = {k: next(p for p, f in formats.items() if f == k) for k in kinds}
        raise FactsError("the pattern matches files of different formats: "
                         + ", ".join(f"{k} ({Path(first[k]).name})" for k in kinds),
                         path=text, code="E521",
                         hint="narrow the pattern to one format, e.g. *.parquet")
    for p in matches:
        _check_file(Path(p), p)
        _sniff(Path(p), p, kinds[0])
    return Binding(name, "files", text, format=kinds[0], paths=tuple(matches))


def _check_file(path: Path, shown: str) -> None:
    if path.is_dir():
        raise FactsError("this is a directory, not a records file", path=shown, code="E521",
                         hint="name a file, or a pattern such as dir/*.parquet")
    if not path.exists():
        raise FactsError("no such file", path=shown, code="E521",
                         hint="check the path; in `from` it is relative to the ruleset's "
                         "folder, in --source to the current directory")
    try:
        size = path.stat().st_size
    except OSError as exc:  # pragma: no cover - permissions, races
        raise FactsError(f"cannot read the file: {exc.strerror or exc}", path=shown,
                         code="E521") from None
    if size == 0:
        raise FactsError("the file is empty (not even a header)", path=shown, code="E521",
                         hint="a source with no records still needs its header row")


def _format(path: Path, shown: str) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise FactsError(f"cannot tell the format of `{path.name}` from its extension",
                         path=shown, code="E521",
                         hint="records are .csv, .parquet, .jsonl (JSON lines) or a DuckDB "
                         "table written file.duckdb:table")
    return fmt


def _sniff(path: Path, shown: str, fmt: str) -> None:
    """Refuse a file whose first bytes say it is not what its extension says."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise FactsError(f"cannot read the file: {exc.strerror or exc}", path=shown,
                         code="E521") from None
    actual = _kind_of(head)
    if actual is None or actual == fmt or (actual == "compressed" and
                                           path.suffix.lower() in _COMPRESSED):
        return
    if fmt == "json" and actual == "csv":
        actual = "text that is not JSON"
    what = {"parquet": "a Parquet file", "csv": "CSV text", "json": "JSON",
            "zip": "a zip archive (an Excel workbook?)", "compressed": "a compressed file",
            "duckdb": "a DuckDB database"}.get(actual, actual)
    want = {"parquet": "Parquet", "csv": "CSV", "json": "JSON lines"}[fmt]
    better = {"parquet": ".parquet", "csv": ".csv", "json": ".jsonl",
              "duckdb": ".duckdb and name a table: file.duckdb:table"}.get(actual)
    raise FactsError(f"the file's extension says {want}, but it holds {what}", path=shown,
                     code="E521", hint=(f"rename it to {better}" if better else
                                        "export the records as CSV, Parquet or JSON lines"))


def _kind_of(head: bytes) -> str | None:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith((b"\x1f\x8b", b"\x28\xb5\x2f\xfd")):
        return "compressed"
    if head[8:12] == b"DUCK":
        return "duckdb"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return None
    if text[:1] in (b"{", b"["):
        return "json"
    if b"\x00" in head:
        return "binary data"
    return "csv"

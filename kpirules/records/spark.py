"""Spark SQL for scale-out: the scan printed in the spark dialect and run through PySpark.

    engine = SparkEngine(spark)                      # an existing SparkSession (a notebook,
                                                     # spark-submit, Spark Connect)
    engine = SparkEngine(master="spark://head:7077") # or one made here (getOrCreate)
    report = ruleset.evaluate(sources={"dossiers": "hdfs:///onestop/2022/*.parquet"},
                              engine=engine)

Each binding becomes a temporary view (``kpirules_<source>_<n>``) read with
``spark.read``: Parquet, CSV (header, types inferred, then read again with the types the
ruleset needs where the guess does not fit), JSON lines; a glob or a list of files; a
URL Spark reads (``hdfs://``, ``s3a://``, ``gs://``, ``abfss://``, ``file://`` — a
directory without an extension is read as Parquet, as Spark writes it); ``table://db.name``
for a table of the session's catalogue; a Spark DataFrame, or a pandas DataFrame or
pyarrow Table (copied into Spark). The probe is ``SELECT * FROM view LIMIT 0`` (analysed,
not run); the scan runs as one Spark job and only its per-unit, per-month rows are
collected to the driver. ``DECIMAL`` sums come back as ``Decimal`` (exact); the records
path turns them into Fractions.

Dates: a ``TIMESTAMP`` (with local time zone) is cut to its date in the session's time
zone (``spark.sql.session.timeZone``); a session made here uses UTC unless ``config``
says otherwise. Spark's cast from text to a date is more lenient than DuckDB's
(``2022`` alone is 2022-01-01): records with such period cells count where DuckDB
reports them (E525).
"""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path
from typing import Any

from sqlglot import exp

from ..errors import FactsError
from .bind import FORMATS, Binding
from .engines import Display, _with_from, ticking
from .sql import to_sql

__all__ = ["SparkEngine"]

# Spark type names for the kinds a CSV column is read as (see Binding.column_types)
_SPARK_TYPES = {"text": "STRING", "number": "DOUBLE", "bool": "BOOLEAN"}
# schemes Spark's file readers understand (through Hadoop's file systems)
_FILE_SCHEMES = ("file", "hdfs", "s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs",
                 "adl", "oss", "cos", "viewfs", "dbfs")
_counter = itertools.count()


class SparkEngine:
    """Run scans as Spark SQL. ``spark``: a SparkSession to use (not stopped by
    :meth:`close`); else the active session, used as it is when neither ``master`` nor
    ``config`` is given; else one is got or created with ``master`` (``local[4]``,
    ``spark://host:7077``, ``yarn``, ``k8s://…``; none: spark-submit's or ``local[*]``),
    ``app_name`` and ``config`` (``{"spark.executor.memory": "8g", …}``; the session
    time zone is UTC unless ``config`` says otherwise). Spark's console progress is
    off in a session made here: the records path shows its own bar."""

    dialect = "spark"

    def __init__(self, spark: Any = None, *, master: str | None = None,
                 app_name: str = "kpirules", config: dict[str, str] | None = None,
                 progress: Display | None = None) -> None:
        self._spark = spark
        self.master = master
        self.app_name = app_name
        self.config = dict(config or {})
        self.progress = progress
        self.log: list[tuple[str, str]] = []
        self._views: dict[Any, str] = {}

    # ---- the session
    @property
    def spark(self) -> Any:
        if self._spark is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise FactsError("the Spark engine needs PySpark, which is not installed",
                                 code="E521", hint="pip install 'kpirules[spark]' (and Java "
                                 "17 or later)") from None
            active = SparkSession.getActiveSession()
            if active is not None and not self.master and not self.config:
                self._spark = active  # a notebook's or spark-submit's: used as it is
                return active
            builder = SparkSession.builder.appName(self.app_name)
            if self.master:
                builder = builder.master(self.master)
            config = {"spark.sql.session.timeZone": "UTC",
                      "spark.ui.showConsoleProgress": "false", **self.config}
            for key, value in config.items():
                builder = builder.config(key, value)
            try:
                self._spark = builder.getOrCreate()
                context = _context(self._spark)
                if context is not None and "spark.log.level" not in self.config:
                    context.setLogLevel("ERROR")  # no WARN lines between the report's
            except Exception as exc:  # noqa: BLE001 - py4j, Java missing, a bad master
                raise FactsError(f"cannot start Spark{f' on {self.master}' if self.master else ''}"
                                 f": {_first_line(exc)}", code="E521",
                                 hint="Spark needs Java 17 or later (JAVA_HOME) and a master "
                                 "it can reach: --spark-master local[4] or spark://host:7077"
                                 ) from None
        return self._spark

    def close(self) -> None:
        """Drop the temporary views made here (the session stays, for the next run)."""
        if self._spark is not None:
            with contextlib.suppress(Exception):  # a stopped session has no views left
                for name in self._views.values():
                    self._spark.catalog.dropTempView(name)
        self._views = {}

    # ---- reading a binding
    def _view(self, b: Binding) -> str:
        key = (b, id(b.obj)) if b.obj is not None else b
        name = self._views.get(key)
        if name is None:
            frame = self._frame(b)
            name = f"kpirules_{_safe(b.name)}_{next(_counter)}"
            frame.createOrReplaceTempView(name)
            self._views[key] = name
        return name

    def _frame(self, b: Binding) -> Any:
        spark = self.spark
        try:
            if b.kind == "files":
                return self._read(b.format, list(b.paths), b, literal=True)
            if b.kind == "url":
                scheme, _, rest = b.url.partition("://")
                scheme = scheme.lower()
                if scheme == "table":
                    return spark.table(rest.strip("/"))
                if scheme in _FILE_SCHEMES:
                    return self._read(_url_format(b.url), [b.url], b)
            if b.kind == "frame":
                if type(b.obj).__module__.startswith("pyspark."):
                    return b.obj
                return spark.createDataFrame(b.obj)
        except FactsError:
            raise
        except Exception as exc:  # noqa: BLE001 - AnalysisException, Py4JJavaError, …
            raise FactsError(f"source `{b.name}` cannot be read: {_first_line(exc)}",
                             path=b.shown, code="E521",
                             hint="check the path (Spark reads it on the cluster: a path "
                             "every executor can reach) and that the files are valid "
                             f"{(b.format or 'Parquet').upper()}") from None
        hint = ("read it with the PostgreSQL engine (--engine postgres), or load it into a "
                "DataFrame with spark.read.jdbc and pass that" if b.url.startswith("postgres")
                else "bind the source to Parquet, CSV or JSON-lines files (a path or a URL "
                "Spark reads: hdfs://, s3a://, …), table://db.name, or a DataFrame")
        raise FactsError(f"the Spark engine cannot read `{b.shown}` (source `{b.name}`)",
                         path=b.shown, code="E521", hint=hint)

    def _read(self, fmt: str, paths: list[str], b: Binding, literal: bool = False) -> Any:
        if literal:  # files found by the binding: read each as itself, not as a pattern
            sniffed, paths = paths, [hadoop_literal(p) for p in paths]
        else:
            sniffed = paths
        reader = self.spark.read
        if fmt == "parquet":
            return reader.parquet(*paths)
        if fmt == "json":
            multi = any(_first_byte(p) == b"[" for p in sniffed)
            return reader.option("multiLine", multi).json(paths)
        # CSV: header row, types inferred; a row that does not fit its type stops the scan
        reader = reader.option("header", True).option("mode", "FAILFAST") \
            .option("sep", _delimiter(sniffed[0]))
        frame = reader.option("inferSchema", True).csv(paths)
        if not b.column_types:
            return frame
        want = dict(b.column_types)
        ddl = ", ".join(f"`{f.name.replace('`', '``')}` "
                        f"{_SPARK_TYPES[want[f.name]] if f.name in want else f.dataType.simpleString()}"
                        for f in frame.schema.fields)
        return reader.schema(ddl).csv(paths)

    # ---- the protocol
    def columns(self, b: Binding) -> dict[str, str]:
        view = self._view(b)
        probe = exp.select(exp.Star()).from_("src").limit(0)
        sql = to_sql(_with_from(probe, _table(view)), self.dialect)
        self.log.append(("probe", sql))
        try:
            schema = self.spark.sql(sql).schema
        except Exception as exc:  # noqa: BLE001
            raise FactsError(f"source `{b.name}` cannot be read: {_first_line(exc)}",
                             path=b.shown, code="E521",
                             hint="check the data bound to the source") from None
        return {f.name: f.dataType.simpleString() for f in schema.fields}

    def run(self, tree: exp.Select, b: Binding) -> list[tuple[Any, ...]]:
        view = self._view(b)
        sql = to_sql(_with_from(tree, _table(view)), self.dialect)
        self.log.append(("scan", sql))
        spark = self.spark
        context = _context(spark)
        if context is not None:
            context.setJobDescription(f"kpirules: facts from source {b.name} ({b.shown})")
        poll = (lambda: _stage_progress(context)) if context is not None else None
        with ticking(self.progress, f"reading {b.shown} on Spark", poll):
            try:
                rows = spark.sql(sql).collect()
            except Exception as exc:  # noqa: BLE001
                raise FactsError(f"source `{b.name}` cannot be read: {_first_line(exc)}",
                                 path=b.shown, code="E521",
                                 hint="Spark refused the scan; a CSV row that does not fit "
                                 "its column's type stops it — fix that row, or export the "
                                 "records as Parquet") from None
            finally:
                if context is not None:
                    context.setJobDescription(None)
        return [tuple(r) for r in rows]


# ---------------------------------------------------------------- helpers
def _table(view: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(view, quoted=True))


def _safe(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in name)


def _context(spark: Any) -> Any:
    """The SparkContext (None under Spark Connect, which has none)."""
    try:
        return spark.sparkContext
    except Exception:  # noqa: BLE001 - Spark Connect raises here
        return None


def _stage_progress(context: Any) -> float | None:
    try:
        tracker = context.statusTracker()
        total = done = 0
        for stage in tracker.getActiveStageIds():
            info = tracker.getStageInfo(stage)
            if info is not None:
                total += info.numTasks
                done += info.numCompletedTasks
    except Exception:  # noqa: BLE001 - a stopped context
        return None
    return done / total if total else None


def _url_format(url: str) -> str:
    """The format a URL's extension names; none (a directory Spark wrote): Parquet."""
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] in (".gz", ".zst", ".bz2"):
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1], "parquet") if suffixes else "parquet"


def hadoop_literal(path: str) -> str:
    """A file's path as Spark reads it for that file alone: Spark expands ``*``, ``?``,
    ``[…]`` and ``{…}`` in every path (Hadoop's glob), whose escape is a backslash."""
    return "".join("\\" + ch if ch in "{}[]*?\\" else ch for ch in path)


def _first_byte(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    except OSError:
        return b""


def _delimiter(path: str) -> str:
    """``,`` unless the header line holds more tabs, semicolons or bars (DuckDB sniffs)."""
    if path.lower().endswith((".tsv", ".tsv.gz")):
        return "\t"
    try:
        with open(path, "rb") as fh:
            head = fh.readline(65536)
    except OSError:
        return ","
    if path.lower().endswith(".gz"):
        return ","
    counts = {d: head.count(d.encode()) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__

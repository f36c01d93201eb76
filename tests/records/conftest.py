"""Shared fixtures for the records tests: generated dossiers, rulesets written to disk,
and a plain-Python reference count to check the SQL path against; a PostgreSQL server and
a SparkSession for the engines' agreement tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from kpirules.datagen import write

ROOT = Path(__file__).resolve().parents[2]
HEADER = '''ruleset "records test"
period 2022
source dossiers from "{path}"
  unit   by unit_id
  period by returned_at
'''


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 generated dossiers over 10 communes, as Parquet (dates as dates)."""
    out = tmp_path_factory.mktemp("gen")
    write(out, 2000, 10, seed=11)
    return out


@pytest.fixture(scope="session")
def generated_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen_csv")
    write(out, 2000, 10, seed=11, fmt="csv")
    return out


@pytest.fixture
def ruleset(tmp_path: Path) -> Callable[..., Any]:
    """``ruleset(body, path=…)``: a ruleset in tmp_path reading ``path``, loaded."""
    import kpirules

    def make(body: str, path: str = "dossiers.parquet", header: str = HEADER) -> Any:
        f = tmp_path / "r.kpi"
        f.write_text(header.format(path=path) + body, encoding="utf-8")
        return kpirules.load(f)

    return make


def write_table(path: Path, columns: dict[str, list[Any]], types: dict[str, Any] | None = None
                ) -> Path:
    """A small Parquet file from columns (pyarrow infers types unless given)."""
    types = types or {}
    arrays = [pa.array(v, type=types.get(k)) for k, v in columns.items()]
    pq.write_table(pa.Table.from_arrays(arrays, names=list(columns)), path)
    return path


# ---------------------------------------------------------------- PostgreSQL and Spark
# A real PostgreSQL server (tools/start-postgres.sh, or KPIRULES_PG_URL) and a local
# SparkSession, for the agreement tests of test_postgres.py and test_spark.py. Where no
# server can be started, or Spark cannot, those tests are skipped with the reason.
PG_SCRIPT = ROOT / "tools" / "start-postgres.sh"
SPARK_HELP = "Spark tests are opt-in: python -m pytest -m spark tests/records"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: runs on a local SparkSession (needs pyspark and "
                            "Java 17+; opt-in: -m spark)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``spark`` tests run only when asked for (``-m spark``, or a -m naming spark)."""
    if "spark" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason=SPARK_HELP)
    for item in items:
        if item.get_closest_marker("spark") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL database for the tests: ``KPIRULES_PG_URL`` when set (CI
    starts one), else a throw-away server started by tools/start-postgres.sh (not
    installed here: --no-install) and stopped after the session."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed "
                                  "(pip install 'kpirules[postgres]')")
    given = os.environ.get("KPIRULES_PG_URL")
    if given:
        try:
            psycopg.connect(given, connect_timeout=5).close()
        except psycopg.Error as exc:
            pytest.skip(f"KPIRULES_PG_URL={given} cannot be reached: "
                        f"{str(exc).strip().splitlines()[0]}")
        yield given
        return
    if shutil.which("bash") is None:
        pytest.skip("no PostgreSQL server: bash is needed to run tools/start-postgres.sh")
    folder = tempfile.mkdtemp(prefix="kpirules-pg-")  # under /tmp: the server's user reads it
    os.chmod(folder, 0o755)
    cmd = ["bash", str(PG_SCRIPT), "--dir", folder, "--no-install", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        why = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        pytest.skip(f"no PostgreSQL server could be started by tools/start-postgres.sh: {why}")
    try:
        yield done.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "--dir", folder, "--stop", "--clean",
                        "--quiet"], capture_output=True, timeout=120, check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 generated dossiers over 40 communes, as Parquet (dates as dates) and as CSV
    (the same rows), with their units table."""
    out = tmp_path_factory.mktemp("dataset")
    write(out, 20_000, 40, seed=7)
    write(out, 20_000, 40, seed=7, fmt="csv")
    return out


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local SparkSession, ``local[2]``, quiet and small (two shuffle partitions)."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install "
                        "'kpirules[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17+, and java is not on PATH (nor JAVA_HOME set)")
    from pyspark.sql import SparkSession

    try:
        session = (SparkSession.builder.master("local[2]").appName("kpirules-tests")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "2")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.driver.memory", "1g")
                   .getOrCreate())
    except Exception as exc:  # noqa: BLE001 - Java missing or too old, no loopback
        pytest.skip(f"a local SparkSession could not be started: {exc}")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

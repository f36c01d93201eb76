"""What a derived fact is, case by case: nulls, periods, empty sources, exact numbers,
base units, and the progress display."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from conftest import write_table

from kpirules.cli.progress import Ticker
from kpirules.periods import parse_period
from kpirules.records import derive, sources_of, zero
from kpirules.values import NO_VALUE, Pair

JAN, FEB = parse_period("2022-01"), parse_period("2022-02")
ALL = '''fact n      = count(dossiers)
fact late   = count(dossiers where returned_at > due_at)
fact wait   = sum(dossiers.wait_minutes) : min
fact mean   = avg(dossiers.wait_minutes)
fact lo     = min(dossiers.wait_minutes)
fact hi     = max(dossiers.wait_minutes)
fact direct = share(dossiers where channel = "direct")
objective Q "q": late / n < 2%
'''


def _d(iso: str | None) -> Any:
    return None if iso is None else __import__("datetime").date.fromisoformat(iso)


def _write(tmp_path: Path, rows: list[tuple[Any, ...]]) -> None:
    cols = ("unit_id", "returned_at", "due_at", "wait_minutes", "channel")
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    for c in ("returned_at", "due_at"):
        data[c] = [_d(v) for v in data[c]]
    write_table(tmp_path / "dossiers.parquet", data,
                {"returned_at": pa.date32(), "due_at": pa.date32(), "wait_minutes": pa.int64(),
                 "channel": pa.string(), "unit_id": pa.string()})


def _derive(rs: Any, tmp_path: Path, period: str = "2022", **kw: Any) -> Any:
    facts, warnings = derive(rs.plan, period=period, base_dir=tmp_path, **kw)
    assert warnings == []
    return facts


def test_every_aggregate(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    _write(tmp_path, [
        ("a", "2022-01-03", "2022-01-02", 10, "direct"),
        ("a", "2022-01-20", "2022-01-25", None, "online_full"),
        ("a", "2022-02-01", "2022-02-01", 7, None),
        ("b", "2022-01-31", "2022-01-01", 4, "direct"),
    ])
    facts = _derive(ruleset(ALL), tmp_path)
    assert facts[("a", "n")] == {JAN: 2, FEB: 1}
    assert facts[("a", "late")] == {JAN: 1, FEB: 0}
    assert facts[("a", "wait")] == {JAN: 600, FEB: 420}  # minutes in base units (seconds)
    assert facts[("a", "mean")] == {JAN: Pair(10, 1), FEB: Pair(7, 1)}  # nulls skipped
    assert facts[("a", "lo")] == {JAN: 10, FEB: 7}
    assert facts[("a", "hi")] == {JAN: 10, FEB: 7}
    assert facts[("a", "direct")] == {JAN: Pair(1, 2), FEB: Pair(0, 1)}  # null is not direct
    assert facts[("b", "late")] == {JAN: 1}


def test_no_values_in_a_month(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    _write(tmp_path, [("a", "2022-03-03", "2022-03-02", None, "bcci")])
    facts = _derive(ruleset(ALL), tmp_path)
    m = parse_period("2022-03")
    assert facts[("a", "wait")] == {m: 0}  # a sum over no values is 0
    assert facts[("a", "mean")] == {m: Pair(0, 0)}  # an average over none has no value
    assert facts[("a", "mean")][m].value() is NO_VALUE
    assert ("a", "lo") not in facts and ("a", "hi") not in facts  # absent: no value


def test_null_and_out_of_period_records_belong_to_no_period(ruleset: Callable[..., Any],
                                                            tmp_path: Path) -> None:
    _write(tmp_path, [
        ("a", None, "2022-01-02", 1, "direct"),          # not returned: no period
        ("a", "2021-12-31", "2022-01-02", 1, "direct"),  # the day before
        ("a", "2022-01-01", "2022-01-02", 1, "direct"),  # the first day
        ("a", "2022-12-31", "2022-01-02", 1, "direct"),  # the last day
        ("a", "2023-01-01", "2022-01-02", 1, "direct"),  # the day after
    ])
    facts = _derive(ruleset(ALL), tmp_path)
    assert facts[("a", "n")] == {JAN: 1, parse_period("2022-12"): 1}
    q4 = _derive(ruleset(ALL), tmp_path, period="2022-Q4")
    assert q4[("a", "n")] == {parse_period("2022-12"): 1}
    assert _derive(ruleset(ALL), tmp_path, period="2022-06") == {}


@pytest.mark.parametrize("content", ["unit_id,returned_at,due_at,wait_minutes,channel\n"])
def test_an_empty_csv_source(ruleset: Callable[..., Any], tmp_path: Path, content: str) -> None:
    (tmp_path / "dossiers.csv").write_text(content)
    rs = ruleset(ALL, path="dossiers.csv")
    assert _derive(rs, tmp_path) == {}
    # what the evaluator uses where a unit and month have no records
    infos = {i.name: i for i in sources_of(rs.plan)["dossiers"]}
    assert zero(infos["n"]) == 0 and zero(infos["wait"]) == 0
    assert zero(infos["mean"]) == Pair(0, 0) and zero(infos["direct"]) == Pair(0, 0)
    assert zero(infos["lo"]) is NO_VALUE and zero(infos["hi"]) is NO_VALUE


def test_an_empty_parquet_source(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    from kpirules.datagen import write

    write(tmp_path, 0, 3)
    assert _derive(ruleset(ALL), tmp_path) == {}


def test_is_null_and_empty_text(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    _write(tmp_path, [("a", "2022-01-03", None, None, None),
                      ("a", "2022-01-04", None, None, ""),
                      ("a", "2022-01-05", None, None, "  "),
                      ("a", "2022-01-06", "2022-01-01", 3, "direct")])
    rs = ruleset('fact none = count(dossiers where channel is null)\n'
                 'fact some = count(dossiers where channel is not null)\n'
                 'fact eqnull = count(dossiers where channel = null)\n'
                 'fact nenull = count(dossiers where due_at != null)\n'
                 'fact nodue = count(dossiers where due_at is null)\n'
                 'fact notdirect = count(dossiers where channel != "direct")\n'
                 'fact both = count(dossiers where not (channel = "direct" and due_at is null))\n'
                 'objective Q "q": none >= 0\n')
    facts = _derive(rs, tmp_path)
    got = {f: v[JAN] for (_, f), v in facts.items()}
    # an empty or blank text cell is null for `is null`; `!=` skips nulls (not empty
    # text), as in SQL
    assert got == {"none": 3, "some": 1, "eqnull": 3, "nenull": 1, "nodue": 3, "notdirect": 2,
                   "both": 3}


def test_booleans_and_numbers(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    write_table(tmp_path / "dossiers.parquet", {
        "unit_id": [7, 7, 8], "returned_at": pa.array([19000, 19001, 19002], pa.int32())
        .cast(pa.date32()), "paid": [True, False, None],
        "fee": pa.array([Decimal("10.10"), Decimal("0.20"), None], pa.decimal128(10, 2)),
        "score": [0.1, 0.2, 4.25]})
    rs = ruleset('fact paid = count(dossiers where paid = true)\n'
                 'fact unpaid = count(dossiers where paid = false)\n'
                 'fact paid_share = avg(dossiers.paid)\n'
                 'fact fees = sum(dossiers.fee where paid = true or paid = false)\n'
                 'fact score = sum(dossiers.score where score > -1 and score <= 4.25)\n'
                 'fact top = max(dossiers.score)\n'
                 'objective Q "q": paid >= 0\n')
    facts = _derive(rs, tmp_path)
    # integer unit ids are read as text
    assert facts[("7", "paid")] == {JAN: 1} and facts[("7", "unpaid")] == {JAN: 1}
    assert facts[("8", "paid")] == {JAN: 0}  # a null is neither true nor false
    assert facts[("7", "paid_share")] == {JAN: Pair(1, 2)}
    assert facts[("7", "fees")] == {JAN: Fraction(103, 10)}  # DECIMAL, exact
    assert facts[("7", "score")] == {JAN: Fraction(3, 10)}  # DOUBLE summed as decimals
    assert facts[("8", "top")] == {JAN: Fraction(17, 4)}


def test_unit_ids_are_nfc(ruleset: Callable[..., Any], tmp_path: Path) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "đông-hải")
    _write(tmp_path, [(decomposed, "2022-01-03", "2022-01-02", 1, "direct")])
    facts = _derive(ruleset(ALL), tmp_path, units={"đông-hải"})
    assert ("đông-hải", "n") in facts


def test_progress_is_silent_off_a_terminal(ruleset: Callable[..., Any], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, [("a", "2022-01-03", "2022-01-02", 1, "direct")])
    _derive(ruleset(ALL), tmp_path, progress=True)
    assert capsys.readouterr().err == ""


def test_the_ticker_shows_after_its_delay_only() -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    with Ticker("reading data.parquet", lambda: 0.5, delay=0.0, console=console):
        time.sleep(0.5)
    assert "reading data.parquet" in out.getvalue()
    quiet = io.StringIO()
    with Ticker("fast", lambda: 0.5, delay=5.0,
                console=Console(file=quiet, force_terminal=True)):
        pass
    assert quiet.getvalue() == ""
    with Ticker("off", None, enabled=False):
        pass


def test_sources_of_lists_only_used_sources(ruleset: Callable[..., Any]) -> None:
    rs = ruleset(ALL)
    assert list(sources_of(rs.plan)) == ["dossiers"]
    assert [i.name for i in sources_of(rs.plan)["dossiers"]] == \
        ["n", "late", "wait", "mean", "lo", "hi", "direct"]

"""Realistic one-stop dossiers for a province → districts → communes, seeded.

    python -m kpirules.datagen --dossiers 20000 --communes 40 --seed 7 --out data/
    python -m kpirules.datagen --dossiers 10000000 --communes 1000 --out big/ --format parquet

writes ``dossiers.parquet`` (or ``dossiers.csv``) and the matching ``units.csv``
(``id,name,parent,level``: one province ``tinh``, districts ``h01``… of level ``huyen``,
communes ``x0001``… of level ``xa``). The same arguments give the same bytes.

A dossier has the fields one-stop systems export: ``dossier_id``, ``unit_id`` (mostly
communes; some district and province one-stop centres), ``procedure_code``,
``service_level`` (online public service level 1–4, by procedure), ``channel``
(``direct``, ``online_full``, ``online_partial``, ``bcci`` — postal), ``received_at``,
``due_at``, ``finished_at`` and ``returned_at`` (dates; null while unfinished or not yet
returned on the export date, 15 January of the next year), ``fee_paid_online``
(online channels only), ``rating`` (1–5, often null) and ``wait_minutes`` (direct visits
only). Each unit has its own lateness rate, so verdicts differ between units.

Needs numpy and pyarrow (``pip install numpy pyarrow``); rows are generated a million at
a time with numpy, so ten million take a minute or two.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["Unit", "batches", "main", "units", "write"]

CHUNK = 1_000_000
CHANNELS = ("direct", "online_full", "online_partial", "bcci")
_SYLLABLES = ("An", "Bình", "Cẩm", "Đông", "Hải", "Hòa", "Hưng", "Lộc", "Minh", "Phú",
              "Quang", "Sơn", "Tân", "Thành", "Thịnh", "Trung", "Vĩnh", "Xuân", "Yên", "Long",
              "Hồng", "Hà", "Bắc", "Nam", "Tây", "Đại", "Phước", "Thuận", "Mỹ", "Gia",
              "Lạc", "Cao", "Kim", "Ngọc", "Thanh", "Hiệp", "Khánh", "Lâm", "Tiến", "Đức")
_DUE_DAYS = (1, 3, 5, 7, 10, 15, 20)


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent: str
    level: str


def _np() -> Any:
    try:
        import numpy as np
        import pyarrow  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(f"kpirules.datagen needs numpy and pyarrow ({exc.name} is missing): "
                         "pip install numpy pyarrow") from None
    return np


def units(communes: int, seed: int = 0) -> list[Unit]:
    """The province, its districts (about one per twelve communes) and its communes."""
    np = _np()
    rng = np.random.default_rng([seed, 1])
    n_districts = max(1, round(communes / 12))
    names = [a + " " + b for a in _SYLLABLES for b in _SYLLABLES if a != b]
    order = rng.permutation(len(names))
    picked = [names[i] for i in order]

    def name(i: int) -> str:
        base = picked[i % len(picked)]
        return base if i < len(picked) else f"{base} {i // len(picked) + 1}"

    out = [Unit("tinh", "Tỉnh " + name(0), "", "tinh")]
    for d in range(n_districts):
        kind = "Huyện" if d % 4 else ("Thành phố" if d == 0 else "Thị xã")
        out.append(Unit(f"h{d + 1:02d}", f"{kind} {name(d + 1)}", "tinh", "huyen"))
    owner = np.sort(rng.integers(0, n_districts, communes))
    owner[:n_districts] = np.arange(min(n_districts, communes))  # no district left empty
    owner.sort()
    for c in range(communes):
        d = int(owner[c])
        kind = "Phường" if out[d + 1].name.startswith(("Thành phố", "Thị xã")) else \
            ("Thị trấn" if c % 17 == 0 else "Xã")
        out.append(Unit(f"x{c + 1:04d}", f"{kind} {name(n_districts + 1 + c)}",
                        f"h{d + 1:02d}", "xa"))
    return out


def batches(n: int, unit_list: Sequence[Unit], seed: int = 0, year: int = 2022,
            chunk: int = CHUNK) -> Iterator[Any]:
    """``n`` dossiers as pyarrow RecordBatches of at most ``chunk`` rows."""
    np = _np()
    import pyarrow as pa

    setup = np.random.default_rng([seed, 2])
    ids = [u.id for u in unit_list]
    level = np.array([u.level for u in unit_list])
    weight = setup.lognormal(0.0, 0.6, len(ids))
    weight[level == "huyen"] *= 2.0  # a district centre sees more than a commune
    weight[level == "tinh"] = weight[level == "xa"].sum() * 0.06 if (level == "xa").any() else 1
    weight /= weight.sum()
    late_rate = setup.beta(1.0, 60.0, len(ids))  # most units rarely late, a few often
    n_proc = 120
    proc_codes = pa.array([f"1.00{int(x):04d}" for x in setup.choice(9000, n_proc,
                                                                       replace=False) + 1000])
    proc_weight = 1.0 / np.arange(1, n_proc + 1) ** 0.9
    proc_weight /= proc_weight.sum()
    proc_level = setup.choice([1, 2, 3, 4], n_proc, p=[0.1, 0.4, 0.3, 0.2]).astype(np.int8)
    proc_due = setup.choice(_DUE_DAYS, n_proc).astype(np.int32)
    start = (date(year, 1, 1) - date(1970, 1, 1)).days
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    doy = np.arange(days)
    weekday = (start + doy + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    day_weight = np.where(weekday < 5, 1.0, 0.08) * (1 + 0.25 * np.sin(doy / days * 2 * np.pi))
    day_weight[(doy >= 20) & (doy < 38)] *= 0.3  # Tết
    day_weight /= day_weight.sum()
    export = (date(year + 1, 1, 15) - date(1970, 1, 1)).days
    unit_dict = pa.array(ids)
    channel_dict = pa.array(CHANNELS)
    seeds = np.random.SeedSequence([seed, 3]).spawn(max(1, -(-n // chunk)))
    done = 0
    for ss in seeds:
        m = min(chunk, n - done)
        if m <= 0 and done > 0:
            break
        rng = np.random.default_rng(ss)
        unit = rng.choice(len(ids), m, p=weight).astype(np.int32)
        proc = rng.choice(n_proc, m, p=proc_weight).astype(np.int32)
        lvl = proc_level[proc]
        u = rng.random(m)
        channel = np.zeros(m, np.int8)  # direct
        l4, l3 = lvl == 4, lvl == 3
        channel[l4 & (u < 0.45)] = 1
        channel[l4 & (u >= 0.45) & (u < 0.55)] = 2
        channel[l3 & (u < 0.35)] = 2
        channel[u >= 0.93] = 3  # postal (BCCI)
        received = start + rng.choice(days, m, p=day_weight).astype(np.int32)
        due_cal = (proc_due[proc] * 7 + 4) // 5
        due = received + due_cal
        spent = np.maximum(0, np.rint(due_cal * rng.beta(3.0, 3.5, m))).astype(np.int32)
        late = rng.random(m) < late_rate[unit]
        spent[late] = due_cal[late] + rng.integers(1, 12, int(late.sum()), dtype=np.int32)
        finished = received + spent
        unfinished = (finished > export) | (rng.random(m) < 0.01)
        returned = finished + rng.choice([0, 0, 0, 0, 0, 0, 0, 1, 1, 2], m).astype(np.int32)
        not_returned = unfinished | (returned > export)
        online = channel >= 1
        online &= channel <= 2
        fee = online & (rng.random(m) < 0.6)
        rated = rng.random(m) < 0.35
        rating = rng.choice([5, 4, 3, 2, 1], m, p=[0.55, 0.30, 0.10, 0.03, 0.02]).astype(np.int8)
        wait = np.minimum(180, np.rint(rng.lognormal(2.5, 0.6, m))).astype(np.int16)
        direct = channel == 0
        yield pa.RecordBatch.from_arrays([
            pa.array(np.arange(done + 1, done + m + 1, dtype=np.int64)),
            pa.DictionaryArray.from_arrays(pa.array(unit), unit_dict),
            pa.DictionaryArray.from_arrays(pa.array(proc), proc_codes),
            pa.array(lvl),
            pa.DictionaryArray.from_arrays(pa.array(channel.astype(np.int32)), channel_dict),
            _dates(received, None),
            _dates(due, None),
            _dates(finished, unfinished),
            _dates(returned, not_returned),
            pa.array(fee),
            pa.array(rating, mask=~rated),
            pa.array(wait, mask=~direct),
        ], names=["dossier_id", "unit_id", "procedure_code", "service_level", "channel",
                  "received_at", "due_at", "finished_at", "returned_at", "fee_paid_online",
                  "rating", "wait_minutes"])
        done += m


def _dates(days: Any, mask: Any) -> Any:
    import pyarrow as pa

    return pa.array(days.astype("int32"), type=pa.int32(), mask=mask).cast(pa.date32())


def write(out: str | Path, n: int, communes: int, seed: int = 0, *, fmt: str = "parquet",
          year: int = 2022) -> tuple[Path, Path]:
    """Write ``dossiers.<fmt>`` and ``units.csv`` under ``out``; return their paths."""
    _np()
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    unit_list = units(communes, seed)
    units_path = folder / "units.csv"
    with units_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "name", "parent", "level"])
        for u in unit_list:
            w.writerow([u.id, u.name, u.parent, u.level])
    path = folder / f"dossiers.{fmt}"
    writer: Any = None
    try:
        for batch in batches(n, unit_list, seed, year):
            if fmt == "parquet":
                if writer is None:
                    writer = pq.ParquetWriter(path, batch.schema, compression="zstd")
                writer.write_batch(batch, row_group_size=CHUNK)
            else:
                plain = pa.RecordBatch.from_arrays(
                    [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c
                     for c in batch.columns], names=batch.schema.names)
                if writer is None:
                    writer = pacsv.CSVWriter(path, plain.schema)
                writer.write_batch(plain)
    finally:
        if writer is not None:
            writer.close()
    return path, units_path


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kpirules.datagen",
                                 description="Generate realistic one-stop dossiers and the "
                                 "matching units table (seeded, deterministic).")
    ap.add_argument("--dossiers", type=int, default=20_000, help="number of dossiers")
    ap.add_argument("--communes", type=int, default=40, help="number of communes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--year", type=int, default=2022, help="the year dossiers are received")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    args = ap.parse_args(argv)
    if args.dossiers < 0 or args.communes < 1:
        ap.error("--dossiers must be >= 0 and --communes >= 1")
    t0 = time.perf_counter()
    path, units_path = write(args.out, args.dossiers, args.communes, args.seed,
                             fmt=args.format, year=args.year)
    print(f"wrote {args.dossiers} dossiers to {path} and the units table to {units_path} "
          f"in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

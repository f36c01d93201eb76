"""Deterministic generators of large rulesets, units tables and fact sets (benchmarks).

    python3 tools/gen_ruleset.py --objectives 10000 --seed 2022 > /tmp/big.kpi
    python3 tools/gen_ruleset.py --scoped 10 > /tmp/scoped.kpi
    python3 tools/gen_ruleset.py --profile evaluate [--no-gc]   # cProfile, top 15

Everything here is seeded: the same arguments give byte-identical output, so a
benchmark measures the same text on every machine. The generators import nothing
from kpirules (only ``--profile`` does, when asked).
"""

from __future__ import annotations

import argparse
import random
import sys
from typing import Any

__all__ = [
    "SCOPED_THRESHOLDS",
    "SHAPES",
    "generate_ruleset",
    "scoped_facts",
    "scoped_ruleset",
    "scoped_units",
]

# The shapes of objective in the large ruleset, in the order they rotate.
SHAPES = ("line", "block", "every", "all", "capped", "quantity")

_HEADER = """\
ruleset "Benchmark — {n} mục tiêu chất lượng (seed {seed})"
unit    ha-long
period  2022
owner   "UBND thành phố Hạ Long"

fact resolved     : count
fact late         : count
fact on_time      : count
fact early        : count
fact inspections  : count
fact wait_total   : min
fact visits       : count
"""

_OWNERS = ("Trung tâm hành chính công", "Văn phòng HĐND và UBND", "Phòng Nội vụ",
           "Phòng Tư pháp", "Thanh tra thành phố", "Phòng Tài chính – Kế hoạch")
_UNITS = ("tthcc", "ha-long", "dong-hai", "bai-chay", "hong-gai", "cao-xanh")


def _pct(rng: random.Random, lo: int, hi: int) -> str:
    """A percentage with at most one decimal, e.g. ``98.5``."""
    tenths = rng.randint(lo * 10, hi * 10)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"


def _objective(shape: str, i: int, rng: random.Random) -> str:
    label = f"Nhãn tiếng Việt {i}"
    if shape == "line":
        return f'objective A{i} "{label}": late / resolved < {_pct(rng, 1, 5)}%\n'
    if shape == "block":
        t = rng.randint(900, 985)  # tenths of a percent
        return (f'objective B{i} "Giải quyết TTHC đúng hạn {i}" {{\n'
                f"  measure on_time / resolved\n"
                f"  target  > {t // 10}.{t % 10}%\n"
                f"  warn    < {(t + 5) // 10}.{(t + 5) % 10}%\n"
                f"  scope   unit {rng.choice(_UNITS)}\n"
                f'  owner   "{rng.choice(_OWNERS)}"\n'
                f"}}\n")
    if shape == "every":
        return (f'objective C{i} "Kiểm tra công vụ đột xuất {i}" {{\n'
                f"  measure inspections\n"
                f"  target  >= {rng.randint(1, 3)}\n"
                f"  every   month\n"
                f"}}\n")
    if shape == "all":
        return (f'objective D{i} "Trước hạn {i}, đúng hạn" {{\n'
                f"  all {{\n"
                f"    truoc_han: early / resolved   >= {rng.randint(30, 50)}%\n"
                f"    dung_han:  on_time / resolved >= {rng.randint(55, 70)}%\n"
                f"  }}\n"
                f"}}\n")
    if shape == "capped":
        return (f'objective E{i} "Điểm có trần {i}": '
                f"min(on_time / resolved, 1) >= {_pct(rng, 90, 99)}%\n")
    assert shape == "quantity"
    return (f'objective F{i} "Thời gian chờ tối đa {i}": '
            f"wait_total / visits <= {rng.randint(15, 40)} min\n")


def generate_ruleset(n: int = 10_000, seed: int = 2022) -> str:
    """A ruleset of ``n`` objectives, one of each shape in turn, thresholds drawn from
    ``seed``. The text is valid: ``kpirules.loads`` accepts it."""
    rng = random.Random(seed)
    parts = [_HEADER.format(n=n, seed=seed)]
    for i in range(1, n + 1):
        parts.append("\n")
        parts.append(_objective(SHAPES[(i - 1) % len(SHAPES)], i, rng))
    return "".join(parts)


# ---------------------------------------------------------------- scoped evaluation
# one ratio objective per threshold (all `>=`, so a float loop can mirror them exactly)
SCOPED_THRESHOLDS = ("90", "92.5", "95", "96", "97", "98", "98.5", "99", "99.5", "99.9")


def scoped_ruleset(k: int = 10) -> str:
    """``k`` ratio objectives ``good_i / total_i >= t_i``, each ``scope each unit where
    level = "xa"``."""
    lines = ['ruleset "Benchmark — mục tiêu từng xã"', "unit tinh", "period 2022", ""]
    for i in range(k):
        lines.append(f"fact good_{i}  : count")
        lines.append(f"fact total_{i} : count")
    for i in range(k):
        t = SCOPED_THRESHOLDS[i % len(SCOPED_THRESHOLDS)]
        lines += ["", f'objective X{i} "Tỉ lệ đúng hạn {i} tại từng xã" {{',
                  f"  measure good_{i} / total_{i}", f"  target  >= {t}%",
                  '  scope   each unit where level = "xa"', "}"]
    return "\n".join(lines) + "\n"


def scoped_units(districts: int = 100, communes: int = 9_900) -> list[dict[str, str]]:
    """One province, ``districts`` districts (level "huyen") and ``communes`` communes
    (level "xa") spread evenly over them: ``1 + districts + communes`` units."""
    rows = [{"id": "tinh", "name": "Tỉnh", "parent": "", "level": "tinh"}]
    for d in range(districts):
        rows.append({"id": f"h{d:03d}", "name": f"Huyện {d}", "parent": "tinh",
                     "level": "huyen"})
    for c in range(communes):
        rows.append({"id": f"x{c:05d}", "name": f"Xã {c}", "parent": f"h{c % districts:03d}",
                     "level": "xa"})
    return rows


def scoped_facts(units: list[dict[str, str]], k: int = 10, seed: int = 2022,
                 period: str = "2022") -> list[dict[str, Any]]:
    """For each commune and each objective, ``good_i`` and ``total_i`` for ``period``:
    totals 50..5000, the share good drawn around the thresholds (some pass, some fail)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for u in units:
        if u["level"] != "xa":
            continue
        for i in range(k):
            total = rng.randint(50, 5000)
            good = min(total, int(total * rng.uniform(0.88, 1.0)))
            rows.append({"unit": u["id"], "period": period, "fact": f"good_{i}", "value": good})
            rows.append({"unit": u["id"], "period": period, "fact": f"total_{i}",
                         "value": total})
    return rows


def profile(what: str, *, with_gc: bool = True, top: int = 15) -> str:
    """cProfile of one ``kpirules.loads`` of the 10 000-objective ruleset (``load``) or
    one ``Ruleset.evaluate`` of the scoped case (``evaluate``), after a warm-up call;
    the ``top`` lines by own time, then by cumulative time, paths shortened."""
    import cProfile
    import gc
    import io
    import pstats
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import kpirules

    if what == "load":
        text = generate_ruleset()

        def run() -> object:
            return kpirules.loads(text)
    else:
        units = scoped_units()
        fs, ut = kpirules.read_facts(scoped_facts(units)), kpirules.read_units(units)
        rs = kpirules.loads(scoped_ruleset())

        def run() -> object:
            return rs.evaluate(fs, units=ut, period="2022")
    run()
    gc.collect()
    if not with_gc:
        gc.disable()
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    gc.enable()
    out = io.StringIO()
    for key in ("tottime", "cumulative"):
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(top)
    prefixes = sorted({p for p in sys.path if p}, key=len, reverse=True)
    lines = []
    for line in out.getvalue().splitlines():
        if not line.strip():
            continue
        for p in prefixes:
            line = line.replace(p.rstrip("/") + "/", "")
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objectives", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--scoped", type=int, metavar="K",
                    help="print the K-objective `each unit` ruleset instead")
    ap.add_argument("--profile", choices=("load", "evaluate"),
                    help="print a cProfile of the load or the evaluate benchmark instead")
    ap.add_argument("--no-gc", action="store_true",
                    help="with --profile: pause the cyclic garbage collector while profiling")
    args = ap.parse_args(argv)
    if args.profile:
        sys.stdout.write(profile(args.profile, with_gc=not args.no_gc))
        return 0
    text = scoped_ruleset(args.scoped) if args.scoped else generate_ruleset(args.objectives,
                                                                            args.seed)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

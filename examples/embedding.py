"""Embedding kpirules in another application (docs/embedding.md).

Run from the repository root:  python examples/embedding.py
"""

from pathlib import Path

import kpirules

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Load once: parse, check and compile. A broken ruleset raises kpirules.RulesetError,
# whose .diagnostics list every problem (code, message, path, line, column).
rs = kpirules.load(ROOT / "rulesets" / "ha-long-2022.kpi")

# Data: a file (CSV, JSON, YAML, .xlsx) or rows held in memory.
units = kpirules.read_units(HERE / "ha-long-2022" / "units.csv")
facts = kpirules.read_facts(HERE / "ha-long-2022" / "facts.csv")

# Evaluate many times: the Ruleset is immutable and thread-safe.
for period in ("2022-Q2", "2022-Q3"):
    report = rs.evaluate(facts, units=units, period=period)
    failing = [r for r in report.results if r.verdict == "fail"]
    print(f"{period}: {report.summary.model_dump()} — failing rows: {len(failing)}")
    for r in failing[:5]:
        print(f"  {r.objective} {r.unit} actual={r.actual} {r.comparator} {r.threshold}"
              f" needed={r.needed}")

# Facts from another system, in memory (e.g. a one-stop dossier system's counts):
rows = [
    {"unit": "hong-gai", "period": "2022-Q3", "fact": "resolved", "value": 1200},
    {"unit": "hong-gai", "period": "2022-Q3", "fact": "on_time", "value": 1199},
]
live = rs.evaluate(rows, units=units, period="2022-Q3", objectives=["Q3.2"])
row = live.rows("Q3.2", unit="hong-gai")[0]
print(f"Q3.2 hong-gai: {row.verdict}, actual {row.actual}, needed {row.needed}")

# The JSON contract other programs read (byte-identical for the same inputs):
print(live.to_json()[:200])

"""kpirules — ISO 9001 quality objectives as code.

    import kpirules
    rs = kpirules.load("rulesets/ha-long-2022.kpi")          # parse, check, compile once
    facts = kpirules.read_facts("examples/ha-long-2022/facts.csv")
    units = kpirules.read_units("examples/ha-long-2022/units.csv")
    report = rs.evaluate(facts, units=units, period="2022")   # many times, thread-safe
"""

__version__ = "0.1.0"

from .diagnostics import Diagnostic
from .errors import EvaluationError, FactsError, KpiError, RulesetError
from .facts import read_facts, read_units
from .results import Report
from .ruleset import Ruleset, load, loads, parse

__all__ = [
    "Diagnostic",
    "EvaluationError",
    "FactsError",
    "KpiError",
    "Report",
    "Ruleset",
    "RulesetError",
    "load",
    "loads",
    "parse",
    "read_facts",
    "read_units",
]

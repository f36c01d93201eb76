"""Facts from raw records: sources bound to data, compiled to one SQL scan each.

    from kpirules.records import derive
    facts, warnings = derive(plan, {"dossiers": "data/dossiers.parquet"}, period="2022",
                             units=known_ids)

``derive`` returns the derived facts per (unit, fact) and month, exact and in base
units, for the evaluator to roll up. The pieces: :mod:`.bind` (where a source's records
are), :mod:`.sql` (facts → one sqlglot tree per source, printed per dialect), :mod:`.columns`
(engine types → kinds; how the ruleset uses each column),
:mod:`.engines` (the :class:`Engine` protocol and DuckDB), :mod:`.derive` (the steps).
"""

from .bind import Binding, bind
from .derive import Coverage, FactValues, derive, plan_scans, sources_of, zero
from .engines import ENGINES, Display, DuckDBEngine, Engine, make_engine
from .sql import DIALECTS, Scan, compile_scan, to_sql

__all__ = [
           "DIALECTS",
           "ENGINES",
           "Binding",
           "Coverage",
           "Display",
           "DuckDBEngine",
           "Engine",
           "FactValues",
           "Scan",
           "bind",
           "compile_scan",
           "derive",
           "make_engine",
           "plan_scans",
           "sources_of",
           "to_sql",
           "zero",
]

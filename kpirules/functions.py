"""The functions a measure may call, in one registry: arity, kind rule and meaning.

``min(18 pt, 20 pt * satisfied / ratings)``, ``abs(actual - planned)``. The checker reads
an entry to check a call (its arity, and the kind of its result from its arguments'),
the compiler to evaluate it, exactly. A new function is one entry here (and, where its
kind rule is new, a line in the checker).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["FUNCTIONS", "Function"]

Num = int | Fraction


@dataclass(frozen=True, slots=True)
class Function:
    """``name(args…)``: at least ``min_args`` and at most ``max_args`` (None: no limit)."""

    name: str
    min_args: int
    max_args: int | None
    # "same": every argument must have one kind, which is the result's (like `+`);
    # the checker says "cannot {verb} minutes and a count" otherwise
    kind_rule: str
    verb: str
    apply: Callable[[Sequence[Num]], Num]

    def arity_text(self) -> str:
        if self.max_args == self.min_args:
            return f"exactly {self.min_args}"
        return f"at least {self.min_args}"


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("min", 2, None, "same", "take the minimum of", min),
    Function("max", 2, None, "same", "take the maximum of", max),
    Function("abs", 1, 1, "same", "take the absolute value of", lambda args: abs(args[0])),
)}

"""Pause the cyclic garbage collector while a ruleset is built or evaluated.

Building the AST and the result rows allocates hundreds of thousands of objects that all
stay alive; CPython's generational collector then walks them again and again and finds
nothing to free (measured: 44–51 % of ``load`` and 20 % of ``evaluate``, docs/performance.md).
Reference counting still frees everything as usual; the collector is switched back on
when the outermost paused section ends, in whichever thread that is.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()

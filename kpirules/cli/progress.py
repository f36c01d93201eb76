"""The progress display on the terminal while records are scanned.

The records engines draw nothing: they take a *display*, ``display(label, poll)`` → a
context manager around one long call (``poll()`` gives the fraction done, 0..1, or None).
This module's :func:`bar` is the one the command line gives them: a rich progress bar on
stderr, shown only after a second, and only when stderr is a terminal (:func:`display`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, Self

__all__ = ["Ticker", "bar", "display"]

Poll = Callable[[], float | None]


class Ticker:
    """A rich progress bar on stderr for a long call: shown only after ``delay`` seconds,
    only when ``enabled``; ``poll`` gives the fraction done (0..1) or None if unknown."""

    def __init__(self, label: str, poll: Poll | None = None, *,
                 enabled: bool = True, delay: float = 1.0, console: Any = None) -> None:
        self.label, self.poll, self.enabled, self.delay = label, poll, enabled, delay
        self.console = console
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        if self.enabled:
            self._thread = threading.Thread(target=self._show, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _show(self) -> None:
        if self._done.wait(self.delay):
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = self.console or Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task(self.label, total=100.0)
            while not self._done.wait(0.2):
                done = self.poll() if self.poll is not None else None
                if done is not None and done >= 0:
                    progress.update(task, completed=min(100.0, done * 100))


def bar(label: str, poll: Poll | None = None) -> Ticker:
    """The terminal display: a :class:`Ticker` on stderr."""
    return Ticker(label, poll)


def display(quiet: bool) -> Callable[[str, Poll | None], Ticker] | None:
    """The display for the records engines: :func:`bar` when stderr is a terminal and
    ``--quiet`` is not given, else None (nothing drawn, nothing tracked)."""
    return None if quiet or not _terminal() else bar


def _terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # pragma: no cover - closed or replaced stderr
        return False

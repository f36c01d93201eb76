"""The command line: ``kpirules COMMAND …``. Wiring only: each command parses its
options, calls the library and prints; the exit codes are in :mod:`.common`.

    from kpirules.cli import main
    code = main(["check", "rulesets/ha-long-2022.kpi", "--facts", "facts.csv"], out, err)

:mod:`.main` (the parser, the dispatch, exceptions → exit codes, the console script
``entry``), :mod:`.common` (exit codes, error output, the --output guard, the options fed
by the registries), :mod:`.progress` (the progress bar on the terminal), one module per
command (:mod:`.lint`, :mod:`.check`, :mod:`.explain`, :mod:`.doc`, :mod:`.test`,
:mod:`.schema`).
"""

from .common import (
                     EXIT_BUG,
                     EXIT_INTERRUPTED,
                     EXIT_INVALID,
                     EXIT_OK,
                     add_debug,
                     internal_error,
                     interrupted,
)
from .main import entry, main  # the function `main` shadows the module's name here

__all__ = ["EXIT_BUG", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "add_debug", "entry",
           "internal_error", "interrupted", "main"]

"""Exit codes of every command when kpirules itself breaks.

A bug inside kpirules (an exception that is neither a KpiError nor an interruption) exits 3
with a one-line apology that says where to report it, never 1 (objectives failed) and never
a traceback, unless ``--debug`` or ``KPIRULES_DEBUG=1`` asks for one. Ctrl-C exits 130.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kpirules import cli, document, targets
from kpirules.cli import check, explain, lint, schema
from kpirules.errors import KpiError
from kpirules.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[2]
RULESET = str(ROOT / "rulesets" / "ha-long-2022.kpi")
FACTS = str(ROOT / "examples" / "ha-long-2022" / "facts.csv")
UNITS = str(ROOT / "examples" / "ha-long-2022" / "units.csv")
TARGETS = str(ROOT / "tests" / "targets" / "ha-long-2022.kpitest.yaml")

COMMANDS = {
    "lint": ["lint", RULESET],
    "check": ["check", RULESET, "--facts", FACTS, "--units", UNITS],
    "explain": ["explain", RULESET, "Q1", "--facts", FACTS, "--units", UNITS],
    "doc": ["doc", RULESET],
    "test": ["test", TARGETS],
    "schema": ["schema"],
}


def boom(*_: Any, **__: Any) -> Any:
    raise ValueError("an invariant broke\non two lines")


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Every command, somewhere inside, raises a ValueError no input should cause."""
    monkeypatch.delenv("KPIRULES_DEBUG", raising=False)
    for command in (lint, check, explain):
        monkeypatch.setattr(command, "load", boom)
    monkeypatch.setattr(document, "render_document", boom)     # doc
    monkeypatch.setattr(Ruleset, "evaluate", boom)             # test (and check)
    monkeypatch.setattr(schema, "schema_json", boom)           # schema
    return monkeypatch


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def assert_apology(err: str) -> None:
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("kpirules: internal error (ValueError: an invariant broke on two "
                          "lines) — this is a bug in kpirules, not in your input"), err
    assert "please report it" in err and "issue tracker" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bug_inside_any_command_exits_3_with_one_line(broken: pytest.MonkeyPatch,
                                                         command: str) -> None:
    code, _, err = run(COMMANDS[command])
    assert code == cli.EXIT_BUG == 3
    assert_apology(err)


@pytest.mark.parametrize("argv", [["--debug", *COMMANDS["check"]], [*COMMANDS["check"],
                                                                     "--debug"]])
def test_debug_flag_adds_the_traceback(broken: pytest.MonkeyPatch, argv: list[str]) -> None:
    code, _, err = run(argv)
    assert code == 3
    first, rest = err.split("\n", 1)
    assert first.startswith("kpirules: internal error (ValueError")
    assert rest.startswith("Traceback (most recent call last):") and "in boom" in rest


def test_debug_environment_variable_adds_the_traceback(broken: pytest.MonkeyPatch) -> None:
    broken.setenv("KPIRULES_DEBUG", "1")
    code, _, err = run(COMMANDS["lint"])
    assert code == 3 and "Traceback (most recent call last):" in err


def test_standalone_test_command_exits_3(broken: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert targets.cli([TARGETS], out, err) == 3
    assert_apology(err.getvalue())


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "load", interrupt)
    code, _, err = run(COMMANDS["check"])
    assert code == 130 and err == "kpirules: interrupted\n"


def test_a_kpierror_is_still_invalid_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise KpiError("bad input")

    monkeypatch.setattr(lint, "load", refuse)
    code, _, err = run(COMMANDS["lint"])
    assert code == 2 and err == "kpirules: error: bad input\n"


def test_a_lone_surrogate_in_the_message_is_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def surrogate(*_: Any, **__: Any) -> Any:
        raise KeyError("\ud800")

    monkeypatch.setattr(schema, "schema_json", surrogate)
    raw = io.BytesIO()
    err = io.TextIOWrapper(raw, encoding="utf-8")  # strict: a surrogate cannot be written
    assert cli.main(["schema"], io.StringIO(), err) == 3
    err.flush()
    text = raw.getvalue().decode("utf-8")
    assert text.startswith("kpirules: internal error (KeyError: '\\ud800')"), text


def test_the_console_entry_exits_3(tmp_path: Path) -> None:
    """Through ``entry()``, as the installed ``kpirules`` runs: the process's exit status."""
    code = ("import kpirules.cli as c\n"
            "import kpirules.cli.schema as s\n"
            "def boom(): raise RuntimeError('boom')\n"
            "s.schema_json = boom\n"
            "import sys; sys.argv = ['kpirules', 'schema']\n"
            "c.entry()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.startswith("kpirules: internal error (RuntimeError: boom)")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_help_lists_exit_code_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "3 a bug in kpirules" in out and "130 interrupted" in out

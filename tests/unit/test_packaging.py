"""The wheel ships what the code needs at run time (STYLE "The house"; practice 14).

Builds the wheel, checks that the grammar (and the report's message catalogues) are
inside it, installs it into a fresh virtual environment and runs the installed
``kpirules lint`` from another directory, so that nothing is found through the checkout.

The venv sees the system site-packages (so lark, pint, pydantic… need no download) and
gets only the wheel, with ``--no-deps``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RULESETS = sorted((ROOT / "rulesets").glob("*.kpi"))
# a small ruleset that lints clean, shared by several test modules
CLEAN = (Path(__file__).resolve().parents[1] / "data" / "rulesets" / "clean.kpi").read_text(
    encoding="utf-8")


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(  # type: ignore[call-overload]
        cmd, check=False, capture_output=True, text=True, env=env, timeout=300, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.insert(4, "--no-build-isolation")  # the backend is here: no download
    proc = run(cmd)
    assert proc.returncode == 0, proc.stderr
    (whl,) = out.glob("kpirules-*.whl")
    return whl


def test_wheel_holds_the_grammar_and_catalogues(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "kpirules/grammar/kpi.lark" in names
    assert "kpirules/__init__.py" in names and "kpirules/__main__.py" in names
    shipped = zipfile.ZipFile(wheel).read("kpirules/grammar/kpi.lark")
    assert shipped == (ROOT / "grammar" / "kpi.lark").read_bytes()
    catalogues = sorted(p.name for p in (ROOT / "kpirules" / "report" / "messages").glob("*.json"))
    for name in catalogues:
        assert f"kpirules/report/messages/{name}" in names
    assert not any(n.startswith(("tests/", "rulesets/")) for n in names)
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "kpirules = kpirules.cli:entry" in zipfile.ZipFile(wheel).read(entry).decode()


def test_installed_console_script_lints_from_elsewhere(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    proc = run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    assert proc.returncode == 0, proc.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    proc = run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                str(wheel)])
    assert proc.returncode == 0, proc.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the package comes from the venv, not from the checkout
    proc = run([str(python), "-c", "import kpirules, sys; print(kpirules.__file__)"],
               cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert str(venv) in proc.stdout, proc.stdout

    target = RULESETS[0] if RULESETS else tmp_path / "clean.kpi"
    if not RULESETS:
        target.write_text(CLEAN, encoding="utf-8")
    proc = run([str(bindir / "kpirules"), "lint", str(target.resolve())], cwd=elsewhere)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors" in proc.stdout

    bad = tmp_path / "bad.kpi"
    bad.write_text(CLEAN.replace("late / resolved", "lat / resolved"), encoding="utf-8")
    proc = run([str(bindir / "kpirules"), "lint", str(bad)], cwd=elsewhere)
    assert proc.returncode == 2
    assert "error[E201]" in proc.stderr and "Traceback" not in proc.stderr

    proc = run([str(python), "-m", "kpirules", "--version"], cwd=elsewhere)
    assert proc.returncode == 0 and "kpirules" in proc.stdout

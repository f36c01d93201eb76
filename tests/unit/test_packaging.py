"""The wheel ships what the code needs at run time.

Builds the wheel, checks that the grammar (and the report's message catalogues) are
inside it, installs it into a fresh virtual environment and runs the installed
``kpirules lint`` from another directory, so that nothing is found through the checkout.

Nothing is downloaded. The wheel is built without build isolation when hatchling is
installed (it is part of the ``test`` extra). The fresh venv is made WITHOUT the system
site-packages: on a fresh machine the base interpreter has none of the dependencies, they
live in the environment running the tests. The wheel is installed alone (``--no-deps
--no-index``) while the venv sees nothing else, so pip cannot mistake the checkout's
editable install for it; only then does a ``.pth`` file append this environment's
site-packages directories to the venv's path, so lark, pint, pydantic… are found there.
A plain path line in a ``.pth`` file adds the directory only: the ``.pth`` files inside it
(the editable install's pointer to the checkout among them) are not processed, and the
venv's own site-packages comes first, so ``kpirules`` is the installed wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import site
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


def dependency_dirs() -> list[str]:
    """The site-packages directories of the environment running the tests."""
    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return [d for d in dict.fromkeys(dirs) if Path(d).is_dir()]


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
        cmd[4:4] = ["--no-build-isolation", "--no-index"]  # the backend is here: no download
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
    # no --system-site-packages: the base interpreter may have none of the dependencies
    proc = run([sys.executable, "-m", "venv", str(venv)])
    assert proc.returncode == 0, proc.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    proc = run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                str(wheel)])
    assert proc.returncode == 0, proc.stderr
    proc = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    assert proc.returncode == 0, proc.stderr
    purelib = Path(proc.stdout.strip())
    (purelib / "_kpirules_test_deps.pth").write_text(
        "".join(d + "\n" for d in dependency_dirs()), encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the package (and its grammar) comes from the venv, and the checkout is not on the path
    probe = ("import importlib.resources, json, sys, kpirules; print(json.dumps("
             "[kpirules.__file__, str(importlib.resources.files('kpirules') / 'grammar'),"
             " sys.path]))")
    proc = run([str(python), "-c", probe], cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    module, grammar, path = json.loads(proc.stdout)
    assert Path(module).is_relative_to(purelib), module
    assert Path(grammar).is_relative_to(purelib), grammar
    assert ROOT not in {Path(p).resolve() for p in path if p}, path  # no editable pointer

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

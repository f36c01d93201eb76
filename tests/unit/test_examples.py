"""Every bundled example runs, and its reports match the golden files beside it.

``examples/<name>/`` holds facts (and a units table) for ``rulesets/<name>.kpi``; its
``expected/`` folder holds the JSON, Markdown and terminal-table reports. Rewrite them
with ``pytest --update-goldens`` and review the diff like code.
"""

from __future__ import annotations

import io
import json
import runpy
from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.report import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir()
                  if p.is_dir() and (p / "facts.csv").exists()) if (ROOT / "examples").exists() else []


def _ruleset(example: Path) -> Path:
    return ROOT / "rulesets" / f"{example.name}.kpi"


def test_every_seed_ruleset_has_an_example() -> None:
    names = {p.name for p in EXAMPLES}
    for ruleset in sorted((ROOT / "rulesets").glob("*.kpi")):
        assert ruleset.stem in names, f"{ruleset.name} has no examples/{ruleset.stem}/facts.csv"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_reports_match_goldens(example: Path, golden) -> None:  # type: ignore[no-untyped-def]
    rs = kpirules.load(_ruleset(example))
    units = example / "units.csv"
    report = rs.evaluate(kpirules.read_facts(example / "facts.csv"),
                         units=units if units.exists() else None)
    text = report.to_json()
    assert text == rs.evaluate(kpirules.read_facts(example / "facts.csv"),
                               units=units if units.exists() else None).to_json()
    data = json.loads(text)
    assert {"ruleset", "period", "objectives", "results", "summary"} <= set(data)
    assert len(data["objectives"]) == len(rs.objective_ids)
    golden(text, str(example / "expected" / "report.json"))
    golden(render(report, "md", lang="vi"), str(example / "expected" / "report.md"))
    golden(render(report, "table", lang="en", width=120),
           str(example / "expected" / "report.txt"))
    golden(render(report, "html", lang="vi"), str(example / "expected" / "report.html"))
    golden(render(report, "junit"), str(example / "expected" / "report.junit.xml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_cli_exit_code_and_output(example: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    args = ["check", str(_ruleset(example)), "--facts", str(example / "facts.csv"),
            "--format", "json", "--output", str(tmp_path / "r.json")]
    if (example / "units.csv").exists():
        args += ["--units", str(example / "units.csv")]
    before = {p: p.read_bytes() for p in example.iterdir() if p.is_file()}
    code = main(args, out, err)
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    bad = data["summary"]["fail"] + data["summary"]["missing"]
    assert code == (1 if bad else 0), err.getvalue()
    assert before == {p: p.read_bytes() for p in example.iterdir() if p.is_file()}


def test_embedding_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "embedding.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "Q3.2" in out


RECORDS = ROOT / "examples" / "records"


def test_records_example_reports_match_goldens(golden) -> None:  # type: ignore[no-untyped-def]
    """Facts counted from raw dossiers (one DuckDB scan), then the same evaluator."""
    rs = kpirules.load(RECORDS / "dossiers.kpi")
    units = kpirules.read_units(RECORDS / "data" / "units.csv")
    report = rs.evaluate(units=units)
    assert report.to_json() == rs.evaluate(units=units).to_json()
    golden(report.to_json(), str(RECORDS / "expected" / "report.json"))
    golden(render(report, "md", lang="vi"), str(RECORDS / "expected" / "report.md"))


def test_records_example_cli_source_override(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", str(RECORDS / "dossiers.kpi"), "--units",
                 str(RECORDS / "data" / "units.csv"), "--source",
                 f"dossiers={RECORDS / 'data' / 'dossiers.parquet'}", "--format", "json",
                 "--quiet"], out, err)
    assert code in (0, 1), err.getvalue()
    data = json.loads(out.getvalue())
    expected = json.loads((RECORDS / "expected" / "report.json").read_text(encoding="utf-8"))
    assert data == expected
    bad = main(["check", str(RECORDS / "dossiers.kpi"), "--source", "dossiers"],
               io.StringIO(), err)
    assert bad == 2 and "NAME=PATH" in err.getvalue()


@pytest.mark.parametrize("example", [*EXAMPLES, RECORDS], ids=[p.name for p in [*EXAMPLES, RECORDS]])
def test_explain_every_objective_of_every_example(example: Path) -> None:
    """`kpirules explain` on each objective: exit 0 or 1 with its text, never a crash."""
    ruleset = RECORDS / "dossiers.kpi" if example == RECORDS else _ruleset(example)
    rs = kpirules.load(ruleset)
    base = ["--units", str(example / ("data/units.csv" if example == RECORDS else "units.csv"))]
    if example != RECORDS:
        base += ["--facts", str(example / "facts.csv")]
    for objective in rs.objective_ids:
        out, err = io.StringIO(), io.StringIO()
        code = main(["explain", str(ruleset), objective, *base, "--quiet"], out, err)
        assert code in (0, 1), (objective, err.getvalue())
        text = out.getvalue()
        assert text.startswith(f"{objective} — ") and f"objective {objective}: " in text

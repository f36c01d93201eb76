"""The pytest plugin collects *.kpitest.yaml (tested with pytester).

The plugin is loaded explicitly with ``-p kpirules.pytest_plugin`` and entry-point
autoloading is switched off in the inner runs, so these tests behave the same whether
or not the ``pytest11`` entry point is installed (loading the module under both names
would make pluggy refuse the second registration).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
RULESET = (ROOT / "rulesets" / "ubnd-thanh-pho-2021.kpi").as_posix()
UNITS = (ROOT / "examples" / "ubnd-thanh-pho-2021" / "units.csv").as_posix()

GOOD = f"""
ruleset: {RULESET}
units: {UNITS}
tests:
  - name: "Đúng ngưỡng: 2 hồ sơ trễ trên 100 là chưa đạt"
    facts_inline:
      - {{unit: tn-mt, period: 2021-Q4, fact: resolved, value: 100}}
      - {{unit: tn-mt, period: 2021-Q4, fact: late, value: 2}}
    period: 2021-Q4
    expect:
      - {{objective: MT2.1, unit: tn-mt, verdict: fail, actual: 0.02, needed: 1}}
  - name: "Chỉ số hài lòng đúng 81% chưa đạt"
    facts_inline:
      - {{unit: thanh-pho, period: 2021, fact: satisfaction_index, value: 81}}
    period: 2021
    expect:
      - {{objective: MT5, verdict: fail, gap: 0}}
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

    def go(*args: str) -> pytest.RunResult:
        return pytester.runpytest("-p", "kpirules.pytest_plugin", "-p", "no:cacheprovider",
                                  *args)
    return go


def _file(pytester: pytest.Pytester, name: str, text: str) -> Path:
    path = pytester.path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_passing_file_passes(pytester: pytest.Pytester, run) -> None:  # type: ignore[no-untyped-def]
    _file(pytester, "thanh-pho.kpitest.yaml", GOOD)
    result = run("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "*thanh-pho.kpitest.yaml::Đúng ngưỡng: 2 hồ sơ trễ trên 100 là chưa đạt PASSED*",
        "*thanh-pho.kpitest.yaml::Chỉ số hài lòng đúng 81% chưa đạt PASSED*",
    ])


def test_one_item_per_test_named_by_its_name(pytester: pytest.Pytester, run) -> None:  # type: ignore[no-untyped-def]
    _file(pytester, "thanh-pho.kpitest.yaml", GOOD)
    _file(pytester, "other.yaml", "not: a kpitest\n")  # plain YAML is not collected
    result = run("--collect-only", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "thanh-pho.kpitest.yaml::Đúng ngưỡng: 2 hồ sơ trễ trên 100 là chưa đạt",
        "thanh-pho.kpitest.yaml::Chỉ số hài lòng đúng 81% chưa đạt",
        "2 tests collected*",
    ])


def test_failing_expectation_fails_with_the_cli_text(pytester: pytest.Pytester,
                                                     run) -> None:  # type: ignore[no-untyped-def]
    _file(pytester, "thanh-pho.kpitest.yaml",
          GOOD.replace("verdict: fail, actual: 0.02", "verdict: pass, actual: 0.02"))
    result = run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "FAIL Đúng ngưỡng: 2 hồ sơ trễ trên 100 là chưa đạt (thanh-pho.kpitest.yaml)",
        ("  thanh-pho.kpitest.yaml:10: expected {objective: MT2.1, unit: tn-mt, verdict: pass,"
         " actual: 0.02, needed: 1}"),
        "    no row matches. Closest row:",
        "    - objective MT2.1, unit tn-mt, period 2021-Q4: expected verdict pass, got fail",
    ])
    text = result.stdout.str()
    assert "Traceback" not in text and "def runtest" not in text
    assert "ExpectationFailed" not in text


def test_invalid_file_is_a_collection_error(pytester: pytest.Pytester, run) -> None:  # type: ignore[no-untyped-def]
    _file(pytester, "bad.kpitest.yaml", GOOD.replace("    expect:\n      - {objective: MT5",
                                                     "    expct:\n      - {objective: MT5"))
    _file(pytester, "good.kpitest.yaml", GOOD)
    result = run("--continue-on-collection-errors")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR collecting bad.kpitest.yaml*",
        "bad.kpitest.yaml:15: error: unknown key `expct` in a test; did you mean `expect`?*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_ruleset_error_is_a_collection_error(pytester: pytest.Pytester, run) -> None:  # type: ignore[no-untyped-def]
    (pytester.path / "broken.kpi").write_text(
        'ruleset "x"\nperiod 2022\nobjective A "a": nothing >= 1\n', encoding="utf-8")
    _file(pytester, "broken.kpitest.yaml", """
        ruleset: broken.kpi
        tests:
          - name: a
            facts_inline: [{unit: u, period: 2022, fact: f, value: 1}]
            expect: [{objective: A}]
    """)
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "broken.kpitest.yaml:1: error: the ruleset broken.kpi has errors:",
        "broken.kpi:3:18: error[E201]: undeclared fact `nothing`",
    ])


def test_facts_error_fails_the_item_cleanly(pytester: pytest.Pytester, run) -> None:  # type: ignore[no-untyped-def]
    _file(pytester, "thanh-pho.kpitest.yaml", GOOD.replace("{unit: tn-mt, period: 2021-Q4, "
                                                           "fact: late",
                                                           "{unit: tn-mtt, period: 2021-Q4, "
                                                           "fact: late"))
    result = run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "ERROR Đúng ngưỡng: 2 hồ sơ trễ trên 100 là chưa đạt (thanh-pho.kpitest.yaml)",
        "  thanh-pho.kpitest.yaml:7:unit: error[E507]: facts_inline: unknown unit `tn-mtt`",
    ])
    assert "Traceback" not in result.stdout.str()

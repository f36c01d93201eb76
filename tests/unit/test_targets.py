"""`kpirules test`: regression tests on targets (docs/testing.md).

The shipped tests/targets/*.kpitest.yaml hold; a flipped expectation or a flipped target
exits 1 and names objective, unit, period, expected and got; an invalid test file exits 2
with file:line and no traceback; JUnit output is read by a real consumer (junitparser).
"""

from __future__ import annotations

import argparse
import io
import pickle
import re
import textwrap
from pathlib import Path

import pytest

from kpirules import KpiError
from kpirules.targets import TestFileError, add_parser, cli, load_test_file, main, run, run_files

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ROOT / "tests" / "targets"
HA_LONG = TARGETS / "ha-long-2022.kpitest.yaml"
RULESET = ROOT / "rulesets" / "ha-long-2022.kpi"
UNITS = ROOT / "examples" / "ha-long-2022" / "units.csv"
FACTS = ROOT / "examples" / "ha-long-2022" / "facts.csv"


def _absolute(text: str) -> str:
    """A test file from tests/targets/ with its relative paths made absolute."""
    return text.replace("../../", f"{ROOT.as_posix()}/")


def _copy(tmp_path: Path, src: Path = HA_LONG, *, old: str = "", new: str = "") -> Path:
    text = _absolute(src.read_text(encoding="utf-8"))
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    dst = tmp_path / src.name
    dst.write_text(text, encoding="utf-8")
    return dst


def _write(tmp_path: Path, body: str, name: str = "t.kpitest.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip("\n").format(
        ruleset=RULESET.as_posix(), units=UNITS.as_posix(), facts=FACTS.as_posix()),
        encoding="utf-8")
    return path


# ---------------------------------------------------------------- the shipped tests
def test_every_seed_ruleset_has_a_test_file() -> None:
    rulesets = {p.stem for p in (ROOT / "rulesets").glob("*.kpi")}
    tests = {p.name.removesuffix(".kpitest.yaml") for p in TARGETS.glob("*.kpitest.yaml")}
    assert rulesets and rulesets == tests


def test_shipped_targets_hold() -> None:
    text, code = run([str(TARGETS)])
    assert code == 0, text
    assert re.search(r"^\d+ passed, 0 failed$", text, re.MULTILINE), text
    for path in TARGETS.glob("*.kpitest.yaml"):
        assert path.name in text


def test_shipped_targets_through_the_command_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli([str(TARGETS)], out, err) == 0, out.getvalue() + err.getvalue()
    assert "0 failed" in out.getvalue()


def test_wiring_into_the_kpirules_parser() -> None:
    """What cli.py does: add the subcommand, parse, dispatch to main."""
    parser = argparse.ArgumentParser(prog="kpirules")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["test", str(HA_LONG), "--format", "junit"])
    out, err = io.StringIO(), io.StringIO()
    assert main(args, out, err) == 0
    assert out.getvalue().startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_help_is_for_newcomers(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["--help"]) == 0
    text = capsys.readouterr().out
    for words in ("*.kpitest.yaml", "--format junit --output targets.xml", "exit codes",
                  "docs/testing.md"):
        assert words in text


# ---------------------------------------------------------------- failures: exit 1
def test_flipped_expectation_exits_1_and_names_it(tmp_path: Path) -> None:
    path = _copy(tmp_path, old="unit: ha-tu, verdict: fail", new="unit: ha-tu, verdict: pass")
    text, code = run([str(path)])
    assert code == 1
    assert "FAIL Quý 3: Trung tâm HCC cảnh báo" in text
    line = next(i for i, s in enumerate(path.read_text("utf-8").splitlines(), 1)
                if "unit: ha-tu, verdict: pass" in s)
    assert f"{path}:{line}: expected {{objective: Q3.2, unit: ha-tu, verdict: pass" in text
    assert "- objective Q3.2, unit ha-tu, period 2022-Q3: expected verdict pass, got fail" \
        in text
    assert text.rstrip().endswith("2 passed, 1 failed")


def test_flipped_target_is_caught(tmp_path: Path) -> None:
    """The point of it all: a change to a target that flips a verdict fails CI."""
    kpi = RULESET.read_text(encoding="utf-8")
    assert kpi.count("target  > 99.9%") == 1
    changed = tmp_path / "ha-long-2022.kpi"
    changed.write_text(kpi.replace("target  > 99.9%", "target  >= 99.9%"), encoding="utf-8")
    path = _copy(tmp_path, old=f"ruleset: {RULESET.as_posix()}", new=f"ruleset: {changed}")
    text, code = run([str(path)])
    assert code == 1
    assert "objective Q3.2, unit ha-tu, period 2022-Q3: expected verdict fail, got pass" \
        in text


def test_wrong_exact_value_shows_expected_and_got(tmp_path: Path) -> None:
    path = _copy(tmp_path, old="actual: 2558/2559, budget: 1", new="actual: 0.9996, budget: 1")
    text, code = run([str(path)])
    assert code == 1
    assert "objective Q3.2, unit hong-hai, period 2022-Q3: expected actual 0.9996, got " \
        "2558/2559" in text


def test_expectation_matching_two_rows_fails(tmp_path: Path) -> None:
    """An expectation that matches more than one row fails (exit 1), and says
    which rows it matched."""
    path = _write(tmp_path, """
        ruleset: {ruleset}
        units: {units}
        tests:
          - name: hai dòng
            facts: [{facts}]
            period: 2022-Q3
            expect:
              - {{objective: Q3.2, verdict: pass, budget: 2}}
    """)
    text, code = run([str(path)])
    assert code == 1
    assert f"{path}:8: expected {{objective: Q3.2, verdict: pass, budget: 2}}" in text
    assert "3 rows match it; exactly one should" in text
    assert "- objective Q3.2, unit hong-gai, period 2022-Q3: verdict pass" in text


def test_expectation_matching_no_row_names_the_closest(tmp_path: Path) -> None:
    path = _write(tmp_path, """
        ruleset: {ruleset}
        units: {units}
        tests:
          - name: không có dòng
            facts: [{facts}]
            period: 2022-Q3
            expect:
              - {{objective: Q3.1, period: 2022-Q2, verdict: pass}}
    """)
    text, code = run([str(path)])
    assert code == 1
    assert "no row matches. Closest row:" in text
    assert "expected period 2022-Q2, got 2022-Q3" in text


@pytest.mark.parametrize("written, holds", [
    ("0.999", True), ('"999/1000"', True), ("99.9%", True), ('"0.999"', True),
    ("0.9990", True), ("1", False),
    # equal to 0.999 as a binary float, but not as a number: exact, never floats
    ("0.99900000000000001", False),
])
def test_exact_values_compare_as_fractions(tmp_path: Path, written: str,
                                           holds: bool) -> None:
    path = _write(tmp_path, """
        ruleset: {ruleset}
        units: {units}
        tests:
          - name: đúng 99,9%
            facts: [{facts}]
            period: 2022-Q3
            expect:
              - {{objective: Q3.2, unit: ha-tu, actual: WRITTEN, gap: 0, needed: 1}}
    """.replace("WRITTEN", written))
    text, code = run([str(path)])
    assert code == (0 if holds else 1), text


def test_null_and_typed_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, """
        ruleset: {ruleset}
        units: {units}
        tests:
          - name: n/a và thiếu dữ liệu
            facts: [{facts}]
            period: 2022
            expect:
              - {{objective: Q3.14, unit: ky-thuong, verdict: n/a, actual: null, gap: null,
                 needed: null, budget: null, uom: "", part: null}}
              - {{objective: Q3.6, unit: null, period: 2022, verdict: fail, needed: 3164}}
    """)
    text, code = run([str(path)])
    assert code == 0, text


# ---------------------------------------------------------------- invalid files: exit 2
_HEAD = """
ruleset: {ruleset}
units: {units}
tests:
  - name: một
    facts: [{facts}]
    period: 2022-Q3
"""

BAD = {
    "unknown key": (_HEAD + "    expct:\n      - {{objective: Q1.1}}\n", 7,
                    "unknown key `expct` in a test; did you mean `expect`?"),
    "unknown top key": ("rulset: x\n" + _HEAD.lstrip("\n") + "    expect: [{{objective: Q1.1}}]\n",
                        1, "unknown key `rulset` in a test file; did you mean `ruleset`?"),
    "missing facts file": (_HEAD.replace("[{facts}]", "[nowhere/facts.csv]")
                           + "    expect: [{{objective: Q1.1}}]\n", 5,
                           "`facts`: nowhere/facts.csv does not exist"),
    "missing ruleset": (_HEAD.replace("ruleset: {ruleset}", "ruleset: ../no.kpi")
                        + "    expect: [{{objective: Q1.1}}]\n", 1,
                        "`ruleset`: ../no.kpi does not exist"),
    "unknown objective": (_HEAD + "    expect:\n      - {{objective: Q3.22, verdict: pass}}\n",
                          8, "no objective `Q3.22` in"),
    "unknown row key": (_HEAD + "    expect:\n      - {{objective: Q3.2, verdit: pass}}\n", 8,
                        "unknown key `verdit` in an expectation; did you mean `verdict`?"),
    "unknown part": (_HEAD + "    expect:\n      - {{objective: Q3.9, part: trang_bi}}\n", 8,
                     "objective Q3.9 has no part `trang_bi`"),
    "unknown unit": (_HEAD + "    expect:\n      - {{objective: Q3.2, unit: ha-tuu}}\n", 8,
                     "unit `ha-tuu` is not in the units table; did you mean `ha-tu`?"),
    "bad verdict": (_HEAD + "    expect:\n      - {{objective: Q3.2, verdict: đạt}}\n", 8,
                    ("`verdict` must be one of pass, warn, fail, n/a, missing, not `đạt`; "
                     "did you mean `pass`?")),
    "wrong type": (_HEAD + "    expect:\n      - {{objective: Q3.2, needed: many}}\n", 8,
                   "`needed` must be a whole number of items (or null), not the text `many`"),
    "not exact": (_HEAD + "    expect:\n      - {{objective: Q3.2, actual: high}}\n", 8,
                  "`actual` must be an exact number such as 0.98, 43/45 or 98%"),
    "bad period": (_HEAD.replace("2022-Q3", "2022-Q5") + "    expect: [{{objective: Q1.1}}]\n",
                   6, "`period`:"),
    "sources": (_HEAD + "    sources: {{dossiers: d.parquet}}\n"
                "    expect: [{{objective: Q1.1}}]\n", 7,
                "records sources are not supported by this version yet"),
    "no expect": (_HEAD, 4, "this test has no `expect`"),
    "duplicate key": (_HEAD + "    expect: [{{objective: Q1.1}}]\n    period: 2022\n", 8,
                      "key `period` is given twice in a test (first at line 6)"),
    "duplicate name": (_HEAD + "    expect: [{{objective: Q1.1}}]\n"
                       "  - name: một\n    facts: [{facts}]\n    expect: [{{objective: Q1.1}}]\n",
                       8, "test name “một” is used twice (first at line 4)"),
    "bad YAML": (_HEAD + "    expect:\n      - {{objective: Q3.2, verdict: pass\n", 9,
                 "not valid YAML"),
    "no ruleset": (_HEAD.replace("ruleset: {ruleset}\n", "") + "    expect: [{{objective: Q1.1}}]\n",
                   1, "the test file names no `ruleset`"),
    "not a mapping": ("- just\n- a list\n", 1, "a test file is a mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_invalid_test_file_exits_2_with_file_and_line(tmp_path: Path, case: str) -> None:
    body, line, message = BAD[case]
    path = _write(tmp_path, body)
    text, code = run([str(path)])
    assert code == 2, text
    assert f"{path}:{line}:" in text, text
    assert message in text, text
    assert "Traceback" not in text
    with pytest.raises(TestFileError) as info:
        load_test_file(path)
    assert info.value.line == line and info.value.path == str(path)
    assert any(message in m for _, _, m in info.value.problems)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, _HEAD.replace("[{facts}]", "[nowhere.csv]")
                  + "    expect:\n      - {{objective: Q9, verdit: pass}}\n")
    with pytest.raises(TestFileError) as info:
        load_test_file(path)
    lines = [line for line, _, _ in info.value.problems]
    assert lines == [5, 8, 8]
    assert len(info.value.render().splitlines()) == 3


def test_test_file_error_is_typed_and_picklable(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD["unknown key"][0])
    with pytest.raises(TestFileError) as info:
        load_test_file(path)
    err = info.value
    assert isinstance(err, KpiError) and isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.line, again.message, again.render()) == \
        (err.path, err.line, err.message, err.render())


def test_valid_files_still_run_next_to_an_invalid_one(tmp_path: Path) -> None:
    bad = _write(tmp_path, BAD["unknown key"][0], name="bad.kpitest.yaml")
    text, code = run([str(HA_LONG), str(bad)])
    assert code == 2
    assert text.count("PASS ") == 3
    assert f"ERROR {bad}\n  {bad}:7: error: unknown key `expct`" in text
    assert text.rstrip().endswith("3 passed, 0 failed, 1 error")


def test_ruleset_error_inside_is_rendered(tmp_path: Path) -> None:
    kpi = tmp_path / "broken.kpi"
    kpi.write_text('ruleset "x"\nperiod 2022\nobjective A "a": nothing / resolved >= 1\n',
                   encoding="utf-8")
    path = _write(tmp_path, "ruleset: broken.kpi\ntests:\n  - name: a\n"
                  "    facts_inline: [{{unit: u, period: 2022, fact: f, value: 1}}]\n"
                  "    expect: [{{objective: A}}]\n")
    text, code = run([str(path)])
    assert code == 2
    assert f"{path}:1: error: the ruleset broken.kpi has errors:" in text
    assert re.search(r"broken\.kpi:3:\d+: error\[E2\d\d\]", text), text
    assert "Traceback" not in text


def test_facts_errors_are_rendered(tmp_path: Path) -> None:
    bad_csv = tmp_path / "facts.csv"
    bad_csv.write_text("unit,period,fact,value\ntthcc,2022-Q3,resolved,-5\n", encoding="utf-8")
    path = _write(tmp_path, f"""
        ruleset: {{ruleset}}
        units: {{units}}
        tests:
          - name: tệp số liệu sai
            facts: [{bad_csv.as_posix()}]
            expect: [{{{{objective: Q3.1}}}}]
          - name: dòng số liệu sai
            facts_inline:
              - {{{{unit: tthcc, period: 2022-Q3, fact: resolved, value: 10}}}}
              - {{{{unit: tthc, period: 2022-Q3, fact: resolved, value: 10}}}}
            expect: [{{{{objective: Q3.1}}}}]
    """)
    text, code = run([str(path)])
    assert code == 2
    assert f"ERROR tệp số liệu sai ({path})" in text
    assert f"{bad_csv}:2:value: error[E505]" in text
    assert f"ERROR dòng số liệu sai ({path})" in text
    assert f"{path}:10:unit: error[E507]" in text, text
    assert "Traceback" not in text


def test_bad_inline_row_is_an_invalid_file(tmp_path: Path) -> None:
    path = _write(tmp_path, """
        ruleset: {ruleset}
        tests:
          - name: a
            facts_inline:
              - {{unit: tthcc, period: 2022-Q3, fact: resolved, value: 10}}
              - {{unit: tthcc, period: 2022-Q3, fact: resolved, valu: 10}}
            expect: [{{objective: Q3.1}}]
    """)
    text, code = run([str(path)])
    assert code == 2
    assert f"{path}:6: error: facts_inline: unexpected key `valu`" in text


@pytest.mark.parametrize("arg, message", [
    ("missing.kpitest.yaml", "missing.kpitest.yaml: error: no such test file"),
    ("empty-dir", "empty-dir: error: no test files (*.kpitest.yaml) found here"),
    ("nothing-*.kpitest.yaml", "error: no test files"),
])
def test_nothing_to_run_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arg: str,
                                message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty-dir").mkdir()
    text, code = run([arg])
    assert code == 2
    assert message in text


def test_directories_and_globs_expand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    results = run_files(["tests/targets/", "tests/targets/ha-*.kpitest.yaml"])
    assert [r.path for r in results] == sorted(
        str(p.relative_to(ROOT)) for p in TARGETS.glob("*.kpitest.yaml"))


# ---------------------------------------------------------------- JUnit
def test_junit_is_read_by_junitparser(tmp_path: Path) -> None:
    junitparser = pytest.importorskip("junitparser")
    flipped = _copy(tmp_path, old="unit: ha-tu, verdict: fail", new="unit: ha-tu, verdict: pass")
    bad = _write(tmp_path, BAD["unknown key"][0], name="bad.kpitest.yaml")
    text, code = run([str(TARGETS), str(flipped), str(bad)], format="junit")
    assert code == 2
    xml = junitparser.JUnitXml.fromstring(text.encode("utf-8"))  # as CI reads the file
    suites = {s.name: s for s in xml}
    assert set(suites) == {str(p) for p in TARGETS.glob("*.kpitest.yaml")} | \
        {str(flipped), str(bad)}
    shipped = [s for name, s in suites.items() if name.startswith(str(TARGETS))]
    assert sum(s.tests for s in shipped) == run([str(TARGETS)])[0].count("PASS ")
    assert all(s.failures == 0 and s.errors == 0 for s in shipped)
    f = suites[str(flipped)]
    assert (f.tests, f.failures, f.errors) == (3, 1, 0)
    failed = [c for c in f if not c.is_passed]
    assert [c.name for c in failed] == [
        "Quý 3: Trung tâm HCC cảnh báo, phường Hà Tu chưa đạt đúng 99,9%"]
    result = failed[0].result[0]
    assert result.message == "1 of 11 expectations failed"
    assert "expected verdict pass, got fail" in result.text
    b = suites[str(bad)]
    assert (b.tests, b.failures, b.errors) == (1, 0, 1)


def test_output_file_and_text_log(tmp_path: Path) -> None:
    target = tmp_path / "targets.xml"
    out, err = io.StringIO(), io.StringIO()
    code = cli([str(HA_LONG), "--format", "junit", "--output", str(target)], out, err)
    assert code == 0
    assert target.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "Hà Tu".encode() in target.read_bytes()
    assert "3 passed, 0 failed" in out.getvalue()  # the human report still goes to the log
    assert f"wrote {target}" in err.getvalue()


def test_output_never_overwrites_a_test_file(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    before = path.read_bytes()
    out, err = io.StringIO(), io.StringIO()
    assert cli([str(path), "--output", str(path)], out, err) == 2
    assert "would overwrite a test file" in err.getvalue()
    assert path.read_bytes() == before

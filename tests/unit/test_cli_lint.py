"""`kpirules lint`: exit codes, messages, and every shipped ruleset lints clean.

Exit 0: no error (warnings allowed); 2: an error, or a warning under ``--strict``, or a
file that cannot be read. Lint reads the ruleset only and writes nothing next to it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from kpirules.cli import main

ROOT = Path(__file__).resolve().parents[2]
RULESETS = sorted((ROOT / "rulesets").glob("*.kpi"))

# a small ruleset that lints clean, shared by several test modules
CLEAN = (Path(__file__).resolve().parents[1] / "data" / "rulesets" / "clean.kpi").read_text(
    encoding="utf-8")
ERROR = CLEAN.replace("late / resolved", "lat / resolved")
WARNING = CLEAN + "fact visits : count\n"


def lint(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_ruleset_exits_0(tmp_path: Path) -> None:
    code, out, err = lint(str(write(tmp_path, "ok.kpi", CLEAN)))
    assert code == 0
    assert out == "1 ruleset checked: 0 errors, 0 warnings\n"
    assert err == ""


def test_error_exits_2_with_location_and_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.kpi", ERROR)
    code, out, err = lint(str(path))
    assert code == 2
    assert f"{path}:6:39: error[E201]: undeclared fact `lat`" in err
    assert "6 | objective Q1" in err and "^^^" in err
    assert out.startswith("1 ruleset checked: 1 error,")


def test_warnings_exit_0_and_2_under_strict(tmp_path: Path) -> None:
    path = str(write(tmp_path, "warn.kpi", WARNING))
    code, out, err = lint(path)
    assert code == 0
    assert "warning[W102]" in err
    assert out == "1 ruleset checked: 0 errors, 1 warning\n"
    code, out, err = lint("--strict", path)
    assert code == 2
    assert "warning[W102]" in err


def test_several_files_and_globs(tmp_path: Path) -> None:
    write(tmp_path, "a.kpi", CLEAN)
    write(tmp_path, "b.kpi", ERROR)
    write(tmp_path, "c.kpi", WARNING)
    code, out, err = lint(str(tmp_path / "*.kpi"))
    assert code == 2
    assert out == "3 rulesets checked: 1 error, 2 warnings\n"  # b's W102 and c's W102
    assert err.index("b.kpi") < err.index("c.kpi")


def test_missing_path_exits_2_with_a_one_line_message(tmp_path: Path) -> None:
    missing = tmp_path / "nope.kpi"
    code, _out, err = lint(str(missing))
    assert code == 2
    lines = [ln for ln in err.splitlines() if "error" in ln]
    assert len(lines) == 1
    assert str(missing) in lines[0] and "no such file" in lines[0]
    assert "Traceback" not in err


def test_file_level_errors_have_no_fake_position(tmp_path: Path) -> None:
    _code, _out, err = lint(str(tmp_path / "nope.kpi"))
    assert ":0:0:" not in err


def test_directory_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "rules.kpi"
    folder.mkdir()
    code, _out, err = lint(str(folder))
    assert code == 2
    assert "error[E100]" in err and "directory" in err


def test_not_utf8_exits_2_naming_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.kpi"
    path.write_bytes(b'ruleset "t"\nobjective Q1 "H\xf4 s\xf5": a >= 1\n')
    code, _out, err = lint(str(path))
    assert code == 2
    assert f"{path}:2:16: error[E100]: not UTF-8" in err


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.kpi"
    path.write_bytes(b"\xef\xbb\xbf" + CLEAN.encode("utf-8"))
    assert lint(str(path))[0] == 0
    path.write_bytes(b"\xef\xbb\xbf" + ERROR.encode("utf-8"))
    code, _, err = lint(str(path))
    assert code == 2 and ":6:39: error[E201]" in err  # the mark takes no column


def test_crlf_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crlf.kpi"
    path.write_bytes(CLEAN.replace("\n", "\r\n").encode("utf-8"))
    assert lint(str(path))[0] == 0


def test_no_arguments_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint"], io.StringIO(), io.StringIO()) == 2
    assert main(["lint", "--no-such-option", "x.kpi"], io.StringIO(), io.StringIO()) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_lint_writes_nothing(tmp_path: Path) -> None:
    for name, text in (("ok.kpi", CLEAN), ("bad.kpi", ERROR), ("warn.kpi", WARNING)):
        write(tmp_path, name, text)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        lint("ok.kpi", "bad.kpi", "warn.kpi")
        lint("--strict", "*.kpi")
    finally:
        os.chdir(cwd)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    assert after == before


@pytest.mark.skipif(not RULESETS, reason="rulesets/ holds no *.kpi yet: nothing shipped to lint")
@pytest.mark.parametrize("path", RULESETS, ids=[p.name for p in RULESETS])
def test_every_shipped_ruleset_lints_clean(path: Path) -> None:
    code, out, err = lint(str(path))
    assert code == 0, err
    assert out.startswith("1 ruleset checked: 0 errors")


@pytest.mark.skipif(not RULESETS, reason="rulesets/ holds no *.kpi yet: nothing shipped to lint")
def test_shipped_rulesets_lint_together_as_the_readme_says() -> None:
    code, out, err = lint(str(ROOT / "rulesets" / "*.kpi"))
    assert code == 0, err
    assert out.startswith(f"{len(RULESETS)} ruleset{'s' if len(RULESETS) != 1 else ''} "
                          "checked: 0 errors")


def test_check_without_any_data_exits_2_and_says_what_to_give(tmp_path: Path) -> None:
    import io

    from kpirules.cli import main

    path = tmp_path / "r.kpi"
    path.write_text('ruleset "t"\nunit u\nperiod 2022\nfact a : count\nfact b : count\n'
                    "objective Q1: a / b >= 90%\n", encoding="utf-8")
    err = io.StringIO()
    assert main(["check", str(path)], io.StringIO(), err) == 2
    assert "--facts" in err.getvalue() and "Traceback" not in err.getvalue()

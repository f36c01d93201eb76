"""``kpirules doc``: the quality-objectives plan printed from a ruleset (kpirules.document).

* Markdown and HTML of every ruleset in ``rulesets/`` against golden files
  (``tests/golden/document/``; rewrite with ``pytest --update-goldens`` and review the diff);
* the .docx read back with python-docx: one row per objective plus the header, "STT" first,
  every label in the second column, Vietnamese text intact (NFC), A4 landscape, the header
  row repeated on each page, bulleted actions, Times New Roman, fixed core properties and
  byte-identical output;
* where LibreOffice is installed, the .docx converted to PDF;
* the text printers (measure, target, scope, due) and the command's errors.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest

import kpirules
from kpirules import ast
from kpirules.document import (
    COLUMNS,
    FORMATS,
    add_parser,
    build_document,
    condition_text,
    due_text,
    main,
    measure_text,
    render_document,
    target_text,
)
from kpirules.periods import parse_period

ROOT = Path(__file__).resolve().parents[2]
RULESETS = sorted((ROOT / "rulesets").glob("*.kpi"))
NAMES = [p.stem for p in RULESETS]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def loaded() -> dict[str, kpirules.Ruleset]:
    return {p.stem: kpirules.load(p) for p in RULESETS}


def test_the_four_seed_rulesets_are_there() -> None:
    assert len(RULESETS) == 4, NAMES


# ------------------------------------------------------------------ golden files
@pytest.mark.parametrize("name", NAMES)
def test_markdown_golden(name: str, loaded: dict[str, kpirules.Ruleset], golden) -> None:
    text = render_document(loaded[name], "md")
    assert isinstance(text, str)
    golden(text, f"document/{name}.md")


@pytest.mark.parametrize("name", NAMES)
def test_html_golden(name: str, loaded: dict[str, kpirules.Ruleset], golden) -> None:
    text = render_document(loaded[name], "html")
    assert isinstance(text, str)
    golden(text, f"document/{name}.html")


def test_markdown_golden_english(loaded: dict[str, kpirules.Ruleset], golden) -> None:
    golden(render_document(loaded["ha-long-2022"], "md", lang="en"),
           "document/ha-long-2022.en.md")


# ------------------------------------------------------------------ Markdown
@pytest.mark.parametrize("name", NAMES)
def test_markdown_table_has_a_row_per_objective(name: str,
                                                loaded: dict[str, kpirules.Ruleset]) -> None:
    rs = loaded[name]
    text = render_document(rs, "md")
    assert isinstance(text, str)
    lines = text.splitlines()
    assert lines[0] == "# " + nfc(rs.label)
    table = [ln for ln in lines if ln.startswith("|")]
    assert table[0].startswith("| STT | Mục tiêu chất lượng | Đo lường kết quả | "
                               "Biện pháp thực hiện | Trách nhiệm | Thời gian hoàn thành | "
                               "Nguồn lực cần thiết |")
    body = table[2:]
    assert len(body) == len(rs.ast.objectives)
    for line, o in zip(body, rs.ast.objectives):
        # every row has exactly the 7 cells: no unescaped pipe, no raw newline
        cells = _md_cells(line)
        assert len(cells) == len(COLUMNS), line
        assert o.id.value in cells[0]
        assert nfc(o.label) in cells[1].replace("\\*", "*")


def _md_cells(line: str) -> list[str]:
    out, cur, i = [], "", 1
    while i < len(line) - 1:
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            cur += line[i:i + 2]
            i += 2
            continue
        if ch == "|":
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    out.append(cur.strip())
    return out


def test_markdown_escapes_pipes_newlines_and_tags() -> None:
    rs = kpirules.loads(
        'ruleset "R"\nperiod 2022\nfact a : count\nfact b : count\n'
        'objective O1 "a | b <script>x</script> *nhấn*" {\n'
        '  measure a / b\n  target >= 10%\n  method "dòng một\\ndòng hai"\n}\n', "r.kpi")
    text = render_document(rs, "md")
    assert isinstance(text, str)
    row = next(ln for ln in text.splitlines() if ln.startswith("| 1"))
    assert "a \\| b" in row
    assert "&lt;script>" in row and "<script>" not in row
    assert "\\*nhấn\\*" in row
    assert len(_md_cells(row)) == len(COLUMNS)
    if "dòng một" in row:  # the grammar may or may not read \n escapes in strings
        assert "\n" not in row


# ------------------------------------------------------------------ HTML
@pytest.mark.parametrize("name", NAMES)
def test_html_is_a_self_contained_page(name: str, loaded: dict[str, kpirules.Ruleset]) -> None:
    rs = loaded[name]
    page = render_document(rs, "html")
    assert isinstance(page, str)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"vi\">")
    assert '<meta charset="utf-8">' in page
    assert "@page { size: A4 landscape" in page
    assert "display: table-header-group" in page
    # nothing loaded from elsewhere
    for needle in ("http://", "https://", "<link", "<script", "src="):
        assert needle not in page, needle
    assert page.count('<tr id="objective-') == len(rs.ast.objectives)
    for o in rs.ast.objectives:
        assert f'id="objective-{o.id.value}"' in page


def test_html_escapes_ruleset_text_and_switches_language() -> None:
    rs = kpirules.loads(
        'ruleset "R <b>"\nperiod 2022\nfact a : count\nfact b : count\n'
        'objective O1 "<script>alert(1)</script> & co": a / b >= 10%\n', "r.kpi")
    page = render_document(rs, "html", lang="en")
    assert isinstance(page, str)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<title>R &lt;b&gt;</title>" in page
    assert '<html lang="en">' in page
    assert "<th scope=\"col\">No.</th>" in page
    assert "Quality objective" in page


# ------------------------------------------------------------------ the text printers
def _objective(text: str) -> ast.Objective:
    facts = "".join(f"fact {n} : count\n" for n in ("a", "b", "c", "late", "resolved"))
    rs = kpirules.loads(f'ruleset "R"\nunit r\nperiod 2022\n{facts}{text}\n', "t.kpi")
    return rs.ast.objectives[0]


@pytest.mark.parametrize("src, vi, en", [
    ("a / b >= 98%", "a / b ≥ 98%", "a / b ≥ 98%"),
    ("a / (b - c) > 99.9%", "a / (b − c) > 99,9%", "a / (b − c) > 99.9%"),
    ("(a + b) / c >= 40%", "(a + b) / c ≥ 40%", "(a + b) / c ≥ 40%"),
    ("1 - late / resolved >= 93%", "1 − late / resolved ≥ 93%",
     "1 − late / resolved ≥ 93%"),
    ("a - (b - c) <= 5", "a − (b − c) ≤ 5", "a − (b − c) ≤ 5"),
    ("a - b - c != 0", "a − b − c ≠ 0", "a − b − c ≠ 0"),
    ("max(a, b) * 2 < 10", "max(a, b) × 2 < 10", "max(a, b) × 2 < 10"),
    ("a / b between 10% and 15.5%", "a / b từ 10% đến 15,5%",
     "a / b between 10% and 15.5%"),
])
def test_target_text(src: str, vi: str, en: str) -> None:
    o = _objective(f'objective O "x": {src}')
    assert o.measure is not None and o.target is not None
    assert target_text(o.measure, o.target) == vi
    assert target_text(o.measure, o.target, "en") == en


def test_measure_text_of_negation_and_quantities() -> None:
    m = ast.Neg(ast.BinOp("+", ast.FactRef("a"), ast.FactRef("b")))
    assert measure_text(m) == "−(a + b)"
    q = ast.Number(Fraction("2.5"), "2.5 h", uom=ast.Ident("h"))
    assert measure_text(q) == "2,5 h"
    assert measure_text(q, "en") == "2.5 h"


@pytest.mark.parametrize("due, vi, en", [
    (ast.Due("ongoing", "ongoing"), "Thường xuyên", "Ongoing"),
    (ast.Due("period", "2022"), "Cả năm 2022", "Full year 2022"),
    (ast.Due("period", "2022-Q1"), "Quý I/2022", "Q1 2022"),
    (ast.Due("period", "2021-Q4"), "Quý IV/2021", "Q4 2021"),
    (ast.Due("period", "2022-12"), "Tháng 12/2022", "December 2022"),
    (ast.Due("period", "2021-05"), "Tháng 05/2021", "May 2021"),
    (ast.Due("date", "2022-12-31"), "31/12/2022", "31 December 2022"),
    (ast.Due("date", "2022-01-05"), "05/01/2022", "5 January 2022"),
    (ast.Due("text", "Khi có phát sinh"), "Khi có phát sinh", "Khi có phát sinh"),
])
def test_due_text(due: ast.Due, vi: str, en: str) -> None:
    assert due_text(due) == vi
    assert due_text(due, "en") == en


def test_due_written_in_a_ruleset() -> None:
    o = _objective('objective O "x" {\n measure a / b\n target >= 1%\n due 2022-12-31\n}')
    assert o.due is not None and due_text(o.due) == "31/12/2022"
    o = _objective('objective O "x" {\n measure a / b\n target >= 1%\n due 2022-Q3\n}')
    assert o.due is not None and due_text(o.due) == "Quý III/2022"


def test_condition_text_precedence() -> None:
    lvl = ast.Ident("level")
    a = ast.Compare(lvl, "=", ast.Text("xa", "string"))
    b = ast.InList(lvl, (ast.Text("phuong", "string"), ast.Text("xa", "string")))
    c = ast.Compare(ast.Ident("kind"), "!=", ast.Text("tthc", "string"))
    cond = ast.BoolOp("and", ast.BoolOp("or", a, b), ast.Not(c))
    assert condition_text(cond) == \
        '(level = "xa" hoặc level thuộc ("phuong", "xa")) và không phải kind ≠ "tthc"'
    assert condition_text(cond, "en") == \
        '(level = "xa" or level in ("phuong", "xa")) and not kind ≠ "tthc"'
    flat = ast.BoolOp("or", a, ast.BoolOp("and", b, c))
    assert condition_text(flat, "en") == \
        'level = "xa" or level in ("phuong", "xa") and kind ≠ "tthc"'


def test_objective_cell_carries_target_warn_scope_cadence_and_note(
        loaded: dict[str, kpirules.Ruleset]) -> None:
    doc = build_document(loaded["ha-long-2022"])
    row = {r.id: r for r in doc.rows}["Q3.2"]
    objective = [(line.lead, line.text) for line in row.cells[1]]
    assert objective[1] == ("Chỉ tiêu:", "on_time / resolved > 99,9%")
    assert ("Từng đơn vị:", 'level thuộc ("phuong", "xa")') in objective
    assert any(lead == "Ghi chú:" for lead, _ in objective)
    method = [(line.lead, line.text) for line in row.cells[2]]
    assert ("Tần suất theo dõi:", "Hàng quý") in method
    q31 = {r.id: r for r in doc.rows}["Q3.1"]
    assert ("Cảnh báo khi:", "< 98,5%") in [(ln.lead, ln.text) for ln in q31.cells[1]]
    assert ("Đơn vị:", "tthcc") in [(ln.lead, ln.text) for ln in q31.cells[1]]
    pl = {r.id: r for r in build_document(loaded["phuoc-long-2021"]).rows}["PL4.2"]
    assert ("Tần suất theo dõi:", "Hàng tháng") in [(ln.lead, ln.text) for ln in pl.cells[2]]


def test_responsibility_and_compound_targets(loaded: dict[str, kpirules.Ruleset]) -> None:
    rows = {r.id: r for r in build_document(loaded["ubnd-thanh-pho-2021"]).rows}
    mt2 = [(ln.style, ln.lead, ln.text) for ln in rows["MT2"].cells[4]]
    assert mt2 == [("text", "Chủ trì:", ""), ("bullet", "", "Lãnh đạo UBND TP"),
                   ("bullet", "", "Văn phòng HĐND và UBND TP"),
                   ("bullet", "", "Lãnh đạo các cơ quan chuyên môn")]
    mt3 = [(ln.style, ln.lead, ln.text) for ln in rows["MT3"].cells[1]]
    assert ("text", "Chỉ tiêu (đạt tất cả):", "") in mt3
    assert ("bullet", "", "giai_quyet: feedback_resolved / feedback_received ≥ 100%") in mt3
    assert ("text", "Các đơn vị (tính gộp):", 'kind = "tthc"') in mt3
    mt21 = [(ln.lead, ln.text) for ln in rows["MT2.1"].cells[4]]
    assert mt21 == [("Chủ trì:", "Lãnh đạo các cơ quan chuyên môn"),
                    ("Phối hợp:", "Văn phòng HĐND và UBND TP")]
    assert [ln.text for ln in rows["MT5"].cells[5]] == ["Tháng 10/2021"]
    assert [ln.style for ln in rows["MT1.1"].cells[6]] == ["bullet"] * 3


def test_header_lines(loaded: dict[str, kpirules.Ruleset]) -> None:
    doc = build_document(loaded["ha-long-2022"])
    assert doc.title == "Mục tiêu chất lượng năm 2022 — UBND thành phố Hạ Long"
    assert doc.meta == (
        ("Đơn vị", "ha-long"), ("Kỳ kế hoạch", "Năm 2022"),
        ("Ban hành", "UBND thành phố Hạ Long (TM. Ủy ban nhân dân, Chủ tịch Nguyễn Tiến Dũng)"))
    en = build_document(loaded["ha-long-2022"], lang="en")
    assert en.meta[1] == ("Period", "Year 2022")
    assert en.headings == ("No.", "Quality objective", "How measured", "Actions",
                           "Responsibility", "Due", "Resources needed")
    assert abs(sum(doc.widths) - 267) < 0.5


def test_nfd_input_comes_out_nfc() -> None:
    label = unicodedata.normalize("NFD", "Hồ sơ trễ hạn dưới 2%")
    rs = kpirules.loads(f'ruleset "R"\nperiod 2022\nfact a : count\nfact b : count\n'
                        f'objective O "{label}": a / b < 2%\n', "r.kpi")
    text = render_document(rs, "md")
    assert isinstance(text, str)
    assert "Hồ sơ trễ hạn dưới 2%" in text
    assert text == unicodedata.normalize("NFC", text)


def test_bad_arguments(loaded: dict[str, kpirules.Ruleset]) -> None:
    rs = loaded["ha-long-2022"]
    with pytest.raises(ValueError, match="unknown document format 'pdf'"):
        render_document(rs, "pdf")
    with pytest.raises(ValueError, match="unknown document language 'fr'"):
        render_document(rs, "md", lang="fr")
    with pytest.raises(TypeError, match="kpirules.Ruleset"):
        render_document("rulesets/ha-long-2022.kpi", "md")
    # the AST alone is enough
    assert render_document(rs.ast, "md") == render_document(rs, "md")


# ------------------------------------------------------------------ docx
@pytest.fixture(scope="module")
def docx_mod():
    return pytest.importorskip("docx", reason="python-docx is not installed "
                               "(pip install 'kpirules[docx]')")


@pytest.fixture(scope="module")
def docx_files(tmp_path_factory: pytest.TempPathFactory, docx_mod,
               loaded: dict[str, kpirules.Ruleset]) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("docx")
    files = {}
    for name, rs in loaded.items():
        data = render_document(rs, "docx")
        assert isinstance(data, bytes)
        files[name] = out / f"{name}.docx"
        files[name].write_bytes(data)
    return files


@pytest.mark.parametrize("name", NAMES)
def test_docx_read_back(name: str, docx_mod, docx_files: dict[str, Path],
                        loaded: dict[str, kpirules.Ruleset]) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn

    rs = loaded[name]
    d = docx_mod.Document(str(docx_files[name]))
    section = d.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert abs(section.page_width.mm - 297) < 0.5 and abs(section.page_height.mm - 210) < 0.5

    body = "\n".join(p.text for p in d.paragraphs)
    assert nfc(rs.label) in body

    assert len(d.tables) == 1
    table = d.tables[0]
    assert len(table.rows) == len(rs.ast.objectives) + 1
    header = table.rows[0]
    assert header.cells[0].text == "STT"
    assert [c.text for c in header.cells] == list(build_document(rs).headings)
    tr_pr = header._tr.trPr
    assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
    assert all(r.bold for c in header.cells for p in c.paragraphs for r in p.runs)

    for row, o in zip(table.rows[1:], rs.ast.objectives):
        assert row.cells[0].text.split("\n") == [str(rs.ast.objectives.index(o) + 1),
                                                 o.id.value]
        objective = row.cells[1].text
        assert nfc(o.label) in objective
        assert nfc(objective) == objective
        responsibility = row.cells[4].text
        for who in (*o.owner, *o.support):
            assert nfc(who) in responsibility
        for action in o.actions:
            assert nfc(action) in row.cells[3].text
        bullets = [p for p in row.cells[3].paragraphs if p.style.name == "List Bullet"]
        assert len(bullets) == (len(o.actions) if len(o.actions) > 1 else 0)
        for res in o.resources:
            assert nfc(res) in row.cells[6].text
        if o.due is not None:
            assert row.cells[5].text == due_text(o.due)

    assert d.styles["Normal"].font.name == "Times New Roman"
    props = d.core_properties
    assert props.author == "kpirules"
    assert props.title == nfc(rs.label)
    period = parse_period(rs.period or "2000")
    assert props.created == datetime(period.year, period.months()[0].index, 1, tzinfo=UTC)
    assert props.modified == props.created


def test_docx_vietnamese_text_survives(docx_mod, docx_files: dict[str, Path],
                                       loaded: dict[str, kpirules.Ruleset]) -> None:
    d = docx_mod.Document(str(docx_files["ubnd-xa-2022"]))
    text = "\n".join(c.text for row in d.tables[0].rows for c in row.cells)
    for phrase in ("Thời gian hoàn thành", "Nguồn lực cần thiết", "Chủ trì:", "Phối hợp:",
                   "Thường xuyên", "Tư pháp – Hộ tịch", "“4 tại chỗ”",
                   ("Trong thời gian 07 ngày làm việc kể từ khi nhận được thông tin phản ánh, "
                    "kiến nghị")):
        assert nfc(phrase) in text, phrase


def test_docx_is_deterministic(docx_mod, loaded: dict[str, kpirules.Ruleset]) -> None:
    rs = loaded["phuoc-long-2021"]
    a = render_document(rs, "docx")
    b = render_document(rs, "docx")
    assert a == b
    assert isinstance(a, bytes)
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "word/document.xml" in z.namelist()


def test_docx_english_headings(docx_mod, loaded: dict[str, kpirules.Ruleset]) -> None:
    data = render_document(loaded["ha-long-2022"], "docx", lang="en")
    assert isinstance(data, bytes)
    d = docx_mod.Document(io.BytesIO(data))
    assert d.tables[0].rows[0].cells[0].text == "No."
    assert d.tables[0].rows[1].cells[5].text == "Full year 2022"


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed; "
                    "the .docx → PDF conversion check needs it (apt-get install "
                    "libreoffice-writer-nogui)")
def test_docx_converts_to_pdf_with_libreoffice(docx_files: dict[str, Path],
                                               tmp_path: Path) -> None:
    soffice = _soffice()
    assert soffice is not None
    profile = (tmp_path / "profile").as_uri()  # a private profile: runs may overlap
    cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
           "--outdir", str(tmp_path), *map(str, docx_files.values())]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    for name in docx_files:
        pdf = tmp_path / f"{name}.pdf"
        assert pdf.exists(), f"{pdf} not written; soffice said: {proc.stdout}{proc.stderr}"
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 1000


# ------------------------------------------------------------------ the command
def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kpirules")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["doc", *argv])


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(_args(*argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_markdown_to_stdout(loaded: dict[str, kpirules.Ruleset]) -> None:
    path = ROOT / "rulesets" / "ha-long-2022.kpi"
    code, out, err = _run(str(path))
    assert (code, err) == (0, "")
    assert out == render_document(loaded["ha-long-2022"], "md")


def test_cli_writes_html_and_docx(tmp_path: Path, loaded: dict[str, kpirules.Ruleset]) -> None:
    path = ROOT / "rulesets" / "ubnd-xa-2022.kpi"
    html = tmp_path / "plan.html"
    code, out, err = _run(str(path), "--format", "html", "--output", str(html), "--lang", "en")
    assert (code, out) == (0, "")
    assert err == f"wrote {html}\n"
    assert html.read_text(encoding="utf-8") == \
        render_document(loaded["ubnd-xa-2022"], "html", lang="en")
    pytest.importorskip("docx")
    target = tmp_path / "plan.docx"
    code, out, err = _run(str(path), "--format", "docx", "-o", str(target))
    assert (code, out) == (0, "")
    assert target.read_bytes() == render_document(loaded["ubnd-xa-2022"], "docx")


def test_cli_docx_needs_output() -> None:
    code, out, err = _run(str(ROOT / "rulesets" / "ha-long-2022.kpi"), "--format", "docx")
    assert code == 2
    assert out == ""
    assert err.startswith("kpirules: error: --format docx writes a binary file")
    assert "--output" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink"])
def test_cli_refuses_to_overwrite_the_ruleset(tmp_path: Path, spelling: str) -> None:
    ruleset = tmp_path / "plan.kpi"
    original = (ROOT / "rulesets" / "ha-long-2022.kpi").read_bytes()
    ruleset.write_bytes(original)
    target = {"same": str(ruleset),
              "dotted": str(tmp_path / "." / "sub" / ".." / "plan.kpi"),
              "symlink": str(tmp_path / "link.kpi")}[spelling]
    (tmp_path / "sub").mkdir()
    if spelling == "symlink":
        os.symlink(ruleset, target)
    for fmt in ("md", "docx"):
        code, out, err = _run(str(ruleset), "--format", fmt, "--output", target)
        assert (code, out) == (2, "")
        assert "is the ruleset itself" in err
        assert "Traceback" not in err
    assert ruleset.read_bytes() == original


def test_cli_invalid_ruleset_is_rendered_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.kpi"
    bad.write_text('ruleset "R"\nperiod 2022\nobjective O "x": nothing / here >= 10%\n',
                   encoding="utf-8")
    code, out, err = _run(str(bad), "--output", str(tmp_path / "x.md"))
    assert code == 2
    assert out == ""
    assert f"{bad}:3:" in err and "error[E201]" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.md").exists()


def test_cli_missing_ruleset(tmp_path: Path) -> None:
    code, _, err = _run(str(tmp_path / "nope.kpi"))
    assert code == 2
    assert "nope.kpi" in err
    assert "Traceback" not in err


def test_cli_unwritable_output(tmp_path: Path) -> None:
    code, _, err = _run(str(ROOT / "rulesets" / "ha-long-2022.kpi"),
                        "--output", str(tmp_path / "no" / "such" / "dir.md"))
    assert code == 2
    assert err.startswith("kpirules: error:")


def test_formats_constant() -> None:
    assert FORMATS == ("md", "html", "docx")


def test_wired_into_the_cli_when_cli_py_has_it(tmp_path: Path) -> None:
    """Once cli.py calls add_parser/main, ``kpirules doc`` goes through them."""
    from kpirules import cli

    out, err = io.StringIO(), io.StringIO()
    if cli.main(["doc", "--help"], out, err) != 0:
        pytest.skip("kpirules/cli.py does not wire the `doc` subcommand yet")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["doc", str(ROOT / "rulesets" / "ha-long-2022.kpi"), "--format", "docx"],
                    out, err)
    assert code == 2 and "--output" in err.getvalue()

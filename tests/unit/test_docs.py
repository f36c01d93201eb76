"""The docs stay honest: they stand alone, the README lists them all, and the data they
show is data kpirules reads.

- No doc, README, docstring, comment or message of the package mentions SPEC (a file
  users do not have): the docs say things in their own words.
- Every ``docs/*.md`` is linked from the README's Documentation list, and every doc the
  README links exists.
- The facts file shown in the README and in docs/language.md is lines of the Hạ Long
  example's ``facts.csv`` and reads cleanly; the worksheet shown there, typed into a
  workbook, reads as the same values.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpirules.facts import read_facts

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
EXAMPLE_FACTS = ROOT / "examples" / "ha-long-2022" / "facts.csv"
SHOWN_IN = [README, ROOT / "docs" / "language.md"]

PENDING: set[str] = set()  # docs the README may name before they exist (none now)


def user_facing_files() -> list[Path]:
    files = [README, *DOCS, *(ROOT / "docs").glob("*.json"), ROOT / "grammar" / "kpi.lark"]
    for pattern in ("*.py", "*.json", "*.j2", "*.lark", "*.css", "*.html"):
        files += (ROOT / "kpirules").rglob(pattern)
    return sorted(set(files))


def test_nothing_users_read_mentions_spec() -> None:
    hits = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for path in user_facing_files()
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"\bSPEC\b", line)]
    assert not hits, "say it in the docs' own words:\n" + "\n".join(hits)


def readme_doc_links() -> set[str]:
    return set(re.findall(r"\]\((docs/[^)#\s]+\.md)\)", README.read_text(encoding="utf-8")))


def test_readme_lists_every_doc() -> None:
    unlisted = [f"docs/{p.name}" for p in DOCS if f"docs/{p.name}" not in readme_doc_links()]
    assert not unlisted, f"add to the README's Documentation list: {unlisted}"


def test_every_doc_the_readme_links_exists() -> None:
    missing = sorted(link for link in readme_doc_links() - PENDING if not (ROOT / link).is_file())
    assert not missing


def csv_block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```csv\n(.*?)```", text, re.DOTALL)
              if b.startswith("unit,period,fact,value,uom\n")
              and "tthcc,2022-Q3,resolved,19033," in b]
    assert len(blocks) == 1, f"{path.name}: the Hạ Long facts excerpt is not shown once"
    return blocks[0]


def sheet_table(path: Path) -> list[list[str]]:
    """The worksheet shown as a Markdown table: rows of cells, column A first."""
    text = path.read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if re.match(r"\|\s*\*\*\d+\*\*\s*\|", line)]
    assert rows and rows[0][1:] == ["unit", "period", "fact", "value", "uom"], path.name
    return [r[1:] for r in rows]


@pytest.mark.parametrize("path", SHOWN_IN, ids=lambda p: p.name)
def test_the_facts_excerpt_is_the_example_and_reads(path: Path, tmp_path: Path) -> None:
    block = csv_block(path)
    example = set(EXAMPLE_FACTS.read_text(encoding="utf-8").splitlines())
    assert [line for line in block.splitlines() if line not in example] == []
    shown = tmp_path / "facts.csv"
    shown.write_text(block, encoding="utf-8")
    assert len(read_facts(shown).values) == len(block.splitlines()) - 1


@pytest.mark.parametrize("path", SHOWN_IN, ids=lambda p: p.name)
def test_the_worksheet_shown_reads_as_those_values(path: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    header, *rows = sheet_table(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append([int(c) if c.isdigit() else (c or None) for c in row])
    book = tmp_path / "facts.xlsx"
    wb.save(book)
    got = {(v.unit, str(v.period), v.fact): v.value for v in read_facts(book).values}
    csv = tmp_path / "facts.csv"
    csv.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    want = {(v.unit, str(v.period), v.fact): v.value for v in read_facts(csv).values}
    assert got == want and len(got) == len(rows)
    example = set(EXAMPLE_FACTS.read_text(encoding="utf-8").splitlines())
    assert all(",".join(r) in example for r in rows)

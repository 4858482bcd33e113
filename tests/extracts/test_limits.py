"""Hostile extract files are refused before they are read, and within a memory cap."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sfclaims.intake.limits import LARGEST_CELL, check_csv, check_xlsx
from sfclaims.intake.synthetic import write_authority
from sfclaims.platform.errors import RefusedError

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def crafted_xlsx(
    path: Path, dimension: str, cells: str, shared: list[str] = (), sheet: str | None = None
) -> Path:
    """A workbook made by hand, as an attacker would: a few KB whatever it declares."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            sheet
            or f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>{cells}'
            "</sheetData></worksheet>",
        )
        items = "".join(f"<si><t>{text}</t></si>" for text in shared)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>',
        )
    return path


HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>Family ID</t></is></c></row>'


def far_corner(path: Path, corner: str) -> Path:
    row = "".join(ch for ch in corner if ch.isdigit())
    cell = f'<row r="{row}"><c r="{corner}" t="inlineStr"><is><t>x</t></is></c></row>'
    return crafted_xlsx(path, f"A1:{corner}", HEADER_ROW + cell)


def repeated_huge_string(path: Path) -> Path:
    cells = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(2, 2000))
    return crafted_xlsx(path, "A1:A1999", HEADER_ROW + cells, ["x" * 10_000_000])


@pytest.mark.parametrize(
    ("corner", "says"),
    [("XFD1048576", "16,384 columns wide"), ("EU1048576", "1,048,576 rows by 151 columns")],
)
def test_an_xlsx_declaring_a_vast_sheet_is_refused_while_it_is_small(tmp_path, corner, says):
    path = far_corner(tmp_path / "previous_claims.xlsx", corner)
    assert path.stat().st_size < 5_000
    with pytest.raises(RefusedError, match=says):
        check_xlsx(path)


@pytest.mark.parametrize(
    "cells",
    [
        # single quotes, as XML allows: text matching once let this 1.6 KB workbook through
        "<row r='2'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
        # a namespace prefix and whitespace around the equals sign
        f'<x:row xmlns:x="{MAIN}" r = "2"><x:c r = "XFD1048576"><x:v>1</x:v></x:c></x:row>',
        # no row number, the far cell alone
        "<row><c r='XFD1048576'><v>1</v></c></row>",
    ],
)
def test_an_xlsx_whose_far_cell_is_written_any_way_xml_allows_is_refused(tmp_path, cells):
    path = crafted_xlsx(tmp_path / "previous_claims.xlsx", "A1:A2", HEADER_ROW + cells)
    assert path.stat().st_size < 2_000
    with pytest.raises(RefusedError, match="16,384 columns wide"):
        check_xlsx(path)


def hostile_variant(path: Path, seed: int) -> Path:
    """One of the ways a workbook may hide a vast sheet or text table from a check that reads
    its text, chosen and dressed by the seed: quoting, a namespace prefix, relations that name
    the sheet differently, cells without references, a declared count of texts."""
    import random

    chance = random.Random(seed)
    quote = chance.choice(['"', "'"])
    prefix = chance.choice(["", "x:", "ss:"])
    declare = (
        f" xmlns:{prefix[:-1]}={quote}{MAIN}{quote}" if prefix else f" xmlns={quote}{MAIN}{quote}"
    )
    kind = chance.choice(["unnumbered cells", "far cell", "vast dimension", "many texts"])
    if kind == "unnumbered cells":  # 16,384 cells in a row, none named
        cells = f"<{prefix}c><{prefix}v>1</{prefix}v></{prefix}c>" * (LARGEST_COLUMNS_SEEN + 1)
        body = f"<{prefix}row>{cells}</{prefix}row>"
    elif kind == "far cell":
        body = (
            f"<{prefix}row r={quote}7{quote}><{prefix}c r={quote}XFD7{quote}>"
            f"<{prefix}v>1</{prefix}v></{prefix}c></{prefix}row>"
        )
    else:
        body = f"<{prefix}row r={quote}1{quote}><{prefix}c r={quote}A1{quote}/></{prefix}row>"
    dimension = "A1:ZZZ999999" if kind == "vast dimension" else "A1"
    sheet = (
        f"<{prefix}worksheet{declare}><{prefix}dimension ref={quote}{dimension}{quote}/>"
        f"<{prefix}sheetData>{body}</{prefix}sheetData></{prefix}worksheet>"
    )
    crafted_xlsx(path, "", "", sheet=sheet)
    if kind == "many texts":  # a table that declares more texts than any sheet holds
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(
                "xl/sharedStrings2.xml",
                f"<{prefix}sst{declare} count={quote}99999999999{quote} "
                f"uniqueCount={quote}99999999999{quote}><{prefix}si><{prefix}t>x</{prefix}t>"
                f"</{prefix}si></{prefix}sst>",
            )
    if chance.random() < 0.5:  # relations in single quotes naming another part: no matter
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(
                "xl/worksheets/sheet9.xml",
                f"<worksheet xmlns='{MAIN}'><sheetData>{HEADER_ROW}</sheetData></worksheet>",
            )
    return path


LARGEST_COLUMNS_SEEN = 16_384  # Excel's widest sheet: what the reader was asked to allocate


@pytest.mark.parametrize("seed", range(24))
def test_a_hostile_workbook_is_refused_however_it_is_written(tmp_path, seed):
    path = hostile_variant(tmp_path / "previous_claims.xlsx", seed)
    assert path.stat().st_size < 200_000
    with pytest.raises(RefusedError, match="far more than a real extract holds"):
        check_xlsx(path)


def test_a_workbook_whose_relations_are_in_single_quotes_still_has_its_sheet_checked(tmp_path):
    path = far_corner(tmp_path / "previous_claims.xlsx", "XFD1048576")
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b'"', b"'")
    parts["xl/workbook.xml"] = (
        parts["xl/workbook.xml"].replace(b"r:id", b"rel:id").replace(b"xmlns:r=", b"xmlns:rel=")
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(RefusedError, match="16,384 columns wide"):
        check_xlsx(path)


def test_an_xlsx_sheet_declaring_entities_is_refused(tmp_path):
    declaring = (
        '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER_ROW}</sheetData></worksheet>'
    )
    path = crafted_xlsx(tmp_path / "previous_claims.xlsx", "", "", sheet=declaring)
    with pytest.raises(RefusedError, match="declares a document type or entities"):
        check_xlsx(path)


def test_an_xlsx_repeating_a_huge_shared_string_is_refused(tmp_path):
    path = repeated_huge_string(tmp_path / "previous_claims.xlsx")
    assert path.stat().st_size < 100_000
    with pytest.raises(RefusedError, match="a text longer than a cell may hold"):
        check_xlsx(path)


def test_a_real_workbook_passes(tmp_path):
    write_authority(tmp_path, families=40)
    check_xlsx(tmp_path / "lead_practitioners.xlsx")
    check_xlsx(tmp_path / "previous_claims.xlsx")


def test_a_csv_with_a_line_longer_than_any_extract_is_refused(tmp_path):
    path = tmp_path / "families.csv"
    path.write_text("Family ID,Episode Start Date\n" + "F1," + "x" * 2_000_000 + "\n")
    with pytest.raises(RefusedError, match="a line longer than 1,000,000 bytes"):
        check_csv(path)


def test_a_csv_cell_longer_than_a_cell_may_hold_is_refused_naming_row_and_column(
    tmp_path, sqlite_url
):
    from sfclaims.intake.importing import import_folder
    from sfclaims.platform.db import open_database
    from sfclaims.platform.framework import load_framework

    (tmp_path / "families.csv").write_text(
        "Family ID,Episode Start Date,Team\nF1,01/01/2025,North\n"
        f"F2,01/01/2025,{'y' * (LARGEST_CELL + 1)}\n"
    )
    with pytest.raises(RefusedError, match=r"a cell of 32,768 characters \(row 3, column Team\)"):
        import_folder(open_database(sqlite_url), tmp_path, load_framework())


CAPPED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
sys.argv = ["sfclaims", "--database-url", sys.argv[1], "import", sys.argv[2]]
from sfclaims.cli import main
main()
"""


@pytest.mark.parametrize("crafted", [far_corner, repeated_huge_string])
def test_a_hostile_workbook_is_refused_by_the_command_under_a_2_gb_memory_cap(
    tmp_path, sqlite_url, crafted
):
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "families.csv").write_text("Family ID,Episode Start Date\nF1,01/01/2025\n")
    if crafted is far_corner:
        crafted(folder / "previous_claims.xlsx", "XFD1048576")
    else:
        crafted(folder / "previous_claims.xlsx")
    done = subprocess.run(
        [sys.executable, "-c", CAPPED, sqlite_url, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "previous_claims.xlsx" in done.stderr and "nothing was imported" in done.stderr

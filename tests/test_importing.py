"""The import: every bad row set aside with where and why, the rest loaded, and a folder imported
as a whole or not at all. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy import Engine, MetaData, select, text
from sqlalchemy.exc import DBAPIError

from sfclaims.intake import importing
from sfclaims.intake.importing import import_folder
from sfclaims.platform.db import Staging
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.framework import load_framework
from sfclaims.platform.models import Attendance, Family, Need, Person, Plan, SetAsideRow

FRAMEWORK = load_framework()
TODAY = date(2026, 1, 15)

FAMILIES = """Family ID,Episode Start Date,Episode End Date,Team
F1,10/01/2024,30/09/2024,North
F2,2024-02-01,,South
"""
PEOPLE = """Person ID,Family ID,Role,Date Of Birth,UPN,Household Member,Expectant Parent
P1,F1,Parent/Carer,03/03/1985,,Y,
C1,F1,child,01/05/2015,0012345,yes,
P2,F2,PARENT/CARER,,,1,true
"""
NEEDS_HEADER = "Need ID,Family ID,Person ID,Headline,Date Identified,Status\n"


def write_folder(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, contents in files.items():
        (folder / f"{kind}.csv").write_text(contents, encoding="utf-8")
    return folder


def base_folder(tmp_path: Path, **files: str) -> Path:
    return write_folder(tmp_path / "extracts", families=FAMILIES, people=PEOPLE, **files)


def run_import(engine: Engine, folder: Path, **options) -> importing.ImportResult:
    return import_folder(engine, folder, FRAMEWORK, import_date=TODAY, **options)


def database_state(engine: Engine) -> dict[str, list[tuple]]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
            for name, table in metadata.tables.items()
        }


def set_aside(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                SetAsideRow.file_name,
                SetAsideRow.row_number,
                SetAsideRow.column_name,
                SetAsideRow.value,
                SetAsideRow.reason,
            )
        ).all()
    return sorted(tuple(r) for r in rows)


def test_a_clean_folder_loads_every_row_with_typed_values(engine, tmp_path):
    result = run_import(engine, base_folder(tmp_path))
    assert [(f.file_name, f.rows_read, f.rows_loaded, f.rows_set_aside) for f in result.files] == [
        ("families.csv", 2, 2, 0),
        ("people.csv", 3, 3, 0),
    ]
    with engine.connect() as connection:
        child = connection.execute(select(Person).where(Person.person_id == "C1")).one()
        family = connection.execute(select(Family).where(Family.family_id == "F1")).one()
        expectant = connection.execute(
            select(Person.expectant_parent).where(Person.person_id == "P2")
        ).scalar_one()
    assert child.upn == "0012345" and child.role == "Child" and child.household_member is True
    assert child.date_of_birth == date(2015, 5, 1) and child.source_row == 3
    assert family.episode_start == date(2024, 1, 10) and family.episode_end == date(2024, 9, 30)
    assert expectant is True


ROW_PROBLEMS = [
    pytest.param(
        "needs",
        NEEDS_HEADER + "N1,F1,P1,HEALTH,31/02/2024,Identified\n",
        (
            "needs.csv",
            2,
            "Date Identified",
            "31/02/2024",
            "Date Identified is not a date; use DD/MM/YYYY or YYYY-MM-DD.",
        ),
        id="not-a-date",
    ),
    pytest.param(
        "needs",
        NEEDS_HEADER + "N1,F1,P1,HEALTH,16/01/2026,Identified\n",
        (
            "needs.csv",
            2,
            "Date Identified",
            "16/01/2026",
            "Date Identified is later than the day of import (15/01/2026).",
        ),
        id="after-import",
    ),
    pytest.param(
        "needs",
        NEEDS_HEADER + "N1,F1,P1,HEALTH,01/02/2024,Done\n",
        (
            "needs.csv",
            2,
            "Status",
            "Done",
            "Status is not one of the listed values: Identified, Withdrawn.",
        ),
        id="status-not-listed",
    ),
    pytest.param(
        "needs",
        NEEDS_HEADER + "N1,F1,P2,HEALTH,01/02/2024,Identified\n",
        (
            "needs.csv",
            2,
            "Person ID",
            "P2",
            "Person ID is not a person of this row's family in the people extract.",
        ),
        id="person-of-another-family",
    ),
    pytest.param(
        "needs",
        NEEDS_HEADER + "N1,F9,,HEALTH,01/02/2024,Identified\n",
        ("needs.csv", 2, "Family ID", "F9", "Family ID names no family in the families extract."),
        id="need-unknown-family",
    ),
    pytest.param(
        "needs",
        NEEDS_HEADER + "N1,F1,,Wellbeing,01/02/2024,Identified\n",
        (
            "needs.csv",
            2,
            "Headline",
            "Wellbeing",
            "Headline is none of the ten headlines (give its code, its number 1-10 or its name).",
        ),
        id="not-a-headline",
    ),
    pytest.param(
        "needs",
        NEEDS_HEADER + "N1,F1,,HEALTH,,Identified\n",
        ("needs.csv", 2, "Date Identified", "", "Date Identified is blank; it is required."),
        id="required-blank",
    ),
    pytest.param(
        "people",
        "Person ID,Family ID,Role,Household Member\nP9,F9,Child,Y\n",
        ("people.csv", 2, "Family ID", "F9", "Family ID names no family in the families extract."),
        id="person-unknown-family",
    ),
    pytest.param(
        "people",
        "Person ID,Family ID,Role,Household Member\nP9,F1,Child,maybe\n",
        (
            "people.csv",
            2,
            "Household Member",
            "maybe",
            "Household Member is not a flag; use Y or N (Yes/No, True/False and 1/0 are accepted too).",
        ),
        id="not-a-flag",
    ),
    pytest.param(
        "plans",
        "Plan ID,Family ID,Plan Start Date,Members Covered,Headlines Addressed\n"
        "PL1,F9,01/02/2024,P1,HEALTH\n",
        ("plans.csv", 2, "Family ID", "F9", "Family ID names no family in the families extract."),
        id="plan-unknown-family",
    ),
    pytest.param(
        "plans",
        "Plan ID,Family ID,Plan Start Date,Members Covered,Headlines Addressed\n"
        "PL1,F1,01/02/2024,P1; P2,HEALTH\n",
        (
            "plans.csv",
            2,
            "Members Covered",
            "P1; P2",
            "Members Covered names someone who is not a person of this row's family.",
        ),
        id="member-outside-family",
    ),
    pytest.param(
        "plans",
        "Plan ID,Family ID,Plan Start Date,Members Covered,Headlines Addressed\n"
        "PL1,F1,01/02/2024,P1,HEALTH;Happiness\n",
        (
            "plans.csv",
            2,
            "Headlines Addressed",
            "HEALTH;Happiness",
            "Headlines Addressed names something that is none of the ten headlines.",
        ),
        id="plan-headline-unknown",
    ),
    pytest.param(
        "assessments",
        "Assessment ID,Family ID,Assessment Type,Completed Date,Whole Family,"
        "Members Covered\nA1,F1,EHA,01/02/2024,Y,P1;C1;P2\n",
        (
            "assessments.csv",
            2,
            "Members Covered",
            "P1;C1;P2",
            "Members Covered names someone who is not a person of this row's family.",
        ),
        id="assessment-member-outside-family",
    ),
    pytest.param(
        "outcomes",
        "Outcome ID,Family ID,Person ID,Headline,Status,Achieved Date,Sustained Until\n"
        "O1,F1,,HEALTH,Achieved,,\n",
        ("outcomes.csv", 2, "Achieved Date", "", "Status is Achieved but Achieved Date is blank."),
        id="achieved-without-date",
    ),
    pytest.param(
        "outcomes",
        "Outcome ID,Family ID,Person ID,Headline,Status,Achieved Date,Sustained Until\n"
        "O1,F1,,HEALTH,Achieved,01/06/2024,31/05/2024\n",
        (
            "outcomes.csv",
            2,
            "Sustained Until",
            "31/05/2024",
            "Sustained Until is before the Achieved Date.",
        ),
        id="sustained-before-achieved",
    ),
    pytest.param(
        "outcomes",
        "Outcome ID,Family ID,Person ID,Headline,Status,Achieved Date\n"
        "O1,F1,C1,HEALTH,Achieved,01/06/2024\nO2,F2,C1,HEALTH,Achieved,01/06/2024\n",
        (
            "outcomes.csv",
            3,
            "Person ID",
            "C1",
            "Person ID is not a person of this row's family in the people extract.",
        ),
        id="outcome-person-of-another-family",
    ),
    pytest.param(
        "outcomes",
        "Outcome ID,Family ID,Person ID,Headline,Status,Achieved Date\nO1,F1,,HEALTH,Done,\n",
        (
            "outcomes.csv",
            2,
            "Status",
            "Done",
            "Status is not one of the listed values: Achieved, In Progress, Not Achieved.",
        ),
        id="outcome-status-done",
    ),
    pytest.param(
        "attendance",
        "UPN,Academic Year,Term,Possible Sessions,Sessions Missed\nU1,2024/25,Winter,120,3\n",
        (
            "attendance.csv",
            2,
            "Term",
            "Winter",
            "Term is not one of the listed values: Autumn, Spring, Summer.",
        ),
        id="term-winter",
    ),
    pytest.param(
        "attendance",
        "UPN,Academic Year,Term,Possible Sessions,Sessions Missed\nU1,2024/25,Autumn,100,101\n",
        (
            "attendance.csv",
            2,
            "Sessions Missed",
            "101",
            "Sessions Missed is more than Possible Sessions.",
        ),
        id="missed-over-possible",
    ),
    pytest.param(
        "attendance",
        "UPN,Academic Year,Term,Possible Sessions,Sessions Missed,Unauthorised Sessions Missed\n"
        "U1,2024/25,Autumn,100,10,11\n",
        (
            "attendance.csv",
            2,
            "Unauthorised Sessions Missed",
            "11",
            "Unauthorised Sessions Missed is more than Sessions Missed.",
        ),
        id="unauthorised-over-missed",
    ),
    pytest.param(
        "attendance",
        "UPN,Academic Year,Term,Possible Sessions,Sessions Missed\nU1,2024/26,Autumn,100,1\n",
        (
            "attendance.csv",
            2,
            "Academic Year",
            "2024/26",
            "Academic Year is not an academic year written like 2024/25.",
        ),
        id="academic-year",
    ),
    pytest.param(
        "attendance",
        "UPN,Academic Year,Term,Possible Sessions,Sessions Missed\nU1,2024/25,Autumn,many,1\n",
        (
            "attendance.csv",
            2,
            "Possible Sessions",
            "many",
            "Possible Sessions is not a whole number from 0 to 2,147,483,647.",
        ),
        id="not-a-count",
    ),
    pytest.param(
        "attendance",
        "UPN,Academic Year,Term,Possible Sessions,Sessions Missed\n"
        "U1,2024/25,Autumn,3000000000,1\n",
        (
            "attendance.csv",
            2,
            "Possible Sessions",
            "3000000000",
            "Possible Sessions is not a whole number from 0 to 2,147,483,647.",
        ),
        id="count-too-large-for-the-database",
    ),
    pytest.param(
        "needs",
        NEEDS_HEADER + "N\x001,F1,,HEALTH,01/02/2024,Identified\n",
        (
            "needs.csv",
            2,
            "Need ID",
            "N\\x001",
            "Need ID holds a NUL character (shown as \\x00), which a database cannot store as "
            "text; remove it and export the file again.",
        ),
        id="nul-character",
    ),
    pytest.param(
        "previous_claims",
        "Family ID,Claim Period\nF9,2024-Q3\n",
        (
            "previous_claims.csv",
            2,
            "Family ID",
            "F9",
            "Family ID names no family in the families extract.",
        ),
        id="claim-unknown-family",
    ),
    pytest.param(
        "referrals",
        "Referral ID,Family ID,Referral Date,Service,Decision\nR1,F1,01/02/2024,Early Help,Maybe\n",
        (
            "referrals.csv",
            2,
            "Decision",
            "Maybe",
            "Decision is not one of the listed values: Accepted, No Further Action, Not Accepted, "
            "Signposted.",
        ),
        id="decision-not-listed",
    ),
]


@pytest.mark.parametrize(("kind", "text", "problem"), ROW_PROBLEMS)
def test_a_bad_row_is_set_aside_with_file_row_column_value_and_reason_and_the_rest_loads(
    engine, tmp_path, kind, text, problem
):
    good_rows = {
        "needs": "G1,F1,,HOUSING,01/02/2024,Identified\n",
        "people": "G1,F2,Child,Y\n",
        "plans": "G1,F1,01/02/2024,P1;C1,HEALTH\n",
        "assessments": "G1,F1,EHA,01/02/2024,Y,P1;C1\n",
        "outcomes": "G1,F1,,HEALTH,Achieved,01/06/2024"
        + ",30/06/2025" * ("Sustained" in text)
        + "\n",
        "attendance": "U2,2024/25,Spring,100,2\n",
        "previous_claims": "F1,2024-Q4\n",
        "referrals": "G1,F1,01/02/2024,CSC,Accepted\n",
    }
    folder = (
        base_folder(tmp_path, **{kind: text + good_rows[kind]})
        if kind != "people"
        else (write_folder(tmp_path / "extracts", families=FAMILIES, people=text + good_rows[kind]))
    )
    result = run_import(engine, folder)
    file = next(f for f in result.files if f.kind == kind)
    assert problem in set_aside(engine)
    assert file.rows_set_aside >= 1 and file.rows_loaded >= 1
    assert file.rows_read == file.rows_loaded + file.rows_set_aside


def test_every_copy_of_a_duplicated_id_is_set_aside(engine, tmp_path):
    needs = NEEDS_HEADER + (
        "N1,F1,,HEALTH,01/02/2024,Identified\n"
        "N2,F1,,HOUSING,01/02/2024,Identified\n"
        "N1,F1,,FINANCE,01/02/2024,Identified\n"
    )
    run_import(engine, base_folder(tmp_path, needs=needs))
    reason = (
        "Need ID appears on more than one row; every copy is set aside because none can be "
        "trusted over the others."
    )
    assert set_aside(engine) == [
        ("needs.csv", 2, "Need ID", "N1", reason),
        ("needs.csv", 4, "Need ID", "N1", reason),
    ]
    with engine.connect() as connection:
        assert connection.execute(select(Need.need_id)).scalars().all() == ["N2"]


def test_a_headline_may_be_given_as_code_number_or_any_name_in_any_case(engine, tmp_path):
    needs = NEEDS_HEADER + (
        "N1,F1,,health,01/02/2024,Identified\n"
        "N2,F1,,9,01/02/2024,identified\n"
        "N3,F1,,better managed SUBSTANCE use,01/02/2024,Identified\n"
        "N4,F1,, Financial Stability ,01/02/2024,Identified\n"
    )
    plans = (
        "Plan ID,Family ID,Plan Start Date,Members Covered,Headlines Addressed\n"
        "PL1,F1,01/02/2024,P1 ; C1,3; secure housing;SUBSTANCE ;finance\n"
    )
    run_import(engine, base_folder(tmp_path, needs=needs, plans=plans))
    with engine.connect() as connection:
        headlines = connection.execute(select(Need.need_id, Need.headline)).all()
        plan = connection.execute(select(Plan.members_covered, Plan.headlines_addressed)).one()
    assert sorted(headlines) == [
        ("N1", "HEALTH"),
        ("N2", "HOUSING"),
        ("N3", "SUBSTANCE"),
        ("N4", "FINANCE"),
    ]
    assert tuple(plan) == ("P1;C1", "HEALTH;HOUSING;SUBSTANCE;FINANCE")
    assert set_aside(engine) == []


def test_a_csv_with_a_byte_order_mark_loads(engine, tmp_path):
    folder = tmp_path / "bom"
    folder.mkdir()
    (folder / "families.csv").write_text(FAMILIES, encoding="utf-8-sig")
    assert (folder / "families.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    result = run_import(engine, folder)
    assert result.files[0].rows_loaded == 2 and result.files[0].unknown_headers == []


def test_an_xlsx_first_sheet_with_real_date_cells_loads(engine, tmp_path):
    folder = tmp_path / "xlsx"
    folder.mkdir()
    workbook = xlsxwriter.Workbook(str(folder / "families.xlsx"))
    sheet = workbook.add_worksheet("Families")
    workbook.add_worksheet("Notes").write(0, 0, "not this one")
    dates = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["Family ID", "Episode Start Date", "Episode End Date"])
    sheet.write_string(1, 0, "007")
    sheet.write_datetime(1, 1, datetime(2024, 1, 10), dates)
    sheet.write_datetime(1, 2, datetime(2024, 9, 30), dates)
    sheet.write_string(2, 0, "F2")
    sheet.write_string(2, 1, "01/02/2024")
    sheet.write_string(3, 0, "F3")
    sheet.write_string(3, 1, "soon")
    workbook.close()
    result = run_import(engine, folder)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Family.family_id, Family.episode_start, Family.episode_end)
        ).all()
    assert sorted(rows) == [
        ("007", date(2024, 1, 10), date(2024, 9, 30)),
        ("F2", date(2024, 2, 1), None),
    ]
    assert result.problems[0].row_number == 4 and result.problems[0].value == "soon"


def test_an_unknown_header_holding_a_nul_character_is_reported_with_it_shown(engine, tmp_path):
    folder = write_folder(
        tmp_path,
        families=FAMILIES,
        people=PEOPLE.replace("Expectant Parent\n", "Expectant Parent,Eth\x00nicity\n"),
    )
    result = run_import(engine, folder)
    people = next(f for f in result.files if f.kind == "people")
    assert people.unknown_headers == ["Eth\\x00nicity"]
    assert run_import(engine, folder).files[1].unknown_headers == ["Eth\\x00nicity"]  # stored


def test_the_folders_mapping_renames_headers_and_unknown_headers_are_reported(engine, tmp_path):
    folder = write_folder(
        tmp_path / "mapped",
        families=FAMILIES,
        people="Client ID,Family ID,Role,Pupil UPN,In Household,Ethnicity\n"
        "P1,F1,Parent/Carer,,Y,x\nC1,F1,Child,U1,Y,y\n",
    )
    (folder / "mapping.toml").write_text(
        '[people]\n"Client ID" = "Person ID"\n"pupil upn" = "UPN"\n'
        '"In Household" = "household member"\n'
    )
    result = run_import(engine, folder)
    people = next(f for f in result.files if f.kind == "people")
    assert (people.rows_loaded, people.unknown_headers) == (2, ["Ethnicity"])
    with engine.connect() as connection:
        assert (
            connection.execute(select(Person.upn).where(Person.person_id == "C1")).scalar() == "U1"
        )


def test_a_mapping_given_on_the_command_line_replaces_the_folders(engine, tmp_path):
    folder = write_folder(tmp_path / "mapped", families="Case,Start\nF1,01/01/2024\n")
    (folder / "mapping.toml").write_text('[families]\n"Case" = "Family ID"\n')
    other = tmp_path / "other.toml"
    other.write_text('[families]\n"Case" = "Family ID"\n"Start" = "Episode Start Date"\n')
    with pytest.raises(RefusedError, match="missing the required column Episode Start Date"):
        run_import(engine, folder)
    assert run_import(engine, folder, mapping_path=other).files[0].rows_loaded == 1


def test_an_attendance_row_for_a_pupil_in_no_family_is_loaded(engine, tmp_path):
    attendance = (
        "UPN,Academic Year,Term,Possible Sessions,Sessions Missed\nZ999,2024/25,Autumn,100,2\n"
    )
    run_import(engine, base_folder(tmp_path, attendance=attendance))
    with engine.connect() as connection:
        assert connection.execute(select(Attendance.upn)).scalars().all() == ["Z999"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "needs.csv",
            "Need ID,Family ID,Headline\nN1,F1,HEALTH\n",
            "needs.csv is missing the required columns Date Identified, Status; add them to the extract "
            "or map the authority's headers in mapping.toml.",
        ),
        ("needs.csv", "", "needs.csv is empty: it has no header row."),
        (
            "needs.xlsx",
            "this is not a workbook",
            "needs.xlsx could not be read as an XLSX workbook",
        ),
        ("needs.csv", b"Need ID,Family ID\n\xff\xfe\n", "needs.csv is not UTF-8 text"),
    ],
)
def test_a_refused_file_refuses_the_whole_import_and_changes_nothing(
    engine, tmp_path, name, content, message
):
    run_import(engine, base_folder(tmp_path / "first"))
    before = database_state(engine)
    folder = write_folder(tmp_path / "second", families=FAMILIES.replace("North", "East"))
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(RefusedError) as refused:
        run_import(engine, folder)
    assert str(refused.value).startswith(message)
    assert refused.value.exit_code == 3
    assert database_state(engine) == before


def test_a_crash_half_way_through_the_load_leaves_the_database_as_it_was(
    engine, tmp_path, monkeypatch
):
    run_import(engine, base_folder(tmp_path / "first"))
    before = database_state(engine)
    real = Staging.replace
    calls = []

    def crash_on_second_file(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if Ctrl-C were pressed half-way through the swap
        return real(*args, **kwargs)

    monkeypatch.setattr(Staging, "replace", crash_on_second_file)
    changed = write_folder(
        tmp_path / "second",
        families=FAMILIES.replace("F2", "F3"),
        people=PEOPLE.replace("F2", "F3"),
    )
    with pytest.raises(KeyboardInterrupt):
        run_import(engine, changed)
    assert len(calls) == 2
    assert database_state(engine) == before


def test_an_error_while_validating_ahead_of_the_load_leaves_the_database_as_it_was(
    engine, tmp_path, monkeypatch
):
    """Files are validated in a thread of their own, one ahead of the staging: an error there
    reaches the import, which leaves the files it has already staged out of the tables."""
    run_import(engine, base_folder(tmp_path / "first"))
    before = database_state(engine)
    real_validate, real_put = importing.validate_extract, Staging.put
    first_file_loaded = threading.Event()

    def load_and_tell(*args, **kwargs):
        real_put(*args, **kwargs)
        first_file_loaded.set()

    def fail_on_needs(raw, *args):
        if raw.kind.name == "needs":
            assert first_file_loaded.wait(timeout=30)
            raise RuntimeError("a defect in the schema")
        return real_validate(raw, *args)

    monkeypatch.setattr(Staging, "put", load_and_tell)
    monkeypatch.setattr(importing, "validate_extract", fail_on_needs)
    changed = write_folder(
        tmp_path / "second",
        families=FAMILIES.replace("F2", "F3"),
        people=PEOPLE.replace("F2", "F3"),
        needs=NEEDS_HEADER + "N1,F1,,HEALTH,01/02/2024,Identified\n",
    )
    with pytest.raises(RuntimeError, match="a defect in the schema"):
        run_import(engine, changed)
    assert first_file_loaded.is_set()
    assert database_state(engine) == before


def test_importing_the_same_files_again_changes_nothing_and_says_so(engine, tmp_path):
    folder = base_folder(tmp_path, needs=NEEDS_HEADER + "N1,F9,,HEALTH,01/02/2024,Identified\n")
    first = run_import(engine, folder)
    before = database_state(engine)
    again = run_import(engine, folder)
    assert not first.unchanged and again.unchanged
    assert database_state(engine) == before
    assert [(f.file_name, f.rows_loaded, f.rows_set_aside) for f in again.files] == [
        (f.file_name, f.rows_loaded, f.rows_set_aside) for f in first.files
    ]
    assert again.problems == first.problems


def test_importing_a_kind_replaces_only_that_kinds_rows(engine, tmp_path):
    run_import(
        engine, base_folder(tmp_path, needs=NEEDS_HEADER + "N1,F1,,HEALTH,01/02/2024,Identified\n")
    )
    later = write_folder(
        tmp_path / "later", needs=NEEDS_HEADER + "N2,F2,P2,CRIME,01/03/2024,Identified\n"
    )
    run_import(engine, later)
    with engine.connect() as connection:
        assert connection.execute(select(Need.need_id)).scalars().all() == ["N2"]
        assert len(connection.execute(select(Person.person_id)).all()) == 3


def test_a_folder_with_no_extracts_is_refused(engine, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RefusedError, match="holds no extract files"):
        run_import(engine, tmp_path / "empty")


def test_the_reader_stays_one_file_ahead_of_the_load_and_no_more():
    started: list[int] = []
    third_started = threading.Event()

    def files():
        for number in range(1, 11):
            started.append(number)
            if number == 3:
                third_started.set()
            yield number

    ahead = importing._ahead(files())
    assert next(ahead) == 1
    # the reader hands over 2 and makes 3; it cannot start 4 until 2 is taken
    assert third_started.wait(timeout=30)
    assert started == [1, 2, 3]
    assert list(ahead) == list(range(2, 11))


def test_the_reader_runs_ahead_until_the_rows_waiting_reach_the_bound():
    """Weighed by rows, the reader goes on while the files waiting hold no more than the bound
    together; a file heavier than the bound alone still passes."""
    started: list[int] = []
    blocked = threading.Event()
    weights = {1: 5, 2: 4, 3: 4, 4: 3, 5: 20, 6: 1}

    def files():
        for number in weights:
            started.append(number)
            if number == 5:
                blocked.set()
            yield number

    ahead = importing._ahead(files(), weight=weights.__getitem__, most=10)
    assert next(ahead) == 1
    # 2 and 3 wait (8 rows); 4 would make 11, so the reader holds it until 2 is taken
    assert next(ahead) == 2  # 3 waits (4); 4 joins it (7); 5 (20) must wait for an empty queue
    assert blocked.wait(timeout=30)
    assert started == [1, 2, 3, 4, 5]
    assert list(ahead) == [3, 4, 5, 6]


def test_families_and_people_are_read_first_then_the_smallest_while_results_keep_kind_order(
    engine, tmp_path
):
    """The files are read in an order of their own (the families and people every other kind is
    checked against, then the CSV files smallest first and the workbooks last, so the database
    is kept writing while the largest is read); the results, the batches and the log keep the
    kinds' order."""
    folder = base_folder(
        tmp_path,
        needs=NEEDS_HEADER + "N1,F1,P1,HEALTH,01/02/2024,Identified\n",
        attendance="UPN,School URN,Academic Year,Term,Possible Sessions,Sessions Missed\n"
        + "0012345,100000,2023/24,Autumn,100,4\n" * 50,
    )
    (folder / "assessments.xlsx").write_bytes(b"PK")  # the smallest, but a workbook: last
    order = importing._reading_order(importing.survey_folder(folder)[0])
    assert list(order) == ["families", "people", "needs", "attendance", "assessments"]
    (folder / "assessments.xlsx").unlink()
    result = run_import(engine, folder)
    assert [f.kind for f in result.files] == ["families", "people", "needs", "attendance"]
    with engine.connect() as connection:
        logged = connection.execute(
            text("SELECT object FROM activity_log WHERE action = 'import'")
        ).scalar_one()
    assert logged == "batches " + ", ".join(str(f.batch_id) for f in result.files)
    assert [f.kind for f in importing.import_as_made(engine).files] == [
        "families",
        "people",
        "needs",
        "attendance",
    ]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_imports_at_once_on_postgresql_take_turns_and_the_second_replaces_the_first(
    engine, tmp_path
):
    """On PostgreSQL each file moves into its table as it is read, in the import's transaction;
    a second import started meanwhile waits for the first to commit (it would otherwise find the
    first one's rows in its way) and then replaces them whole."""
    run_import(engine, base_folder(tmp_path / "first"))
    third = write_folder(
        tmp_path / "third", families=FAMILIES.replace("F2", "F4"), people=PEOPLE.replace("F2", "F4")
    )
    with an_import_held_half_way(engine, changed_folder(tmp_path)) as errors:
        another = threading.Thread(target=importing_into, args=(engine, third, errors))
        another.start()
        with engine.connect() as watcher:  # the third is seen waiting on a lock
            for _ in range(1200):
                waiting = watcher.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).scalar_one()
                watcher.rollback()
                if waiting or threading.Event().wait(0.05):
                    break
        assert waiting == 1
    another.join(60)
    assert not errors, errors
    assert family_ids(engine) == ["F1", "F4"]


# --- no import empties a kind unasked; the ledger of earlier claims never shrinks --------------

CLAIMS = "Family ID,Claim Period,Claim Date\nF1,2024-Q3,19/08/2024\nF2,2024-Q4,\n"


def previous_claims(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return sorted(
            connection.execute(
                text("SELECT family_id, claim_period, claim_date FROM previous_claims")
            ).all()
        )


@pytest.mark.parametrize(
    ("kind", "text_of_file"),
    [
        ("previous_claims", "Family ID,Claim Period,Claim Date\n"),  # header only
        ("families", "Family ID,Episode Start Date\n"),
        ("previous_claims", "Family ID,Claim Period\nF9,2024-Q3\n"),  # every row set aside
    ],
)
def test_a_file_that_would_empty_a_kind_refuses_the_whole_import(
    engine, tmp_path, kind, text_of_file
):
    run_import(engine, base_folder(tmp_path, previous_claims=CLAIMS))
    before = database_state(engine)
    folder = write_folder(tmp_path / "next", **{kind: text_of_file})
    with pytest.raises(RefusedError) as refused:
        run_import(engine, folder)
    assert str(refused.value).startswith(f"{kind}.csv has ")
    assert f"it would leave {kind} with none of the 2 held now; nothing was imported" in str(
        refused.value
    )
    assert refused.value.remedy == "allow empty" and refused.value.about["kind"] == kind
    assert database_state(engine) == before


def test_allow_empty_lets_a_kind_be_emptied_but_the_ledger_keeps_its_families(engine, tmp_path):
    run_import(engine, base_folder(tmp_path, previous_claims=CLAIMS))
    header_only = write_folder(tmp_path / "next", previous_claims="Family ID,Claim Period\n")
    run_import(engine, header_only, allow_empty=["previous_claims"])
    assert [row[:2] for row in previous_claims(engine)] == [("F1", "2024-Q3"), ("F2", "2024-Q4")]


def test_a_previous_claims_file_adds_its_corrections_as_new_rows_and_removes_none(engine, tmp_path):
    """The ledger of earlier claims only grows: a correction is a new row beside the one it
    corrects, a family the file leaves out keeps its row, a row held already is not added
    twice, and the database refuses to delete or change a row (migration 0022)."""
    run_import(engine, base_folder(tmp_path, previous_claims=CLAIMS))
    corrected = write_folder(
        tmp_path / "next", previous_claims="Family ID,Claim Period\nF1,2024-Q2\nF1,2024-Q2\n"
    )
    run_import(engine, corrected)
    held = previous_claims(engine)
    assert [row[:2] for row in held] == [("F1", "2024-Q2"), ("F1", "2024-Q3"), ("F2", "2024-Q4")]
    run_import(engine, corrected)  # the same rows again: nothing new
    assert previous_claims(engine) == held
    for change in ("DELETE FROM previous_claims", "UPDATE previous_claims SET claim_period = 'x'"):
        with (
            pytest.raises(DBAPIError, match="previous claims are a ledger"),
            engine.begin() as connection,
        ):
            connection.execute(text(change))
    assert previous_claims(engine) == held


def test_a_family_claimed_before_stays_already_claimed_after_a_header_only_ledger_file(
    engine, tmp_path
):
    from sfclaims.deciding.assessing import assess

    run_import(engine, base_folder(tmp_path, previous_claims=CLAIMS))
    header_only = write_folder(tmp_path / "next", previous_claims="Family ID,Claim Period\n")
    with pytest.raises(RefusedError):
        run_import(engine, header_only)
    run_import(engine, header_only, allow_empty=["previous_claims"])
    decided = {d.family_id: d for d in assess(engine, FRAMEWORK, date(2025, 12, 31))}
    assert "ALREADY_CLAIMED" in decided["F1"].reasons


def test_allow_empty_names_only_extract_kinds(engine, tmp_path):
    from sfclaims.platform.errors import UsageError

    with pytest.raises(UsageError, match="A kind that may be left empty is one of"):
        run_import(engine, base_folder(tmp_path), allow_empty=["plans", "claims"])


# --- every file accounted for, every kind missing named ----------------------------------------


def test_files_that_are_no_extract_are_listed_and_kinds_not_in_the_folder_named(engine, tmp_path):
    folder = base_folder(tmp_path, previous_claims=CLAIMS)
    (folder / "People Extra.csv").write_text("x\n")
    (folder / "notes.txt").write_text("x\n")
    (folder / "mapping.toml").write_text("")
    first = run_import(engine, folder)
    assert first.not_recognised == ["People Extra.csv", "notes.txt"]
    assert first.absent["plans"] is None and "families" not in first.absent
    again = write_folder(tmp_path / "next", Families=FAMILIES)
    (again / "Families.csv").rename(again / "FAMILIES.CSV")  # names matched in any case
    second = run_import(engine, again)
    assert [f.kind for f in second.files] == ["families"]
    assert second.absent["people"] is not None and second.absent["plans"] is None


def test_a_kind_that_shrinks_by_more_than_a_quarter_is_warned_about(engine, tmp_path):
    run_import(engine, base_folder(tmp_path, previous_claims=CLAIMS))
    fewer = PEOPLE.splitlines()[0] + "\n" + PEOPLE.splitlines()[1] + "\n"
    result = run_import(engine, write_folder(tmp_path / "next", people=fewer))
    assert result.shrunk == {"people": (3, 1)}


def test_an_imports_warnings_are_kept_with_it_its_page_its_report_and_its_log(engine, tmp_path):
    """The warnings said as an import was made are kept: the imports so far list them, the
    data-quality report written again from the database has them (the same bytes as the one
    written then, and no server folder), and the import's log row names them."""
    from sfclaims.intake.importing import import_as_made, imports_so_far
    from sfclaims.outputs.quality_report import write_quality_report
    from sfclaims.platform.models import Activity

    run_import(engine, base_folder(tmp_path, previous_claims=CLAIMS))
    fewer = PEOPLE.splitlines()[0] + "\n" + PEOPLE.splitlines()[1] + "\n"
    made = run_import(engine, write_folder(tmp_path / "next", people=fewer))
    said = [w.text for w in made.warnings]
    assert any("people: 1 rows loaded where the last import loaded 3" in w for w in said)
    latest, first = imports_so_far(engine)
    assert [w.text for w in latest.warnings] == said and latest.number == made.number
    assert first.warnings == [] or all(w not in said for w in first.warnings)
    again = import_as_made(engine, made.number)
    assert [w.text for w in again.warnings] == said

    then = write_quality_report(made, tmp_path / "then")
    now = write_quality_report(again, tmp_path / "now")
    assert [p.read_bytes() for p in then] == [p.read_bytes() for p in now]
    workbook = openpyxl.load_workbook(then[0])
    assert workbook.sheetnames[0] == "Warnings"
    kept = [row[2] for row in workbook["Warnings"].iter_rows(min_row=2, values_only=True)]
    assert kept == said
    cells = [str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row]
    assert not any(str(tmp_path) in c for c in cells), "no server folder in the report"
    with engine.connect() as connection:
        detail = connection.execute(
            select(Activity.detail).where(Activity.action == "import").order_by(Activity.id.desc())
        ).scalar()
    assert detail.endswith(
        f"; {len(said)} warning{'s' if len(said) != 1 else ''}: "
        + "; ".join(w.about + (f" ({w.kind})" if w.kind else "") for w in made.warnings)
    )


@pytest.mark.parametrize(("separator", "named"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_separated_otherwise_is_named_as_such(engine, tmp_path, separator, named):
    text = FAMILIES.replace(",", separator)
    with pytest.raises(RefusedError) as refused:
        run_import(engine, write_folder(tmp_path / "x", families=text))
    assert str(refused.value) == (
        f"families.csv is separated by {named}, not commas; save it again as CSV (comma separated)."
    )


def test_no_reader_waits_behind_an_import_and_none_sees_it_half_done(engine, tmp_path):
    """An import held half-way through its swap (a table replaced, the rest to come): another
    connection reads the families at once — told to give up after two seconds of waiting for a
    lock — and sees them as they were before the import; once it commits, the new ones."""
    run_import(engine, base_folder(tmp_path / "first"))
    before = family_ids(engine)
    held = an_import_held_half_way(engine, changed_folder(tmp_path))
    with held as errors, engine.connect() as reader:
        if engine.dialect.name == "postgresql":  # a lock waited for is an error, not a wait
            reader.exec_driver_sql("SET lock_timeout = '2s'")
        else:
            reader.connection.driver_connection.execute("PRAGMA busy_timeout = 2000")  # type: ignore[union-attr]
        seen = sorted(reader.exec_driver_sql("SELECT family_id FROM families").scalars())
    assert not errors, errors
    assert seen == before
    assert family_ids(engine) != before


def changed_folder(tmp_path: Path) -> Path:
    """The base folder with family F2 become F3."""
    return write_folder(
        tmp_path / "second",
        families=FAMILIES.replace("F2", "F3"),
        people=PEOPLE.replace("F2", "F3"),
    )


def importing_into(engine: Engine, folder: Path, errors: list[BaseException]) -> None:
    """An import of the folder, any error it raises kept in ``errors`` (for a thread)."""
    try:
        run_import(engine, folder)
    except BaseException as error:  # noqa: BLE001 - the test reports it
        errors.append(error)


@contextlib.contextmanager
def an_import_held_half_way(engine: Engine, folder: Path) -> Iterator[list[BaseException]]:
    """An import of the folder in a thread of its own, held once it has replaced its first table
    (the rest to come) for as long as the block runs, then let go and waited for; the block gets
    the errors it (and any import the block starts with ``importing_into``) raised."""
    real, replaced, finish = Staging.replace, threading.Event(), threading.Event()

    def replace_then_hold(*args, **kwargs):
        real(*args, **kwargs)
        if not replaced.is_set():  # the first table of the first import; any other goes on
            replaced.set()
            assert finish.wait(60)

    errors: list[BaseException] = []
    worker = threading.Thread(target=importing_into, args=(engine, folder, errors))
    Staging.replace = replace_then_hold  # type: ignore[method-assign]
    try:
        worker.start()
        assert replaced.wait(60)
        yield errors
    finally:
        finish.set()
        Staging.replace = real  # type: ignore[method-assign]
        with contextlib.suppress(RuntimeError):
            worker.join(60)


def family_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.exec_driver_sql("SELECT family_id FROM families").scalars())

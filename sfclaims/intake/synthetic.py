"""A seeded synthetic authority: a realistic extract folder of any size.

Used by the tests, the demo and the benchmark. Every name, ID and date is invented. Families pass
and fail every rule of domain.md in realistic proportions; attendance covers three academic years
(for the authority's whole pupil roll, not only the families); some files are XLSX; the people
file uses the authority's own header for the UPN, renamed by the folder's mapping.toml; and, when
asked, a sprinkling of bad rows gives the data-quality report something to say.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sfclaims.intake.kinds import KINDS
from sfclaims.platform.dates import add_months
from sfclaims.platform.framework import load_framework

DEFAULT_AS_OF = date(2025, 3, 31)  # the programme's last claim period: 2024/25 Q4
XLSX_KINDS = ("lead_practitioners", "previous_claims")
#: How an authority's records are spread: ``typical`` (about a need per headline, an outcome per
#: need, a referral or two, three years of attendance for every pupil) or ``busy`` (the same
#: families with several needs per headline, the outcomes each went through before it was met,
#: and many referrals while the case was open: an authority that records everything).
SHAPES = ("typical", "busy")
MAPPING_TOML = """# The authority's report headers that differ from sfclaims' own (see extracts.md).
[people]
"Pupil UPN" = "UPN"
"""
FIRST = ("Sam", "Alex", "Chris", "Jo", "Lee", "Pat", "Kim", "Ash", "Robin", "Jamie")
LAST = ("Taylor", "Smith", "Jones", "Evans", "Wilson", "Brown", "Clarke", "Hughes", "Walker")


Person = tuple[str, str | None, bool]  # person ID, UPN (a child's), in the household
Need = tuple[str, str | None, str, date]  # need ID, whose, headline, identified


@dataclass
class AuthorityFolder:
    """What was written: the folder and the rows of each kind."""

    folder: Path
    as_of: date
    rows: dict[str, int] = field(default_factory=dict)


class _Writer:
    """Rows of one kind, written as CSV or XLSX at the end."""

    def __init__(self, kind: str, headers: list[str]) -> None:
        self.kind = kind
        self.headers = headers
        self.rows: list[list[str]] = []

    def add(self, *cells: object) -> None:
        self.rows.append(["" if c is None else str(c) for c in cells])


class SyntheticAuthority:
    def __init__(
        self, families: int, seed: int, as_of: date, bad_rows: bool, shape: str = "typical"
    ) -> None:
        if shape not in SHAPES:
            raise ValueError(f"the shape {shape!r} is none of {', '.join(SHAPES)}")
        self.count = families
        self.random = random.Random(seed)
        # the busy shape's extra records come from a stream of their own, so the families'
        # records are otherwise exactly the typical shape's
        self.extra = random.Random(seed + 1) if shape == "busy" else None
        self.as_of = as_of
        self.bad_rows = bad_rows
        self.upn_serial = 0
        self.framework = load_framework()
        self.headlines = list(self.framework.headline_codes)
        self.education = next(h.code for h in self.framework.headlines if h.evidenced_by_attendance)
        self.writers = {
            kind: _Writer(kind, [c.header for c in spec.columns]) for kind, spec in KINDS.items()
        }
        self.writers["people"].headers = [
            "Pupil UPN" if h == "UPN" else h for h in self.writers["people"].headers
        ] + ["Ethnicity"]

    # --- helpers ------------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.random.random() < p

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.random.randint(0, (end - start).days))

    def when(self, day: date | None) -> str:
        """Dates in both accepted forms, as authorities' exports mix them."""
        if day is None:
            return ""
        return day.strftime("%d/%m/%Y") if self.chance(0.5) else day.isoformat()

    def flag(self, value: bool) -> str:
        return self.random.choice(("Y", "Yes", "y", "TRUE") if value else ("N", "No", "n", "0"))

    def headline(self, code: str) -> str:
        roll = self.random.random()
        headline = self.framework.headline(code)
        if roll < 0.1:
            return str(headline.number)
        if roll < 0.3:
            return self.random.choice(headline.names)
        return code if roll < 0.9 else code.lower()

    def name(self) -> str:
        return f"{self.random.choice(FIRST)} {self.random.choice(LAST)}"

    def new_upn(self) -> str:
        self.upn_serial += 1
        return f"S{self.upn_serial:012d}"

    # --- the authority ------------------------------------------------------------------------
    def build(self) -> None:
        for number in range(1, self.count + 1):
            self.family(f"F{number:07d}")
        self.pupils_outside_the_programme(self.count * 10)
        if self.bad_rows:
            self.add_bad_rows()

    def family(self, family_id: str) -> None:
        r = self.random
        as_of = self.as_of
        start = self.day_between(add_months(as_of, -48), add_months(as_of, -2))
        if self.chance(0.01):
            start = as_of + timedelta(days=r.randint(1, 20))  # starts after the date: not decided
        closed = self.chance(0.85)
        end = self.day_between(add_months(start, 5), add_months(start, 14)) if closed else None
        if end is not None and end > as_of:
            end = None
        self.writers["families"].add(
            family_id,
            self.when(start),
            self.when(end),
            "Outcomes met" if end else "",
            r.choice(("North Family Hub", "South Family Hub", "East Locality Team")),
            r.choice(("North", "South", "East", "West")),
        )
        people = self.people(family_id, start)
        household = [p for p in people if p[2]]
        headlines = r.sample(self.headlines, k=r.choice((2, 3, 3, 4, 4, 5, 6)))
        if self.chance(0.3) and self.education not in headlines:
            headlines[0] = self.education
        needs = self.needs(family_id, people, headlines, start, end)
        self.assessment(family_id, household, start)
        self.plans(family_id, household, headlines, start, end)
        self.lead_practitioner(family_id, start, end)
        self.outcomes(family_id, needs, end)
        self.attendance(people, start)
        self.referrals(family_id, people, start, end)
        if self.extra is not None:
            self.more_records(family_id, people, needs, start, end)
        if self.chance(0.02):
            self.writers["previous_claims"].add(family_id, "2024-Q3", self.when(date(2024, 8, 19)))

    def people(self, family_id: str, start: date) -> list[Person]:
        """(person ID, UPN, household member) of each person written."""
        r = self.random
        people: list[tuple[str, str | None, bool]] = []
        for n in range(1, r.choice((1, 2, 2)) + 1):
            expectant = self.chance(0.05)
            person_id = f"{family_id}-P{n}"
            born = self.day_between(date(1970, 1, 1), date(2002, 12, 31))
            self.writers["people"].add(
                person_id,
                family_id,
                "Parent/Carer",
                self.when(born),
                r.choice(("Female", "Male")),
                "",
                self.flag(True),
                self.flag(expectant) if expectant or self.chance(0.5) else "",
                "",
            )
            people.append((person_id, None, True))
        children = 0 if self.chance(0.02) else r.choice((1, 2, 2, 3, 3, 4))
        for n in range(1, children + 1):
            person_id = f"{family_id}-C{n}"
            born = self.day_between(start - timedelta(days=17 * 365), start - timedelta(days=200))
            age = (self.as_of - born).days // 365
            upn = self.new_upn() if 4 <= age <= 17 and not self.chance(0.03) else None
            household = not self.chance(0.02)
            self.writers["people"].add(
                person_id,
                family_id,
                r.choice(("Child", "child")),
                self.when(born),
                r.choice(("Female", "Male")),
                upn or "",
                self.flag(household),
                "",
                "White British",
            )
            people.append((person_id, upn, household))
        if self.chance(0.1):
            person_id = f"{family_id}-X1"
            household = self.chance(0.5)
            self.writers["people"].add(
                person_id, family_id, "Other Adult", "", "", "", self.flag(household), "", ""
            )
            people.append((person_id, None, household))
        return people

    def needs(
        self,
        family_id: str,
        people: list[Person],
        headlines: list[str],
        start: date,
        end: date | None,
    ) -> list[Need]:
        r = self.random
        latest = min(end or self.as_of, self.as_of)
        needs = []
        serial = 0
        for code in headlines:
            whole_family = self.chance(0.35)
            owners = [None] if whole_family else r.sample(people, k=1)
            if code == self.education:
                pupils = [p for p in people if p[1]]
                owners = [None] if whole_family or not pupils else [r.choice(pupils)]
            for owner in owners:
                serial += 1
                identified = self.day_between(start - timedelta(days=40), latest)
                if self.chance(0.8):  # most needs are found at the start of the work
                    identified = self.day_between(
                        start - timedelta(days=40), start + timedelta(days=30)
                    )
                need_id = f"{family_id}-N{serial}"
                self.writers["needs"].add(
                    need_id,
                    family_id,
                    owner[0] if owner else "",
                    self.headline(code),
                    f"{code.lower()} indicator",
                    self.when(min(identified, self.as_of)),
                    "Identified",
                    self.name(),
                )
                needs.append((need_id, owner[0] if owner else None, code, identified))
        if self.chance(0.1):
            serial += 1
            self.writers["needs"].add(
                f"{family_id}-N{serial}",
                family_id,
                "",
                self.headline(r.choice(self.headlines)),
                "",
                self.when(start),
                r.choice(("Withdrawn", "withdrawn")),
                self.name(),
            )
        return needs

    def assessment(self, family_id: str, household: list[Person], start: date) -> None:
        if self.chance(0.04):
            return
        members = [p[0] for p in household]
        whole = not self.chance(0.04)
        if self.chance(0.03) and len(members) > 1:
            members = members[:-1]
        done = start + timedelta(days=self.random.randint(5, 40))
        completed = None if done > self.as_of or self.chance(0.02) else done  # None: not yet
        self.writers["assessments"].add(
            f"{family_id}-A1",
            family_id,
            "Early Help Assessment",
            self.when(start),
            self.when(completed),
            self.flag(whole),
            ";".join(members),
            self.flag(True),
        )

    def plans(
        self,
        family_id: str,
        household: list[Person],
        headlines: list[str],
        start: date,
        end: date | None,
    ) -> None:
        if self.chance(0.05):
            return
        members = [p[0] for p in household]
        addressed = list(headlines)
        if self.chance(0.04) and len(members) > 1:
            members = members[1:]
        if self.chance(0.05) and len(addressed) > 1:
            addressed = addressed[:-1]
        plan_start = min(start + timedelta(days=self.random.randint(10, 50)), self.as_of)
        self.writers["plans"].add(
            f"{family_id}-PL1",
            family_id,
            self.when(plan_start),
            self.when(plan_start),
            self.when(end),
            ";".join(members),
            ";".join(self.headline(h) for h in addressed),
        )

    def lead_practitioner(self, family_id: str, start: date, end: date | None) -> None:
        if self.chance(0.04):
            return
        worker = self.random.randint(1, 400)
        self.writers["lead_practitioners"].add(
            family_id,
            f"W{worker:04d}",
            self.name(),
            self.random.choice(("Early Help", "School", "Health Visiting")),
            self.when(min(start + timedelta(days=3), self.as_of)),
            self.when(end),
            self.flag(not self.chance(0.08)),
        )

    def outcomes(self, family_id: str, needs: list[Need], end: date | None) -> None:
        for serial, (_need_id, person_id, code, identified) in enumerate(needs, start=1):
            if self.chance(0.04):
                continue  # no outcome recorded: NEED_WITHOUT_OUTCOME
            achieved = self.day_between(
                identified + timedelta(days=30), identified + timedelta(days=240)
            )
            if achieved > self.as_of:
                self.writers["outcomes"].add(
                    f"{family_id}-O{serial}",
                    family_id,
                    person_id or "",
                    self.headline(code),
                    f"{code.lower()} measure",
                    "In Progress",
                    "",
                    "",
                    "Case notes",
                    "",
                    self.name(),
                )
                continue
            held_from = max(achieved, end) if end else achieved
            if self.chance(0.95):
                sustained = add_months(held_from, 6) + timedelta(days=self.random.randint(0, 200))
            else:
                sustained = held_from + timedelta(days=self.random.randint(0, 150))
            sustained_text = "" if self.chance(0.03) else self.when(min(sustained, self.as_of))
            self.writers["outcomes"].add(
                f"{family_id}-O{serial}",
                family_id,
                person_id or "",
                self.headline(code),
                f"{code.lower()} measure",
                "Achieved",
                self.when(achieved),
                sustained_text,
                self.random.choice(("School report", "Police data", "Case notes")),
                f"EV-{family_id}-{serial}",
                self.name(),
            )

    def attendance(self, people: list[Person], start: date) -> None:
        for _person_id, upn, _household in people:
            if upn:
                self.pupil_attendance(upn, poor=self.chance(0.04), gaps=self.chance(0.02))

    def pupil_attendance(self, upn: str, poor: bool = False, gaps: bool = False) -> None:
        r = self.random
        latest_year = self.as_of.year if self.as_of.month >= 9 else self.as_of.year - 1
        school = f"{r.randint(100000, 149999)}"
        for first_year in range(latest_year - 2, latest_year + 1):
            year = f"{first_year}/{(first_year + 1) % 100:02d}"
            for term in self.framework.terms:
                name = term.name
                if term.dates(first_year)[1] > self.as_of:
                    continue
                if gaps and self.chance(0.5):
                    continue
                possible = r.randint(110, 150)
                share = r.uniform(0.11, 0.3) if poor else r.uniform(0.0, 0.09)
                missed = int(possible * share)
                if self.chance(0.08):  # moved school during the term: two rows
                    other = f"{r.randint(100000, 149999)}"
                    half = possible // 2
                    self.writers["attendance"].add(upn, school, year, name, half, missed // 2)
                    self.writers["attendance"].add(
                        upn, other, year, name, possible - half, missed - missed // 2
                    )
                    school = other
                else:
                    self.writers["attendance"].add(upn, school, year, name, possible, missed)

    def pupils_outside_the_programme(self, rows: int) -> None:
        while len(self.writers["attendance"].rows) < rows + self.count * 20:
            self.pupil_attendance(self.new_upn(), poor=self.chance(0.1))

    def referrals(
        self, family_id: str, people: list[Person], start: date, end: date | None
    ) -> None:
        r = self.random
        writer = self.writers["referrals"]
        writer.add(
            f"{family_id}-R1",
            family_id,
            "",
            self.when(start - timedelta(days=5)),
            r.choice(("Early Help", "EH")),
            "Accepted",
            self.when(start),
        )
        if end is None or end >= self.as_of:
            return
        roll = r.random()
        after = self.day_between(end + timedelta(days=1), self.as_of)
        person = r.choice(people)[0]
        if roll < 0.06:
            writer.add(
                f"{family_id}-R2",
                "",
                person,
                self.when(after),
                r.choice(("Children's Social Care", "CSC", "Early Help")),
                "Accepted",
                self.when(after),
            )
        elif roll < 0.12:
            writer.add(
                f"{family_id}-R2",
                family_id,
                "",
                self.when(after),
                r.choice(("Police", "Early Help", "CSC")),
                r.choice(("Signposted", "No Further Action", "Not Accepted")),
                "",
            )

    def more_records(
        self,
        family_id: str,
        people: list[Person],
        needs: list[Need],
        start: date,
        end: date | None,
    ) -> None:
        """The busy shape: more needs under each headline, each with the outcomes it went
        through before it was achieved, and referrals while the case was open."""
        x = self.extra
        assert x is not None

        def when(day: date) -> str:
            return day.strftime("%d/%m/%Y") if x.random() < 0.5 else day.isoformat()

        latest = min(end or self.as_of, self.as_of)
        for serial, (need_id, _person, code, identified) in enumerate(needs, start=1):
            for extra in range(1, x.choice((1, 2, 3, 4)) + 1):
                person = x.choice(people)[0]
                extra_id = f"{need_id}-X{extra}"
                day = min(identified + timedelta(days=x.randint(0, 20)), self.as_of)
                self.writers["needs"].add(
                    extra_id, family_id, person, code, "", when(day), "Identified", ""
                )
                achieved = day + timedelta(days=x.randint(30, 120))
                held = add_months(max(achieved, end or achieved), 6) + timedelta(days=30)
                if achieved <= self.as_of:
                    self.writers["outcomes"].add(
                        f"{family_id}-O{serial}-X{extra}",
                        family_id,
                        person,
                        code,
                        "",
                        "Achieved",
                        when(achieved),
                        when(min(held, self.as_of)),
                        "Case notes",
                        "",
                        "",
                    )
            for step in range(1, x.choice((1, 2, 3)) + 1):  # the outcome's history before it
                self.writers["outcomes"].add(
                    f"{family_id}-O{serial}-H{step}",
                    family_id,
                    "",
                    code,
                    "",
                    x.choice(("In Progress", "Not Achieved")),
                    "",
                    "",
                    "Case notes",
                    "",
                    "",
                )
        for serial in range(1, x.randint(2, 8) + 1):  # referrals while the case was open
            day = start + timedelta(days=x.randint(0, max((latest - start).days, 0)))
            person = x.choice(people)[0] if x.random() < 0.5 else ""
            self.writers["referrals"].add(
                f"{family_id}-W{serial}",
                "" if person else family_id,
                person,
                when(min(day, self.as_of)),
                x.choice(("Early Help", "CSC", "Police", "Health", "Housing")),
                x.choice(("Accepted", "Signposted", "No Further Action", "Not Accepted")),
                "",
            )

    def add_bad_rows(self) -> None:
        """A few rows of the kinds data officers meet, so the report has something to say."""
        w = self.writers
        w["attendance"].add("S999999999999", "100000", "2024/25", "Winter", "120", "3")
        w["attendance"].add("S999999999998", "100000", "2024/25", "Autumn", "100", "130")
        w["needs"].add("BAD-N1", "F9999999", "", "HEALTH", "", "01/01/2025", "Identified", "")
        w["needs"].add("BAD-N2", "F0000001", "", "Wellbeing", "", "2025-02-30", "Identified", "")
        w["outcomes"].add("BAD-O1", "F0000001", "", "HOUSING", "", "Achieved", "", "", "", "", "")
        w["referrals"].add("BAD-R1", "F0000001", "", "31/12/2099", "Early Help", "Accepted", "")
        if w["plans"].rows:
            w["plans"].rows.append(list(w["plans"].rows[0]))  # a plan ID given twice

    # --- writing ------------------------------------------------------------------------------
    def write(self, folder: Path, xlsx_kinds: tuple[str, ...]) -> AuthorityFolder:
        folder.mkdir(parents=True, exist_ok=True)
        for existing in folder.iterdir():
            if existing.suffix in (".csv", ".xlsx") and existing.stem in KINDS:
                existing.unlink()
        result = AuthorityFolder(folder, self.as_of)
        for kind, writer in self.writers.items():
            if kind in xlsx_kinds:
                _write_xlsx(folder / f"{kind}.xlsx", writer)
            else:
                with (folder / f"{kind}.csv").open("w", newline="", encoding="utf-8-sig") as h:
                    out = csv.writer(h)
                    out.writerow(writer.headers)
                    out.writerows(writer.rows)
            result.rows[kind] = len(writer.rows)
        (folder / "mapping.toml").write_text(MAPPING_TOML, encoding="utf-8")
        return result


def _write_xlsx(path: Path, writer: _Writer) -> None:
    import xlsxwriter

    from sfclaims.platform.workbook import FIXED_CREATED

    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False}
    )
    workbook.set_properties({"created": FIXED_CREATED})
    sheet = workbook.add_worksheet(writer.kind)
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, writer.headers)
    date_columns = {i for i, h in enumerate(writer.headers) if "Date" in h}
    for n, row in enumerate(writer.rows, start=1):
        for c, cell in enumerate(row):
            parsed = _as_date(cell) if c in date_columns else None
            if parsed is not None:  # real date cells, as case systems export them
                sheet.write_datetime(n, c, parsed, date_format)
            else:
                sheet.write_string(n, c, cell)
    workbook.close()


def _as_date(text: str) -> datetime | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def write_authority(
    folder: Path,
    families: int = 500,
    seed: int = 2022,
    as_of: date = DEFAULT_AS_OF,
    bad_rows: bool = True,
    xlsx_kinds: tuple[str, ...] = XLSX_KINDS,
    shape: str = "typical",
) -> AuthorityFolder:
    """Write a synthetic authority's extracts (and its mapping.toml) into the folder."""
    authority = SyntheticAuthority(families, seed, as_of, bad_rows, shape)
    authority.build()
    return authority.write(folder, xlsx_kinds)

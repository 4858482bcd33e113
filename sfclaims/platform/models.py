"""The database tables: one per extract kind, the import batches and the rows set aside.

Every extract row keeps where it came from (``batch_id`` names the file, ``source_row`` the row as
the user sees it, header being row 1), so a decision can point an auditor at file and row.
Extract tables are loaded in bulk by ``db.replace_table_rows``, never row by row through the ORM.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, MetaData, Table, false, func, text, true
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ImportBatch(SQLModel, table=True):
    """One extract file imported: the current batch of a kind is its newest."""

    __tablename__ = "import_batches"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    file_name: str
    folder: str
    sha256: str
    mapping_sha256: str
    rows_read: int
    rows_loaded: int
    rows_set_aside: int
    unknown_headers: str = ""
    imported_at: datetime


class KeptWarning(SQLModel, table=True):
    """One thing an import warned of (``importing.ImportWarning``), kept with the import: its
    page, its data-quality report and the log say it as it was said when it was made."""

    __tablename__ = "import_warnings"

    id: int | None = Field(default=None, primary_key=True)
    import_number: int = Field(foreign_key="import_batches.id", index=True)  # its first batch
    about: str
    kind: str
    text: str


class SetAsideRow(SQLModel, table=True):
    """A problem with one row of an extract: the row was not loaded, and this says why."""

    __tablename__ = "set_aside_rows"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batches.id", index=True)
    file_name: str
    row_number: int
    column_name: str
    value: str
    reason: str
    raw_row: str


class _FromExtract(SQLModel):
    # The import batch that loaded the row. Written by the import in the same transaction as the
    # batch itself, so no foreign key: checking it row by row doubled the load of a large file.
    batch_id: int
    source_row: int


class Family(_FromExtract, table=True):
    __tablename__ = "families"

    family_id: str = Field(primary_key=True)
    episode_start: date
    episode_end: date | None = None
    closure_reason: str | None = None
    team: str | None = None
    locality: str | None = None


class Person(_FromExtract, table=True):
    __tablename__ = "people"

    person_id: str = Field(primary_key=True)
    family_id: str = Field(index=True)
    role: str
    date_of_birth: date | None = None
    gender: str | None = None
    upn: str | None = Field(default=None, index=True)
    household_member: bool
    expectant_parent: bool = False


class Need(_FromExtract, table=True):
    __tablename__ = "needs"

    need_id: str = Field(primary_key=True)
    family_id: str = Field(index=True)
    person_id: str | None = None
    headline: str
    indicator: str | None = None
    date_identified: date
    status: str
    identified_by: str | None = None


class Assessment(_FromExtract, table=True):
    __tablename__ = "assessments"

    assessment_id: str = Field(primary_key=True)
    family_id: str = Field(index=True)
    assessment_type: str
    start_date: date | None = None
    completed_date: date | None = None
    whole_family: bool
    members_covered: str
    voice_of_child_recorded: bool | None = None


class Plan(_FromExtract, table=True):
    __tablename__ = "plans"

    plan_id: str = Field(primary_key=True)
    family_id: str = Field(index=True)
    plan_start: date
    last_review: date | None = None
    plan_end: date | None = None
    members_covered: str
    headlines_addressed: str


class LeadPractitioner(_FromExtract, table=True):
    __tablename__ = "lead_practitioners"

    id: int = Field(primary_key=True)
    family_id: str = Field(index=True)
    worker_id: str
    worker_name: str | None = None
    agency: str | None = None
    start_date: date
    end_date: date | None = None
    recognised_by_family: bool


class Outcome(_FromExtract, table=True):
    __tablename__ = "outcomes"

    outcome_id: str = Field(primary_key=True)
    family_id: str = Field(index=True)
    person_id: str | None = None
    headline: str
    outcome_measure: str | None = None
    status: str
    achieved_date: date | None = None
    sustained_until: date | None = None
    evidence_source: str | None = None
    evidence_reference: str | None = None
    recorded_by: str | None = None


class Attendance(_FromExtract, table=True):
    __tablename__ = "attendance"

    id: int = Field(primary_key=True)
    upn: str = Field(index=True)
    school_urn: str | None = None
    academic_year: str
    term: str
    possible_sessions: int
    sessions_missed: int
    #: of them, those without authorisation, where the extract gives it (migration 0033)
    unauthorised_missed: int | None = None


class Referral(_FromExtract, table=True):
    __tablename__ = "referrals"

    referral_id: str = Field(primary_key=True)
    family_id: str | None = Field(default=None, index=True)
    person_id: str | None = Field(default=None, index=True)
    referral_date: date
    service: str
    decision: str
    decision_date: date | None = None


class PreviousClaim(_FromExtract, table=True):
    __tablename__ = "previous_claims"

    id: int = Field(primary_key=True)
    family_id: str = Field(index=True)
    claim_period: str
    claim_date: date | None = None


class AuthoritySettings(SQLModel, table=True):
    """One row: the authority's settings, set once per database (see settings.py)."""

    __tablename__ = "settings"

    id: int = Field(primary_key=True)
    authority_name: str | None = None
    authority_code: str | None = None
    framework_overlay: str | None = None  # the local outcome plan's file; none: the national
    framework: str  # its name and version, as put in force
    framework_sha256: str
    quarters: str  # financial or calendar
    allocation: int | None = None  # families the authority may claim in the programme
    changed_at: datetime
    retention_months: int = 24  # personal data not needed for a claim is kept this long
    second_factor_for_everyone: bool = Field(
        default=False, sa_column_kwargs={"server_default": false()}
    )  # else only the admin, claims and auditor roles need one (second_factor.py)
    # single sign-on (single_sign_on.py): the OpenID provider, the client ID, its groups as
    # sfclaims roles ("group=role; ..."), and whether local passwords may still sign in
    sign_on_issuer: str | None = None
    sign_on_client_id: str | None = None
    sign_on_groups: str | None = None
    local_passwords: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    #: the results payment a family, in pounds (migration 0032): the cover's total
    results_payment: int = Field(default=800, sa_column_kwargs={"server_default": "800"})
    #: a sample failing more than this share (percent) is widened before submission
    audit_widen_percent: int = Field(default=10, sa_column_kwargs={"server_default": "10"})
    # email notifications (migration 0036): the council's mail relay, the sender, the relay's
    # account and the file its password is read from (never the password), and the address
    # of the workspace the emails link to
    mail_host: str | None = None
    mail_port: int = Field(default=25, sa_column_kwargs={"server_default": "25"})
    mail_sender: str | None = None
    mail_user: str | None = None
    mail_password_file: str | None = None
    workspace_address: str | None = None


class FirstAdminLink(SQLModel, table=True):
    """A one-time link that makes the first admin in the browser (first_admin.py): only its
    token's SHA-256 is kept, with when it stops working and when it was used."""

    __tablename__ = "first_admin_links"

    token_sha256: str = Field(primary_key=True)
    made_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class NotificationChoice(SQLModel, table=True):
    """What one person chose to hear of by email, and where (notifications.py): their own row,
    written by them alone (migration 0036 holds each login to its own on PostgreSQL)."""

    __tablename__ = "notification_choices"

    name: str = Field(primary_key=True)  # the account's name
    email: str
    hears: str  # the events, LIST_SEPARATOR-joined
    changed_at: datetime


class DataState(SQLModel, table=True):
    """One row: the number of the state of the data decisions rest on (see data_state.py)."""

    __tablename__ = "data_state"

    id: int = Field(primary_key=True)
    version: int
    #: every store of decisions adds one: what the workspace's figures are kept by
    decisions_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class StoredDecision(SQLModel, table=True):
    """The newest decision for a family as of a date, with the evidence it rests on (JSON)."""

    __tablename__ = "decisions"

    as_of: date = Field(primary_key=True)
    family_id: str = Field(primary_key=True)
    eligible: bool
    claimable: bool
    needs: str
    reasons: str
    framework: str
    framework_sha256: str
    evidence: str | None = None  # every rule's finding (JSON), kept for claimable families
    decided_at: datetime
    data_version: int | None = None  # the state of the data it was decided from
    episode_start: date | None = None
    facts: str | None = None  # the family's records (JSON), kept for claimable families
    # decided with the forecast: the work list it is on (decisions.work_list) and its date
    work_list: str | None = None
    forecast_date: date | None = None
    # and its status and what must happen first (a JSON list): the forecast reads them while
    # the decisions are current
    forecast_status: str | None = None
    forecast_actions: str | None = None
    # the decide before this one (the newest kept, as of any date): the family's reasons then
    # ("" claimable; None when that decide did not decide it), and that decide's date and time
    reasons_before: str | None = None
    before_as_of: date | None = None
    before_decided_at: datetime | None = None


class ClaimRun(SQLModel, table=True):
    """A quarter's claim: a draft until submitted, then locked for good. Triggers (migration
    0008) refuse any change to a submitted run, its families and its verdicts, and ``digest``
    (SHA-256 of all of them, kept at submission) lets every export check nothing changed."""

    __tablename__ = "claim_runs"

    run_id: str = Field(primary_key=True)
    period: str = Field(index=True)
    as_of: date
    max_families: int | None = None
    created_at: datetime
    submitted_at: datetime | None = None
    framework: str
    framework_sha256: str
    engine_version: str
    digest: str | None = None
    digest_version: int | None = None  # which digest (claim_runs.digest.DIGESTS) sealed it
    digest_covers: str | None = None  # the columns that digest covers, named (JSON)
    seal: str | None = None  # HMAC of the digest under the seal key (claim_runs/sealing.py)
    seal_key_id: str | None = None  # which key sealed it (a hash of it, never the key)
    log_head: str | None = None  # the activity log's chain head at submission (in the seal)
    created_by: str | None = None  # the person who made the run (None: before accounts)
    submitted_by: str | None = None
    #: the names of the people its cover cites, kept at submission (JSON: account to full name)
    people_named: str | None = None
    # the audit sample, once drawn (its families are in audit_samples)
    sample_size: int | None = None
    sample_percent: float | None = None
    sample_seed: int | None = None


class ClaimedFamily(SQLModel, table=True):
    """A family in a claim run, with the decision and evidence as they stood when the run was
    made. ``submitted`` is set when the run is submitted; the database refuses a family that is
    submitted twice (a partial unique index), whatever the code above it does."""

    __tablename__ = "claimed_families"
    __table_args__ = (
        Index(
            "uq_claimed_families_submitted_family_id",
            "family_id",
            unique=True,
            sqlite_where=text("submitted = 1"),
            postgresql_where=text("submitted"),
        ),
        # a family's claims in every run (its page, a verdict): the key leads with the run
        Index("ix_claimed_families_family_id", "family_id"),
        # a page of a run in its order, and its counts, without reading each family's evidence
        Index("ix_claimed_families_run_order", "run_id", "position", "withdrawn", "family_id"),
    )

    run_id: str = Field(foreign_key="claim_runs.run_id", primary_key=True)
    family_id: str = Field(primary_key=True)
    position: int
    withdrawn: bool = False
    submitted: bool = False
    episode_start: date
    episode_end: date | None = None
    needs: str
    evidenced: str
    assessment_completed: date | None = None
    plan_start: date | None = None
    lead_practitioner_start: date | None = None
    attendance_check: str
    rereferral_check: str
    evidence: str  # every rule's finding with the records it used (JSON)
    facts: str  # the family's records as they were when the run was made (JSON)
    records_sha256: str | None = None  # their fingerprint (records.py), for AUDIT_FAILED


class AuditSample(SQLModel, table=True):
    """A family drawn into a claim run's audit sample: every one needs a verdict before the run
    can be submitted."""

    __tablename__ = "audit_samples"

    run_id: str = Field(foreign_key="claim_runs.run_id", primary_key=True)
    family_id: str = Field(primary_key=True)


class AuditVerdict(SQLModel, table=True):
    """An auditor's verdict on a family in a claim run."""

    __tablename__ = "audit_verdicts"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="claim_runs.run_id", index=True)
    family_id: str = Field(index=True)
    verdict: str
    note: str
    recorded_at: datetime
    recorded_by: str | None = None  # the auditor (None: before accounts)


class Account(SQLModel, table=True):
    """A person who may use the system, with their roles (``;``-separated) and their password
    hashed with Argon2 (none until one is set: such an account signs in only from the command
    line, as the operating-system user of its name)."""

    __tablename__ = "accounts"

    name: str = Field(primary_key=True)
    roles: str
    password_hash: str | None = None
    disabled: bool = False
    created_at: datetime
    # the second factor (second_factor.py): the app's secret, the last time step used, and the
    # SHA-256 of the unused recovery codes (JSON)
    totp_secret: str | None = None
    totp_step: int | None = Field(default=None, sa_type=BigInteger)
    recovery_codes: str | None = None
    #: the OpenID provider's issuer and identifier of the person (single_sign_on.subject_key)
    sign_on_subject: str | None = Field(default=None, unique=True, index=True)
    #: an account a script acts as (migration 0029): no workspace sign-in; on the command line
    #: its password alone proves it
    automation: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: a password someone else set (migration 0030): its person chooses their own first
    password_must_change: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: the person's full name, as documents name them (migration 0039); None: not given yet
    full_name: str | None = None


class Activity(SQLModel, table=True):
    """One change: who made it, when (the database's clock), what, and its object. The database
    refuses UPDATE and DELETE on this table (migration 0013)."""

    __tablename__ = "activity_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = Field(
        default=None, sa_column_kwargs={"server_default": func.current_timestamp()}, index=True
    )
    who: str = Field(index=True)
    action: str = Field(index=True)
    object: str = Field(default="", index=True)  # a run ID, a batch, an account, ...
    detail: str = ""
    identified_by: str | None = None  # how the person proved who they were (migration 0024)


#: The table each extract kind loads into, in the order a folder is imported.
EXTRACT_TABLES: dict[str, type[SQLModel]] = {
    "families": Family,
    "people": Person,
    "needs": Need,
    "assessments": Assessment,
    "plans": Plan,
    "lead_practitioners": LeadPractitioner,
    "outcomes": Outcome,
    "attendance": Attendance,
    "referrals": Referral,
    "previous_claims": PreviousClaim,
}


def table_of(model: type[SQLModel]) -> Table:
    """The model's table, typed: SQLModel declares ``__table__`` only when the class is made."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class WebSession(SQLModel, table=True):
    """A session of the workspace: the SHA-256 of the random ID its cookie carries, whose it is,
    when it began and was last seen, and when it ended (signing out, a password change, a
    disabled account). A cookie whose session has ended, or is too old, signs no one in."""

    __tablename__ = "web_sessions"

    id_sha256: str = Field(primary_key=True)
    account: str = Field(index=True)
    started_at: datetime
    seen_at: datetime
    ended_at: datetime | None = None


class StoredJob(SQLModel, table=True):
    """Long work started in the workspace (an import, a decide): its state, progress and result
    (JSON), the sentence that says why it failed, the process running it (host:pid), and an
    import's data-quality workbook."""

    __tablename__ = "jobs"

    id: str = Field(primary_key=True)
    kind: str
    owner: str
    state: str = Field(index=True)  # running, asking, done, refused, interrupted
    started_at: datetime
    ended_at: datetime | None = None
    runner: str
    progress: str = "{}"
    result: str | None = None
    error: str | None = None
    report: bytes | None = None


class SignInFailure(SQLModel, table=True):
    """A failed sign-in to the workspace: the SHA-256 of the name as typed (never the name: it
    may be a password typed in the wrong box), the address it came from, and when."""

    __tablename__ = "sign_in_failures"

    id: int | None = Field(default=None, primary_key=True)
    name_sha256: str = Field(index=True)
    address: str = Field(index=True)
    at: datetime


class Workspace(SQLModel, table=True):
    """One row: this database's own identity (random, made by migration 0021). The workspace's
    cookies are signed with a key derived from it, and a job's files are kept under it."""

    __tablename__ = "workspace"

    id: int = Field(primary_key=True)
    identity: str


class LogChain(SQLModel, table=True):
    """The activity log's hash chain (migration 0022): for each log row in the order written,
    the SHA-256 of the previous link's hash and the row (``activity.chain_hash``). The database
    refuses UPDATE and DELETE on it."""

    __tablename__ = "log_chain"

    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    activity_id: int = Field(unique=True)
    hash: str

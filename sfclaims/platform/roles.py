"""The four roles of a team and what each may do (contract.md, "Roles"): the words every layer
shares, from the settings' group mappings to PostgreSQL's grants."""

from __future__ import annotations

ADMIN, DATA_OFFICER, CLAIMS, AUDITOR = "admin", "data_officer", "claims", "auditor"
ROLES = {
    ADMIN: "accounts and settings",
    DATA_OFFICER: "import the extracts",
    CLAIMS: "assess, make, export, submit and discard claim runs",
    AUDITOR: "draw audit samples, record verdicts and write evidence packs",
}

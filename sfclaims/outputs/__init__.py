"""What sfclaims writes for people to open: the submission workbook, evidence packs and PDFs, work
lists, the forecast, the progress and outcomes reports, the data-quality report, the decisions
file, the quarter's ``overview`` for the dashboard, and the ``files`` helpers every writer shares
(owner-only, written whole)."""

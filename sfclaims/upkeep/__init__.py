"""Keeping a database for years: ``upgrading`` it (with a backup first), ``retention`` (the purge
of personal data past its time) and the close-out ``archive`` of every submitted claim."""

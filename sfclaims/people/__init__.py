"""People: ``accounts`` and their roles, who is acting on the command line (``identity``),
signing in to the workspace (``signing_in``, ``sessions``, ``second_factor``,
``single_sign_on``), secrets kept in files (``secret_files``), and PostgreSQL's own grants to each
role (``grants``)."""

"""The platform every stage stands on: the database (``db``, ``models``), the authority's
``settings`` and the outcome ``framework`` in force, the activity log (``activity``), the
programme's ``quarters`` and ``dates``, values a person gives (``given``), the ``errors`` a person
can meet, the workbook writer every output shares (``workbook``), and the job files, processes and
memory helpers the long stages use. It imports nothing above it."""

"""Deciding every family: its ``facts`` loaded set-wise into a ``bundle``, the ``rules`` (pure
functions of the facts, the framework and an as-of date), ``assessing`` and the stored
``decisions``, the ``forecasting`` of families not yet claimable, and the ``outcomes_report``'s
counts by quarter."""

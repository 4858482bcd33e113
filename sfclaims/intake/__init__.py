"""Intake: the Liquidlogic extracts (their ``kinds``, ``reading``, header mapping, ``limits``, one
pandera schema per kind, ``values`` and ``validation``), the ``importing`` stage that stages and
swaps them in, each family's ``records`` fingerprint, the ``data_state`` decisions rest on, and a
seeded ``synthetic`` authority for the demo, tests and benchmarks."""

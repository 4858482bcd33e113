"""The Liquidlogic extracts: their kinds, reading, header mapping and one pandera schema per kind."""

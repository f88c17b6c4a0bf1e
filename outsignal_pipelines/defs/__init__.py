"""Dagster definitions, one folder per domain, loaded by `definitions.py` with
`dg.load_from_defs_folder`. Everything here only calls operations: no SQL, no business rule."""

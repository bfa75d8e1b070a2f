"""Validation: is the target what the migration should have written?

``sides`` (expected from the stored digests or the source, actual from a paced parallel scan or
an export of the target) -> ``compare`` (Spark join and classes) -> ``suite`` (Great
Expectations, Data Docs) -> ``report`` (validation.json), driven by ``validation``.
"""

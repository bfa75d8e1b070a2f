"""Validation (issue 5): is the target what the migration should have written?

``canonical`` (pure hashing) -> ``digest`` (Arrow batches) -> ``sides`` (expected from the
export, actual from a paced parallel scan or an export of the target) -> ``compare`` (Spark join
and classes) -> ``suite`` (Great Expectations, Data Docs) -> ``report`` (validation.json), driven
by ``run``.
"""

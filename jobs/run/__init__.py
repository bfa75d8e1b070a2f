"""The orchestration: a migration run (open the source, read, map, check collisions, load,
report), its plan, dead-letter replay and what comes after (finalize, cleanup). Imported only
by ``jobs.cli``, ``jobs.local`` and the Glue entry points."""

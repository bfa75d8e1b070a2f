"""Glue job arguments, read exactly.

Glue starts a job's script with every job and run argument as ``--key value``, plus its own
(``--JOB_ID``, ``--JOB_RUN_ID``, ``--JOB_NAME``, ``--TempDir``, ``--job-bookmark-option``,
``--WORKFLOW_NAME``/``--WORKFLOW_RUN_ID`` in a workflow) and internal ones such as ``--conf``
(ADR 0010). Glue's own ``getResolvedOptions`` uses argparse, which accepts any unambiguous
prefix of a declared name: there, ``--conf spark.x=y`` is read as ``--config spark.x=y``. This
reader matches whole names only, so no other argument can reach ``--config``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from jobs.core.errors import ConfigError


def read_glue_arguments(
    argv: Sequence[str],
    names: Iterable[str],
    aliases: Mapping[str, str] | None = None,
    flags: Iterable[str] = (),
) -> dict[str, str]:
    """The values of ``names`` (without dashes) found in ``argv``, as ``--name value`` or
    ``--name=value``; ``aliases`` maps another spelling to a name (``run_id`` -> ``run-id``).
    Any other argument is skipped with its value. The last occurrence of a name wins, as with
    Glue's run arguments over job defaults. A name without a value is an error, except for
    ``flags``, which then read as ``"true"``."""
    wanted = set(names) | set(flags)
    valueless = set(flags)
    spelled = {**{name: name for name in wanted}, **dict(aliases or {})}
    found: dict[str, str] = {}
    index = 0
    while index < len(argv):
        token = argv[index]
        index += 1
        if not token.startswith("--"):
            continue  # a value of an argument that is not ours, or a stray word
        key, has_equals, inline = token[2:].partition("=")
        name = spelled.get(key)
        if has_equals:
            if name is not None:
                found[name] = inline
            continue
        takes_next = index < len(argv) and not argv[index].startswith("--")
        if name is None:
            index += 1 if takes_next else 0
            continue
        if not takes_next:
            if name in valueless:
                found[name] = "true"
                continue
            raise ConfigError(f"job argument --{key} has no value: pass it as --{key} VALUE")
        found[name] = argv[index]
        index += 1
    return found

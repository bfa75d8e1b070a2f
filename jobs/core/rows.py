"""The row contract between the stages.

Every unit of work (an export data file or a scan segment) travels as rows keyed by
``(file_key, line_no)`` and is closed by exactly one trailer row whose ``line_no`` is
``TRAILER_LINE``; the trailer carries the unit's error, if it has one, so a damaged unit is
accounted for once and never half-counted.
"""

TRAILER_LINE = -1

"""``ddb-migrate schema copy``: the target table built from the source's definition (ADR 0015).

``facts`` reads what DynamoDB says about a table (DescribeTable and friends); ``spec`` turns those
facts into a :class:`~jobs.sink.schema.spec.TableSpec`, ``carry`` moves attribute names and types
through the mapping, ``policy`` decides whether a resource policy can travel; ``diff`` compares
the wanted spec with the table that exists, ``request`` builds CreateTable's request and
``apply`` creates the table. ``copy`` ties them together for the CLI.
"""

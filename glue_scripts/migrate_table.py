"""AWS Glue 5.0 entry point: migrate a DynamoDB export into the target table.

Job arguments: --config s3://bucket/config/job.yaml [--run-id ID]. The logic lives in the
`jobs` package (installed on Glue with --additional-python-modules).
"""

import sys

from jobs.cli.glue import migrate_main

if __name__ == "__main__":
    sys.exit(migrate_main(sys.argv[1:]))

"""AWS Glue 5.0 entry point: validate the target table against the source export.

Job arguments: --config s3://bucket/config/job.yaml [--run-id ID] [--report-dir s3://...]
[--sample FRACTION] [--keys-only true] [--target-export s3://.../manifest-summary.json]
[--max-samples N] [--max-read-units RCU]. The report (Data Docs + validation.json) goes to
--report-dir, by default <output.uri>/<run id>/validation/. In a Glue workflow the run id
defaults to the workflow's (as for the migrate job). Glue's own arguments are ignored; the
logic lives in `jobs.cli.glue` and `jobs.validate` (installed with --additional-python-modules).
"""

import sys

from jobs.cli.glue import validate_glue_main

if __name__ == "__main__":
    sys.exit(validate_glue_main(sys.argv[1:]))

"""AWS Glue 5.0 entry point: export the source table at a fresh point in time for a run.

The first job of the export -> migrate -> validate workflow. Job arguments: --config
s3://bucket/config/job.yaml [--run-id ID]; in a workflow the run id comes from the workflow
run (ADR 0010). The logic lives in the `jobs` package (installed from the dependency bundle).
"""

import sys

from jobs.cli.glue import export_main

if __name__ == "__main__":
    sys.exit(export_main(sys.argv[1:]))

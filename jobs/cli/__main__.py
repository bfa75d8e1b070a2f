"""``python -m jobs.cli``: the same as ``ddb-migrate``."""

import sys

from jobs.cli.main import main

sys.exit(main())

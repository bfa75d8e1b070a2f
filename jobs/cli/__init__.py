"""`ddb-migrate` and the Glue entry points: argument parsing, and all printing."""

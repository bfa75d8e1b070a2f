"""Where the items go, the sink: the collision check, the batch writer, the load stage with its
ledger rows, dead letters and digests, and the ImportTable sink."""

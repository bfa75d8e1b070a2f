"""Where the items come from: an export's manifests and data files (DynamoDB JSON or Ion),
read and verified inside Spark tasks, or a paced parallel scan of the table; sampling; and
requesting the export itself."""

"""The dependency-free core: attribute values, the canonical form, item checks, errors, retry,
rate, progress and S3 URIs. Pure Python; imports nothing else of ``jobs``."""

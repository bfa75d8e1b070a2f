"""Declarative remapping of items in Spark: rename, drop, cast, set, derive, key, filter."""

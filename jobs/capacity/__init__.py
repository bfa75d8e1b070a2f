"""Capacity around the load: record the target's capacity, raise it for the run, restore it
on every way out, and the write budget the writers share."""

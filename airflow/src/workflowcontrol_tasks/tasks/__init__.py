"""Implementations of the catalog's task types, one module per category."""

"""Benchmarks for SPEC §9: each module's main() prints its figures and the ratio to its target."""

"""Reproducible benchmarks of the kit: `benchmarks/run NAME` (see docs/benchmarks.md)."""

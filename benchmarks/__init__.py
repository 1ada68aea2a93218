"""Reproducible benchmarks of the kit; run them with `benchmarks/run NAME` (see docs/benchmarks.md)."""

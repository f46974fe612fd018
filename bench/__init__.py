"""Benchmarks: `make bench` (or `python -m bench`) prints figures and writes JSON."""

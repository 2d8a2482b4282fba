"""Benchmarks: `make bench` prints one JSON line per benchmark (see README "Benchmarks")."""

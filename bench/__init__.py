"""Benchmarks: measured in one run against a baseline measured in the same run."""

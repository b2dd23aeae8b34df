"""Sweeps (排查) and their zero-reports (零报告): the rhythm of surveying a unit."""

"""Sweeps: opening them on cadence, recording them, and their clocks."""

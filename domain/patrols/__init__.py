"""Patrol routes, their schedules and shifts."""

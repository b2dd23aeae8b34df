"""Adapters and wiring: settings, databases, Temporal, logging, the composition root and the CLI."""

"""Temporal owns time: one workflow per case enforces its deadlines; activities record the facts."""

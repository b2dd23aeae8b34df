"""HTTP entry point: thin routes over the Casebook and the read models."""

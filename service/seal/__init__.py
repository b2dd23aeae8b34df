"""The seal: a Merkle tree over the notification log, and checkpoints of it signed by the system."""

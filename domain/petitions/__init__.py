"""The petition stream and the petitioner's matters (Regulations on Letters and Visits Work)."""

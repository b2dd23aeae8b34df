"""Briefings (通报, 分析): documents written from the log on a rhythm, kept and versioned."""

"""Briefings: recording them, versioning them, comments, sign-off and issue."""

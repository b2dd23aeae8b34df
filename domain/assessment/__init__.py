"""The responsibility book: templates, a unit's assessment year, scoring facts and the score."""

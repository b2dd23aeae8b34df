"""Commands on disputes and the keeper of their clocks (escalation up the ladder)."""

"""The incident stream: reported, reported upward, handled, closed."""

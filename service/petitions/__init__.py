"""Commands on petitions and the keeper of their statutory clocks."""

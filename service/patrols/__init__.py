"""Commands on routes and shifts, the schedules that open shifts, and the keeper of shift clocks."""

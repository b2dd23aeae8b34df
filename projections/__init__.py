"""Read models kept from the notification log: each can be rebuilt from zero to the same result."""

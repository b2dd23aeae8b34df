"""Signing in and staying signed in: passwords, enrolment codes, API tokens, sessions, throttling."""

"""Time as the law counts it: business calendars, deadline policy, the clocks a case runs, and explanations of
due dates."""

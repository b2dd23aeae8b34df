"""The service layer: the case store's command machinery, the desks that take each stream's commands, and the
keepers that decide what time does to a case. It may do I/O through the event store and read the clock; it
never imports api, workflows or projections."""

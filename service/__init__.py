"""The service layer: desks that turn requests into commands on the domain's aggregates."""

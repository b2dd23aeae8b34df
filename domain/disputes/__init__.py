"""The dispute stream: the aggregate, its events and the mediation ladder it climbs."""

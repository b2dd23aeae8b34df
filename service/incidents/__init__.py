"""Commands on incidents and the keeper of the reporting-upward clock."""

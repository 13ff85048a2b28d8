"""Failover drills as values: the plan, the record of a run, and the measures taken from it."""

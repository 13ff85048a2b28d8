"""Failover drills: the drill step kinds, the runner and its synthetic probes."""

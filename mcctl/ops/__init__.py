"""Use cases, one module per job. They take the estate and the adapters' session; no printing."""

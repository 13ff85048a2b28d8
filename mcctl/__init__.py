"""mcctl: operations CLI for a mission-critical web estate on Azure."""

__version__ = "0.1.0"

"""Placeholder: replaced by the real provider."""

from __future__ import annotations


class CacheProvider:
    name = "Cache"
    effects: dict = {}

    def register(self, router) -> None:
        pass

    def seed(self, sim, estate) -> None:
        pass

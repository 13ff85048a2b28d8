"""Placeholder: replaced by the real provider."""

from __future__ import annotations


class CdnProvider:
    name = "Cdn"
    effects: dict = {}

    def register(self, router) -> None:
        pass

    def seed(self, sim, estate) -> None:
        pass

"""Placeholder: replaced by the real provider."""

from __future__ import annotations


class SqlProvider:
    name = "Sql"
    effects: dict = {}

    def register(self, router) -> None:
        pass

    def seed(self, sim, estate) -> None:
        pass

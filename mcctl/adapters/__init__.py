"""Thin Azure SDK adapters: domain words in, SDK calls, domain dataclasses out. No business rules.

`azure.*` is imported only inside functions (ruff TID253): `mcctl --help` must import none of it.
"""

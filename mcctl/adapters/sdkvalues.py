"""Reading values off SDK models the same way in every adapter."""

from __future__ import annotations

from enum import Enum
from typing import Any


def plain(value: Any) -> str | None:
    """SDK enums are str subclasses whose str() is 'Enum.MEMBER': keep the value ARM sent.

    ARM enums are open, so unknown strings arrive as plain str and pass through unchanged.
    """
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)

"""The vocabulary of outcomes: how a step and an operation ended, one spelling each.

They are journaled, shown in JSON and compared by every layer (a planner reads past operations'
statuses), so they live in the domain; the journal's readers re-export them.
"""

from __future__ import annotations

from enum import StrEnum


class StepStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"
    SUBMITTED = "submitted"
    UNVERIFIED = "unverified"
    FAILED = "failed"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"


class OperationStatus(StrEnum):
    SUCCEEDED = "succeeded"
    SUBMITTED = "submitted"
    FAILED = "failed"
    PARTIAL = "partial"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"
    REFUSED = "refused"
    STOPPED = "stopped"
    INCOMPLETE = "incomplete"
    CANCELLED = "cancelled"

"""Lease errors name the lock and the way out (issue 15 item 3)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mcctl.domain.estate import LockConfig
from mcctl.domain.lease import LeaseHolder, LockStatus, held_error
from mcctl.errors import AzureRequestError
from mcctl.ops.lease_blob import BlobLease

URL = "https://blob.stack.contoso.example/stmcops"


class _Session:
    def blob_service_url(self, lock: LockConfig) -> str:
        return URL

    def blob(self, lock: LockConfig) -> object:  # what the SDK makes of a custom endpoint: no account name
        return SimpleNamespace(account_name=None, container_name=lock.container, blob_name=lock.blob)


def test_an_error_about_the_lock_blob_names_it_by_its_url_with_a_hint(monkeypatch) -> None:
    lock = LockConfig("stmcops", "mcctl-locks", "demo.lock", endpoint=URL)
    lease = BlobLease(_Session(), lock, estate="demo", simulated=False, clock=lambda: 0.0, wall=lambda: 0.0)  # type: ignore[arg-type]

    def refused(blob: object) -> None:
        raise AzureRequestError("reading the operator lease None/mcctl-locks/demo.lock: HTTP 403 AuthorizationFailure")

    monkeypatch.setattr("mcctl.adapters.lease.read_lease", refused)
    with pytest.raises(AzureRequestError) as error:
        lease.status()
    assert "None/" not in error.value.message
    assert f"reading the operator lease {URL}/mcctl-locks/demo.lock: HTTP 403" in error.value.message
    assert error.value.hint is not None and "estate file `lock:`" in error.value.hint


def _status(host: str, expires: str | None) -> LockStatus:
    holder = LeaseHolder("me", host, 99999, "20261201-101500-dead", "mcctl scale weu-1 4", "t0")
    return LockStatus("blob", f"{URL}/mcctl-locks/demo.lock", "leased", holder, expires)


def test_a_dead_holder_here_is_told_to_resume_its_operation() -> None:
    error = held_error(_status("me-host", "2026-12-01T10:16:00Z"), estate="demo", simulated=True, holder_gone=True)
    assert "a process on this machine that is gone" in error.message
    assert error.hint is not None and "`mcctl --sim resume 20261201-101500-dead`" in error.hint
    assert "`mcctl --sim rollback 20261201-101500-dead`" in error.hint
    assert error.hint.index("resume") < error.hint.index("lock break")  # the way that finishes it first
    other = held_error(_status("elsewhere", "2026-12-01T10:16:00Z"), estate="demo", simulated=False)
    assert other.hint is not None and "lock break" in other.hint and "resume" not in other.hint

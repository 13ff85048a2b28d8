"""Waiting on long-running operations: the SDK's own ARM poller, plus a deadline and progress.

The deadline is measured on the session's clock (simulated time against the simulator), so a
timeout is testable without sleeping. A timeout raises WaitTimeout naming what is still running
and where to check it: never a silent exit 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.errors import WaitTimeout

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession

Progress = Callable[[str], None]
MAX_POLL_SECONDS = 15.0


@dataclass(frozen=True)
class WaitOptions:
    timeout: float | None = 600.0  # seconds; None = wait forever
    wait: bool = True  # False = --no-wait: submit and return
    on_progress: Progress | None = None


class _DeadlinePassed(Exception):
    def __init__(self, status_url: str | None, status: str) -> None:
        super().__init__(status)
        self.status_url = status_url
        self.status = status


def polling_for(session: AzureSession, options: WaitOptions, lro_options: dict[str, str] | None = None) -> Any:
    """The `polling=` argument for an SDK `begin_*` call: our poller, or False with --no-wait."""
    if not options.wait:
        return False
    return polling_method(session.now, options, lro_options, endpoint=session.endpoint.url)


def polling_method(
    now: Callable[[], float],
    options: WaitOptions,
    lro_options: dict[str, str] | None = None,
    *,
    endpoint: str | None = None,
) -> Any:
    """An ARMPolling that gives up at the deadline and reports each status it sees.

    `lro_options` must repeat the SDK's `final-state-via` for operations that set one (e.g. Redis
    Enterprise forceUnlink: azure-async-operation), because passing a polling instance replaces the
    one the SDK would have built. `endpoint` fills the SDK's "{endpoint}" URL template, which the
    poller needs to resolve a relative Location header (FailoverGroupFailover.json sends one).
    """
    from azure.mgmt.core.polling.arm_polling import ARMPolling

    deadline = None if options.timeout is None else now() + options.timeout

    class DeadlineArmPolling(ARMPolling):
        def _delay(self) -> None:
            # Poll at least every MAX_POLL_SECONDS even if ARM asks for longer: each poll renews the
            # operator lease, which must not lapse during a long operation.
            delay = min(self._extract_delay(), MAX_POLL_SECONDS)
            if deadline is not None and now() + delay > deadline:
                url = None
                try:
                    url = self._operation.get_polling_url()
                except Exception:
                    pass
                raise _DeadlinePassed(url, str(self.status()))
            self._sleep(delay)

        def update_status(self) -> None:
            super().update_status()
            if options.on_progress:
                options.on_progress(str(self.status()))

    path_arguments = {"endpoint": endpoint} if endpoint else None
    return DeadlineArmPolling(timeout=30, lro_options=lro_options, path_format_arguments=path_arguments)


def wait_for(poller: Any, what: str, options: WaitOptions) -> Any:
    """Block until the poller is done; translate a passed deadline into WaitTimeout (exit 6)."""
    try:
        return poller.result()
    except _DeadlinePassed as exc:
        where = f"; poll {exc.status_url}" if exc.status_url else ""
        raise WaitTimeout(
            f"timed out after {options.timeout:g}s waiting for {what} (last status: {exc.status}); "
            f"it may still be running{where}",
            hint="re-run the status command to see whether it completed",
        ) from None

"""The run's shared credential keeps its token: `--credential cli` would otherwise spawn `az` (about a
second) for each of a run's SDK clients (seen: ten spawns, 10 s, for one `status`)."""

from __future__ import annotations

from azure.core.credentials import AccessToken

from mcctl.adapters.credential_guard import REFRESH_MARGIN, GuardedCredential


class _CountingCli:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.calls.append(scopes)
        return AccessToken(f"token-{len(self.calls)}", 10_000)


def test_one_token_per_scope_until_it_nears_expiry() -> None:
    inner, now = _CountingCli(), [1_000.0]
    guarded = GuardedCredential(inner, clock=lambda: now[0])
    first = guarded.get_token("https://management.azure.com/.default")
    assert guarded.get_token("https://management.azure.com/.default") is first
    assert guarded.get_token_info("https://management.azure.com/.default").token == first.token
    other = guarded.get_token("https://storage.azure.com/.default")
    assert other.token != first.token and len(inner.calls) == 2
    now[0] = 10_000 - REFRESH_MARGIN + 1  # about to expire: asked for again
    assert guarded.get_token("https://management.azure.com/.default").token == "token-3"

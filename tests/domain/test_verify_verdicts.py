"""`frontdoor verify`'s verdict tells apart why a drain was not verified (review defect 6)."""

from __future__ import annotations

from mcctl.domain.frontdoor_verify import Probe, Verification

URL = "https://fd/"


def _check(*probes: Probe) -> Verification:
    check = Verification("away", URL, ("eus2-1", "eus2-2"), count=10, timeout=30)
    for probe in probes:
        check.add(probe)
    return check


def _failed(seconds: float = 0.0) -> Probe:
    return Probe(seconds, None, None, None, "ServiceRequestError: Failed to resolve 'fd'")


def _from(stamp: str) -> Probe:
    return Probe.answer(0.0, 200, {"x-mcctl-served-by": f"{stamp}/somewhere"})


def test_no_answer_at_all_is_not_reported_as_the_drained_stamps_answering() -> None:
    check = _check(*(_failed(s) for s in range(6)))
    text = check.describe()
    assert not check.passed and check.to_dict()["failed"] == 6
    assert "still answered" not in text and "eus2-1, eus2-2" in text
    assert f"{URL} did not answer" in text and "6 probes, 6 failed" in text
    assert "last answer: ServiceRequestError" in text


def test_answers_from_the_drained_stamps_name_only_those_that_answered() -> None:
    text = _check(_failed(), _from("eus2-2"), _from("weu-1")).describe()
    assert f"{URL} still answered from eus2-2 (1 answers of 3 probes, 1 failed" in text
    assert "eus2-1" not in text.split("(")[0]


def test_answers_from_elsewhere_broken_by_failures_say_so() -> None:
    text = _check(_from("weu-1"), _failed(), _from("neu-1")).describe()
    assert "still answered" not in text
    assert "answered only from elsewhere (weu-1, neu-1), but never 10 answers in a row" in text

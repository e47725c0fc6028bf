"""action_check_service_status: system checked before advising; failures named honestly (P1, P7, 6b)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.service_api import ServiceApiError, ServiceStatus
from actions.status import ActionCheckServiceStatus
from bot.build import CATALOGUE_DIR
from bot.catalogue import load_catalogue


class FakeApi:
    def __init__(self, status: Optional[str] = "up", error: Optional[Exception] = None) -> None:
        self._status, self._error = status, error
        self.asked: List[str] = []

    async def status(self, status_key: str) -> ServiceStatus:
        self.asked.append(status_key)
        if self._error:
            raise self._error
        return ServiceStatus(status_key, self._status)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CATALOGUE_DIR)


def tracker(slots: Dict[str, Any], metadata: Optional[Dict[str, Any]] = None) -> Tracker:
    return Tracker(
        sender_id="c1", slots=slots,
        latest_message={"text": "x", "intent": {"name": "state_goal"}, "entities": [], "metadata": metadata or {}},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name=None,
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.mark.parametrize(
    "status, response, failure",
    [("up", "utter_service_up", False), ("down", "utter_service_down", True),
     ("degraded", "utter_service_degraded", True)],
)
def test_status_decides_the_path(catalogue, status, response, failure):
    api = FakeApi(status)
    messages, slots = run(ActionCheckServiceStatus(catalogue, api), tracker({"service": "pay_council_tax"}))
    assert api.asked == [catalogue.get("pay_council_tax").status_key]
    assert messages[0]["response"] == response
    assert messages[0]["service_name"] == catalogue.get("pay_council_tax").name
    assert slots["system_failure"] is failure


def test_an_api_that_fails_is_a_system_failure(catalogue):
    api = FakeApi(error=ServiceApiError("timed out"))
    messages, slots = run(ActionCheckServiceStatus(catalogue, api), tracker({"service": "report_missed_bin"}))
    assert messages[0]["response"] == "utter_service_unreachable"
    assert slots["system_failure"] is True


def test_a_system_error_code_on_the_page_is_a_failure_even_when_the_api_says_up(catalogue):
    t = tracker({"service": "pay_council_tax"}, {"page": "/council-tax/pay/verify", "error_code": "SERVICE_ERROR"})
    messages, slots = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert messages[0]["response"] == "utter_service_degraded" and slots["system_failure"] is True


def test_a_customer_error_code_is_not_a_system_failure(catalogue):
    t = tracker({"service": "pay_council_tax"}, {"page": "/council-tax/pay/verify", "error_code": "CARD_DECLINED"})
    messages, slots = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert messages[0]["response"] == "utter_service_up" and slots["system_failure"] is False


def test_the_page_tells_the_service_when_the_customer_did_not(catalogue):
    api = FakeApi("up")
    _, slots = run(ActionCheckServiceStatus(catalogue, api), tracker({}, {"page": "/bins/missed/date"}))
    assert slots["service"] == "report_missed_bin"


def test_no_service_known_asks_which_one(catalogue):
    api = FakeApi("up")
    messages, _ = run(ActionCheckServiceStatus(catalogue, api), tracker({"service": "not_a_service"}))
    assert messages[0]["response"] == "utter_ask_service" and api.asked == []

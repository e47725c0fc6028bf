"""Fakes and builders for action tests: a scripted service API, trackers, and a way to run an action."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.service_api import IdentityResult, ServiceApiError, ServiceStatus, Transaction

# The ways the service API can fail, as the real client reports them (see test_service_api.py).
FAILURES = {
    "4xx": ServiceApiError("answered 404: NOT_FOUND", status=404, code="NOT_FOUND"),
    "401": ServiceApiError("answered 401", status=401, code="IDENTITY_TOKEN_EXPIRED"),
    "5xx": ServiceApiError("answered 500: SERVICE_ERROR", status=500, code="SERVICE_ERROR"),
    "timeout": ServiceApiError("did not answer in 5 s", timed_out=True),
    "connection refused": ServiceApiError("could not be reached: ClientConnectorError"),
}


class FakeApi:
    """The ServiceApi protocol with scripted answers; records every call."""

    def __init__(
        self,
        status: str = "up",
        *,
        status_error: Exception | None = None,
        identity: Any = None,
        transaction: Any = None,
    ) -> None:
        self._status = status
        self._status_error = status_error
        self._identity = identity if identity is not None else IdentityResult(True, "Alex Morgan", "token-1")
        self._transaction = transaction if transaction is not None else Transaction("CT-ABCD2345", "pay_council_tax", "Paid £1,245.60")
        self.calls: list[tuple] = []

    async def status(self, status_key: str) -> ServiceStatus:
        self.calls.append(("status", status_key))
        if self._status_error:
            raise self._status_error
        return ServiceStatus(status_key, self._status)

    async def identity_check(self, account_reference: str, postcode: str) -> IdentityResult:
        self.calls.append(("identity_check", account_reference, postcode))
        answer = self._identity
        if isinstance(answer, list):
            answer = answer.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def create_transaction(self, service_id: str, identity_token: str, details: dict[str, Any]) -> Transaction:
        self.calls.append(("create_transaction", service_id, identity_token, details))
        if isinstance(self._transaction, Exception):
            raise self._transaction
        return self._transaction

    def called(self, name: str) -> list[tuple]:
        return [c for c in self.calls if c[0] == name]


def user(intent: str, text: str = "", entities: list[dict[str, Any]] | None = None,
         metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text or intent,
        "parse_data": {"intent": {"name": intent}, "entities": entities or [], "text": text or intent},
        "metadata": metadata or {},
    }


def bot(response: str, text: str = "") -> dict[str, Any]:
    """What the assistant said with one of the domain's responses (Rasa keeps its name in the metadata)."""
    return {"event": "bot", "text": text or response, "data": {}, "metadata": {"utter_action": response}}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def action(name: str) -> dict[str, Any]:
    """An action the assistant ran (as Rasa records it in the tracker)."""
    return {"event": "action", "name": name}


def asked(question: str, before: str = "state_goal") -> list[dict[str, Any]]:
    """The assistant asked `question` after the customer's `before` message, and listened: the next
    message answers it (or not)."""
    return [user(before), action(question), {"event": "bot", "text": "?"}, action("action_listen")]


def followups(events: list[dict[str, Any]]) -> list[str]:
    """The actions an action asked to run next (FollowupAction)."""
    return [e["name"] for e in events if e.get("event") == "followup"]


def tracker(
    slots: dict[str, Any] | None = None,
    intent: str = "state_goal",
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "conversation-1",
    filled: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker whose latest message is `intent` (with entities and page metadata).

    `filled`: slots set from that message (what a form's validation action is asked to check).
    """
    latest = {
        "text": text or intent,
        "intent": {"name": intent},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    history = list(events or [])
    if not history or history[-1].get("event") != "user":
        history.append(user(intent, text, entities, metadata))
    history += [slot(name, value) for name, value in (filled or {}).items()]
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action, t: Tracker, domain: dict[str, Any] | None = None):
    """Run an action: (messages, {slot: value} it set, raw events)."""
    dispatcher = CollectingDispatcher()

    async def go():
        try:
            return await action.run(dispatcher, t, domain or {})
        finally:
            close = getattr(getattr(action, "_api", None), "close", None)
            if close is not None:
                await close()  # a real HttpServiceApi's session belongs to this event loop

    events = asyncio.run(go())
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, slots, events


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("response") for m in messages]


def entity(name: str, value: str, start: int | None = None, end: int | None = None) -> dict[str, Any]:
    found = {"entity": name, "value": value}
    if start is not None:
        found.update(start=start, end=end)
    return found

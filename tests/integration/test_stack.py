"""The real stack, started as `make run` starts it: four processes, real HTTP, one message round trip."""

from __future__ import annotations

import pytest
import requests

from tests.support.stack import running_stack

PORTS = {"HUB": 18000, "RASA": 18005, "ACTIONS": 18055, "PORTAL": 18001}
pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(PORTS, tmp_path_factory.mktemp("stack")) as running:
        yield running


def say(stack, text, sender=None, metadata=None):
    body = {"message": text, "metadata": metadata or {}}
    if sender:
        body["sender"] = sender
    response = requests.post(f"{stack['hub']}/webhooks/rest/webhook", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_banner_names_the_portal_console_and_adviser_login(stack):
    log = stack["log"].read_text()
    assert f"{stack['portal']}/" in log
    assert f"{stack['hub']}/console" in log
    assert "adviser / test-wayfinder_adviser_password" in log


def test_healthz_says_every_part_is_ready(stack):
    health = requests.get(f"{stack['hub']}/healthz", timeout=10)
    assert health.status_code == 200
    body = health.json()
    assert body["ready"] and body["rasa"]["ok"] and body["actions"]["ok"] and body["store"]["ok"]


def test_hi_is_answered_through_the_hub(stack):
    replies = say(stack, "hi")
    assert replies, "the bot said nothing"
    assert "Riverside Council's online assistant" in replies[0]["text"]  # the name the widget's greeting uses
    conversation = replies[0]["recipient_id"]
    assert conversation and all(r["recipient_id"] == conversation for r in replies)


def test_a_goal_round_trips_to_the_service_api_and_back(stack):
    """customer → hub → rasa → actions → portal API → actions → rasa → hub → customer."""
    sender = say(stack, "hello")[0]["recipient_id"]
    replies = say(stack, "i want to pay my council tax", sender=sender)
    texts = " ".join(r.get("text", "") for r in replies)
    assert "Pay your council tax" in texts and "working normally" in texts


def test_a_service_the_portal_reports_down_takes_the_system_failure_path(stack):
    token = stack["env"]["WAYFINDER_PORTAL_TOKEN"]
    faults = f"{stack['portal']}/api/faults"
    headers = {"Authorization": f"Bearer {token}"}
    switched = requests.post(faults, json={"service": "report_missed_bin", "mode": "down"}, headers=headers, timeout=10)
    assert switched.status_code == 200, switched.text
    try:
        replies = say(stack, "my bin wasn't collected and I want to report it")
        texts = " ".join(r.get("text", "") for r in replies)
        assert "isn't working" in texts and "not anything you've done" in texts
    finally:
        requests.post(faults, json={"service": "report_missed_bin", "mode": "none"}, headers=headers, timeout=10)


def test_rasa_answers_the_hubs_channel_with_the_tracker_after_the_turn(stack):
    """bot/rasa_channel.py: the messages and what Rasa understood, in one answer (no second request)."""
    answer = requests.post(f"{stack['rasa']}/webhooks/hub/webhook", timeout=30,
                           json={"sender": "channel-check", "message": "i want to pay my council tax"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "Pay your council tax" in " ".join(m.get("text", "") for m in body["messages"])
    assert body["tracker"]["sender_id"] == "channel-check"
    assert body["tracker"]["latest_message"]["intent"]["name"] == "state_goal"
    assert body["tracker"]["slots"]["service"] == "pay_council_tax"
    assert body["tracker"]["events"] is None


@pytest.mark.parametrize("body", ['{"message": "hi"}', "[]", '{"sender": "x", "message": 7}', "not json",
                                  '{"sender": "x", "message": "hi", "metadata": "page"}'])
def test_the_hubs_channel_refuses_a_malformed_turn_clearly(stack, body):
    answer = requests.post(f"{stack['rasa']}/webhooks/hub/webhook", data=body, timeout=30,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]

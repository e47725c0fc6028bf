"""A customer's side of a real stack, shared by the reliability tests: say, read back the history and Rasa's tracker."""

from __future__ import annotations

import requests

# `rasa run` as the Procfile starts it (through bot.rasa_run), for finding its process
RASA = r"^\S*python\S* (\S*/bin/rasa|-m bot\.rasa_run) run "


def say(stack, text: str, sender: str | None = None, timeout: float = 60) -> tuple[str, list[dict]]:
    body = {"message": text, **({"sender": sender} if sender else {})}
    response = requests.post(f"{stack['hub']}/webhooks/rest/webhook", json=body, timeout=timeout)
    assert response.status_code == 200, response.text
    replies = response.json()
    return (replies[0]["recipient_id"] if replies else sender), replies


def texts(replies: list[dict]) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def history(stack, conversation: str) -> list[dict]:
    response = requests.get(f"{stack['hub']}/api/conversation/history",
                            headers={"Authorization": f"Bearer {conversation}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def tracker(stack, conversation: str) -> dict:
    response = requests.get(f"{stack['rasa']}/conversations/{conversation}/tracker",
                            params={"token": stack["env"]["WAYFINDER_RASA_TOKEN"]}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def user_texts(tracker_json: dict) -> list[str]:
    return [e["text"] for e in tracker_json["events"]
            if e["event"] == "user" and not (e.get("text") or "").startswith("EXTERNAL_")]

"""The content loop on the real stack (`wayfinder run`: hub, Rasa, actions, portal): what Rasa
understood reaches the review through its tracker, the export is Rasa's own story of the chat,
and the widget's rating API feeds the insights."""

from __future__ import annotations

import re

import pytest
import requests
import yaml

from tests.support.stack import running_stack

pytestmark = pytest.mark.stack

PORTS = {"HUB": 23010, "PORTAL": 23011, "RASA": 23015, "ACTIONS": 23055}  # issue 6's range
PASSWORD = "content editor password"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data = tmp_path_factory.mktemp("content-stack")
    with running_stack(PORTS, data, {"WAYFINDER_OPENING_HOURS": "always"}) as running:
        from bot.console.accounts import add_adviser, store_app

        app = store_app(f"sqlite:///{data / 'hub.db'}")
        with app.app_context():
            add_adviser("cara", "Cara", PASSWORD, "content", method="pbkdf2:sha256:1000")
        yield running


def sign_in(hub: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{hub}/console/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = session.post(f"{hub}/console/login", data={"username": "cara", "password": PASSWORD,
                                                         "csrf_token": token}, timeout=10)
    assert answer.status_code == 200 and "/console/review" in answer.url, answer.text[:500]
    return session


def test_review_export_and_rating_on_the_real_stack(stack):
    hub = stack["hub"]
    first = requests.post(f"{hub}/webhooks/rest/webhook", json={"message": "I want to pay my council tax"},
                          timeout=60).json()
    conversation = first[0]["recipient_id"]
    requests.post(f"{hub}/webhooks/rest/webhook", json={"sender": conversation, "message": "zxqv blorp"},
                  timeout=60)
    rated = requests.post(f"{hub}/api/conversation/rating", json={"rating": 2, "comment": "slow"},
                          headers={"Authorization": f"Bearer {conversation}"}, timeout=10)
    assert rated.status_code == 201

    editor = sign_in(hub)
    listed = editor.get(f"{hub}/console/review", params={"low_rating": "1"}, timeout=10).text
    assert f'data-conversation-id="{conversation}"' in listed
    page = editor.get(f"{hub}/console/review/{conversation}", timeout=10).text
    first = page[page.index('class="nlu"'):][:600]
    assert re.search(r'class="intent">state_goal</span>\s*<span class="confidence">[01]\.\d\d</span>'
                     r'(\s*<span class="entity">[^<]*</span>)*?\s*<span class="entity">service=pay_council_tax</span>',
                     first), first
    assert "Pay your council tax" in page  # the journey's service came from Rasa's slots

    story = yaml.safe_load(editor.get(f"{hub}/console/review/{conversation}/story.yml", timeout=30).text)
    steps = story["stories"][0]["steps"]
    assert steps[0]["intent"] == "state_goal" and "[council tax]" in steps[0]["user"]
    assert {"action": "action_check_service_status"} in steps

    insights = editor.get(f"{hub}/console/insights", timeout=10).text
    assert 'data-figure="started">1<' in insights and "2.0 / 5 (1 rating)" in insights

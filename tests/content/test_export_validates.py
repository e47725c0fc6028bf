"""What the review exports (a test story, a training story, marked NLU examples) is YAML that
`rasa data validate --fail-on-warnings` accepts next to the project's own data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.content.models import MessageNlu
from tests.content.project import copy_project

GOAL = "I want to pay my council tax today please"


def tracker_events(conversation_id: str) -> list[dict]:
    """What Rasa's tracker holds for a short conversation (the dialogue of stories_basics.yml)."""
    start = GOAL.index("council tax")
    goal = {"intent": {"name": "state_goal", "confidence": 0.97},
            "entities": [{"entity": "service", "value": "pay_council_tax", "start": start, "end": start + 11,
                          "extractor": "CatalogueEntityExtractor"}]}
    return [
        {"event": "action", "name": "action_session_start"}, {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hi there", "parse_data": {"intent": {"name": "greet", "confidence": 0.99},
                                                             "entities": []}},
        {"event": "action", "name": "action_small_talk"}, {"event": "bot", "text": "Hello"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": GOAL, "parse_data": goal},
        {"event": "slot", "name": "service", "value": "pay_council_tax"},
        {"event": "action", "name": "action_check_service_status"},
        {"event": "slot", "name": "service", "value": "pay_council_tax"},
        {"event": "slot", "name": "system_failure", "value": False},
        {"event": "action", "name": "utter_ask_familiarity"}, {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "it's my first time", "parse_data": {
            "intent": {"name": "express_new_user", "confidence": 0.9}, "entities": []}},
        {"event": "slot", "name": "familiarity", "value": "new"},
        {"event": "action", "name": "action_agree_problem"}, {"event": "action", "name": "action_listen"},
    ]


def test_exported_stories_and_examples_pass_rasa_data_validate(app, assistant, cara, customer, tmp_path):
    someone = customer()
    start = GOAL.index("council tax")
    assistant.understand(GOAL, "nlu_fallback", 0.42, [{"entity": "service", "value": "pay_council_tax",
                                                       "start": start, "end": start + 11}])
    someone.says(GOAL)
    assistant.events[someone.id] = tracker_events(someone.id)
    assistant.domain = lambda: {"intents": ["greet", "state_goal", "express_new_user"],
                                "slots": {"service": {"influence_conversation": True},
                                          "system_failure": {"influence_conversation": True},
                                          "familiarity": {"influence_conversation": True}}}
    with app.app_context():
        message_id = MessageNlu.query.filter_by(conversation_id=someone.id).one().message_id
    assert cara.form(f"/console/review/messages/{message_id}/example", intent="state_goal").status_code == 302

    project = copy_project(tmp_path / "project")
    exports = {
        "data/stories/reviewed_story.yml": f"/console/review/{someone.id}/story.yml?kind=training",
        "tests/test_reviewed.yml": f"/console/review/{someone.id}/story.yml?kind=test",
        "data/nlu/reviewed_examples.yml": "/console/review/examples.yml",
    }
    for name, url in exports.items():
        response = cara.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(response.get_data(as_text=True))
    assert "- user: |" in (project / "tests/test_reviewed.yml").read_text()
    assert '[council tax]{"entity": "service", "value": "pay_council_tax"}' in (
        project / "data/nlu/reviewed_examples.yml").read_text()

    domain = "domain" if (project / "domain").is_dir() else "domain.yml"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("rasa")), "data", "validate", "--domain", domain, "--config",
         "config.yml", "--fail-on-warnings", "--data", "data/nlu", "data/rules", "data/stories",
         "tests/test_reviewed.yml"],
        cwd=project, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT_ROOT)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

"""The domain keeps its side of the contract: DESIGN.md's names, wording for everything actions say,
and a slot and a question for every detail the catalogue asks for (P4: wording adapts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.forms.completion import ASK_ACTIONS, FIELD_SLOTS, catalogue_fields
from actions.handover import REASONS

ROOT = Path(__file__).resolve().parents[2]


def load_domain():
    merged = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


@pytest.fixture(scope="module")
def domain():
    return load_domain()


def said_in_code():
    names = set()
    for path in (ROOT / "actions").rglob("*.py"):
        names |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text()))
    names |= {f"utter_invalid_{name}" for name in FIELD_SLOTS}
    names |= {f"utter_handover_reason_{reason}" for reason in REASONS}
    names.discard("utter_action")  # the key under which Rasa keeps the response said, not a response
    return names


def used_in_dialogue():
    used = set()
    for path in list((ROOT / "data" / "rules").glob("*.yml")) + list((ROOT / "data" / "stories").glob("*.yml")):
        used |= set(re.findall(r"action: (utter_\w+)", path.read_text()))
    return used


def test_design_names_are_all_in_the_domain(domain):
    """DESIGN.md: the intents, entities, slots and actions tests and content rely on."""
    intents = ["greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "state_goal", "report_problem", "express_new_user", "express_experienced_user", "ask_why", "request_step_through", "request_do_it_for_me", "step_done", "stuck", "request_human", "express_frustration", "inform", "out_of_scope", "EXTERNAL_page_changed", "EXTERNAL_handback"]
    assert set(intents) <= set(domain["intents"])
    assert {"service", "problem", "familiarity", "error_code", "account_reference", "postcode", "page"} <= set(domain["entities"])
    assert {"service", "problem", "familiarity", "support_mode", "current_step", "system_failure",
            "identity_verified", "handover", "page"} <= set(domain["slots"])
    assert domain["slots"]["familiarity"]["values"] == ["new", "familiar"]
    assert domain["slots"]["support_mode"]["values"] == ["retry_alone", "step_through", "do_it_for_me"]
    assert {"action_check_service_status", "action_agree_problem", "action_offer_support_options",
            "action_step_through", "action_explain_why", "action_complete_for_customer",
            "action_promote_related", "action_handover"} <= set(domain["actions"])


def test_everything_the_actions_say_has_wording_in_the_domain(domain):
    assert said_in_code() - set(domain["responses"]) == set()


def test_every_response_is_used_by_the_dialogue_or_listed_as_said_by_an_action(domain):
    """So `rasa data validate --fail-on-warnings` stays clean (data/rules/said_by_actions.yml)."""
    assert set(domain["responses"]) - used_in_dialogue() == set()


def test_every_catalogue_detail_has_a_slot_a_question_and_a_hint(domain, catalogue):
    fields = catalogue_fields(catalogue)
    assert fields <= set(FIELD_SLOTS)
    assert list(FIELD_SLOTS) == domain["forms"]["completion_form"]["required_slots"]
    for name in FIELD_SLOTS:
        assert name in domain["slots"] and f"action_ask_{name}" in domain["actions"]
        assert f"utter_invalid_{name}" in domain["responses"]
        assert ASK_ACTIONS[name]().name() == f"action_ask_{name}"


@pytest.mark.parametrize("response", [
    "utter_agree_goal", "utter_agree_problem", "utter_support_options", "utter_retry_tip", "utter_retry_go_ahead",
    "utter_step", "utter_step_with_link", "utter_step_through_start", "utter_step_progress", "utter_journey_done",
])
def test_key_wording_adapts_to_familiarity(domain, response):
    """P4: a variation for new customers, one for familiar ones, and one for not known yet."""
    conditions = set()
    for variation in domain["responses"][response]:
        values = [c["value"] for c in variation.get("condition", []) if c.get("name") == "familiarity"]
        conditions.add(values[0] if values else None)
    assert conditions == {"new", "familiar", None}


def test_new_customers_get_the_why_unasked(domain):
    """P10: the step wording for new customers includes the step's why; familiar wording does not."""
    for name in ("utter_step", "utter_step_with_link"):
        by = {(v.get("condition") or [{}])[0].get("value"): v["text"] for v in domain["responses"][name]}
        assert "{step_why}" in by["new"] and "{step_why}" not in by["familiar"]

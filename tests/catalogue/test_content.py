"""The real catalogue: matches the portal contract exactly, and its phrases find the right ids."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from catalogue_support import SERVICES_DIR

from bot.catalogue import load_catalogue, validate
from bot.catalogue.site import SiteError, local_site

PROBLEM_IDS = {
    "sign_in_help": """forgotten_password account_locked sign_in_failed code_not_received
        code_invalid password_rejected email_invalid""",
    "pay_council_tax": """reference_not_found postcode_invalid amount_too_high amount_invalid
        card_name_missing card_number_invalid card_expired card_declined security_code_invalid""",
    "report_missed_bin": """postcode_invalid postcode_not_recognised address_not_listed
        bin_type_missing garden_not_subscribed report_too_late date_invalid""",
    "apply_parking_permit": """postcode_invalid not_in_permit_zone registration_invalid
        vehicle_not_found file_missing file_too_large file_type_not_allowed card_name_missing
        card_number_invalid card_expired security_code_invalid card_declined""",
    "update_contact_details": """sign_in_failed account_locked email_invalid email_in_use
        phone_invalid no_changes code_not_received code_invalid""",
    "book_bulky_waste": """postcode_invalid postcode_not_recognised no_items_selected
        too_many_items date_missing no_dates_available card_name_missing card_number_invalid
        card_expired security_code_invalid card_declined""",
}
SYSTEM_PROBLEMS = {"service_unavailable", "service_error"}


def test_steps_are_the_contracts_screens_in_order(catalogue, contract):
    assert set(catalogue.services) == set(contract)
    for service_id, rows in contract.items():
        service = catalogue.get(service_id)
        *screens, done = rows
        assert [(s.id, s.screen) for s in service.steps] == [
            (r["id"], r["screen"]) for r in screens
        ]
        assert service.done_url == done["screen"] and not done["fields"] and not done["error_codes"]
        assert service.start_url in [r["screen"] for r in rows]
        assert service.status_key == service_id


def test_highlights_are_fields_of_their_screen(catalogue, contract):
    for service_id, rows in contract.items():
        for step, row in zip(catalogue.get(service_id).steps, rows):
            assert step.highlight in row["fields"], f"{service_id}.{step.id}"


def test_every_contract_error_code_is_a_problem_of_its_step(catalogue, contract):
    for service_id, rows in contract.items():
        service = catalogue.get(service_id)
        service_wide = {code for p in service.problems for code in p.error_codes}
        assert service_wide == {"SERVICE_UNAVAILABLE", "SERVICE_ERROR"}
        for step, row in zip(service.steps, rows):
            step_codes = {code for p in step.problems for code in p.error_codes}
            assert set(row["error_codes"]) - {"SERVICE_ERROR"} == step_codes, (
                f"{service_id}.{step.id}"
            )


def test_problem_ids_are_the_agreed_ones(catalogue):
    for service_id, ids in PROBLEM_IDS.items():
        service = catalogue.get(service_id)
        assert {p.id for s in service.steps for p in s.problems} == set(ids.split()), service_id
        assert {p.id for p in service.problems} == SYSTEM_PROBLEMS


def test_only_system_problems_are_system_faults(catalogue):
    for service in catalogue.services.values():
        for problem in service.problems_all():
            assert problem.system_fault == (problem.id in SYSTEM_PROBLEMS), (
                f"{service.id}.{problem.id}"
            )


def test_a_shared_problem_has_the_same_phrases_everywhere(catalogue):
    phrases = defaultdict(dict)
    for service in catalogue.services.values():
        for problem in service.problems_all():
            phrases[problem.id][service.id] = problem.phrases
    for problem_id, by_service in phrases.items():
        first = next(iter(by_service.values()))
        assert all(p == first for p in by_service.values()), problem_id
        assert len(first) >= 5, f"{problem_id} needs more ways customers say it"


def test_every_service_has_rich_synonyms_and_related(catalogue):
    for service in catalogue.services.values():
        assert len(service.synonyms) >= 15, service.id
        assert all(s == s.lower() for s in service.synonyms), service.id
        assert service.related and all(r.benefit for r in service.related)
        assert service.can_complete_for_customer and service.completion is not None
    related = {s.id: [r.service for r in s.related] for s in catalogue.services.values()}
    assert "book_bulky_waste" in related["report_missed_bin"]
    assert "update_contact_details" in related["pay_council_tax"]
    assert "update_contact_details" in related["apply_parking_permit"]


def test_a_related_benefit_reads_well_after_the_offer(catalogue):
    """The offer says "While you're here: would you like to ...? {benefit}" (utter_promote_related):
    a benefit that says "while you're here" again reads badly to the customer."""
    for service in catalogue.services.values():
        for related in service.related:
            assert "while you" not in related.benefit.lower(), (service.id, related.service)


def test_help_never_blames_the_customer(catalogue):
    blaming = re.compile(
        r"\byou (?:did|typed|entered) (?:it )?wrong|\byour (?:mistake|fault)\b", re.IGNORECASE
    )
    for service in catalogue.services.values():
        for problem in service.problems_all():
            assert not blaming.search(problem.help), f"{service.id}.{problem.id}"
            if problem.system_fault:
                assert "not anything you've done" in problem.help or "not yours" in problem.help


# Realistic messages and the ids the entity ruler must find in them.
UTTERANCES = [
    (
        "I'm trying to pay my council tax but it keeps saying declined",
        {"service": "pay_council_tax", "problem": "card_declined"},
    ),
    (
        "paying my counsel tax and my security code is wrong",
        {"service": "pay_council_tax", "problem": "security_code_invalid"},
    ),
    ("the code doesn't work", {"problem": "code_invalid"}),
    ("I never got the code", {"problem": "code_not_received"}),
    ("I forgot my password", {"problem": "forgotten_password"}),
    (
        "I can't log in, it says my account is locked",
        {"service": "sign_in_help", "problem": "account_locked"},
    ),
    ("My bin wasn't emptied yesterday", {"service": "report_missed_bin"}),
    ("my bin wasn\u2019t emptied", {"service": "report_missed_bin"}),
    ("I didnt receive the code", {"problem": "code_not_received"}),
    ("it says my postcode is wrong", {"problem": "postcode_invalid"}),
    (
        "postcode not recognised when I report a missed bin",
        {"service": "report_missed_bin", "problem": "postcode_not_recognised"},
    ),
    ("my reg number not accepted", {"problem": "registration_invalid"}),
    ("it says the file is too big", {"problem": "file_too_large"}),
    ("I want to apply for a residents parking permit", {"service": "apply_parking_permit"}),
    ("how do I change my email address", {"service": "update_contact_details"}),
    (
        "need to get rid of a sofa but there are no dates available",
        {"service": "book_bulky_waste", "problem": "no_dates_available"},
    ),
    ("the website is down", {"problem": "service_unavailable"}),
    ("I don't know which bin", {"problem": "bin_type_missing"}),
    ("card number not accepted", {"problem": "card_number_invalid"}),
    (
        "what name do I put on the council tax payment",
        {"problem": "card_name_missing", "service": "pay_council_tax"},
    ),
    ("it says my email is already used", {"problem": "email_in_use"}),
    ("why do you need my postcode?", {}),
    ("why do you need my security code", {}),
    ("why do you need the name on the card", {}),
    ("what is my council tax reference for", {"service": "pay_council_tax"}),
]


@pytest.fixture(scope="module")
def ruler_nlp(catalogue):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(catalogue.entity_patterns())
    return nlp


@pytest.mark.parametrize("text, expected", UTTERANCES)
def test_phrases_find_the_right_ids(ruler_nlp, text, expected):
    found = {ent.label_: ent.ent_id_ for ent in ruler_nlp(text).ents}
    assert found == expected


def test_real_catalogue_against_the_demo_portal_in_process():
    try:
        import demo_portal  # noqa: F401

        site = local_site()
    except (ImportError, SiteError) as exc:
        pytest.skip(f"demo_portal is not ready to serve /api/site yet: {exc}")
    assert [str(i) for i in validate(load_catalogue(SERVICES_DIR), site)] == []

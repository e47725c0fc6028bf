"""The look-ups the assistant uses: page → step / service, error code → problem, entity patterns."""

from __future__ import annotations

import pytest

from actions.parsing import says_any
from bot.catalogue import CatalogueError, load_catalogue


@pytest.mark.parametrize(
    "page",
    [
        "/council-tax/pay/card",
        "/council-tax/pay/card/",
        "/council-tax/pay/card?retry=1",
        "http://127.0.0.1:8001/council-tax/pay/card#main-content",
    ],
)
def test_step_for_page_ignores_host_query_and_trailing_slash(catalogue, page):
    assert catalogue.get("pay_council_tax").step_for_page(page).id == "card"


def test_step_for_page_is_exact(catalogue):
    service = catalogue.get("pay_council_tax")
    assert service.step_for_page("/council-tax/pay").id == "start"
    assert service.step_for_page("/council-tax/pay/cards") is None
    assert (
        service.step_for_page("/council-tax/pay/confirmation") is None
    )  # the done page, not a step
    assert service.is_done_page("/council-tax/pay/confirmation/")


def test_shared_sign_in_screen(catalogue):
    assert catalogue.get("update_contact_details").step_for_page("/sign-in").id == "sign_in"
    assert catalogue.service_for_page("/sign-in").id == "sign_in_help"
    assert (
        catalogue.service_for_page("/sign-in?next=/account/details").id == "update_contact_details"
    )
    assert catalogue.service_for_page("/account/details/edit").id == "update_contact_details"


def test_service_for_page(catalogue):
    assert catalogue.service_for_page("/bins/missed/date").id == "report_missed_bin"
    assert catalogue.service_for_page("/bulky-waste/confirmation").id == "book_bulky_waste"
    assert catalogue.service_for_page("/demo/mailbox") is None


def test_problem_for_error_code(catalogue):
    assert catalogue.problem_for_error_code("CVV_INVALID").id == "security_code_invalid"
    assert catalogue.problem_for_error_code("ct_account_not_found").id == "reference_not_found"
    assert (
        catalogue.problem_for_error_code("CODE_EXPIRED", "update_contact_details").id
        == "code_invalid"
    )
    unavailable = catalogue.problem_for_error_code("SERVICE_UNAVAILABLE", "report_missed_bin")
    assert unavailable.system_fault and "missed bins" in unavailable.help
    assert catalogue.problem_for_error_code("CARD_DECLINED", "report_missed_bin") is None
    assert catalogue.problem_for_error_code("NO_SUCH_CODE") is None


def test_problem_lookups(catalogue):
    service = catalogue.get("pay_council_tax")
    ids = [p.id for p in service.problems_all()]
    assert ids[0] == "reference_not_found" and ids[-2:] == ["service_unavailable", "service_error"]
    assert service.problem("card_declined").error_codes == ["CARD_DECLINED"]
    assert service.problem("nope") is None
    assert service.step_for_problem("amount_too_high").id == "amount"
    assert service.step_for_problem("service_error") is None
    assert [s.id for s in catalogue.services_with_problem("card_declined")] == [
        "apply_parking_permit",
        "book_bulky_waste",
        "pay_council_tax",
    ]


def test_instruction_for_familiarity(catalogue):
    instruction = catalogue.get("pay_council_tax").step("account").instruction
    assert instruction.for_familiarity("familiar") == instruction.familiar
    assert instruction.for_familiarity("new") == instruction.new
    assert instruction.for_familiarity(None) == instruction.new


def test_entity_patterns(catalogue):
    patterns = catalogue.entity_patterns()
    assert {
        "label": "service",
        "pattern": "pay your council tax",
        "id": "pay_council_tax",
    } in patterns
    assert {"label": "service", "pattern": "counsel tax", "id": "pay_council_tax"} in patterns
    assert {"label": "problem", "pattern": "card declined", "id": "card_declined"} in patterns
    phrases = [p["pattern"] for p in patterns]
    assert len(phrases) == len(set(phrases)), "pooled phrases are deduplicated"
    assert all(p == p.lower() and "  " not in p for p in phrases)
    assert {p["label"] for p in patterns} == {"service", "problem"}
    for variant in (
        "won't accept my postcode",
        "won\u2019t accept my postcode",
        "wont accept my postcode",
    ):
        assert {"label": "problem", "pattern": variant, "id": "postcode_invalid"} in patterns
    service_ids = {p["id"] for p in patterns if p["label"] == "service"}
    assert service_ids == set(catalogue.services)


def test_entity_patterns_refuse_a_phrase_with_two_meanings(mini):
    mini.edit("beta", "  - beta thing", "  - beta thing\n  - Alpha Thing")
    catalogue = load_catalogue(mini.write())
    with pytest.raises(
        CatalogueError, match='phrase "alpha thing" names service beta here but service alpha'
    ):
        catalogue.entity_patterns()


def test_what_a_service_does_not_cover_is_found_in_the_customers_words(catalogue):
    """"I've moved house": the contact details service changes email and phone, not the home address."""
    [moving] = catalogue.get("update_contact_details").does_not_cover
    assert says_any("I've MOVED house, need to update my details", moving.phrases) and "01632 960 000" in moving.say
    assert says_any("change of address please", moving.phrases)
    assert not says_any("i need to change my email address", moving.phrases)  # the service's own business
    assert not says_any("i've moved houseplants", moving.phrases)  # whole words only


def test_a_does_not_cover_entry_without_phrases_is_refused_at_its_line(mini):
    text = mini.edit("alpha", "steps:\n", "does_not_cover:\n  - say: Call us for that.\nsteps:\n")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    (issue,) = caught.value.issues
    assert "does_not_cover" in issue.message and "phrases" in issue.message
    assert issue.line == next(n for n, line in enumerate(text.splitlines(), start=1) if "- say: Call us" in line)

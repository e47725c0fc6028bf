"""A seeded set of conversations whose figures are known by hand (see EXPECTED)."""

from __future__ import annotations

from datetime import timedelta

from bot.content.models import Journey
from bot.hub.store import db, utcnow

TAX = "pay_council_tax"
BINS = "report_missed_bin"


def service_entity(text: str, words: str, value: str) -> list[dict]:
    start = text.index(words)
    return [{"entity": "service", "value": value, "start": start, "end": start + len(words),
             "extractor": "CatalogueEntityExtractor"}]


def seed(app, assistant, customer) -> dict[str, str]:
    """Six conversations; their ids by name. c6 started 40 days ago."""
    say = assistant.understand
    text = "I want to pay my council tax"
    say(text, "state_goal", 0.97, service_entity(text, "council tax", TAX), service=TAX)
    say("pay council tax for me", "request_do_it_for_me", 0.9, service=TAX, support_mode="do_it_for_me")
    say("yes go ahead", "affirm", 0.99, outcome="finished")
    say("council tax please", "state_goal", 0.92, service=TAX, current_step="start")
    say("I'm stuck", "stuck", 0.88, current_step="account")
    say("council tax", "state_goal", 0.9, service=TAX)
    say("blah the thing broke", "nlu_fallback", 0.31)
    say("my bin wasn't collected", "state_goal", 0.95, service=BINS)

    ids = {}
    c1 = customer()
    c1.says(text)
    c1.views("/council-tax/pay/account")
    c1.views("/council-tax/pay/amount")
    c1.views("/council-tax/pay/card", "CARD_DECLINED")
    c1.views("/council-tax/pay/confirmation")
    assert c1.rates(5).status_code == 201
    ids["c1"] = c1.id

    c2 = customer()
    c2.says("pay council tax for me")
    c2.says("yes go ahead")
    assert c2.rates(4).status_code == 201
    ids["c2"] = c2.id

    c3 = customer()
    c3.says("council tax please")
    c3.views("/council-tax/pay/account")
    c3.says("I'm stuck")
    c3.handed_over("stuck", goal=TAX, step_id="account")
    assert c3.rates(1, "too hard to find my reference").status_code == 201
    ids["c3"] = c3.id

    c4 = customer()
    c4.says("council tax")
    c4.says("blah the thing broke")
    c4.handed_over("system_failure", goal=TAX)
    ids["c4"] = c4.id

    c5 = customer()
    c5.says("my bin wasn't collected")
    c5.views("/bins/missed/postcode", "POSTCODE_INVALID")
    c5.views("/bins/missed/postcode")
    c5.views("/bins/missed/address")
    c5.views("/bins/missed/confirmation")
    assert c5.rates(2).status_code == 201
    ids["c5"] = c5.id

    c6 = customer()
    c6.says("council tax")
    c6.handed_over("customer_request", goal=TAX)
    ids["c6"] = c6.id
    with app.app_context():
        db.session.get(Journey, c6.id).started_at = utcnow() - timedelta(days=40)
        db.session.commit()
    return ids


# The last 30 days (c1-c5), worked out by hand from the script above.
EXPECTED = {
    TAX: {
        "started": 4, "completed_self": 1, "completed_assistant": 1, "handed_over": 2,
        "ratings": 3, "average_rating": round((5 + 4 + 1) / 3, 2),
        "steps": {"start": 1, "account": 2, "amount": 1, "card": 1, "verify": 0},
        "stuck": {"card": 1, "account": 1},
        "problems": {"card_declined": 1},
        "error_codes": {"CARD_DECLINED": 1},
        "handover_reasons": {"stuck": 1, "system_failure": 1},
    },
    BINS: {
        "started": 1, "completed_self": 1, "completed_assistant": 0, "handed_over": 0,
        "ratings": 1, "average_rating": 2.0,
        "steps": {"start": 0, "postcode": 1, "address": 1, "bin_type": 0, "date": 0, "check": 0},
        "stuck": {"postcode": 1},
        "problems": {"postcode_invalid": 1},
        "error_codes": {"POSTCODE_INVALID": 1},
        "handover_reasons": {},
    },
}

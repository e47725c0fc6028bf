"""The NLU components after DIET: familiarity read as new / familiar, and the catalogue ruling out out_of_scope."""

from __future__ import annotations

import re

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.familiarity import FamiliarityReader, familiarity_from_words
from bot.nlp.scope import CatalogueScope, OtherOrganisations, in_scope_ranking


def message(text: str, entities: list[dict] | None = None, ranking: list[tuple[str, float]] | None = None) -> Message:
    data = {"text": text, "entities": entities or []}
    if ranking:
        data["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
        data["intent"] = dict(data["intent_ranking"][0])
    return Message(data=data)


def span(text: str, words: str, kind: str = "familiarity", value: str | None = None) -> dict:
    start = text.index(words)
    return {"entity": kind, "value": value or words, "start": start, "end": start + len(words), "extractor": "DIET"}


@pytest.mark.parametrize("words, value", [
    ("i use the site all the time", "familiar"), ("use the site", "familiar"), ("not my first time", "familiar"),
    ("first time", "new"), ("never done it before", "new"), ("not used to this", "new"),
    ("my son normally does this for me", "new"), ("been using it for years", "familiar"),
    ("i always used to go into the office to pay", "new"), ("i normally phone up", "new"),
    ("i've always paid in person", "new"), ("i pay online every month", "familiar"),
])
def test_a_self_report_is_read_as_new_or_familiar(words, value):
    """P4: self-reports inside longer messages, even when the NLU tags only part of them."""
    assert familiarity_from_words(words) == value


def test_the_familiarity_entity_only_ever_holds_new_or_familiar():
    text = "i use the site all the time, need to report a missed bin"
    found = message(text, [span(text, "use the site"), span(text, "time"), span(text, "missed bin", "service",
                                                                             "report_missed_bin")])
    [out] = FamiliarityReader().process([found])
    assert [(e["entity"], e["value"]) for e in out.get("entities")] == [
        ("familiarity", "familiar"), ("service", "report_missed_bin")]


def test_a_span_that_starts_inside_a_word_keeps_the_negation():
    """The NLU may tag "n't used it before" out of "haven't used it before": that is a new customer."""
    text = "i haven't used it before, how do i pay my council tax"
    start = text.index("n't")
    tagged = {"entity": "familiarity", "value": "n't used it before", "start": start, "end": text.index(",")}
    [out] = FamiliarityReader().process([message(text, [tagged])])
    assert [e["value"] for e in out.get("entities")] == ["new"]


def test_words_that_say_neither_are_dropped_so_the_slot_keeps_what_was_known():
    text = "the page with the blue button"
    [out] = FamiliarityReader().process([message(text, [span(text, "blue button")])])
    assert out.get("entities") == []


def test_a_value_the_synonyms_already_mapped_is_kept():
    text = "first time online"
    [out] = FamiliarityReader().process([message(text, [span(text, "first time", value="new")])])
    assert out.get("entities")[0]["value"] == "new"


def test_a_message_naming_a_catalogue_service_is_not_out_of_scope():
    """The new-service case: a goal worded like the out-of-scope examples, but the catalogue knows the service."""
    text = "i want to book the recycling centre for sunday"
    found = message(text, [span(text, "recycling centre", "service", "book_recycling_centre")],
                    [("out_of_scope", 0.54), ("state_goal", 0.40), ("greet", 0.06)])
    [out] = CatalogueScope().process([found])
    assert out.get("intent")["name"] == "state_goal"
    assert out.get("intent")["confidence"] == pytest.approx(0.40 / 0.46)
    assert [r["name"] for r in out.get("intent_ranking")] == ["state_goal", "greet"]
    assert sum(r["confidence"] for r in out.get("intent_ranking")) == pytest.approx(1.0)


def test_a_sure_out_of_scope_is_kept_although_it_uses_catalogue_words():
    """Another organisation's password, a council tax exemption: the catalogue's words, not its services."""
    text = "i forgot my hotmail password"
    ranking = [("out_of_scope", 0.97), ("report_problem", 0.02), ("state_goal", 0.01)]
    found = message(text, [span(text, "forgot my hotmail password", "problem", "forgotten_password")], ranking)
    [out] = CatalogueScope().process([found])
    assert out.get("intent") == {"name": "out_of_scope", "confidence": 0.97}
    [out] = CatalogueScope({"keep_out_of_scope_above": 0.99}).process(
        [message(text, [span(text, "forgot my hotmail password", "problem", "forgotten_password")], ranking)])
    assert out.get("intent")["name"] == "report_problem"


def test_without_a_catalogue_entity_the_ranking_is_left_alone():
    found = message("what's the weather like", [], [("out_of_scope", 0.8), ("state_goal", 0.2)])
    [out] = CatalogueScope().process([found])
    assert out.get("intent") == {"name": "out_of_scope", "confidence": 0.8}
    assert len(out.get("intent_ranking")) == 2


def test_an_in_scope_top_intent_keeps_its_place_and_gains_confidence():
    text = "pay council tax"
    found = message(text, [span(text, "council tax", "service", "pay_council_tax")],
                    [("state_goal", 0.6), ("out_of_scope", 0.3), ("affirm", 0.1)])
    [out] = CatalogueScope().process([found])
    assert out.get("intent")["name"] == "state_goal"
    assert out.get("intent")["confidence"] == pytest.approx(0.6 / 0.7)


def test_a_ranking_of_only_out_of_scope_is_left_as_it_is():
    assert in_scope_ranking([{"name": "out_of_scope", "confidence": 1.0}]) == [{"name": "out_of_scope", "confidence": 1.0}]


@pytest.fixture(scope="module")
def catalogue_nlp(tmp_path_factory):
    import spacy

    from bot.catalogue import load_catalogue
    from bot.config import PROJECT_ROOT
    from bot.nlp.pipeline import build_pipeline

    path = tmp_path_factory.mktemp("spacy") / "pipeline"
    build_pipeline(load_catalogue(PROJECT_ROOT / "data/services"), path)
    return spacy.load(path)


def test_a_catalogue_phrase_decides_over_the_models_guess_for_its_span(catalogue_nlp):
    """DIET is not seeded: a retraining once read a new service's exact phrase as another service's problem."""
    from rasa.nlu.utils.spacy_utils import SpacyModel

    from bot.nlp.catalogue_entities import CatalogueEntityExtractor

    text = "i tried to book a collection but it says fully booked"
    start = text.index("fully booked")
    guessed = {"entity": "problem", "value": "reference_not_found", "start": start, "end": len(text),
               "extractor": "DIETClassifier"}
    unknown = {"entity": "service", "value": "a bin lorry", "start": 0, "end": 5, "extractor": "DIETClassifier"}
    found = message(text, entities=[guessed, unknown])
    CatalogueEntityExtractor({}).process([found], SpacyModel(model=catalogue_nlp, model_name="catalogue"))
    problems = [e for e in found.get("entities") if e["entity"] == "problem"]
    assert [e["value"] for e in problems] == ["no_dates_available"]
    assert problems[0]["extractor"] == "DIETClassifier"  # DIET's entity, with the catalogue's id
    assert not [e for e in found.get("entities") if e["entity"] == "service"]  # not an id, no phrase: dropped


def catalogue_entities(nlp, text: str, entities: list[dict] | None = None) -> list[tuple[str, str, str]]:
    from rasa.nlu.utils.spacy_utils import SpacyModel

    from bot.nlp.catalogue_entities import CatalogueEntityExtractor

    found = message(text, entities)
    CatalogueEntityExtractor({}).process([found], SpacyModel(model=nlp, model_name="catalogue"))
    return [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in found.get("entities")]


@pytest.mark.parametrize("text, problem, words", [
    ("it keeps saying my vehicle isn't found", "vehicle_not_found", "vehicle isn't found"),
    ("my vehicle isn’t found", "vehicle_not_found", "vehicle isn’t found"),
    ("my vehicle isnt found", "vehicle_not_found", "vehicle isnt found"),
    ("it said Vehicle Not Found", "vehicle_not_found", "Vehicle Not Found"),
    ("my car was not recognised", "vehicle_not_found", "car was not recognised"),
    ("the registration number is not valid", "registration_invalid", "registration number is not valid"),
    ("my postcode was invalid", "postcode_invalid", "postcode was invalid"),
    ("it says the card was declined", "card_declined", "card was declined"),
])
def test_a_catalogue_phrase_is_found_as_customers_vary_it(catalogue_nlp, text, problem, words):
    """Agreeing the problem: the catalogue has "vehicle not found"; customers write "my vehicle isn't found"."""
    assert ("problem", problem, words) in catalogue_entities(catalogue_nlp, text)


@pytest.mark.parametrize("text", [
    "I found my vehicle",  # the phrase's words, not in its order
    "my vehicle was definitely not found",  # a word that is not a filler between them
    "the bin was missed again",
])
def test_only_fillers_may_come_between_a_phrases_words(catalogue_nlp, text):
    assert not [e for e in catalogue_entities(catalogue_nlp, text) if e[0] == "problem"]


def test_a_span_the_model_tagged_as_customers_vary_a_phrase_gets_its_id(catalogue_nlp):
    """Before, a tag that was not a catalogue id nor a phrase as written was dropped."""
    text = "help, car was not recognised!!"
    tagged = span(text, "car was not recognised", "problem")
    tagged["extractor"] = "DIETClassifier"
    assert catalogue_entities(catalogue_nlp, text, [tagged]) == [
        ("problem", "vehicle_not_found", "car was not recognised")]


def test_phrases_that_read_the_same_without_fillers_but_mean_two_things_are_matched_only_as_written(catalogue_nlp):
    from bot.nlp.catalogue_entities import LoosePhrases

    loose = LoosePhrases(catalogue_nlp, [
        {"label": "problem", "pattern": "card is declined", "id": "card_declined"},
        {"label": "problem", "pattern": "the card declined", "id": "bank_says_no"},
        {"label": "problem", "pattern": "code expired", "id": "code_expired"},
    ])
    assert loose.matches(catalogue_nlp("my card was declined")) == []
    assert [m["value"] for m in loose.matches(catalogue_nlp("the code has expired, the code expired"))] == [
        "code_expired"]


ORGANISATIONS = {"other_organisation": ["paypal", "amazon", "government gateway", "o2"],
                 "email_provider": ["hotmail", "gmail"]}


def about_theirs(text: str, entities: list[dict] | None = None,
                 ranking: list[tuple[str, float]] | None = None) -> Message:
    [out] = OtherOrganisations({}, ORGANISATIONS).process(
        [message(text, entities, ranking or [("report_problem", 0.98), ("out_of_scope", 0.015), ("stuck", 0.005)])])
    return out


def test_another_organisations_account_is_out_of_scope_not_our_sign_in():
    """DIET was sure "my paypal account has been locked" was ours: the customer was coached through
    the council's sign-in. Now out_of_scope takes the place and the confidence DIET gave its choice."""
    text = "my paypal account has been locked"
    out = about_theirs(text, [span(text, "account has been locked", "problem", "account_locked")])
    assert out.get("intent")["name"] == "out_of_scope" and out.get("intent")["confidence"] == 0.98
    assert [(r["name"], r["confidence"]) for r in out.get("intent_ranking")] == [
        ("out_of_scope", 0.98), ("report_problem", 0.015), ("stuck", 0.005)]
    assert about_theirs("my government gateway login won't work").get("intent")["name"] == "out_of_scope"
    # named, as typed, for the answer ("please contact PayPal directly")
    text = "İ think my PayPal account is locked, it's jo@paypal.com"
    named = [e for e in about_theirs(text).get("entities") if e["entity"] == "organisation"]
    assert named == [{"entity": "organisation", "value": "PayPal", "start": 11, "end": 17,
                      "extractor": "OtherOrganisations"}]
    assert text[11:17] == "PayPal"
    already = about_theirs("my hotmail won't open", ranking=[("out_of_scope", 0.99), ("stuck", 0.01)])
    assert [e["value"] for e in already.get("entities")] == ["hotmail"]  # DIET knew: named all the same
    assert about_theirs("O2 keeps taking money").get("intent")["name"] == "out_of_scope"  # any case
    # our words ("change the email", "login") found as one of our services do not make their account ours
    text = "i need to change the email on my amazon account"
    out = about_theirs(text, [span(text, "change the email", "service", "update_contact_details")], [("state_goal", 0.99)])
    assert out.get("intent")["name"] == "out_of_scope"
    text = "my government gateway login won't work"
    out = about_theirs(text, [span(text, "login", "service", "sign_in_help")])
    assert out.get("intent")["name"] == "out_of_scope"


def test_naming_our_service_or_an_everyday_message_keeps_the_intent():
    text = "i want to pay my council tax, i use amazon pay"
    out = about_theirs(text, [span(text, "council tax", "service", "pay_council_tax")], [("state_goal", 0.9)])
    assert out.get("intent")["name"] == "state_goal"
    assert about_theirs("thanks, better than amazon", ranking=[("thank", 0.99)]).get("intent")["name"] == "thank"
    assert about_theirs("the payment page is locked", ranking=[("report_problem", 0.9)]).get(
        "intent")["name"] == "report_problem"  # no organisation named ("paypal" inside no word)
    assert about_theirs("i use amazonite", ranking=[("inform", 0.9)]).get("intent")["name"] == "inform"
    text = "paying my council tax and my paypal card was declined"  # a customer paying us
    out = about_theirs(text, [span(text, "council tax", "service", "pay_council_tax")])
    assert out.get("intent")["name"] == "report_problem" and not [
        e for e in out.get("entities") if e["entity"] == "organisation"]
    # DIET's own out_of_scope for a message that is ours gets no organisation to send them to
    text = "the code never came to my hotmail"
    out = about_theirs(text, [span(text, "code never came", "problem", "code_not_received")],
                       [("out_of_scope", 0.99), ("report_problem", 0.01)])
    assert [e["entity"] for e in out.get("entities")] == ["problem"]


def test_an_email_provider_is_theirs_only_when_none_of_our_problems_is_named():
    """Our codes and reset emails arrive at gmail and hotmail: "the code never came to my hotmail" is ours."""
    text = "the code never came to my hotmail"
    ours = about_theirs(text, [span(text, "code never came", "problem", "code_not_received")])
    assert ours.get("intent")["name"] == "report_problem"
    assert about_theirs("my gmail won't let me in").get("intent")["name"] == "out_of_scope"
    text = "please change my email to jo.bloggs@gmail.com"  # an address typed is not an organisation named
    assert about_theirs(text, ranking=[("inform", 0.9)]).get("intent")["name"] == "inform"


def test_the_names_are_read_from_the_content_file_when_trained_and_kept_with_the_model(tmp_path):
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    names = tmp_path / "organisations.yml"
    names.write_text("other_organisation:\n  - PayPal\n  - ebay\nemail_provider:\n  - gmail\n")
    config = {"names_file": str(names)}
    (tmp_path / "model").mkdir()
    storage, resource = LocalModelStorage(tmp_path / "model"), Resource("other_organisations")
    before = OtherOrganisations.fingerprint_addon(config)
    OtherOrganisations.create(config, storage, resource, None).train(TrainingData())
    names.write_text("other_organisation:\n  - amazon\n")  # the model keeps what it was trained with
    loaded = OtherOrganisations.load(config, storage, resource, None)
    assert loaded.names_in("my ebay and paypal accounts, my gmail") == {
        "other_organisation": ["ebay", "paypal"], "email_provider": ["gmail"]}
    assert OtherOrganisations.fingerprint_addon(config) != before  # a change to the file retrains it


@pytest.mark.parametrize("text, says", [
    ("- amazon\n", "expected other_organisation and email_provider"),
    ("banks:\n  - barclays\n", "unknown list 'banks'"),
    ("other_organisation: amazon\n", "other_organisation must be a list of names"),
    ("other_organisation:\n  - [amazon\n", "not readable YAML"),
])
def test_a_names_file_that_cannot_be_used_says_what_to_fix(tmp_path, text, says):
    from bot.nlp.scope import NamesFileError, read_names

    path = tmp_path / "organisations.yml"
    path.write_text(text)
    with pytest.raises(NamesFileError, match=re.escape(says)) as raised:
        read_names(path)
    assert str(path) in str(raised.value)


def test_the_projects_names_file_is_usable():
    from bot.nlp.scope import names_path, read_names

    names = read_names(names_path({}))
    assert "paypal" in names["other_organisation"] and "hotmail" in names["email_provider"]

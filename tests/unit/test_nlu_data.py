"""The NLU data's self-report features (data/nlu/regexes.yml) point the way the examples do.

"not a newbie" and "not very techy" share words with the opposite kind of self-report; the
`says_familiar` and `says_new` regex features tell DIET which way a message points. A feature that
fired on the opposite kind of example would teach DIET the confusion it is there to prevent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

DATA = Path(__file__).resolve().parents[2] / "data" / "nlu"


@pytest.fixture(scope="module")
def nlu():
    """data/nlu as Rasa reads it: plain texts (annotations resolved) and the regex features."""
    return load_data(str(DATA))


@pytest.fixture(scope="module")
def features(nlu) -> dict[str, list[re.Pattern]]:
    found: dict[str, list[re.Pattern]] = {}
    for feature in nlu.regex_features:
        if feature["name"].startswith("says_"):
            found.setdefault(feature["name"], []).append(re.compile(feature["pattern"], re.IGNORECASE))
    return found


def fires(patterns: list[re.Pattern], text: str) -> bool:
    return any(p.search(text) for p in patterns)


@pytest.mark.parametrize("intent, own, opposite", [
    ("express_new_user", "says_new", "says_familiar"),
    ("express_experienced_user", "says_familiar", "says_new"),
])
def test_each_self_report_feature_fires_on_its_own_kind_and_never_the_opposite(nlu, features, intent, own,
                                                                               opposite):
    texts = [e.get("text") for e in nlu.intent_examples if e.get("intent") == intent]
    assert texts, f"no examples of {intent}"
    wrong = [t for t in texts if fires(features[opposite], t)]
    assert not wrong, f"{opposite} fires on {intent} examples: {wrong[:5]}"
    covered = sum(fires(features[own], t) for t in texts) / len(texts)
    assert covered >= 0.6, f"{own} fires on only {covered:.0%} of {intent}"


@pytest.mark.parametrize("text, direction", [
    ("i'm not a newbie", "says_familiar"), ("not my first time", "says_familiar"),
    ("i've never had a problem with websites", "says_familiar"), ("i use it all the time", "says_familiar"),
    ("i'm not very techy", "says_new"), ("never done this before", "says_new"),
    ("i don't feel confident using computers", "says_new"), ("first time online", "says_new"),
])
def test_negation_turns_a_self_report_round(features, text, direction):
    other = "says_new" if direction == "says_familiar" else "says_familiar"
    assert fires(features[direction], text) and not fires(features[other], text)


def test_out_of_scope_examples_carry_no_entities(nlu):
    """An out-of-scope message sets no goal (domain/slots.yml leaves out_of_scope out of the service
    and problem mappings), so an entity annotated in one would teach DIET a tag nothing uses and
    count against the evaluation's entity figures."""
    annotated = [m.get("text") for m in nlu.intent_examples
                 if m.get("intent") == "out_of_scope" and m.get("entities")]
    assert annotated == [], f"out_of_scope examples with entities (remove the annotations): {annotated[:5]}"

"""Validation: the real catalogue is clean; each rule rejects a broken copy, with file:line."""

from __future__ import annotations

import pytest
from catalogue_support import ALPHA, line_of

from bot.catalogue import Issue, drift, load_catalogue, validate


def check(mini, site):
    return validate(load_catalogue(mini.write()), site)


def only_issue(issues) -> Issue:
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def test_real_catalogue_has_no_issues_against_the_contract(catalogue, contract_site):
    assert [str(i) for i in validate(catalogue, contract_site)] == []
    assert [str(i) for i in drift(catalogue, contract_site)] == []


def test_mini_catalogue_is_clean(mini, mini_site):
    assert check(mini, mini_site) == []


def test_missing_why(mini, mini_site):
    text = mini.edit("alpha", "    why: To find your account.\n", "")
    issue = only_issue(check(mini, mini_site))
    assert (issue.file, issue.line) == (mini.path("alpha"), line_of(text, "- id: details"))
    assert issue.message.startswith("step 'details' has no `why`")


def test_empty_why(mini, mini_site):
    text = mini.edit("alpha", "    why: To find your account.", '    why: "  "')
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, 'why: "  "')
    assert "has no `why`" in issue.message


@pytest.mark.parametrize(
    "variant, line", [("new", "Type your postcode"), ("familiar", "Enter your postcode")]
)
def test_missing_instruction_variant(mini, mini_site, variant, line):
    text = mini.edit("alpha", next(x for x in ALPHA.splitlines(keepends=True) if line in x), "")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "instruction:", after="- id: details")
    assert issue.message.startswith(f"step 'details' has no `instruction.{variant}` wording")


def test_missing_instruction_altogether(mini, mini_site):
    text = mini.edit(
        "alpha",
        "    instruction:\n      new: Select the start button.\n      familiar: Start.\n",
        "",
    )
    issues = check(mini, mini_site)
    assert sorted(i.message.split(" wording")[0] for i in issues) == [
        "step 'start' has no `instruction.familiar`",
        "step 'start' has no `instruction.new`",
    ]
    assert {i.line for i in issues} == {line_of(text, "- id: start")}


def test_unknown_related_service(mini, mini_site):
    text = mini.edit("alpha", "  - service: beta", "  - service: gamma")
    issue = only_issue(check(mini, mini_site))
    assert (issue.file, issue.line) == (mini.path("alpha"), line_of(text, "service: gamma"))
    assert issue.message == "related service 'gamma' is not in the catalogue"


def test_related_to_itself(mini, mini_site):
    text = mini.edit("alpha", "  - service: beta", "  - service: alpha")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "service: alpha")
    assert issue.message == "related service 'alpha' is this service itself"


def test_duplicate_service_id_across_files(mini, mini_site):
    folder = mini.write()
    (folder / "alpha_copy.yml").write_text(ALPHA)
    issues = validate(load_catalogue(folder), mini_site)
    copy = str(folder / "alpha_copy.yml")
    line = line_of(ALPHA, "id: alpha")
    assert [str(i) for i in issues] == [
        (
            f"{copy}:{line}: id 'alpha' does not match the file name 'alpha_copy'; name the file "
            "alpha.yml"
        ),
        (
            f"{copy}:{line}: service id 'alpha' is already used by {mini.path('alpha')}:{line}; "
            "each service needs its own id"
        ),
    ]


def test_file_name_must_match_id(mini, mini_site):
    mini.write()
    (mini.folder / "beta.yml").rename(mini.folder / "b.yml")
    issue = only_issue(validate(load_catalogue(mini.folder), mini_site))
    assert issue.file.endswith("b.yml") and issue.line == 1
    assert "does not match the file name 'b'" in issue.message


def test_duplicate_step_id(mini, mini_site):
    text = mini.edit("alpha", "  - id: details", "  - id: start")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "screen: /alpha/details") - 1
    assert (
        issue.message
        == f"step id 'start' is used twice (first at line {line_of(text, '- id: start')})"
    )


def test_duplicate_problem_id(mini, mini_site):
    text = mini.edit(
        "alpha",
        "  - id: service_unavailable",
        "  - id: postcode_invalid\n    phrases: [another postcode phrase]\n    help: Try again.\n"
        "  - id: service_unavailable",
    )
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "phrases: [another") - 1
    assert issue.message.startswith("problem id 'postcode_invalid' is used twice in this service")


def test_unknown_error_code(mini, mini_site):
    text = mini.edit("alpha", "error_codes: [POSTCODE_INVALID]", "error_codes: [POSTCODE_WRONG]")
    issues = check(mini, mini_site)
    issue = only_issue(issues)
    assert (issue.file, issue.line) == (mini.path("alpha"), line_of(text, "POSTCODE_WRONG"))
    assert issue.message == "error code POSTCODE_WRONG is never shown by the portal"


def test_step_screen_not_served(mini, mini_site):
    text = mini.edit("alpha", "screen: /alpha/details", "screen: /alpha/detail")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "screen: /alpha/detail")
    assert issue.message == "screen /alpha/detail is not served by the portal"


def test_done_url_not_served(mini, mini_site):
    text = mini.edit("beta", "done_url: /beta/done", "done_url: /beta/finished")
    issue = only_issue(check(mini, mini_site))
    assert (issue.file, issue.line) == (mini.path("beta"), line_of(text, "done_url:"))


def test_screens_are_checked_against_every_service(mini, mini_site):
    mini.edit("beta", "screen: /beta/pay", "screen: /alpha/details")
    mini_site["services"]["beta"]["screens"].remove("/beta/pay")
    assert check(mini, mini_site) == []


def test_phrase_claimed_by_two_problem_ids(mini, mini_site):
    text = mini.edit(
        "beta",
        "          - card declined\n",
        "          - card declined\n          - Alpha is  down\n",
    )
    issue = only_issue(check(mini, mini_site))
    assert (issue.file, issue.line) == (mini.path("beta"), line_of(text, "Alpha is  down"))
    assert issue.message.startswith(
        'phrase "alpha is down" names problem card_declined here but problem service_unavailable '
        "at "
        f"{mini.path('alpha')}:"
    )


def test_phrase_claimed_by_a_service_and_a_problem(mini, mini_site):
    text = mini.edit("beta", "  - beta thing", "  - beta thing\n  - card declined")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "          - card declined")
    assert "names problem card_declined here but service beta" in issue.message


def test_same_problem_id_in_two_services_may_share_phrases(mini, mini_site):
    mini.texts["beta"] += (
        "      - id: postcode_invalid\n        phrases: [postcode is wrong]\n        help: Check "
        "it.\n"
    )
    assert check(mini, mini_site) == []


@pytest.mark.parametrize("selector", ["the postcode box", "postcode", "#", "# postcode", "#1st"])
def test_implausible_highlight(mini, mini_site, selector):
    text = mini.edit("alpha", 'highlight: "#postcode"', f'highlight: "{selector}"')
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, f'highlight: "{selector}"')
    assert issue.message.startswith(f"highlight '{selector}' is not a CSS selector")


@pytest.mark.parametrize(
    "selector",
    ["#postcode", "input#postcode", "main #postcode", "[name=postcode]", "#a, .b > li:first-child"],
)
def test_plausible_highlights(mini, mini_site, selector):
    mini.edit("alpha", 'highlight: "#postcode"', f'highlight: "{selector}"')
    assert check(mini, mini_site) == []


def test_can_complete_needs_identity_fields(mini, mini_site):
    text = mini.edit("alpha", "identity_fields: [account_reference, postcode]\n", "")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "can_complete_for_customer: true")
    assert issue.message.startswith("can_complete_for_customer is true but no identity_fields")


def test_unknown_identity_field(mini, mini_site):
    mini.edit("alpha", "[account_reference, postcode]", "[account_reference, date_of_birth]")
    assert "identity field 'date_of_birth'" in only_issue(check(mini, mini_site)).message


def test_completion_only_when_it_can_be_done_for_the_customer(mini, mini_site):
    mini.edit("alpha", "can_complete_for_customer: true", "can_complete_for_customer: false")
    mini.edit("alpha", "identity_fields: [account_reference, postcode]\n", "")
    assert (
        "only used when can_complete_for_customer is true"
        in only_issue(check(mini, mini_site)).message
    )


def _with_choices(mini, words: str) -> str:
    return mini.edit("alpha", "      prompt: How much?\n      required: false\n",
                     "      prompt: How much?\n      required: false\n      choices: [some, all]\n"
                     f"      choice_words:\n{words}")


def test_choice_words_are_clean_when_each_names_one_choice(mini, mini_site):
    _with_choices(mini, "        some: [part, a bit]\n        all: [everything]\n")
    assert check(mini, mini_site) == []


def test_choice_words_must_be_for_a_choice(mini, mini_site):
    text = _with_choices(mini, "        some: [part]\n        none: [nothing]\n")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "none: [nothing]")
    assert issue.message == "'none' in choice_words is not one of the choices (some, all)"


def test_a_choice_word_names_one_choice_only(mini, mini_site):
    text = _with_choices(mini, "        some: [part, Half]\n        all: [half]\n")
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "all: [half]")
    assert "'half' names two choices ('some' and 'all')" in issue.message


def test_problem_needs_phrases(mini, mini_site):
    mini.edit("alpha", "    phrases: [alpha is down]\n", "")
    assert only_issue(check(mini, mini_site)).message.startswith(
        "problem 'service_unavailable' has no phrases"
    )


def test_one_error_code_one_problem(mini, mini_site):
    text = mini.edit(
        "beta", "error_codes: [CARD_DECLINED]", "error_codes: [CARD_DECLINED, POSTCODE_INVALID]"
    )
    issue = only_issue(check(mini, mini_site))
    assert issue.line == line_of(text, "POSTCODE_INVALID]")
    assert issue.message.startswith(
        "error code POSTCODE_INVALID means problem 'card_declined' here"
    )


def test_shared_problem_id_means_the_same_everywhere(mini, mini_site):
    mini.edit(
        "beta",
        "        help: Your bank said no; try another card.\n",
        "        help: Your bank said no; try another card.\n"
        "      - id: service_unavailable\n        phrases: [beta is down]\n"
        "        error_codes: [SERVICE_UNAVAILABLE]\n        help: Sorry.\n",
    )
    issue = only_issue(check(mini, mini_site))
    assert issue.file == mini.path("beta")
    assert "has system_fault: false here but true at" in issue.message


def test_portal_step_detail_is_checked_when_given(mini, mini_site):
    mini_site["services"]["alpha"]["steps"] = [
        {
            "id": "begin",
            "screen": "/alpha",
            "title": "Start alpha",
            "fields": ["#start-button"],
            "error_codes": [],
        },
        {
            "id": "details",
            "screen": "/alpha/details",
            "title": "Your details",
            "fields": ["#pc"],
            "error_codes": [],
        },
    ]
    messages = [i.message for i in check(mini, mini_site)]
    assert messages == [
        "step id 'start' differs from the portal's data-step 'begin' for /alpha",
        "highlight '#postcode' is not a field of /alpha/details (it has #pc)",
        (
            "error code POSTCODE_INVALID is not shown on /alpha/details; move it to the step that "
            "shows it"
        ),
    ]


def test_drift_lists_what_the_portal_shows_but_the_catalogue_does_not(mini, mini_site):
    mini_site["services"]["alpha"]["screens"].append("/alpha/extra")
    mini_site["services"]["alpha"]["error_codes"].append("ALPHA_NEW")
    mini_site["services"]["gamma"] = {"screens": [], "error_codes": []}
    mini_site["error_codes"].append("ALPHA_NEW")
    catalogue = load_catalogue(mini.write())
    assert validate(catalogue, mini_site) == []
    warnings = drift(catalogue, mini_site)
    assert all(w.warning for w in warnings)
    assert [w.message for w in warnings] == [
        "the portal's screen /alpha/extra is not a step of this service",
        "the portal can show ALPHA_NEW but no problem lists it",
        "the portal has a service 'gamma' that the catalogue does not describe",
    ]
    assert str(warnings[0]).startswith(
        f"{mini.path('alpha')}:{line_of(ALPHA, 'steps:')}: warning: "
    )

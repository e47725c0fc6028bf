"""Loading the catalogue: structure errors are reported with file and line, all at once."""

from __future__ import annotations

import pytest
from catalogue_support import SERVICES_DIR, line_of

from bot.catalogue import CatalogueError, load_catalogue


def test_real_catalogue_loads_all_six_services(catalogue):
    assert sorted(catalogue.services) == [
        "apply_parking_permit",
        "book_bulky_waste",
        "pay_council_tax",
        "report_missed_bin",
        "sign_in_help",
        "update_contact_details",
    ]
    assert catalogue.duplicates == []


def test_locations_point_at_the_written_lines(catalogue):
    service = catalogue.get("pay_council_tax")
    text = (SERVICES_DIR / "pay_council_tax.yml").read_text()
    path = str(SERVICES_DIR / "pay_council_tax.yml")
    step = service.step("account")
    assert step.where() == (path, line_of(text, "- id: account"))
    assert step.where("why") == (path, line_of(text, "why:", after="- id: account"))
    problem = service.problem("card_declined")
    assert problem.where("phrases", 1).line == line_of(text, "- card declined")
    assert service.completion.pros_cons.where("self").line == line_of(text, "    self: >-")
    assert str(service.where("id")) == f"{path}:{line_of(text, 'id: pay_council_tax')}"


def test_mini_catalogue_loads(mini):
    catalogue = load_catalogue(mini.write())
    assert list(catalogue.services) == ["alpha", "beta"]
    assert catalogue.get("beta").status_key == "beta"  # defaults to the id


def test_bad_yaml_names_file_and_line(mini):
    text = mini.edit(
        "alpha", "    why: To find your account.\n", "    why: To find: [your account\n"
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    (issue,) = caught.value.issues
    assert issue.file == mini.path("alpha")
    assert "not valid YAML" in issue.message
    assert abs(issue.line - line_of(text, "why: To find: [")) <= 1


def test_duplicate_key_is_bad_yaml(mini):
    text = mini.edit(
        "alpha",
        "    why: To find your account.\n",
        "    why: To find your account.\n    why: Again.\n",
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    (issue,) = caught.value.issues
    assert "not valid YAML" in issue.message and "duplicate key" in issue.message
    assert issue.line == line_of(text, "why: Again.")


def test_wrong_type_names_the_field_and_line(mini):
    text = mini.edit("alpha", "synonyms: [alpha thing, do alpha]", "synonyms: alpha thing")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    (issue,) = caught.value.issues
    assert (
        str(issue)
        == f"{mini.path('alpha')}:{line_of(text, 'synonyms:')}: `synonyms` should be a list "
        "(one `- item` per line, or [a, b])"
    )


def test_not_a_boolean(mini):
    text = mini.edit(
        "alpha", "can_complete_for_customer: true", "can_complete_for_customer: sometimes"
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    (issue,) = caught.value.issues
    assert issue.line == line_of(text, "can_complete_for_customer:")
    assert issue.message == "`can_complete_for_customer` should be true or false"


def test_missing_required_field_points_at_its_parent(mini):
    text = mini.edit("alpha", "    title: Your details\n", "")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    (issue,) = caught.value.issues
    assert issue.line == line_of(text, "- id: details")
    assert issue.message == "`steps[details].title` is missing"


def test_misspelt_field_is_reported(mini):
    text = mini.edit("alpha", "    why: To find your account.", "    wy: To find your account.")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    (issue,) = caught.value.issues
    assert issue.line == line_of(text, "wy: To find")
    assert issue.message.startswith("`steps[details].wy` is not a field the catalogue knows")


def test_bad_ids_and_codes_are_explained(mini):
    text = mini.edit("alpha", "error_codes: [POSTCODE_INVALID]", "error_codes: [postcode invalid]")
    mini.edit("beta", "  - id: pay", "  - id: Pay Now")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    alpha, beta = caught.value.issues
    assert alpha.line == line_of(text, "error_codes: [postcode")
    assert "should be an error code in capitals" in alpha.message
    assert beta.file == mini.path("beta") and "should be an id in lower case" in beta.message


def test_every_error_in_every_file_is_collected(mini):
    mini.edit("alpha", "    title: Your details\n", "")
    mini.edit("alpha", "name: Alpha service", "name: [Alpha]")
    mini.edit("beta", "summary: Does beta things.", "summary: [unclosed")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(mini.write())
    files = [issue.file for issue in caught.value.issues]
    assert files.count(mini.path("alpha")) == 2 and files.count(mini.path("beta")) == 1
    assert str(caught.value).count("\n") == 2


def test_files_starting_with_underscore_or_dot_are_ignored(mini):
    folder = mini.write()
    (folder / "_template.yml").write_text("this: [is not a service")
    (folder / ".draft.yml").write_text("nor: [this")
    (folder / "notes.txt").write_text("not yaml at all: [")
    assert list(load_catalogue(folder).services) == ["alpha", "beta"]


def test_empty_file_and_missing_folder(mini, tmp_path):
    folder = mini.write()
    (folder / "gamma.yml").write_text("# nothing yet\n")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    assert [str(i) for i in caught.value.issues] == [f"{folder / 'gamma.yml'}:1: the file is empty"]
    with pytest.raises(CatalogueError, match="no such directory"):
        load_catalogue(tmp_path / "nowhere")

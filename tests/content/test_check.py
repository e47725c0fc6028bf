"""`make check-content` (python -m bot.content.check): one report, a problem per file and line, exit 1."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bot.catalogue.site import fetch_site
from bot.content import check
from tests.content.project import copy_project

PORTAL_PORT = 23101


def make_reachable(project: Path) -> None:
    """Give every problem nobody names yet one report_problem example, so the copy starts good
    whatever the NLU data holds today (the check reports such gaps in the real project)."""
    catalogue, _ = check.check_catalogue(project / "data" / "services", fetch_site_local())
    section = check.check_reachable(catalogue, project)
    lines = []
    for issue in section.problems:
        problem_id = re.search(r"problem '([a-z_]+)'", issue.message).group(1)
        problem = next(p for s in catalogue.services.values() for p in s.problems_all() if p.id == problem_id)
        lines.append(f'    - the page told me [{problem.phrases[0]}]{{"entity": "problem", "value": "{problem_id}"}} '
                     "just now")
    if lines:
        (project / "data" / "nlu" / "zz_reachable.yml").write_text(
            'version: "3.1"\nnlu:\n- intent: report_problem\n  examples: |\n' + "\n".join(lines) + "\n")


_SITE = {}


def fetch_site_local():
    if not _SITE:
        from bot.catalogue.site import local_site

        _SITE.update(local_site())
    return _SITE


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """The demo portal, served over real HTTP on this suite's port."""
    from demo_portal import create_app

    db = tmp_path_factory.mktemp("portal") / "portal.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}"})
    server = make_server("127.0.0.1", PORTAL_PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{PORTAL_PORT}"
    server.shutdown()


@pytest.fixture
def project(tmp_path):
    folder = copy_project(tmp_path / "project")
    make_reachable(folder)
    return folder


def run(project: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        code = check.main(["--project", str(project), *args])
    return code, out.getvalue()


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def line_of(path: Path, marker: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if marker in line)


def test_a_good_project_passes_every_part(project, portal):
    code, report = run(project, "--portal", portal)
    assert code == 0, report
    for title in ("Service catalogue: OK", "Other organisations: OK", "Rasa training data (rasa data validate --fail-on-warnings): OK",
                  "Reachable by a story or rule: OK", "Catalogue phrases as customers word them: OK",
                  f"Freshness against {portal}: OK"):
        assert title in report, report
    assert "pages requested" in report


# -- each rejection, with its file and line -------------------------------------------------------

TAX = "data/services/pay_council_tax.yml"


def _missing_why(project):
    path = project / TAX
    text = path.read_text()
    start = text.index("    why: >-\n      It tells you what you'll need")
    end = text.index("    highlight:", start)
    path.write_text(text[:start] + text[end:])
    return TAX, line_of(path, "  - id: start"), "has no `why`"


def _unknown_related(project):
    edit(project / TAX, "  - service: update_contact_details", "  - service: renew_library_books")
    return TAX, line_of(project / TAX, "renew_library_books"), "related service 'renew_library_books' is not in the catalogue"


def _duplicate_step(project):
    edit(project / TAX, "  - id: amount", "  - id: account")
    return TAX, line_of(project / TAX, "screen: /council-tax/pay/amount") - 1, "step id 'account' is used twice"


def _screen_not_served(project):
    edit(project / TAX, "screen: /council-tax/pay/amount", "screen: /council-tax/pay/how-much")
    return TAX, line_of(project / TAX, "/council-tax/pay/how-much"), "screen /council-tax/pay/how-much is not served by the portal (404)"


def _error_code_gone(project):
    edit(project / TAX, "error_codes: [AMOUNT_TOO_HIGH]", "error_codes: [AMOUNT_OVER_LIMIT]")
    return TAX, line_of(project / TAX, "AMOUNT_OVER_LIMIT"), "error code AMOUNT_OVER_LIMIT is no longer shown by the portal"


def _unreachable_problem(project):
    edit(project / TAX, "      - id: amount_invalid\n", "      - id: amount_in_euros\n        phrases: [it only takes euros]\n"
         "        help: Pay in pounds.\n      - id: amount_invalid\n")
    return TAX, line_of(project / TAX, "id: amount_in_euros"), "problem 'amount_in_euros' is not reachable"


def _unreachable_service(project):
    text = (project / TAX).read_text().replace("id: pay_council_tax\n", "id: pay_business_rates\n")
    text = re.sub(r"name: Pay your council tax\n", "name: Pay business rates\n", text)
    text = re.sub(r"synonyms:\n(  - .*\n)+", "synonyms:\n  - business rates\n  - non domestic rates\n", text)
    text = re.sub(r"related:\n(  - .*\n|    .*\n|      .*\n)+", "", text)
    path = project / "data/services/pay_business_rates.yml"
    path.write_text(text)
    return "data/services/pay_business_rates.yml", line_of(path, "id: pay_business_rates"), \
        "service 'pay_business_rates' is not reachable"


def _phrases_read_the_same(project):
    """Another problem's phrase differing only in a word's form: each is then found only as written."""
    edit(project / TAX, "          - postcode not valid\n", "          - postcode not valid\n          - references not found\n")
    message = ('phrase "references not found" (problem postcode_invalid) reads the same as "reference not found" '
               f"(problem reference_not_found, {TAX}:{line_of(project / TAX, '- reference not found')})")
    return TAX, line_of(project / TAX, "- references not found"), message


@pytest.mark.parametrize("breaks", [_missing_why, _unknown_related, _duplicate_step, _screen_not_served,
                                    _error_code_gone, _unreachable_problem, _unreachable_service,
                                    _phrases_read_the_same],
                         ids=lambda f: f.__name__.strip("_"))
def test_each_broken_catalogue_is_rejected_at_its_file_and_line(project, portal, breaks):
    file, line, message = breaks(project)
    code, report = run(project, "--portal", portal, "--skip-rasa")
    assert code == 1, report
    assert re.search(rf"^  {re.escape(file)}:{line}: .*{re.escape(message)}", report, re.MULTILINE), report
    assert "problem(s): fix each at its file and line" in report


def test_an_unusable_other_organisations_file_is_named_at_its_line(project, portal):
    path = project / "data/scope/other_organisations.yml"
    path.write_text(path.read_text() + "\nbanks:\n  - barclays\n")
    code, report = run(project, "--portal", portal, "--skip-rasa")
    assert code == 1, report
    assert f"data/scope/other_organisations.yml:{line_of(path, 'banks:')}: unknown list 'banks'" in report, report


def test_broken_training_data_is_rejected_with_rasas_own_words(project, portal):
    (project / "data/stories/zz_broken.yml").write_text(
        'version: "3.1"\nstories:\n- story: broken\n  steps:\n  - intent: greet\n  - action: utter_no_such_thing\n')
    (project / "data/nlu/zz_twice.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: goodbye\n  examples: |\n    - see you at the depot on friday\n'
        '- intent: greet\n  examples: |\n    - see you at the depot on friday\n')
    code, report = run(project, "--portal", portal)
    assert code == 1, report
    assert re.search(r"^  data/stories/zz_broken.yml:6: .*'utter_no_such_thing'", report, re.MULTILINE), report
    assert re.search(r"^  data/nlu/zz_twice.yml:5: .*'see you at the depot on friday' was found labeled with multiple", report, re.MULTILINE), report
    assert "Service catalogue: OK" in report


def test_a_portal_that_does_not_answer_cannot_be_checked(project):
    code, report = run(project, "--portal", "http://127.0.0.1:23109", "--skip-rasa", "--timeout", "1")
    assert code == 2
    assert "cannot check" in report and "make run" in report


def test_the_real_portal_site_map_is_what_the_demo_portal_serves(portal):
    assert set(fetch_site(portal)["services"]) == set(fetch_site_local()["services"])

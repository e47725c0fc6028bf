"""The security suite's browser fixtures come from tests/support/browser.py (shared with tests/browser)."""

from tests.support.browser import browser, scripted_site  # noqa: F401

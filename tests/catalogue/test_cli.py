"""`python -m bot.catalogue`: output and exit codes, in-process and against a portal over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from catalogue_support import MINI_SITE, ROOT, SERVICES_DIR, line_of

from bot.catalogue.__main__ import main
from bot.catalogue.site import SiteError, check_site_shape, fetch_site


class FakePortal(BaseHTTPRequestHandler):
    """Serves the mini site map under /good, and failures under other prefixes."""

    def do_GET(self):
        if self.path == "/good/api/site":
            self._send(200, json.dumps(MINI_SITE).encode(), "application/json")
        elif self.path == "/failing/api/site":
            self._send(500, b'{"error": {"code": "SERVICE_ERROR"}}', "application/json")
        elif self.path == "/html/api/site":
            self._send(200, b"<html>not json</html>", "text/html")
        elif self.path == "/shape/api/site":
            self._send(200, b'{"services": []}', "application/json")
        elif self.path == "/slow/api/site":
            time.sleep(1.5)
            self._send(200, json.dumps(MINI_SITE).encode(), "application/json")
        else:
            self._send(404, b"{}", "application/json")

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def portal():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePortal)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot.catalogue", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_clean_catalogue_exits_0(mini, mini_site, capsys):
    assert main(["check", "--dir", str(mini.write())], site=mini_site) == 0
    assert capsys.readouterr().out == "2 services, 3 steps, 0 issues\n"


def test_issues_exit_1_with_file_and_line(mini, mini_site, capsys):
    text = mini.edit("alpha", "    why: To find your account.\n", "")
    assert main(["check", "--dir", str(mini.write())], site=mini_site) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        f"{mini.path('alpha')}:{line_of(text, '- id: details')}: step 'details' has no `why`"
    )
    assert out[-1] == "2 services, 3 steps, 1 issues"


def test_load_errors_exit_1(mini, mini_site, capsys):
    mini.edit("beta", "summary: Does beta things.", "summary: [unclosed")
    assert main(["check", "--dir", str(mini.write())], site=mini_site) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{mini.path('beta')}:") and "not valid YAML" in out[0]
    assert out[-1] == "the catalogue could not be loaded: 1 issues"


def test_drift_warns_and_strict_fails(mini, mini_site, capsys):
    mini_site["services"]["alpha"]["error_codes"].append("ALPHA_NEW")
    folder = str(mini.write())
    assert main(["check", "--dir", folder], site=mini_site) == 0
    out = capsys.readouterr().out
    assert "warning: the portal can show ALPHA_NEW" in out and out.endswith(
        "0 issues, 1 warnings\n"
    )
    assert main(["check", "--dir", folder, "--strict"], site=mini_site) == 1


def test_patterns_prints_json_lines(mini, capsys):
    assert main(["patterns", "--dir", str(mini.write())]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == {"label": "service", "pattern": "alpha service", "id": "alpha"}
    assert {"label": "problem", "pattern": "card declined", "id": "card_declined"} in lines


def test_check_against_a_portal_over_http(mini, portal):
    folder = str(mini.write())
    clean = run_cli("check", "--dir", folder, "--portal", f"{portal}/good")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.strip().splitlines()[-1] == "2 services, 3 steps, 0 issues"
    text = mini.edit("alpha", "screen: /alpha/details", "screen: /alpha/detail")
    mini.write()
    broken = run_cli("check", "--dir", folder, "--portal", f"{portal}/good")
    assert broken.returncode == 1
    assert (
        f"{mini.path('alpha')}:{line_of(text, 'screen: /alpha/detail')}: screen /alpha/detail is "
        "not served by the portal"
    ) in broken.stdout.splitlines()


def test_unreachable_portal_exits_2(mini):
    result = run_cli(
        "check", "--dir", str(mini.write()), "--portal", f"http://127.0.0.1:{closed_port()}"
    )
    assert result.returncode == 2
    assert "cannot reach the portal" in result.stderr


def test_patterns_of_the_real_catalogue_from_the_command_line():
    result = run_cli("patterns", "--dir", str(SERVICES_DIR))
    assert result.returncode == 0, result.stderr
    patterns = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"label": "problem", "pattern": "declined", "id": "card_declined"} in patterns


@pytest.mark.parametrize(
    "prefix, message",
    [
        ("failing", "answered HTTP 500"),
        ("html", "did not answer with JSON"),
        ("shape", "`services` should be an object"),
        ("missing", "answered HTTP 404"),
    ],
)
def test_fetch_site_failures(portal, prefix, message):
    with pytest.raises(SiteError, match=message):
        fetch_site(f"{portal}/{prefix}")


def test_fetch_site_timeout(portal):
    with pytest.raises(SiteError, match="did not answer .* within 0.3 s"):
        fetch_site(f"{portal}/slow", timeout=0.3)


def test_fetch_site_unreachable():
    with pytest.raises(SiteError, match="cannot reach the portal"):
        fetch_site(f"http://127.0.0.1:{closed_port()}", timeout=2)


def test_fetch_site_ok(portal):
    assert fetch_site(f"{portal}/good/") == MINI_SITE


def test_site_shape_is_checked():
    with pytest.raises(SiteError, match=r"services.alpha.screens should be a list of strings"):
        check_site_shape(
            {"services": {"alpha": {"screens": "/alpha", "error_codes": []}}, "error_codes": []}
        )
    with pytest.raises(SiteError, match="`error_codes` should be a list"):
        check_site_shape({"services": {}})

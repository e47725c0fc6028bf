"""`make bench`'s relay door (bench/relay.py): Rasa's answer passed back unchanged, and the floor in the report."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer

from bench import report
from bench.relay import create_app, create_async_app, running_relay


class FakeRasa(BaseHTTPRequestHandler):
    """Rasa's REST channel: answers a message with one bot message naming what it was sent."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = json.dumps([{"recipient_id": body["sender"], "text": f"heard: {body['message']}"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def rasa():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_relay_passes_each_message_to_rasa_and_its_answer_back(rasa):
    client = create_app(rasa).test_client()
    answer = client.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "my bin was missed"})
    assert answer.status_code == 200
    assert answer.get_json() == [{"recipient_id": "s1", "text": "heard: my bin was missed"}]


def test_the_asyncio_relay_passes_each_message_to_rasa_and_its_answer_back(rasa):
    async def ask() -> tuple[int, object]:
        async with TestClient(TestServer(create_async_app(rasa))) as client:
            answer = await client.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "my bin was missed"})
            return answer.status, await answer.json()

    assert asyncio.run(ask()) == (200, [{"recipient_id": "s1", "text": "heard: my bin was missed"}])


@pytest.mark.parametrize("asynchronous", [False, True], ids=["gunicorn", "asyncio"])
def test_the_relay_runs_on_127_0_0_1_and_stops_with_its_block(rasa, tmp_path, asynchronous):
    with running_relay(rasa, 21398, tmp_path / "relay.log", asynchronous=asynchronous) as url:
        assert url == "http://127.0.0.1:21398"
        answer = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "s2", "message": "hi"}, timeout=10)
        assert answer.json() == [{"recipient_id": "s2", "text": "heard: hi"}]
        # the connection is kept alive, as the hub's are: a new one per message would be measured too
        assert answer.headers.get("Connection", "keep-alive").lower() != "close"
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_the_report_shows_the_relays_floor_beside_the_hubs_ratio():
    def result(target, median):
        return {"target": target, "level": 1, "median_ms": median, "p95_ms": median, "msgs_per_s": 30.0,
                "errors": 0}
    run = {"levels": [1], "memory_mb": {}, "results": [result("rasa", 20.0), result("relay", 22.0),
                                                       result("hub-rest", 30.0)]}
    [row] = [line for line in report.targets_table(run) if line.startswith("| hub REST median")]
    assert "30 ms vs 20 ms = 1.50 × (a relay storing nothing: gunicorn + Flask 1.10 ×)" in row
    assert "**not met**" in row
    run["results"].append(result("relay-async", 21.0))
    [row] = [line for line in report.targets_table(run) if line.startswith("| hub REST median")]
    assert "(a relay storing nothing: gunicorn + Flask 1.10 ×, asyncio 1.05 ×)" in row


def test_the_report_says_how_fast_the_machine_was_and_what_rasa_alone_did_at_20(tmp_path):
    """Machines differ up to threefold: a run's figures are read against its machine's speed, and
    the throughput target at 20 customers against Rasa's own throughput in the same run."""
    def result(target, level, median, rate):
        return {"target": target, "level": level, "median_ms": median, "p95_ms": median * 1.4, "p99_ms": None,
                "msgs_per_s": rate, "errors": 0, "error_kinds": {}, "unanswered": 0, "lost": 0,
                "conversations": 10, "sent": 100}

    def run(label, date, loop):
        found = {"label": label, "date": date, "commit": "abc1234", "machine": "2 cores", "seconds_per_run": 45,
                 "levels": [20], "memory_mb": {}, "profiles": {},
                 "results": [result("rasa", 20, 800.0, 24.6), result("hub-rest", 20, 900.0, 21.2)]}
        if loop is not None:
            found["loop_seconds"] = loop
        return found

    (tmp_path / "bench-old.json").write_text(json.dumps(run("old", "2026-11-26 08:00 UTC", None)))
    (tmp_path / "bench-new.json").write_text(json.dumps(run("new", "2026-11-27 10:00 UTC", 1.21)))
    report.write(tmp_path)
    text = (tmp_path / "bench.md").read_text()
    assert "where a Python loop of 10 million additions takes 1.21 s" in text
    assert "| machine: loop of 10 million additions | | – | 1.21 s |" in text
    [row] = [line for line in text.splitlines() if line.startswith("| hub REST: ≥ 30 msg/s")]
    assert "21.2 msg/s, p95 1260 ms, 0 errors (Rasa alone in this run: 24.6 msg/s, p95 1120 ms)" in row


def test_the_machine_speed_is_a_loop_of_ten_million_additions():
    from bench.__main__ import machine_speed

    seconds = machine_speed(rounds=1)
    assert 0.01 < seconds < 60

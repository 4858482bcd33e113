"""`sfclaims serve --workers 2`: two server processes on one port, sharing sessions, jobs and
figures through the database. Run as a person's server runs: a process of its own."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.web.conftest import PASSWORD, SECRET


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in found.read_text().split()] if found.exists() else []


def test_two_server_processes_share_sessions_and_jobs(accounts):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sfclaims.cli", "--database-url", accounts, "serve"]
        + ["--port", str(port), "--workers", "2"],
        env={**os.environ, "SFCLAIMS_SECRET_KEY": SECRET},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # bounded: until both processes listen (uvicorn starts them itself)
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"{base}/healthz").text == "ok" and len(children(server.pid)) >= 2:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        assert len(children(server.pid)) >= 2  # two worker processes under the supervisor
        # many short connections: the kernel hands them to either process; every one knows
        # the session made by whichever process signed carl in
        with httpx.Client(base_url=base) as client:
            page = client.get("/sign-in")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post(
                "/sign-in",
                data={"csrf_token": token, "name": "carl", "password": PASSWORD, "next": "/"},
            )
            cookies = dict(client.cookies)
        for _ in range(20):
            with httpx.Client(base_url=base, cookies=cookies) as fresh:
                assert fresh.get("/claims").status_code == 200
        with httpx.Client(base_url=base, cookies=cookies) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
            started = client.post("/decide", data={"csrf_token": token, "as_of": "30/09/2025"})
            job = started.headers["location"]
        deadline = time.monotonic() + 120
        while True:  # the job's page, from whichever process answers, until it is done
            with httpx.Client(base_url=base, cookies=cookies) as fresh:
                shown = fresh.get(job)
            if shown.status_code == 303:
                assert shown.headers["location"] == "/?as_of=2025-09-30"
                break
            assert shown.status_code == 200 and "refreshes itself" in shown.text, shown.text[:500]
            assert time.monotonic() < deadline, "the decide did not end"
            time.sleep(0.3)
        with httpx.Client(base_url=base, cookies=cookies) as fresh:
            assert "The quarters ahead" in fresh.get("/?as_of=2025-09-30").text
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

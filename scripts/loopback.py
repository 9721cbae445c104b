"""What the scripts that run the app on loopback ports share
(`lambda_local.py`, `edge_local.py`): a free port, one HTTP request with
its answer whole, and stopping a process group."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, list[str]], bytes, float]:
    """The status, the headers (lower-case names, every value), the body and
    the milliseconds the answer took, for a request asking for HTML."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    conn.request(method, path, body=body, headers={"Accept": "text/html", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    answer: dict[str, list[str]] = {}
    for name, value in response.getheaders():
        answer.setdefault(name.lower(), []).append(value)
    conn.close()
    return response.status, answer, data, elapsed


def stop(process: subprocess.Popen | None) -> None:
    """Stops a process started with `start_new_session=True` and all it
    started: SIGTERM, then SIGKILL after 10 s."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)

#!/usr/bin/env python3
"""`make lambda-local`: the reference app as an AWS Lambda function, run
locally by `cargo lambda watch` (the emulator AWS's Rust users run), on a
loopback port, with a SQLite database in memory; stopped at the end, also
on Ctrl-C.

Checks, through the emulator's function URL
(`/lambda-url/reference-app-lambda/…`):

1. `/runtime` is the page as the server renders it, saying
   `Runtime: lambda`;
2. its props answer (the build id from the document) is JSON with the same
   props;
3. `/request` sets its cookie, `/redirect/to-blog` redirects, an unknown
   URL is the app's 404 page;
4. `/feed?ms=50` comes whole: the items and the recommendations.

All of it twice: with the function in the `BUFFERED` invoke mode (API
Gateway's, an ALB's, a function URL's default), then in `RESPONSE_STREAM`
(`SERVER_PROPS_LAMBDA_INVOKE_MODE`, a function URL's streaming mode),
where also

5. `/feed?ms=800` comes in parts: the items first, without the
   recommendations, which come at least 400 ms later.

Prints the first answer's time (of the buffered run) (the function's cold start: the emulator
starts the binary on the first request with `cargo run`, over a build made
beforehand; the function connects to the database, migrates it and
renders) and a warm answer's, and writes them to
bench/results/lambda.md. Environment: CARGO_LAMBDA (the cargo-lambda binary;
default target/tools/lambda/bin/cargo-lambda, where scripts/setup.sh
--test installs it).
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from loopback import free_port, request, stop

ROOT = Path(__file__).resolve().parent.parent
FUNCTION = "reference-app-lambda"
CARGO_LAMBDA = os.environ.get("CARGO_LAMBDA", str(ROOT / "target/tools/lambda/bin/cargo-lambda"))


def log(message: str) -> None:
    print(f"\033[1;34m[lambda]\033[0m {message}", flush=True)


def get(port: int, path: str, timeout: float = 30) -> tuple[int, dict[str, list[str]], str, float]:
    status, headers, body, elapsed = request(port, "GET", f"/lambda-url/{FUNCTION}{path}", timeout=timeout)
    return status, headers, body.decode(), elapsed


def first_part(port: int, path: str) -> tuple[int, str, str, float, float]:
    """The status, the body's first part as it arrives and the rest, and the
    milliseconds to each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request("GET", f"/lambda-url/{FUNCTION}{path}", headers={"Accept": "text/html"})
    response = conn.getresponse()
    first = response.read1(1 << 20).decode()
    first_ms = (time.perf_counter() - start) * 1000
    rest = response.read().decode()
    end_ms = (time.perf_counter() - start) * 1000
    conn.close()
    return response.status, first, rest, first_ms, end_ms


def run(mode: str) -> tuple[int, float, float]:
    """Every check with the function in invoke mode `mode`: the number that
    failed, the cold answer's and the median warm answer's milliseconds."""
    port = free_port()
    # The function's own environment (no value holds a comma, which
    # `--env-var` splits on); cargo builds it with the same, so that the
    # emulator's `cargo run` finds nothing to rebuild (leptos_config reads
    # LEPTOS_* when it is built).
    function_vars = {
        "LEPTOS_OUTPUT_NAME": "reference-app",
        "LEPTOS_SITE_ROOT": str(ROOT / "target/site"),
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_ENV": "PROD",
        "DATABASE_URL": "sqlite::memory:",
        "SERVER_PROPS_COOKIE_SECRET": "lambda-local-run-secret-of-thirty-two-bytes-or-more",
        "SERVER_PROPS_LAMBDA_INVOKE_MODE": mode,
        "RUST_LOG": "warn",
    }
    env = {**os.environ, **function_vars}
    function_env = ",".join(f"{k}={v}" for k, v in function_vars.items())
    command = [
        CARGO_LAMBDA, "lambda", "watch",
        "--package", "lambda", "--bin", FUNCTION,
        "--ignore-changes",
        "--invoke-address", "127.0.0.1", "--invoke-port", str(port),
        "--env-var", function_env,
    ]
    # Built first, so that the first answer times the function's start, not
    # its compilation (the emulator runs it with `cargo run`).
    subprocess.run(["cargo", "build", "--package", "lambda", "--bin", FUNCTION], cwd=ROOT, env=env, check=True)
    log(f"{mode}: cargo lambda watch on 127.0.0.1:{port}")
    watch = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    failures = 0
    cold_ms = warm_ms = 0.0

    def check(ok: bool, what: str) -> None:
        nonlocal failures
        log(("\033[1;32mPASS\033[0m " if ok else "\033[1;31mFAIL\033[0m ") + f"{mode}: {what}")
        if not ok:
            failures += 1

    try:
        # The emulator listens first; the function is built and started on
        # the first invocation.
        deadline = time.monotonic() + 600
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if watch.poll() is not None or time.monotonic() > deadline:
                    log("cargo lambda watch did not start")
                    return 1, cold_ms, warm_ms
                time.sleep(0.5)
        status, headers, body, cold_ms = get(port, "/runtime", timeout=600)
        text = body.replace("<!>", "")
        check(status == 200 and "Runtime: lambda" in text, f"1. /runtime: {status}, says Runtime: lambda")
        warm = sorted(get(port, "/runtime")[3] for _ in range(9))
        warm_ms = warm[len(warm) // 2]

        build = re.search(r'"build":"([^"]+)"', body)
        status, headers, props, _ = get(port, f"/_props/{build.group(1) if build else 'x'}/runtime.json")
        runtime = json.loads(props).get("props", {}).get("runtime") if status == 200 else None
        check(runtime == "lambda", f"2. props answer: {status}, runtime {runtime!r}")

        status, headers, _, _ = get(port, "/request")
        cookies = headers.get("set-cookie", [])
        status_r, headers_r, _, _ = get(port, "/redirect/to-blog")
        status_404, _, body_404, _ = get(port, "/no/such/page")
        check(
            status == 200
            and any(c.startswith("visited=1") for c in cookies)
            and status_r in (302, 307)
            and headers_r.get("location") == ["/blog/redirected"]
            and status_404 == 404
            and "could not be found" in body_404,
            f"3. cookie {cookies[:1]}, redirect {status_r} {headers_r.get('location')}, unknown URL {status_404}",
        )

        status, _, feed, _ = get(port, "/feed?ms=50")
        check(
            status == 200 and "Item 3" in feed and "Recommended 3" in feed,
            f"4. /feed: {status}, items and recommendations in one answer",
        )
        if mode == "RESPONSE_STREAM":
            status, first, rest, first_ms, end_ms = first_part(port, "/feed?ms=800")
            first, whole = first.replace("<!>", ""), (first + rest).replace("<!>", "")
            check(
                status == 200
                and "Item 3" in first
                and "Recommended 3" not in first
                and "Recommended 3" in whole
                and end_ms - first_ms >= 400,
                f"5. /feed?ms=800 in parts: the items at {first_ms:.0f} ms, the recommendations by {end_ms:.0f} ms",
            )
    finally:
        stop(watch)
    return failures, cold_ms, warm_ms


def main() -> int:
    if not Path(CARGO_LAMBDA).exists():
        log(f"{CARGO_LAMBDA} is missing: run scripts/setup.sh --test")
        return 1
    failures, cold_ms, warm_ms = run("BUFFERED")
    log(f"first answer (cold start) {cold_ms:.0f} ms, warm answer median {warm_ms:.1f} ms")
    streamed, _, _ = run("RESPONSE_STREAM")
    failures += streamed
    if failures:
        log(f"{failures} check(s) failed")
        return 1
    results = ROOT / "bench/results/lambda.md"
    results.write_text(
        "# The reference app under `cargo lambda watch`\n\n"
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, `make lambda-local` "
        "(debug build of `lambda/`, SQLite in memory, the `BUFFERED` invoke mode).\n\n"
        "| | ms |\n|---|---:|\n"
        f"| first answer of `/runtime` (cold start: `cargo run` of a built binary, its start, the database's migration) | {cold_ms:.0f} |\n"
        f"| warm answer of `/runtime`, median of 9 | {warm_ms:.1f} |\n"
    )
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

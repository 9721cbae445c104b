#!/usr/bin/env python3
"""`make soak`: 60 s of wrk over a mix of the reference app's routes.

The release server runs pinned to CPU 0 with a SQLite file of its own, wrk
(1 thread, 64 connections) pinned to CPU 1, requesting documents and props
answers of the pages in turn (database page, params, query, catch-all,
cookies, the shared cache, the benchmark page). The server's resident memory
is sampled every second.

Fails unless: no socket errors, no non-2xx/3xx answers, and memory flat:
after the first 10 s (warm-up: caches and pools fill), resident memory grows
by less than 4 MB or 10%, whichever is larger. Writes the figures to bench/results/soak.md.
Environment: SOAK_SECONDS (60).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (shares the server, wrk and pinning helpers)

ROOT = bench.ROOT
SECONDS = int(os.environ.get("SOAK_SECONDS", "60"))
WARMUP_SECONDS = 10
PORT = 3511
PAGES = [
    "/",
    "/repos/vercel/next.js",
    "/blog/hello?x=1",
    "/blog/caf%C3%A9",
    "/catchall/a/b/c",
    "/something?another=thing",
    "/request",
    "/cached",
    "/counter",
    "/xss",
    "/bench/items/1",
    "/bench/items/2",
    "/bench/hello",
]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def build_id(base: str) -> str:
    doc = bench.fetch(f"{base}/bench/hello").decode()
    m = re.search(r'<script id="__SERVER_PROPS__" type="application/json">(.*?)</script>', doc)
    return json.loads(m.group(1))["build"]


def props_url(build: str, page: str) -> str:
    path, _, query = page.partition("?")
    path = "/index" if path == "/" else path
    return f"/_props/{build}{path}.json" + (f"?{query}" if query else "")


def main() -> int:
    bench.apt_install("wrk", "wrk")
    bench.log("release build")
    subprocess.run([str(ROOT / "scripts" / "build-release.sh")], cwd=ROOT, check=True)
    base = f"http://127.0.0.1:{PORT}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "LEPTOS_OUTPUT_NAME": "reference-app",
            "LEPTOS_SITE_ROOT": "target/site",
            "LEPTOS_SITE_PKG_DIR": "pkg",
            "LEPTOS_HASH_FILES": "true",
            "LEPTOS_ENV": "PROD",
            "LEPTOS_SITE_ADDR": f"127.0.0.1:{PORT}",
            "DATABASE_URL": f"sqlite://{tmp}/soak.db",
            "RUST_LOG": "warn",
            # A production server needs its cookie key's secret.
            "SERVER_PROPS_COOKIE_SECRET": "soak test secret, thirty-two bytes or more",
        }
        server = bench.Server("ours", [str(ROOT / "target" / "release" / "server")], ROOT, env, f"{base}/")
        try:
            build = build_id(base)
            urls = PAGES + [props_url(build, p) for p in PAGES]
            script = Path(tmp) / "mix.lua"
            script.write_text(
                "local paths = {" + ", ".join(json.dumps(u) for u in urls) + "}\n"
                "local i = 0\n"
                "request = function()\n"
                "  i = i + 1\n"
                "  return wrk.format('GET', paths[(i % #paths) + 1])\n"
                "end\n"
            )
            samples: list[tuple[float, float]] = []
            done = threading.Event()

            def sample() -> None:
                start = time.monotonic()
                while not done.wait(1.0):
                    samples.append((time.monotonic() - start, rss_mb(server.proc.pid)))

            sampler = threading.Thread(target=sample)
            bench.log(f"soak: {SECONDS} s over {len(urls)} URLs")
            sampler.start()
            out = subprocess.run(
                ["taskset", "-c", bench.LOAD_CPU, "wrk", "-t1", f"-c{bench.CONNECTIONS}",
                 f"-d{SECONDS}s", "--latency", "--timeout", "10s", "-s", str(script), base],
                capture_output=True, text=True, check=True,
            ).stdout
            done.set()
            sampler.join()
            alive = server.proc.poll() is None
        finally:
            server.stop()

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = bench.to_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in m.groups()) if m else 0
    after_warmup = [rss for t, rss in samples if t >= WARMUP_SECONDS] or [rss for _, rss in samples]
    start_rss, end_rss = after_warmup[0], after_warmup[-1]
    peak_rss = max(rss for _, rss in samples)
    growth = end_rss - start_rss
    flat = growth < max(4.0, 0.10 * start_rss)

    timeline = ", ".join(f"{t:.0f}s {rss:.1f}" for t, rss in samples[:: max(1, len(samples) // 12)])
    report = f"""# Soak: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}

{SECONDS} s of wrk (1 thread, {bench.CONNECTIONS} connections) over {len(urls)} URLs
(the documents and props answers of {len(PAGES)} pages), server on CPU 0, wrk on CPU 1.

| figure | value |
|---|---|
| requests | {requests} |
| throughput | {rps:.0f} req/s |
| p99 latency | {p99:.2f} ms |
| non-2xx/3xx answers | {non_2xx} |
| socket errors | {socket_errors} |
| server still up | {"yes" if alive else "NO"} |
| resident memory after {WARMUP_SECONDS} s | {start_rss:.1f} MB |
| resident memory at the end | {end_rss:.1f} MB |
| growth after warm-up | {growth:+.1f} MB |
| peak resident memory | {peak_rss:.1f} MB |

Memory (MB) over time: {timeline}
"""
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "soak.md").write_text(report)
    print(report)
    failures = []
    if non_2xx or socket_errors:
        failures.append(f"{non_2xx} non-2xx/3xx answers and {socket_errors} socket errors")
    if not alive:
        failures.append("the server exited")
    if not flat:
        failures.append(f"memory grew {growth:.1f} MB after warm-up")
    if failures:
        bench.log("soak FAILED: " + "; ".join(failures))
        return 1
    bench.log(f"soak passed; written to {results / 'soak.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

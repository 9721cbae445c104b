#!/usr/bin/env python3
"""`make bench`: the kit against the ceiling and Next.js, in one run.

Each server runs pinned to CPU 0, wrk (1 thread, 64 connections, 10 s
timeout, no Accept-Encoding) pinned to CPU 1. Every target gets a warm-up,
then a measured run. The servers:

* ceiling: a minimal axum handler answering with the kit's own bytes,
  precomputed (bench/ceiling);
* ours: the reference app's release build;
* next: bench/nextjs (`next build`, `next start`), the same getServerSideProps.

Prints one table with ratios and writes it to bench/results/latest.md.
Environment: BENCH_SECONDS (10), BENCH_WARMUP (3), BENCH_CONNECTIONS (64).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SERVER_CPU, LOAD_CPU = "0", "1"
PORTS = {"ceiling": 3501, "ours": 3502, "next": 3503}


@dataclass
class Result:
    target: str
    server: str
    rps: float
    p50_ms: float
    p99_ms: float
    peak_rss_mb: float
    errors: int


def log(msg: str) -> None:
    print(f"\033[1;34m[bench]\033[0m {msg}", flush=True)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            fetch(url)
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"bench: {url} did not answer within {seconds} s")


def tree(pid: int) -> list[int]:
    """The pid and all its descendants (Next.js forks its server)."""
    out = [pid]
    try:
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
        ).stdout.split()
    except FileNotFoundError:
        children = []
    for child in children:
        out += tree(int(child))
    return out


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of the process tree, in MB."""
    total_kb = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
    return total_kb / 1024


def to_ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        return float("nan")
    n, unit = float(m.group(1)), m.group(2)
    return {"us": n / 1000, "ms": n, "s": n * 1000, "m": n * 60_000}[unit]


def wrk(url: str, seconds: int) -> tuple[float, float, float, int]:
    cmd = [
        "taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s",
        "--latency", "--timeout", "10s", url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"99%\s+(\S+)", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return rps, p50, p99, errors


class Server:
    def __init__(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str], ready: str):
        self.name = name
        log(f"starting {name} on CPU {SERVER_CPU}")
        self.proc = subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, *cmd],
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(ready)

    def measure(self, target: str, url: str) -> Result:
        wrk(url, WARMUP)
        rps, p50, p99, errors = wrk(url, SECONDS)
        result = Result(target, self.name, rps, p50, p99, peak_rss_mb(self.proc.pid), errors)
        log(f"{target:<28} {self.name:<8} {rps:>10.0f} req/s  p99 {p99:.2f} ms")
        return result

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def build() -> None:
    if shutil.which("wrk") is None:
        log("apt-get install wrk")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    log("release build: the reference app and the ceiling")
    subprocess.run(["cargo", "leptos", "build", "--release"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--locked", "--release", "-p", "ceiling"], cwd=ROOT, check=True)
    nextjs = ROOT / "bench" / "nextjs"
    if not (nextjs / "node_modules" / "next").exists():
        log("npm ci (bench/nextjs)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=nextjs, check=True)
    log("next build")
    subprocess.run(["npx", "next", "build"], cwd=nextjs, check=True, env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1"},
                   stdout=subprocess.DEVNULL)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def table(results: list[Result]) -> str:
    by = {(r.target, r.server): r for r in results}
    lines = [
        "| target | server | req/s | p50 ms | p99 ms | peak RSS MB | errors | ours / Next | ours / ceiling |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        vs_next = vs_ceiling = ""
        if r.server == "ours":
            nxt, ceil = by.get((r.target, "next")), by.get((r.target, "ceiling"))
            vs_next = ratio(r.rps, nxt.rps) if nxt else "-"
            vs_ceiling = ratio(r.rps, ceil.rps) if ceil else "-"
        lines.append(
            f"| {r.target} | {r.server} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
            f"{r.peak_rss_mb:.1f} | {r.errors} | {vs_next} | {vs_ceiling} |"
        )
    return "\n".join(lines)


def main() -> None:
    build()
    results: list[Result] = []
    site_env = {
        "LEPTOS_OUTPUT_NAME": "reference-app",
        "LEPTOS_SITE_ROOT": "target/site",
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_ENV": "PROD",
        "DATABASE_URL": "sqlite::memory:",
        "RUST_LOG": "warn",
    }
    ours_base = f"http://127.0.0.1:{PORTS['ours']}"
    ours = Server(
        "ours", ["target/release/server"], ROOT,
        {**site_env, "LEPTOS_SITE_ADDR": f"127.0.0.1:{PORTS['ours']}"}, f"{ours_base}/",
    )
    try:
        doc = fetch(f"{ours_base}/bench/items/1")
        build_id = re.search(rb'"build":"([^"]+)"', doc).group(1).decode()
        props_path = f"/_props/{build_id}/bench/items/1.json"
        json_bytes = fetch(ours_base + props_path)
        results.append(ours.measure("document /bench/items/1", f"{ours_base}/bench/items/1"))
        results.append(ours.measure("props JSON /bench/items/1", ours_base + props_path))
        results.append(ours.measure("document /bench/hello", f"{ours_base}/bench/hello"))
    finally:
        ours.stop()

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "doc.html").write_bytes(doc)
        (Path(tmp) / "props.json").write_bytes(json_bytes)
        base = f"http://127.0.0.1:{PORTS['ceiling']}"
        ceiling = Server(
            "ceiling",
            ["target/release/ceiling", f"127.0.0.1:{PORTS['ceiling']}", f"{tmp}/doc.html", f"{tmp}/props.json"],
            ROOT, {}, f"{base}/doc",
        )
        try:
            results.append(ceiling.measure("document /bench/items/1", f"{base}/doc"))
            results.append(ceiling.measure("props JSON /bench/items/1", f"{base}/json"))
        finally:
            ceiling.stop()

    nextjs = ROOT / "bench" / "nextjs"
    base = f"http://127.0.0.1:{PORTS['next']}"
    nxt = Server(
        "next", ["npx", "next", "start", "-p", str(PORTS["next"]), "-H", "127.0.0.1"], nextjs,
        {"NEXT_TELEMETRY_DISABLED": "1", "NODE_ENV": "production"}, f"{base}/bench/hello",
    )
    try:
        next_build = (nextjs / ".next" / "BUILD_ID").read_text().strip()
        results.append(nxt.measure("document /bench/items/1", f"{base}/bench/items/1"))
        results.append(nxt.measure("props JSON /bench/items/1", f"{base}/_next/data/{next_build}/bench/items/1.json"))
        results.append(nxt.measure("document /bench/hello", f"{base}/bench/hello"))
    finally:
        nxt.stop()

    order = {"ceiling": 0, "ours": 1, "next": 2}
    targets = ["document /bench/items/1", "props JSON /bench/items/1", "document /bench/hello"]
    results.sort(key=lambda r: (targets.index(r.target), order[r.server]))
    out = table(results)
    header = (
        f"# Benchmark results\n\n{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, "
        f"{os.cpu_count()} cores; server on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}; "
        f"{CONNECTIONS} connections, {WARMUP} s warm-up, {SECONDS} s measured; no Accept-Encoding.\n\n"
        f"Document size: {len(doc):,} bytes; props JSON: {len(json_bytes):,} bytes.\n\n"
    )
    print()
    print(out)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "latest.md").write_text(header + out + "\n")
    log(f"written to {results_dir / 'latest.md'}")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`make bench`: the kit against the ceiling and Next.js, in one run.

Each server runs pinned to CPU 0, wrk (1 thread, 64 connections, 10 s
timeout, no Accept-Encoding) pinned to CPU 1. Every target gets a warm-up,
then a measured run. The servers:

* ceiling: a minimal axum handler answering with the kit's own bytes,
  precomputed (bench/ceiling);
* handwritten: the same pages in plain axum + askama, no hydration
  framework (bench/handwritten): the same props, envelope, nonce, markup and
  headers, so ours / hand-written is what the kit and Leptos cost;
* leptos-view: the same server with its documents' markup made by Leptos's
  `view!` instead of askama (`handwritten --leptos`), without Leptos's
  router, leptos_meta or the kit: what Leptos's renderer costs by itself;
* ours: the reference app's release build;
* next: bench/nextjs (`next build`, `next start`), the same getServerSideProps.

Also: the client bundle each page loads (raw, gzip, brotli), link-navigation
latency in headless Chromium (end2end/bench/navigation.mjs), form-submission
latency (end2end/bench/submission.mjs), Back/Forward and prefetched-click
latency (end2end/bench/instant.mjs), the shared
cache's hit throughput on /cached against the same bytes precomputed, and
the dashboard's nested layout: a document whose layout's and page's loaders
each wait 300 ms (side by side, so well under 600 ms), and a client
navigation between two projects (end2end/bench/dashboard.mjs: one request,
no layout loader run), and /feed, whose recommendations (800 ms) follow
its items on the same response: its first byte and its last.

Prints one table with ratios and writes it to bench/results/latest.md.
Environment: BENCH_SECONDS (10), BENCH_WARMUP (3), BENCH_CONNECTIONS (64).
"""

from __future__ import annotations

import datetime
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SERVER_CPU, LOAD_CPU = "0", "1"
PORTS = {"ceiling": 3501, "ours": 3502, "next": 3503, "handwritten": 3504, "leptos-view": 3505}


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


def fetch_wire(url: str) -> int:
    """The bytes a browser receives for `url`: asked with
    `Accept-Encoding: br, gzip`, counted as sent (urllib decodes nothing)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return len(r.read())


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


def wrk(url: str, seconds: int, accept_encoding: str | None = None) -> tuple[float, float, float, int]:
    cmd = [
        "taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s",
        "--latency", "--timeout", "10s", url,
    ]
    if accept_encoding:
        cmd[-1:-1] = ["-H", f"Accept-Encoding: {accept_encoding}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The latency distribution's own lines ("  50%  1.2ms"), not the
    # "+/- Stdev" column of the thread stats, which also ends in "%".
    p50 = to_ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
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

    def measure(self, target: str, url: str, accept_encoding: str | None = None) -> Result:
        wrk(url, WARMUP, accept_encoding)
        rps, p50, p99, errors = wrk(url, SECONDS, accept_encoding)
        result = Result(target, self.name, rps, p50, p99, peak_rss_mb(self.proc.pid), errors)
        log(f"{target:<28} {self.name:<11} {rps:>10.0f} req/s  p99 {p99:.2f} ms")
        return result

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def apt_install(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        log(f"apt-get install {package}")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True)


def build() -> Bundle | None:
    """The release builds, Next.js's and the framework's floor (returned:
    built here, before any measurement, since it takes minutes cold)."""
    apt_install("wrk", "wrk")
    apt_install("brotli", "brotli")
    apt_install("valgrind", "valgrind")
    apt_install("objdump", "binutils")
    log("release build: the reference app and the ceiling")
    subprocess.run([str(ROOT / "scripts" / "build-release.sh")], cwd=ROOT, check=True)
    subprocess.run(
        ["cargo", "build", "--locked", "--release", "-p", "ceiling", "-p", "handwritten"], cwd=ROOT, check=True,
    )
    if not (ROOT / "end2end" / "node_modules" / "@playwright" / "test").exists():
        log("npm ci (end2end)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "end2end", check=True)
    nextjs = ROOT / "bench" / "nextjs"
    if not (nextjs / "node_modules" / "next").exists():
        log("npm ci (bench/nextjs)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=nextjs, check=True)
    log("next build")
    subprocess.run(["npx", "next", "build"], cwd=nextjs, check=True, env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1"},
                   stdout=subprocess.DEVNULL)
    try:
        return floor()
    except (subprocess.CalledProcessError, OSError, ValueError, LookupError) as e:
        log(f"the framework's floor did not build; its row stays empty:\n{getattr(e, 'stderr', None) or e}")
        return None


@dataclass
class Bundle:
    files: list[str]
    raw: int
    gzip: int
    brotli: int
    wire: int


def bundle(base: str, doc: bytes) -> Bundle:
    """What the page loads besides the document: every script, stylesheet,
    module preload and wasm the HTML names under /pkg/ or /_next/."""
    paths = sorted(set(re.findall(rb'(?:src|href)="(/(?:pkg|_next)/[^"]+)"', doc)))
    raw = gz = br = wire = 0
    files = []
    for path in paths:
        body = fetch(base + path.decode())
        files.append(f"{path.decode()} ({len(body):,} B)")
        raw += len(body)
        gz += len(gzip.compress(body, compresslevel=9))
        br += len(subprocess.run(["brotli", "-q", "11", "-c"], input=body, capture_output=True, check=True).stdout)
        wire += fetch_wire(base + path.decode())
    return Bundle(files, raw, gz, br, wire)


def floor() -> Bundle:
    """The framework's floor (bench/floor, scripts/wasm-floor.sh): Leptos,
    its router and leptos_meta with two pages, built as our wasm is. It is
    never served; its wire size is taken as its brotli size."""
    log("the framework's floor: bench/floor")
    out = subprocess.run([str(ROOT / "scripts" / "wasm-floor.sh")], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    sizes = json.loads(out.stdout.strip().splitlines()[-1])
    total = lambda k: sizes["wasm"][k] + sizes["glue"][k]
    return Bundle(["bench/floor's floor_bg.wasm and floor.js (built, not served)"], total("raw"), total("gzip"), total("brotli"), total("brotli"))


def browser_timing(script: str, what: str, base: str) -> dict:
    """Runs one of end2end/bench's Chromium timings (50 samples) on the load CPU."""
    out = subprocess.run(
        ["taskset", "-c", LOAD_CPU, "node", str(ROOT / "end2end" / "bench" / script), base, "50"],
        cwd=ROOT / "end2end", capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench: {what} timing failed against {base}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def logged(what: str, base: str, result: dict) -> dict:
    log(f"{what} {base}: median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms")
    return result


def navigation(base: str) -> dict:
    """Link-navigation latency over 50 clicks in headless Chromium."""
    return logged("navigation", base, browser_timing("navigation.mjs", "navigation", base))


def chunk_navigation(base: str) -> dict:
    """Link navigation to a page whose code is not loaded yet (its chunk
    fetched beside its props), 50 fresh browser contexts."""
    return logged("navigation to a page not loaded yet", base, browser_timing("chunk.mjs", "chunk navigation", base))


def submission(base: str) -> dict:
    """Form-submission latency (one request, answer painted) over 50 submissions."""
    return logged("submission", base, browser_timing("submission.mjs", "submission", base))


def instant(base: str) -> dict:
    """Back/Forward to a fresh page and a prefetched click: no request, one frame."""
    result = browser_timing("instant.mjs", "instant navigation", base)
    for kind in ("history", "history_from_call", "prefetched"):
        logged(kind, base, result[kind])
    return result


def dashboard(base: str) -> dict:
    """A client navigation between two dashboard projects, signed in: one
    props request each, no layout loader run, click to heading painted."""
    return logged("dashboard project to project", base, browser_timing("dashboard.mjs", "dashboard", base))


def session_cookie(base: str) -> str:
    """Signs in through the login form (no JavaScript): the session cookie."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(
        f"{base}/login", data=b"name=bench", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        raise SystemExit("bench: signing in did not redirect")
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise SystemExit(f"bench: signing in answered {answer.code}")
        cookies = answer.headers.get_all("Set-Cookie") or []
    return "; ".join(c.split(";", 1)[0] for c in cookies)


def parallel_document(base: str, runs: int = 7) -> dict:
    """Wall time of the document /dashboard/projects/1?ms=300, signed in:
    the layout's loader and the page's each wait 300 ms, side by side."""
    cookie = session_cookie(base)
    samples = []
    for _ in range(runs + 1):
        request = urllib.request.Request(f"{base}/dashboard/projects/1?ms=300", headers={"Cookie": cookie})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as r:
            body = r.read()
        samples.append((time.perf_counter() - start) * 1000)
        if b"Project Alpha" not in body:
            raise SystemExit("bench: the dashboard document did not show its project")
    samples = sorted(samples[1:])
    result = {"median_ms": samples[len(samples) // 2], "p95_ms": samples[-1]}
    return logged("dashboard document ?ms=300", base, result)


def feed(base: str, runs: int = 7) -> dict:
    """The document /feed, whose recommendations take 800 ms: the time to its
    first bytes (the heading and the items, sent before the recommendations
    are ready) and to its last (the recommendations, on the same response)."""
    url = urllib.parse.urlsplit(base)
    firsts, lasts = [], []
    for _ in range(runs + 1):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        start = time.perf_counter()
        conn.request("GET", "/feed")
        response = conn.getresponse()
        first = response.read1(1 << 20)
        first_at = time.perf_counter()
        rest = response.read()
        last_at = time.perf_counter()
        conn.close()
        if b"Item 3" not in first or b"Recommended 1" in first or b"Recommended 3" not in rest:
            raise SystemExit("bench: /feed did not send its items before its recommendations")
        firsts.append((first_at - start) * 1000)
        lasts.append((last_at - start) * 1000)
    firsts, lasts = sorted(firsts[1:]), sorted(lasts[1:])
    result = {"first_byte_ms": firsts[len(firsts) // 2], "last_byte_ms": lasts[len(lasts) // 2]}
    log(f"feed document (800 ms deferred) {base}: first byte median {result['first_byte_ms']:.1f} ms, "
        f"last byte median {result['last_byte_ms']:.1f} ms")
    return result


def per_request(script: str, what: str, path: str, server: dict[str, str] | None) -> int:
    """The figure per request that `scripts/<script>` prints for `path`
    before `what`, on our release server or on `server` (another server's
    SERVER and SERVER_ARGS: the hand-written one)."""
    out = subprocess.run(
        [str(ROOT / "scripts" / script), path], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, **(server or {})},
    ).stdout
    count = int(re.search(rf"(-?\d+) {what}", out).group(1))
    log(f"{what} {path}{' (' + server['SERVER'] + ')' if server else ''}: {count:,} per request")
    return count


def instructions(path: str, server: dict[str, str] | None = None) -> int:
    """User-space instructions per request of the release server under
    callgrind (scripts/instructions.sh: 220 requests minus 20, build id "cg"),
    stable to the thousand where req/s moves by 20-30% here."""
    return per_request("instructions.sh", "instructions per request", path, server)


def atomics(path: str, server: dict[str, str] | None = None) -> int:
    """Atomic read-modify-writes per request in the server's own code
    (scripts/atomics.py: callgrind's per-instruction counts of its
    `lock`-prefixed instructions), which instructions per request count as
    one each although each costs tens of cycles."""
    return per_request("atomics.py", "atomic read-modify-writes", path, server)


def site_of(doc: bytes) -> dict[str, str]:
    """What the kit's document links, for the hand-written server to link
    the same: the build id, the style sheet, the module and its wasm, and
    the module script that starts hydration."""
    text = doc.decode()
    find = lambda pattern: re.search(pattern, text, re.S).group(1)
    return {
        "build": find(r'"build":"([^"]+)"'),
        "css": find(r'<link rel="stylesheet"[^>]* href="([^"]+)"'),
        "js": find(r'<link rel="modulepreload" href="([^"]+)"'),
        "wasm": find(r'<link rel="preload" href="([^"]+\.wasm)"'),
        "module_script": find(r'<script type="module"[^>]*>(.*?)</script>'),
    }


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def table(results: list[Result]) -> str:
    lines = [
        "| target | server | req/s | p50 ms | p99 ms | peak RSS MB | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.target} | {r.server} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
            f"{r.peak_rss_mb:.1f} | {r.errors} |"
        )
    return "\n".join(lines)


def summary(results: list[Result], bundles: dict[str, Bundle], navs: dict[str, dict]) -> str:
    """One row per measure of the targets (docs/performance.md): ours, Next.js, the ceiling,
    the hand-written server, and the ratios."""
    by = {(r.target, r.server): r for r in results}
    lines = [
        "| measure | ours | Next.js | ceiling | hand-written | ours / Next | ours / ceiling | ours / hand-written | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]

    def row(measure: str, ours, nxt, ceil, fmt: str, target: str, hand=None) -> None:
        cell = lambda v: format(v, fmt) if v is not None else "-"
        of = lambda other: ratio(ours, other) if ours is not None and other else "-"
        lines.append(
            f"| {measure} | {cell(ours)} | {cell(nxt)} | {cell(ceil)} | {cell(hand)} | "
            f"{of(nxt)} | {of(ceil)} | {of(hand)} | {target} |"
        )

    def rps(target: str, server: str):
        r = by.get((target, server))
        return r.rps if r else None

    doc, props, hello, cache, doc_compressed, cache_compressed = TARGETS
    hand = lambda target: rps(target, "handwritten")
    row("document req/s", rps(doc, "ours"), rps(doc, "next"), rps(doc, "ceiling"), ",.0f",
        ">= 0.8x hand-written, >= 50x Next", hand(doc))
    row("props JSON req/s", rps(props, "ours"), rps(props, "next"), rps(props, "ceiling"), ",.0f",
        ">= 0.5x ceiling", hand(props))
    row("hello req/s", rps(hello, "ours"), rps(hello, "next"), None, ",.0f", "", hand(hello))
    # Leptos's renderer alone (handwritten --leptos) in the "ours" column:
    # its ratio to hand-written is what Leptos's `view!` costs by itself.
    row("Leptos view! alone (handwritten --leptos): document req/s", rps(doc, "leptos-view"), None, None,
        ",.0f", "the renderer's own cost", hand(doc))
    row("Leptos view! alone (handwritten --leptos): hello req/s", rps(hello, "leptos-view"), None, None,
        ",.0f", "", hand(hello))
    row("cache hit req/s (/cached)", rps(cache, "ours"), None, rps(cache, "ceiling"), ",.0f", ">= 0.8x ceiling")
    # Compressed as a browser asks (both gzip: ours at level 1); the
    # ceiling column is our own uncompressed figure, for the cost.
    row("document req/s, compressed", rps(doc_compressed, "ours"), rps(doc_compressed, "next"), rps(doc, "ours"), ",.0f", "ceiling column: ours uncompressed")
    row("cache hit req/s, compressed", rps(cache_compressed, "ours"), None, rps(cache, "ours"), ",.0f", "ceiling column: ours uncompressed")
    p99 = lambda s: by[(doc, s)].p99_ms if (doc, s) in by else None
    row("document p99 ms", p99("ours"), p99("next"), p99("ceiling"), ".2f", "< 5 ms", p99("handwritten"))
    ins = lambda k: navs["instructions"][k] / 1000 if k in navs.get("instructions", {}) else None
    row("document instructions per request, k (callgrind)", ins("document"), None, None, ",.1f", "fewer each step",
        ins("handwritten document"))
    row("props JSON instructions per request, k (callgrind)", ins("props"), None, None, ",.1f", "",
        ins("handwritten props"))
    atom = lambda k: navs["atomics"][k] if k in navs.get("atomics", {}) else None
    row("document atomic read-modify-writes per request (scripts/atomics.py)", atom("document"), None, None, ",.0f",
        "fewer each step", atom("handwritten document"))
    rss = lambda s: max((r.peak_rss_mb for r in results if r.server == s), default=None)
    row("peak RSS MB", rss("ours"), rss("next"), rss("ceiling"), ".1f", "< 30 MB", rss("handwritten"))
    b = lambda s, k: getattr(bundles[s], k) / 1000 if s in bundles else None
    row("first load on the wire kB (as served, br/gzip)", b("ours", "wire"), b("next", "wire"), None, ".1f", "< Next's")
    row("client bundle kB, brotli", b("ours", "brotli"), b("next", "brotli"), None, ".1f", "< Next's first-load JS")
    row("client bundle kB, gzip", b("ours", "gzip"), b("next", "gzip"), None, ".1f", "")
    row("client bundle kB, raw", b("ours", "raw"), b("next", "raw"), None, ".1f", "")
    row("Leptos + router floor kB, brotli (bench/floor: wasm + glue)", b("floor", "brotli"), None, None, ".1f",
        "what the framework alone ships")
    n = lambda s, k: navs[s][k] if s in navs else None
    row("link navigation median ms", n("ours", "median_ms"), n("next", "median_ms"), None, ".1f", "< 50 ms")
    row("link navigation p95 ms", n("ours", "p95_ms"), n("next", "p95_ms"), None, ".1f", "")
    c = lambda k: navs["chunk"][k] if "chunk" in navs else None
    row("navigation to a page not loaded yet, median ms (chunk beside props)", c("median_ms"), None, None, ".1f", "< 50 ms")
    row("  its chunk files fetched per navigation", c("chunk_files"), None, None, ".1f", "")
    row("  props requests per navigation", c("props_requests"), None, None, ".1f", "1")
    m = lambda k: navs["submission"][k] if "submission" in navs else None
    row("form submission median ms (1 request)", m("median_ms"), None, None, ".1f", "< 50 ms")
    row("form submission p95 ms", m("p95_ms"), None, None, ".1f", "")
    i = lambda kind, k: navs["instant"][kind][k] if "instant" in navs else None
    row("Back to a fresh page median ms, from popstate (0 requests)", i("history", "median_ms"), None, None, ".1f", "< 16 ms")
    row("Back to a fresh page median ms, from history.back()", i("history_from_call", "median_ms"), None, None, ".1f", "")
    row("prefetched click median ms (0 requests)", i("prefetched", "median_ms"), None, None, ".1f", "< 16 ms")
    d = lambda kind, k: navs[kind][k] if kind in navs else None
    row("dashboard document, two 300 ms loaders, median ms", d("parallel", "median_ms"), None, None, ".1f", "< 450 ms")
    row("dashboard project to project median ms (1 request, no layout loader)", d("dashboard", "median_ms"), None, None, ".1f", "< 50 ms")
    row("/feed document, first byte median ms (deferred part: 800 ms)", d("feed", "first_byte_ms"), None, None, ".1f", "< 100 ms")
    row("/feed document, last byte median ms", d("feed", "last_byte_ms"), None, None, ".1f", "< 850 ms")
    return "\n".join(lines)


TARGETS = [
    "document /bench/items/1",
    "props JSON /bench/items/1",
    "document /bench/hello",
    "cache hit /cached",
    "document /bench/items/1, compressed",
    "cache hit /cached, compressed",
]
# What a browser sends: the compressed targets ask for it.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


def main() -> None:
    floor_bundle = build()
    results: list[Result] = []
    bundles: dict[str, Bundle] = {}
    navs: dict[str, dict] = {}
    site_env = {
        "LEPTOS_OUTPUT_NAME": "reference-app",
        "LEPTOS_SITE_ROOT": "target/site",
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_HASH_FILES": "true",
        "LEPTOS_ENV": "PROD",
        "DATABASE_URL": "sqlite::memory:",
        "RUST_LOG": "warn",
        # A production server needs its cookie key's secret.
        "SERVER_PROPS_COOKIE_SECRET": "benchmark secret, thirty-two bytes or more",
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
        cached = fetch(f"{ours_base}/cached")
        results.append(ours.measure(TARGETS[0], f"{ours_base}/bench/items/1"))
        results.append(ours.measure(TARGETS[1], ours_base + props_path))
        results.append(ours.measure(TARGETS[2], f"{ours_base}/bench/hello"))
        results.append(ours.measure(TARGETS[3], f"{ours_base}/cached"))
        results.append(ours.measure(TARGETS[4], f"{ours_base}/bench/items/1", BROWSER_ENCODINGS))
        results.append(ours.measure(TARGETS[5], f"{ours_base}/cached", BROWSER_ENCODINGS))
        bundles["ours"] = bundle(ours_base, doc)
        navs["ours"] = navigation(ours_base)
        navs["chunk"] = chunk_navigation(ours_base)
        navs["submission"] = submission(ours_base)
        navs["instant"] = instant(ours_base)
        navs["parallel"] = parallel_document(ours_base)
        navs["dashboard"] = dashboard(ours_base)
        navs["feed"] = feed(ours_base)
    finally:
        ours.stop()
    if floor_bundle is not None:
        bundles["floor"] = floor_bundle
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site.json"
        site.write_text(json.dumps(site_of(doc)))
        handwritten = {"SERVER": "target/release/handwritten", "SERVER_ARGS": str(site)}
        navs["instructions"] = {
            "document": instructions("/bench/items/1"),
            "props": instructions("/_props/cg/bench/items/1.json"),
            "handwritten document": instructions("/bench/items/1", handwritten),
            "handwritten props": instructions("/_props/cg/bench/items/1.json", handwritten),
        }
        navs["atomics"] = {
            "document": atomics("/bench/items/1"),
            "handwritten document": atomics("/bench/items/1", handwritten),
        }
        base = f"http://127.0.0.1:{PORTS['handwritten']}"
        hand = Server(
            "handwritten",
            ["target/release/handwritten", str(site), f"127.0.0.1:{PORTS['handwritten']}"],
            ROOT, {}, f"{base}/bench/hello",
        )
        try:
            results.append(hand.measure(TARGETS[0], f"{base}/bench/items/1"))
            results.append(hand.measure(TARGETS[1], f"{base}{props_path}"))
            results.append(hand.measure(TARGETS[2], f"{base}/bench/hello"))
        finally:
            hand.stop()
        base = f"http://127.0.0.1:{PORTS['leptos-view']}"
        view = Server(
            "leptos-view",
            ["target/release/handwritten", str(site), f"127.0.0.1:{PORTS['leptos-view']}", "--leptos"],
            ROOT, {}, f"{base}/bench/hello",
        )
        try:
            results.append(view.measure(TARGETS[0], f"{base}/bench/items/1"))
            results.append(view.measure(TARGETS[2], f"{base}/bench/hello"))
        finally:
            view.stop()

    with tempfile.TemporaryDirectory() as tmp:
        for name, body in [("doc.html", doc), ("props.json", json_bytes), ("cached.html", cached)]:
            (Path(tmp) / name).write_bytes(body)
        base = f"http://127.0.0.1:{PORTS['ceiling']}"
        ceiling = Server(
            "ceiling",
            ["target/release/ceiling", f"127.0.0.1:{PORTS['ceiling']}",
             f"/doc={tmp}/doc.html", f"/json={tmp}/props.json", f"/cached={tmp}/cached.html"],
            ROOT, {}, f"{base}/doc",
        )
        try:
            results.append(ceiling.measure(TARGETS[0], f"{base}/doc"))
            results.append(ceiling.measure(TARGETS[1], f"{base}/json"))
            results.append(ceiling.measure(TARGETS[3], f"{base}/cached"))
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
        results.append(nxt.measure(TARGETS[0], f"{base}/bench/items/1"))
        results.append(nxt.measure(TARGETS[1], f"{base}/_next/data/{next_build}/bench/items/1.json"))
        results.append(nxt.measure(TARGETS[2], f"{base}/bench/hello"))
        results.append(nxt.measure(TARGETS[4], f"{base}/bench/items/1", BROWSER_ENCODINGS))
        bundles["next"] = bundle(base, fetch(f"{base}/bench/items/1"))
        navs["next"] = navigation(base)
    finally:
        nxt.stop()

    order = {"ceiling": 0, "handwritten": 1, "leptos-view": 2, "ours": 3, "next": 4}
    results.sort(key=lambda r: (TARGETS.index(r.target), order[r.server]))
    out = summary(results, bundles, navs) + "\n\n" + table(results)
    files = "\n".join(
        f"- {server}: {', '.join(b.files)}" for server, b in bundles.items() if server != "floor"
    )
    header = (
        f"# Benchmark results\n\n{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, "
        f"{os.cpu_count()} cores; server on CPU {SERVER_CPU}, wrk and Chromium on CPU {LOAD_CPU}; "
        f"{CONNECTIONS} connections, {WARMUP} s warm-up, {SECONDS} s measured; no Accept-Encoding.\n\n"
        f"Document size: {len(doc):,} bytes; props JSON: {len(json_bytes):,} bytes; "
        f"/cached: {len(cached):,} bytes.\n\n"
    )
    footer = f"\n\nClient bundle files (what the document of /bench/items/1 loads):\n\n{files}\n"
    print()
    print(out)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "latest.md").write_text(header + out + footer)
    log(f"written to {results_dir / 'latest.md'}")


if __name__ == "__main__":
    sys.exit(main())

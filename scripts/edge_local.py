#!/usr/bin/env python3
"""`make edge-local`: the reference app's edge build (worker/) in workerd,
in front of the release server, both on loopback ports, stopped at the end
(also on Ctrl-C).

The server runs as in production (SQLite in memory, a cookie secret, a
build id) and trusts the edge's origin for form submissions; workerd runs
the edge build (`scripts/edge.sh build`, then `serve`) with the same
secret and build id and the server's asset hashes. Through the edge:

1. `/edge/hello` is answered by the edge: `Hello from the edge`,
   `Runtime: edge`, its cookie `edge=1`, the server's hashed assets and
   its page's chunk preloaded (the build is split by page), the security
   headers;
2. its props answer is JSON saying `edge`, with the cookie;
3. a page not marked for the edge comes from the server as it gives it:
   `/runtime` says `Runtime: server`, an encoded path and query reach the
   page as sent, a HEAD request, `/request`'s cookie, a redirect not
   followed, an unknown URL's 404 page, the wasm asset byte for byte;
4. a form submission reaches the server in one round trip (`303`), the
   entry then shown; one from another site is still refused (`403`);
   `/edge/hello`'s own action runs at the edge and removes its cookie;
5. the browser: a client navigation to `/edge/hello` fetches its props
   from the edge (one request, no document) and shows `Runtime: edge`; a
   navigation on to a server page gets its props forwarded; the document
   of `/edge/hello` hydrates without an error (Playwright,
   end2end/edge/edge.spec.ts);
6. with the server stopped, a forwarded request is a `502`, and the
   edge's own page and action are still answered (so the action ran at the
   edge, not at the server).

Prints the edge build's wasm size and the first answer's time (the
isolate's start: instantiating the wasm and building the page table),
written to bench/results/edge.md. Environment: SERVER (default
target/release/server), WORKERD (default end2end/node_modules/.bin/workerd).
"""

from __future__ import annotations

import datetime
import gzip
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
SERVER = os.environ.get("SERVER", "target/release/server")
SECRET = "edge-local-run-secret-of-thirty-two-bytes-or-more"
BUILD = "edge-local"
OUT = ROOT / "target/edge"


def log(message: str) -> None:
    print(f"\033[1;34m[edge]\033[0m {message}", flush=True)


def wait_for(port: int, process: subprocess.Popen, what: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log(f"{what} exited ({process.returncode})")
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    log(f"{what} did not listen on {port}")
    return False


def main() -> int:
    if not (ROOT / SERVER).exists():
        log(f"{SERVER} is missing: make build-release")
        return 1
    subprocess.run(["scripts/edge.sh", "build"], cwd=ROOT, check=True)
    wasm_bytes = (OUT / "index_bg.wasm").stat().st_size
    wasm_gzip = len(gzip.compress((OUT / "index_bg.wasm").read_bytes(), 9))
    origin_port, edge_port = free_port(), free_port()
    edge_origin = f"http://127.0.0.1:{edge_port}"
    common = {
        "SERVER_PROPS_COOKIE_SECRET": SECRET,
        "SERVER_PROPS_BUILD_ID": BUILD,
    }
    server_env = {
        **os.environ,
        **common,
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{origin_port}",
        "LEPTOS_SITE_ROOT": "target/site",
        "LEPTOS_OUTPUT_NAME": "reference-app",
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_HASH_FILES": "true",
        "LEPTOS_ENV": "PROD",
        "DATABASE_URL": "sqlite::memory:",
        "SERVER_PROPS_TRUSTED_ORIGINS": edge_origin,
        "RUST_LOG": "warn",
    }
    hashes = ROOT / Path(SERVER).parent / "hash.txt"
    if not hashes.exists():
        log(f"{hashes} is missing: the release build names its assets by hash (make build-release)")
        return 1
    edge_env = {
        **os.environ,
        **common,
        "SERVER_PROPS_ORIGIN": f"http://127.0.0.1:{origin_port}",
        "EDGE_ADDR": f"127.0.0.1:{edge_port}",
    }
    edge_env["SERVER_PROPS_ASSET_HASHES_FILE"] = str(hashes)
    # The release build is split by page: its manifest, for the edge's
    # documents to preload their page's chunk.
    # (Named by the hash file: older builds' manifests may lie beside it.)
    named = re.search(r"^manifest: (\S+)$", hashes.read_text(), re.M)
    manifest = ROOT / "target/site/pkg" / f"__wasm_split_manifest.{named.group(1)}.json" if named else None
    if manifest is None or not manifest.exists():
        log(f"{hashes} names no split manifest in target/site/pkg: the release build splits by page (make build-release)")
        return 1
    edge_env["SERVER_PROPS_SPLIT_MANIFEST_FILE"] = str(manifest)
    server = edge = None
    failures = 0

    def check(ok: bool, what: str) -> None:
        nonlocal failures
        log(("\033[1;32mPASS\033[0m " if ok else "\033[1;31mFAIL\033[0m ") + what)
        if not ok:
            failures += 1

    try:
        server = subprocess.Popen([SERVER], cwd=ROOT, env=server_env, start_new_session=True)
        edge = subprocess.Popen(["scripts/edge.sh", "serve"], cwd=ROOT, env=edge_env, start_new_session=True)
        if not (wait_for(origin_port, server, "the server") and wait_for(edge_port, edge, "workerd")):
            return 1
        log(f"server on {origin_port}, workerd on {edge_port}")

        # 1. The edge's own page.
        status, headers, body, first_ms = request(edge_port, "GET", "/edge/hello")
        html = body.decode().replace("<!>", "")
        cookies = headers.get("set-cookie", [])
        js = re.search(r"^js: (\S+)$", hashes.read_text(), re.M)
        chunk = re.search(r'<link rel="preload" href="/pkg/(split_page_EdgeHello_[^"]+\.wasm)"', html)
        check(
            status == 200
            and "<h1>Hello from the edge</h1>" in html
            and chunk is not None
            and (ROOT / "target/site/pkg" / chunk.group(1)).exists()
            and "Runtime: edge" in html
            and any(c.startswith("edge=1;") for c in cookies)
            and js is not None
            and f"/pkg/reference-app.{js.group(1)}.js" in html
            and headers.get("x-frame-options") == ["DENY"]
            and f'"build":"{BUILD}"' in html,
            f"1. /edge/hello from the edge: {status}, Runtime: edge, its chunk preloaded "
            f"{chunk.group(1) if chunk else None}, cookie {cookies[:1]}, first answer {first_ms:.0f} ms",
        )
        warm = sorted(request(edge_port, "GET", "/edge/hello")[3] for _ in range(9))
        warm_ms = warm[len(warm) // 2]

        # 2. Its props answer.
        status, headers, body, _ = request(edge_port, "GET", f"/_props/{BUILD}/edge/hello.json")
        props = json.loads(body) if status == 200 else {}
        check(
            status == 200
            and props.get("props") == {"runtime": "edge"}
            and headers.get("x-server-props") == [BUILD]
            and any(c.startswith("edge=1;") for c in headers.get("set-cookie", [])),
            f"2. props answer: {status}, {props.get('props')}",
        )

        # 3. Everything else, from the server as it gave it.
        status, _, body, _ = request(edge_port, "GET", "/runtime")
        runtime_ok = status == 200 and "Runtime: server" in body.decode().replace("<!>", "")
        status_c, headers_c, _, _ = request(edge_port, "GET", "/request")
        status_r, headers_r, _, _ = request(edge_port, "GET", "/redirect/to-blog")
        status_404, _, body_404, _ = request(edge_port, "GET", "/no/such/page")
        wasm = next((OUT.parent / "site/pkg").glob("reference-app*.wasm"), None)
        status_w, _, body_w, _ = request(edge_port, "GET", f"/pkg/{wasm.name}") if wasm else (0, {}, b"", 0)
        status_q, _, body_q, _ = request(edge_port, "GET", "/blog/a%20b?x=1&y=%27q%27")
        page_q = body_q.decode().replace("<!>", "")
        query_ok = status_q == 200 and "Post: a b" in page_q and "y=%27q%27" in page_q
        status_h, headers_h, body_h, _ = request(edge_port, "HEAD", "/runtime")
        head_ok = status_h == 200 and body_h == b"" and headers_h.get("content-type", [""])[0].startswith("text/html")
        check(
            runtime_ok
            and query_ok
            and head_ok
            and status_c == 200
            and any(c.startswith("visited=1") for c in headers_c.get("set-cookie", []))
            and status_r in (302, 307)
            and headers_r.get("location") == ["/blog/redirected"]
            and status_404 == 404
            and b"could not be found" in body_404
            and wasm is not None
            and status_w == 200
            and body_w == wasm.read_bytes(),
            f"3. forwarded: /runtime {runtime_ok}, encoded path and query {status_q} {query_ok}, "
            f"HEAD {status_h} {head_ok}, cookie {status_c}, redirect {status_r} "
            f"{headers_r.get('location')}, unknown URL {status_404}, wasm {status_w} ({len(body_w)} bytes)",
        )

        # 4. A form submission, through the edge to the server.
        form = "name=Edge&message=through+the+edge"
        form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _, _ = request(
            edge_port, "POST", "/guestbook", form, {**form_headers, "Origin": edge_origin}
        )
        listed = b"through the edge" in request(edge_port, "GET", "/guestbook")[2]
        status_x, _, _, _ = request(
            edge_port, "POST", "/guestbook", form, {**form_headers, "Origin": "https://evil.example"}
        )
        check(
            status == 303 and headers.get("location") == ["/guestbook"] and listed and status_x == 403,
            f"4. form: {status} {headers.get('location')}, listed {listed}; from another site {status_x}",
        )

        # 4b. The edge page's own action, at the edge: the cookie removed.
        status, headers, _, _ = request(
            edge_port, "POST", "/edge/hello", "", {**form_headers, "Origin": edge_origin}
        )
        removal = headers.get("set-cookie", [""])[0]
        check(
            status == 303
            and headers.get("location") == ["/"]
            and removal.startswith("edge=;")
            and "Max-Age=0" in removal,
            f"4b. the edge's action: {status} {headers.get('location')}, {removal}",
        )

        # 5. The browser.
        playwright = subprocess.run(
            ["npx", "playwright", "test", "-c", "playwright.edge.config.ts"],
            cwd=ROOT / "end2end",
            env={**os.environ, "EDGE_URL": edge_origin, "EDGE_BUILD": BUILD},
        )
        check(playwright.returncode == 0, "5. client navigation through the edge (end2end/edge)")

        # 6. The server gone.
        stop(server)
        status, _, body, _ = request(edge_port, "GET", "/runtime")
        status_e, _, _, _ = request(edge_port, "GET", "/edge/hello")
        # With no server, only the edge can have run the action.
        status_a, headers_a, _, _ = request(
            edge_port, "POST", "/edge/hello", "", {**form_headers, "Origin": edge_origin}
        )
        removed = headers_a.get("set-cookie", [""])[0].startswith("edge=;")
        check(
            status == 502 and b"Bad Gateway" in body and status_e == 200 and status_a == 303 and removed,
            f"6. server stopped: forwarded {status}, the edge's page {status_e}, its action {status_a} "
            f"(cookie removed: {removed})",
        )
    finally:
        stop(edge)
        stop(server)

    if failures:
        log(f"{failures} check(s) failed")
        return 1
    results = ROOT / "bench/results/edge.md"
    results.write_text(
        "# The edge build under workerd\n\n"
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, `make edge-local` "
        "(`worker/` in the `wasm-release` profile, after wasm-bindgen and `wasm-opt -Oz`; workerd from npm, in front "
        "of the release server).\n\n"
        "| | |\n|---|---:|\n"
        f"| wasm, bytes | {wasm_bytes:,} |\n"
        f"| wasm, gzip -9 bytes | {wasm_gzip:,} |\n"
        f"| first answer of `/edge/hello` after workerd started (the page table built on the first request), ms | {first_ms:.0f} |\n"
        f"| warm answer of `/edge/hello`, median of 9, ms | {warm_ms:.1f} |\n"
    )
    log(f"wasm {wasm_bytes:,} bytes ({wasm_gzip:,} gzipped); first answer {first_ms:.0f} ms, warm {warm_ms:.1f} ms")
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

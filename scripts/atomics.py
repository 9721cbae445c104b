#!/usr/bin/env python3
"""Atomic read-modify-write instructions per request of the release server,
for one URL, beside its instructions per request in the binary's own code
(without the C library's: fewer than scripts/instructions.sh counts).

    scripts/atomics.py /bench/items/1
    SERVER=target/release/handwritten SERVER_ARGS=site.json scripts/atomics.py /bench/items/1

Callgrind counts every instruction as one, so `scripts/instructions.sh`
cannot tell a `lock`-prefixed read-modify-write (an `Arc` clone or drop, a
lock taken, each costing tens of cycles and ordering the memory accesses
around it) from an addition. This runs the server under callgrind with
per-instruction counts (`--dump-instr=yes`), disassembles the binary
(`objdump`), and sums the executions of its `lock`-prefixed instructions and
of `xchg` with memory (locked by definition): (after 220 requests − after
20) / 200, as instructions.sh counts, so start-up cancels out. Only the
server's own code is counted (the C library's locks are not: mimalloc is
linked into the binary, so the allocator's are).
"""

import collections
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("SERVER", "target/release/server")
SERVER_ARGS = os.environ.get("SERVER_ARGS", "").split()
PORT = int(os.environ.get("PORT", "3914"))
WARMUP, REQUESTS = 20, 200


def run(path: str, n: int, out: Path) -> tuple[int, int]:
    """(instructions, atomic read-modify-writes) of the server binary over
    start-up, `n` requests to `path` and shutdown."""
    env = {
        **os.environ,
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{PORT}",
        "LEPTOS_SITE_ROOT": "target/site",
        "LEPTOS_OUTPUT_NAME": "reference-app",
        "LEPTOS_HASH_FILES": "true",
        "LEPTOS_ENV": "PROD",
        "DATABASE_URL": "sqlite::memory:",
        "RUST_LOG": "warn",
        "SERVER_PROPS_CACHE_BYTES": "0",
        "SERVER_PROPS_COOKIE_SECRET": "instructions-benchmark-secret-of-32-bytes",
        "SERVER_PROPS_BUILD_ID": "cg",
    }
    args = [*SERVER_ARGS, f"127.0.0.1:{PORT}"] if SERVER_ARGS else []
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={out}", SERVER, *args],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                c.request("GET", "/bench/hello")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.5)
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        for _ in range(n):
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            assert r.status == 200, (path, r.status)
    finally:
        server.send_signal(2)
        server.wait()
    return count(out)


def count(out: Path) -> tuple[int, int]:
    """Sums a callgrind file's per-instruction costs in the server binary,
    and those of its locked instructions."""
    cost: collections.Counter[int] = collections.Counter()
    names: dict[str, str] = {}
    ob, addr, after_call = None, 0, False
    # Each cost line: one column per position (`instr`, then `line` unless
    # the dump leaves lines out), then the cost.
    positions = 2
    for line in out.read_text().splitlines():
        if not line:
            continue
        if line.startswith("positions:"):
            positions = len(line.split()) - 1
            continue
        m = re.match(r"(c?ob)=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(3):
                names[m.group(2)] = m.group(3)
            if m.group(1) == "ob":
                ob = m.group(2)
            continue
        if line.startswith("calls="):
            # The next line is the call's inclusive cost, not the caller's own.
            after_call = True
            continue
        if line[0] not in "0123456789+-*":
            continue
        parts = line.split()
        position = parts[0]
        if position[0] in "+-":
            step = int(position[1:], 0)
            addr += step if position[0] == "+" else -step
        elif position != "*":
            addr = int(position, 0)
        if after_call:
            after_call = False
            continue
        if len(parts) > positions and names.get(ob, "").endswith("/" + Path(SERVER).name):
            cost[addr] += int(parts[positions])
    disassembly = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", str(ROOT / SERVER)], capture_output=True, text=True, check=True
    ).stdout
    atomics = 0
    for line in disassembly.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+(lock |xchg )(.*)", line)
        if m and (m.group(2) == "lock " or "(" in m.group(3)):
            atomics += cost.get(int(m.group(1), 16), 0)
    return sum(cost.values()), atomics


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else sys.exit("usage: scripts/atomics.py PATH")
    if not (ROOT / SERVER).exists():
        sys.exit("atomics: build the release server first (make build-release)")
    with tempfile.TemporaryDirectory() as tmp:
        a = run(path, WARMUP, Path(tmp) / "a")
        b = run(path, WARMUP + REQUESTS, Path(tmp) / "b")
    instructions, atomics = ((y - x) / REQUESTS for x, y in zip(a, b))
    print(
        f"{path}: {atomics:.0f} atomic read-modify-writes, {instructions:.0f} instructions in the binary"
        f" per request (over {REQUESTS})"
    )


if __name__ == "__main__":
    main()

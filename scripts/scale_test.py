#!/usr/bin/env python3
"""`make scale-test`: two instances of the release server behind haproxy.

The production shape on one machine: Redis (the shared cache's store), one
database both instances use (PostgreSQL under scripts/with-postgres.sh,
which exports POSTGRES_URL; else a SQLite file of the run's own), two
instances of target/release/server (same build, same cookie secret) and
haproxy with scripts/scale/haproxy.cfg (health checks, retries, keep-alive,
routing props requests by build). Everything runs on loopback ports in a
temporary directory and is stopped at the end, also on Ctrl-C.

Checks (each prints a line; any failure makes the exit status 1):

1. cross-instance hit: a cacheable page asked of instance A (MISS), then of
   B: `x-cache: HIT`, for the document and for its props answer;
2. single flight across instances: 50 concurrent requests through haproxy
   for a new key of /cached run its loader once in all (each instance's run
   counter is read before and after, by a request of its own), in each of
   five rounds;
3. invalidation across instances: /cached kept by B, purged by a form post
   to A (its action invalidates the tag `cached`): B answers MISS with new
   props;
4. rolling stop: steady keep-alive load through haproxy while A gets
   SIGTERM (it drains: /health 503, haproxy takes it out, then it exits),
   restarts, then B: no failed request;
5. rolling deploy with build skew: browsers (simulated: a document, then
   props requests for each navigation) keep navigating while A, then B, are
   restarted with a new build id: a browser never gets props of another
   build, gets one "stale build" answer when its build is gone, and the
   document it then loads is of the new build (never a second reload).

Writes the figures to bench/results/scale.md. Environment: SCALE_DRAIN
(seconds each instance drains, default 2), SCALE_LOAD_THREADS (8),
SCALE_FLIGHT_ROUNDS (check 2's rounds, each with a new key: 5); controls
that show what a check guards against: SCALE_DRAIN=0 (check 4: instances
exit before haproxy takes them out), SCALE_PLAIN_ROUND_ROBIN=1 (haproxy
without the routing by build; check 5: a reload on every other click).
"""

from __future__ import annotations

import csv
import datetime
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "target" / "release" / "server"
SITE = ROOT / "target" / "site"
TEMPLATE = ROOT / "scripts" / "scale" / "haproxy.cfg"
RESULTS = ROOT / "bench" / "results" / "scale.md"
DRAIN = float(os.environ.get("SCALE_DRAIN", "2"))
LOAD_THREADS = int(os.environ.get("SCALE_LOAD_THREADS", "8"))
FLIGHT_ROUNDS = int(os.environ.get("SCALE_FLIGHT_ROUNDS", "5"))
# A control: plain round-robin, without the routing by build (check 5 fails).
PLAIN = os.environ.get("SCALE_PLAIN_ROUND_ROBIN") == "1"
OLD, NEW = "v1", "v2"
# The balancer passes the browser's Host on; the shared cache keys by it.
HOST = "scale.test"
EMBEDDED = re.compile(rb'<script id="__SERVER_PROPS__" type="application/json">(.*?)</script>', re.S)
# Pages with a loader, as a browser navigates between them.
NAVIGATION = ["/bench/hello", "/blog/hello", "/cached", "/repos/vercel/next.js", "/bench/items/1"]


def log(msg: str) -> None:
    print(f"\033[1;34m[scale]\033[0m {msg}", flush=True)


# ---------------------------------------------------------------- tools


def which(tool: str) -> str | None:
    return shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def apt_install(tool: str, package: str) -> str:
    found = which(tool)
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    log(f"apt-get install {package}")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", package], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = which(tool)
    if not found:
        raise SystemExit(f"scale: {package} installed but {tool} not found")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- HTTP


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> dict:
        return json.loads(self.body)

    def embedded(self) -> dict:
        m = EMBEDDED.search(self.body)
        if not m:
            raise AssertionError(f"no embedded props in a {self.status} answer")
        return json.loads(m.group(1))


def read_reply(response: http.client.HTTPResponse) -> Reply:
    body = response.read()
    return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 10) -> Reply:
    """One request on a connection of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        return read_reply(conn.getresponse())
    finally:
        conn.close()


def get(port: int, path: str) -> Reply:
    return request(port, "GET", path)


def props_url(build: str, page: str) -> str:
    path, _, query = page.partition("?")
    path = "/index" if path == "/" else path
    return f"/_props/{build}{path}.json" + (f"?{query}" if query else "")


def token() -> str:
    return uuid.uuid4().hex[:12]


# ---------------------------------------------------------------- processes


class Procs:
    """Every process the run started, stopped in reverse order at the end."""

    def __init__(self) -> None:
        self.all: list[subprocess.Popen] = []

    def start(self, cmd: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(log_path, "ab") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.all.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.all):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for proc in self.all:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass


def wait_until(what: str, condition, timeout: float = 30, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"{what}: not within {timeout} s")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Redis:
    def __init__(self, procs: Procs, exe: str, tmp: Path):
        self.port = free_port()
        self.log = tmp / "redis.log"
        self.proc = procs.start([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(tmp)], self.log)
        wait_until("redis answers PING", lambda: self.command("PING") == "PONG", 15)

    def command(self, *args: str):
        """One command in RESP; the reply's first line, decoded (enough for PING and DBSIZE)."""
        payload = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(payload.encode())
                line = s.makefile("rb").readline().decode().strip()
        except OSError:
            return None
        return int(line[1:]) if line.startswith(":") else line[1:]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/"


class Instance:
    """One server process on a fixed port; restartable with another build."""

    def __init__(self, name: str, procs: Procs, tmp: Path, env: dict[str, str]):
        self.name = name
        self.port = free_port()
        self.procs = procs
        self.log = tmp / f"server-{name}.log"
        self.env = {**env, "LEPTOS_SITE_ADDR": f"127.0.0.1:{self.port}"}
        self.proc: subprocess.Popen | None = None
        self.build = ""

    def start(self, build: str) -> None:
        self.build = build
        self.proc = self.procs.start([str(SERVER)], self.log, {**self.env, "SERVER_PROPS_BUILD_ID": build})

        def healthy() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"instance {self.name} exited ({self.proc.returncode}):\n{tail(self.log)}")
            try:
                status = get(self.port, "/health").status
            except OSError:
                return False
            if status == 404:
                raise RuntimeError(f"{SERVER.relative_to(ROOT)} has no /health: an older build, "
                                   "run scripts/build-release.sh")
            return status == 200

        wait_until(f"instance {self.name} healthy", healthy, 60)

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float = 40) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)


class Haproxy:
    def __init__(self, procs: Procs, exe: str, tmp: Path, instances: list[Instance], builds: list[str], newest: str):
        self.port = free_port()
        self.socket = tmp / "haproxy.sock"
        self.config = tmp / "haproxy.cfg"
        self.log = tmp / "haproxy.log"
        servers = "\n".join(f"    server {i.name} 127.0.0.1:{i.port} check" for i in instances)
        template = TEMPLATE.read_text()
        if PLAIN:
            template = "".join(line for line in template.splitlines(keepends=True)
                               if not line.lstrip().startswith("use_backend build_"))
        self.config.write_text(render_config(template, {
            "STATS_SOCKET": str(self.socket),
            "BIND": f"127.0.0.1:{self.port}",
            "SERVERS": servers,
            "NEWEST_BUILD": newest,
        }, builds))
        subprocess.run([exe, "-c", "-q", "-f", str(self.config)], check=True)
        self.proc = procs.start([exe, "-db", "-f", str(self.config)], self.log)

    def command(self, cmd: str) -> str:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(str(self.socket))
            s.sendall(cmd.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def states(self) -> dict[tuple[str, str], str]:
        """(backend, server) → status ("UP", "DOWN", "UP 1/2", …)."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"haproxy exited ({self.proc.returncode}):\n{tail(self.log)}")
        try:
            text = self.command("show stat").lstrip("# ")
        except OSError:
            return {}
        return {(row["pxname"], row["svname"]): row["status"]
                for row in csv.DictReader(io.StringIO(text)) if row.get("svname") not in ("FRONTEND", "BACKEND")}

    def in_rotation(self, backend: str, server: str) -> bool:
        return self.states().get((backend, server), "").startswith("UP")

    def wait_state(self, backend: str, server: str, up: bool, timeout: float = 30) -> None:
        wait_until(f"haproxy: {backend}/{server} {'up' if up else 'down'}",
                   lambda: self.in_rotation(backend, server) == up, timeout, 0.02)


def render_config(template: str, values: dict[str, str], builds: list[str]) -> str:
    """The template with its @PLACEHOLDERS@ filled in (comments left as
    written) and the build backend repeated for each build."""
    head, rest = template.split("# BEGIN build backend", 1)
    block, tail_ = rest.split("# END build backend", 1)
    block = block.split("\n", 1)[1]

    def fill(text: str, values: dict[str, str]) -> str:
        out = []
        for line in text.splitlines(keepends=True):
            if not line.lstrip().startswith("#"):
                for key, value in values.items():
                    line = line.replace(f"@{key}@", value)
            out.append(line)
        return "".join(out)

    text = head + "".join(fill(block, {"BUILD": b}) for b in builds) + tail_.split("\n", 1)[-1]
    return fill(text, values)


# ---------------------------------------------------------------- load


class Load:
    """Steady keep-alive requests through the balancer from a few threads:
    GETs of `paths`, and every `post_every`th request a form post that
    purges /cached (a write: haproxy never sends it twice)."""

    def __init__(self, port: int, paths: list[str], threads: int, post_every: int = 8):
        self.port, self.paths = port, paths
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.post_every = post_every
        self.requests = 0
        self.posts = 0
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]

    def run(self, offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        i = offset
        while not self.stop_event.is_set():
            post = i % self.post_every == 0
            path = "/cached" if post else self.paths[i % len(self.paths)]
            i += 1
            try:
                if post:
                    conn.request("POST", path, body=b"", headers={
                        "Host": HOST, "Content-Type": "application/x-www-form-urlencoded"})
                else:
                    conn.request("GET", path, headers={"Host": HOST})
                reply = read_reply(conn.getresponse())
                failed = None if 200 <= reply.status < 400 else f"{reply.status} {path}"
            except (OSError, http.client.HTTPException) as e:
                failed = f"{type(e).__name__} {path}"
                conn.close()
            with self.lock:
                self.requests += 1
                self.posts += post
                if failed:
                    self.failures.append(f"{time.strftime('%H:%M:%S')} {failed}")
        conn.close()

    def __enter__(self) -> "Load":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(15)


class Browser(threading.Thread):
    """A browser as the kit's client behaves: one document, then a props
    request per navigation; a stale-build answer makes it load the page as
    a document (and it then uses that document's build)."""

    def __init__(self, name: str, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.name, self.port, self.stop = name, port, stop
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.build = ""
        self.builds: list[str] = []          # the build of each document loaded
        self.navigations = 0
        self.stale = 0                        # stale-build answers
        self.loops = 0                        # a stale answer right after a reload
        self.foreign = 0                      # props answered by another build
        self.failures: list[str] = []
        self.just_reloaded = False
        self.loaded = threading.Event()

    def get(self, path: str) -> Reply | None:
        try:
            self.conn.request("GET", path, headers={"Host": HOST})
            return read_reply(self.conn.getresponse())
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.failures.append(f"{type(e).__name__} {path}")
            return None

    def load(self, url: str) -> None:
        reply = self.get(url)
        if reply is None:
            return
        if reply.status != 200:
            self.failures.append(f"document {url}: {reply.status}")
            return
        self.build = reply.embedded()["build"]
        self.builds.append(self.build)

    def navigate(self, url: str) -> None:
        self.navigations += 1
        reply = self.get(props_url(self.build, url))
        if reply is None:
            return
        if reply.status == 200:
            if reply.header("x-server-props") != self.build:
                self.foreign += 1
            self.just_reloaded = False
        elif reply.status == 410 and reply.json().get("staleBuild"):
            self.stale += 1
            if self.just_reloaded:
                self.loops += 1
            self.load(url)                    # one document navigation
            self.just_reloaded = True
        else:
            self.failures.append(f"props {url}: {reply.status}")

    def run(self) -> None:
        self.load(NAVIGATION[0])
        self.loaded.set()
        i = 0
        while not self.stop.is_set():
            i += 1
            self.navigate(NAVIGATION[i % len(NAVIGATION)])
            time.sleep(0.02)
        self.conn.close()


# ---------------------------------------------------------------- checks


@dataclass
class Run:
    lines: list[tuple[str, bool, str]] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.lines.append((name, ok, detail))
        mark = "\033[1;32mPASS\033[0m" if ok else "\033[1;31mFAIL\033[0m"
        print(f"  {mark} {name}: {detail}", flush=True)
        return ok

    @property
    def failed(self) -> list[str]:
        return [name for name, ok, _ in self.lines if not ok]


def runs_on(instance: Instance) -> int:
    """How many times /cached's loader has run on this instance, counting
    this request's own run (a key nobody asked for)."""
    reply = get(instance.port, props_url(instance.build, f"/cached?probe={token()}"))
    return reply.json()["props"]["runs"]


def check_cross_instance_hit(run: Run, a: Instance, b: Instance) -> None:
    key = f"/cached?hit={token()}"
    results = []
    for label, path in [("document", key), ("props", props_url(a.build, key))]:
        first, second = get(a.port, path), get(b.port, path)
        results.append((label, first.header("x-cache"), second.header("x-cache")))
    ok = all(x == "MISS" and y == "HIT" for _, x, y in results)
    run.figures["cross-instance hit"] = ", ".join(f"{l}: A {x} → B {y}" for l, x, y in results)
    run.check("1. cross-instance hit", ok, run.figures["cross-instance hit"]
              + ("" if ok else " (B must answer from the shared store: HIT)"))


def check_single_flight(run: Run, a: Instance, b: Instance, balancer: int, n: int = 50) -> None:
    rounds = [single_flight(a, b, balancer, n) for _ in range(FLIGHT_ROUNDS)]
    ok = all(total == 1 and replies == n for total, replies, _ in rounds)
    detail = "; ".join(d for total, replies, d in rounds if total != 1 or replies != n) or rounds[0][2]
    runs = [total for total, _, _ in rounds]
    run.figures["loader runs per key"] = ", ".join(map(str, runs)) + f" ({len(rounds)} keys)"
    run.check("2. single flight across instances", ok,
              f"{len(rounds)} rounds, loader runs per key {runs}; " + detail)


def single_flight(a: Instance, b: Instance, balancer: int, n: int) -> tuple[int, int, str]:
    """One round: (loader runs, 200 answers, what happened)."""
    before = {i.name: runs_on(i) for i in (a, b)}
    key = f"/cached?flight={token()}"
    barrier = threading.Barrier(n)
    replies: list[Reply | str] = [""] * n

    def one(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", balancer, timeout=30)
        try:
            conn.connect()
            barrier.wait(10)
            conn.request("GET", key, headers={"Host": HOST})
            replies[k] = read_reply(conn.getresponse())
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as e:
            replies[k] = f"{type(e).__name__}: {e}"
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    after = {i.name: runs_on(i) for i in (a, b)}
    # The probes ran the loader once each, before and after.
    per_instance = {name: after[name] - before[name] - 1 for name in before}
    total = sum(per_instance.values())
    ok_replies = [r for r in replies if isinstance(r, Reply) and r.status == 200]
    verdicts: dict[str, int] = {}
    for r in ok_replies:
        verdicts[r.header("x-cache") or "-"] = verdicts.get(r.header("x-cache") or "-", 0) + 1
    distinct = len({json.dumps(r.embedded().get("props"), sort_keys=True) for r in ok_replies})
    detail = (f"{n} concurrent requests through haproxy: loader runs {total} "
              f"({', '.join(f'{k} {v}' for k, v in per_instance.items())}), "
              f"{len(ok_replies)}×200, x-cache {verdicts}, {distinct} distinct props")
    return total, len(ok_replies), detail


def check_invalidation(run: Run, a: Instance, b: Instance) -> None:
    key = f"/cached?inv={token()}"
    first, kept = get(b.port, key), get(b.port, key)
    kept_props = kept.embedded()["props"]
    purge = request(a.port, "POST", "/cached", body=b"",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    after = get(b.port, key)
    after_props = after.embedded()["props"]
    ok = (kept.header("x-cache") == "HIT" and purge.status == 303
          and after.header("x-cache") == "MISS" and after_props != kept_props)
    detail = (f"B {first.header('x-cache')}, {kept.header('x-cache')} (runs {kept_props['runs']}); "
              f"purge on A: {purge.status}, invalidates {purge.header('x-server-props-invalidate')!r}; "
              f"B then {after.header('x-cache')} (runs {after_props['runs']})")
    run.figures["invalidation"] = detail
    run.check("3. invalidation across instances", ok, detail)


@dataclass
class Step:
    instance: str
    out_of_rotation_ms: float
    exited_ms: float
    back_ms: float


def roll(instance: Instance, proxy: Haproxy, build: str, backends: list[str]) -> Step:
    """SIGTERM, wait for the drain to take it out and for the exit, start
    it again (with `build`), wait until haproxy has it back in rotation."""
    signalled = time.monotonic()
    instance.terminate()
    out = exited = None
    deadline = signalled + DRAIN + 30
    while out is None or exited is None:
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(f"instance {instance.name}: not out of rotation or not exited")
        if out is None and not proxy.in_rotation("app", instance.name):
            out = now
        if exited is None and instance.proc.poll() is not None:
            exited = now
        time.sleep(0.01)
    code = instance.wait_exit()
    if code != 0:
        raise RuntimeError(f"instance {instance.name} exited with {code}:\n{tail(instance.log)}")
    instance.start(build)
    started = time.monotonic()
    for backend in backends:
        proxy.wait_state(backend, instance.name, up=True)
    back = time.monotonic()
    return Step(instance.name, (out - signalled) * 1000, (exited - signalled) * 1000, (back - started) * 1000)


def check_rolling_stop(run: Run, a: Instance, b: Instance, proxy: Haproxy) -> None:
    paths = ["/bench/hello", "/cached", props_url(OLD, "/bench/items/1"), "/repos/vercel/next.js",
             "/blog/hello", props_url(OLD, "/cached"), "/bench/items/2"]
    steps = []
    started = time.monotonic()
    with Load(proxy.port, paths, LOAD_THREADS) as load:
        time.sleep(1.5)
        for instance in (a, b):
            steps.append(roll(instance, proxy, OLD, ["app", f"build_{OLD}"]))
            time.sleep(1.0)
    seconds = time.monotonic() - started
    early = [s for s in steps if s.out_of_rotation_ms >= s.exited_ms]
    ok = load.requests > 0 and not load.failures and not early
    step_text = "; ".join(
        f"{s.instance}: out of rotation {s.out_of_rotation_ms:.0f} ms after SIGTERM, exited at "
        f"{s.exited_ms:.0f} ms, back {s.back_ms:.0f} ms after restart" for s in steps)
    detail = (f"{load.requests} requests ({load.posts} of them writes) in {seconds:.1f} s "
              f"({load.requests / seconds:.0f}/s, {LOAD_THREADS} keep-alive clients), "
              f"{len(load.failures)} failed; {step_text}")
    if early:
        detail += "; an instance exited before haproxy took it out of rotation (no drain?)"
    if load.failures:
        detail += "; first failures: " + ", ".join(load.failures[:5])
    run.figures["rolling stop requests"] = f"{load.requests}, {load.posts} of them writes"
    run.figures["rolling stop failures"] = str(len(load.failures))
    run.figures["rolling stop steps"] = step_text
    run.figures["rolling stop rate"] = f"{load.requests / seconds:.0f}"
    run.check("4. rolling stop (SIGTERM A, restart, SIGTERM B, restart)", ok, detail)


def round_robin_without_routing(a: Instance, b: Instance) -> tuple[int, int]:
    """What a browser holding a document of the old build would see under
    plain round-robin (no routing by build), while A runs the new build and B
    the old: (navigations, stale answers → document loads)."""
    build, reloads, navigations = OLD, 0, 20
    for k in range(navigations):
        instance = (a, b)[k % 2]
        page = NAVIGATION[k % len(NAVIGATION)]
        reply = get(instance.port, props_url(build, page))
        if reply.status == 410:
            reloads += 1
            # The document load goes round-robin too.
            build = get((b, a)[k % 2].port, page).embedded()["build"]
    return navigations, reloads


def check_build_skew(run: Run, a: Instance, b: Instance, proxy: Haproxy) -> None:
    stop = threading.Event()
    old_browsers = [Browser(f"old{k}", proxy.port, stop) for k in range(4)]
    for br in old_browsers:
        br.start()
    for br in old_browsers:
        br.loaded.wait(10)
    time.sleep(1.0)
    step_a = roll(a, proxy, NEW, ["app", f"build_{NEW}"])
    navigations, reloads = round_robin_without_routing(a, b)
    # New visitors mid-deploy: documents go to the newest build.
    new_browsers = [Browser(f"new{k}", proxy.port, stop) for k in range(4)]
    for br in new_browsers:
        br.start()
    for br in new_browsers:
        br.loaded.wait(10)
    # An old tab whose build is gone from every instance and the balancer.
    ancient = Browser("ancient", proxy.port, stop)
    ancient.build = "v0"
    ancient.builds.append("v0")
    for page in NAVIGATION[1:3]:
        ancient.navigate(page)
    time.sleep(1.5)
    step_b = roll(b, proxy, NEW, ["app", f"build_{NEW}"])
    time.sleep(1.5)
    stop.set()
    for br in old_browsers + new_browsers:
        br.join(15)
    browsers = old_browsers + new_browsers + [ancient]
    problems = []
    for br in browsers:
        first = br.builds[0] if br.builds else "?"
        expected_stale = 0 if first == NEW else 1
        if br.failures:
            problems.append(f"{br.name}: {br.failures[:3]}")
        if br.stale != expected_stale or br.loops or br.foreign:
            problems.append(f"{br.name}: {br.stale} stale answers, {br.loops} repeated, {br.foreign} foreign")
        if br.builds[-1:] != [NEW]:
            problems.append(f"{br.name}: ends on {br.builds[-1:]}")
    if any(br.builds[:1] != [NEW] for br in new_browsers):
        problems.append("a visitor who came mid-deploy got the old build's document")
    stale_total = sum(br.stale for br in browsers)
    # The documents loaded after a stale answer (each browser's first is its start).
    reloaded = [build for br in browsers for build in br.builds[1:]]
    docs_after_stale = len(reloaded)
    if any(build != NEW for build in reloaded):
        problems.append(f"documents loaded after a stale answer: {reloaded}")
    nav_total = sum(br.navigations for br in browsers)
    detail = (f"{len(browsers)} browsers, {nav_total} navigations while A then B restarted as {NEW}: "
              f"{stale_total} stale-build answers → {docs_after_stale} document loads "
              f"({reloaded.count(NEW)} of build {NEW}); "
              f"{sum(br.loops for br in browsers)} repeated; "
              f"{sum(br.foreign for br in browsers)} props answers from another build; "
              f"{sum(len(br.failures) for br in browsers)} failures. Without routing by build "
              f"(round-robin, old tab): {reloads} document loads in {navigations} navigations")
    if problems:
        detail += "; " + "; ".join(problems[:6])
    run.figures["skew browsers"] = str(len(browsers))
    run.figures["skew navigations"] = str(nav_total)
    run.figures["skew stale"] = str(stale_total)
    run.figures["skew documents"] = str(docs_after_stale)
    run.figures["skew loops"] = str(sum(br.loops for br in browsers))
    run.figures["skew foreign"] = str(sum(br.foreign for br in browsers))
    run.figures["skew failures"] = str(sum(len(br.failures) for br in browsers))
    run.figures["skew round robin"] = f"{reloads} document loads in {navigations} navigations"
    run.figures["skew steps"] = "; ".join(
        f"{s.instance}: out of rotation {s.out_of_rotation_ms:.0f} ms after SIGTERM, back "
        f"{s.back_ms:.0f} ms after restart" for s in (step_a, step_b))
    run.check("5. rolling deploy with build skew", not problems, detail)


# ---------------------------------------------------------------- report


def report(run: Run, database: str, redis_keys, seconds: float) -> str:
    f = run.figures.get
    control = ("\n\n**Control run: haproxy without the routing by build (plain round-robin).**"
               if PLAIN else "")
    rows = "\n".join(f"| {name} | {'pass' if ok else '**FAIL**'} | {detail} |" for name, ok, detail in run.lines)
    return f"""# Scale test: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}

`make scale-test` (`scripts/scale_test.py`): two instances of the release
server behind haproxy (`scripts/scale/haproxy.cfg`), sharing Redis
(`REDIS_URL`) and {database}; {os.cpu_count()} cores, everything on this
machine; drain period {DRAIN:g} s; {seconds:.0f} s in all; Redis held
{redis_keys} keys at the end.{control}

| figure | value |
|---|---|
| loader runs for a new key, 50 concurrent requests over both instances | {f('loader runs per key', '-')} |
| requests during the rolling stop (A, then B: SIGTERM, drain, restart) | {f('rolling stop requests', '-')} ({f('rolling stop rate', '-')}/s) |
| failed requests at the balancer during the rolling stop | {f('rolling stop failures', '-')} |
| rolling stop, per instance | {f('rolling stop steps', '-')} |
| browsers / navigations during the rolling deploy {OLD} → {NEW} | {f('skew browsers', '-')} / {f('skew navigations', '-')} |
| stale-build answers → document loads (each of the new build) | {f('skew stale', '-')} → {f('skew documents', '-')} |
| a second stale answer right after a document load (a loop) | {f('skew loops', '-')} |
| props answered by another build than the document's | {f('skew foreign', '-')} |
| failed requests during the rolling deploy | {f('skew failures', '-')} |
| an old tab under plain round-robin (no routing by build; simulated by alternating instances) | {f('skew round robin', '-')} |
| rolling deploy, per instance | {f('skew steps', '-')} |

| check | result | detail |
|---|---|---|
{rows}
"""


def database_url(tmp: Path) -> tuple[str, str]:
    for name in ("POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url, f"one PostgreSQL database ({name} from scripts/with-postgres.sh)"
    return f"sqlite://{tmp}/scale.db", "one SQLite file (no PostgreSQL: scripts/with-postgres.sh not used)"


def interrupted(*_) -> None:
    raise KeyboardInterrupt


def main() -> int:
    if not SERVER.exists() or not (SITE / "pkg").is_dir():
        raise SystemExit("scale: no release build: run scripts/build-release.sh (make scale-test does)")
    if TEMPLATE.read_text().rstrip("\n") not in (ROOT / "docs" / "deploy.md").read_text():
        log("warning: docs/deploy.md no longer quotes scripts/scale/haproxy.cfg as it is")
    redis_exe = apt_install("redis-server", "redis-server")
    haproxy_exe = apt_install("haproxy", "haproxy")
    # Ctrl-C and SIGTERM end the run through the `finally` below.
    signal.signal(signal.SIGTERM, interrupted)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="scale-test-"))
    procs = Procs()
    run = Run()
    instances: list[Instance] = []
    redis_keys = "?"
    database = "?"
    try:
        db_url, database = database_url(tmp)
        log(f"temporary directory {tmp}; database: {database}")
        redis = Redis(procs, redis_exe, tmp)
        env = {
            "LEPTOS_OUTPUT_NAME": "reference-app",
            "LEPTOS_SITE_ROOT": "target/site",
            "LEPTOS_SITE_PKG_DIR": "pkg",
            "LEPTOS_HASH_FILES": "true",
            "LEPTOS_ENV": "PROD",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis.url,
            "SERVER_PROPS_COOKIE_SECRET": secrets.token_hex(32),
            "SERVER_PROPS_DRAIN_SECONDS": str(DRAIN),
            "RUST_LOG": "warn",
        }
        a, b = Instance("a", procs, tmp, env), Instance("b", procs, tmp, env)
        instances = [a, b]
        # One after the other: the first creates and migrates the database.
        for instance in instances:
            instance.start(OLD)
        log(f"redis :{redis.port}, instances a :{a.port} and b :{b.port} (build {OLD})")
        proxy = Haproxy(procs, haproxy_exe, tmp, instances, [OLD, NEW], NEW)
        for backend in ("app", f"build_{OLD}"):
            for instance in instances:
                proxy.wait_state(backend, instance.name, up=True)
        log(f"haproxy :{proxy.port}")

        check_cross_instance_hit(run, a, b)
        check_single_flight(run, a, b, proxy.port)
        check_invalidation(run, a, b)
        check_rolling_stop(run, a, b, proxy)
        check_build_skew(run, a, b, proxy)
        redis_keys = redis.command("DBSIZE")
        if not redis_keys:
            log("Redis holds no key: the instances did not use REDIS_URL")
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except Exception as e:  # a step that could not run is a failed run
        run.check("the run", False, f"{type(e).__name__}: {e}")
        for instance in instances:
            log(f"{instance.name}'s log:\n{tail(instance.log)}")
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.monotonic() - started
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report(run, database, redis_keys, seconds))
    log(f"{seconds:.0f} s; written to {RESULTS.relative_to(ROOT)}")
    if run.failed:
        log("FAILED: " + ", ".join(run.failed))
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

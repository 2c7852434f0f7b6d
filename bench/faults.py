#!/usr/bin/env python3
"""The faults of issue 16, injected on purpose against one build, measured the
same way for any build (so two builds compare side by side):

  python3 bench/faults.py --binary PATH [--label NAME] [--output FILE]

1. connections: a half-sent request head, then SIGTERM (seconds to exit); a
   half-sent body, then SIGTERM; a one-byte-per-second client and 200 idle
   connections (seconds until the server closes them, 20 s at most); with the
   server's file limit at 1 024, 1 100 idle sockets from one client, then one
   normal request (seconds to its answer, 10 s at most).
2. a database outage: PostgreSQL stopped for 10 s while a request starts every
   100 ms and `/readyz` is asked every 500 ms (latencies, statuses, requests in
   flight at once, seconds from the database's return to the first 200).
3. a table locked past the request timeout (3 s): 20 requests at once, then the
   statements still waiting on the lock, `/readyz`, an unrelated GraphQL query,
   and the shape of `/graphql`'s 503.
4. memory: GraphQL Q1 at pageSize 100 from 50, 200 and 400 clients (wrk, 10 s):
   peak RSS, answers per second, 2xx and 503.
5. a small server (`max_connections` 10): the connections the gateway opens
   under 32 clients, and whether a superuser still gets in.
6. every pooled connection killed by `pg_terminate_backend`: the errors among
   the next 20 sequential reads.

Data: 2 000 customers × 10 feedbacks on a throwaway PostgreSQL 15 cluster and a
SQLite file. Every wait has a bound; everything started is stopped on exit.
Figures are printed as a markdown table (and written to --output).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench as b  # noqa: E402

LINES: list[str] = []


def report(fault: str, measure: str, value: str) -> None:
    LINES.append(f"| {fault} | {measure} | {value} |")
    b.log(f"{fault}: {measure}: {value}")


class Cluster(b.Postgres):
    """The benchmark's throwaway cluster, which can also be stopped and started
    again with its data (an outage)."""

    def pg_ctl(self, *argv: str) -> None:
        options = ["-p", str(self.port), "-k", str(self.data)]
        for key, value in self.settings.items():
            options += ["-c", f"{key}={value}"]
        b.run(self._as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                                 str(self.data / "startup.log"), "-w", "-t", "60", "-o",
                                 " ".join(options), *argv]), timeout=90)


def request(base: str, path: str, token: str | None = None, body: bytes | None = None,
            accept: str = "application/json", timeout: float = 30) -> tuple[int, dict, bytes, float]:
    """One request: status, headers, body, seconds (status 0: no answer)."""
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, data=body, headers=headers),
                                    timeout=timeout) as answer:
            return answer.status, dict(answer.headers), answer.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), time.monotonic() - started
    except OSError:
        return 0, {}, b"", time.monotonic() - started


def start(binary: Path, url: str, work: Path, tag: str, *flags: str, nofile: int | None = None):
    port = b.free_port()
    argv = [str(binary), "serve", "--listen", f"127.0.0.1:{port}", "--database-url", url, *flags]
    if nofile:
        argv = ["prlimit", f"--nofile={nofile}:{nofile}", "--", *argv]
    service = b.Service(f"server {tag}", argv, work / f"server-{tag}.log", env=dict(os.environ, RUST_LOG="warn"))
    base = f"http://127.0.0.1:{port}"
    b.wait_until(f"{tag} /healthz", lambda: b.http_get(base + "/healthz")[0] == 200, 60, service)
    return service, base, port


def seconds_to_exit(service: b.Service, bound: float) -> str:
    started = time.monotonic()
    try:
        code = service.proc.wait(timeout=bound)
        return f"{time.monotonic() - started:.2f} s (exit {code})"
    except subprocess.TimeoutExpired:
        service.stop()
        return f"> {bound:.0f} s (still running; killed)"


def seconds_until_closed(sock: socket.socket, bound: float, trickle: bytes = b"") -> str:
    """Sends `trickle` a byte a second (if any) until the server closes."""
    started = time.monotonic()
    sock.settimeout(1.0)
    index = 0
    while time.monotonic() - started < bound:
        try:
            if index < len(trickle):
                sock.sendall(trickle[index:index + 1])
                index += 1
            if sock.recv(1024) == b"":
                return f"{time.monotonic() - started:.1f} s"
        except socket.timeout:
            continue
        except OSError:
            return f"{time.monotonic() - started:.1f} s"
    return f"> {bound:.0f} s (never)"


def connections(binary: Path, work: Path) -> None:
    url = f"sqlite://{work / 'conn.db'}?mode=rwc"
    b.cli(url, "migrate")
    organization = b.cli(url, "org", "create", "--name", "Connections")
    token = b.cli(url, "token", "create", "--organization", organization)
    # The body's head carries a token, so the handler is reading the body when
    # the signal comes (without one, the request is answered 401 at once).
    upload = (f"POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
              f"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"query\":").encode()
    for what, head in (("a half-sent request head", b"GET /healthz HTTP/1.1\r\nHo"),
                       ("a half-sent body", upload)):
        service, _, port = start(binary, url, work, "conn")
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(head)
        time.sleep(0.5)
        os.kill(service.pid, signal.SIGTERM)
        report("1 connections", f"{what}, then SIGTERM: time to exit", seconds_to_exit(service, 40))
        sock.close()
    service, base, port = start(binary, url, work, "conn")
    slow = socket.create_connection(("127.0.0.1", port))
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
    opened = time.monotonic()
    report("1 connections", "a one-byte-per-second client: closed after",
           seconds_until_closed(slow, 20, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40))
    time.sleep(max(0.0, 20 - (time.monotonic() - opened)))
    still = 0
    for sock in idle:
        sock.setblocking(False)
        try:
            still += sock.recv(1) != b""
        except BlockingIOError:
            still += 1
        except OSError:
            pass
        sock.close()
    report("1 connections", "200 idle connections: still open after 20 s", str(still))
    service.stop()
    # One client holds more sockets than the server's file limit allows.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    service, base, port = start(binary, url, work, "nofile", nofile=1024)
    held = []
    for _ in range(1100):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            break
    time.sleep(1)
    status, _, _, took = request(base, "/healthz", timeout=10)
    report("1 connections", f"file limit 1 024, {len(held)} idle sockets held: a normal request",
           f"HTTP {status} in {took:.2f} s" if status else f"no answer in {took:.0f} s")
    for sock in held:
        sock.close()
    service.stop()
    accept_errors = (work / "server-nofile.log").read_text(errors="replace").count("accept")
    report("1 connections", "log lines about accept errors", str(accept_errors))


def outage(binary: Path, pg: Cluster, organization: str, token: str, work: Path) -> None:
    service, base, _ = start(binary, pg.url(), work, "outage")
    path = f"/api/v1/organizations/{organization}/customers?page_size=25"
    results: list[tuple[float, int, float]] = []
    ready: list[tuple[float, int, float]] = []
    in_flight = [0, 0]
    lock = threading.Lock()
    began = time.monotonic()

    def one() -> None:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        at = time.monotonic() - began
        status, _, _, took = request(base, path, token, timeout=30)
        with lock:
            in_flight[0] -= 1
            results.append((at, status, took))

    def readiness() -> None:
        while time.monotonic() - began < 17:
            at = time.monotonic() - began
            status, _, _, took = request(base, "/readyz", timeout=30)
            ready.append((at, status, took))
            time.sleep(0.5)

    threads = [threading.Thread(target=readiness)]
    threads[0].start()
    stopped_at = restarted_at = None
    while time.monotonic() - began < 17:
        now = time.monotonic() - began
        if stopped_at is None and now >= 3:
            pg.pg_ctl("-m", "fast", "stop")
            stopped_at = time.monotonic() - began
        if restarted_at is None and now >= 13:
            pg.pg_ctl("start")
            restarted_at = time.monotonic() - began
        thread = threading.Thread(target=one)
        thread.start()
        threads.append(thread)
        time.sleep(0.1)
    for thread in threads:
        thread.join(timeout=40)
    during = [r for r in results if stopped_at <= r[0] < restarted_at]
    latencies = sorted(r[2] for r in during)
    statuses = sorted({r[1] for r in during})
    report("2 outage", "data requests during the 10 s outage: p50 / max latency",
           f"{statistics.median(latencies):.2f} / {max(latencies):.2f} s ({len(during)} requests, "
           f"statuses {statuses})")
    report("2 outage", "data requests in flight at once (most)", str(in_flight[1]))
    ready_during = [r for r in ready if stopped_at <= r[0] < restarted_at]
    report("2 outage", "/readyz during the outage: max latency, statuses",
           f"{max(r[2] for r in ready_during):.2f} s, {sorted({r[1] for r in ready_during})}")
    back = [r for r in results if r[0] >= restarted_at and r[1] == 200]
    first = min((r[0] + r[2] for r in back), default=None)
    report("2 outage", "from the database's return to the first 200",
           f"{first - restarted_at:.2f} s" if first else "none")
    service.stop()


def locked(binary: Path, pg: Cluster, organization: str, token: str, work: Path) -> None:
    service, base, _ = start(binary, pg.url(), work, "lock", "--request-timeout-secs", "3")
    holder = subprocess.Popen(
        [str(pg.bin / "psql"), "-X", "-q", *pg.client_args(), "-c",
         "BEGIN; LOCK TABLE customers IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(14); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    b.CLEANUP.push("lock holder", holder.kill)
    time.sleep(1)
    path = f"/api/v1/organizations/{organization}/customers?page_size=25"
    answers: list[tuple[int, float]] = []
    threads = [threading.Thread(target=lambda: answers.append(request(base, path, token)[::3]))
               for _ in range(20)]
    for thread in threads:
        thread.start()
    query = json.dumps({"query": "query($o: UUID!) { customers(organizationUuid: $o) { totalCount } }",
                        "variables": {"o": organization}}).encode()
    g_status, g_headers, g_body, _ = request(base, "/graphql", token, query,
                                             accept="application/graphql-response+json")
    for thread in threads:
        thread.join(timeout=40)
    report("3 locked table", "20 requests: statuses, slowest",
           f"{sorted({a[0] for a in answers})}, {max(a[1] for a in answers):.2f} s")
    time.sleep(0.5)
    waiting = pg.rows("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")[0][0]
    report("3 locked table", "our statements still waiting on the lock 0.5 s later", waiting)
    status, _, _, took = request(base, "/readyz", timeout=20)
    report("3 locked table", "/readyz while the lock is held", f"HTTP {status} in {took:.2f} s")
    unrelated = json.dumps({"query": "query($o: UUID!) { organization(uuid: $o) { name } }",
                            "variables": {"o": organization}}).encode()
    status, _, _, took = request(base, "/graphql", token, unrelated, timeout=20)
    report("3 locked table", "a GraphQL query on another table", f"HTTP {status} in {took:.2f} s")
    try:
        shape = "GraphQL" if "errors" in json.loads(g_body) else "REST"
    except ValueError:
        shape = "not JSON"
    report("3 locked table", "/graphql's answer under the lock (graphql-response+json asked)",
           f"HTTP {g_status}, {shape} shape, Content-Type {g_headers.get('Content-Type') or g_headers.get('content-type')}, "
           f"Retry-After {g_headers.get('Retry-After') or g_headers.get('retry-after') or 'none'}")
    holder.wait(timeout=30)
    service.stop()


def memory(binary: Path, url: str, organization: str, token: str, work: Path, label: str,
           clients: tuple[int, ...]) -> None:
    service, base, _ = start(binary, url, work, f"memory-{label}")
    body = b.graphql_body(b.BENCH / "queries" / "q1.graphql", organization).replace(b"pageSize: 25", b"pageSize: 100")
    q1 = b.Request("Q1", "", "POST", "/graphql", body, token)
    status, _ = q1.send(base)
    for count in clients:
        b.reset_peak(service.pid)
        run = b.wrk_run(base, q1, count, 10, work)
        peak = b.memory_mib(service.pid)["VmHWM"]
        refused = run["status_errors"]
        report(f"4 memory ({label})", f"Q1 pageSize 100, {count} clients: peak RSS, answers/s, 2xx / 503",
               f"{peak:.0f} MiB, {run['rps']:.1f}/s, {run['requests'] - refused} / {refused}"
               + (f", {run['errors'] - refused} connection errors" if run["errors"] - refused else ""))
    service.stop()


def small_server(binary: Path, work: Path, organization_of) -> None:
    pg = Cluster(b.pg_bin_dir(), "128MB")
    pg.settings["max_connections"] = "10"
    pg.start()
    organization, token, _ = b.seed(pg.url(), SimpleNamespace(customers=200, feedbacks_per_customer=2), "small")
    service, base, _ = start(binary, pg.url(), work, "small")
    q2 = b.Request("Q2", "", "GET", f"/api/v1/organizations/{organization}/customers?page_size=25", None, token)
    load = threading.Thread(target=lambda: b.wrk_run(base, q2, 32, 6, work))
    load.start()
    time.sleep(3)
    try:
        pg.psql("SELECT 1")
        admin = "gets in"
        ours = pg.rows("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                       "AND pid <> pg_backend_pid()")[0][0]
    except b.BenchError as error:
        admin = "refused: " + str(error).splitlines()[-1][:80]
        ours = "every slot (nobody else could connect to count)"
    load.join(timeout=30)
    report("5 small server", "max_connections 10, 32 clients: connections the gateway holds", ours)
    report("5 small server", "a superuser's psql during the load", admin)
    service.stop()
    pg.stop()


def failover(binary: Path, pg: Cluster, organization: str, token: str, work: Path) -> None:
    service, base, _ = start(binary, pg.url(), work, "failover")
    path = f"/api/v1/organizations/{organization}/customers?page_size=25"
    threads = [threading.Thread(target=lambda: request(base, path, token)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    killed = pg.rows("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE datname = 'bench' AND pid <> pg_backend_pid()")[0][0]
    time.sleep(0.3)
    failed = sum(request(base, path, token)[0] != 200 for _ in range(20))
    report("6 failover", f"{killed} pooled connections killed: errors among the next 20 reads", str(failed))
    service.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, required=True)
    parser.add_argument("--label", default=None)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--only", help="comma-separated fault numbers to run (default: all)")
    args = parser.parse_args()
    b.BINARY = args.binary.resolve()
    only = set((args.only or "1,2,3,4,5,6").split(","))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, b.on_signal)
    work = Path(tempfile.mkdtemp(prefix="customer-graph-faults."))
    try:
        if "1" in only:
            connections(b.BINARY, work)
        if only & {"2", "3", "4", "6"}:
            pg = Cluster(b.pg_bin_dir(), "256MB")
            pg.start()
            data = SimpleNamespace(customers=2000, feedbacks_per_customer=10)
            organization, token, _ = b.seed(pg.url(), data, "PostgreSQL")
            pg.psql("VACUUM ANALYZE")
            if "6" in only:
                failover(b.BINARY, pg, organization, token, work)
            if "3" in only:
                locked(b.BINARY, pg, organization, token, work)
            if "4" in only:
                memory(b.BINARY, pg.url(), organization, token, work, "PostgreSQL", (50, 200, 400))
                sqlite = f"sqlite://{work / 'faults.db'}?mode=rwc"
                org_s, token_s, _ = b.seed(sqlite, data, "SQLite")
                memory(b.BINARY, sqlite, org_s, token_s, work, "SQLite", (200, 400))
            if "2" in only:
                outage(b.BINARY, pg, organization, token, work)
        if "5" in only:
            small_server(b.BINARY, work, None)
    finally:
        b.CLEANUP.run()
        shutil.rmtree(work, ignore_errors=True)
        write(args)
    return 0


def write(args: argparse.Namespace) -> None:
    label = args.label or str(args.binary)
    text = "\n".join([f"Faults of issue 16 against `{label}`", "", "| fault | measure | value |",
                      "|---|---|---|", *LINES, ""])
    print(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    sys.exit(main())

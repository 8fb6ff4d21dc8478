"""Kiosk job list at county scale with 20 terminals at once, served by gunicorn.

Run from the repository root:  python scripts/bench/bench_kiosk.py [--terminals 20] [--requests 40]

Builds the demo county (``jobmatch.demo``, ~96,000 people, ~3,000 open postings) into a temporary
SQLite database (``--keep DIR`` keeps it, ``--reuse DIR`` times an existing one), pairs one
terminal per site for ``--terminals`` sites, and starts ``gunicorn "jobmatch:create_app()"``
(``--workers`` processes × ``--threads`` threads, gthread). Each terminal is one client thread
with its own connection and cookies; it identifies a different job seeker through the real
pages (GET the keypad page, POST ID number + last four phone digits) and opens the job list —
that first list ranks the person with the matching engine and is reported separately. Then all
terminals at once request the job list ``--requests`` times each, cycling the filters 全部 /
家门口 / 公益岗位 / 外出务工 (the first 外出务工 of each visit ranks again, lifting the place
preference; later ones read the visit's stored ranking). Prints p50 / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import benchlib

FILTERS = ["", "?f=near", "?f=welfare", "?f=away"]


def report(label: str, samples: list[float]) -> None:
    benchlib.report(label, samples, width=44)


class Terminal:
    """One kiosk: a keep-alive connection and its own cookie jar."""

    def __init__(self, port: int, terminal_cookie: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies = {"jobmatch_kiosk_terminal": terminal_cookie}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # the server closed an idle keep-alive connection: open a new one
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                val = rest.split(";", 1)[0]
                if val:
                    self.cookies[key] = val
                else:
                    self.cookies.pop(key, None)
        return response.status, text, dict(response.getheaders())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--requests", type=int, default=40, help="job-list requests per terminal")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a person looks at a list before the next tap (0: back to back)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=10)
    benchlib.run_demo_bench(parser, bench, env={"JOBMATCH_KIOSK_LOOKUP_MAX_FAILURES": "1000"})


def bench(app, args) -> None:
    import sqlalchemy as sa

    from jobmatch.extensions import db
    from jobmatch.jobs.enums import PostingStatus
    from jobmatch.jobs.models import Posting
    from jobmatch.kiosk import services as kiosk
    from jobmatch.kiosk.models import KioskTerminal
    from jobmatch.kiosk.views import terminal_cookie_value
    from jobmatch.people.enums import EmploymentStatus, LaborCapacity
    from jobmatch.people.models import Person
    from jobmatch.places.models import Site
    from jobmatch.protect import protector

    rng = random.Random(args.seed)
    with app.app_context():
        people = benchlib.count(Person)
        postings = benchlib.count(Posting, Posting.status == PostingStatus.OPEN)
        print(f"{people:,} people, {postings:,} open postings; {args.terminals} terminals, gunicorn "
              f"{args.workers} workers × {args.threads} threads")
        clerk = benchlib.county_reviewer()
        db.session.execute(sa.update(KioskTerminal).values(revoked_at=sa.func.now()))
        sites = db.session.scalars(sa.select(Site).order_by(Site.id)).all()
        terminals = []
        for i in range(args.terminals):
            site = sites[i % len(sites)]
            terminal, token = kiosk.pair_terminal(site, f"测速终端{i + 1}", actor=clerk)
            seekers = db.session.scalars(sa.select(Person).where(
                Person.site_id == site.id, Person.phone_enc.is_not(None),
                Person.labor_capacity != LaborCapacity.NONE,
                Person.employment_status == EmploymentStatus.UNEMPLOYED).limit(200)).all()
            person = rng.choice(seekers)
            p = protector()
            terminals.append((terminal_cookie_value(token), p.decrypt(person.id_number_enc),
                              p.decrypt(person.phone_enc)[-4:]))
        db.session.commit()
        db.engine.dispose()

    port = free_port()
    env = dict(os.environ)
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-k", "gthread", "-w", str(args.workers),
         "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "300",
         "jobmatch:create_app()"], cwd=str(benchlib.ROOT), env=env)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        clients = [Terminal(port, cookie) for cookie, _, _ in terminals]
        started = time.perf_counter()
        first_lists: list[float] = []
        identify_ms: list[float] = []
        errors: list[str] = []

        def visit(i: int) -> None:
            c = clients[i]
            _cookie, id_number, tail = terminals[i]
            if "jobmatch_kiosk_visit" in c.cookies:
                c.request("POST", "/kiosk/end", {})
            status, html, _ = c.request("GET", "/kiosk/identify")
            found = re.search(r'name="csrf_token" value="([^"]+)"', html)
            if found is None:
                errors.append(f"identify page {status}")
                return
            token = found.group(1)
            t = time.perf_counter()
            status, _, headers = c.request("POST", "/kiosk/identify",
                                           {"csrf_token": token, "id_number": id_number, "phone_tail": tail})
            identify_ms.append(1000 * (time.perf_counter() - t))
            if status != 302:
                errors.append(f"identify {status}")
                return
            t = time.perf_counter()
            status, html, _ = c.request("GET", "/kiosk/jobs")
            first_lists.append(1000 * (time.perf_counter() - t))
            if status != 200:
                errors.append(f"first list {status}")

        for _round in range(2):  # the first round builds each worker's engine; the second is timed
            first_lists.clear()
            identify_ms.clear()
            threads = [threading.Thread(target=visit, args=(i,)) for i in range(len(clients))]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
        print(f"server warm and {len(clients)} visits started in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        if errors:
            raise SystemExit(f"errors: {errors[:5]}")

        samples: list[float] = []
        away_first: list[float] = []
        cards: list[int] = []
        lock = threading.Lock()
        barrier = threading.Barrier(len(clients))

        def browse(i: int) -> None:
            c = clients[i]
            pause = random.Random(args.seed + i)
            barrier.wait()
            for k in range(args.requests):
                if args.think and k:
                    time.sleep(pause.uniform(0.5, 1.5) * args.think)
                path = "/kiosk/jobs" + FILTERS[(k + i) % len(FILTERS)]
                first_away = path.endswith("away") and not any(
                    FILTERS[(j + i) % len(FILTERS)].endswith("away") for j in range(k))
                t = time.perf_counter()
                status, html, _ = c.request("GET", path)
                ms = 1000 * (time.perf_counter() - t)
                with lock:
                    if status != 200 or "jobcard" not in html and "no-jobs" not in html:
                        errors.append(f"{path} {status}")
                    (away_first if first_away else samples).append(ms)
                    cards.append(html.count('class="jobcard"'))

        started = time.perf_counter()
        threads = [threading.Thread(target=browse, args=(i,)) for i in range(len(clients))]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - started
        if errors:
            raise SystemExit(f"errors: {errors[:5]}")
        report("POST /kiosk/identify (20 at once)", identify_ms)
        report("first GET /kiosk/jobs of a visit (ranks)", first_lists)
        report("first 外出务工 of a visit (ranks again)", away_first)
        report(f"GET /kiosk/jobs, {len(clients)} terminals at once"
               + (f" (think {args.think:g} s)" if args.think else " (back to back)"), samples)
        print(f"{len(samples) + len(away_first)} job lists in {wall:.1f} s "
              f"({(len(samples) + len(away_first)) / wall:.0f}/s); cards per list median {statistics.median(cards):.0f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

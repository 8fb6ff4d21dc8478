"""What the benchmark scripts under ``scripts/bench/`` share.

The scripts run as ``python scripts/bench/X.py`` from the repository root, so their own folder is
on ``sys.path`` and ``import benchlib`` finds this module; importing it puts the repository root
on ``sys.path`` too (for ``tests`` helpers and a checkout without ``pip install -e``).

- the instance folder: a temporary one, ``--keep DIR`` (build into it and keep it) or
  ``--reuse DIR`` (time it without rebuilding), with the environment a benchmark runs in
  (:func:`run_demo_bench`, :func:`add_demo_options`, :func:`demo_app`, :func:`bench_app`);
- the demo county built into it (:func:`build_demo`);
- timing (:func:`timed`, :func:`timed_each`: wall clock and CPU time of this process, in ms),
  percentiles and the report lines;
- signing in through a test client (:func:`login`), a row count, the county reviewer, load average.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Samples = tuple[list[float], list[float]]  # wall clock, CPU time; ms


# ---- instance folder, environment, app, demo ---------------------------------------------------


def add_demo_options(parser: argparse.ArgumentParser) -> None:
    """``--scale``, ``--seed`` of the demo and ``--keep DIR`` / ``--reuse DIR`` (see :func:`demo_app`)."""
    parser.add_argument("--scale", choices=["site", "county"], default="county")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="build into this folder and keep it")
    parser.add_argument("--reuse", help="time an existing instance folder (no rebuild)")


def instance_env(folder: Path, **extra: str) -> None:
    """Point the app at ``folder`` (its SQLite database) with bench keys, never at a server database."""
    os.environ.update(JOBMATCH_INSTANCE_PATH=str(folder), JOBMATCH_COOKIE_SECURE="false", **extra)
    os.environ.setdefault("JOBMATCH_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("JOBMATCH_DATA_KEY", "bench-data-key-0123456789")
    os.environ.pop("JOBMATCH_DATABASE_URL", None)


def build_demo(scale: str, seed: int, skip_steps: tuple[str, ...] = ()) -> None:
    """Build the demo (``jobmatch.demo``) in the current app context and commit; progress on stderr.

    ``skip_steps`` names demo steps (functions in ``DEMO_STEPS``) left out, e.g. one a bench times itself.
    """
    from jobmatch.demo import DEMO_STEPS
    from jobmatch.demo import build_demo as build
    from jobmatch.extensions import db

    DEMO_STEPS[:] = [step for step in DEMO_STEPS if step.__name__ not in skip_steps]
    started = time.perf_counter()
    build(scale=scale, seed=seed, echo=lambda m: print(f"  {m}", file=sys.stderr))
    db.session.commit()
    print(f"demo {scale} built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


@contextmanager
def bench_app(keep: str | None = None, reuse: str | None = None, *, scale: str = "county", seed: int = 7,
              skip_steps: tuple[str, ...] = (), prefix: str = "jobmatch-bench-", env: dict[str, str] | None = None,
              **config) -> Iterator:
    """The app over an instance folder with the demo in it; the folder is removed afterwards if temporary.

    The folder is ``reuse`` or ``keep`` or a new temporary one. The schema is upgraded to the head;
    the demo is built unless ``reuse`` is given or the database already has people (a ``keep``
    folder built before), without ``skip_steps`` (see :func:`build_demo`). ``env`` adds environment
    variables; ``config`` goes to ``create_app``.
    """
    temporary = not (reuse or keep)
    folder = Path(reuse or keep or tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    instance_env(folder, **(env or {}))

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from jobmatch import create_app
    from jobmatch.extensions import db
    from jobmatch.people.models import Person

    app = create_app(**config)
    try:
        with app.app_context():
            upgrade()
            if not reuse and db.session.scalar(sa.select(Person.id).limit(1)) is None:
                build_demo(scale, seed, skip_steps)
        yield app
    finally:
        if temporary:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"database kept in {folder}")


def demo_app(args: argparse.Namespace, **options):
    """:func:`bench_app` for the options of :func:`add_demo_options`."""
    return bench_app(args.keep, args.reuse, scale=args.scale, seed=args.seed, **options)


def run_demo_bench(parser: argparse.ArgumentParser, bench: Callable, **options) -> None:
    """Add :func:`add_demo_options` to ``parser``, parse, and call ``bench(app, args)`` in :func:`demo_app`."""
    add_demo_options(parser)
    args = parser.parse_args()
    with demo_app(args, **options) as app:
        bench(app, args)


def count(model, *where) -> int:
    """Rows of ``model`` (matching ``where``) in the current app context."""
    import sqlalchemy as sa

    from jobmatch.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def county_reviewer():
    import sqlalchemy as sa

    from jobmatch.accounts.models import Role, User
    from jobmatch.extensions import db

    return db.session.scalar(sa.select(User).where(User.role == Role.COUNTY_REVIEWER))


def login(client, username: str, password: str | None = None) -> None:
    """Sign in through the login form (with its CSRF token when the app has CSRF on)."""
    if password is None:
        from jobmatch.demo import DEMO_PASSWORD as password
    data = {"username": username, "password": password}
    found = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', client.get("/login").get_data(as_text=True))
    if found:
        data["csrf_token"] = found.group(1)
    response = client.post("/login", data=data)
    assert response.status_code == 302, f"login as {username} failed ({response.status_code})"


# ---- timing and figures ------------------------------------------------------------------------


def timed_each(fn: Callable, items: Iterable, *, before: Callable | None = None,
               after: Callable | None = None) -> Samples:
    """Wall-clock and CPU time (this process; SQLite runs in it) of ``fn(item)`` for each item, in ms.

    ``before`` and ``after`` run around each call, outside the timing.
    """
    wall, cpu = [], []
    for item in items:
        if before is not None:
            before()
        t, c = time.perf_counter(), time.process_time()
        fn(item)
        wall.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
        if after is not None:
            after()
    return wall, cpu


def timed(fn: Callable, runs: int, *, before: Callable | None = None, after: Callable | None = None) -> Samples:
    """Wall-clock and CPU time of ``runs`` calls of ``fn()``, in ms (see :func:`timed_each`)."""
    return timed_each(lambda _: fn(), range(runs), before=before, after=after)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) by nearest rank: one of the values, no interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def percentile_ms(seconds, q: float) -> float:
    """numpy's (interpolated) ``q`` percentile (0 to 100) of times in seconds, in ms."""
    import numpy as np

    return float(np.percentile(np.asarray(seconds) * 1000, q))


def report(label: str, samples: list[float], *, width: int = 40, digits: int = 7, show_max: bool = True,
           extra: str = "") -> None:
    """``label  p50 … ms   p95 … ms   [max … ms]   (n=…)`` of wall-clock samples in ms."""
    most = f"   max {max(samples):{digits}.1f} ms" if show_max else ""
    print(f"{label:<{width}} p50 {statistics.median(samples):{digits}.1f} ms   "
          f"p95 {percentile(samples, 0.95):{digits}.1f} ms{most}   (n={len(samples)}{extra})")


def report_wall_cpu(label: str, samples: Samples, *, width: int = 40) -> None:
    """Wall clock p50 / p95 / max and CPU time p50 / p95 of :func:`timed` samples."""
    wall, cpu = samples
    print(f"{label:<{width}} wall p50 {statistics.median(wall):7.1f} ms  p95 {percentile(wall, 0.95):7.1f} ms"
          f"  max {max(wall):7.1f} ms | cpu p50 {statistics.median(cpu):6.1f} ms  p95 {percentile(cpu, 0.95):6.1f} ms"
          f"  (n={len(wall)})")


def load_average() -> float:
    """The one-minute load average (other processes on a shared machine slow every figure)."""
    return os.getloadavg()[0]


def load_averages() -> str:
    """The 1, 5 and 15 minute load averages, ``"1.23, 1.10, 0.98"``."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())

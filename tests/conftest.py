"""Fixtures: a fresh migrated database per test (SQLite, or PostgreSQL when
``JOBMATCH_TEST_DATABASE_URL`` names one), ``app``, ``client``, ``runner``, ``login_as``,
and a live server with headless Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from jobmatch import create_app
from jobmatch.config import TestingConfig
from jobmatch.extensions import db

PG_URL = os.environ.get("JOBMATCH_TEST_DATABASE_URL", "").strip()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("JOBMATCH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pytest_report_header(config):
    return f"jobmatch database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}; CI={IN_CI}"


def _migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def _database(tmp_path_factory):
    """Run the real Alembic migrations once; yield a factory of fresh-database settings."""
    if PG_URL:
        schema = f"jmtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
        settings = {"SQLALCHEMY_DATABASE_URI": PG_URL, "SQLALCHEMY_ENGINE_OPTIONS": options}
        app = create_app(TestingConfig, INSTANCE_PATH=str(tmp_path_factory.mktemp("instance")), **settings)
        _migrate(app)
        with app.app_context():
            tables = [t.name for t in db.metadata.sorted_tables]
            db.engine.dispose()  # an undisposed pool leaves a connection to be closed at exit (a ResourceWarning)
        engine = sa.create_engine(PG_URL, **options)
        truncate = sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")

        def fresh(tmp_path: Path) -> dict:
            with engine.begin() as conn:
                conn.execute(truncate)
            return settings

        yield fresh
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        template = tmp_path_factory.mktemp("template") / "template.sqlite"
        app = create_app(TestingConfig, INSTANCE_PATH=str(template.parent),
                         SQLALCHEMY_DATABASE_URI=f"sqlite:///{template}")
        _migrate(app)
        with app.app_context():
            db.engine.dispose()

        def fresh(tmp_path: Path) -> dict:
            target = tmp_path / "test.sqlite"
            shutil.copyfile(template, target)
            return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"}

        yield fresh


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own ``g`` and DB session), as in production.

    Without this, requests would reuse the app context the ``app`` fixture keeps pushed,
    sharing ``g`` and the session between requests and hiding real bugs.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(_database, tmp_path):
    """An app bound to a fresh, fully migrated database."""
    settings = _database(tmp_path)
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app(TestingConfig, INSTANCE_PATH=str(instance), **settings)
    app.test_client_class = IsolatedClient
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app, client):
    """Create a user with a role and area, sign in through /login, return the user."""
    from tests.factories import PASSWORD, make_user

    def login(role: str, area: str | None = None, username: str | None = None, c=None):
        user = make_user(role, area, username=username)
        c = c or client
        page = c.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        response = c.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return login


def csrf_token_from(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


# --- browser ----------------------------------------------------------------------------------

@pytest.fixture
def live_server(app):
    """The app served by a real WSGI server on 127.0.0.1 in a background thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (run scripts/test to install it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, request):
    """A fresh browser context and page; a screenshot is saved when the test fails."""
    context = _browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may skip silently: a skipped test fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} 个测试被跳过，CI 中不允许跳过", red=True)
        session.exitstatus = 1

"""jobmatch: 易地扶贫搬迁劳动力就业服务平台."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request

from jobmatch.config import Config

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def create_app(config: type | object | None = None, **overrides) -> Flask:
    """Build the application: settings, extensions, blueprints, error pages, CLI."""
    from jobmatch import models  # noqa: F401  (registers every table on the metadata)
    from jobmatch.accounts.services import load_session
    from jobmatch.cli import register_commands
    from jobmatch.database import tune_sqlite
    from jobmatch.errors import register_error_handlers
    from jobmatch.extensions import csrf, db, login_manager, migrate
    from jobmatch.protect import Protector
    from jobmatch.templating import register_template_helpers

    config = config or Config
    app = Flask(__name__, instance_path=getattr(config, "INSTANCE_PATH", None) or Config.INSTANCE_PATH,
                instance_relative_config=False)
    app.config.from_object(config)
    app.config.update(overrides)
    for key in ("SECRET_KEY", "DATA_KEY"):
        if not app.config.get(key):
            raise RuntimeError(
                f"缺少 JOBMATCH_{key}：请设置环境变量，或运行 scripts/run 在实例目录中生成（不提供默认的生产密钥）"
            )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "basic"
    app.extensions["jobmatch.protector"] = Protector(app.config["DATA_KEY"])

    with app.app_context():
        tune_sqlite(db.engine)

    @login_manager.user_loader
    def _load_user(token: str):
        return load_session(token)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        if response.mimetype == "text/html" or request.path.startswith("/api/"):
            # pages carry personal data and may be opened on shared computers
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def _persist_session_touch(exc):
        if exc is None and g.pop("session_touched", False):
            try:
                db.session.commit()
            except Exception:  # a failed touch must never break the response
                db.session.rollback()

    register_error_handlers(app)
    register_template_helpers(app)
    _register_blueprints(app)
    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    import jobmatch.staff.occupation_views  # noqa: F401  (adds 职业分布 to the staff blueprint)
    from jobmatch.accounts.views import bp as auth_bp
    from jobmatch.api import monitoring_views  # noqa: F401  (adds the indicator endpoints to the API blueprint)
    from jobmatch.api.views import bp as api_bp
    from jobmatch.broker.views import bp as broker_bp
    from jobmatch.kiosk import desk_views  # noqa: F401  (adds the kiosk queues to the staff and broker blueprints)
    from jobmatch.kiosk.views import bp as kiosk_bp
    from jobmatch.matching import api_views, staff_views  # noqa: F401  (matching API endpoints and staff pages)
    from jobmatch.staff import jobs_views  # noqa: F401  (adds the job pages to the staff blueprint)
    from jobmatch.staff.training_views import bp as training_bp
    from jobmatch.staff.views import bp as staff_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(broker_bp)
    from jobmatch.monitoring.episodes import connect as watch_register
    from jobmatch.staff.monitoring_views import bp as monitoring_bp

    app.register_blueprint(monitoring_bp)
    watch_register()
    app.register_blueprint(kiosk_bp)

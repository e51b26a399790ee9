"""精康转介平台 — the application factory."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from referral.config import INSTANCE_DIR, PROJECT_ROOT, embedded_secret_key, normalise_database_url
from referral.extensions import babel, csrf, db, limiter, login_manager, migrate
from referral.filemodes import private_file

CONFIGS = {
    "production": "referral.config.ProductionConfig",
    "development": "referral.config.DevelopmentConfig",
    "testing": "referral.config.TestingConfig",
}


def create_app(config: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True,
                template_folder=str(PROJECT_ROOT / "templates"))
    config = config or os.environ.get("REFERRAL_CONFIG", "production")
    app.config.from_object(CONFIGS.get(config, config))
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.from_prefixed_env("REFERRAL")
    app.config.update(overrides)
    configure_database(app)
    configure_secret_key(app)
    from referral.crypto.keys import configure_data_keys

    configure_data_keys(app, INSTANCE_DIR)  # no data key on a server database: refuse to start, saying why
    from referral.calendar import check_deadline_config

    check_deadline_config(app.config)  # a typo in a province's deadline profile stops start-up, not a page
    from referral.cases.eligibility import check_eligibility_config

    check_eligibility_config(app.config)  # and so does one in its eligibility profile

    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_PROTO"])

    app.json.ensure_ascii = False  # Chinese stays readable in API answers and audit summaries
    register_extensions(app)
    from referral.guards import register_guards

    register_guards(app)  # before the blueprints: their <int:…> rules take the bounded converter
    register_blueprints(app)
    from referral.errors import register_error_handlers

    register_error_handlers(app)
    register_request_hooks(app)
    register_calendar(app)
    from referral import tasks

    tasks.init_app(app)
    tasks.import_all_tasks()
    from referral.cli import register_commands

    register_commands(app)
    return app


def configure_database(app: Flask) -> None:
    uri = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory:"):
        # The embedded default's database file: 0600 in a 0700 directory when we create it (referral/filemodes.py;
        # SQLite gives its journal and WAL files the database file's mode).
        path = Path(uri[len("sqlite:///"):].split("?", 1)[0])
        if not path.exists():
            private_file(path)
    if uri.startswith("sqlite"):
        # SQLite needs no pool pings; and a waiting writer should wait, not fail, on a busy file.
        opts = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        opts.pop("pool_pre_ping", None)
        opts.setdefault("connect_args", {"timeout": 15})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts


def configure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SECRET_KEY"] = embedded_secret_key()
        return
    raise RuntimeError("SECRET_KEY (or REFERRAL_SECRET_KEY) must be set when DATABASE_URL points to a server: "
                       "every app server must share one key. Generate one with: python -c "
                       "'import secrets; print(secrets.token_hex(32))'")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked, per connection (CTFd does the same).
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def select_locale():
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI: messages in the default language
        return languages[0]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or languages[0]
    return languages[0]  # Chinese first: English only when asked for


def import_all_models():
    """Import every feature's models so that metadata is complete (here, not in referral/models.py, which
    the feature models import: the shared column types must not depend on the features)."""
    from referral.attachments import models as _attachments  # noqa: F401
    from referral.audit import models as _audit  # noqa: F401
    from referral.auth import models as _auth  # noqa: F401
    from referral.calendar import models as _calendar  # noqa: F401
    from referral.cases import models as _cases  # noqa: F401
    from referral.demand import models as _demand  # noqa: F401
    from referral.divisions import models as _divisions  # noqa: F401
    from referral.documents import models as _documents  # noqa: F401
    from referral.notifications import models as _notifications  # noqa: F401
    from referral.purchases import models as _purchases  # noqa: F401
    from referral.registries import models as _registries  # noqa: F401
    from referral.stats import rollup as _stats_rollup  # noqa: F401  (its model, and its upkeep on every flush)
    from referral.supervision import models as _supervision  # noqa: F401
    from referral.users import models as _users  # noqa: F401


def _request_translations():
    """This request's catalogue, looked up once per locale: Flask-Babel's own ``get_translations`` walks its
    context on each of a page's ~80 strings (a tenth of a page's time, docs/architecture.md#speed). Keyed on
    the locale object Flask-Babel holds, so ``force_locale`` (the PDFs, the e-mails) still switches."""
    from flask_babel import get_translations

    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    cached = g.get("_template_translations")
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    found = get_translations()
    # get_translations() may have just set the locale: key the cache on the one it used.
    g._template_translations = (getattr(g.get("_flask_babel"), "babel_locale", None), found)
    return found


def _install_template_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n))


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    import_all_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PROJECT_ROOT / "referral" / "translations"))
    limiter.init_app(app)
    _install_template_gettext(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_token: str):
        # The cookie holds a server-side session's token: ended, idle or expired sessions sign nobody in
        # (referral/auth/sessions.py, docs/domain.md#sessions).
        from referral.auth.sessions import load_session_user

        return load_session_user(session_token)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for

        from referral.errors import error_response, wants_json

        if wants_json():
            return error_response(401)
        if not g.get("session_ended"):  # the request gate said "登录已超时" already
            flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def register_blueprints(app: Flask) -> None:
    # Views are imported here, not by their packages, so models and services import without pulling in
    # every view (and without import cycles).
    import referral.audit.views  # noqa: F401
    import referral.auth.views  # noqa: F401
    import referral.cases.public  # noqa: F401
    import referral.cases.views  # noqa: F401
    import referral.demand.views  # noqa: F401
    import referral.divisions.views  # noqa: F401
    import referral.documents.views  # noqa: F401
    import referral.home.views  # noqa: F401
    import referral.notifications.views  # noqa: F401
    import referral.purchases.views  # noqa: F401
    import referral.registries.directory  # noqa: F401
    import referral.registries.views  # noqa: F401
    import referral.stats.views  # noqa: F401
    import referral.supervision.views  # noqa: F401
    import referral.users.views  # noqa: F401
    from referral.api import register_api
    from referral.audit import bp as audit_bp
    from referral.auth import bp as auth_bp
    from referral.cases import bp as cases_bp
    from referral.demand import bp as demand_bp
    from referral.divisions import bp as divisions_bp
    from referral.documents import bp as documents_bp
    from referral.home import bp as home_bp
    from referral.notifications import bp as notifications_bp
    from referral.purchases import bp as purchases_bp
    from referral.registries import bp as registries_bp
    from referral.stats import bp as stats_bp
    from referral.supervision import bp as supervision_bp
    from referral.users import bp as users_bp

    for bp in (home_bp, auth_bp, users_bp, divisions_bp, audit_bp, registries_bp, supervision_bp, cases_bp,
               documents_bp, notifications_bp, demand_bp, stats_bp, purchases_bp):
        app.register_blueprint(bp)
    register_api(app)


def register_calendar(app: Flask) -> None:
    """Count with the official schedules entered as data (docs/domain.md#deadlines): read at start, and again
    at most once a minute per process, so a schedule entered through one worker reaches the others."""
    import time

    from sqlalchemy.exc import SQLAlchemyError

    from referral.calendar import use_official_schedules
    from referral.calendar.services import load_official_schedules

    state = {"loaded_at": float("-inf")}

    def refresh():
        try:
            load_official_schedules()
        except SQLAlchemyError:  # no schema yet (before `flask db upgrade`): weekdays and the package
            db.session.rollback()
            use_official_schedules({})
        state["loaded_at"] = time.monotonic()

    use_official_schedules({})  # nothing of another app (a test's) carries over in this process
    with app.app_context():
        refresh()

    @app.before_request
    def refresh_calendar():
        if time.monotonic() - state["loaded_at"] > 60:
            refresh()


def _calendar_gap(user) -> int | None:
    """The year officials must be warned of (no official schedule within 60 days), for those who count
    deadlines or enter the schedule."""
    from referral.auth.permissions import Role
    from referral.calendar import first_uncovered_year, today_in_china

    if not getattr(user, "is_authenticated", False) or not user.has_role(
            Role.SYSADMIN, Role.PROVINCE_OFFICIAL, Role.CITY_OFFICIAL, Role.COUNTY_OFFICIAL, Role.REFERRAL_OFFICER):
        return None
    return first_uncovered_year(today_in_china())


def register_request_hooks(app: Flask) -> None:
    from referral.navigation import navigation_for

    @app.get("/ping")
    def ping():
        """Liveness for a proxy or a load balancer, and the benchmark's floor (bench/scale): the app's own
        stack — WSGI, routing, the request hooks, the headers — with no database and no session."""
        return app.response_class("ok\n", mimetype="text/plain")

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex

    @app.after_request
    def security_headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Everything is served by the app itself: no CDN, no inline script.
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
        return response

    from referral.attachments.services import size_label

    app.add_template_filter(size_label, "filesize")
    from forms.fields import DivisionPicker
    from referral.divisions.picker import picker_lists

    DivisionPicker.source = staticmethod(picker_lists)  # forms query nothing: the app lends them the lists
    from workflows.approval import ApprovalState
    from workflows.change_request import ChangeState

    # The registry badges' labels, from the states' own definitions (templates/_macros/registry.html).
    app.jinja_env.globals["registry_state_labels"] = {s.value: s.label for s in (*ChangeState, *ApprovalState)}

    def _unread_notifications() -> int:
        """The bell's count: one COUNT on (user_id, read_at), only when the header is drawn."""
        from flask_login import current_user

        from referral.notifications.services import unread_count

        return unread_count(current_user) if getattr(current_user, "is_authenticated", False) else 0

    @app.context_processor
    def layout_context():
        from flask_babel import get_locale
        from flask_login import current_user

        size = request.cookies.get("text_size")
        return {
            "calendar_gap": _calendar_gap(current_user),
            "nav_items": navigation_for(current_user),
            "text_size": size if size in ("large", "larger") else "normal",
            "current_locale": str(get_locale()),
            "unread_notifications": _unread_notifications,
        }

"""JSON API under /api/v1 (docs/domain.md#api-contract). Bearer tokens only: a browser's session cookie does not
authenticate here, so the API needs no CSRF token and cannot be driven by a forged page."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_api(app):
    # Feature modules register their operations on `bp` when imported.
    from referral.api import openapi  # noqa: F401
    from referral.auth import api as _auth_api  # noqa: F401
    from referral.calendar import api as _calendar_api  # noqa: F401
    from referral.cases import api as _cases_api  # noqa: F401
    from referral.divisions import api as _divisions_api  # noqa: F401
    from referral.documents import api as _documents_api  # noqa: F401
    from referral.extensions import csrf
    from referral.notifications import api as _notifications_api  # noqa: F401
    from referral.purchases import api as _purchases_api  # noqa: F401
    from referral.registries import api as _registries_api  # noqa: F401
    from referral.stats import api as _stats_api  # noqa: F401
    from referral.users import api as _users_api  # noqa: F401

    csrf.exempt(bp)
    app.register_blueprint(bp)

"""The one module-level app: ``gunicorn wsgi:app``, ``flask --app wsgi …``."""

from referral import create_app

app = create_app()

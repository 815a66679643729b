"""WSGI entry point for gunicorn: `gunicorn 'webhooks.wsgi:app'`."""

from webhooks import create_app

app = create_app()

"""WSGI entry point for gunicorn: `gunicorn 'webhooks.wsgi:app'`."""

from webhooks import create_app
from webhooks.serving import settle

app = create_app()
settle(app.extensions["appeals_runtime"])

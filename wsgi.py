"""Production entry point (gunicorn wsgi:app): refuses to start if a loaded module is not installed."""

from app import create_app

app = create_app()

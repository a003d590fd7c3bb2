"""``cosyn serve``: a local web app from a spreadsheet to the synergy report.

Needs the ``web`` extra (``pip install 'cosyn[web]'``): FastAPI, uvicorn,
python-multipart and tomli-w.
"""

from cosyn.web.app import create_app, is_loopback, serve

__all__ = ["create_app", "is_loopback", "serve"]

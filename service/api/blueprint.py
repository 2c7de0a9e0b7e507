"""The JSON API's blueprint, in a module of its own so that every route module can add to it
without importing the package that imports them (``service/api/__init__.py``)."""

from flask import Blueprint

bp = Blueprint("api", "service.api")

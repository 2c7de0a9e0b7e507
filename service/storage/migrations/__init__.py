"""Alembic migrations of the service's database (run by ``service.storage.database.upgrade``).

A new migration: write ``versions/NNNN_what.py`` by hand (copy the newest one; ``revision`` is its
``NNNN``, ``down_revision`` the previous one), change ``service/storage/models.py`` to match, and
run ``pytest tests/storage``: a test fails while the models and the migrations differ.
"""

"""Storage shared by every process of the service: the relational database (``database.py``)."""

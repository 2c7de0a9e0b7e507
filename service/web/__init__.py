"""The web layer's shared parts: settings at run time, errors to HTTP, logs, headers, metrics.

Kept free of heavy imports so that ``service.gunicorn_conf`` can set up Prometheus's
multiprocess mode before anything imports ``prometheus_client``.
"""

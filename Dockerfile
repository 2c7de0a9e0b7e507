# NOMS-CDS web service: CDS Hooks services and the JSON API, under gunicorn.
#
# Build: docker build -t noms-cds .      Run: docker run -p 8000:8000 --env-file noms.env noms-cds
#
# Environment (every variable is described in README.md, "Configuration"):
#   NOMS_PUBLIC_BASE_URL        URL clients use to reach the service (JWT audience); https in production
#   NOMS_CDS_ISSUERS[_FILE]     trusted CDS clients (JSON): keys inline, in a file, or jwks_url / jku
#   NOMS_REDIS_URL[_FILE]       shared store for several replicas (default: SQLite in NOMS_STATE_DIR)
#   NOMS_FHIR_BASE_URL          EHR for the API's live assessments
#   NOMS_FHIR_BACKEND_CONFIG    SMART Backend Services settings file (mount it read-only)
#   NOMS_FRAME_ANCESTORS        EHR origins allowed to embed the service (CSP frame-ancestors)
#   NOMS_CDS_CORS_ORIGINS       browser origins allowed on the CDS routes (default *)
#   NOMS_WORKERS, NOMS_THREADS  gunicorn processes and threads per process (default 2 and 4)
#   NOMS_LOG_LEVEL              JSON logs on standard error (default INFO)
# Set here: NOMS_BIND=0.0.0.0:8000, NOMS_STATE_DIR=/var/lib/noms-cds (a volume in production),
# PROMETHEUS_MULTIPROC_DIR (metrics of every worker at /metrics).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY service ./service
COPY smart_app ./smart_app
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
 && pip wheel --no-cache-dir --wheel-dir /wheels --constraint constraints.txt /wheels/noms_cds-*.whl

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NOMS_BIND=0.0.0.0:8000 \
    NOMS_STATE_DIR=/var/lib/noms-cds \
    PROMETHEUS_MULTIPROC_DIR=/tmp/noms-cds-metrics
RUN groupadd --system --gid 10001 noms \
 && useradd --system --uid 10001 --gid noms --home-dir /var/lib/noms-cds --create-home noms
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/noms_cds-*.whl \
 && rm -rf /wheels
USER 10001:10001
WORKDIR /var/lib/noms-cds
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('NOMS_BIND', ':8000').rsplit(':', 1)[1]; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "python:service.gunicorn_conf", "service:create_app()"]

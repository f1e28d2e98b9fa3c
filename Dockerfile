# Multi-stage build. The service image holds wheels only: no compiler, no lightfm, no trainer toolchain.
#   docker build --target service -t omnirec:service .
#   docker build --target trainer -t omnirec:trainer .
# Same installs as the README's commands (pip install of this project and its extras), nothing more.
# compose.yaml starts Redis, a one-shot trainer/publisher job, the service and Prometheus with these images.

FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY training ./training
# Portable binaries: the wheels built here run on any x86-64 CPU, not only on the build machine's.
# lightfm-next and hnswlib compile with -march=native unless told not to (an illegal-instruction crash on
# an older CPU); hnswlib is built from source here so the flag applies. Every other compiled dependency
# (numpy, scipy, msgspec, hiredis, granian, uvloop, implicit) comes as a manylinux wheel from PyPI.
ENV LIGHTFM_NO_CFLAGS=1 HNSWLIB_NO_NATIVE=1
RUN pip wheel --no-cache-dir --no-binary hnswlib --wheel-dir /wheels/service . \
 && pip wheel --no-cache-dir --no-binary hnswlib --wheel-dir /wheels/train '.[train]'

# Offline training: omnirec sample-data / train / evaluate / publish / export. Runs as a non-root user;
# /work/data and /work/models belong to it so named volumes mounted there are writable.
FROM python:3.11-slim AS trainer
# LightGBM's wheel links the system OpenMP runtime (libgomp.so.1), which the slim image lacks.
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels/train /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels 'omnirec[train]' && rm -rf /wheels \
 && useradd --system --uid 10001 --create-home omnirec \
 && mkdir -p /work/data /work/models && chown -R omnirec /work
USER omnirec
WORKDIR /work
ENV OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
ENTRYPOINT ["omnirec"]
CMD ["--help"]

# The HTTP service: reads only the feature store (Redis), never imports lightfm.
# Configured by environment or settings file only: OMNIREC_STORE_URL, OMNIREC_WORKERS, OMNIREC_API_KEYS ...
# or OMNIREC_SETTINGS_FILE (see omnirec.settings.Settings); nothing on the command line overrides them.
FROM python:3.11-slim AS service
COPY --from=build /wheels/service /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels omnirec && rm -rf /wheels \
 && useradd --system --uid 10001 omnirec
USER omnirec
ENV OMNIREC_HOST=0.0.0.0 OMNIREC_PORT=8000
EXPOSE 8000
# Liveness without curl: the image's own Python asks /health/live (no I/O behind it) on the configured port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('OMNIREC_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["omnirec"]
CMD ["serve"]

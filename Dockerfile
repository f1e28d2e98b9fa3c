# Multi-stage build. The service image holds wheels only: no compiler, no lightfm, no trainer toolchain.
#   docker build --target service -t omnirec:service .
#   docker build --target trainer -t omnirec:trainer .
# Same installs as the README's commands (pip install of this project and its extras), nothing more.

FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY training ./training
# lightfm-next compiles with -march=native unless told not to: keep the image portable.
ENV LIGHTFM_NO_CFLAGS=1
RUN pip wheel --no-cache-dir --wheel-dir /wheels/service . \
 && pip wheel --no-cache-dir --wheel-dir /wheels/train '.[train]'

# Offline training: omnirec train / evaluate / publish / export.
FROM python:3.11-slim AS trainer
COPY --from=build /wheels/train /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels 'omnirec[train]' && rm -rf /wheels
WORKDIR /work
ENTRYPOINT ["omnirec"]
CMD ["--help"]

# The HTTP service: reads only the feature store (Redis), never imports lightfm.
FROM python:3.11-slim AS service
COPY --from=build /wheels/service /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels omnirec && rm -rf /wheels \
 && useradd --system --uid 10001 omnirec
USER omnirec
ENV OMNIREC_HOST=0.0.0.0 OMNIREC_PORT=8000
EXPOSE 8000
ENTRYPOINT ["omnirec"]
CMD ["serve", "--store", "redis://redis:6379/0"]

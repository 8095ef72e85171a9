# syntax=docker/dockerfile:1
# The proofstream image: `proofstream gateway` by default, `proofstream worker` etc. as CMD.

# The storefront widget: minified and compressed by widget/build.mjs (esbuild), as
# `scripts/dev` does it locally.
FROM node:20-slim AS widget
WORKDIR /widget
COPY widget/package.json widget/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY widget/proofstream.js widget/build.mjs ./
RUN node build.mjs

# Build stage: the compiler lives only here (faust-streaming has no wheel for every
# platform, e.g. CPython 3.12 on arm64, and then builds from source).
FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# README.md is the package's long description (pyproject `readme`), so the build needs it.
COPY pyproject.toml README.md ./
COPY proofstream ./proofstream
COPY schemas ./schemas
COPY gateway ./gateway
COPY streams ./streams
COPY agents ./agents
COPY widget ./widget
COPY --from=widget /widget/dist ./widget/dist
COPY stages ./stages
COPY simulator ./simulator
COPY storage ./storage
COPY shopify_app ./shopify_app
RUN pip install --no-cache-dir .

# Runtime stage: the virtualenv and a non-root user, nothing else.
FROM python:3.12-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 proofstream \
    && useradd --system --uid 10001 --gid proofstream --home-dir /app --create-home proofstream
COPY --from=build /opt/venv /opt/venv
USER proofstream
# Writable working directory: the Faust worker keeps its data dir (`<id>-data`) here.
WORKDIR /app
EXPOSE 8000 9102
ENTRYPOINT ["proofstream"]
CMD ["gateway"]

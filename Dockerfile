# bluestone-occtoo-sync: one image for every role.
#   docker build -t bluestone-occtoo-sync:0.1.0 .
#   docker run IMAGE            (worker + gateway: role `all`)
#   docker run IMAGE worker     (a worker only)      docker run IMAGE gateway   (the gateway only)
# For production: set TEMPORAL_ADDRESS and DATABASE_URL (README, "Container image").

# glibc (Debian), not musl (Alpine): the Temporal SDK's native core is built for glibc.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Install scripts off, as in CI (npm 11 skips them): no dependency needs one.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js scripts/bundle-workflows.js ./scripts/
COPY src ./src
# Compiled JavaScript in dist/ and the prebuilt workflow bundle, dist/workflow-bundle.js.
RUN npm run build

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=""
ARG CREATED=""
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="bluestone-occtoo-sync" \
      org.opencontainers.image.description="Keeps Occtoo's Experience Data Platform in step with Bluestone PIM, on Temporal" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# The worker's metrics (and probes) on every interface, so that a scraper outside the container
# reaches them; the embedded servers' data (DATABASE_URL unset) in a folder the user may write.
ENV NODE_ENV=production \
    WORKER_METRICS_ADDRESS=0.0.0.0:9464 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force \
    && mkdir .data \
    && chown node:node .data
COPY --from=build /app/dist ./dist
COPY scripts/container-healthcheck.js ./scripts/
# The base image's unprivileged user `node`, by number: a runtime can check it is not root.
USER 1000:1000
# The gateway (PORT) and the worker's metrics and probes (WORKER_METRICS_ADDRESS).
EXPOSE 3000 9464
# Liveness of whichever role runs: the gateway's /health, else the worker's /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "/app/scripts/container-healthcheck.js"]
# Node itself is PID 1: it handles SIGTERM and SIGINT (drains the worker, then stops).
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["all"]

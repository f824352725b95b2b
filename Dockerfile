# syntax=docker/dockerfile:1
# One image for every service: the service is chosen by its first argument (or SERVICE), e.g.
#   docker build -t receivables .
#   docker run --rm -e DATABASE_URL=... -e KAFKA_BROKERS=... -p 4103:8080 receivables invoicing
#   docker run --rm -e KAFKA_BROKERS=... receivables topics          # pnpm topics, one shot
# Programs: credit-scoring, contract, invoicing, collections, reporting, all-in-one, topics, dlq.
# The last stage holds only the built JavaScript (pnpm build) and the npm packages it requires
# (pnpm deploy of infra/deploy): no sources, no TypeScript, no dev dependencies, not root.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV CI=true
RUN npm install -g pnpm@10.34.9 && npm cache clean --force
WORKDIR /src
# Dependencies first, from the lockfile alone: this layer is kept until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch --frozen-lockfile
COPY . .
RUN pnpm install --frozen-lockfile --offline \
  && pnpm build \
  && pnpm --filter @ar/deploy deploy --legacy --prod --prefer-offline /app

FROM ${NODE_IMAGE} AS runtime
# Each service listens on PORT (8080) in its container; the all-in-one keeps 4101-4105.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# Owned by root, run as the image's unprivileged user `node`, by its number (1000) so that
# runAsNonRoot-style checks can verify it: the program cannot change its own code. Only .data
# (the all-in-one's embedded PostgreSQL, when it has no DATABASE_URL) is writable.
COPY --from=build /app /app
RUN mkdir -p /app/.data && chown 1000:1000 /app/.data
USER 1000:1000
# Liveness for a plain `docker run`; docker-compose.yml checks /ready (dependencies up) instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/probe.js", "/health"]
ENTRYPOINT ["node", "dist/run.js"]

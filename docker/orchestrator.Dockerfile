# syntax=docker/dockerfile:1
#
# The Ariadne orchestrator: Node 20 running the TypeScript sources with tsx, exactly what `npm start`
# runs (without the npm wrapper, so SIGTERM reaches Node and calls are drained on shutdown).
# Build context: the repository root (docker-compose.yml sets it).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Dev dependencies stay: tsx (the runtime loader) is one of them.
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json tsconfig.json ./
COPY --chown=node:node orchestrator/src ./orchestrator/src
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node admin-ui ./admin-ui
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# The admin UI is served from admin-ui/dist by the orchestrator.
RUN node --import tsx scripts/ensure-ui.ts
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.ARIADNE_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations first (knex takes a lock, so several orchestrators may start together), then the service.
CMD ["sh", "-c", "node --import tsx scripts/migrate.ts latest && exec node --max-semi-space-size=16 --import tsx orchestrator/src/main.ts"]

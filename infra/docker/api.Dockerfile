# syntax=docker/dockerfile:1.7
# twinwire/api — REST + WebSocket API, and the one-shot migration (`node dist/migrate.js`).
# Build from the repository root:
#   docker build -f infra/docker/api.Dockerfile -t twinwire/api .
# Node.js 24, an LTS line (20 reached its end of life in April 2026). The bundle targets
# Node 20 (packages/build: the oldest engines.node allows), so it runs on any newer Node.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# The pnpm version package.json pins (packageManager); no corepack.
ARG PNPM_VERSION=10.34.8
RUN npm install --global --no-fund --no-audit pnpm@${PNPM_VERSION}
ENV CI=true
WORKDIR /src
# Dependencies first, keyed on the lockfile alone, so source edits reuse this layer.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --store-dir /pnpm/store
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --frozen-lockfile --store-dir /pnpm/store --filter @twinwire/api... \
 && pnpm --filter @twinwire/api build \
 && pnpm --filter @twinwire/api deploy --prod --store-dir /pnpm/store /out

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the app: the process cannot rewrite its own code.
COPY --from=build /out/package.json ./package.json
COPY --from=build /out/node_modules ./node_modules
COPY --from=build /out/dist ./dist
# The image's `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# The slim image has no curl: node's fetch asks /healthz on API_PORT.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.API_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]

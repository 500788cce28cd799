# syntax=docker/dockerfile:1.7
# twinwire/admin — the operator UI: static files behind an unprivileged nginx. The API it
# talks to is chosen at start (API_BASE_URL → /config.json), so one image serves every
# environment. Build from the repository root:
#   docker build -f infra/docker/admin.Dockerfile -t twinwire/admin .
# Node.js 24, an LTS line (20 reached its end of life in April 2026). The bundle targets
# Node 20 (packages/build: the oldest engines.node allows), so it runs on any newer Node.
ARG NODE_IMAGE=node:24-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.28-alpine

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
    pnpm install --offline --frozen-lockfile --store-dir /pnpm/store --filter @twinwire/admin... \
 && pnpm --filter @twinwire/admin build

FROM ${NGINX_IMAGE} AS runtime
COPY infra/docker/admin/nginx.conf /etc/nginx/conf.d/default.conf
# The image's entrypoint runs /docker-entrypoint.d/*.sh before nginx: this one writes
# /tmp/twinwire/config.json from API_BASE_URL (and refuses to start without it).
COPY --chmod=0755 infra/docker/admin/40-twinwire-config.sh /docker-entrypoint.d/40-twinwire-config.sh
COPY --from=build /src/apps/admin/dist /usr/share/nginx/html
# nginx-unprivileged's user (101), by number so Kubernetes' runAsNonRoot can verify it.
USER 101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
CMD ["nginx", "-g", "daemon off;"]

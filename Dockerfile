# syntax=docker/dockerfile:1
# TicketPulse image: the API (default command), the live dashboard and the Alertmanager config
# renderer all run from this one image, so the three always ship the same code.
#
#   docker build -t ticketpulse:0.1.0 .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://… -e ADMIN_TOKEN=… ticketpulse:0.1.0
#
# The base is pinned to the exact Node release CI runs (Node 20, Debian 12 "bookworm", slim).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- build: the same commands CI runs (test/deploy/container-image.test.ts runs them outside Docker).
# tsconfig.build.json compiles the runtime entry points and what they import, nothing else.
FROM ${NODE_IMAGE} AS build
# Build-time npm settings for machines behind a registry mirror or a TLS-inspecting proxy (CI passes
# them and mounts the CA file read-only for the build: tools/containers/project-image.ts). Declared
# in the install stages only, so neither value reaches the runtime image or its history.
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
ARG NODE_EXTRA_CA_CERTS=
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages ./packages
COPY apps ./apps
# dist/ keeps the repository's layout (dist/apps/api/server.js): the runtime stage copies it to /app,
# so the files the apps read from the repository (dashboards, templates, runbooks) sit where they do
# in a checkout, resolved from packages/shared/repo-root.ts.
RUN npm run build
# tsc emits JavaScript only; files the code loads at run time beside its modules are copied here.
# BUILD-ASSET: apps/dashboard/public -> dist/apps/dashboard/public
RUN cp -R apps/dashboard/public dist/apps/dashboard/public
# The live dashboard's page is TypeScript: bundled here into the one script the server serves
# (apps/dashboard/page-bundle.ts; esbuild is a build tool and stays out of the runtime image), and its
# sources dropped from the output.
RUN npx tsx apps/dashboard/page-bundle.ts dist/apps/dashboard/public/main.js \
 && rm dist/apps/dashboard/public/*.ts dist/apps/dashboard/public/tsconfig.json

# --- production dependencies only (no TypeScript, tsx, test or build tooling in the final image).
FROM ${NODE_IMAGE} AS prod-deps
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
ARG NODE_EXTRA_CA_CERTS=
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ticketpulse" \
      org.opencontainers.image.description="TicketPulse API, live dashboard and Alertmanager config renderer"
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot rewrite its own code.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./
# The live dashboard renders the generated Grafana JSON; the renderer reads the Alertmanager template.
COPY observability/grafana/dashboards ./observability/grafana/dashboards
COPY observability/alertmanager ./observability/alertmanager
# The dashboard serves the runbooks that alert messages link to (/runbooks/<name>.md).
COPY docs/runbooks ./docs/runbooks
# The only writable place: a named volume first mounted here copies this mode. The compose
# Alertmanager init service writes the rendered config into it as Alertmanager's user (nobody), so
# it is writable by any user, sticky like /tmp. Kubernetes mounts an emptyDir here instead.
RUN install -d -m 1777 /app/generated
# With DATABASE_URL set the API writes nothing to disk, so the root filesystem can be read-only.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    NODE_OPTIONS=--enable-source-maps
# `node` (uid 1000) comes with the official image.
USER node
EXPOSE 8080 3000
# Node 20 has fetch built in: no curl in the image. Liveness only (/healthz); readiness (/readyz) is
# the orchestrator's business. The dashboard service overrides this check with its own port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 here (exec form, no shell, no npm): SIGTERM reaches the server, which stops accepting,
# finishes in-flight requests and closes the database pool (close-with-grace) before exiting.
STOPSIGNAL SIGTERM
CMD ["node", "apps/api/server.js"]

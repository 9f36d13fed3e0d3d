# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci needs every workspace's package.json (the SDK is a workspace of the repository).
COPY packages/sdk/package.json ./packages/sdk/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
COPY bench ./bench
# The operator console (React, built with Vite into dist/console and served at /console).
COPY console/index.html console/vite.config.mts console/tsconfig.json ./console/
COPY console/src ./console/src
# The runtime needs neither dev tools nor the embedded PostgreSQL (an optional dependency for
# development: a container always gets DATABASE_URL).
RUN npx nest build && npx vite build console && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The audit signing key is generated here on first start unless AUDIT_SIGNING_KEY is set.
RUN mkdir -p /app/.data && chown node:node /app/.data
VOLUME /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# exec form: node is PID 1's only process and receives SIGTERM for the graceful shutdown.
CMD ["node", "dist/src/main.js"]

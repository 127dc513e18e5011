# One image for every distlab app: the first argument chooses it (balancer, peer, worker, inventory, distlab).
#   docker build -t distlab .
#   docker run --rm distlab balancer --host 0.0.0.0
# Not built in this repository's CI (no container runtime there): see docs/deploy.md for what is checked instead.

# Build: install everything (native modules compile here), compile TypeScript, then drop the dev dependencies.
FROM node:20-bookworm AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends libgmp-dev && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm ci
RUN NX_NO_CLOUD=true NX_DAEMON=false npx nx run-many -t build \
    -p contracts grpc-kit clock mutex election service-clients trace gmp-native balancer peer factorial-worker inventory-service cli
RUN npm prune --omit=dev

# Run: compiled JavaScript and production dependencies only, as the unprivileged "node" user.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libgmp10 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/libs ./libs
COPY --from=build --chown=node:node /app/apps ./apps
COPY --from=build --chown=node:node /app/deploy/container-entry.cjs ./deploy/container-entry.cjs
RUN mkdir -p /data && chown node:node /data
USER node
# Event logs, peer state and SQLite live under /data (a volume in compose, a PersistentVolumeClaim in Kubernetes).
ENV DISTLAB_EVENTS_DIR=/data/events DISTLAB_STATE_DIR=/data/state DISTLAB_DATA_DIR=/data/inventory
EXPOSE 50051 50052 50053 50061 9464
ENTRYPOINT ["node", "deploy/container-entry.cjs"]
CMD ["distlab", "--help"]

# syntax=docker/dockerfile:1
# Build: compile TypeScript (runbooks included) with dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY runbooks ./runbooks
COPY scripts ./scripts
RUN npm run build

# Runtime: production dependencies and compiled output only, as a non-root user.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DROVER_RUNBOOKS_DIR=/app/runbooks \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Runbooks stay TypeScript: mount your own directory over /app/runbooks
# (ConfigMap, volume) and Drover loads .ts files directly. They import the
# authoring API from ../src/sdk, hence the sources.
COPY runbooks ./runbooks
COPY src ./src
COPY tsconfig.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/drover.js"]
CMD ["serve"]

# One image for all four functions; each Knative Service picks its entry with
# `args: ["dist/functions/<name>/index.js"]` (see docs/architecture.md, "One image").
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.ts scripts/build.ts
COPY shared shared
COPY functions functions
RUN npm run build

# The bundles are self-contained (esbuild inlines every dependency), so the runtime
# image carries no node_modules.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /src/dist ./dist
ENV NODE_ENV=production PORT=8080
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["dist/functions/pr-opened/index.js"]

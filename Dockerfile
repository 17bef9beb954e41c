# One image for all four functions; each Knative Service picks its entry with
# `args: ["dist/functions/<name>/index.js"]` (see docs/architecture.md, "One image").
#
# Both bases are build arguments, so the image can also be built offline from locally made
# bases: BUILD_IMAGE needs Node.js and npm; RUNTIME_IMAGE needs only Node.js at /nodejs/bin/node
# (as the distroless nodejs images have it). Defaults: Node 24 LTS on Debian 12.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY dev/scripts/build.ts dev/scripts/build.ts
COPY dev/scripts/bundle dev/scripts/bundle
COPY shared shared
COPY functions functions
RUN npm run build && mkdir /src/compile-cache

# The bundles are self-contained (esbuild inlines every dependency), so the runtime
# image carries no node_modules.
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /src/dist ./dist
# Node's compile cache (shared/server/compile-cache.ts): an empty folder the user below owns, filled
# right after by the image's own Node.js, so each pod reads the compiled bundles instead of
# compiling them. Exec form: the runtime image has no shell.
COPY --from=build --chown=65532:65532 /src/compile-cache ./dist/.compile-cache
ENV NODE_ENV=production PORT=8080
EXPOSE 8080
# Numeric (distroless's nonroot is 65532): the kubelet can verify runAsNonRoot only for a numeric
# user, and needs no /etc/passwd entry. manifests/knative.ts IMAGE_USER must match.
USER 65532:65532
RUN ["/nodejs/bin/node", "dist/prepare-compile-cache.js"]
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["dist/functions/pr-opened/index.js"]

# rekognito: the dev server in a container. Small, non-root, lockfile honoured, no dev dependencies.
# The build and start commands here are the ones test/docker/image-commands.test.ts runs outside
# a container: keep them in step.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
# npm ci's "prepare" compiles the server (lib/build.js: server/ bundled by esbuild, a runtime
# dependency) and builds the face-login web app (web/build.ts), both into node_modules/.cache.
COPY lib ./lib
COPY server ./server
COPY testcontainers ./testcontainers
COPY web ./web
# Optional dependencies are installed: the image carries the model engine (face-api and tfjs's
# WebAssembly backend, ~330 MB on disk), so real photos are recognised offline; the check fails
# the build if they are missing.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
  && node -e "for (const p of ['@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']) require.resolve(p + '/package.json')"

FROM node:20-bookworm-slim
# The Lambda runner's other runtimes: Python functions run on this python3 with Debian's boto3
# (1.26, which ignores AWS_ENDPOINT_URL: the runner sends its AWS calls to the stack all the
# same), and OS-only (provided.al2023) bootstraps written as AWS's tutorial writes them use curl.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-boto3 curl ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4566 \
    REKOGNITO_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json template.yaml ./
COPY bin ./bin
COPY lib ./lib
COPY server ./server
COPY testcontainers ./testcontainers
COPY lambdas ./lambdas
COPY web ./web
COPY fixtures ./fixtures
# The compiled server must be the build of these sources (it fails the image otherwise); this
# also records the copied files' times, so a start compares times rather than contents.
RUN mkdir -p /data && chown node:node /data && node lib/build.js --check
USER node
VOLUME ["/data"]
EXPOSE 4566
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=10 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4566)+'/_rekognito/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# As `npm start`: the compiled server.
CMD ["node", "bin/rekognito.js"]

# Development image for a Node.js service: the same base as production, but the source is mounted
# (docker/compose/compose.yaml) and `node --watch` restarts the server on every save. Never deploy it.
ARG BASE_IMAGE=node:22-bookworm-slim
FROM ${BASE_IMAGE}
WORKDIR /app
ENV NODE_ENV=development \
    PORT=8080 \
    APP_VERSION=dev
EXPOSE 8080 9229
# --watch restarts on changes of the entry point and what it requires; --inspect lets an IDE attach.
CMD ["node", "--watch", "--inspect=0.0.0.0:9229", "server.js"]

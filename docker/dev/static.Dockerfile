# Development image for a static site: the static base serving the mounted site folder with caching off,
# so a browser reload shows every save. Never deploy it.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ENV STATIC_NO_CACHE=true \
    STATIC_ROOT=/srv/www
EXPOSE 8080
CMD ["node", "/usr/local/lib/swiss/serve.mjs"]

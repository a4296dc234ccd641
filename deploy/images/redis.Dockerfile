# rolwh-redis:7-bookworm: Debian bookworm's redis-server (7.0), the stand-in for redis:7.2.
# As the official image: listens on every address without protected mode, data in /data.
ARG ROOTFS
FROM ${ROOTFS}
RUN mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no", "--dir", "/data", "--save", ""]

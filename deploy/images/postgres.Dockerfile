# rolwh-postgres:15-bookworm: Debian bookworm's PostgreSQL 15, the stand-in for postgres:16.
# Same interface as the official image: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, the data
# directory /var/lib/postgresql/data (PGDATA), port 5432 (PGPORT to change it), pg_isready.
ARG ROOTFS
FROM ${ROOTFS}
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
RUN chmod 755 /usr/local/bin/postgres-entrypoint.sh \
    && mkdir -p /var/lib/postgresql/data /run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /run/postgresql \
    && chmod 700 /var/lib/postgresql/data
ENV LANG=C.UTF-8 PGDATA=/var/lib/postgresql/data \
    PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VOLUME /var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]

#!/bin/bash
# Entrypoint compatible with the official postgres image for the parts that
# testcontainers and the eprharness use. Runs as root, drops to postgres.
set -Eeo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

# setpriv execs in place (no parent process left as PID 1), so postgres
# receives the stop signal itself.
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"

  POSTGRES_USER="${POSTGRES_USER:-postgres}"
  POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != 'trust' ]; then
      echo >&2 'Error: database is uninitialized and superuser password is not specified.'
      echo >&2 '       Set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust.'
      exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    chown postgres "$pwfile"
    as_postgres initdb --username="$POSTGRES_USER" --pwfile="$pwfile" \
      --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 \
      ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
    rm -f "$pwfile"
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

    # Temporary server on the unix socket only, as the official image does.
    as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    export PGUSER="$POSTGRES_USER" PGHOST=/var/run/postgresql PGPORT=5432
    if [ "$POSTGRES_DB" != 'postgres' ]; then
      as_postgres env PGUSER="$PGUSER" psql -v ON_ERROR_STOP=1 --dbname postgres \
        -c "CREATE DATABASE \"$POSTGRES_DB\";"
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      [ -e "$f" ] || continue
      case "$f" in
        *.sh) echo "$0: running $f"; . "$f" ;;
        *.sql) echo "$0: running $f"; as_postgres env PGUSER="$PGUSER" psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" -f "$f" ;;
        *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | as_postgres env PGUSER="$PGUSER" psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" ;;
        *) echo "$0: ignoring $f" ;;
      esac
    done
    as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGUSER PGHOST PGPORT
    echo
    echo 'PostgreSQL init process complete; ready for start up.'
    echo
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@" -c listen_addresses='*'
fi

exec "$@"

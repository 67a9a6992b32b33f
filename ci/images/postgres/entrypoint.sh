#!/bin/sh
# vigil-postgres-entrypoint: first start initialises $PGDATA (as user
# postgres), then postgres runs as PID 1 so `docker stop` (SIGINT, a fast
# shutdown) and `docker kill` reach it directly.
#
# Environment (same names as the upstream postgres image, so a user can swap
# images without changing the test stack):
#   POSTGRES_USER      superuser name (default postgres)
#   POSTGRES_PASSWORD  when set, network logins need it (scram-sha-256);
#                      when empty, network logins are trusted (test use only)
#   POSTGRES_DB        database created on first start (default $POSTGRES_USER)
#   PGDATA             data directory (default /var/lib/postgresql/data)
#
# Durability is deliberately ON (fsync, synchronous_commit, full_page_writes):
# the chaos suite's zero-data-loss checks prove nothing with fsync off.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

init_cluster() {
	auth=trust
	pwfile=
	if [ -n "${POSTGRES_PASSWORD:-}" ]; then
		auth=scram-sha-256
		pwfile=$(mktemp)
		printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
		chown postgres:postgres "$pwfile"
	fi
	as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" -E UTF8 --locale=C \
		--auth-local=trust --auth-host="$auth" ${pwfile:+--pwfile="$pwfile"} >/dev/null
	[ -z "$pwfile" ] || rm -f "$pwfile"
	cat >>"$PGDATA/postgresql.conf" <<CONF

# --- vigil test image ---
listen_addresses = '*'
fsync = on
synchronous_commit = on
full_page_writes = on
CONF
	# Containers reach us from the docker network, the host through the
	# published port (via the bridge gateway): allow any address, with the
	# password when one was given.
	printf 'host all all 0.0.0.0/0 %s\nhost all all ::/0 %s\n' "$auth" "$auth" >>"$PGDATA/pg_hba.conf"
	if [ "$POSTGRES_DB" != postgres ]; then
		echo "CREATE DATABASE \"$POSTGRES_DB\"" |
			as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
	fi
	echo "vigil-postgres-entrypoint: initialised $PGDATA (user $POSTGRES_USER, db $POSTGRES_DB, host auth $auth, fsync on)"
}

# Anything but "postgres ..." or "-c ..." runs as given (e.g. a debug shell).
case "${1:-postgres}" in
postgres) [ $# -eq 0 ] || shift ;;
-*) ;;
*) exec "$@" ;;
esac

mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"
[ -s "$PGDATA/PG_VERSION" ] || init_cluster
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"

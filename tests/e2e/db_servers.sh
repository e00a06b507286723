# Private database servers for tests and benchmarks (sourced): each on 127.0.0.1 and a
# free port, in its own temporary folder, with password authentication, stopped and
# removed when the calling shell exits (db_servers_trap: through lib.sh's CLEANUP when
# there is one, else its own EXIT trap).
#   start_postgres  -> PG_URL (postgresql://apimadmin@127.0.0.1:PORT/apim_db), pg (psql as apimadmin)
#   start_mariadb   -> MY_URL (mysql://apimadmin@127.0.0.1:PORT/apim_db), my (mariadb as apimadmin)
# The database user is apimadmin with password apim-db-pw (DB_PASSWORD).

DB_PASSWORD=apim-db-pw
DB_SERVER_DIRS=()
DB_SERVER_STOPS=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stop_db_servers() {
  local stop
  for stop in "${DB_SERVER_STOPS[@]}"; do eval "$stop" >/dev/null 2>&1 || true; done
  rm -rf "${DB_SERVER_DIRS[@]}"
  DB_SERVER_STOPS=(); DB_SERVER_DIRS=()
}
db_servers_trap() {
  if declare -p CLEANUP >/dev/null 2>&1; then CLEANUP+=(stop_db_servers); else trap stop_db_servers EXIT; fi
}

# PostgreSQL from the installed server binaries; initdb refuses root, so as root the
# server runs as the postgres user.
start_postgres() {
  local bin dir port
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -x $bin/initdb ]] || { echo "no PostgreSQL server binaries (scripts/setup installs postgresql)" >&2; return 1; }
  dir=$(mktemp -d /tmp/ksc-pg.XXXXXX); port=$(free_port)
  DB_SERVER_DIRS+=("$dir")
  chmod 755 "$dir"
  local as=()
  # As root the server runs as postgres, from / (it may not enter the caller's folder).
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir"; as=(env -C / runuser -u postgres --); fi
  printf 'superpw\n' > "$dir/pw"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A scram-sha-256 --pwfile "$dir/pw" >/dev/null || return 1
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    { echo "PostgreSQL did not start: $(cat "$dir/log")" >&2; return 1; }
  DB_SERVER_STOPS+=("${as[*]} $bin/pg_ctl -D $dir/data -m immediate stop")
  PG_PORT=$port; PG_DIR=$dir
  PG_RESTART=("${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -m fast restart)
  PGPASSWORD=superpw psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE apimadmin LOGIN PASSWORD '$DB_PASSWORD'" -c "CREATE DATABASE apim_db OWNER apimadmin" >/dev/null || return 1
  PG_URL="postgresql://apimadmin@127.0.0.1:$port/apim_db"
}
pg() { PGPASSWORD=$DB_PASSWORD psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U apimadmin -d apim_db "$@"; }
restart_postgres() { "${PG_RESTART[@]}" >/dev/null; }
pg_super() { PGPASSWORD=superpw psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${1:-postgres}" "${@:2}"; }

# MariaDB (mariadb-server): a datadir of its own, a private socket, no binary log;
# the database in latin1, as WSO2's docs create it.
start_mariadb() {
  local dir port i
  command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || { echo "no mariadbd (scripts/setup installs mariadb-server)" >&2; return 1; }
  dir=$(mktemp -d /tmp/ksc-my.XXXXXX); port=$(free_port)
  DB_SERVER_DIRS+=("$dir")
  local user=(); [[ $(id -u) -eq 0 ]] && user=(--user=root)
  mariadb-install-db "${user[@]}" --datadir="$dir/data" --auth-root-authentication-method=socket >"$dir/install.log" 2>&1 ||
    { echo "mariadb-install-db failed: $(tail -5 "$dir/install.log")" >&2; return 1; }
  /usr/sbin/mariadbd --no-defaults "${user[@]}" --datadir="$dir/data" --socket="$dir/sock" --port="$port" \
    --bind-address=127.0.0.1 --pid-file="$dir/pid" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
    --log-error="$dir/err.log" >/dev/null 2>&1 &
  DB_SERVER_STOPS+=("kill -9 $!")
  disown  # no "Killed" line from the shell when it is stopped
  for i in $(seq 1 100); do
    mariadb --no-defaults --socket="$dir/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  mariadb --no-defaults --socket="$dir/sock" -uroot -e "CREATE DATABASE apim_db CHARACTER SET latin1;
    CREATE USER 'apimadmin'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD'; GRANT ALL ON apim_db.* TO 'apimadmin'@'127.0.0.1';" ||
    { echo "MariaDB did not start: $(tail -5 "$dir/err.log")" >&2; return 1; }
  MY_PORT=$port; MY_DIR=$dir
  MY_URL="mysql://apimadmin@127.0.0.1:$port/apim_db"
}
my() { mariadb --no-defaults -N -B -r -h 127.0.0.1 -P "$MY_PORT" -u apimadmin -p"$DB_PASSWORD" apim_db "$@"; }
my_root() { mariadb --no-defaults -N -B --socket="$MY_DIR/sock" -uroot "$@"; }

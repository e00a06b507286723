# One private database server for an e2e script, and the SQL that differs between
# servers (sourced after lib.sh and migrate_fixture.sh, with BACKEND=postgres|mysql).
# Sets URL, PORT, SCHEME (of ksmigrate's --db), dbpw.txt (the password file) and:
#   sqlq SQL / sqlq_in DATABASE SQL   one statement, rows as a|b lines (apim_db / DATABASE)
#   load_sql FILE                     a script into apim_db
#   server_url DATABASE               --db URL of another database on the same server
#   jdbc_url DATABASE, DB_TYPE        the same as deployment.toml writes it
#   create_database NAME              another database the apimadmin user owns
#   as_bytes EXPR, as_text EXPR, hex_of EXPR, joined EXPR ORDER   SQL expressions
#   SERIAL, BYTES, J (the journal table, quoted), IN_SCHEMA        SQL fragments
source "$KSC_SRC/tests/e2e/db_servers.sh"
cd "$WORK"
db_servers_trap
case $BACKEND in
  postgres)
    start_postgres || fail "could not start a private PostgreSQL server"
    URL=$PG_URL; PORT=$PG_PORT; SCHEME=postgresql; DB_TYPE=postgre
    sqlq_in() { PGPASSWORD=$DB_PASSWORD psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U apimadmin -d "$1" -c "$2"; }
    sqlq() { pg -c "$1"; }
    load_sql() { pg -f "$1" > /dev/null; }
    create_database() { pg_super postgres -c "CREATE DATABASE $1 OWNER apimadmin" >/dev/null; }
    jdbc_url() { echo "jdbc:postgresql://127.0.0.1:$PORT/$1?sslmode=disable&amp;ssl=false"; }
    SERIAL=SERIAL; BYTES=BYTEA; J='"KSMIGRATE_JOURNAL"'; IN_SCHEMA="table_schema = 'public'"
    as_bytes() { echo "convert_to($1, 'UTF8')"; }
    as_text() { echo "convert_from($1, 'UTF8')"; }
    hex_of() { echo "encode($1, 'hex')"; }
    joined() { echo "string_agg($1, ',' ORDER BY $2)"; }
    ;;
  mysql)
    start_mariadb || fail "could not start a private MariaDB server"
    URL=$MY_URL; PORT=$MY_PORT; SCHEME=mysql; DB_TYPE=mysql
    sqlq_in() { mariadb --no-defaults -N -B -r -h 127.0.0.1 -P "$MY_PORT" -u apimadmin -p"$DB_PASSWORD" "$1" \
                  -e "SET SESSION group_concat_max_len = 100000000; $2" | tr '\t' '|'; }
    sqlq() { sqlq_in apim_db "$1"; }
    load_sql() { my < "$1"; }
    create_database() { my_root -e "CREATE DATABASE $1 CHARACTER SET latin1; GRANT ALL ON $1.* TO 'apimadmin'@'127.0.0.1';"; }
    jdbc_url() { echo "jdbc:mysql://127.0.0.1:$PORT/$1?useSSL=false&amp;allowPublicKeyRetrieval=true"; }
    SERIAL="INTEGER AUTO_INCREMENT"; BYTES=BLOB; J='`KSMIGRATE_JOURNAL`'; IN_SCHEMA="table_schema = DATABASE()"
    as_bytes() { echo "CAST($1 AS BINARY)"; }
    as_text() { echo "CAST($1 AS CHAR)"; }
    hex_of() { echo "LOWER(HEX($1))"; }
    joined() { echo "group_concat($1 ORDER BY $2 SEPARATOR ',')"; }
    ;;
  *) fail "BACKEND must be postgres or mysql" ;;
esac
server_url() { echo "$SCHEME://apimadmin@127.0.0.1:$PORT/$1"; }
printf '%s\n' "$DB_PASSWORD" > dbpw.txt

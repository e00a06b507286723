#!/usr/bin/env bash
# Missing tables and columns, and deployment.toml's apim_db and shared_db, on PostgreSQL:
# migrate_server_databases.sh.
source "$(dirname "$0")/lib.sh"
source "$KSC_SRC/tests/e2e/migrate_fixture.sh"
BACKEND=postgres
source "$KSC_SRC/tests/e2e/migrate_server_databases.sh"

#!/usr/bin/env bash
# kill -9 at every fault point of a run on MariaDB (a private server, latin1 database):
# migrate_server_faults.sh.
source "$(dirname "$0")/lib.sh"
source "$KSC_SRC/tests/e2e/migrate_fixture.sh"
BACKEND=mysql
source "$KSC_SRC/tests/e2e/migrate_server_faults.sh"

#!/usr/bin/env bash
# ksmigrate on MySQL/MariaDB (a private MariaDB server, latin1 database): the matrix of
# migrate_server.sh.
source "$(dirname "$0")/lib.sh"
source "$KSC_SRC/tests/e2e/migrate_fixture.sh"
BACKEND=mysql
source "$KSC_SRC/tests/e2e/migrate_server.sh"

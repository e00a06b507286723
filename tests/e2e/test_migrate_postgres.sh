#!/usr/bin/env bash
# ksmigrate on PostgreSQL (a private server): the matrix of migrate_server.sh.
source "$(dirname "$0")/lib.sh"
source "$KSC_SRC/tests/e2e/migrate_fixture.sh"
BACKEND=postgres
source "$KSC_SRC/tests/e2e/migrate_server.sh"

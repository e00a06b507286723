#!/usr/bin/env bash
# ksmigrate's symmetric-encryption stories (migrate_symmetric.sh) on PostgreSQL (a private server).
source "$(dirname "$0")/lib.sh"
BACKEND=postgres
source "$KSC_SRC/tests/e2e/migrate_symmetric.sh"

#!/usr/bin/env bash
# ksmigrate's symmetric-encryption stories (migrate_symmetric.sh) on SQLite.
source "$(dirname "$0")/lib.sh"
BACKEND=sqlite
source "$KSC_SRC/tests/e2e/migrate_symmetric.sh"

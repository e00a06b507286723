#!/usr/bin/env bash
# ksmigrate's symmetric-encryption stories (migrate_symmetric.sh) on MariaDB (a private server).
source "$(dirname "$0")/lib.sh"
BACKEND=mysql
source "$KSC_SRC/tests/e2e/migrate_symmetric.sh"

// Internal: the backup run makes of a server database before its first batch. A
// server database is not dumped (that is the DBA's job, and plan's prerequisites say
// so); the rows ksmigrate may change are: one JSON line per row of every target, with
// its key and exact old value, in a new file of mode 0600.
#pragma once
#include "database_set.hpp"

#include <filesystem>
#include <vector>

namespace ksc::detail {

// {"target":"IDN_SECRET.SECRET_VALUE","key":<row key>,"value":{"t":"..."}}: the value
// typed as row keys are (row_key.hpp). Never over an existing file (ErrorKind::refused);
// a backup that fails leaves no file behind.
void write_row_backup(const Database& db, const std::vector<const Placement*>& placements,
                      const std::filesystem::path& file);

}  // namespace ksc::detail

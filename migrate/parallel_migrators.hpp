// Internal: one ValueMigrator per --jobs thread, and a parallel loop over them. Each
// thread needs its own (Botan operations are not thread-safe, and building them per
// value would cost as much as the RSA operation itself). Not a thread pool: for_each
// starts its helper threads for the call and joins them before it returns.
#pragma once
#include "ksc/value_migrator.hpp"

#include <functional>
#include <memory>
#include <vector>

namespace ksc::detail {

class ParallelMigrators {
public:
    ParallelMigrators(const MigrationKeys& keys, unsigned jobs);
    // Calls fn(migrator, i) once for every i in [0, n), spread over up to jobs() threads
    // (the calling one included); returns when all are done. The first exception thrown by fn is rethrown here.
    void for_each(size_t n, const std::function<void(ValueMigrator&, size_t)>& fn);
    unsigned jobs() const { return static_cast<unsigned>(migrators_.size()); }

private:
    std::vector<std::unique_ptr<ValueMigrator>> migrators_;
};

}  // namespace ksc::detail

// Internal: runs the RSA work of a batch on --jobs threads. Each thread keeps its
// own ValueMigrator (Botan operations are not thread-safe, and building them per
// value would cost as much as the RSA operation itself).
#pragma once
#include "ksc/value_migrator.hpp"

#include <functional>
#include <memory>
#include <vector>

namespace ksc::detail {

class WorkerPool {
public:
    WorkerPool(const MigrationKeys& keys, unsigned jobs);
    // Calls fn(migrator, i) once for every i in [0, n), spread over the threads;
    // returns when all are done. The first exception thrown by fn is rethrown here.
    void for_each(size_t n, const std::function<void(ValueMigrator&, size_t)>& fn);
    unsigned jobs() const { return static_cast<unsigned>(migrators_.size()); }

private:
    std::vector<std::unique_ptr<ValueMigrator>> migrators_;
};

}  // namespace ksc::detail

// Internal: one ValueMigrator per --jobs thread, and a parallel loop over them. Each
// thread needs its own (Botan operations are not thread-safe, and building them per
// value would cost as much as the RSA operation itself). The helper threads start
// once, with the object, and wait between calls: a run makes one call per batch.
#pragma once
#include "ksc/value_migrator.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ksc::detail {

class ParallelMigrators {
public:
    ParallelMigrators(const MigrationKeys& keys, unsigned jobs);
    ~ParallelMigrators();  // ends and joins the helper threads
    ParallelMigrators(const ParallelMigrators&) = delete;
    ParallelMigrators& operator=(const ParallelMigrators&) = delete;

    // Calls fn(migrator, i) once for every i in [0, n), spread over the helper threads
    // and the calling one; returns when all are done. The first exception thrown by fn
    // is rethrown here (the items not started by then are skipped). One call at a time.
    void for_each(size_t n, const std::function<void(ValueMigrator&, size_t)>& fn);
    unsigned jobs() const { return static_cast<unsigned>(migrators_.size()); }

private:
    void work(ValueMigrator& m);
    void helper_loop(size_t index);
    void stop_helpers();

    std::vector<std::unique_ptr<ValueMigrator>> migrators_;
    std::vector<std::thread> helpers_;  // helper t uses migrators_[t + 1]; the caller uses [0]

    std::mutex mutex_;
    std::condition_variable call_started_;
    std::condition_variable helper_done_;
    uint64_t call_ = 0;    // which call the helpers are to work on
    size_t busy_ = 0;      // helpers still working on it
    bool quit_ = false;
    // The call in hand (guarded by mutex_ except next_, which the workers share).
    const std::function<void(ValueMigrator&, size_t)>* fn_ = nullptr;
    size_t n_ = 0;
    std::atomic<size_t> next_{0};
    std::exception_ptr first_error_;
};

}  // namespace ksc::detail

#include "parallel_migrators.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace ksc::detail {

ParallelMigrators::ParallelMigrators(const MigrationKeys& keys, unsigned jobs) {
    for (unsigned i = 0; i < std::max(1u, jobs); ++i) migrators_.push_back(std::make_unique<ValueMigrator>(keys));
}

void ParallelMigrators::for_each(size_t n, const std::function<void(ValueMigrator&, size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    auto work = [&](ValueMigrator& m) {
        for (size_t i = next++; i < n; i = next++) {
            try {
                fn(m, i);
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
                next = n;  // stop handing out work
            }
        }
    };
    // Small batches are not worth a thread start; the calling thread is worker 0.
    const size_t threads = std::min<size_t>(migrators_.size(), std::max<size_t>(1, n / 4));
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work, std::ref(*migrators_[t]));
    work(*migrators_[0]);
    for (auto& th : helpers) th.join();
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace ksc::detail

#include "parallel_migrators.hpp"

#include "ksc/file_io.hpp"

#include <utility>

namespace ksc::detail {

ParallelMigrators::ParallelMigrators(const MigrationKeys& keys, unsigned jobs) {
    for (unsigned i = 0; i < std::max(1u, jobs); ++i) migrators_.push_back(std::make_unique<ValueMigrator>(keys));
    // Started with the stop signals held back, so the helpers inherit that mask and a
    // Ctrl-C always reaches the main thread (which checks the stop flag, writes files).
    const SignalsHeld held;
    try {
        for (size_t t = 1; t < migrators_.size(); ++t) helpers_.emplace_back([this, t] { helper_loop(t); });
    } catch (...) {
        stop_helpers();  // the ones started (no destructor runs for a throwing constructor)
        throw;
    }
}

ParallelMigrators::~ParallelMigrators() { stop_helpers(); }

void ParallelMigrators::stop_helpers() {
    {
        std::lock_guard lock(mutex_);
        quit_ = true;
    }
    call_started_.notify_all();
    for (auto& h : helpers_)
        if (h.joinable()) h.join();
}

// Takes items until none is left; the first error stops the handing out.
void ParallelMigrators::work(ValueMigrator& m) {
    for (size_t i = next_++; i < n_; i = next_++) {
        try {
            (*fn_)(m, i);
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!first_error_) first_error_ = std::current_exception();
            next_ = n_;
        }
    }
}

void ParallelMigrators::helper_loop(size_t index) {
    uint64_t done = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        call_started_.wait(lock, [&] { return quit_ || call_ != done; });
        if (quit_) return;
        done = call_;
        lock.unlock();
        work(*migrators_[index]);
        lock.lock();
        if (--busy_ == 0) helper_done_.notify_one();
    }
}

void ParallelMigrators::for_each(size_t n, const std::function<void(ValueMigrator&, size_t)>& fn) {
    {
        std::lock_guard lock(mutex_);
        fn_ = &fn;
        n_ = n;
        next_ = 0;
        first_error_ = nullptr;
        busy_ = helpers_.size();
        ++call_;
    }
    call_started_.notify_all();
    work(*migrators_[0]);
    std::unique_lock lock(mutex_);
    helper_done_.wait(lock, [&] { return busy_ == 0; });
    fn_ = nullptr;
    if (first_error_) std::rethrow_exception(std::exchange(first_error_, nullptr));
}

}  // namespace ksc::detail

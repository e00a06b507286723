// ParallelMigrators: every item exactly once per call, the same helper threads for
// every call (each with its own migrator), errors rethrown without poisoning the next
// call, and no helper ever takes a stop signal (the main thread checks the stop flag).
#include "parallel_migrators.hpp"

#include "ksc/aes_key.hpp"
#include "ksc/migration_keys.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

using namespace ksc;
using ksc::detail::ParallelMigrators;

namespace {

// AES keys: a migrator is cheap to build, so the test is about the threads.
struct Keys {
    AesKey source = aes_key_from_bytes(SecureBytes(32, 1), "test source");
    AesKey target = aes_key_from_bytes(SecureBytes(32, 2), "test target");
    MigrationKeys pair{&source, &target};
};

bool stop_signals_blocked_here() {
    sigset_t now;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &now);
    return sigismember(&now, SIGINT) == 1 && sigismember(&now, SIGTERM) == 1 && sigismember(&now, SIGHUP) == 1;
}

}  // namespace

TEST_CASE("parallel migrators: every item once per call, on the same threads with the same migrator each") {
    Keys keys;
    ParallelMigrators pm(keys.pair, 4);
    REQUIRE(pm.jobs() == 4);
    std::mutex mutex;
    std::map<const ValueMigrator*, std::set<pid_t>> threads_of;  // kernel thread ids: never reused this soon
    std::set<pid_t> threads;
    for (size_t call = 0; call < 300; ++call) {
        const size_t n = call % 41;  // 0 included: a call with nothing to do returns
        std::vector<std::atomic<int>> hits(n);
        pm.for_each(n, [&](ValueMigrator& m, size_t i) {
            hits.at(i)++;
            std::lock_guard lock(mutex);
            threads_of[&m].insert(::gettid());
            threads.insert(::gettid());
        });
        for (size_t i = 0; i < n; ++i) REQUIRE_MESSAGE(hits[i] == 1, "call " << call << " item " << i);
    }
    // Threads started per call would show hundreds of thread ids here.
    CHECK(threads.size() <= 4);
    CHECK(threads_of.size() <= 4);
    for (const auto& [m, tids] : threads_of) CHECK(tids.size() == 1);  // a migrator never changes threads
}

TEST_CASE("parallel migrators: the first error is rethrown, the remaining items skipped, the next call works") {
    Keys keys;
    for (const unsigned jobs : {1u, 3u}) {
        CAPTURE(jobs);
        ParallelMigrators pm(keys.pair, jobs);
        std::atomic<int> calls{0};
        CHECK_THROWS_WITH_AS(pm.for_each(100000,
                                         [&](ValueMigrator&, size_t i) {
                                             ++calls;
                                             if (i == 10) throw std::runtime_error("item 10 failed");
                                         }),
                             "item 10 failed", std::runtime_error);
        // One thread takes the items in order, so exactly 0..10 ran. With several, how many
        // others ran depends on scheduling (a thread holding item 10 can be preempted
        // while another runs the rest), so only the one-thread count is exact.
        if (jobs == 1) CHECK(calls == 11);
        std::atomic<int> done{0};
        pm.for_each(500, [&](ValueMigrator&, size_t) { ++done; });
        CHECK(done == 500);
    }
}

TEST_CASE("parallel migrators: helper threads hold back the stop signals, the calling thread does not") {
    REQUIRE_FALSE(stop_signals_blocked_here());
    Keys keys;
    ParallelMigrators pm(keys.pair, 2);
    const pid_t caller = ::gettid();
    std::atomic<int> helper_items{0}, helper_unblocked{0}, caller_blocked{0};
    for (int round = 0; round < 50 && helper_items == 0; ++round)
        pm.for_each(200, [&](ValueMigrator&, size_t) {
            if (::gettid() == caller) {
                caller_blocked += stop_signals_blocked_here() ? 1 : 0;
            } else {
                ++helper_items;
                helper_unblocked += stop_signals_blocked_here() ? 0 : 1;
                ::usleep(100);  // leaves items to the caller too
            }
        });
    REQUIRE(helper_items > 0);
    CHECK(helper_unblocked == 0);
    CHECK(caller_blocked == 0);
    CHECK_FALSE(stop_signals_blocked_here());  // the constructor gave the caller its mask back
}

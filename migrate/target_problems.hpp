// Internal: a target's per-row problems as plan, verify and run list them: the first
// `max_listed`, then one line counting the rest, so a table full of damaged values
// gives a readable report (and a bounded one in memory) instead of a line per row.
#pragma once
#include "ksc/migration.hpp"

#include <cstddef>

namespace ksc::detail {

class TargetProblems {
public:
    static constexpr size_t max_listed = 20;

    // Lists into r.problems; `r` must outlive this object.
    explicit TargetProblems(TargetReport& r) : r_(r) {}
    // Listed while fewer than max_listed are; counted either way.
    void add(Problem p);
    // After the target's last row: the line for those not listed (none when all were).
    void finish();

private:
    TargetReport& r_;
    size_t seen_ = 0;
};

}  // namespace ksc::detail

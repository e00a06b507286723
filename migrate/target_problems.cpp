#include "target_problems.hpp"

#include <string>
#include <utility>

namespace ksc::detail {

void TargetProblems::add(Problem p) {
    if (seen_++ < max_listed) r_.problems.push_back(std::move(p));
}

void TargetProblems::finish() {
    if (seen_ <= max_listed) return;
    r_.problems.push_back(Problem{"error", r_.database, r_.target.table, r_.target.column, "", "",
                                  std::to_string(seen_ - max_listed) + " more not listed"});
}

}  // namespace ksc::detail

// What both programs share at the edge: the one place that maps errors to exit
// codes and prints them as "<program>: error: ..." plus "<program>: hint: ..."
// lines, warnings on stderr, and the product-home/config-file conventions.
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace ksc {

// Runs a program body; ksc::Error -> its exit code; anything else -> exit 3 with a
// generic line (an unexpected library exception must still never print a secret).
int run_guarded(const char* program, const std::function<int()>& body);

void print_warning(const char* program, const std::string& message);
void print_note(const char* program, const std::string& message);

// --home DIR, else $CARBON_HOME, else the current folder.
std::filesystem::path resolve_home(const std::string& home_option);
// --config FILE, else <home>/repository/conf/deployment.toml.
std::filesystem::path resolve_config(const std::string& config_option, const std::filesystem::path& home);

}  // namespace ksc

#include "ksc/cli_support.hpp"

#include "ksc/deployment_config.hpp"
#include "ksc/error.hpp"

#include <cstdlib>
#include <iostream>
#include <new>

namespace ksc {

int run_guarded(const char* program, const std::function<int()>& body) {
    try {
        return body();
    } catch (const Error& e) {
        std::cerr << program << ": error: " << e.what() << "\n";
        if (!e.hint().empty()) std::cerr << program << ": hint: " << e.hint() << "\n";
        return exit_code_for(e.kind());
    } catch (const std::bad_alloc&) {
        std::cerr << program << ": error: out of memory\n";
        return exit_code::input;
    } catch (const std::exception& e) {
        // Library exceptions (Botan, toml++, nlohmann, filesystem) describe structure,
        // not values; still, keep it to one line.
        std::string what = e.what();
        if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
        std::cerr << program << ": error: " << what << "\n";
        return exit_code::input;
    }
}

void print_warning(const char* program, const std::string& message) {
    std::cerr << program << ": warning: " << message << "\n";
}

void print_note(const char* program, const std::string& message) {
    std::cerr << program << ": note: " << message << "\n";
}

std::filesystem::path resolve_home(const std::string& home_option) {
    if (!home_option.empty()) return home_option;
    if (const char* h = std::getenv("CARBON_HOME"); h && *h) return h;
    return std::filesystem::current_path();
}

std::filesystem::path resolve_config(const std::string& config_option, const std::filesystem::path& home) {
    return config_option.empty() ? deployment_toml_path(home) : std::filesystem::path(config_option);
}

}  // namespace ksc

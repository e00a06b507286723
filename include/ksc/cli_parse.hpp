// Command-line parsing shared by both programs (header-only: CLI11 is linked only
// into the programs, not the library).
#pragma once
#include "ksc/error.hpp"

#include <CLI/CLI.hpp>

#include <optional>

namespace ksc {

// Parses argv. When parsing ends the program (--help, or a usage error already
// printed by CLI11), returns its exit code; otherwise nullopt.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        // --version is a "success" CLI11 reports this way; every other one is a usage error.
        return e.get_exit_code() == 0 ? exit_code::ok : exit_code::usage;
    }
    return std::nullopt;
}

}  // namespace ksc

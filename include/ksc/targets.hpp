// What ksmigrate migrates: table/column/key/filter/kind, from a targets file
// (TOML) or the built-in profile wso2-apim-4: README.md "Targets: what ksmigrate migrates".
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace ksc {

enum class TargetKind { value, json_encrypted_values };

struct Target {
    std::string table;
    std::string column;
    std::vector<std::string> key;  // primary key columns; empty = SQLite's rowid
    std::string where;             // SQL condition selecting rows that hold ciphertext; empty = all
    TargetKind kind = TargetKind::value;

    std::string name() const;      // "TABLE.COLUMN", used in reports and the journal
    // Rows are found by the value itself (a table with no key on a server): key == {column}.
    bool keyed_by_value() const { return key.size() == 1 && key[0] == column; }
};

// The product database WSO2 keeps a table in, by the table's prefix: REG_ and UM_ tables
// in shared_db ([database.shared_db]), every other one in the product's own database
// (API-M's apim_db, IS's identity_db). README.md "Databases".
bool lives_in_shared_db(std::string_view table);

// Parses a targets file. Identifiers must be plain SQL identifiers ([A-Za-z_][A-Za-z0-9_$]*),
// so they can be quoted safely; anything else is ErrorKind::input naming the entry.
std::vector<Target> load_targets_file(const std::filesystem::path& file);
std::vector<Target> parse_targets(std::string_view toml_text, const std::string& file_name);
// Built-in lists: "wso2-apim-4". Unknown names: ErrorKind::usage listing the known ones.
std::vector<Target> builtin_profile(std::string_view name);
std::vector<std::string> builtin_profile_names();

}  // namespace ksc

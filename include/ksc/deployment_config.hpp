// The parts of WSO2's repository/conf/deployment.toml the tools use: the keystore
// tables with the product's defaults and the internal -> primary fallback, and the
// [secrets] table. Rules: README.md "deployment.toml fallbacks" and deployment_config.cpp.
#pragma once
#include "ksc/password.hpp"
#include "ksc/secrets_editor.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ksc {

struct KeystoreSettings {
    std::string table;            // "keystore.primary", "keystore.internal", ...
    std::filesystem::path file;   // resolved: bare names under <home>/repository/resources/security
    std::string file_name;        // as written (after $env{} resolution)
    std::string type;             // "JKS" / "PKCS12" (as written, default "JKS")
    std::string alias;
    // Literal passwords after $env{X} resolution. nullopt when the value is a
    // $secret{...} reference (the vault cannot decrypt its own keystore password:
    // ask through the password options) or an unresolvable placeholder.
    // A table with a `password` line and no `key_password` line has key_password
    // equal to its own password (not inherited): see deployment_config.cpp.
    std::optional<Password> password;
    std::optional<Password> key_password;
    // As written, only to compare the two (may be "$secret{x}", or secret text
    // around a placeholder).
    Password password_raw;
    Password key_password_raw;
    // Why password / key_password is nullopt: names the placeholder, never the
    // text around it, so it may be printed. Empty when the value is known.
    std::string password_problem;
    std::string key_password_problem;
};

// A [database.<name>] table (apim_db, shared_db, identity_db, ...), as written.
struct DatabaseSettings {
    std::string name;             // "apim_db"
    std::string type;             // "postgre", "mysql", "mssql", "oracle", "h2", ... (may be empty)
    std::string url;              // the JDBC URL, XML escapes (&amp;) undone
    std::string username;
    Password password;            // literal, or "$secret{alias}"
};

// [encryption] of deployment.toml: the AES key of Carbon's symmetric internal crypto
// (README.md "Symmetric encryption").
struct EncryptionSettings {
    bool present = false;                 // the file has an [encryption] table
    bool key_written = false;             // it has a `key` line
    bool old_key_written = false;         // it has an `old_key` line
    std::optional<Password> key;          // after $env{X} resolution; nullopt: absent or unresolvable
    std::optional<Password> old_key;
    std::string key_problem;              // why key is nullopt although written (names the placeholder only)
    std::string old_key_problem;
};

// Every secret text below is a Password: wiped when freed, never printed.
struct DeploymentConfig {
    std::filesystem::path file;   // deployment.toml
    std::filesystem::path home;   // product home (CARBON_HOME)
    // The file as read (it holds keystore passwords too), and the [secrets] values with
    // their places in it, in file order: what kscipher's configure, change and verify
    // edit and check, so a command reads and parses the file once.
    Password text;
    std::vector<SecretSlot> slots;
    KeystoreSettings primary;
    KeystoreSettings tls;
    KeystoreSettings internal;    // already merged with primary field by field
    KeystoreSettings truststore;
    bool internal_configured = false;   // [keystore.internal] has its own file_name
    EncryptionSettings encryption;
    std::map<std::string, Password> secrets;     // alias -> decoded value of [secrets] (may be "[plaintext]")
    std::vector<std::string> secret_references;  // every $secret{x} name used in the file, in order
    std::vector<DatabaseSettings> databases;     // [database.*] tables with a url or type, by name

    // Reads and parses the file (malformed TOML: ErrorKind::input with line and column).
    static DeploymentConfig load(const std::filesystem::path& file, const std::filesystem::path& home);
    static DeploymentConfig parse(std::string_view text, const std::filesystem::path& file,
                                  const std::filesystem::path& home);
};

// deployment.toml of a home: <home>/repository/conf/deployment.toml
std::filesystem::path deployment_toml_path(const std::filesystem::path& home);
std::filesystem::path security_dir(const std::filesystem::path& home);

}  // namespace ksc

// Locating [secrets] values by byte offset and splicing new values in.
//
// toml++ reports source positions as 1-based line:column where columns count
// CODE POINTS and `end` is one past the token (not bytes, not the last character), so
// every position is converted to a byte offset here before any byte is touched.
// Each located token is then re-parsed on its own and must decode to the same
// value: if the conversion were ever off by one, we fail instead of corrupting
// the user's file.
#include "ksc/secrets_editor.hpp"

#include "secrets_toml.hpp"

#include "ksc/error.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <optional>

namespace ksc {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Maps toml++'s line:column (code points) to byte offsets in the same text.
class PositionMap {
public:
    explicit PositionMap(std::string_view text) : text_(text) {
        line_starts_.push_back(0);
        for (size_t i = 0; i < text.size(); ++i)
            if (text[i] == '\n') line_starts_.push_back(i + 1);
    }

    std::optional<size_t> offset(const toml::source_position& p) const {
        if (p.line == 0 || p.column == 0 || p.line > line_starts_.size()) return std::nullopt;
        size_t pos = line_starts_[p.line - 1];
        // toml++ skips a leading byte order mark without counting it as a column.
        if (p.line == 1 && text_.substr(0, utf8_bom.size()) == utf8_bom) pos += utf8_bom.size();
        for (size_t col = 1; col < p.column; ++col) {
            if (pos >= text_.size() || text_[pos] == '\n') return std::nullopt;
            ++pos;
            while (pos < text_.size() && is_continuation_byte(text_[pos])) ++pos;
        }
        return pos;
    }

private:
    std::string_view text_;
    std::vector<size_t> line_starts_;
};

// The 1-based code-point column of a byte offset, for messages.
size_t column_of(std::string_view text, size_t offset) {
    const size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    size_t column = 1;
    for (size_t i = line_start == std::string_view::npos ? 0 : line_start + 1; i < offset; ++i)
        column += !is_continuation_byte(text[i]);
    return column;
}

std::string where(std::string_view file_name, const toml::source_position& p) {
    return std::string(file_name) + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

// toml++ quotes the offending token in some messages ("'12345...' is not
// representable", "expected 'true', saw 'hunter2'"); the token may be an unquoted
// password, so anything quoted that is longer than an escape sequence or a single
// character is blanked. Messages about redefinitions quote key names only: kept.
std::string redact_description(std::string_view d) {
    if (d.find("redefine") != std::string_view::npos) return std::string(d);
    std::string out;
    size_t i = 0;
    while (i < d.size()) {
        const size_t open = d.find('\'', i);
        if (open == std::string_view::npos) break;
        const size_t close = d.find('\'', open + 1);
        if (close == std::string_view::npos) break;
        out.append(d.substr(i, open + 1 - i));
        out.append(close - open - 1 > 3 ? "..." : d.substr(open + 1, close - open - 1));
        out.push_back('\'');
        i = close + 1;
    }
    out.append(d.substr(std::min(i, d.size())));
    return out;
}

toml::table parse_toml(std::string_view text, std::string_view file_name) {
    try {
        return toml::parse(text, file_name);
    } catch (const toml::parse_error& e) {
        fail_input(where(file_name, e.source().begin) + redact_description(e.description()),
                   "fix the TOML syntax at that line; nothing was changed");
    }
}

std::string_view type_name(toml::node_type t) {
    switch (t) {
        case toml::node_type::table: return "table";
        case toml::node_type::array: return "array";
        case toml::node_type::string: return "string";
        case toml::node_type::integer: return "integer";
        case toml::node_type::floating_point: return "number";
        case toml::node_type::boolean: return "boolean";
        case toml::node_type::date: return "date";
        case toml::node_type::time: return "time";
        case toml::node_type::date_time: return "date-time";
        case toml::node_type::none: break;
    }
    return "value";
}

// True when `token` alone is a TOML string that decodes to `value`. Both are a secret:
// the probe and the parsed value are wiped.
bool token_decodes_to(std::string_view token, std::string_view value) {
    if (token.empty() || (token.front() != '"' && token.front() != '\'') || token.back() != token.front())
        return false;
    std::string probe = "v = ";
    const WipeOnExit wipe_probe(probe);
    probe.reserve(probe.size() + token.size() + 1);  // one buffer: no unwiped copy left by growing
    probe.append(token);
    probe.push_back('\n');
    try {
        toml::table t = toml::parse(probe);
        const auto* s = t["v"].as_string();
        const bool same = t.size() == 1 && s && s->get() == value;
        detail::wipe_strings(t);
        return same;
    } catch (const toml::parse_error&) {
        return false;
    }
}

// TOML requires UTF-8; a value that is not cannot be written as a TOML string.
bool is_valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        uint32_t cp = 0;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1Fu; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0Fu; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07u; }
        else return false;
        for (size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size() || !is_continuation_byte(s[i + k])) return false;
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
        }
        constexpr uint32_t shortest[] = {0, 0x80, 0x800, 0x10000};  // overlong forms are invalid
        if (cp < shortest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

std::string toml_basic_string(std::string_view value) {
    if (!is_valid_utf8(value)) fail_input("a new [secrets] value is not valid UTF-8 and cannot be written to TOML");
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "\"";
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\f': out += "\\f"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    out += "\\u00";
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 0xF]);
                } else {
                    out.push_back(ch);
                }
        }
    }
    out.push_back('"');
    return out;
}

// Collects the string values of a [secrets] (sub-)table. A dotted key (a.b = "...")
// or a [secrets.a] table nests tables; WSO2 flattens them to the alias "a.b" (its
// Micro Integrator docs show log4j.appender.X.password under [secrets]), so do we.
void collect_slots(const toml::table& table, const std::string& prefix, std::string_view toml_text,
                   std::string_view file_name, const PositionMap& positions, std::vector<SecretSlot>& slots) {
    for (const auto& [key, node] : table) {
        const std::string alias = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
        if (const toml::table* sub = node.as_table()) {
            collect_slots(*sub, alias, toml_text, file_name, positions, slots);
            continue;
        }
        if (!node.is_string()) {
            const toml::source_position at = key.source().begin.line ? key.source().begin : node.source().begin;
            fail_input(where(file_name, at) + "[secrets] '" + alias + "' is " +
                           (node.is_array() ? "an " : "a ") + std::string(type_name(node.type())) + ", not a string",
                       "write it as " + std::string(key.str()) + " = \"[value]\"");
        }
        const toml::source_region& region = node.source();
        const auto begin = positions.offset(region.begin);
        const auto end = positions.offset(region.end);
        const std::string& value = node.as_string()->get();  // wiped with the document
        if (!begin || !end || *end <= *begin || *end > toml_text.size() ||
            !token_decodes_to(toml_text.substr(*begin, *end - *begin), value))
            fail_input(where(file_name, region.begin) + "cannot locate the value of secret '" + alias +
                           "' exactly; nothing was changed",
                       "write it on one line as " + std::string(key.str()) + " = \"...\" and retry");
        SecretSlot slot;
        slot.alias = alias;
        slot.value = Password(value);
        slot.begin = *begin;
        slot.end = *end;
        slot.line = region.begin.line;
        slots.push_back(std::move(slot));
    }
}

}  // namespace

bool SecretSlot::is_plaintext() const {
    const std::string_view v = value.text();
    return v.size() >= 2 && v.front() == '[' && v.back() == ']';
}

SecureBytes SecretSlot::plaintext() const {
    const std::string_view v = value.text();
    const size_t first = v.find('[');
    const size_t last = v.rfind(']');
    if (first == std::string_view::npos || last == std::string_view::npos || last <= first) return {};
    return SecureBytes(v.begin() + static_cast<std::ptrdiff_t>(first + 1), v.begin() + static_cast<std::ptrdiff_t>(last));
}

void detail::wipe_strings(toml::node& node) noexcept {
    if (auto* t = node.as_table()) {
        for (auto&& [key, child] : *t) wipe_strings(child);
    } else if (auto* a = node.as_array()) {
        for (auto& child : *a) wipe_strings(child);
    } else if (auto* s = node.as_string()) {
        wipe(s->get());
    }
}

detail::SecretsAndDocument::~SecretsAndDocument() { wipe_strings(doc); }

std::vector<SecretSlot> find_secret_slots(std::string_view toml_text, std::string_view file_name) {
    return detail::parse_with_secret_slots(toml_text, file_name).slots;
}

detail::SecretsAndDocument detail::parse_with_secret_slots(std::string_view toml_text, std::string_view file_name) {
    SecretsAndDocument out(parse_toml(toml_text, file_name), {});
    const toml::node* secrets = out.doc.get("secrets");
    if (!secrets) return out;
    const toml::table* table = secrets->as_table();
    if (!table)
        fail_input(where(file_name, secrets->source().begin) + "'secrets' is " +
                       (secrets->is_array() ? "an " : "a ") +
                       std::string(type_name(secrets->type())) + ", not a table",
                   "write the secrets as key = \"[value]\" lines under a [secrets] header");

    const PositionMap positions(toml_text);
    std::vector<SecretSlot>& slots = out.slots;
    collect_slots(*table, "", toml_text, file_name, positions, slots);

    // "a.b" (quoted) and a.b (dotted) are different TOML keys but the same alias.
    std::sort(slots.begin(), slots.end(), [](const SecretSlot& a, const SecretSlot& b) {
        return a.alias != b.alias ? a.alias < b.alias : a.begin < b.begin;
    });
    for (size_t i = 1; i < slots.size(); ++i)
        if (slots[i].alias == slots[i - 1].alias)
            fail_input(std::string(file_name) + ":" + std::to_string(slots[i].line) + ":" +
                           std::to_string(column_of(toml_text, slots[i].begin)) + ": [secrets] '" +
                           slots[i].alias + "' is defined twice (as a quoted key and as a dotted key)",
                       "keep one of them");
    // toml++ iterates keys in sorted order; callers report in file order.
    std::sort(slots.begin(), slots.end(), [](const SecretSlot& a, const SecretSlot& b) { return a.begin < b.begin; });
    return out;
}

Password splice_secrets(std::string_view toml_text, std::vector<SecretReplacement> replacements) {
    std::sort(replacements.begin(), replacements.end(),
              [](const SecretReplacement& a, const SecretReplacement& b) { return a.begin < b.begin; });
    size_t previous_end = 0;
    for (const auto& r : replacements) {
        if (r.begin > r.end || r.end > toml_text.size() || r.begin < previous_end)
            fail_input("internal error: [secrets] replacements overlap or lie outside the file; nothing was changed");
        previous_end = r.end;
    }
    // Built front to back into a new buffer: the same result as applying the edits
    // from the end backwards, in one pass, and the input stays untouched on error.
    // Wiped memory (SecureBytes frees through a wiping allocator when it grows too).
    SecureBytes out;
    out.reserve(toml_text.size() + replacements.size() * 64);
    const auto append = [&](std::string_view part) { out.insert(out.end(), part.begin(), part.end()); };
    size_t copied = 0;
    for (const auto& r : replacements) {
        append(toml_text.substr(copied, r.begin - copied));
        append(toml_basic_string(r.new_value));
        copied = r.end;
    }
    append(toml_text.substr(copied));
    return Password(std::move(out));
}

}  // namespace ksc

// Embedded encrypted values in JSON documents (FORMATS.md "Embedded values").
#include "ksc/json_values.hpp"

#include "ksc/error.hpp"

#include <nlohmann/json.hpp>

namespace ksc {
namespace {

using Json = nlohmann::ordered_json;  // keeps object key order as written

constexpr size_t max_depth = 64;

// Counts container nesting outside strings before nlohmann sees the text, so a
// hostile "[[[[..." can neither exhaust the stack nor make a huge tree. It needs no
// recursion and is exact for valid JSON; for invalid JSON nlohmann reports the error
// at or before the point where the two could disagree.
void check_depth(std::string_view text) {
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;  // skip the escaped character (\" in particular)
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                fail_input("JSON nested deeper than " + std::to_string(max_depth) + " levels");
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
}

Json parse(std::string_view text) {
    check_depth(text);
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        // Not e.what(): nlohmann quotes the text it last read, which may be a secret.
        fail_input("not valid JSON (syntax error at byte " + std::to_string(e.byte) + ")");
    } catch (const Json::exception&) {
        // Valid syntax nlohmann cannot hold, e.g. a number beyond double (out_of_range.406).
        fail_input("not valid JSON (a number is out of range)");
    }
}

bool is_embedded(const Json& j) {
    if (!j.is_object()) return false;
    const auto enc = j.find("encrypted");
    const auto val = j.find("value");
    return enc != j.end() && enc->is_boolean() && enc->get<bool>() && val != j.end() && val->is_string();
}

// Visits embedded objects in document order. An embedded object is a leaf: its
// other fields are kept as they are and not searched. Depth is at most max_depth,
// so the recursion is bounded.
template <typename J, typename Fn>
void visit(J& j, const Fn& fn) {
    if (is_embedded(j)) {
        fn(j["value"]);
    } else if (j.is_structured()) {
        for (auto& child : j) visit(child, fn);
    }
}

}  // namespace

std::vector<std::string> embedded_values(std::string_view json_text) {
    Json doc = parse(json_text);
    std::vector<std::string> out;
    visit(doc, [&](Json& value) { out.push_back(value.get<std::string>()); });
    return out;
}

std::string replace_embedded_values(std::string_view json_text,
                                    const std::function<std::optional<std::string>(const std::string&)>& replace) {
    Json doc = parse(json_text);
    bool changed = false;
    visit(doc, [&](Json& value) {
        if (auto fresh = replace(value.get<std::string>())) {
            value = std::move(*fresh);
            changed = true;
        }
    });
    // Nothing replaced: the original bytes, so an untouched row is never rewritten.
    if (!changed) return std::string(json_text);
    // Compact, keys in their original order. Content is preserved, not bytes:
    // whitespace and string escapes are re-encoded (Gson writes '=' as \u003d,
    // nlohmann as '='); any JSON reader, Java's included, reads the same document.
    try {
        return doc.dump();
    } catch (const Json::exception&) {
        fail_input("JSON document cannot be written back (a replacement value is not valid UTF-8)");
    }
}

}  // namespace ksc

// Embedded encrypted values in JSON documents (README.md "Ciphertext formats": key
// manager secrets). API-M writes each secret of AM_KEY_MANAGER.CONFIGURATION as a
// JSON *string* holding json-simple's {"encrypted":true,"value":"<self-contained JSON>"},
// and Gson writes the whole map; older documents hold the wrapper as a nested object
// and the value in Base64. Every form is read, and a rewrite splices new bytes into
// the string tokens that held the old value, so each value keeps its form and every
// other byte of the document stays as the product wrote it.
#include "ksc/json_values.hpp"

#include "ksc/bytes.hpp"
#include "ksc/ciphertext.hpp"
#include "ksc/error.hpp"

#include <botan/base64.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <memory>

namespace ksc {
namespace {

using Json = nlohmann::json;

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

// Where every string token (keys included, quotes included) of VALID JSON starts and
// ends, in document order: the same order in which nlohmann's SAX parser reports
// keys and strings, so the n-th event's token is the n-th span. Only the token
// boundaries are found here; nlohmann does all the parsing and decoding.
struct Span {
    size_t begin;
    size_t end;
};
std::vector<Span> string_spans(std::string_view text) {
    std::vector<Span> spans;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '"') continue;
        const size_t begin = i++;
        while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
        spans.push_back({begin, i + 1});
    }
    return spans;
}

// One embedded value: the string token that holds it. For a wrapper held in a string
// (the product's form) the token holds the wrapper, and `inner` is the value's token
// inside the wrapper's text.
struct Slot {
    Span span;
    std::string text;              // the token's decoded text
    std::unique_ptr<Slot> inner;   // set for a wrapper held in a string
    const Slot& leaf() const { return inner ? *inner : *this; }
};

struct Analysis {
    std::vector<Slot> slots;
    bool root_is_wrapper = false;
};

Analysis analyze(std::string_view text, bool strings_may_hold_wrappers);

// A string value that is itself a JSON document whose root is a wrapper, as
// API-M's APIAdminImpl writes it: its `value` slot inside the string's text.
std::unique_ptr<Slot> wrapper_in_string(const std::string& s) {
    const size_t first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || s[first] != '{' || s.find("encrypted") == std::string::npos) return nullptr;
    try {
        Analysis a = analyze(s, false);
        if (!a.root_is_wrapper || a.slots.size() != 1) return nullptr;
        return std::make_unique<Slot>(std::move(a.slots.front()));
    } catch (const Error&) {
        return nullptr;  // an ordinary string that happens to start with '{'
    }
}

// Finds the wrappers with nlohmann's SAX parser, which is iterative (check_depth has
// bounded the nesting anyway) and reports keys and strings in token order.
class Finder : public nlohmann::json_sax<Json> {
public:
    Finder(std::string_view text, bool strings_may_hold_wrappers)
        : text_(text), spans_(string_spans(text)), strings_may_hold_wrappers_(strings_may_hold_wrappers) {}

    Analysis result;

    bool null() override { return other(); }
    bool boolean(bool val) override {
        if (auto* f = member("encrypted")) f->encrypted_true = val;
        else other();
        return true;
    }
    bool number_integer(number_integer_t) override { return other(); }
    bool number_unsigned(number_unsigned_t) override { return other(); }
    bool number_float(number_float_t, const string_t&) override { return other(); }
    bool binary(binary_t&) override { return other(); }
    bool string(string_t& val) override {
        const size_t token = next_token_++;
        if (auto* f = member("value")) {
            f->value_token = token;
            f->value_text = val;
            return true;
        }
        other();
        if (strings_may_hold_wrappers_)
            if (auto inner = wrapper_in_string(val))
                result.slots.push_back(Slot{spans_.at(token), std::move(val), std::move(inner)});
        return true;
    }
    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool key(string_t& val) override {
        ++next_token_;
        frames_.back().key = std::move(val);
        return true;
    }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
        // Not nlohmann's message: it quotes the text it last read, which may be a secret.
        if (e.id == 406) fail_input("not valid JSON (a number is out of range)");  // beyond double
        fail_input("not valid JSON (syntax error at byte " + std::to_string(position) + ")");
    }

private:
    struct Frame {
        bool object = false;
        size_t first_slot = 0;     // slots found inside it start here
        std::string key;           // the member being read (objects)
        bool encrypted_true = false;
        std::optional<size_t> value_token;
        std::string value_text;
    };

    // The frame when the current member of the innermost object is `name`.
    Frame* member(std::string_view name) {
        if (frames_.empty() || !frames_.back().object || frames_.back().key != name) return nullptr;
        return &frames_.back();
    }
    // Any value but `true` for "encrypted" and a string for "value" (the last
    // occurrence of a repeated key decides, as for every JSON reader here).
    bool other() {
        if (frames_.empty() || !frames_.back().object) return true;
        Frame& f = frames_.back();
        if (f.key == "encrypted") f.encrypted_true = false;
        if (f.key == "value") f.value_token.reset();
        return true;
    }
    bool open(bool object) {
        other();  // a container as the value of "encrypted"/"value" disqualifies it
        frames_.push_back(Frame{object, result.slots.size(), {}, false, std::nullopt, {}});
        return true;
    }
    bool close() {
        Frame f = std::move(frames_.back());
        frames_.pop_back();
        const bool wrapper = f.object && f.encrypted_true && f.value_token;
        if (wrapper) {
            // A wrapper is a leaf: its other members are kept as they are, not searched.
            result.slots.resize(f.first_slot);
            result.slots.push_back(Slot{spans_.at(*f.value_token), std::move(f.value_text), nullptr});
        }
        if (frames_.empty()) result.root_is_wrapper = wrapper;
        return true;
    }

    std::string_view text_;
    std::vector<Span> spans_;
    bool strings_may_hold_wrappers_;
    std::vector<Frame> frames_;
    size_t next_token_ = 0;
};

Analysis analyze(std::string_view text, bool strings_may_hold_wrappers) {
    check_depth(text);
    Finder finder(text, strings_may_hold_wrappers);
    // strict: nothing but white space may follow the document.
    if (!Json::sax_parse(text, &finder, nlohmann::detail::input_format_t::json, true))
        fail_input("not valid JSON");
    return std::move(finder.result);
}

// The value itself is the self-contained JSON (API-M: new String(CryptoUtil.encrypt(..)))
// or its Base64 (older writers). Classification reads the Base64 text, so raw JSON is
// presented as its Base64 and written back raw.
bool is_raw_json(std::string_view v) {
    const size_t first = v.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && v[first] == '{';
}

std::string as_ciphertext(const std::string& value) {
    if (!is_raw_json(value)) return value;
    return Botan::base64_encode(reinterpret_cast<const uint8_t*>(value.data()), value.size());
}

std::string in_form_of(const std::string& old_value, const std::string& new_ciphertext) {
    if (!is_raw_json(old_value)) return new_ciphertext;
    try {
        const auto raw = Botan::base64_decode(new_ciphertext);
        return std::string(raw.begin(), raw.end());
    } catch (const std::exception&) {
        fail_internal("a new embedded value is not Base64");
    }
}

// How the writer of an existing token escaped: '/' as \/ (json-simple) and the HTML
// characters as \u003d etc. (Gson). A token that shows neither an escaped nor a raw
// HTML character gets Gson's escaping, the product's outer writer.
JsonEscapes escapes_of(std::string_view token) {
    bool slash = false, html_escaped = false, html_raw = false;
    for (size_t i = 1; i + 1 < token.size(); ++i) {
        const char c = token[i];
        if (c == '\\') {
            const char e = token[i + 1];
            if (e == '/') slash = true;
            if (e == 'u' && i + 5 < token.size()) {
                std::string hex(token.substr(i + 2, 4));
                for (char& h : hex) h = static_cast<char>(std::tolower(static_cast<unsigned char>(h)));
                html_escaped |= hex == "003d" || hex == "003c" || hex == "003e" || hex == "0026" || hex == "0027";
            }
            ++i;
        } else if (c == '=' || c == '<' || c == '>' || c == '&' || c == '\'') {
            html_raw = true;
        }
    }
    return JsonEscapes{.html_safe = html_escaped || !html_raw, .slash = slash};
}

// `text` with the token at `span` replaced by `fresh`, quoted as the old token was.
std::string splice(std::string_view text, const Span& span, const std::string& fresh) {
    const std::string_view old_token = text.substr(span.begin, span.end - span.begin);
    std::string out(text.substr(0, span.begin));
    out += json_quote(fresh, escapes_of(old_token));
    out += text.substr(span.end);
    return out;
}

}  // namespace

std::vector<std::string> embedded_values(std::string_view json_text) {
    std::vector<std::string> out;
    for (const Slot& s : analyze(json_text, true).slots) out.push_back(as_ciphertext(s.leaf().text));
    return out;
}

std::string replace_embedded_values(std::string_view json_text,
                                    const std::function<std::optional<std::string>(const std::string&)>& replace) {
    const Analysis a = analyze(json_text, true);
    // Built left to right: slots are in document order and never overlap.
    std::string out;
    size_t done = 0;
    bool changed = false;
    for (const Slot& s : a.slots) {
        const std::string& old_value = s.leaf().text;
        const auto fresh = replace(as_ciphertext(old_value));
        if (!fresh) continue;
        std::string token_text = in_form_of(old_value, *fresh);
        if (s.inner) token_text = splice(s.text, s.inner->span, token_text);  // the wrapper's text
        out += json_text.substr(done, s.span.begin - done);
        out += json_quote(token_text, escapes_of(json_text.substr(s.span.begin, s.span.end - s.span.begin)));
        done = s.span.end;
        changed = true;
    }
    // Nothing replaced: the original bytes, so an untouched row is never rewritten.
    if (!changed) return std::string(json_text);
    out += json_text.substr(done);
    // What is written must read back as the same number of values: a replacement that
    // is not valid UTF-8, say, must never reach the database.
    try {
        if (analyze(out, true).slots.size() == a.slots.size()) return out;
    } catch (const Error&) {
    }
    fail_internal("a rewritten JSON document does not read back with the same embedded values");
}

}  // namespace ksc

// Classifying stored values for a key change and re-encrypting them for the target key,
// through the cipher-suite seam: either key may be RSA or AES. The states are those
// ksmigrate reports (ValueState). One ambiguity rule for every format (README.md "Plain
// values in ksmigrate"): an opening that proves the key (OAEP, a GCM tag, a thumbprint
// naming it) decides; a weak one (PKCS#1 v1.5, raw AES's PKCS#5 padding, which a wrong key
// passes by chance) decides only when the other key does not open the value at all.
#include "ksc/value_migrator.hpp"

#include "ksc/cipher_suite.hpp"
#include "ksc/error.hpp"
#include "ksc/text.hpp"
#include "ksc/value_crypto.hpp"

#include <algorithm>

namespace ksc {
namespace {

// Why a value that opens weakly under both keys is not moved (by_trial).
std::string ambiguous_reason(const Opened& a, const Opened& b) {
    const bool raw_a = a.sealed_as.format == CiphertextFormat::raw_aes;
    const bool raw_b = b.sealed_as.format == CiphertextFormat::raw_aes;
    if (raw_a != raw_b) return "ambiguous: opens under one key as raw AES and under the other with PKCS#1 v1.5";
    return raw_a ? "ambiguous: opens under both keys as raw AES" : "ambiguous: opens under both keys with PKCS#1 v1.5";
}

constexpr std::string_view unasked_raw_aes_reason =
    "a legacy raw AES value (AES/ECB/PKCS5Padding, no keyId) under the source key, which only --raw-aes gcm|keep moves";

// A weak value we write is made again when it also opens under the source key as the
// classifier would take it (PKCS#1: padding; raw AES: padding and text). A PKCS#1 try
// fails with probability ~2^-16 for two different keys, so 8 tries only run out when
// both keys are the same key. Raw AES (ECB) has no IV: every try gives the same bytes,
// so classify finds such a value first (unless_ambiguous_when_kept) and reencrypt never
// meets one unless both keys are the same.
constexpr int max_unambiguous_attempts = 8;

Classification state_only(ValueState s, std::string reason = {}) {
    Classification c;
    c.state = s;
    c.reason = std::move(reason);
    return c;
}

bool is_rsa_format(CiphertextFormat f) {
    return f == CiphertextFormat::plain || f == CiphertextFormat::self_contained;
}

}  // namespace

std::string to_string(ValueState s) {
    switch (s) {
        case ValueState::empty: return "empty";
        case ValueState::source: return "source";
        case ValueState::target: return "target";
        case ValueState::foreign: return "foreign";
        case ValueState::undecryptable: return "undecryptable";
        case ValueState::not_encrypted: return "not_encrypted";
        case ValueState::symmetric: return "symmetric";
    }
    return "undecryptable";
}

enum class Which { source, target };

struct ValueMigrator::Impl {
    std::unique_ptr<CipherSuite> source;
    std::unique_ptr<CipherSuite> target;
    RawAes raw_aes = RawAes::off;
    // With an AES source key: the source key reading raw AES values whatever was asked,
    // to tell what a value left not_encrypted is (RawAesSign): one under the source key
    // must never be left behind unseen (the product reads raw values with `key` only).
    std::unique_ptr<CipherSuite> raw_probe;

    CipherSuite& suite(Which w) { return w == Which::source ? *source : *target; }
    uint64_t ops() const { return source->private_ops() + target->private_ops(); }

    // The readings of a value: what parse_ciphertext detects, with each RSA key's modulus
    // (keys of different sizes: a block may fit either one); raw AES as a second reading
    // when asked for, since any Base64 of 16*n bytes may be one.
    std::vector<ParsedCiphertext> readings(std::string_view value) const {
        std::vector<ParsedCiphertext> out;
        for (const CipherSuite* s : {source.get(), target.get()}) {
            if (s->block_bytes() == 0) continue;
            if (!out.empty() && out.front().format != CiphertextFormat::not_ciphertext) break;
            ParsedCiphertext p = parse_ciphertext(value, s->block_bytes());
            if (out.empty()) out.push_back(std::move(p));
            else if (p.format != CiphertextFormat::not_ciphertext) out.front() = std::move(p);
        }
        if (out.empty()) out.push_back(parse_ciphertext(value));  // no RSA key: any plausible block length
        if (raw_aes != RawAes::off && (out.front().format == CiphertextFormat::plain ||
                        out.front().format == CiphertextFormat::not_ciphertext)) {
            ParsedCiphertext r = parse_raw_aes(value);
            if (r.format == CiphertextFormat::raw_aes) {
                if (out.front().format == CiphertextFormat::not_ciphertext) out.front() = std::move(r);
                else out.push_back(std::move(r));
            }
        }
        return out;
    }

    // The first reading that opens under key w. ErrorKind::input (a value no key opens) escapes.
    std::optional<Opened> open(Which w, const std::vector<ParsedCiphertext>& rs) {
        CipherSuite& s = suite(w);
        for (const auto& r : rs)
            if (s.reads(r.format))
                if (auto o = open_as_text(s, r)) return o;
        return std::nullopt;
    }

    // A raw AES opening counts only when it gives text: a wrong key passes PKCS#5's check
    // about 1 time in 256, and then gives random bytes.
    static std::optional<Opened> open_as_text(CipherSuite& s, const ParsedCiphertext& r) {
        auto o = s.open(r);
        if (o && r.format == CiphertextFormat::raw_aes && !is_text(as_view(o->plaintext))) return std::nullopt;
        return o;
    }

    // A value left not_encrypted (or undecryptable) that opens as raw AES under the source
    // key: to text without --raw-aes, it is one the product still needs moved, so it is
    // undecryptable for this migration (plan NO-GO, run stops); to other bytes, it is
    // marked for plan's advice and keeps its state.
    Classification with_raw_sign(Classification c, std::string_view value) const {
        if (!raw_probe || (c.state != ValueState::not_encrypted && c.state != ValueState::undecryptable)) return c;
        const ParsedCiphertext r = parse_raw_aes(value);
        if (r.format != CiphertextFormat::raw_aes) return c;
        const auto o = raw_probe->open(r);
        if (!o) return c;
        if (!is_text(as_view(o->plaintext))) {
            if (c.state == ValueState::not_encrypted) c.raw_aes = RawAesSign::not_text;
            return c;
        }
        if (raw_aes != RawAes::off) return c;   // read, and then ambiguous: its reason stands
        Classification u = state_only(ValueState::undecryptable, std::string(unasked_raw_aes_reason));
        u.raw_aes = RawAesSign::unasked;
        return u;
    }

    static std::string_view as_view(const SecureBytes& b) {
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    }

    // How a source value is written for the target: successor_seal, but a raw AES value
    // moves to format 3 unless the operator keeps the form (see RawAes).
    SealSpec seal_for(const SealSpec& from) const {
        if (from.format == CiphertextFormat::raw_aes && target->kind() == KeyKind::aes && raw_aes == RawAes::to_gcm)
            return SealSpec::aes_value(CiphertextFormat::symmetric_carbon);
        return successor_seal(from, target->kind());
    }

    static Classification source_value(Opened&& o) {
        Classification c = state_only(ValueState::source);
        c.format = o.sealed_as.format;
        c.self_contained = c.format == CiphertextFormat::self_contained;
        c.transformation = o.sealed_as.rsa;
        c.plaintext = std::move(o.plaintext);
        c.has_plaintext = true;
        return c;
    }

    static Classification found(Which w, Opened&& o) {
        if (w == Which::source) return source_value(std::move(o));
        Classification c = state_only(ValueState::target);
        if (o.sealed_as.format == CiphertextFormat::raw_aes) c.raw_aes = RawAesSign::under_target;
        return c;
    }

    // The one ambiguity rule, for every value that does not name its key.
    Classification by_trial(const std::vector<ParsedCiphertext>& rs, ClassifyMode mode) {
        // `first` is the key the mode expects the value under, `second` the other one.
        // Plan and run look for the source key first (the common case before a run),
        // verify for the target key (the common case after it).
        const Which first = mode == ClassifyMode::verify ? Which::target : Which::source;
        const Which second = first == Which::source ? Which::target : Which::source;

        if (auto o = open(first, rs)) {
            if (!o->proof) {
                // A weak success may be chance. Proof under the other key wins (a run must
                // not rewrite a value already under the target from garbage); a weak success
                // there too leaves nothing saying which key it is under: rewriting could destroy it.
                if (auto other = open(second, rs)) {
                    if (other->proof) return found(second, std::move(*other));
                    return state_only(ValueState::undecryptable, ambiguous_reason(*o, *other));
                }
            }
            return found(first, std::move(*o));
        }
        // The first key opened it in no way, so a weak success under the second key
        // cannot be ambiguous between the two.
        if (auto o = open(second, rs)) return found(second, std::move(*o));
        return neither(first_readable(rs));
    }

    // The reading a key of this change can read (classify checked there is one): with no
    // RSA key, a value of an RSA block's length reads as raw AES only.
    const ParsedCiphertext& first_readable(const std::vector<ParsedCiphertext>& rs) const {
        for (const auto& r : rs)
            if (source->reads(r.format) || target->reads(r.format)) return r;
        return rs.front();
    }

    // Under neither key. An AES-GCM tag that verifies under neither key is definitive: the
    // value belongs to some other key (foreign), unless it names one of ours by its keyId.
    Classification neither(const ParsedCiphertext& p) const {
        // Raw AES is only a reading of Base64 text: opening under neither key, it is text.
        if (p.format == CiphertextFormat::raw_aes)
            return state_only(ValueState::not_encrypted, "Base64 of " + std::to_string(p.aes_ciphertext.size()) +
                                                             " bytes that opens as raw AES under neither key");
        const bool gcm = p.format == CiphertextFormat::symmetric_carbon || p.format == CiphertextFormat::symmetric_vault;
        if (!gcm) return state_only(ValueState::undecryptable, "decrypts under neither key");
        for (const CipherSuite* s : {source.get(), target.get()})
            if (!p.key_id.empty() && s->kind() == KeyKind::aes && p.key_id == s->key_id())
                return state_only(ValueState::undecryptable,
                                  std::string("its keyId names the ") + (s == source.get() ? "source" : "target") +
                                      " key but its GCM tag does not verify under it (damaged)");
        return state_only(ValueState::foreign, "an AES value whose GCM tag verifies under neither key");
    }

    // A source value whose plaintext does not fit the target (a smaller RSA target key, or
    // a long AES plaintext moving to RSA) can be decrypted but not moved: it is
    // undecryptable for the migration, so plan lists it and run stops before its batch.
    Classification unless_too_long(Classification c) const {
        if (c.state != ValueState::source || !c.has_plaintext) return c;
        const SealSpec to = seal_for(sealed_as(c));
        const size_t limit = target->max_plaintext(to);
        if (c.plaintext.size() <= limit) return c;
        return state_only(ValueState::undecryptable,
                          "decrypts under the source key but is too long for the target key with " +
                              (to.rsa ? to.rsa->name : to.describe()) + " (at most " + std::to_string(limit) + " bytes)");
    }

    // --raw-aes keep writes a raw AES value as ECB: the same bytes for the same plaintext
    // under the target key. When those also open to text under the source key (odds of
    // about 1 in 10^7 or less per value), the value written would be ambiguous; it is left,
    // listed, and --raw-aes gcm moves it.
    Classification unless_ambiguous_when_kept(Classification c) const {
        if (c.state != ValueState::source || !c.has_plaintext) return c;
        const SealSpec to = seal_for(sealed_as(c));
        if (to.format != CiphertextFormat::raw_aes || !source->reads(to.format)) return c;
        if (!open_as_text(*source, parse_raw_aes(target->seal(c.plaintext, to)))) return c;
        return state_only(ValueState::undecryptable,
                          "its raw AES form under the target key would also open under the source key (ambiguous): "
                          "--raw-aes gcm moves it");
    }

    // A Classification made before `format` existed names an RSA value by its two old fields.
    static SealSpec sealed_as(const Classification& c) {
        if (c.format == CiphertextFormat::not_ciphertext && c.transformation)
            return {c.self_contained ? CiphertextFormat::self_contained : CiphertextFormat::plain, c.transformation};
        return {c.format, c.transformation};
    }

    // A self-contained RSA value names its key by thumbprint; Carbon never checks it, but a
    // value it wrote always carries the one of the certificate it encrypted for.
    Classification classify_self_contained(const ParsedCiphertext& p, ClassifyMode mode) {
        if (p.thumbprint.empty())
            return state_only(ValueState::foreign, "self-contained value without a thumbprint");
        const auto names = [&](const CipherSuite& s) {
            return s.kind() == KeyKind::rsa && equals_ignore_case(p.thumbprint, s.key_id());
        };
        const bool is_source = names(*source);
        const bool is_target = !is_source && names(*target);
        if (!is_source && !is_target)
            // A thumbprint is public, and naming it helps the operator find the key; but
            // the field comes from untrusted data, so it is shown only when it looks like one.
            return state_only(ValueState::foreign, (looks_like_thumbprint(p.thumbprint)
                                                        ? "thumbprint " + p.thumbprint
                                                        : std::string("an unreadable thumbprint")) +
                                                       " is neither key's");

        // An unknown "t" cannot be decrypted by us nor by Carbon, in any mode (and
        // checking it costs no private-key operation, so quick mode catches it too).
        std::optional<Transformation> t;
        try {
            t = Transformation::parse(p.transformation);
        } catch (const Error& e) {
            return state_only(ValueState::undecryptable, e.what());
        }
        if (is_source) {
            // quick: judged by thumbprint alone. verify: still under the old key, which is
            // the failure being reported; decrypting it would prove nothing more.
            if (mode != ClassifyMode::full) {
                Classification c = state_only(ValueState::source);
                c.format = p.format;
                c.self_contained = true;
                c.transformation = t;  // the name exactly as written, for the new value's "t"
                return c;
            }
            auto o = source->open(p);
            if (!o) return state_only(ValueState::undecryptable, "does not decrypt under the source key");
            return source_value(std::move(*o));
        }
        if (mode == ClassifyMode::verify && !target->open(p))
            return state_only(ValueState::undecryptable, "does not decrypt under the target key");
        return state_only(ValueState::target);
    }

    Classification classify(std::string_view value, ClassifyMode mode) {
        return with_raw_sign(classify_readings(value, mode), value);
    }

    Classification classify_readings(std::string_view value, ClassifyMode mode) {
        const std::vector<ParsedCiphertext> rs = readings(value);
        const ParsedCiphertext& p = rs.front();
        if (p.format == CiphertextFormat::not_ciphertext) return state_only(ValueState::not_encrypted, p.reason);
        const bool readable = std::any_of(rs.begin(), rs.end(), [&](const ParsedCiphertext& r) {
            return source->reads(r.format) || target->reads(r.format);
        });
        if (!readable) {
            // AES values in an RSA key change keep their long-standing state. In an AES-only
            // change a self-contained RSA value is under neither key; a plain-looking one
            // cannot be told from other Base64 without an RSA key's modulus.
            if (!is_rsa_format(p.format)) return state_only(ValueState::symmetric);
            if (p.format == CiphertextFormat::self_contained)
                return state_only(ValueState::foreign, "self-contained RSA value, and neither key of this change is RSA");
            return state_only(ValueState::not_encrypted,
                              "Base64 of " + std::to_string(p.rsa_block.size()) +
                                  " bytes: a plain RSA block of some key, or not ciphertext (neither key of this change is RSA)");
        }
        try {
            if (p.format == CiphertextFormat::self_contained) return classify_self_contained(p, mode);
            return by_trial(rs, mode);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::input) throw;
            return state_only(ValueState::undecryptable, e.what());  // damaged parts, unknown transformation
        }
    }
};

ValueMigrator::ValueMigrator(const MigrationKeys& keys) {
    impl_ = std::make_unique<Impl>();
    const bool raw = keys.raw_aes != RawAes::off;
    impl_->source = cipher_suite_for(keys.source, raw);
    impl_->target = cipher_suite_for(keys.target, raw);
    impl_->raw_aes = keys.raw_aes;
    if (keys.source.kind() == KeyKind::aes) impl_->raw_probe = cipher_suite_for(keys.source, true);
}

ValueMigrator::~ValueMigrator() = default;

Classification ValueMigrator::classify(std::string_view value, ClassifyMode mode) {
    if (value.empty()) return state_only(ValueState::empty);
    Classification c = impl_->unless_ambiguous_when_kept(impl_->unless_too_long(impl_->classify(value, mode)));
    private_ops_ = impl_->ops();
    return c;
}

std::string ValueMigrator::reencrypt(const Classification& c) {
    const SealSpec from = Impl::sealed_as(c);
    if (c.state != ValueState::source || !c.has_plaintext || from.format == CiphertextFormat::not_ciphertext ||
        (is_rsa_format(from.format) && !from.rsa))
        fail_internal("only a `source` value with its plaintext can be re-encrypted");
    const SealSpec to = impl_->seal_for(from);
    struct Count {
        ValueMigrator& m;
        ~Count() { m.private_ops_ = m.impl_->ops(); }
    } count{*this};
    for (int attempt = 0; attempt < max_unambiguous_attempts; ++attempt) {
        std::string value = impl_->target->seal(c.plaintext, to);
        // A weak value that also opens under the source key would be reported ambiguous
        // by verify (and by any later migration); other formats name or authenticate
        // their key, so only weak ones need the check.
        if (to.weak() && impl_->source->reads(to.format)) {
            const ParsedCiphertext p = to.format == CiphertextFormat::raw_aes
                                           ? parse_raw_aes(value)
                                           : parse_ciphertext(value, impl_->source->block_bytes());
            if (Impl::open_as_text(*impl_->source, p)) continue;
        }
        return value;
    }
    fail_refused("every new " + to.describe() + " value also opened under the source key",
                 "source and target seem to be the same key: choose a new key for the target");
}

}  // namespace ksc

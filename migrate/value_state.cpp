// Classifying stored values for a key change and re-encrypting them for the target key.
// The states are those ksmigrate reports (ValueState); the trial order and why a PKCS#1
// v1.5 success is never proof of the key: README.md "Plain values in ksmigrate".
#include "ksc/value_state.hpp"

#include "ksc/ciphertext.hpp"
#include "ksc/error.hpp"
#include "ksc/text.hpp"
#include "ksc/value_crypto.hpp"

#include <botan/auto_rng.h>

#include <algorithm>

namespace ksc {
namespace {

constexpr std::string_view ambiguous_reason = "ambiguous: opens under both keys with PKCS#1 v1.5";

// A PKCS#1 v1.5 block we write is made again when it also opens under the source key.
// Each try fails with probability ~2^-16 for two different keys, so 8 tries only run out
// when both keys are the same key pair.
constexpr int max_unambiguous_attempts = 8;

constexpr size_t padding_index(RsaPadding p) { return static_cast<size_t>(p); }
constexpr size_t padding_count = padding_index(RsaPadding::oaep_sha256_mgf1_sha1) + 1;

size_t modulus_bytes_of(const Botan::Public_Key& key) { return (key.key_length() + 7) / 8; }

Classification state_only(ValueState s, std::string reason = {}) {
    Classification c;
    c.state = s;
    c.reason = std::move(reason);
    return c;
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
    // Declared first so it is destroyed last: every RsaBlockOpener keeps a reference to it
    // (RSA blinding), and none of them may outlive it.
    Botan::AutoSeeded_RNG rng;
    KeyPair keys;
    uint64_t* ops;  // ValueMigrator::private_ops_ (the object is neither copied nor moved)
    std::unique_ptr<Botan::Public_Key> target_public;  // what new values are encrypted for
    size_t source_modulus;
    size_t target_modulus;
    // Built on first use: quick mode over self-contained values never touches a private
    // key at all, and a run before any ambiguity check never needs the target's.
    std::unique_ptr<RsaBlockOpener> source_opener;
    std::unique_ptr<RsaBlockOpener> target_opener;
    std::array<std::unique_ptr<RsaEncryptor>, padding_count> target_enc;

    Impl(const KeyPair& k, uint64_t* op_counter)
        : keys(k),
          ops(op_counter),
          target_public(k.target->certificate.load_subject_public_key()),
          source_modulus(modulus_bytes_of(*k.source->certificate.load_subject_public_key())),
          target_modulus(modulus_bytes_of(*target_public)) {}

    const LoadedKey& key(Which w) const { return w == Which::source ? *keys.source : *keys.target; }
    size_t modulus(Which w) const { return w == Which::source ? source_modulus : target_modulus; }

    RsaBlockOpener& opener(Which w) {
        auto& slot = w == Which::source ? source_opener : target_opener;
        if (!slot) {
            const LoadedKey& k = key(w);
            if (!k.private_key) fail_internal("private key not loaded for " + k.describe());
            slot = std::make_unique<RsaBlockOpener>(*k.private_key, rng);
        }
        return *slot;
    }

    // One private-key operation on a block. A block whose length is not the key's
    // modulus length cannot be under that key, so it is not tried (and costs nothing).
    std::optional<SecureBytes> open(Which w, ByteView block) {
        if (block.size() != modulus(w)) return std::nullopt;
        ++*ops;
        return opener(w).open(block);
    }

    std::optional<SecureBytes> try_open(Which w, RsaPadding p, ByteView block) {
        const auto opened = open(w, block);
        if (!opened) return std::nullopt;
        return opener(w).unpad(p, *opened);
    }

    const RsaEncryptor& encryptor(const Transformation& t) {
        auto& slot = target_enc[padding_index(t.padding)];
        if (!slot) slot = std::make_unique<RsaEncryptor>(*target_public, t);
        return *slot;
    }

    // The first of plain_padding_trials that checks, on one private-key operation.
    std::optional<UnpaddedBlock> open_plain(Which w, ByteView block) {
        const auto opened = open(w, block);
        if (!opened) return std::nullopt;
        return opener(w).unpad_first(*opened);
    }

    static Classification plain_source(UnpaddedBlock&& o) {
        Classification c = state_only(ValueState::source);
        c.transformation = Transformation::parse(jce_name(o.padding));
        c.plaintext = std::move(o.plaintext);
        c.has_plaintext = true;
        return c;
    }

    static Classification found(Which w, UnpaddedBlock&& o) {
        return w == Which::source ? plain_source(std::move(o)) : state_only(ValueState::target);
    }

    Classification classify_plain(ByteView block, ClassifyMode mode) {
        // `first` is the key the mode expects the value under, `second` the other one.
        // Plan and run look for the source key first (the common case before a run),
        // verify for the target key (the common case after it).
        const Which first = mode == ClassifyMode::verify ? Which::target : Which::source;
        const Which second = first == Which::source ? Which::target : Which::source;

        if (auto o = open_plain(first, block)) {
            if (o->padding == RsaPadding::pkcs1_v15) {
                // A PKCS#1 success may be chance (about 1 in 65,000). An OAEP success under the
                // other key is proof, so the value is that key's (a run must not rewrite a
                // value already under the target from garbage). A PKCS#1 success there too
                // leaves nothing saying which key it is under: rewriting could destroy it.
                if (auto other = open_plain(second, block)) {
                    if (other->padding != RsaPadding::pkcs1_v15) return found(second, std::move(*other));
                    return state_only(ValueState::undecryptable, std::string(ambiguous_reason));
                }
            }
            return found(first, std::move(*o));
        }
        // The first key opened it with neither padding, so a PKCS#1 success under the
        // second key cannot be ambiguous between the two.
        if (auto o = open_plain(second, block)) return found(second, std::move(*o));
        return state_only(ValueState::undecryptable, "decrypts under neither key");
    }

    // A source value whose plaintext does not fit the target key (a smaller target key)
    // can be decrypted but not moved: it is undecryptable for the migration, so plan
    // lists it and run stops before its batch, as for a value that does not decrypt.
    Classification unless_too_long(Classification c) const {
        if (c.state != ValueState::source || !c.has_plaintext || !c.transformation) return c;
        const size_t limit = c.transformation->max_plaintext(target_modulus);
        if (c.plaintext.size() <= limit) return c;
        return state_only(ValueState::undecryptable,
                          "decrypts under the source key but is too long for the target key with " +
                              c.transformation->name + " (at most " + std::to_string(limit) + " bytes)");
    }

    Classification classify_self_contained(const ParsedCiphertext& p, ClassifyMode mode) {
        // The thumbprint names the key; Carbon never checks it, but a value it wrote
        // always carries the one of the certificate it encrypted for.
        if (p.thumbprint.empty())
            return state_only(ValueState::foreign, "self-contained value without a thumbprint");
        const bool is_source = equals_ignore_case(p.thumbprint, keys.source->facts.thumbprint_sha1);
        const bool is_target = !is_source && equals_ignore_case(p.thumbprint, keys.target->facts.thumbprint_sha1);
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
            Classification c = state_only(ValueState::source);
            c.self_contained = true;
            c.transformation = t;  // the name exactly as written, for the new value's "t"
            // quick: judged by thumbprint alone. verify: still under the old key, which is
            // the failure being reported; decrypting it would prove nothing more.
            if (mode != ClassifyMode::full) return c;
            auto pt = try_open(Which::source, t->padding, p.rsa_block);
            if (!pt) return state_only(ValueState::undecryptable, "does not decrypt under the source key");
            c.plaintext = std::move(*pt);
            c.has_plaintext = true;
            return c;
        }
        if (mode == ClassifyMode::verify && !try_open(Which::target, t->padding, p.rsa_block))
            return state_only(ValueState::undecryptable, "does not decrypt under the target key");
        return state_only(ValueState::target);
    }
};

ValueMigrator::ValueMigrator(const KeyPair& keys) {
    if (!keys.source || !keys.target) fail_internal("ValueMigrator needs both keys");
    if (keys.source->facts.thumbprint_sha1.empty() || keys.target->facts.thumbprint_sha1.empty())
        fail_internal("ValueMigrator needs both keys' thumbprints");
    impl_ = std::make_unique<Impl>(keys, &private_ops_);
}

ValueMigrator::~ValueMigrator() = default;

Classification ValueMigrator::classify(std::string_view value, ClassifyMode mode) {
    if (value.empty()) return state_only(ValueState::empty);

    // With the modulus known, a plain value is recognised by its exact block length.
    // Keys of different sizes: a block may fit either one, so ask again for the other.
    ParsedCiphertext p = parse_ciphertext(value, impl_->source_modulus);
    if (p.format == CiphertextFormat::not_ciphertext && impl_->target_modulus != impl_->source_modulus) {
        ParsedCiphertext q = parse_ciphertext(value, impl_->target_modulus);
        if (q.format != CiphertextFormat::not_ciphertext) p = std::move(q);
    }

    Classification c;
    switch (p.format) {
        case CiphertextFormat::symmetric_carbon:
        case CiphertextFormat::symmetric_vault: return state_only(ValueState::symmetric);
        case CiphertextFormat::not_ciphertext: return state_only(ValueState::not_encrypted, p.reason);
        case CiphertextFormat::self_contained: c = impl_->classify_self_contained(p, mode); break;
        // Plain values carry no key id: trial decryption is the only way, in every mode.
        case CiphertextFormat::plain: c = impl_->classify_plain(p.rsa_block, mode); break;
    }
    return impl_->unless_too_long(std::move(c));
}

std::string ValueMigrator::reencrypt(const Classification& c) {
    if (c.state != ValueState::source || !c.has_plaintext || !c.transformation)
        fail_internal("only a `source` value with its plaintext can be re-encrypted");
    const Transformation& t = *c.transformation;
    const RsaEncryptor& enc = impl_->encryptor(t);
    for (int attempt = 0; attempt < max_unambiguous_attempts; ++attempt) {
        const Bytes block = enc.encrypt(c.plaintext, impl_->rng);
        // A plain PKCS#1 value that also opens under the source key would be reported
        // ambiguous by verify (and by any later migration); OAEP and self-contained
        // values name their key by other means, so only plain PKCS#1 needs the check.
        if (!c.self_contained && t.padding == RsaPadding::pkcs1_v15 &&
            impl_->try_open(Which::source, RsaPadding::pkcs1_v15, block))
            continue;
        return c.self_contained ? write_self_contained(block, t.name, impl_->keys.target->facts.thumbprint_sha1)
                                : write_plain(block);
    }
    fail_refused("every new PKCS#1 v1.5 value also opened under the source key",
                 "source and target seem to be the same key pair: choose a new key for the target");
}

}  // namespace ksc

#include "pkcs12_entries.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/pkix_types.h>

#include <set>

namespace ksc::detail {

namespace {

template <class V>
std::string key_of(const V& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

// Java's toLowerCase(Locale.ENGLISH) for the scripts aliases are written in: ASCII,
// Latin-1, Greek and Cyrillic capitals (other characters are left as they are).
std::string java_lower(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
        const auto b = static_cast<uint8_t>(s[i]);
        if (b < 0x80) {
            out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
            ++i;
            continue;
        }
        if ((b & 0xE0) == 0xC0 && i + 1 < s.size()) {
            uint32_t cp = ((b & 0x1Fu) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu);
            if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) ||
                (cp >= 0x410 && cp <= 0x42F))
                cp += 0x20;
            else if (cp >= 0x400 && cp <= 0x40F)
                cp += 0x50;
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            i += 2;
            continue;
        }
        out.push_back(s[i++]);
    }
    return out;
}

const Bytes java_default_key_id = {'0', '1'};  // "01".getBytes(UTF_8)

}  // namespace

void Pkcs12Entries::add_key(BagAttributes attrs, SecureBytes pkcs8) {
    ++private_key_count_;
    ++bag_in_safe_contents_;
    Bytes key_id;
    if (attrs.local_key_id) {
        key_id = *attrs.local_key_id;
    } else if (private_key_count_ == 1) {
        key_id = java_default_key_id;
    } else {
        warn(name_ + ": a private key without localKeyId was skipped, as Java skips it "
             "(only the first key of a file may lack one)");
        return;
    }
    std::string alias = attrs.friendly_name ? *attrs.friendly_name : unfriendly_name();
    named_.push_back({Kind::key, keys_.size(), alias});
    keys_.push_back({std::move(key_id), std::move(alias), std::move(pkcs8)});
}

void Pkcs12Entries::add_certificate(BagAttributes attrs, Certificate cert) {
    const bool first_bag = bag_in_safe_contents_++ == 0;
    if (!attrs.local_key_id && private_key_count_ == 1 && first_bag) attrs.local_key_id = java_default_key_id;
    if (attrs.java_trusted)
        named_.push_back({Kind::trusted_certificate, certs_.size(),
                          attrs.friendly_name ? *attrs.friendly_name : unfriendly_name()});
    certs_.push_back({std::move(attrs), std::move(cert), false});
}

void Pkcs12Entries::add_secret(BagAttributes attrs, Bytes encrypted_key_info, std::optional<SecretKeyValue> opened) {
    ++bag_in_safe_contents_;
    named_.push_back({Kind::secret, secrets_.size(), attrs.friendly_name ? *attrs.friendly_name : unfriendly_name()});
    SecretItem item{std::move(encrypted_key_info), {}, 0};
    if (opened) {  // only the name and size are kept: the key is opened again when asked for
        item.algorithm = opened->algorithm;
        item.bits = opened->bits;
    }
    secrets_.push_back(std::move(item));
}

// Java's findMatchedCertificate among the certificates not marked trusted: same
// localKeyId (and same alias, if one does), else same alias. When neither matches
// (files that carry no ids), the certificate holding the key's public key.
std::optional<size_t> Pkcs12Entries::leaf_for(const KeyItem& key) const {
    const std::string alias = java_lower(key.alias);
    std::optional<size_t> id_match;
    const auto [first, last] = by_key_id_.equal_range(key_of(key.key_id));
    for (auto it = first; it != last; ++it) {
        const auto& c = certs_[it->second];
        if (c.attrs.friendly_name && java_lower(*c.attrs.friendly_name) == alias) return it->second;
        id_match = it->second;
    }
    if (id_match) return id_match;
    const auto [afirst, alast] = by_alias_.equal_range(alias);
    if (afirst != alast) return std::prev(alast)->second;
    try {
        Botan::DataSource_Memory src(key.pkcs8);
        const auto spki = Botan::PKCS8::load_key(src)->subject_public_key();
        if (auto it = by_spki_.find(key_of(spki)); it != by_spki_.end()) return it->second;
    } catch (const std::exception&) {
        // An unreadable key still becomes an entry; using it reports the problem.
    }
    return std::nullopt;
}

// Leaf first, then issuers found among the file's certificates (as Java builds it),
// matched by the DER encoding of the issuer and subject names.
std::vector<Certificate> Pkcs12Entries::chain_for(size_t leaf) {
    std::vector<Certificate> chain{certs_[leaf].cert};
    std::set<size_t> used{leaf};
    certs_[leaf].in_chain = true;
    for (size_t cur = leaf; !certs_[cur].cert.botan().is_self_signed();) {
        std::optional<size_t> issuer;
        const auto [first, last] = by_subject_.equal_range(key_of(certs_[cur].cert.botan().raw_issuer_dn()));
        for (auto it = first; it != last && !issuer; ++it)
            if (!used.count(it->second)) issuer = it->second;
        if (!issuer) break;
        used.insert(*issuer);
        certs_[*issuer].in_chain = true;
        chain.push_back(certs_[*issuer].cert);
        cur = *issuer;
    }
    return chain;
}

Keystore Pkcs12Entries::finish() {
    for (size_t i = 0; i < certs_.size(); ++i) {
        const auto& c = certs_[i];
        by_subject_.emplace(key_of(c.cert.botan().raw_subject_dn()), i);
        by_spki_.emplace(key_of(c.cert.botan().subject_public_key_info()), i);
        if (c.attrs.java_trusted) continue;  // Java pairs keys only with the other certificates
        if (c.attrs.local_key_id) by_key_id_.emplace(key_of(*c.attrs.local_key_id), i);
        if (c.attrs.friendly_name) by_alias_.emplace(java_lower(*c.attrs.friendly_name), i);
    }
    std::vector<std::vector<Certificate>> chains(keys_.size());
    for (size_t k = 0; k < keys_.size(); ++k)
        if (const auto leaf = leaf_for(keys_[k])) chains[k] = chain_for(*leaf);

    std::vector<KeystoreEntry> entries;
    std::map<std::string, size_t> position;  // lower-cased alias -> index in entries
    for (auto& n : named_) {
        KeystoreEntry e;
        e.alias = java_lower(n.alias);
        switch (n.kind) {
            case Kind::key:
                e.kind = EntryKind::private_key;
                e.protection = KeyProtection::none;
                e.chain = std::move(chains[n.index]);
                e.plain_pkcs8 = std::move(keys_[n.index].pkcs8);
                break;
            case Kind::trusted_certificate:
                e.kind = EntryKind::trusted_certificate;
                e.chain = {certs_[n.index].cert};
                break;
            case Kind::secret:
                e.kind = EntryKind::secret_key;
                e.protection = KeyProtection::pkcs12;
                e.protected_key = std::move(secrets_[n.index].encrypted_key_info);
                e.secret_algorithm = secrets_[n.index].algorithm;
                e.secret_bits = secrets_[n.index].bits;
                break;
        }
        const auto [it, inserted] = position.emplace(e.alias, entries.size());
        if (inserted) {
            entries.push_back(std::move(e));
        } else {
            e.occurrences = entries[it->second].occurrences + 1;
            entries[it->second] = std::move(e);
        }
    }
    for (const auto& e : entries)
        if (e.occurrences > 1)
            warn(name_ + ": alias '" + e.alias + "' is given to " + std::to_string(e.occurrences) +
                 " bags; Java keeps only the last one (shown), so it cannot be selected as a key");
    size_t unlisted = 0;
    for (const auto& c : certs_)
        if (!c.attrs.java_trusted && !c.in_chain) ++unlisted;
    if (unlisted)
        warn(name_ + ": " + std::to_string(unlisted) + " certificate(s) belong to no key and lack Java's "
             "trusted-certificate attribute; Java and keytool do not list them");

    Keystore ks(KeystoreType::pkcs12, name_, std::move(entries));
    for (auto& w : warnings_) ks.add_warning(std::move(w));
    return ks;
}

}  // namespace ksc::detail

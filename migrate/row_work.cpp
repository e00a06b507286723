#include "row_work.hpp"

#include "ksc/error.hpp"
#include "ksc/json_values.hpp"

#include <botan/hash.h>
#include <botan/hex.h>

#include <map>

namespace ksc::detail {

RowWork make_row_work(Row row, const Target& t) {
    RowWork w;
    w.row = std::move(row);
    const SqlValue& v = w.row.value;
    const bool stringish = v.type == SqlValue::Type::text || v.type == SqlValue::Type::blob;
    if (v.type == SqlValue::Type::null || (stringish && v.bytes.empty())) {
        w.fixed_state = ValueState::empty;
    } else if (!stringish) {
        w.fixed_state = ValueState::not_encrypted;
        w.fixed_reason = "a number, not a ciphertext";
    } else if (t.kind == TargetKind::value) {
        w.values.push_back(v.bytes);
    } else {
        try {
            w.values = embedded_values(v.bytes);
        } catch (const Error& e) {
            w.fixed_state = ValueState::not_encrypted;
            w.fixed_reason = std::string("not a JSON document: ") + e.what();
        }
    }
    return w;
}

void classify_batch(std::vector<RowWork>& batch, ParallelMigrators& migrators, ClassifyMode mode, bool reencrypt) {
    // Flatten (row, value) pairs so that work spreads evenly whatever the row shapes.
    std::vector<std::pair<size_t, size_t>> items;
    for (size_t r = 0; r < batch.size(); ++r) {
        if (batch[r].done_before) continue;
        batch[r].results.resize(batch[r].values.size());
        batch[r].new_values.resize(batch[r].values.size());
        for (size_t i = 0; i < batch[r].values.size(); ++i) items.emplace_back(r, i);
    }
    migrators.for_each(items.size(), [&](ValueMigrator& m, size_t k) {
        auto [r, i] = items[k];
        RowWork& w = batch[r];
        Classification c = m.classify(w.values[i], mode);
        if (reencrypt && c.state == ValueState::source) w.new_values[i] = m.reencrypt(c);
        c.plaintext.clear();
        c.plaintext.shrink_to_fit();  // secure_vector wipes on deallocation
        w.results[i] = std::move(c);
    });
}

void count_row(const RowWork& w, StateCounts& counts) {
    if (w.fixed_state) {
        counts[*w.fixed_state] += 1;
        return;
    }
    if (w.done_before) {
        counts[ValueState::target] += std::max<int64_t>(1, static_cast<int64_t>(w.values.size()));
        return;
    }
    for (const auto& r : w.results) counts[r.state] += 1;
}

std::optional<SqlValue> rewritten_value(const RowWork& w, const Target& t) {
    bool any = false;
    for (const auto& nv : w.new_values) any |= !nv.empty();
    if (!any || w.done_before) return std::nullopt;
    SqlValue out = w.row.value;  // keeps the storage class
    if (t.kind == TargetKind::value) {
        out.bytes = w.new_values[0];
        return out;
    }
    std::map<std::string, std::string> replacement;
    for (size_t i = 0; i < w.values.size(); ++i)
        if (!w.new_values[i].empty()) replacement.emplace(w.values[i], w.new_values[i]);
    out.bytes = replace_embedded_values(w.row.value.bytes, [&](const std::string& old) -> std::optional<std::string> {
        auto it = replacement.find(old);
        if (it == replacement.end()) return std::nullopt;
        return it->second;
    });
    return out;
}

std::string describe_row(const RowWork& w, const Target& t) {
    // A row found by its value is named by a fingerprint of it: reports hold no value.
    if (t.keyed_by_value()) {
        const auto sha = Botan::HashFunction::create_or_throw("SHA-256")->process(w.row.value.bytes);
        return t.column + " value sha256:" + Botan::hex_encode(sha.data(), 4, false);
    }
    std::string out;
    for (size_t i = 0; i < w.row.key.size(); ++i) {
        const SqlValue& v = w.row.key[i];
        const std::string name = i < t.key.size() ? t.key[i] : std::string("rowid");
        std::string shown;
        switch (v.type) {
            case SqlValue::Type::null: shown = "NULL"; break;
            case SqlValue::Type::integer: shown = std::to_string(v.i); break;
            case SqlValue::Type::real: shown = std::to_string(v.d); break;
            case SqlValue::Type::text: shown = v.bytes; break;
            case SqlValue::Type::blob: shown = std::to_string(v.bytes.size()).append("-byte blob"); break;
        }
        // A key is product data, not a secret, but it may hold anything: keep it one short line.
        for (char& c : shown)
            if (static_cast<unsigned char>(c) < 0x20) c = '?';
        if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
        if (!out.empty()) out += ", ";
        out += name;
        out += '=';
        out += shown;
    }
    return out;
}

}  // namespace ksc::detail

#include "libs/crypto/aead.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crmsync::crypto {
namespace {

constexpr absl::string_view kVersion = "v1";
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

bool ValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Splits "v1.<key_id>.<payload>"; false when the shape is wrong.
bool SplitSealed(absl::string_view sealed, absl::string_view* key_id, absl::string_view* payload) {
  std::vector<absl::string_view> parts = absl::StrSplit(sealed, absl::MaxSplits('.', 2));
  if (parts.size() != 3 || parts[0] != kVersion || !ValidKeyId(parts[1])) return false;
  *key_id = parts[1];
  *payload = parts[2];
  return true;
}

}  // namespace

absl::StatusOr<std::string> SealedKeyId(absl::string_view sealed) {
  absl::string_view key_id, payload;
  if (!SplitSealed(sealed, &key_id, &payload)) {
    return absl::InvalidArgumentError("not a sealed value");
  }
  return std::string(key_id);
}

absl::StatusOr<KeySet> KeySet::Parse(absl::string_view text) {
  KeySet set;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(':', 1));
    if (parts.size() != 2 || !ValidKeyId(parts[0])) {
      return absl::InvalidArgumentError(absl::StrCat("key line ", line_number,
                                                     ": expected key_id:base64 with key_id of ",
                                                     "1..64 characters [A-Za-z0-9_-]"));
    }
    std::string material;
    absl::string_view encoded = absl::StripAsciiWhitespace(parts[1]);
    if (!absl::Base64Unescape(encoded, &material) &&
        !absl::WebSafeBase64Unescape(encoded, &material)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key line ", line_number, ": key is not base64"));
    }
    if (material.size() != kKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("key line ", line_number, ": key has ", material.size(), " bytes, want 32"));
    }
    if (set.Find(parts[0]) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("key line ", line_number, ": duplicate key id ", parts[0]));
    }
    set.keys_.push_back({std::string(parts[0]), std::move(material)});
  }
  return set;
}

absl::StatusOr<KeySet> KeySet::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

KeySet KeySet::Generate(absl::string_view key_id) {
  std::string material(kKeyBytes, '\0');
  RAND_bytes(Bytes(material), kKeyBytes);
  KeySet set;
  set.keys_.push_back({std::string(key_id), std::move(material)});
  return set;
}

std::string KeySet::Serialize() const {
  std::string out;
  for (const Key& key : keys_)
    absl::StrAppend(&out, key.id, ":", absl::Base64Escape(key.material), "\n");
  return out;
}

absl::Status KeySet::Append(const KeySet& other) {
  for (const Key& key : other.keys_) {
    if (Find(key.id) != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate key id ", key.id));
    }
  }
  keys_.insert(keys_.end(), other.keys_.begin(), other.keys_.end());
  return absl::OkStatus();
}

std::string KeySet::newest_key_id() const { return keys_.empty() ? "" : keys_.back().id; }

bool KeySet::HasKey(absl::string_view key_id) const { return Find(key_id) != nullptr; }

const KeySet::Key* KeySet::Find(absl::string_view key_id) const {
  for (const Key& key : keys_) {
    if (key.id == key_id) return &key;
  }
  return nullptr;
}

absl::StatusOr<std::string> KeySet::Seal(absl::string_view plaintext,
                                         absl::string_view associated_data) const {
  if (keys_.empty()) return absl::FailedPreconditionError("no encryption key is configured");
  const Key& key = keys_.back();
  const std::string header = absl::StrCat(kVersion, ".", key.id, ".");
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  unsigned char* nonce = Bytes(out);
  unsigned char* ciphertext = nonce + kNonceBytes;
  unsigned char* tag = ciphertext + plaintext.size();
  if (RAND_bytes(nonce, kNonceBytes) != 1) return absl::InternalError("RAND_bytes failed");

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok =
      ctx != nullptr &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key.material), nonce) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(header), header.size()) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data), associated_data.size()) ==
          1 &&
      EVP_EncryptUpdate(ctx.get(), ciphertext, &len, Bytes(plaintext), plaintext.size()) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
  if (!ok) return absl::InternalError("AES-256-GCM encryption failed");
  return absl::StrCat(header, absl::WebSafeBase64Escape(out));
}

absl::StatusOr<std::string> KeySet::Open(absl::string_view sealed,
                                         absl::string_view associated_data) const {
  absl::string_view key_id, payload;
  if (!SplitSealed(sealed, &key_id, &payload)) return absl::DataLossError("not a sealed value");
  const Key* key = Find(key_id);
  if (key == nullptr) {
    return absl::NotFoundError(absl::StrCat("encryption key ", key_id, " is not configured"));
  }
  std::string raw;
  if (!absl::WebSafeBase64Unescape(payload, &raw) || raw.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("sealed value is malformed");
  }
  const size_t text_size = raw.size() - kNonceBytes - kTagBytes;
  unsigned char* nonce = Bytes(raw);
  unsigned char* ciphertext = nonce + kNonceBytes;
  unsigned char* tag = ciphertext + text_size;
  const std::string header = absl::StrCat(kVersion, ".", key_id, ".");
  std::string plaintext(text_size, '\0');

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok =
      ctx != nullptr &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key->material), nonce) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(header), header.size()) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data), associated_data.size()) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), Bytes(plaintext), &len, ciphertext, text_size) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), Bytes(plaintext) + len, &len) == 1;
  if (!ok) return absl::DataLossError("sealed value failed authentication");
  return plaintext;
}

}  // namespace crmsync::crypto

// Authenticated encryption of secrets at rest: AES-256-GCM (OpenSSL 3 EVP) under a set of
// named keys, so keys can rotate without losing what older keys sealed.
//
// A sealed value is text: "v1.<key_id>.<web-safe base64 of nonce(12) | ciphertext | tag(16)>".
// It names the key that sealed it, and the header plus the caller's associated data are
// authenticated, so a value cannot be moved to another key id or to another context (another
// grant, another field) without Open failing.
#ifndef CRMSYNC_LIBS_CRYPTO_AEAD_H_
#define CRMSYNC_LIBS_CRYPTO_AEAD_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync::crypto {

// The key id a sealed value names, without decrypting it. INVALID_ARGUMENT when `sealed` is not
// a sealed value.
absl::StatusOr<std::string> SealedKeyId(absl::string_view sealed);

class KeySet {
 public:
  // Parses one key per line, "key_id:<base64 of 32 bytes>" (standard or web-safe base64,
  // padding optional). Blank lines and lines starting with '#' are skipped. The LAST key listed
  // is the newest: new values are sealed under it. Key ids are 1..64 characters of
  // [A-Za-z0-9_-] and unique. INVALID_ARGUMENT names the line (never echoing key material); an
  // empty set is allowed (Seal then fails with FAILED_PRECONDITION).
  static absl::StatusOr<KeySet> Parse(absl::string_view text);

  // Parse of the file at `path`; NOT_FOUND when it cannot be read.
  static absl::StatusOr<KeySet> FromFile(const std::string& path);

  // One random 32-byte key named `key_id` (tests, first installs).
  static KeySet Generate(absl::string_view key_id);

  // The key set as Parse reads it (tests: writing a key file).
  std::string Serialize() const;

  // Adds `other`'s keys after this set's ones (they become the newest); INVALID_ARGUMENT on a
  // duplicate id.
  absl::Status Append(const KeySet& other);

  bool empty() const { return keys_.empty(); }
  // Id of the newest key; empty when the set is empty.
  std::string newest_key_id() const;
  bool HasKey(absl::string_view key_id) const;

  // Seals `plaintext` under the newest key; `associated_data` must be given again to Open.
  // FAILED_PRECONDITION when the set is empty; INTERNAL if OpenSSL fails.
  absl::StatusOr<std::string> Seal(absl::string_view plaintext,
                                   absl::string_view associated_data) const;

  // Opens a value sealed by Seal with the key it names. NOT_FOUND when that key is not in the
  // set; DATA_LOSS when the value was altered, belongs to another context or is malformed.
  absl::StatusOr<std::string> Open(absl::string_view sealed,
                                   absl::string_view associated_data) const;

 private:
  struct Key {
    std::string id;
    std::string material;  // 32 bytes; never log it
  };
  const Key* Find(absl::string_view key_id) const;

  std::vector<Key> keys_;
};

}  // namespace crmsync::crypto

#endif  // CRMSYNC_LIBS_CRYPTO_AEAD_H_

// Digests, randomness and comparison for credentials (OpenSSL 3): what a service needs to store
// a bearer token as a digest and check a presented one without leaking timing.
#ifndef CRMSYNC_LIBS_CRYPTO_DIGEST_H_
#define CRMSYNC_LIBS_CRYPTO_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace crmsync::crypto {

// SHA-256 of `data`, as 64 lower-case hex characters.
std::string Sha256Hex(absl::string_view data);

// `count` bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t count);

// Whether `a` equals `b`, in time that depends only on their lengths.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace crmsync::crypto

#endif  // CRMSYNC_LIBS_CRYPTO_DIGEST_H_

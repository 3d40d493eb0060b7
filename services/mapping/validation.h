// Input checks shared by every MappingService RPC, and the page tokens of its List* RPCs. Every
// failure is INVALID_ARGUMENT whose message starts with the field path, as common.proto asks.
#ifndef CRMSYNC_SERVICES_MAPPING_VALIDATION_H_
#define CRMSYNC_SERVICES_MAPPING_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync::mapping {

// Longest record name (account, project, deal, user) and value-map side value, in code points.
inline constexpr int kMaxNameLength = 255;
// Longest portal display name, in code points (mapping.proto's Portal.name).
inline constexpr int kMaxPortalNameLength = 200;

// A Zoho id: 1 to 64 characters of [0-9A-Za-z_-].
absl::Status ValidateId(absl::string_view id, absl::string_view field);

// A display name: not blank and at most `max_length` code points.
absl::Status ValidateName(absl::string_view name, absl::string_view field,
                          int max_length = kMaxNameLength);

// The linking key of an email: trimmed and lower-cased ("  Ana@Example.COM " → "ana@example.com").
std::string EmailKey(absl::string_view email);

// EmailKey of `email` when it looks like an address (local@domain, no white space inside, at most
// 254 characters); INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ValidateEmail(absl::string_view email, absl::string_view field);

// common.proto's page size: 0 → 50, above 500 → 500, negative → INVALID_ARGUMENT (page_size).
absl::StatusOr<int> EffectivePageSize(int page_size);

// A page token: unpadded web-safe base64 of the last returned sort key (`key`, one string per
// sort column) and a fingerprint of `filter` (the RPC and its filter fields, e.g.
// "ListProjectDeals\n<portal>\n<project>").
std::string EncodePageToken(absl::string_view filter, const std::vector<std::string>& key);

// The sort key of a token EncodePageToken made for the same `filter` with `key_size` columns;
// INVALID_ARGUMENT (page_token) when it does not decode or was issued for another filter.
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view filter, size_t key_size);

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_VALIDATION_H_

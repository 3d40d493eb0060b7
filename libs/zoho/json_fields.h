// Strict reading of Zoho JSON payloads. Every accessor names the offending field by its path
// (e.g. `data[0].Due_Date`) in an INVALID_ARGUMENT status: a payload that breaks the contract is
// an error the operator can act on, never a crash and never a silent default.
#ifndef CRMSYNC_LIBS_ZOHO_JSON_FIELDS_H_
#define CRMSYNC_LIBS_ZOHO_JSON_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace crmsync::zoho {

using Json = nlohmann::json;

// Parses `text` as JSON; a syntax error is INVALID_ARGUMENT naming `what` and the position.
absl::StatusOr<Json> ParseJson(absl::string_view text, absl::string_view what);

// "where.name", or "name" when `where` is empty.
std::string FieldPath(absl::string_view where, absl::string_view name);

// Required: present and non-null, of the named type. Optional: absent or null gives nullopt,
// present of another type is an error.
absl::StatusOr<const Json*> RequiredObject(const Json& object, absl::string_view name,
                                           absl::string_view where);
absl::StatusOr<const Json*> OptionalObject(const Json& object, absl::string_view name,
                                           absl::string_view where);
absl::StatusOr<const Json*> RequiredArray(const Json& object, absl::string_view name,
                                          absl::string_view where);
absl::StatusOr<std::string> RequiredString(const Json& object, absl::string_view name,
                                           absl::string_view where);
absl::StatusOr<std::optional<std::string>> OptionalString(const Json& object,
                                                          absl::string_view name,
                                                          absl::string_view where);
absl::StatusOr<int64_t> RequiredInt(const Json& object, absl::string_view name,
                                    absl::string_view where);
absl::StatusOr<std::optional<int64_t>> OptionalInt(const Json& object, absl::string_view name,
                                                   absl::string_view where);
absl::StatusOr<bool> RequiredBool(const Json& object, absl::string_view name,
                                  absl::string_view where);
absl::StatusOr<std::optional<bool>> OptionalBool(const Json& object, absl::string_view name,
                                                 absl::string_view where);

// A Zoho record id: CRM sends ids as strings, Projects as 64-bit numbers (with `id_string`);
// both come back as the decimal string. Empty strings and other types are errors.
absl::StatusOr<std::string> RequiredId(const Json& object, absl::string_view name,
                                       absl::string_view where);
absl::StatusOr<std::optional<std::string>> OptionalId(const Json& object, absl::string_view name,
                                                      absl::string_view where);

// An INVALID_ARGUMENT status "<path>: <problem>".
absl::Status FieldError(absl::string_view path, absl::string_view problem);

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_JSON_FIELDS_H_

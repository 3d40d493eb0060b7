#include "libs/zoho/json_fields.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace crmsync::zoho {
namespace {

// The field, or nullptr when absent or null.
absl::StatusOr<const Json*> Find(const Json& object, absl::string_view name,
                                 absl::string_view where) {
  if (!object.is_object()) return FieldError(where, "expected an object");
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::StatusOr<const Json*> Require(const Json& object, absl::string_view name,
                                    absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Find(object, name, where));
  if (value == nullptr) return FieldError(FieldPath(where, name), "missing");
  return value;
}

absl::Status WrongType(absl::string_view where, absl::string_view name, absl::string_view wanted,
                       const Json& value) {
  return FieldError(FieldPath(where, name),
                    absl::StrCat("expected ", wanted, ", got ", value.type_name()));
}

}  // namespace

absl::Status FieldError(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

std::string FieldPath(absl::string_view where, absl::string_view name) {
  return where.empty() ? std::string(name) : absl::StrCat(where, ".", name);
}

absl::StatusOr<Json> ParseJson(absl::string_view text, absl::string_view what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not JSON: ", e.what()));
  }
}

absl::StatusOr<const Json*> RequiredObject(const Json& object, absl::string_view name,
                                           absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Require(object, name, where));
  if (!value->is_object()) return WrongType(where, name, "an object", *value);
  return value;
}

absl::StatusOr<const Json*> OptionalObject(const Json& object, absl::string_view name,
                                           absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Find(object, name, where));
  if (value != nullptr && !value->is_object()) return WrongType(where, name, "an object", *value);
  return value;
}

absl::StatusOr<const Json*> RequiredArray(const Json& object, absl::string_view name,
                                          absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Require(object, name, where));
  if (!value->is_array()) return WrongType(where, name, "an array", *value);
  return value;
}

absl::StatusOr<std::string> RequiredString(const Json& object, absl::string_view name,
                                           absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Require(object, name, where));
  if (!value->is_string()) return WrongType(where, name, "a string", *value);
  return value->get<std::string>();
}

absl::StatusOr<std::optional<std::string>> OptionalString(const Json& object,
                                                          absl::string_view name,
                                                          absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Find(object, name, where));
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return WrongType(where, name, "a string", *value);
  return std::optional<std::string>(value->get<std::string>());
}

absl::StatusOr<int64_t> RequiredInt(const Json& object, absl::string_view name,
                                    absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Require(object, name, where));
  if (!value->is_number_integer()) return WrongType(where, name, "an integer", *value);
  return value->get<int64_t>();
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(const Json& object, absl::string_view name,
                                                   absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Find(object, name, where));
  if (value == nullptr) return std::optional<int64_t>();
  if (!value->is_number_integer()) return WrongType(where, name, "an integer", *value);
  return std::optional<int64_t>(value->get<int64_t>());
}

absl::StatusOr<bool> RequiredBool(const Json& object, absl::string_view name,
                                  absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Require(object, name, where));
  if (!value->is_boolean()) return WrongType(where, name, "a boolean", *value);
  return value->get<bool>();
}

absl::StatusOr<std::optional<bool>> OptionalBool(const Json& object, absl::string_view name,
                                                 absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Find(object, name, where));
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_boolean()) return WrongType(where, name, "a boolean", *value);
  return std::optional<bool>(value->get<bool>());
}

absl::StatusOr<std::optional<std::string>> OptionalId(const Json& object, absl::string_view name,
                                                      absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* value, Find(object, name, where));
  if (value == nullptr) return std::optional<std::string>();
  std::string id;
  if (value->is_string()) {
    id = value->get<std::string>();
  } else if (value->is_number_unsigned()) {
    id = absl::StrCat(value->get<uint64_t>());
  } else if (value->is_number_integer()) {
    id = absl::StrCat(value->get<int64_t>());
  } else {
    return WrongType(where, name, "an id (string or integer)", *value);
  }
  if (id.empty()) return FieldError(FieldPath(where, name), "empty id");
  return std::optional<std::string>(std::move(id));
}

absl::StatusOr<std::string> RequiredId(const Json& object, absl::string_view name,
                                       absl::string_view where) {
  ASSIGN_OR_RETURN(std::optional<std::string> id, OptionalId(object, name, where));
  if (!id.has_value()) return FieldError(FieldPath(where, name), "missing");
  return *std::move(id);
}

}  // namespace crmsync::zoho

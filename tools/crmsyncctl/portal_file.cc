#include "tools/crmsyncctl/portal_file.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace crmsync::ctl {
namespace {

using Json = nlohmann::json;

absl::Status YamlError(absl::string_view path, const YAML::Mark& mark, absl::string_view problem) {
  // yaml-cpp counts lines and columns from 0; editors and people count from 1.
  return absl::InvalidArgumentError(
      absl::StrCat(path, ":", mark.line + 1, ":", mark.column + 1, ": ", problem));
}

absl::StatusOr<Json> ToJson(absl::string_view path, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& value = node.Scalar();
      // "!" marks a quoted scalar: always a string, as its author meant.
      if (node.Tag() != "!") {
        if (value == "true" || value == "True" || value == "TRUE") return Json(true);
        if (value == "false" || value == "False" || value == "FALSE") return Json(false);
      }
      return Json(value);
    }
    case YAML::NodeType::Sequence: {
      Json array = Json::array();
      for (const YAML::Node& item : node) {
        absl::StatusOr<Json> json = ToJson(path, item);
        if (!json.ok()) return json.status();
        array.push_back(*std::move(json));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          return YamlError(path, entry.first.Mark(), "a key must be a plain name");
        }
        absl::StatusOr<Json> json = ToJson(path, entry.second);
        if (!json.ok()) return json.status();
        object[entry.first.Scalar()] = *std::move(json);
      }
      return object;
    }
  }
  return YamlError(path, node.Mark(), "unexpected YAML node");
}

}  // namespace

absl::StatusOr<std::string> YamlToJson(absl::string_view path, absl::string_view text) {
  YAML::Node document;
  try {
    document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return YamlError(path, e.mark, e.msg);
  }
  if (!document.IsMap()) {
    return YamlError(path, document.Mark(), "expected a mapping of Portal fields");
  }
  absl::StatusOr<Json> json = ToJson(path, document);
  if (!json.ok()) return json.status();
  return json->dump();
}

absl::StatusOr<std::string> PortalFileAsJson(absl::string_view path, absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(path);
  const bool yaml = absl::EndsWith(lower, ".yaml") || absl::EndsWith(lower, ".yml") ||
                    (!absl::EndsWith(lower, ".json") &&
                     !absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "{"));
  if (!yaml) return std::string(text);
  return YamlToJson(path, text);
}

}  // namespace crmsync::ctl

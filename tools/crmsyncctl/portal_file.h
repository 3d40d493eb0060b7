// The file of `portal upsert --file`: a crmsync.mapping.v1.Portal, value maps included, as JSON
// or as YAML. YAML is turned into the JSON the JSON path parses, so one parser reads both and
// they mean the same.
#ifndef CRMSYNC_TOOLS_CRMSYNCCTL_PORTAL_FILE_H_
#define CRMSYNC_TOOLS_CRMSYNCCTL_PORTAL_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync::ctl {

// `text`, the contents of file `path`, as JSON: JSON as it is, YAML converted. The extension
// decides (.json; .yaml or .yml), else the content (JSON opens with "{"). A YAML error is
// INVALID_ARGUMENT "<path>:<line>:<column>: <problem>".
absl::StatusOr<std::string> PortalFileAsJson(absl::string_view path, absl::string_view text);

// YAML `text` of file `path` as JSON: mappings become objects and sequences arrays; a plain
// scalar true/false becomes a boolean, null/~/nothing null, and every other scalar a string
// (protobuf's JSON parser takes numbers and enum names as strings). The document must be a
// mapping.
absl::StatusOr<std::string> YamlToJson(absl::string_view path, absl::string_view text);

}  // namespace crmsync::ctl

#endif  // CRMSYNC_TOOLS_CRMSYNCCTL_PORTAL_FILE_H_

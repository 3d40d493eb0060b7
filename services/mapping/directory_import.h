// ImportDirectory: reads each requested part of a portal's directory from Zoho — every page of it
// — and replaces that part in the store in one transaction, so that nothing of a part that could
// not be read completely is written. Zoho's 429 / Retry-After is honoured by the HTTP client it
// is given (http::RetryingHttpClient); a 401 is retried once with a fresh token.
#ifndef CRMSYNC_SERVICES_MAPPING_DIRECTORY_IMPORT_H_
#define CRMSYNC_SERVICES_MAPPING_DIRECTORY_IMPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/common/clock.h"
#include "libs/http/http_client.h"
#include "services/mapping/access_tokens.h"
#include "services/mapping/metrics.h"
#include "services/mapping/store.h"

namespace crmsync::mapping {

// The scopes each side's grant needs for the import.
const std::vector<std::string>& ImportScopes(Side side);

class DirectoryImporter {
 public:
  // Everything must outlive the importer. `projects_base_url` is the Projects API host, e.g.
  // "https://projectsapi.zoho.com"; CRM calls go to the api_domain of the CRM token.
  DirectoryImporter(MappingStore& store, AccessTokens& tokens, http::HttpClient& http,
                    std::string projects_base_url, const Clock& clock, MappingMetrics& metrics)
      : store_(store),
        tokens_(tokens),
        http_(http),
        projects_base_url_(std::move(projects_base_url)),
        clock_(clock),
        metrics_(metrics) {}

  // Imports `parts` (distinct, in enum order) of a configured portal; one count per part. Stops
  // at the first part that fails, whose records are then not written (earlier parts stay):
  // FAILED_PRECONDITION no usable grant for the side, RESOURCE_EXHAUSTED Zoho's limits,
  // UNAVAILABLE Zoho or auth unreachable, INTERNAL a reply Zoho should not have sent,
  // DEADLINE_EXCEEDED `deadline` passed. `deadline` bounds every call to auth and Zoho (each
  // also within its own timeout) and every transaction.
  absl::StatusOr<std::vector<ImportCount>> Import(absl::string_view portal_id,
                                                  const std::vector<DirectoryPart>& parts,
                                                  absl::Time deadline);

 private:
  absl::StatusOr<ImportCount> ImportPart(absl::string_view portal_id, DirectoryPart part,
                                         absl::Time deadline);

  MappingStore& store_;
  AccessTokens& tokens_;
  http::HttpClient& http_;
  const std::string projects_base_url_;
  const Clock& clock_;
  MappingMetrics& metrics_;
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_DIRECTORY_IMPORT_H_

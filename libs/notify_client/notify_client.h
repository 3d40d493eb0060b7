// crmsync-notify's NotifyFailure as the services that relay failures to it (auth's broken grants,
// sync's refused changes) call it, and the bound notify puts on a failure's texts.
#ifndef CRMSYNC_LIBS_NOTIFY_CLIENT_NOTIFY_CLIENT_H_
#define CRMSYNC_LIBS_NOTIFY_CLIENT_NOTIFY_CLIENT_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"

namespace crmsync {

// The most characters (Unicode code points) notify takes in a failure's reason or values, as
// crmsync.notify.v1 documents it.
inline constexpr size_t kNotifyMaxTextCharacters = 2000;

// `text` (UTF-8) unchanged when it has at most `max_characters` characters; otherwise its start,
// cut between characters and ended with "…", `max_characters` in all. Zoho's error texts and
// task values have no such bound, and notify refuses a longer text for good.
std::string FitNotifyText(absl::string_view text, size_t max_characters = kNotifyMaxTextCharacters);

class NotifyClient {
 public:
  // Calls notify over `notify`, a channel that carries the caller's token. Each call is bounded
  // by `timeout`.
  NotifyClient(std::shared_ptr<grpc::Channel> notify, absl::Duration timeout);

  // notify's answer as a status (OK also for a duplicate failure id). A stop cancels the call in
  // flight rather than wait out its timeout: CANCELLED.
  absl::Status NotifyFailure(const notify::v1::NotifyFailureRequest& request,
                             const absl::Notification& stop);

  absl::Duration timeout() const { return timeout_; }

 private:
  std::unique_ptr<notify::v1::NotifyService::Stub> stub_;
  const absl::Duration timeout_;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_NOTIFY_CLIENT_NOTIFY_CLIENT_H_

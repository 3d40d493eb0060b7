#include "libs/notify_client/notify_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/grpc_server/status.h"

namespace crmsync {

std::string FitNotifyText(absl::string_view text, size_t max_characters) {
  constexpr absl::string_view kEllipsis = "\u2026";
  // A character starts at every byte that is not a continuation byte (10xxxxxx).
  const auto starts_character = [](char byte) { return (byte & 0xC0) != 0x80; };
  size_t characters = 0;
  size_t keep = 0;  // bytes of the first max_characters - 1 characters
  for (size_t i = 0; i < text.size(); ++i) {
    if (!starts_character(text[i])) continue;
    if (characters + 1 == max_characters) keep = i;
    if (++characters > max_characters) {
      if (max_characters == 0) return "";
      return absl::StrCat(text.substr(0, keep), kEllipsis);
    }
  }
  return std::string(text);
}

NotifyClient::NotifyClient(std::shared_ptr<grpc::Channel> notify, absl::Duration timeout)
    : stub_(notify::v1::NotifyService::NewStub(std::move(notify))), timeout_(timeout) {}

absl::Status NotifyClient::NotifyFailure(const notify::v1::NotifyFailureRequest& request,
                                         const absl::Notification& stop) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  notify::v1::NotifyFailureResponse response;
  grpc::Status status;
  absl::Notification done;
  stub_->async()->NotifyFailure(&context, &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    if (stop.HasBeenNotified()) context.TryCancel();
  }
  return FromGrpcStatus(status);
}

}  // namespace crmsync

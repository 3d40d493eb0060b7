// CallerDeadline as a handler sees it, over a real loopback connection, for the synchronous
// and the callback API.
#include "libs/grpc_server/deadline.h"

#include <grpcpp/grpcpp.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "gtest/gtest.h"

namespace crmsync {
namespace {

// Records the deadline each handler saw.
struct SeenDeadlines {
  absl::Mutex mutex;
  std::optional<absl::Time> seen ABSL_GUARDED_BY(mutex);

  void Record(absl::Time deadline) {
    absl::MutexLock lock(&mutex);
    seen = deadline;
  }
  std::optional<absl::Time> Get() {
    absl::MutexLock lock(&mutex);
    return seen;
  }
};

class SyncApi : public mapping::v1::MappingService::Service {
 public:
  explicit SyncApi(SeenDeadlines& seen) : seen_(seen) {}
  grpc::Status GetPortal(grpc::ServerContext* context, const mapping::v1::GetPortalRequest*,
                         mapping::v1::GetPortalResponse*) override {
    seen_.Record(CallerDeadline(*context));
    return grpc::Status::OK;
  }

 private:
  SeenDeadlines& seen_;
};

class CallbackApi : public sync::v1::SyncService::CallbackService {
 public:
  explicit CallbackApi(SeenDeadlines& seen) : seen_(seen) {}
  grpc::ServerUnaryReactor* SubmitChange(grpc::CallbackServerContext* context,
                                         const sync::v1::SubmitChangeRequest*,
                                         sync::v1::SubmitChangeResponse*) override {
    seen_.Record(CallerDeadline(*context));
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  SeenDeadlines& seen_;
};

class CallerDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&sync_api_);
    builder.RegisterService(&callback_api_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  // One call to each API, with `deadline` if any.
  void CallBothApis(std::optional<absl::Time> deadline) {
    grpc::ClientContext sync_context;
    grpc::ClientContext callback_context;
    if (deadline.has_value()) {
      sync_context.set_deadline(absl::ToChronoTime(*deadline));
      callback_context.set_deadline(absl::ToChronoTime(*deadline));
    }
    mapping::v1::GetPortalResponse portal;
    ASSERT_TRUE(mapping::v1::MappingService::NewStub(channel_)
                    ->GetPortal(&sync_context, mapping::v1::GetPortalRequest(), &portal)
                    .ok());
    sync::v1::SubmitChangeResponse change;
    ASSERT_TRUE(sync::v1::SyncService::NewStub(channel_)
                    ->SubmitChange(&callback_context, sync::v1::SubmitChangeRequest(), &change)
                    .ok());
  }

  SeenDeadlines sync_seen_;
  SeenDeadlines callback_seen_;
  SyncApi sync_api_{sync_seen_};
  CallbackApi callback_api_{callback_seen_};
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(CallerDeadlineTest, HandlersSeeTheDeadlineTheCallerSet) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  CallBothApis(deadline);
  for (SeenDeadlines* seen : {&sync_seen_, &callback_seen_}) {
    ASSERT_TRUE(seen->Get().has_value());
    // The deadline travels as a timeout relative to the moment of sending, so the server's copy
    // differs from the caller's by the time on the wire and the timeout's rounding.
    EXPECT_LT(absl::AbsDuration(*seen->Get() - deadline), absl::Seconds(5));
  }
}

TEST_F(CallerDeadlineTest, NoDeadlineIsInfiniteFuture) {
  CallBothApis(std::nullopt);
  EXPECT_EQ(sync_seen_.Get(), absl::InfiniteFuture());
  EXPECT_EQ(callback_seen_.Get(), absl::InfiniteFuture());
}

}  // namespace
}  // namespace crmsync

#include "libs/http/retry.h"

#include <deque>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace crmsync::http {
namespace {

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 30, 0), absl::UTCTimeZone());

Response WithStatus(int status, Headers headers = {}) {
  return Response{.status = status, .headers = std::move(headers)};
}

absl::Status NotSentError() {
  absl::Status status = absl::UnavailableError("refused");
  status.SetPayload("crmsync.http/not-sent", absl::Cord("1"));
  return status;
}

TEST(RetryAfter, ParsesSecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", kNow), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("Mon, 23 Nov 2026 09:30:45 GMT", kNow), absl::Seconds(45));
  EXPECT_EQ(ParseRetryAfter("Mon, 23 Nov 2026 09:00:00 GMT", kNow), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("-5", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kNow), std::nullopt);
}

TEST(IsRetryable, ThrottlingAndServerErrorsRetryOthersAreFinal) {
  const Request get{.method = Method::kGet};
  EXPECT_TRUE(IsRetryable(get, WithStatus(429)));
  EXPECT_TRUE(IsRetryable(get, WithStatus(500)));
  EXPECT_TRUE(IsRetryable(get, WithStatus(503)));
  EXPECT_TRUE(IsRetryable(get, absl::DeadlineExceededError("timeout")));
  EXPECT_TRUE(IsRetryable(get, absl::UnavailableError("reset")));
  EXPECT_FALSE(IsRetryable(get, WithStatus(200)));
  EXPECT_FALSE(IsRetryable(get, WithStatus(400)));
  EXPECT_FALSE(IsRetryable(get, WithStatus(401)));
  EXPECT_FALSE(IsRetryable(get, WithStatus(404)));
  EXPECT_FALSE(IsRetryable(get, absl::FailedPreconditionError("bad certificate")));
  EXPECT_FALSE(IsRetryable(get, absl::InvalidArgumentError("bad url")));
}

TEST(IsRetryable, ANonIdempotentPostIsRepeatedOnlyWhenItSurelyDidNotTakeEffect) {
  const Request create{.method = Method::kPost};
  EXPECT_TRUE(IsRetryable(create, WithStatus(429)));
  EXPECT_TRUE(IsRetryable(create, NotSentError()));
  EXPECT_FALSE(IsRetryable(create, WithStatus(500)));
  EXPECT_FALSE(IsRetryable(create, absl::UnavailableError("reset after sending")));
  EXPECT_FALSE(IsRetryable(create, absl::DeadlineExceededError("timeout")));
  const Request update{.method = Method::kPost, .post_is_idempotent = true};
  EXPECT_TRUE(IsRetryable(update, WithStatus(502)));
  EXPECT_TRUE(IsRetryable(update, absl::DeadlineExceededError("timeout")));
}

TEST(NextRetryDelay, HonoursRetryAfterAndTheAttemptBudget) {
  const RetryPolicy policy{.backoff = {absl::Milliseconds(100), absl::Seconds(1), 2.0},
                           .max_attempts = 3,
                           .max_retry_after = absl::Seconds(30)};
  const Request get;
  absl::BitGen random;
  auto delay =
      NextRetryDelay(policy, get, WithStatus(429, {{"retry-after", "7"}}), 1, kNow, random);
  ASSERT_TRUE(delay.has_value());
  EXPECT_GE(*delay, absl::Seconds(7));
  delay = NextRetryDelay(policy, get, WithStatus(503), 2, kNow, random);
  ASSERT_TRUE(delay.has_value());
  EXPECT_LE(*delay, absl::Milliseconds(200));
  EXPECT_EQ(NextRetryDelay(policy, get, WithStatus(503), 3, kNow, random), std::nullopt);
  EXPECT_EQ(
      NextRetryDelay(policy, get, WithStatus(429, {{"retry-after", "3600"}}), 1, kNow, random),
      std::nullopt);
  EXPECT_EQ(NextRetryDelay(policy, get, WithStatus(404), 1, kNow, random), std::nullopt);
}

class ScriptedClient : public HttpClient {
 public:
  explicit ScriptedClient(std::deque<absl::StatusOr<Response>> script)
      : script_(std::move(script)) {}
  absl::StatusOr<Response> Send(const Request&) override {
    ++calls;
    auto next = script_.front();
    script_.pop_front();
    return next;
  }
  int calls = 0;

 private:
  std::deque<absl::StatusOr<Response>> script_;
};

TEST(RetryingHttpClient, RetriesUntilSuccessSleepingBetweenAttempts) {
  ScriptedClient inner(
      {WithStatus(429, {{"retry-after", "2"}}), absl::UnavailableError("reset"), WithStatus(200)});
  std::vector<absl::Duration> sleeps;
  RetryingHttpClient client(inner, RetryPolicy{}, RealClock(),
                            [&](absl::Duration d) { sleeps.push_back(d); });
  auto response = client.Send({.method = Method::kGet, .url = "http://h/x"});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(inner.calls, 3);
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_GE(sleeps[0], absl::Seconds(2));
}

TEST(RetryingHttpClient, ReturnsTheLastOutcomeWhenAttemptsRunOut) {
  ScriptedClient inner({WithStatus(500), WithStatus(502), WithStatus(503)});
  RetryingHttpClient client(inner, RetryPolicy{.max_attempts = 3}, RealClock(),
                            [](absl::Duration) {});
  auto response = client.Send({.method = Method::kGet, .url = "http://h/x"});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(inner.calls, 3);
}

TEST(RetryingHttpClient, FinalOutcomesAreNotRepeated) {
  ScriptedClient inner({WithStatus(400)});
  RetryingHttpClient client(inner, RetryPolicy{}, RealClock(), [](absl::Duration) {});
  EXPECT_EQ(client.Send({.url = "http://h/x"})->status, 400);
  EXPECT_EQ(inner.calls, 1);
}

}  // namespace
}  // namespace crmsync::http

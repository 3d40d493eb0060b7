// CurlHttpClient against a real HTTP server on loopback.
#include "libs/http/http_client.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/http/url.h"
#include "tests/support/tls/test_certificates.h"

namespace crmsync::http {
namespace {

using ::testing::Contains;
using ::testing::Pair;

class LoopbackServer {
 public:
  // Serves plain HTTP, or HTTPS when `server` is an httplib::SSLServer (`scheme` "https").
  explicit LoopbackServer(
      std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>(),
      std::string scheme = "http")
      : server_(std::move(server)), scheme_(std::move(scheme)) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() before the accept loop runs would be lost, leaving the destructor's join hanging.
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackServer() {
    server_->stop();
    thread_.join();
  }
  httplib::Server& server() { return *server_; }
  std::string Url(absl::string_view path) const {
    return absl::StrCat(scheme_, "://127.0.0.1:", port_, path);
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::string scheme_;
  int port_ = 0;
  std::thread thread_;
};

TEST(CurlHttpClient, SendsMethodHeadersAndBodyAndReturnsTheResponse) {
  LoopbackServer loopback;
  for (const char* path : {"/echo"}) {
    auto echo = [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_header("X-Method", req.method);
      res.set_header("X-Token", req.get_header_value("Authorization"));
      res.set_content(absl::StrCat(req.body, "|", req.get_param_value("q")), "text/plain");
    };
    loopback.server().Get(path, echo);
    loopback.server().Post(path, echo);
    loopback.server().Put(path, echo);
    loopback.server().Patch(path, echo);
    loopback.server().Delete(path, echo);
  }
  CurlHttpClient client;
  for (Method method :
       {Method::kGet, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete}) {
    Request request{.method = method,
                    .url = WithQuery(loopback.Url("/echo"), {{"q", "a b&c"}}),
                    .headers = {{"Authorization", "Zoho-oauthtoken abc"}},
                    .body = method == Method::kGet ? "" : "payload"};
    auto response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 201);
    EXPECT_EQ(response->Header("x-method"), std::string(MethodName(method)));
    EXPECT_EQ(response->Header("X-TOKEN"), "Zoho-oauthtoken abc");
    EXPECT_EQ(response->body, absl::StrCat(request.body, "|a b&c"));
  }
}

TEST(CurlHttpClient, ErrorStatusesAreResponsesNotFailures) {
  LoopbackServer loopback;
  loopback.server().Get("/busy", [](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "3");
    res.set_content(R"({"code":"TOO_MANY_REQUESTS"})", "application/json");
  });
  CurlHttpClient client;
  auto response = client.Send({.url = loopback.Url("/busy")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->Header("retry-after"), "3");
  EXPECT_THAT(response->headers, Contains(Pair("content-type", "application/json")));
}

TEST(CurlHttpClient, ReusesConnections) {
  LoopbackServer loopback;
  std::mutex mutex;
  std::set<int> client_ports;
  loopback.server().Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    client_ports.insert(req.remote_port);
    res.set_content("ok", "text/plain");
  });
  CurlHttpClient client;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.Send({.url = loopback.Url("/")}).ok());
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST(CurlHttpClient, TotalTimeoutIsDeadlineExceeded) {
  LoopbackServer loopback;
  loopback.server().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    res.set_content("late", "text/plain");
  });
  CurlHttpClient client;
  auto response = client.Send({.url = loopback.Url("/slow"), .timeout = absl::Milliseconds(200)});
  EXPECT_TRUE(absl::IsDeadlineExceeded(response.status())) << response.status();
  EXPECT_FALSE(NotSent(response.status()));
}

TEST(CurlHttpClient, CancelledRequestIsAbortedWhileTheServerStillHoldsIt) {
  LoopbackServer loopback;
  std::atomic<bool> arrived{false};
  std::atomic<bool> answered{false};
  std::atomic<bool> released{false};
  loopback.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    arrived = true;
    for (int i = 0; i < 3000 && !released; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    answered = true;
    res.set_content("late", "text/plain");
  });
  CurlHttpClient client;
  // Cancelled once the request is at the server: the client gives up, the server never answers.
  auto response =
      client.Send({.url = loopback.Url("/hang"), .timeout = absl::Seconds(60), .cancelled = [&] {
                     return arrived.load();
                   }});
  EXPECT_TRUE(absl::IsCancelled(response.status())) << response.status();
  EXPECT_FALSE(answered);
  released = true;
}

TEST(DeadlineHttpClient, ARequestEndsWhenTheCallersDeadlinePasses) {
  LoopbackServer loopback;
  std::atomic<int> arrived{0};
  std::atomic<bool> answered{false};
  std::atomic<bool> released{false};
  loopback.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    ++arrived;
    for (int i = 0; i < 3000 && !released; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    answered = true;
    res.set_content("late", "text/plain");
  });
  CurlHttpClient curl;
  // The request's own timeout is far off; the caller's deadline comes first.
  DeadlineHttpClient client(curl, absl::Now() + absl::Milliseconds(300));
  auto response = client.Send({.url = loopback.Url("/hang"), .timeout = absl::Seconds(60)});
  EXPECT_TRUE(absl::IsDeadlineExceeded(response.status())) << response.status();
  EXPECT_FALSE(answered);
  released = true;

  // Once the deadline has passed, nothing more is sent.
  DeadlineHttpClient late(curl, absl::Now());
  response = late.Send({.url = loopback.Url("/hang")});
  EXPECT_TRUE(absl::IsDeadlineExceeded(response.status())) << response.status();
  EXPECT_LE(arrived, 1);
}

TEST(CurlHttpClient, RefusedConnectionIsUnavailableAndNotSent) {
  int port = 0;
  {
    LoopbackServer closed;  // a port that was free a moment ago
    port = std::stoi(closed.Url("").substr(std::string("http://127.0.0.1:").size()));
  }
  CurlHttpClient client;
  auto response = client.Send({.url = absl::StrCat("http://127.0.0.1:", port, "/x?token=secret")});
  EXPECT_TRUE(absl::IsUnavailable(response.status())) << response.status();
  EXPECT_TRUE(NotSent(response.status()));
  EXPECT_THAT(std::string(response.status().message()),
              ::testing::Not(::testing::HasSubstr("secret")));
}

TEST(CurlHttpClient, OversizedBodyIsResourceExhausted) {
  LoopbackServer loopback;
  loopback.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(4096, 'x'), "text/plain");
  });
  CurlHttpClient client({.max_response_bytes = 1024});
  auto response = client.Send({.url = loopback.Url("/big")});
  EXPECT_TRUE(absl::IsResourceExhausted(response.status())) << response.status();
}

TEST(CurlHttpClient, OnlyHttpAndHttpsAreAllowed) {
  CurlHttpClient client;
  auto response = client.Send({.url = "file:///etc/passwd"});
  EXPECT_TRUE(absl::IsInvalidArgument(response.status())) << response.status();
}

// An HTTPS server whose certificate a private CA, made by openssl for the test, signed; and a
// second CA that did not sign it.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / absl::StrCat("crmsync_http_tls_", getpid()))
               .string();
    std::filesystem::create_directories(dir_);
    auto ca = crmsync::testing::MakeTestCa(dir_, "trusted");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    auto other = crmsync::testing::MakeTestCa(dir_, "other");
    ASSERT_TRUE(other.ok()) << other.status();
    other_ca_ = *other;
    auto certificate = crmsync::testing::MakeServerCertificate(ca_, dir_, "server");
    ASSERT_TRUE(certificate.ok()) << certificate.status();
    auto server =
        std::make_unique<httplib::SSLServer>(certificate->cert.c_str(), certificate->key.c_str());
    ASSERT_TRUE(server->is_valid());
    server->Get("/token", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"access_token":"1000.abc"})", "application/json");
    });
    loopback_ = std::make_unique<LoopbackServer>(std::move(server), "https");
  }
  void TearDown() override {
    loopback_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  crmsync::testing::CertificateFiles ca_, other_ca_;
  std::unique_ptr<LoopbackServer> loopback_;
};

TEST_F(TlsTest, AnUntrustedCertificateIsRefused) {
  CurlHttpClient system_store;
  auto response = system_store.Send({.url = loopback_->Url("/token")});
  EXPECT_TRUE(absl::IsFailedPrecondition(response.status())) << response.status();

  CurlHttpClient other_ca({.ca_file = other_ca_.cert});
  response = other_ca.Send({.url = loopback_->Url("/token")});
  EXPECT_TRUE(absl::IsFailedPrecondition(response.status())) << response.status();
}

TEST_F(TlsTest, ACertificateOfTheConfiguredCaIsAccepted) {
  CurlHttpClient client({.ca_file = ca_.cert});
  auto response = client.Send({.url = loopback_->Url("/token")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"access_token":"1000.abc"})");
}

TEST_F(TlsTest, TheCertificateMustNameTheHost) {
  // The same trusted certificate, reached as "localhost" rather than the 127.0.0.1 it names.
  CurlHttpClient client({.ca_file = ca_.cert});
  std::string url = loopback_->Url("/token");
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  auto response = client.Send({.url = url});
  EXPECT_TRUE(absl::IsFailedPrecondition(response.status())) << response.status();
}

TEST(Url, EncodesReservedCharacters) {
  EXPECT_EQ(UrlEncode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
  EXPECT_EQ(FormEncode({{"grant_type", "refresh_token"}, {"x", "1+1"}}),
            "grant_type=refresh_token&x=1%2B1");
  EXPECT_EQ(WithQuery("https://h/p", {}), "https://h/p");
  EXPECT_EQ(WithQuery("https://h/p", {{"ids", "1,2"}}), "https://h/p?ids=1%2C2");
  EXPECT_EQ(RedactedUrl("https://h/oauth/v2/token/revoke?token=s3cret#x"),
            "https://h/oauth/v2/token/revoke");
}

}  // namespace
}  // namespace crmsync::http

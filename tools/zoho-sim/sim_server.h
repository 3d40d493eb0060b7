// The simulator's HTTP front: routes Zoho's accounts, CRM and Projects endpoints and the /_sim/
// control API onto SimState, and adds what lives outside the records: the Authorization check,
// per-token limits, injected faults, the request log, a movable clock and webhook delivery.
#ifndef CRMSYNC_TOOLS_ZOHO_SIM_SIM_SERVER_H_
#define CRMSYNC_TOOLS_ZOHO_SIM_SIM_SERVER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "httplib.h"
#include "libs/common/clock.h"
#include "libs/http/http_client.h"
#include "tools/zoho-sim/sim_state.h"

namespace crmsync::zoho_sim {

// Faults injected by POST /_sim/faults until `until`.
struct Faults {
  double error_429_share = 0;
  // The Retry-After of an injected 429.
  absl::Duration retry_after = absl::Seconds(1);
  double error_5xx_share = 0;
  double drop_share = 0;
  absl::Duration latency = absl::ZeroDuration();
  // The share of requests held for `latency`: below 1, some calls are slow (a client's timeout
  // gives up on them while Zoho still carries them out) and the rest are not.
  double latency_share = 1;
  double webhook_duplicate_share = 0;
  absl::Duration webhook_delay = absl::ZeroDuration();
  // Webhooks never sent (as if lost on the way), and a random extra delay of up to
  // `webhook_jitter` per webhook, which delivers webhooks out of order.
  double webhook_drop_share = 0;
  absl::Duration webhook_jitter = absl::ZeroDuration();
  // CRM records whose updates CRM answers per record with INVALID_DATA (a permanent refusal).
  std::set<std::string> crm_invalid_data_ids;
  std::string path_prefix;  // empty: every Zoho endpoint
  absl::Time until = absl::InfinitePast();
};

class SimServer {
 public:
  explicit SimServer(SimOptions options);
  ~SimServer();

  // Binds `host`:`port` (0 picks a free port) and returns the port.
  absl::StatusOr<int> Bind(const std::string& host, int port);
  // Serves until Stop(). Call after Bind.
  void Serve();
  // Stops serving and webhook delivery. Safe from any thread.
  void Stop();

 private:
  struct Caller {
    std::string user_email;
  };
  using ApiHandler = std::function<Reply(const httplib::Request&, const Caller&, absl::Time)>;
  using ControlHandler = std::function<Reply(const httplib::Request&, const Json& body)>;
  enum class Api { kAccounts, kCrm, kProjects };
  struct PendingWebhook {
    absl::Time due;
    Webhook webhook;
  };
  // When an API request arrived and the alias of the access token it carried ("" for none).
  struct Arrival {
    absl::Time time;
    std::string token;
  };
  // CRM requests of one access token being answered now, and the most there were at once.
  struct InFlight {
    int now = 0;
    int high_water = 0;
  };

  absl::Time Now() const;
  void Route(const std::string& method, const std::string& pattern, const std::string& endpoint,
             Api api, ApiHandler handler);
  void Control(const std::string& method, const std::string& pattern, ControlHandler handler);
  void RegisterAccounts();
  void RegisterCrm();
  void RegisterProjects();
  void RegisterControl();
  // Takes the state's new webhooks into the delivery queue, applying webhook faults.
  void QueueWebhooks();
  void DeliverWebhooks();
  void Record(const httplib::Request& req, const std::string& endpoint, int status,
              const Arrival& arrival);
  // A stable name of the request's access token for the request log: never the token itself.
  std::string TokenAlias(const httplib::Request& req);
  std::optional<Faults> ActiveFaults(const std::string& path);

  httplib::Server server_;
  std::string base_url_;

  mutable std::mutex mutex_;  // guards everything below
  SimState state_;
  absl::Duration clock_offset_ = absl::ZeroDuration();
  Faults faults_;
  absl::BitGen random_;
  std::deque<Json> request_log_;
  std::map<std::string, int64_t> counts_;
  std::map<std::string, std::string> token_aliases_;  // access token → "t1", "t2", ...
  std::map<std::string, InFlight> crm_in_flight_;     // by token alias
  std::deque<PendingWebhook> webhook_queue_;
  std::deque<Json> webhook_log_;
  // Faults injected so far, by kind ("error_429", "webhook_drop", ...): GET /_sim/faults.
  std::map<std::string, int64_t> injected_;
  bool stopping_ = false;
  std::condition_variable webhook_wakeup_;
  // Counts changes of the faults; a delay in progress ends when they change or the sim stops.
  uint64_t faults_generation_ = 0;
  std::condition_variable faults_changed_;

  http::CurlHttpClient webhook_client_;
  std::thread webhook_thread_;
};

}  // namespace crmsync::zoho_sim

#endif  // CRMSYNC_TOOLS_ZOHO_SIM_SIM_SERVER_H_

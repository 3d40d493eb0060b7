// What Zoho's people and admins do in zoho-sim through its control API, shared by the sync tests
// that drive the simulator in process and those that run the sync binary: posting to the control
// API and reading the ids of the records it made.
#ifndef CRMSYNC_TESTS_SERVICES_SYNC_SIM_RECORDS_H_
#define CRMSYNC_TESTS_SERVICES_SYNC_SIM_RECORDS_H_

#include <string>

#include "gtest/gtest.h"
#include "libs/http/http_client.h"
#include "nlohmann/json.hpp"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::sync {

// POSTs `body` to the control API's `path`; a failure fails the test and answers an empty object.
inline nlohmann::json SimControl(crmsync::testing::ZohoSimProcess& sim, const std::string& path,
                                 const nlohmann::json& body) {
  auto reply = sim.Control(http::Method::kPost, path, body);
  EXPECT_TRUE(reply.ok()) << path << ": " << reply.status();
  return reply.ok() ? *reply : nlohmann::json::object();
}

// The id of a record as zoho-sim answered it, as a string (some ids come back as numbers).
inline std::string SimId(const nlohmann::json& record) {
  return record["id"].is_string() ? record["id"].get<std::string>() : record["id"].dump();
}

// A Projects project and its task, as an admin made them.
struct SimProjectTask {
  std::string project;
  std::string task;
};

// The project "Data Migration" in `portal` with the task "Migrate data", created by `owner`.
inline SimProjectTask MigrateDataTask(crmsync::testing::ZohoSimProcess& sim,
                                      const std::string& portal, const std::string& owner) {
  SimProjectTask made;
  made.project = SimControl(sim, "/_sim/projects/portals/" + portal + "/projects",
                            {{"name", "Data Migration"}})["id_string"];
  made.task = SimId(
      SimControl(sim, "/_sim/projects/portals/" + portal + "/projects/" + made.project + "/tasks",
                 {{"fields", {{"name", "Migrate data"}}}, {"user_email", owner}})["tasks"][0]);
  return made;
}

}  // namespace crmsync::sync

#endif  // CRMSYNC_TESTS_SERVICES_SYNC_SIM_RECORDS_H_

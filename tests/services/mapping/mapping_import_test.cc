// ImportDirectory against zoho-sim (the only stand-in for Zoho) and a real PostgreSQL: every part
// read page by page and replaced with its counts, the picker over what was imported, a second
// import after records changed and one was removed in Zoho, Zoho's 429 retried, and a rate limit
// that outlasts the retries leaving the part unwritten.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/http/http_client.h"
#include "libs/http/retry.h"
#include "prometheus/registry.h"
#include "services/mapping/directory_import.h"
#include "services/mapping/pg_store.h"
#include "tests/services/mapping/sim_access_tokens.h"
#include "tests/services/mapping/test_pool.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::mapping {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kClientId[] = "1000.MAPPINGTEST";
constexpr char kClientSecret[] = "mapping-secret";

class MappingImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auto refresh = sim_->SeedGrant(kClientId, kClientSecret, "admin@acme.example");
    ASSERT_TRUE(refresh.ok()) << refresh.status();
    tokens_ = std::make_unique<SimAccessTokens>(*sim_, kClientId, kClientSecret, *refresh);
    auto pool = MakeTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_.pool);
    importer_ = std::make_unique<DirectoryImporter>(*store_, *tokens_, http_, sim_->base_url(),
                                                    RealClock(), metrics_);

    portal_ = Control("/_sim/projects/portals", {{"name", "acme"}})["id_string"];
    ASSERT_TRUE(
        store_
            ->UpsertPortal({portal_, "Acme", "20050", {}, {}}, absl::Now(), absl::InfiniteFuture())
            .ok());
    acme_client_ = Control(PortalPath("/clients"), {{"name", "Acme  Corp"}})["id_string"];
    Control(PortalPath("/clients"), {{"name", "Müller GmbH"}});
    Control(PortalPath("/clients"), {{"name", "Globex"}});
    migration_ = Control(PortalPath("/projects"), {{"name", "Data migration"},
                                                   {"start_date", "11-02-2026"},
                                                   {"end_date", "12-18-2026"},
                                                   {"strict", true},
                                                   {"client_id", acme_client_}})["id_string"];
    Control(PortalPath("/projects"), {{"name", "Internal"}});
    Control(PortalPath("/users"), {{"name", "Ana Lima"}, {"email", "Ana.Lima@Example.com"}});
    Control(PortalPath("/users"), {{"name", "Bo Chen"}, {"email", "bo@example.com"}});
    Control("/_sim/crm/users", {{"email", "ana.lima@example.com"}, {"full_name", "Ana L."}});
    acme_account_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", " ACME corp "}}));
    Control("/_sim/crm/Accounts", {{"Account_Name", "MÜLLER gmbh"}});
    globex_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));
    globex_twin_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "GLOBEX "}}));
    Control("/_sim/crm/Deals",
            {{"Deal_Name", "Renewal 2027"}, {"Account_Name", {{"id", acme_account_}}}});
  }

  static std::string Id(const nlohmann::json& record) {
    return record["id"].is_string() ? record["id"].get<std::string>() : record["id"].dump();
  }
  std::string PortalPath(const std::string& rest) {
    return "/_sim/projects/portals/" + portal_ + rest;
  }
  nlohmann::json Control(const std::string& path, const nlohmann::json& body) {
    auto reply = sim_->Control(http::Method::kPost, path, body);
    EXPECT_TRUE(reply.ok()) << path << ": " << reply.status();
    return reply.ok() ? *reply : nlohmann::json::object();
  }
  std::vector<std::string> CandidatePairs() {
    auto page = store_->ListCandidates(portal_, "", std::nullopt, 50, absl::InfiniteFuture());
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> pairs;
    for (const auto& c : page->unmapped) {
      pairs.push_back(c.client_account.name + " ~ " + c.crm_account.name);
    }
    return pairs;
  }
  int Count429(const std::string& path_prefix) {
    auto requests = sim_->Control(http::Method::kGet, "/_sim/requests");
    EXPECT_TRUE(requests.ok());
    int n = 0;
    for (const auto& r : (*requests)["requests"]) {
      if (r["status"] == 429 && r["path"].get<std::string>().rfind(path_prefix, 0) == 0) ++n;
    }
    return n;
  }

  std::unique_ptr<testing::ZohoSimProcess> sim_;
  std::unique_ptr<SimAccessTokens> tokens_;
  http::CurlHttpClient curl_;
  http::RetryingHttpClient http_{curl_, http::RetryPolicy{}};
  prometheus::Registry registry_;
  MappingMetrics metrics_{registry_};
  TestPool pool_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<DirectoryImporter> importer_;
  std::string portal_, acme_client_, migration_, acme_account_, globex_, globex_twin_;
};

const std::vector<DirectoryPart> kAllParts = {
    DirectoryPart::kClientAccounts, DirectoryPart::kProjects, DirectoryPart::kProjectsUsers,
    DirectoryPart::kCrmAccounts,    DirectoryPart::kDeals,    DirectoryPart::kCrmUsers};

TEST_F(MappingImportTest, ImportsEveryPartAndThePickerShowsWhatMatches) {
  auto counts = importer_->Import(portal_, kAllParts, absl::InfiniteFuture());
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_THAT(*counts, SizeIs(6));
  std::vector<std::pair<int, int>> fetched_created;
  for (const auto& c : *counts) fetched_created.emplace_back(c.fetched, c.created);
  // CRM users: the grant's own user and Ana.
  EXPECT_THAT(fetched_created, ElementsAre(std::pair(3, 3), std::pair(2, 2), std::pair(2, 2),
                                           std::pair(4, 4), std::pair(1, 1), std::pair(2, 2)));

  EXPECT_THAT(CandidatePairs(), ElementsAre("Acme  Corp ~  ACME corp ", "Globex ~ Globex",
                                            "Globex ~ GLOBEX ", "Müller GmbH ~ MÜLLER gmbh"));
  auto project = store_->GetProject(portal_, migration_, absl::InfiniteFuture());
  ASSERT_TRUE(project.ok()) << project.status();
  EXPECT_EQ(project->client_account->name, "Acme  Corp");
  EXPECT_TRUE(project->project.strict);
  EXPECT_EQ(project->project.end_date, absl::CivilDay(2026, 12, 18));

  auto ana = store_->LookupUserByEmail(portal_, "ana.lima@example.com", absl::InfiniteFuture());
  ASSERT_TRUE(ana.ok()) << ana.status();
  EXPECT_TRUE(ana->linked());
  auto bo = store_->LookupUserByEmail(portal_, "bo@example.com", absl::InfiniteFuture());
  ASSERT_TRUE(bo.ok());
  EXPECT_FALSE(bo->linked());

  auto plan =
      store_->AutoMapAccounts(portal_, /*dry_run=*/true, "", absl::Now(), absl::InfiniteFuture());
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->mapped, SizeIs(2));
  ASSERT_THAT(plan->plan.ambiguous, SizeIs(1));
  EXPECT_EQ(plan->plan.ambiguous[0].match_key, "globex");
  EXPECT_EQ(metrics_.directory_records.Add({{"part", "crm_accounts"}, {"action", "added"}}).Value(),
            4);
}

TEST_F(MappingImportTest, SecondImportCountsChangedAndRemovedAndKeepsMappings) {
  ASSERT_TRUE(importer_->Import(portal_, kAllParts, absl::InfiniteFuture()).ok());
  ASSERT_TRUE(store_
                  ->MapAccount(portal_, acme_client_, acme_account_, "", absl::Now(),
                               absl::InfiniteFuture())
                  .ok());
  Control("/_sim/crm/Accounts/" + globex_ + "/edit",
          {{"user_email", "admin@acme.example"}, {"fields", {{"Account_Name", "Globex Inc"}}}});
  Control("/_sim/crm/Accounts/" + globex_twin_ + "/delete", {{"user_email", "admin@acme.example"}});

  auto counts = importer_->Import(portal_, {DirectoryPart::kCrmAccounts}, absl::InfiniteFuture());
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_THAT(*counts, SizeIs(1));
  EXPECT_EQ((*counts)[0].fetched, 3);
  EXPECT_EQ((*counts)[0].created, 0);
  EXPECT_EQ((*counts)[0].updated, 1);
  EXPECT_EQ((*counts)[0].removed, 1);
  // "Globex Inc" no longer matches "Globex", the twin is gone, Acme stays mapped.
  EXPECT_THAT(CandidatePairs(), ElementsAre("Müller GmbH ~ MÜLLER gmbh"));
  auto acme =
      store_->ListCandidates(portal_, acme_client_, std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_TRUE(acme.ok());
  EXPECT_THAT(acme->mapped, SizeIs(1));
}

TEST_F(MappingImportTest, A429IsRetriedAndTheImportCompletes) {
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"error_429_share", 1.0},
                             {"path_prefix", "/crm/v2/Accounts"},
                             {"duration_seconds", 1.0}})
                  .ok());
  auto counts = importer_->Import(portal_, {DirectoryPart::kCrmAccounts}, absl::InfiniteFuture());
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ((*counts)[0].created, 4);
  EXPECT_GE(Count429("/crm/v2/Accounts"), 1);
}

TEST_F(MappingImportTest, ARateLimitThatOutlastsTheRetriesWritesNothingOfThePart) {
  ASSERT_TRUE(
      importer_->Import(portal_, {DirectoryPart::kClientAccounts}, absl::InfiniteFuture()).ok());
  Control(PortalPath("/clients"), {{"name", "Initech"}});
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"error_429_share", 1.0},
                             {"path_prefix", "/restapi/portal/" + portal_ + "/clients"},
                             {"duration_seconds", 600.0}})
                  .ok());
  auto counts =
      importer_->Import(portal_, {DirectoryPart::kClientAccounts}, absl::InfiniteFuture());
  EXPECT_EQ(counts.status().code(), absl::StatusCode::kResourceExhausted) << counts.status();
  auto page = store_->ListCandidates(portal_, "", std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->client_accounts, SizeIs(3));
  EXPECT_EQ(metrics_.import_failures.Add({{"cause", "rate_limited"}}).Value(), 1);
}

TEST_F(MappingImportTest, EveryPageOfClientCompaniesIsRead) {
  for (int i = 0; i < 205; ++i) {
    Control(PortalPath("/clients"), {{"name", "Client " + std::to_string(i)}});
  }
  auto counts =
      importer_->Import(portal_, {DirectoryPart::kClientAccounts}, absl::InfiniteFuture());
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ((*counts)[0].fetched, 208);
  EXPECT_EQ((*counts)[0].created, 208);
}

TEST_F(MappingImportTest, AnExpiredTokenIsReplacedOnce) {
  ASSERT_TRUE(importer_->Import(portal_, {DirectoryPart::kCrmUsers}, absl::InfiniteFuture()).ok());
  // Past the token's hour, Zoho answers 401 INVALID_OAUTHTOKEN to the token held.
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 7200}}).ok());
  auto counts = importer_->Import(portal_, {DirectoryPart::kCrmUsers}, absl::InfiniteFuture());
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ((*counts)[0].fetched, 2);
}

TEST_F(MappingImportTest, UnknownPortalIsNotFoundBeforeZohoIsRead) {
  EXPECT_EQ(importer_->Import("424242", {DirectoryPart::kCrmAccounts}, absl::InfiniteFuture())
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crmsync::mapping

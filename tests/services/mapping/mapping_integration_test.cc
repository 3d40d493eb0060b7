// The crmsync-mapping binary end to end: zoho-sim as Zoho, the real crmsync-auth binary vending
// its tokens, a real PostgreSQL. What an admin sees through the API: the import, the picker's
// mapped and unmapped sections, names that differ only in case or spacing, two CRM accounts with
// one name left to a person, map / unmap / re-map errors, deals filtered by project, users linked
// by email, a second import after Zoho changed, a 429 during import, and portal isolation.
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/mapping/directory_import.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/serving_binary.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/services/crmsync_services.h"
#include "tests/support/zoho_sim/sim_grant.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::mapping {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kClientId[] = "1000.MAPPINGE2E";
constexpr char kClientSecret[] = "e2e-secret";
constexpr char kAdmin[] = "admin@acme.example";

class MappingIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auto sim = crmsync::testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auth_ = crmsync::testing::StartAuth(database_->url());
    ASSERT_NE(auth_.channel, nullptr);
    mapping_ = crmsync::testing::StartMapping(database_->url(), auth_.address, sim_->base_url());
    ASSERT_NE(mapping_.channel, nullptr);
    stub_ = v1::MappingService::NewStub(mapping_.channel);
    refresh_token_ = *sim_->SeedGrant(kClientId, kClientSecret, kAdmin);

    portal_ = SimPortal("acme");
    Upsert(portal_, "Acme");
    Register(portal_, common::v1::SIDE_PROJECTS);
    Register(portal_, common::v1::SIDE_CRM);
  }

  std::string SimPortal(const std::string& name) {
    return Control("/_sim/projects/portals", {{"name", name}})["id_string"];
  }
  nlohmann::json Control(const std::string& path, const nlohmann::json& body) {
    auto reply = sim_->Control(http::Method::kPost, path, body);
    EXPECT_TRUE(reply.ok()) << path << ": " << reply.status();
    return reply.ok() ? *reply : nlohmann::json::object();
  }
  static std::string Id(const nlohmann::json& record) {
    return record["id"].is_string() ? record["id"].get<std::string>() : record["id"].dump();
  }
  void Upsert(const std::string& portal, const std::string& name) {
    v1::UpsertPortalRequest request;
    request.mutable_portal()->set_portal_id(portal);
    request.mutable_portal()->set_name(name);
    request.mutable_portal()->set_crm_org_id("20050");
    v1::UpsertPortalResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->UpsertPortal(&context, request, &response).ok());
  }
  void Register(const std::string& portal, common::v1::Side side) {
    const auto& scopes = ImportScopes(side == common::v1::SIDE_CRM ? Side::kCrm : Side::kProjects);
    const grpc::Status status = crmsync::testing::RegisterSimGrant(auth_.channel, *sim_,
                                                                   {portal,
                                                                    side,
                                                                    kClientId,
                                                                    kClientSecret,
                                                                    refresh_token_,
                                                                    {scopes.begin(), scopes.end()},
                                                                    kAdmin});
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  grpc::Status Import(const std::string& portal, std::vector<v1::DirectoryPart> parts,
                      v1::ImportDirectoryResponse* response) {
    v1::ImportDirectoryRequest request;
    request.set_portal_id(portal);
    for (auto part : parts) request.add_parts(part);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    return stub_->ImportDirectory(&context, request, response);
  }
  v1::ListAccountCandidatesResponse Candidates(const std::string& portal,
                                               const std::string& client = "") {
    v1::ListAccountCandidatesRequest request;
    request.set_portal_id(portal);
    request.set_client_account_id(client);
    v1::ListAccountCandidatesResponse response;
    grpc::ClientContext context;
    const auto status = stub_->ListAccountCandidates(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  std::vector<std::string> Pairs(const v1::ListAccountCandidatesResponse& page) {
    std::vector<std::string> out;
    for (const auto& m : page.mapped()) {
      out.push_back(m.client_account().name() + " = " + m.crm_account().name());
    }
    for (const auto& c : page.unmapped()) {
      out.push_back(c.client_account().name() + " ~ " + c.crm_account().name());
    }
    return out;
  }
  grpc::Status Map(const std::string& client, const std::string& crm) {
    v1::MapAccountRequest request;
    request.set_portal_id(portal_);
    request.set_client_account_id(client);
    request.set_crm_account_id(crm);
    v1::MapAccountResponse response;
    grpc::ClientContext context;
    return stub_->MapAccount(&context, request, &response);
  }

  std::unique_ptr<crmsync::testing::TestDatabase> database_;
  std::unique_ptr<crmsync::testing::ZohoSimProcess> sim_;
  crmsync::testing::ServingBinary auth_;
  crmsync::testing::ServingBinary mapping_;
  std::unique_ptr<v1::MappingService::Stub> stub_;
  std::string refresh_token_, portal_;
};

TEST_F(MappingIntegrationTest, AnAdminMapsAccountsDealsAndUsersFromAnImportedDirectory) {
  const std::string acme_client = Control("/_sim/projects/portals/" + portal_ + "/clients",
                                          {{"name", "Acme  Corp"}})["id_string"];
  Control("/_sim/projects/portals/" + portal_ + "/clients", {{"name", "Müller GmbH"}});
  const std::string globex_client =
      Control("/_sim/projects/portals/" + portal_ + "/clients", {{"name", "Globex"}})["id_string"];
  const std::string migration = Control(
      "/_sim/projects/portals/" + portal_ + "/projects",
      {{"name", "Data migration"}, {"strict", true}, {"client_id", acme_client}})["id_string"];
  const std::string internal = Control("/_sim/projects/portals/" + portal_ + "/projects",
                                       {{"name", "Internal"}})["id_string"];
  Control("/_sim/projects/portals/" + portal_ + "/users",
          {{"name", "Ana Lima"}, {"email", "Ana.Lima@Example.com"}});
  Control("/_sim/projects/portals/" + portal_ + "/users",
          {{"name", "Bo Chen"}, {"email", "bo@example.com"}});
  Control("/_sim/crm/users", {{"email", "ana.lima@example.com"}, {"full_name", "Ana L."}});
  const std::string acme = Id(Control("/_sim/crm/Accounts", {{"Account_Name", " ACME corp "}}));
  Control("/_sim/crm/Accounts", {{"Account_Name", "MÜLLER gmbh"}});
  const std::string globex = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));
  const std::string twin = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "GLOBEX "}}));
  const std::string renewal = Id(Control(
      "/_sim/crm/Deals", {{"Deal_Name", "Renewal 2027"}, {"Account_Name", {{"id", acme}}}}));
  const std::string audit = Id(Control("/_sim/crm/Deals", {{"Deal_Name", "Audit"}}));

  v1::ImportDirectoryResponse imported;
  const auto import_status = Import(portal_, {}, &imported);
  ASSERT_TRUE(import_status.ok()) << import_status.error_message();
  ASSERT_THAT(imported.counts(), SizeIs(6));
  EXPECT_EQ(imported.counts(0).part(), v1::DIRECTORY_PART_CLIENT_ACCOUNTS);
  EXPECT_EQ(imported.counts(0).created(), 3);
  EXPECT_EQ(imported.counts(3).part(), v1::DIRECTORY_PART_CRM_ACCOUNTS);
  EXPECT_EQ(imported.counts(3).created(), 4);

  // The picker: same-name pairs whatever the case and spacing; Globex has two candidates.
  EXPECT_THAT(Pairs(Candidates(portal_)),
              ElementsAre("Acme  Corp ~  ACME corp ", "Globex ~ Globex", "Globex ~ GLOBEX ",
                          "Müller GmbH ~ MÜLLER gmbh"));

  // Auto-map maps the unambiguous pairs and leaves Globex to a person.
  v1::AutoMapAccountsRequest auto_map;
  auto_map.set_portal_id(portal_);
  v1::AutoMapAccountsResponse auto_mapped;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->AutoMapAccounts(&context, auto_map, &auto_mapped).ok());
  }
  EXPECT_THAT(auto_mapped.mapped(), SizeIs(2));
  ASSERT_THAT(auto_mapped.ambiguous(), SizeIs(1));
  EXPECT_THAT(auto_mapped.ambiguous(0).crm_accounts(), SizeIs(2));
  EXPECT_THAT(Pairs(Candidates(portal_)),
              ElementsAre("Acme  Corp =  ACME corp ", "Müller GmbH = MÜLLER gmbh",
                          "Globex ~ Globex", "Globex ~ GLOBEX "));

  // Map, re-map and unmap by hand.
  EXPECT_TRUE(Map(globex_client, globex).ok());
  EXPECT_EQ(Map(globex_client, globex).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  const auto busy = Map(globex_client, twin);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(busy.error_message(), HasSubstr("unmap it first"));
  EXPECT_EQ(Map(acme_client, globex).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Map("424242", globex).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(Map("42 42", globex).error_message(), StartsWith("client_account_id: "));
  {
    v1::UnmapAccountRequest request;
    request.set_portal_id(portal_);
    request.set_client_account_id(globex_client);
    v1::UnmapAccountResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->UnmapAccount(&context, request, &response).ok());
  }
  EXPECT_TRUE(Map(globex_client, twin).ok());

  // The project knows its client and that client's CRM account; deals are filtered by project.
  {
    v1::GetProjectRequest request;
    request.set_portal_id(portal_);
    request.set_project_id(migration);
    v1::GetProjectResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetProject(&context, request, &response).ok());
    EXPECT_EQ(response.project().mapped_crm_account().crm_account_id(), acme);
    EXPECT_TRUE(response.project().strict_schedule());
  }
  for (const auto& [deal, project] : {std::pair(renewal, migration), std::pair(audit, internal)}) {
    v1::MapDealToProjectRequest request;
    request.set_portal_id(portal_);
    request.set_crm_deal_id(deal);
    request.set_project_id(project);
    v1::MapDealToProjectResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->MapDealToProject(&context, request, &response).ok());
  }
  {
    v1::ListProjectDealsRequest request;
    request.set_portal_id(portal_);
    request.set_project_id(migration);
    v1::ListProjectDealsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListProjectDeals(&context, request, &response).ok());
    ASSERT_THAT(response.deals(), SizeIs(1));
    EXPECT_EQ(response.deals(0).name(), "Renewal 2027");
    EXPECT_EQ(response.deals(0).crm_account_name(), " ACME corp ");
  }

  // Users: Ana is on both sides (emails differ in case), Bo and the grant's owner on one.
  {
    v1::ListUsersRequest request;
    request.set_portal_id(portal_);
    v1::ListUsersResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListUsers(&context, request, &response).ok());
    std::vector<std::string> users;
    for (const auto& u : response.users()) {
      users.push_back(u.email() + (u.linked() ? " linked" : " unlinked"));
    }
    EXPECT_THAT(users, ElementsAre("admin@acme.example unlinked", "ana.lima@example.com linked",
                                   "bo@example.com unlinked"));
  }

  // Zoho changes: one account renamed, one deleted. A 429 on the way is retried.
  Control("/_sim/crm/Accounts/" + globex + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Account_Name", "Globex Inc"}}}});
  Control("/_sim/crm/Accounts/" + twin + "/delete", {{"user_email", kAdmin}});
  Control("/_sim/faults",
          {{"error_429_share", 1.0}, {"path_prefix", "/crm/v2/Accounts"}, {"duration_seconds", 1}});
  v1::ImportDirectoryResponse again;
  const auto again_status = Import(portal_, {v1::DIRECTORY_PART_CRM_ACCOUNTS}, &again);
  ASSERT_TRUE(again_status.ok()) << again_status.error_message();
  ASSERT_THAT(again.counts(), SizeIs(1));
  EXPECT_EQ(again.counts(0).fetched(), 3);
  EXPECT_EQ(again.counts(0).updated(), 1);
  EXPECT_EQ(again.counts(0).removed(), 1);
  auto requests = sim_->Control(http::Method::kGet, "/_sim/requests");
  ASSERT_TRUE(requests.ok());
  int throttled = 0;
  for (const auto& r : (*requests)["requests"]) throttled += r["status"] == 429 ? 1 : 0;
  EXPECT_GE(throttled, 1);
  // The removed twin keeps its mapping to Globex's client account; nothing new is offered.
  EXPECT_THAT(Pairs(Candidates(portal_, globex_client)), ElementsAre("Globex = GLOBEX "));

  // Another portal sees none of this one's records, and has no grant to import with.
  const std::string other = SimPortal("other");
  Upsert(other, "Other");
  EXPECT_THAT(Pairs(Candidates(other)), ElementsAre());
  v1::ImportDirectoryResponse refused;
  EXPECT_EQ(Import(other, {v1::DIRECTORY_PART_CRM_ACCOUNTS}, &refused).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace crmsync::mapping

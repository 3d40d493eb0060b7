// MappingService over an in-process gRPC channel on a real PostgreSQL: what a caller sees —
// status codes, messages naming the field, effective portal settings, page tokens — and that
// rejected input writes nothing.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "prometheus/registry.h"
#include "services/mapping/mapping_server.h"
#include "services/mapping/method_roles.h"
#include "services/mapping/pg_store.h"
#include "tests/services/mapping/test_pool.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/deadline_pool_options.h"

namespace crmsync::mapping {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

const absl::Time kStart = absl::FromUnixSeconds(1795424400);

class MappingServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = MakeTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_.pool);
    server_ = std::make_unique<MappingServer>(*store_, clock_, metrics_, absl::Seconds(5));
    grpc_server_ = std::make_unique<crmsync::testing::JudgedServer>(
        std::vector<grpc::Service*>{server_.get()}, MappingMethodRoles());
    stub_ = v1::MappingService::NewStub(grpc_server_->admin_channel());
    v1::UpsertPortalRequest request;
    request.mutable_portal()->set_portal_id("1001");
    request.mutable_portal()->set_name("Acme Projects");
    request.mutable_portal()->set_crm_org_id("20050");
    v1::UpsertPortalResponse response;
    ASSERT_TRUE(Call(&v1::MappingService::Stub::UpsertPortal, request, &response).ok());
  }
  template <typename Method, typename Request, typename Response>
  grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    return ((*stub_).*method)(&context, request, response);
  }

  void Accounts(DirectoryPart part, std::vector<Account> records) {
    ASSERT_TRUE(
        store_->ReplaceAccounts("1001", part, records, kStart, absl::InfiniteFuture()).ok());
  }

  v1::ListAccountCandidatesResponse Candidates(int page_size, const std::string& token) {
    v1::ListAccountCandidatesRequest request;
    request.set_portal_id("1001");
    request.set_page_size(page_size);
    request.set_page_token(token);
    v1::ListAccountCandidatesResponse response;
    const auto status = Call(&v1::MappingService::Stub::ListAccountCandidates, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // A project "pr1" of client account "c1" and deals "d1" and "d2", none associated yet.
  void ProjectAndDeals() {
    Accounts(DirectoryPart::kClientAccounts, {{"c1", "Acme"}});
    ASSERT_TRUE(store_
                    ->ReplaceProjects("1001",
                                      {{"pr1", "Migration", "c1", absl::CivilDay(2026, 11, 2),
                                        absl::CivilDay(2026, 12, 18), true}},
                                      kStart, absl::InfiniteFuture())
                    .ok());
    ASSERT_TRUE(store_
                    ->ReplaceDeals("1001", {{"d1", "B deal", ""}, {"d2", "A deal", ""}}, kStart,
                                   absl::InfiniteFuture())
                    .ok());
  }

  grpc::Status MapDeal(const std::string& deal) {
    v1::MapDealToProjectRequest request;
    request.set_portal_id("1001");
    request.set_crm_deal_id(deal);
    request.set_project_id("pr1");
    v1::MapDealToProjectResponse response;
    return Call(&v1::MappingService::Stub::MapDealToProject, request, &response);
  }

  FakeClock clock_{kStart};
  prometheus::Registry registry_;
  MappingMetrics metrics_{registry_};
  TestPool pool_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<MappingServer> server_;
  std::unique_ptr<crmsync::testing::JudgedServer> grpc_server_;
  std::unique_ptr<v1::MappingService::Stub> stub_;
};

TEST_F(MappingServerTest, GetPortalReturnsEffectiveSettings) {
  v1::GetPortalRequest request;
  request.set_portal_id("1001");
  v1::GetPortalResponse response;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::GetPortal, request, &response).ok());
  const v1::Portal& portal = response.portal();
  EXPECT_EQ(portal.name(), "Acme Projects");
  EXPECT_EQ(portal.rejection_policy(), v1::REJECTION_POLICY_REPORT_ONLY);
  ASSERT_THAT(portal.value_maps().crm_priorities(), SizeIs(6));
  EXPECT_EQ(portal.value_maps().crm_priorities(5).side_value(), "Highest");
  EXPECT_EQ(portal.value_maps().crm_priorities(5).priority(), common::v1::PRIORITY_HIGH);
  EXPECT_THAT(portal.value_maps().projects_statuses(), SizeIs(2));
  EXPECT_EQ(portal.create_time().seconds(), absl::ToUnixSeconds(kStart));

  request.set_portal_id("9999");
  EXPECT_EQ(Call(&v1::MappingService::Stub::GetPortal, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_portal_id("99/99");
  const auto bad = Call(&v1::MappingService::Stub::GetPortal, request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), StartsWith("portal_id: "));
}

TEST_F(MappingServerTest, UpsertPortalRefreshesTheCacheAndKeepsTheRestorePolicy) {
  v1::GetPortalRequest get;
  get.set_portal_id("1001");
  v1::GetPortalResponse before;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::GetPortal, get, &before).ok());

  v1::UpsertPortalRequest request;
  *request.mutable_portal() = before.portal();
  request.mutable_portal()->set_name("Renamed");
  request.mutable_portal()->set_rejection_policy(v1::REJECTION_POLICY_REPORT_AND_RESTORE);
  v1::UpsertPortalResponse response;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::UpsertPortal, request, &response).ok());
  EXPECT_FALSE(response.created());

  v1::GetPortalResponse after;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::GetPortal, get, &after).ok());
  EXPECT_EQ(after.portal().name(), "Renamed");
  EXPECT_EQ(after.portal().rejection_policy(), v1::REJECTION_POLICY_REPORT_AND_RESTORE);
}

TEST_F(MappingServerTest, BadValueMapIsRefusedNamingMapAndEntryAndNothingIsWritten) {
  v1::UpsertPortalRequest request;
  auto& portal = *request.mutable_portal();
  portal.set_portal_id("1002");
  portal.set_name("Second");
  portal.set_crm_org_id("20051");
  for (const char* value : {"High", "HIGH"}) {
    auto* e = portal.mutable_value_maps()->add_crm_priorities();
    e->set_side_value(value);
    e->set_priority(common::v1::PRIORITY_HIGH);
  }
  v1::UpsertPortalResponse response;
  const auto status = Call(&v1::MappingService::Stub::UpsertPortal, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              StartsWith("portal.value_maps.crm_priorities[1]: side_value \"HIGH\" repeats"));

  portal.mutable_value_maps()->Clear();
  portal.set_rejection_policy(static_cast<v1::RejectionPolicy>(7));
  EXPECT_THAT(Call(&v1::MappingService::Stub::UpsertPortal, request, &response).error_message(),
              StartsWith("portal.rejection_policy: "));
  portal.set_rejection_policy(v1::REJECTION_POLICY_UNSPECIFIED);
  portal.set_name(std::string(201, 'n'));
  EXPECT_THAT(Call(&v1::MappingService::Stub::UpsertPortal, request, &response).error_message(),
              StartsWith("portal.name: "));
  EXPECT_EQ(store_->GetPortal("1002", absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MappingServerTest, RequestsPastTheirBoundsAreRefusedNamingTheFieldAndNothingIsWritten) {
  v1::UpsertPortalRequest upsert;
  auto& portal = *upsert.mutable_portal();
  portal.set_portal_id("1002");
  portal.set_name("Second");
  portal.set_crm_org_id("20051");
  for (int i = 0; i < 101; ++i) {
    auto* e = portal.mutable_value_maps()->add_crm_priorities();
    e->set_side_value(absl::StrCat("value ", i));
    e->set_priority(common::v1::PRIORITY_HIGH);
  }
  v1::UpsertPortalResponse upserted;
  const auto too_many = Call(&v1::MappingService::Stub::UpsertPortal, upsert, &upserted);
  EXPECT_EQ(too_many.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(too_many.error_message(), "portal.value_maps.crm_priorities: at most 100 entries");
  EXPECT_EQ(store_->GetPortal("1002", absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kNotFound);

  v1::ImportDirectoryRequest import;
  import.set_portal_id("1001");
  for (int i = 0; i < 7; ++i) import.add_parts(v1::DIRECTORY_PART_DEALS);
  v1::ImportDirectoryResponse imported;
  const auto parts = Call(&v1::MappingService::Stub::ImportDirectory, import, &imported);
  EXPECT_EQ(parts.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(parts.error_message(), "parts: at most 6 entries");

  v1::ListPortalsRequest list;
  list.set_page_token(std::string(4097, 'A'));
  v1::ListPortalsResponse listed;
  const auto token = Call(&v1::MappingService::Stub::ListPortals, list, &listed);
  EXPECT_EQ(token.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(token.error_message(), "page_token: at most 4096 characters");
}

TEST_F(MappingServerTest, PortalsArePagedWithTokens) {
  for (const char* id : {"1002", "1003"}) {
    v1::UpsertPortalRequest request;
    request.mutable_portal()->set_portal_id(id);
    request.mutable_portal()->set_name(id);
    request.mutable_portal()->set_crm_org_id("1");
    v1::UpsertPortalResponse response;
    ASSERT_TRUE(Call(&v1::MappingService::Stub::UpsertPortal, request, &response).ok());
  }
  v1::ListPortalsRequest request;
  request.set_page_size(2);
  v1::ListPortalsResponse first;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::ListPortals, request, &first).ok());
  ASSERT_THAT(first.portals(), SizeIs(2));
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  v1::ListPortalsResponse second;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::ListPortals, request, &second).ok());
  ASSERT_THAT(second.portals(), SizeIs(1));
  EXPECT_EQ(second.portals(0).portal_id(), "1003");
  EXPECT_TRUE(second.next_page_token().empty());

  request.set_page_token("not a token");
  EXPECT_THAT(Call(&v1::MappingService::Stub::ListPortals, request, &second).error_message(),
              StartsWith("page_token: "));
  request.set_page_token("");
  request.set_page_size(-1);
  EXPECT_THAT(Call(&v1::MappingService::Stub::ListPortals, request, &second).error_message(),
              StartsWith("page_size: "));
}

TEST_F(MappingServerTest, CandidatePagesKeepEachClientAccountWhole) {
  Accounts(DirectoryPart::kClientAccounts,
           {{"c1", "Acme"}, {"c2", "Globex"}, {"c3", "Hooli"}, {"c4", "Initech"}});
  Accounts(
      DirectoryPart::kCrmAccounts,
      {{"a1", "ACME"}, {"a2", "globex"}, {"a3", "Globex "}, {"a4", "Hooli"}, {"a5", "Initech"}});
  ASSERT_TRUE(store_->MapAccount("1001", "c3", "a4", "", kStart, absl::InfiniteFuture()).ok());
  std::vector<std::string> pairs;
  std::string token;
  int pages = 0;
  do {
    const auto page = Candidates(2, token);
    for (const auto& m : page.mapped()) {
      pairs.push_back(m.client_account().client_account_id() + "=" +
                      m.crm_account().crm_account_id());
    }
    for (const auto& c : page.unmapped()) {
      pairs.push_back(c.client_account().client_account_id() + "~" +
                      c.crm_account().crm_account_id());
    }
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(pairs, ElementsAre("c1~a1", "c2~a2", "c2~a3", "c3=a4", "c4~a5"));

  // A token is bound to its filter.
  v1::ListAccountCandidatesRequest other;
  other.set_portal_id("1001");
  other.set_client_account_id("c1");
  other.set_page_token(Candidates(2, "").next_page_token());
  v1::ListAccountCandidatesResponse response;
  const auto status = Call(&v1::MappingService::Stub::ListAccountCandidates, other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("page_token: "));
}

TEST_F(MappingServerTest, MapAccountCodesAndTheMetric) {
  Accounts(DirectoryPart::kClientAccounts, {{"c1", "Acme"}, {"c2", "Globex"}});
  Accounts(DirectoryPart::kCrmAccounts, {{"a1", "Acme"}, {"a2", "Globex"}});
  v1::MapAccountRequest request;
  request.set_portal_id("1001");
  request.set_client_account_id("c1");
  request.set_crm_account_id("a1");
  v1::MapAccountResponse response;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::MapAccount, request, &response).ok());
  EXPECT_EQ(response.mapping().origin(), v1::MAPPING_ORIGIN_MANUAL);
  EXPECT_EQ(response.mapping().portal_id(), "1001");
  EXPECT_EQ(metrics_.mappings.Add({{"origin", "manual"}}).Value(), 1);
  EXPECT_EQ(Call(&v1::MappingService::Stub::MapAccount, request, &response).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  request.set_crm_account_id("a2");
  EXPECT_EQ(Call(&v1::MappingService::Stub::MapAccount, request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  request.set_crm_account_id("");
  const auto missing = Call(&v1::MappingService::Stub::MapAccount, request, &response);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(missing.error_message(), StartsWith("crm_account_id: "));
  request.set_portal_id("2002");
  request.set_crm_account_id("a2");
  EXPECT_EQ(Call(&v1::MappingService::Stub::MapAccount, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::UnmapAccountRequest unmap;
  unmap.set_portal_id("1001");
  unmap.set_client_account_id("c1");
  v1::UnmapAccountResponse unmapped;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::UnmapAccount, unmap, &unmapped).ok());
  EXPECT_EQ(unmapped.mapping().crm_account().crm_account_id(), "a1");
  EXPECT_EQ(Call(&v1::MappingService::Stub::UnmapAccount, unmap, &unmapped).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(MappingServerTest, AutoMapReportsAmbiguousNamesAndCounts) {
  Accounts(DirectoryPart::kClientAccounts, {{"c1", "Acme"}, {"c2", "Globex"}, {"c3", "Hooli"}});
  Accounts(DirectoryPart::kCrmAccounts, {{"a1", "ACME"}, {"a2", "Globex"}, {"a3", "GLOBEX"}});
  v1::AutoMapAccountsRequest request;
  request.set_portal_id("1001");
  v1::AutoMapAccountsResponse response;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::AutoMapAccounts, request, &response).ok());
  ASSERT_THAT(response.mapped(), SizeIs(1));
  EXPECT_EQ(response.mapped(0).origin(), v1::MAPPING_ORIGIN_AUTO);
  ASSERT_THAT(response.ambiguous(), SizeIs(1));
  EXPECT_EQ(response.ambiguous(0).match_key(), "globex");
  EXPECT_THAT(response.ambiguous(0).crm_accounts(), SizeIs(2));
  EXPECT_EQ(response.unmatched_count(), 1);
  EXPECT_EQ(response.already_mapped_count(), 0);
  EXPECT_EQ(metrics_.mappings.Add({{"origin", "auto"}}).Value(), 1);
}

TEST_F(MappingServerTest, ProjectDealsAndUsers) {
  ProjectAndDeals();
  v1::GetProjectRequest get;
  get.set_portal_id("1001");
  get.set_project_id("pr1");
  v1::GetProjectResponse project;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::GetProject, get, &project).ok());
  EXPECT_EQ(project.project().client_account().name(), "Acme");
  EXPECT_FALSE(project.project().has_mapped_crm_account());
  EXPECT_EQ(project.project().end_date().month(), 12);
  EXPECT_TRUE(project.project().strict_schedule());

  for (const char* deal : {"d1", "d2"}) ASSERT_TRUE(MapDeal(deal).ok());
  v1::ListProjectDealsRequest list;
  list.set_portal_id("1001");
  list.set_project_id("pr1");
  list.set_page_size(1);
  v1::ListProjectDealsResponse first;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::ListProjectDeals, list, &first).ok());
  ASSERT_THAT(first.deals(), SizeIs(1));
  EXPECT_EQ(first.deals(0).name(), "A deal");
  list.set_page_token(first.next_page_token());
  v1::ListProjectDealsResponse second;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::ListProjectDeals, list, &second).ok());
  ASSERT_THAT(second.deals(), SizeIs(1));
  EXPECT_EQ(second.deals(0).name(), "B deal");
  EXPECT_TRUE(second.next_page_token().empty());

  ASSERT_TRUE(store_
                  ->ReplaceUsers("1001", Side::kProjects, {{"u1", "Ana", "Ana@Example.com", true}},
                                 kStart, absl::InfiniteFuture())
                  .ok());
  v1::LookupUserRequest lookup;
  lookup.set_portal_id("1001");
  lookup.set_email(" ANA@example.COM ");
  v1::LookupUserResponse user;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::LookupUser, lookup, &user).ok());
  EXPECT_EQ(user.user().email(), "ana@example.com");
  EXPECT_FALSE(user.user().linked());
  EXPECT_FALSE(user.user().has_crm());
  lookup.set_email("ana");
  EXPECT_THAT(Call(&v1::MappingService::Stub::LookupUser, lookup, &user).error_message(),
              StartsWith("email: "));
  lookup.mutable_by_id()->set_user_id("u1");
  EXPECT_THAT(Call(&v1::MappingService::Stub::LookupUser, lookup, &user).error_message(),
              StartsWith("by_id.side: "));
  lookup.clear_key();
  EXPECT_THAT(Call(&v1::MappingService::Stub::LookupUser, lookup, &user).error_message(),
              StartsWith("key: "));

  v1::ListUsersRequest users;
  users.set_portal_id("1001");
  users.set_link_filter(v1::LINK_FILTER_UNLINKED);
  v1::ListUsersResponse listed;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::ListUsers, users, &listed).ok());
  ASSERT_THAT(listed.users(), SizeIs(1));
  users.set_link_filter(static_cast<v1::LinkFilter>(5));
  EXPECT_THAT(Call(&v1::MappingService::Stub::ListUsers, users, &listed).error_message(),
              StartsWith("link_filter: "));
}

TEST_F(MappingServerTest, UnmapDealEndsTheAssociationAndAnswersTheDocumentedCodes) {
  ProjectAndDeals();
  ASSERT_TRUE(MapDeal("d1").ok());
  v1::UnmapDealRequest request;
  request.set_portal_id("1001");
  request.set_crm_deal_id("d1");
  v1::UnmapDealResponse response;
  const auto unmapped = Call(&v1::MappingService::Stub::UnmapDeal, request, &response);
  ASSERT_TRUE(unmapped.ok()) << unmapped.error_message();
  EXPECT_EQ(response.deal().crm_deal_id(), "d1");
  EXPECT_TRUE(response.deal().project_id().empty()) << response.deal().DebugString();
  v1::ListProjectDealsRequest list;
  list.set_portal_id("1001");
  list.set_project_id("pr1");
  v1::ListProjectDealsResponse deals;
  ASSERT_TRUE(Call(&v1::MappingService::Stub::ListProjectDeals, list, &deals).ok());
  EXPECT_THAT(deals.deals(), IsEmpty());

  // Unmapped already, never associated, unknown: NOT_FOUND naming the deal.
  for (const char* deal : {"d1", "d2", "d9"}) {
    request.set_crm_deal_id(deal);
    const auto status = Call(&v1::MappingService::Stub::UnmapDeal, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << deal;
    EXPECT_THAT(status.error_message(), StartsWith("crm_deal_id: ")) << deal;
  }
  request.set_crm_deal_id("d1");
  request.set_portal_id("9999");
  EXPECT_EQ(Call(&v1::MappingService::Stub::UnmapDeal, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  for (const auto& [portal, deal, field] :
       {std::tuple{"", "d1", "portal_id: "}, std::tuple{"10/01", "d1", "portal_id: "},
        std::tuple{"1001", "", "crm_deal_id: "}}) {
    request.set_portal_id(portal);
    request.set_crm_deal_id(deal);
    const auto status = Call(&v1::MappingService::Stub::UnmapDeal, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(status.error_message(), StartsWith(field));
  }
}

// A caller's deadline bounds the statements run for it: while another transaction holds the
// portal's row, MapDealToProject ends with DEADLINE_EXCEEDED, nothing is written behind the
// caller's back once the row is free, and the service answers at once afterwards.
TEST_F(MappingServerTest, ADeadlinePassingWhileAStatementWaitsEndsItsWork) {
  ProjectAndDeals();
  auto pool = pg::Pool::Create(
      crmsync::testing::OnlyDeadlinesBoundWaits(pool_.database->url(), "mapping", Queries()));
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgStore store(**pool);
  prometheus::Registry registry;
  MappingMetrics metrics(registry);
  MappingServer server(store, clock_, metrics, absl::Seconds(5));
  crmsync::testing::JudgedServer grpc_server({&server}, MappingMethodRoles());
  auto stub = v1::MappingService::NewStub(grpc_server.admin_channel());

  pqxx::connection holder_connection(pool_.database->url());
  auto holder = std::make_unique<pqxx::work>(holder_connection);
  holder->exec("SELECT portal_id FROM mapping.portals WHERE portal_id = '1001' FOR UPDATE");
  {
    v1::MapDealToProjectRequest request;
    request.set_portal_id("1001");
    request.set_crm_deal_id("d1");
    request.set_project_id("pr1");
    v1::MapDealToProjectResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    EXPECT_EQ(stub->MapDealToProject(&context, request, &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  holder->abort();
  holder.reset();

  v1::UnmapDealRequest request;
  request.set_portal_id("1001");
  request.set_crm_deal_id("d1");
  v1::UnmapDealResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const auto status = stub->UnmapDeal(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

TEST_F(MappingServerTest, ImportDirectoryChecksPartsAndNeedsAuth) {
  v1::ImportDirectoryRequest request;
  request.set_portal_id("1001");
  request.add_parts(v1::DIRECTORY_PART_DEALS);
  request.add_parts(v1::DIRECTORY_PART_UNSPECIFIED);
  v1::ImportDirectoryResponse response;
  const auto unspecified = Call(&v1::MappingService::Stub::ImportDirectory, request, &response);
  EXPECT_EQ(unspecified.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unspecified.error_message(), StartsWith("parts[1]: "));
  request.clear_parts();
  // This server was built without an auth service, so it has no tokens to read Zoho with.
  EXPECT_EQ(Call(&v1::MappingService::Stub::ImportDirectory, request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace crmsync::mapping

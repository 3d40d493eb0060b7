// The mapping store against a real PostgreSQL: portals, directory replacement with its counts,
// the account picker, map / unmap / auto-map, deals of a project, users linked by email, and one
// portal's records never showing in another's answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/mapping/pg_store.h"
#include "tests/services/mapping/test_pool.h"

namespace crmsync::mapping {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1795424400);

std::string Message(const absl::Status& status) { return std::string(status.message()); }

class MappingPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = MakeTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_.pool);
    ASSERT_TRUE(
        store_->UpsertPortal({"p1", "Portal one", "org1", {}, {}}, kNow, absl::InfiniteFuture())
            .ok());
    ASSERT_TRUE(
        store_->UpsertPortal({"p2", "Portal two", "org2", {}, {}}, kNow, absl::InfiniteFuture())
            .ok());
  }

  void Accounts(const std::string& portal, DirectoryPart part, std::vector<Account> records) {
    auto count = store_->ReplaceAccounts(portal, part, records, kNow, absl::InfiniteFuture());
    ASSERT_TRUE(count.ok()) << count.status();
  }

  TestPool pool_;
  std::unique_ptr<PgStore> store_;
};

TEST_F(MappingPgTest, PortalIsCreatedThenReplaced) {
  PortalSettings settings{"p3", "Three", "org3", RejectionPolicy::kReportAndRestore, {}};
  settings.value_maps.projects_statuses = {{"Active", TaskStatus::kOpen, true},
                                           {"Done", TaskStatus::kClosed, true}};
  auto created = store_->UpsertPortal(settings, kNow, absl::InfiniteFuture());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->created);
  settings.name = "Three renamed";
  auto replaced = store_->UpsertPortal(settings, kNow + absl::Hours(1), absl::InfiniteFuture());
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_FALSE(replaced->created);
  auto read = store_->GetPortal("p3", absl::InfiniteFuture());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->settings.name, "Three renamed");
  EXPECT_EQ(read->settings.rejection_policy, RejectionPolicy::kReportAndRestore);
  EXPECT_EQ(read->settings.value_maps, settings.value_maps);
  EXPECT_EQ(read->create_time, kNow);
  EXPECT_EQ(read->update_time, kNow + absl::Hours(1));
  EXPECT_EQ(store_->GetPortal("p9", absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MappingPgTest, PortalsAreListedByIdAfterAPosition) {
  auto first = store_->ListPortals("", 1, absl::InfiniteFuture());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(*first, SizeIs(1));
  EXPECT_EQ((*first)[0].settings.portal_id, "p1");
  auto rest = store_->ListPortals("p1", 10, absl::InfiniteFuture());
  ASSERT_TRUE(rest.ok());
  ASSERT_THAT(*rest, SizeIs(1));
  EXPECT_EQ((*rest)[0].settings.portal_id, "p2");
}

TEST_F(MappingPgTest, ReplacingAPartCountsAddedChangedAndRemoved) {
  auto first = store_->ReplaceAccounts("p1", DirectoryPart::kCrmAccounts,
                                       {{"a1", "Acme"}, {"a2", "Globex"}, {"a3", "Initech"}}, kNow,
                                       absl::InfiniteFuture());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->fetched, 3);
  EXPECT_EQ(first->created, 3);
  auto second = store_->ReplaceAccounts("p1", DirectoryPart::kCrmAccounts,
                                        {{"a1", "Acme"}, {"a2", "Globex Corp"}, {"a4", "Hooli"}},
                                        kNow, absl::InfiniteFuture());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->created, 1);
  EXPECT_EQ(second->updated, 1);
  EXPECT_EQ(second->removed, 1);
  auto same = store_->ReplaceAccounts("p1", DirectoryPart::kCrmAccounts,
                                      {{"a1", "Acme"}, {"a2", "Globex Corp"}, {"a4", "Hooli"}},
                                      kNow, absl::InfiniteFuture());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->created + same->updated + same->removed, 0);
  // A removed record that comes back counts as changed.
  auto back = store_->ReplaceAccounts(
      "p1", DirectoryPart::kCrmAccounts,
      {{"a1", "Acme"}, {"a2", "Globex Corp"}, {"a3", "Initech"}, {"a4", "Hooli"}}, kNow,
      absl::InfiniteFuture());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->updated, 1);
  EXPECT_EQ(
      store_->ReplaceAccounts("p9", DirectoryPart::kCrmAccounts, {}, kNow, absl::InfiniteFuture())
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_F(MappingPgTest, PickerShowsMappedAndSameNameUnmappedAccounts) {
  Accounts("p1", DirectoryPart::kClientAccounts,
           {{"c1", "Acme  Corp"}, {"c2", "Müller GmbH"}, {"c3", "Globex"}, {"c4", "Initech"}});
  Accounts("p1", DirectoryPart::kCrmAccounts,
           {{"a1", " ACME corp "},
            {"a2", "MÜLLER  gmbh"},
            {"a3", "GLOBEX"},
            {"a4", "globex"},
            {"a5", "Initech"}});
  ASSERT_TRUE(store_->MapAccount("p1", "c4", "a5", "admin", kNow, absl::InfiniteFuture()).ok());
  auto page = store_->ListCandidates("p1", "", std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->client_accounts,
              ElementsAre(Field(&CandidatePage::Client::match_key, "acmecorp"),
                          Field(&CandidatePage::Client::match_key, "globex"),
                          Field(&CandidatePage::Client::match_key, "initech"),
                          Field(&CandidatePage::Client::match_key, "müllergmbh")));
  ASSERT_THAT(page->mapped, SizeIs(1));
  EXPECT_EQ(page->mapped[0].client_account, (Account{"c4", "Initech"}));
  EXPECT_EQ(page->mapped[0].crm_account, (Account{"a5", "Initech"}));
  EXPECT_EQ(page->mapped[0].origin, MappingOrigin::kManual);
  EXPECT_EQ(page->mapped[0].created_by, "admin");
  std::vector<std::pair<std::string, std::string>> unmapped;
  for (const auto& c : page->unmapped) unmapped.emplace_back(c.client_account.id, c.crm_account.id);
  EXPECT_THAT(unmapped, ElementsAre(std::pair("c1", "a1"), std::pair("c3", "a3"),
                                    std::pair("c3", "a4"), std::pair("c2", "a2")));

  // Paging over client accounts, and one client account alone.
  auto first = store_->ListCandidates("p1", "", std::nullopt, 2, absl::InfiniteFuture());
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->client_accounts, SizeIs(2));
  EXPECT_THAT(first->unmapped, SizeIs(3));
  auto next =
      store_->ListCandidates("p1", "", AccountPosition{"globex", "c3"}, 2, absl::InfiniteFuture());
  ASSERT_TRUE(next.ok());
  EXPECT_THAT(next->mapped, SizeIs(1));
  EXPECT_THAT(next->unmapped, SizeIs(1));
  auto one = store_->ListCandidates("p1", "c2", std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_TRUE(one.ok());
  ASSERT_THAT(one->unmapped, SizeIs(1));
  EXPECT_EQ(one->unmapped[0].match_key, "müllergmbh");
  EXPECT_EQ(
      store_->ListCandidates("p1", "c9", std::nullopt, 50, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(MappingPgTest, RemovedRecordsAreNoLongerOfferedButMappingsStay) {
  Accounts("p1", DirectoryPart::kClientAccounts, {{"c1", "Acme"}, {"c2", "Globex"}});
  Accounts("p1", DirectoryPart::kCrmAccounts, {{"a1", "Acme"}, {"a2", "Globex"}});
  ASSERT_TRUE(store_->MapAccount("p1", "c1", "a1", "admin", kNow, absl::InfiniteFuture()).ok());
  Accounts("p1", DirectoryPart::kCrmAccounts, {});
  auto page = store_->ListCandidates("p1", "", std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->mapped, SizeIs(1));
  EXPECT_THAT(page->unmapped, IsEmpty());
  EXPECT_EQ(
      store_->MapAccount("p1", "c2", "a2", "admin", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(MappingPgTest, MapUnmapAndRemapErrors) {
  Accounts("p1", DirectoryPart::kClientAccounts, {{"c1", "Acme"}, {"c2", "Globex"}});
  Accounts("p1", DirectoryPart::kCrmAccounts, {{"a1", "Acme"}, {"a2", "Something else"}});
  auto mapped = store_->MapAccount("p1", "c1", "a2", "admin", kNow,
                                   absl::InfiniteFuture());  // names need not match
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->crm_account.name, "Something else");

  EXPECT_EQ(
      store_->MapAccount("p1", "c1", "a2", "admin", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kAlreadyExists);
  const auto busy_client =
      store_->MapAccount("p1", "c1", "a1", "admin", kNow, absl::InfiniteFuture()).status();
  EXPECT_EQ(busy_client.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(busy_client), HasSubstr("\"Acme\" (c1) is mapped to CRM account "
                                              "\"Something else\" (a2)"));
  const auto busy_crm =
      store_->MapAccount("p1", "c2", "a2", "admin", kNow, absl::InfiniteFuture()).status();
  EXPECT_EQ(busy_crm.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(busy_crm), HasSubstr("crm_account_id: "));
  EXPECT_EQ(
      store_->MapAccount("p1", "c9", "a1", "admin", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(
      store_->MapAccount("p1", "c2", "a9", "admin", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);

  auto removed = store_->UnmapAccount("p1", "c1", absl::InfiniteFuture());
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->crm_account.id, "a2");
  EXPECT_EQ(store_->UnmapAccount("p1", "c1", absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->MapAccount("p1", "c1", "a1", "admin", kNow, absl::InfiniteFuture()).ok());
}

TEST_F(MappingPgTest, AutoMapMapsUnambiguousPairsOnlyAndDryRunWritesNothing) {
  Accounts("p1", DirectoryPart::kClientAccounts,
           {{"c1", "Acme"}, {"c2", "Globex"}, {"c3", "Initech"}, {"c4", "Hooli"}});
  Accounts("p1", DirectoryPart::kCrmAccounts,
           {{"a1", "ACME"}, {"a2", "Globex"}, {"a3", "globex "}, {"a4", "Initech"}, {"a5", "X"}});
  ASSERT_TRUE(store_->MapAccount("p1", "c3", "a4", "admin", kNow, absl::InfiniteFuture()).ok());
  auto dry = store_->AutoMapAccounts("p1", /*dry_run=*/true, "auto", kNow, absl::InfiniteFuture());
  ASSERT_TRUE(dry.ok()) << dry.status();
  ASSERT_THAT(dry->mapped, SizeIs(1));
  EXPECT_EQ(dry->mapped[0].client_account.id, "c1");
  ASSERT_THAT(dry->plan.ambiguous, SizeIs(1));
  EXPECT_EQ(dry->plan.ambiguous[0].match_key, "globex");
  EXPECT_EQ(dry->already_mapped, 1);
  EXPECT_EQ(dry->plan.unmatched, 1);
  EXPECT_THAT(store_->ListCandidates("p1", "c1", std::nullopt, 50, absl::InfiniteFuture())->mapped,
              IsEmpty());

  auto run = store_->AutoMapAccounts("p1", /*dry_run=*/false, "auto", kNow, absl::InfiniteFuture());
  ASSERT_TRUE(run.ok()) << run.status();
  auto c1 = store_->ListCandidates("p1", "c1", std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_THAT(c1->mapped, SizeIs(1));
  EXPECT_EQ(c1->mapped[0].origin, MappingOrigin::kAuto);
  EXPECT_THAT(store_->ListCandidates("p1", "c2", std::nullopt, 50, absl::InfiniteFuture())->mapped,
              IsEmpty());
  auto again =
      store_->AutoMapAccounts("p1", /*dry_run=*/false, "auto", kNow, absl::InfiniteFuture());
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->mapped, IsEmpty());
  EXPECT_EQ(again->already_mapped, 2);
}

TEST_F(MappingPgTest, ProjectShowsItsClientAndTheMappedCrmAccount) {
  Accounts("p1", DirectoryPart::kClientAccounts, {{"c1", "Acme"}});
  Accounts("p1", DirectoryPart::kCrmAccounts, {{"a1", "Acme"}});
  ASSERT_TRUE(store_
                  ->ReplaceProjects("p1",
                                    {{"pr1", "Data migration", "c1", absl::CivilDay(2026, 11, 2),
                                      absl::CivilDay(2026, 12, 18), true},
                                     {"pr2", "Internal", "", std::nullopt, std::nullopt, false}},
                                    kNow, absl::InfiniteFuture())
                  .ok());
  auto unmapped = store_->GetProject("p1", "pr1", absl::InfiniteFuture());
  ASSERT_TRUE(unmapped.ok()) << unmapped.status();
  EXPECT_EQ(unmapped->client_account, (Account{"c1", "Acme"}));
  EXPECT_FALSE(unmapped->mapped_crm_account.has_value());
  EXPECT_EQ(unmapped->project.start_date, absl::CivilDay(2026, 11, 2));
  EXPECT_EQ(unmapped->project.end_date, absl::CivilDay(2026, 12, 18));
  EXPECT_TRUE(unmapped->project.strict);
  ASSERT_TRUE(store_->MapAccount("p1", "c1", "a1", "admin", kNow, absl::InfiniteFuture()).ok());
  EXPECT_EQ(store_->GetProject("p1", "pr1", absl::InfiniteFuture())->mapped_crm_account,
            (Account{"a1", "Acme"}));
  auto internal = store_->GetProject("p1", "pr2", absl::InfiniteFuture());
  ASSERT_TRUE(internal.ok());
  EXPECT_FALSE(internal->client_account.has_value());
  EXPECT_FALSE(internal->project.start_date.has_value());
  EXPECT_EQ(store_->GetProject("p2", "pr1", absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MappingPgTest, DealsAreListedPerProjectAndSurviveAnImport) {
  Accounts("p1", DirectoryPart::kCrmAccounts, {{"a1", "Acme"}});
  ASSERT_TRUE(store_
                  ->ReplaceProjects("p1",
                                    {{"pr1", "One", "", std::nullopt, std::nullopt, false},
                                     {"pr2", "Two", "", std::nullopt, std::nullopt, false}},
                                    kNow, absl::InfiniteFuture())
                  .ok());
  const std::vector<DealRecord> deals = {
      {"d1", "Renewal", "a1"}, {"d2", "Upsell", "a1"}, {"d3", "Audit", ""}};
  ASSERT_TRUE(store_->ReplaceDeals("p1", deals, kNow, absl::InfiniteFuture()).ok());
  auto mapped = store_->MapDealToProject("p1", "d1", "pr1", kNow, absl::InfiniteFuture());
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->project_id, "pr1");
  EXPECT_EQ(mapped->crm_account_name, "Acme");
  EXPECT_EQ(mapped->associate_time, kNow);
  ASSERT_TRUE(store_->MapDealToProject("p1", "d3", "pr1", kNow, absl::InfiniteFuture()).ok());
  ASSERT_TRUE(store_->MapDealToProject("p1", "d2", "pr2", kNow, absl::InfiniteFuture()).ok());
  EXPECT_EQ(
      store_->MapDealToProject("p1", "d1", "pr1", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(
      store_->MapDealToProject("p1", "d1", "pr2", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      store_->MapDealToProject("p1", "d9", "pr2", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(
      store_->MapDealToProject("p1", "d1", "pr9", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);

  ASSERT_TRUE(
      store_->ReplaceDeals("p1", deals, kNow + absl::Hours(1), absl::InfiniteFuture()).ok());
  auto listed = store_->ListProjectDeals("p1", "pr1", std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(*listed, SizeIs(2));
  EXPECT_EQ((*listed)[0].deal.name, "Audit");
  EXPECT_EQ((*listed)[1].deal.name, "Renewal");
  auto after = store_->ListProjectDeals("p1", "pr1", DealPosition{"Audit", "d3"}, 50,
                                        absl::InfiniteFuture());
  ASSERT_THAT(*after, SizeIs(1));
  EXPECT_EQ(store_->ListProjectDeals("p1", "pr9", std::nullopt, 50, absl::InfiniteFuture())
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  auto unmapped = store_->UnmapDeal("p1", "d1", absl::InfiniteFuture());
  ASSERT_TRUE(unmapped.ok()) << unmapped.status();
  EXPECT_EQ(unmapped->project_id, "");
  EXPECT_FALSE(unmapped->associate_time.has_value());
  EXPECT_EQ(store_->UnmapDeal("p1", "d1", absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(*store_->ListProjectDeals("p1", "pr1", std::nullopt, 50, absl::InfiniteFuture()),
              SizeIs(1));
}

TEST_F(MappingPgTest, UsersAreLinkedByEmailCaseInsensitively) {
  ASSERT_TRUE(store_
                  ->ReplaceUsers("p1", Side::kProjects,
                                 {{"u1", "Ana Lima", "Ana.Lima@Example.com", true},
                                  {"u2", "Bo Chen", "bo@example.com", true},
                                  {"u3", "No Mail", "", true}},
                                 kNow, absl::InfiniteFuture())
                  .ok());
  ASSERT_TRUE(store_
                  ->ReplaceUsers("p1", Side::kCrm,
                                 {{"9001", "Ana L.", " ana.lima@EXAMPLE.com", true},
                                  {"9002", "Cy Dee", "cy@example.com", false}},
                                 kNow, absl::InfiniteFuture())
                  .ok());
  auto ana = store_->LookupUserById("p1", Side::kProjects, "u1", absl::InfiniteFuture());
  ASSERT_TRUE(ana.ok()) << ana.status();
  EXPECT_TRUE(ana->linked());
  EXPECT_EQ(ana->email_key, "ana.lima@example.com");
  EXPECT_EQ(ana->crm->id, "9001");
  auto by_email = store_->LookupUserByEmail("p1", "ana.lima@example.com", absl::InfiniteFuture());
  ASSERT_TRUE(by_email.ok());
  EXPECT_EQ(by_email->projects->id, "u1");
  auto cy = store_->LookupUserById("p1", Side::kCrm, "9002", absl::InfiniteFuture());
  ASSERT_TRUE(cy.ok());
  EXPECT_FALSE(cy->linked());
  EXPECT_FALSE(cy->crm->active);
  auto no_mail = store_->LookupUserById("p1", Side::kProjects, "u3", absl::InfiniteFuture());
  ASSERT_TRUE(no_mail.ok());
  EXPECT_FALSE(no_mail->linked());
  EXPECT_EQ(store_->LookupUserById("p1", Side::kCrm, "u1", absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->LookupUserByEmail("p2", "ana.lima@example.com", absl::InfiniteFuture())
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  auto all = store_->ListUsers("p1", LinkFilter::kAll, "", 50, absl::InfiniteFuture());
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> emails;
  for (const User& u : *all) emails.push_back(u.email_key);
  EXPECT_THAT(emails, ElementsAre("ana.lima@example.com", "bo@example.com", "cy@example.com"));
  auto linked = store_->ListUsers("p1", LinkFilter::kLinked, "", 50, absl::InfiniteFuture());
  ASSERT_THAT(*linked, SizeIs(1));
  auto unlinked = store_->ListUsers("p1", LinkFilter::kUnlinked, "", 50, absl::InfiniteFuture());
  ASSERT_THAT(*unlinked, SizeIs(2));
  EXPECT_THAT(
      *store_->ListUsers("p1", LinkFilter::kAll, "bo@example.com", 50, absl::InfiniteFuture()),
      SizeIs(1));
}

TEST_F(MappingPgTest, OnePortalNeverSeesAnothersRecords) {
  Accounts("p1", DirectoryPart::kClientAccounts, {{"c1", "Acme"}});
  Accounts("p1", DirectoryPart::kCrmAccounts, {{"a1", "Acme"}});
  Accounts("p2", DirectoryPart::kClientAccounts, {{"c1", "Acme"}});
  ASSERT_TRUE(store_
                  ->ReplaceUsers("p1", Side::kCrm, {{"9", "A", "a@x.org", true}}, kNow,
                                 absl::InfiniteFuture())
                  .ok());
  auto p2 = store_->ListCandidates("p2", "", std::nullopt, 50, absl::InfiniteFuture());
  ASSERT_TRUE(p2.ok());
  EXPECT_THAT(p2->unmapped, IsEmpty());
  EXPECT_EQ(
      store_->MapAccount("p2", "c1", "a1", "admin", kNow, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);
  auto planned = store_->AutoMapAccounts("p2", false, "auto", kNow, absl::InfiniteFuture());
  ASSERT_TRUE(planned.ok());
  EXPECT_THAT(planned->mapped, IsEmpty());
  EXPECT_THAT(*store_->ListUsers("p2", LinkFilter::kAll, "", 50, absl::InfiniteFuture()),
              IsEmpty());
  EXPECT_EQ(
      store_->ListCandidates("p9", "", std::nullopt, 50, absl::InfiniteFuture()).status().code(),
      absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crmsync::mapping

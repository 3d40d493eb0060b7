// CrmNotesPoll against zoho-sim as Zoho CRM, with tokens from the real crmsync-auth binary, the
// change pipeline on a real PostgreSQL, and delivery writing the copies: what a person sees in
// Projects after a note is added to or deleted from a linked CRM task and the portal is polled.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/sync/ingest/crm_notes_poll.h"
#include "services/sync/ingest/zoho_source.h"
#include "services/sync/pipeline.h"
#include "tests/services/sync/sim_delivery_fixture.h"
#include "tests/services/sync/sim_records.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kLinda[] = "linda@acme.example";

class CrmNotesPollTest : public SimDeliveryTest {
 protected:
  CrmNotesPollTest()
      : SimDeliveryTest({"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.notes.ALL",
                         "ZohoCRM.modules.tasks.READ", "ZohoCRM.modules.notes.READ"}) {}

  void SetUp() override {
    SimDeliveryTest::SetUp();
    if (HasFatalFailure()) return;
    Control("/_sim/crm/users", {{"email", kLinda}, {"full_name", "Linda Smith"}});
    const SimProjectTask made = MigrateDataTask(*sim_, portal_, kAdmin);
    project_ = made.project;
    projects_task_ = made.task;
    crm_task_ = CrmTask("Migrate data");
    Link();

    pipeline_ =
        std::make_unique<ChangePipeline>(*store_, portals_, users_, projects_, clock_, metrics_);
    source_ = std::make_unique<ZohoIngestSource>(*caller_, sim_->base_url());
    poll_ = std::make_unique<CrmNotesPoll>(*store_, *source_, *pipeline_, metrics_, clock_);
  }

  std::string CrmTask(const std::string& subject) {
    return Id(Control(
        "/_sim/crm/Tasks",
        {{"Subject", subject}, {"What_Id", {{"id", account_}}}, {"$se_module", "Accounts"}}));
  }

  void Link() {
    auto linked = store_->CreateLink(
        LinkTo(crm_task_, projects_task_),
        {{Field::kTitle, testing::State(std::string("Migrate data"), 1, kSet)}}, kSet);
    ASSERT_TRUE(linked.ok()) << linked.status();
  }

  // A note Linda adds in CRM's UI; returns its id.
  std::string AddNote(const std::string& task_id, const std::string& content) {
    const nlohmann::json added = Control("/_sim/crm/Tasks/" + task_id + "/notes",
                                         {{"user_email", kLinda}, {"Note_Content", content}});
    return added["data"][0]["details"]["id"].get<std::string>();
  }

  int Poll() {
    absl::StatusOr<int> submitted = poll_->Poll(portal_, since_, absl::Now() + absl::Seconds(30));
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    return submitted.ok() ? *submitted : -1;
  }

  // The texts of the comments Projects shows on the linked task.
  std::vector<std::string> ProjectsComments() {
    auto task = sim_->Control(http::Method::kGet,
                              "/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_);
    EXPECT_TRUE(task.ok()) << task.status();
    std::vector<std::string> texts;
    if (!task.ok()) return texts;
    for (const auto& comment : (*task)["comments"]) {
      texts.push_back(comment.value("content", comment.value("comment", "")));
    }
    return texts;
  }

  double Comments(const std::string& outcome) {
    return metrics_.comments.Add({{"origin", "crm"}, {"outcome", outcome}}).Value();
  }

  std::string crm_task_;
  const absl::Time since_ = absl::Now() - absl::Minutes(1);
  testing::FakeUsers users_;
  testing::FakeProjects projects_;
  std::unique_ptr<ChangePipeline> pipeline_;
  std::unique_ptr<ZohoIngestSource> source_;
  std::unique_ptr<CrmNotesPoll> poll_;
};

TEST_F(CrmNotesPollTest, ANoteAddedInCrmReachesProjectsOnceAndOtherTasksNotesStayOut) {
  AddNote(crm_task_, "Customer confirmed the cut-over date.");
  AddNote(CrmTask("Not synced"), "Internal only.");

  EXPECT_EQ(Poll(), 1);
  EXPECT_EQ(Drain(), 1);
  EXPECT_THAT(ProjectsComments(),
              ::testing::ElementsAre(HasSubstr("Customer confirmed the cut-over date.\n\n— Linda "
                                               "Smith (via Zoho CRM)")));

  EXPECT_EQ(Poll(), 0);
  EXPECT_EQ(Comments("duplicate"), 1);
  EXPECT_EQ(Drain(), 0);
  EXPECT_THAT(ProjectsComments(), SizeIs(1));
}

TEST_F(CrmNotesPollTest, CrmsyncsOwnCopyInCrmIsNotSubmitted) {
  CommentChange comment;
  comment.portal_id = portal_;
  comment.origin_side = Side::kProjects;
  comment.event_id = "comment:1700000000099@add";
  comment.task_id = projects_task_;
  comment.comment_id = "1700000000099";
  comment.action = CommentAction::kAdd;
  comment.content = "Invoices moved.";
  comment.author.display_name = "Ana Lima";
  comment.source_modified_time = absl::Now();
  ASSERT_TRUE(pipeline_->SubmitComment(comment, absl::Now() + absl::Seconds(30)).ok());
  ASSERT_EQ(Drain(), 1);

  EXPECT_EQ(Poll(), 0);
  EXPECT_EQ(Comments("applied") + Comments("echo"), 0);
  EXPECT_EQ(Drain(), 0);
  EXPECT_THAT(ProjectsComments(), IsEmpty());
}

TEST_F(CrmNotesPollTest, ACopiedNoteDeletedInCrmIsDeletedFromProjects) {
  const std::string note = AddNote(crm_task_, "Customer confirmed the cut-over date.");
  ASSERT_EQ(Poll(), 1);
  ASSERT_EQ(Drain(), 1);
  ASSERT_THAT(ProjectsComments(), SizeIs(1));

  Control("/_sim/crm/Notes/" + note + "/delete", {{"user_email", kLinda}});

  EXPECT_EQ(Poll(), 1);
  EXPECT_EQ(Drain(), 1);
  EXPECT_THAT(ProjectsComments(), IsEmpty());
  EXPECT_EQ(Poll(), 0);
}

}  // namespace
}  // namespace crmsync::sync

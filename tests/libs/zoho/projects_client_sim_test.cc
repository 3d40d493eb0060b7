// ProjectsClient against the real zoho-sim process: every call, and its error paths.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/http/http_client.h"
#include "libs/zoho/accounts_client.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/projects_client.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::zoho {
namespace {

using crmsync::testing::ZohoSimProcess;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;

class ProjectsClientSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auto refresh = sim_->SeedGrant("c", "s", "bob@example.com");
    ASSERT_TRUE(refresh.ok()) << refresh.status();
    auto token = AccountsClient(http_, sim_->base_url()).Refresh({"c", "s"}, *refresh);
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = token->access_token;
    projects_ = std::make_unique<ProjectsClient>(http_, sim_->base_url());

    auto portal = Control("/_sim/projects/portals", {{"name", "acme"}});
    portal_ = portal["id_string"];
    for (const auto& status : portal["task_statuses"]) {
      if (status["type"] == "closed") closed_status_ = status["id"];
    }
    client_ = Control("/_sim/projects/portals/" + portal_ + "/clients",
                      {{"name", "Acme Corp"}})["id_string"];
    bob_ = Control("/_sim/projects/portals/" + portal_ + "/users",
                   {{"name", "Bob"}, {"email", "bob@example.com"}})["id"];
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Data migration"},
                        {"start_date", "11-02-2026"},
                        {"end_date", "12-18-2026"},
                        {"strict", true},
                        {"client_id", client_}})["id_string"];
  }

  nlohmann::json Control(const std::string& path, const nlohmann::json& body) {
    auto reply = sim_->Control(http::Method::kPost, path, body);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : nlohmann::json::object();
  }

  std::unique_ptr<ZohoSimProcess> sim_;
  http::CurlHttpClient http_;
  std::unique_ptr<ProjectsClient> projects_;
  std::string token_, portal_, client_, bob_, project_, closed_status_;
};

TEST_F(ProjectsClientSimTest, PortalsProjectsClientsAndUsers) {
  auto portals = projects_->ListPortals(token_);
  ASSERT_TRUE(portals.ok()) << portals.status();
  EXPECT_THAT(*portals, ElementsAre(Field(&ProjectsPortal::id, portal_)));
  auto listed = projects_->ListProjects(token_, portal_, 1);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  auto project = projects_->GetProject(token_, portal_, project_);
  ASSERT_TRUE(project.ok()) << project.status();
  EXPECT_EQ(project->name, "Data migration");
  EXPECT_EQ(project->start_date, absl::CivilDay(2026, 11, 2));
  EXPECT_EQ(project->end_date, absl::CivilDay(2026, 12, 18));
  EXPECT_TRUE(project->strict);
  auto client = projects_->GetProjectClient(token_, portal_, project_);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(client->has_value());
  EXPECT_EQ((*client)->name, "Acme Corp");
  auto users = projects_->ListUsers(token_, portal_);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_THAT(*users, ElementsAre(Field(&ProjectsUser::email, "bob@example.com")));

  const std::string lone = Control("/_sim/projects/portals/" + portal_ + "/projects",
                                   {{"name", "Internal"}})["id_string"];
  auto none = projects_->GetProjectClient(token_, portal_, lone);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(projects_->GetProject(token_, portal_, lone)->strict);

  Control("/_sim/projects/portals/" + portal_ + "/clients", {{"name", "Globex"}});
  auto first = projects_->ListClients(token_, portal_, 1, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first, ElementsAre(Field(&ProjectsClientCompany::name, "Acme Corp")));
  auto second = projects_->ListClients(token_, portal_, 2, 1);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(*second, ElementsAre(Field(&ProjectsClientCompany::name, "Globex")));
  auto past = projects_->ListClients(token_, portal_, 3, 1);
  ASSERT_TRUE(past.ok()) << past.status();
  EXPECT_TRUE(past->empty());
  EXPECT_TRUE(absl::IsNotFound(projects_->GetProject(token_, portal_, "1").status()));
  EXPECT_TRUE(absl::IsNotFound(projects_->ListProjects(token_, "1", 1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(projects_->ListProjects(token_, portal_, 1, 201).status()));
}

TEST_F(ProjectsClientSimTest, TaskLifecycle) {
  auto created = projects_->CreateTask(
      token_, portal_, project_,
      {.name = "Export data",
       .description = "All of it",
       .priority = "high",
       .start_date = std::optional<absl::CivilDay>(absl::CivilDay(2026, 11, 3)),
       .end_date = std::optional<absl::CivilDay>(absl::CivilDay(2026, 11, 30)),
       .owner_ids = std::vector<std::string>{bob_}});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->name, "Export data");
  EXPECT_EQ(created->priority, "High");
  EXPECT_EQ(created->end_date, absl::CivilDay(2026, 11, 30));
  EXPECT_THAT(created->owners, ElementsAre(Field(&ProjectsUser::id, bob_)));
  EXPECT_FALSE(created->completed);

  auto updated =
      projects_->UpdateTask(token_, portal_, project_, created->id,
                            {.name = "Export all data", .custom_status = closed_status_});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(updated->completed);
  EXPECT_EQ(updated->status.type, "closed");
  auto read = projects_->GetTask(token_, portal_, project_, created->id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->name, "Export all data");
  EXPECT_EQ(read->description, "All of it");

  ASSERT_TRUE(projects_->DeleteTask(token_, portal_, project_, created->id).ok());
  EXPECT_TRUE(
      absl::IsNotFound(projects_->GetTask(token_, portal_, project_, created->id).status()));
  EXPECT_TRUE(absl::IsNotFound(projects_->DeleteTask(token_, portal_, project_, created->id)));
}

TEST_F(ProjectsClientSimTest, TheTaskLayoutsStatusesSetATasksStatusById) {
  auto statuses = projects_->ListTaskStatuses(token_, portal_, project_);
  ASSERT_TRUE(statuses.ok()) << statuses.status();
  ASSERT_THAT(*statuses, ElementsAre(Field(&ProjectsTaskStatus::name, "Open"),
                                     Field(&ProjectsTaskStatus::name, "In Progress"),
                                     Field(&ProjectsTaskStatus::name, "Closed")));
  EXPECT_EQ((*statuses)[0].type, "open");
  EXPECT_EQ((*statuses)[2].type, "closed");

  auto created = projects_->CreateTask(token_, portal_, project_, {.name = "Export data"});
  ASSERT_TRUE(created.ok()) << created.status();
  auto updated = projects_->UpdateTask(token_, portal_, project_, created->id,
                                       {.custom_status = (*statuses)[1].id});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->status.name, "In Progress");
  EXPECT_EQ(updated->status.type, "open");
  EXPECT_TRUE(absl::IsNotFound(projects_->ListTaskStatuses(token_, portal_, "4242").status()));
}

TEST_F(ProjectsClientSimTest, InvalidWritesAreRejected) {
  auto outside = projects_->CreateTask(
      token_, portal_, project_,
      {.name = "Late", .end_date = std::optional<absl::CivilDay>(absl::CivilDay(2027, 1, 8))});
  EXPECT_TRUE(absl::IsInvalidArgument(outside.status())) << outside.status();
  EXPECT_EQ(ZohoErrorCode(outside.status()), "6890");
  auto stranger = projects_->CreateTask(token_, portal_, project_,
                                        {.name = "x", .owner_ids = std::vector<std::string>{"1"}});
  EXPECT_TRUE(absl::IsInvalidArgument(stranger.status())) << stranger.status();
  EXPECT_TRUE(absl::IsInvalidArgument(
      projects_->CreateTask(token_, portal_, project_, {.name = "x", .priority = "urgent"})
          .status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(projects_->CreateTask(token_, portal_, project_, {}).status()));
}

TEST_F(ProjectsClientSimTest, SubtasksAreListedUnderTheirParentOnly) {
  auto parent = projects_->CreateTask(token_, portal_, project_, {.name = "Parent"});
  ASSERT_TRUE(parent.ok()) << parent.status();
  auto child = projects_->CreateTask(token_, portal_, project_, {.name = "Child"}, parent->id);
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->parent_task_id, parent->id);
  auto main_tasks = projects_->ListTasks(token_, portal_, project_, 1);
  ASSERT_TRUE(main_tasks.ok()) << main_tasks.status();
  EXPECT_THAT(*main_tasks, ElementsAre(Field(&ProjectsTask::id, parent->id)));
  auto subtasks = projects_->ListSubtasks(token_, portal_, project_, parent->id);
  ASSERT_TRUE(subtasks.ok()) << subtasks.status();
  EXPECT_THAT(*subtasks, ElementsAre(Field(&ProjectsTask::id, child->id)));
  EXPECT_TRUE(projects_->ListSubtasks(token_, portal_, project_, child->id)->empty());
}

TEST_F(ProjectsClientSimTest, ListModifiedSinceReadsEveryPageAndKeepsLaterChangesOnly) {
  // More tasks than a page holds, changed ones on both pages: Projects documents no sort for the
  // list, so neither the first page nor the first unchanged task ends the search.
  const std::string tasks =
      "/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks";
  std::vector<std::string> ids;
  for (int i = 0; i < ProjectsClient::kMaxRange + 5; ++i) {
    ids.push_back(
        Control(tasks, {{"user_email", "bob@example.com"},
                        {"fields", {{"name", absl::StrCat("T", i)}}}})["tasks"][0]["id_string"]);
  }
  auto before = projects_->GetTask(token_, portal_, project_, ids.back());
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 10}}).ok());
  const absl::Time since = before->last_updated_time + absl::Seconds(5);
  const std::string first = ids.front();
  const std::string on_second_page = ids[ProjectsClient::kMaxRange + 2];
  ASSERT_TRUE(projects_->UpdateTask(token_, portal_, project_, first, {.name = "First"}).ok());
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + on_second_page + "/edit",
          {{"user_email", "bob@example.com"}, {"fields", {{"name", "Late"}}}});

  auto modified = projects_->ListTasksModifiedSince(token_, portal_, project_, since);
  ASSERT_TRUE(modified.ok()) << modified.status();
  EXPECT_THAT(
      *modified,
      ElementsAre(
          AllOf(Field(&ProjectsTask::id, first), Field(&ProjectsTask::name, "First")),
          AllOf(Field(&ProjectsTask::id, on_second_page), Field(&ProjectsTask::name, "Late"))));
}

TEST_F(ProjectsClientSimTest, CommentsAreAddedListedAndDeleted) {
  auto task = projects_->CreateTask(token_, portal_, project_, {.name = "T"});
  ASSERT_TRUE(task.ok());
  EXPECT_TRUE(projects_->ListComments(token_, portal_, project_, task->id)->empty());
  auto comment = projects_->AddComment(token_, portal_, project_, task->id, "Looks good & done");
  ASSERT_TRUE(comment.ok()) << comment.status();
  EXPECT_EQ(comment->content, "Looks good & done");
  EXPECT_EQ(comment->added_by, bob_);
  auto comments = projects_->ListComments(token_, portal_, project_, task->id);
  ASSERT_TRUE(comments.ok()) << comments.status();
  EXPECT_THAT(*comments, ElementsAre(Field(&ProjectsComment::id, comment->id)));
  ASSERT_TRUE(projects_->DeleteComment(token_, portal_, project_, task->id, comment->id).ok());
  EXPECT_TRUE(projects_->ListComments(token_, portal_, project_, task->id)->empty());
  EXPECT_TRUE(
      absl::IsNotFound(projects_->DeleteComment(token_, portal_, project_, task->id, comment->id)));
}

TEST_F(ProjectsClientSimTest, UiEditFiresTheWebhookWithTheSecret) {
  httplib::Server receiver;
  std::mutex mutex;
  std::vector<httplib::Params> received;
  receiver.Post("/projects", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard lock(mutex);
    received.push_back(req.params);
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { receiver.listen_after_bind(); });
  while (!receiver.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto task = projects_->CreateTask(token_, portal_, project_, {.name = "T"});
  ASSERT_TRUE(task.ok());
  Control("/_sim/projects/portals/" + portal_ + "/webhook",
          {{"url", "http://127.0.0.1:" + std::to_string(port) + "/projects"},
           {"secret_param", "token"},
           {"secret", "hook-secret"}});
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + task->id + "/edit",
          {{"user_email", "bob@example.com"}, {"fields", {{"end_date", "12-01-2026"}}}});
  auto received_count = [&] {
    std::lock_guard lock(mutex);
    return received.size();
  };
  for (int i = 0; i < 300 && received_count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(received.size(), 1u);
    auto webhook = ParseProjectsWebhook({received[0].begin(), received[0].end()});
    ASSERT_TRUE(webhook.ok()) << webhook.status();
    EXPECT_EQ(webhook->event, "task_update");
    EXPECT_EQ(webhook->task_id, task->id);
    EXPECT_EQ(received[0].find("token")->second, "hook-secret");
  }
  EXPECT_EQ(projects_->GetTask(token_, portal_, project_, task->id)->end_date,
            absl::CivilDay(2026, 12, 1));
  receiver.stop();
  serving.join();
}

TEST_F(ProjectsClientSimTest, RefusedTokenAndThrottlingAreDistinct) {
  auto refused = projects_->ListPortals("1000.forged");
  EXPECT_TRUE(absl::IsUnauthenticated(refused.status())) << refused.status();
  EXPECT_EQ(ZohoErrorCode(refused.status()), "INVALID_OAUTHTOKEN");
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"error_429_share", 1.0}}).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(projects_->ListPortals(token_).status()));
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"error_5xx_share", 1.0}}).ok());
  EXPECT_TRUE(absl::IsUnavailable(projects_->ListPortals(token_).status()));
}

}  // namespace
}  // namespace crmsync::zoho

#include "services/sync/change/decision.h"

#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/sync/builders.h"

namespace crmsync::sync {
namespace {

using testing::At;
using testing::ChangeFrom;
using testing::DocumentedDefaultMaps;
using testing::State;
using testing::WithEndDate;
using testing::WithTime;
using testing::WithTitle;

// George's strict Data Migration project, June 2025, and one of its linked tasks whose canonical
// values were set from Projects at At(0).
const ProjectSchedule kDataMigration{"Data Migration", absl::CivilDay(2025, 6, 1),
                                     absl::CivilDay(2025, 6, 30), /*strict=*/true};
const Owner kAna{"ana@example.com", "4000000000001", "8000000000001", "Ana Lopez"};
const Owner kGeorge{"george@example.com", "4000000000007", "8000000000007", "George Miller"};

TaskContext LinkedTask() {
  TaskContext context;
  context.link = LinkState::kActive;
  context.canonical = {
      {Field::kTitle, State(std::string("Migrate contacts"), 1, At(0))},
      {Field::kDescription, State(std::string("All contacts from the old CRM"), 1, At(0))},
      {Field::kEndDate, State(EndDate(absl::CivilDay(2025, 6, 20)), 1, At(0))},
      {Field::kPriority, State(Priority::kMedium, 1, At(0))},
      {Field::kStatus, State(TaskStatus::kOpen, 1, At(0))},
      {Field::kOwner, State(kAna, 1, At(0))},
  };
  context.schedule = kDataMigration;
  return context;
}

ChangeDecision Decide(const TaskChange& change, const TaskContext& context = LinkedTask()) {
  auto decision = DecideChange(change, DocumentedDefaultMaps(), context);
  EXPECT_TRUE(decision.ok()) << decision.status();
  return decision.value_or(ChangeDecision{});
}

TaskChange Later(TaskChange change) { return WithTime(std::move(change), At(5)); }

// The only field of an applied single-field change.
const FieldDecision& OnlyField(const ChangeDecision& decision) {
  EXPECT_EQ(decision.fields.size(), 1u) << decision.message;
  static const FieldDecision kNone;
  return decision.fields.empty() ? kNone : decision.fields[0];
}

void ExpectApplied(const ChangeDecision& decision, Field field, const FieldValue& value) {
  EXPECT_EQ(decision.result, Outcome::kApplied) << decision.message;
  const FieldDecision& only = OnlyField(decision);
  EXPECT_EQ(only.field, field);
  EXPECT_EQ(only.result, Outcome::kApplied);
  EXPECT_EQ(only.version, 2);
  ASSERT_TRUE(only.value.has_value());
  EXPECT_TRUE(SameValue(*only.value, value))
      << DisplayValue(*only.value) << " != " << DisplayValue(value);
}

class EachSide : public ::testing::TestWithParam<Side> {};
INSTANTIATE_TEST_SUITE_P(FromCrmAndFromProjects, EachSide,
                         ::testing::Values(Side::kCrm, Side::kProjects));

TEST_P(EachSide, TitleIsApplied) {
  ExpectApplied(Decide(Later(WithTitle(ChangeFrom(GetParam()), "Migrate leads"))), Field::kTitle,
                std::string("Migrate leads"));
}

TEST_P(EachSide, DescriptionIsApplied) {
  TaskChange change = Later(ChangeFrom(GetParam()));
  change.fields.description = "";
  ExpectApplied(Decide(change), Field::kDescription, std::string());
}

TEST_P(EachSide, EndDateInsideTheScheduleIsApplied) {
  ExpectApplied(Decide(Later(WithEndDate(ChangeFrom(GetParam()), Date{2025, 6, 30}))),
                Field::kEndDate, EndDate(absl::CivilDay(2025, 6, 30)));
}

TEST_P(EachSide, PriorityAsTheSidesOwnWordIsApplied) {
  TaskChange change = Later(ChangeFrom(GetParam()));
  change.fields.priority = std::string(GetParam() == Side::kCrm ? "Highest" : "high");
  ExpectApplied(Decide(change), Field::kPriority, Priority::kHigh);
}

TEST_P(EachSide, CanonicalPriorityIsApplied) {
  TaskChange change = Later(ChangeFrom(GetParam()));
  change.fields.priority = Priority::kLow;
  ExpectApplied(Decide(change), Field::kPriority, Priority::kLow);
}

TEST_P(EachSide, ClosingIsApplied) {
  TaskChange change = Later(ChangeFrom(GetParam()));
  change.fields.status = std::string(GetParam() == Side::kCrm ? "Completed" : "Closed");
  ExpectApplied(Decide(change), Field::kStatus, TaskStatus::kClosed);
}

TEST_P(EachSide, OwnerLinkedOnBothSidesIsApplied) {
  TaskChange change = Later(ChangeFrom(GetParam()));
  change.fields.owner_user_id = UserIdOn(kGeorge, GetParam());
  TaskContext context = LinkedTask();
  context.owner = kGeorge;
  ExpectApplied(Decide(change, context), Field::kOwner, kGeorge);
}

TEST(DecideChange, NotLinkedTaskIsRejectedWithoutFields) {
  TaskContext context;
  const ChangeDecision d = Decide(WithTitle(ChangeFrom(Side::kCrm), "Migrate leads"), context);
  EXPECT_EQ(d.result, Outcome::kRejected);
  EXPECT_EQ(d.reason, FailureReason::kTaskNotLinked);
  EXPECT_EQ(d.message, "Zoho CRM task 6000000012345 is not linked to a Zoho Projects task");
  EXPECT_TRUE(d.fields.empty());
}

TEST(DecideChange, ChangeToATaskDeletedOnTheOtherSideIsRejected) {
  TaskContext context = LinkedTask();
  context.link = LinkState::kDeletedInProjects;
  const ChangeDecision d =
      Decide(Later(WithTitle(ChangeFrom(Side::kCrm), "Migrate leads")), context);
  EXPECT_EQ(d.result, Outcome::kRejected);
  EXPECT_EQ(d.reason, FailureReason::kTaskDeletedOnOtherSide);
  EXPECT_EQ(d.message,
            "The linked task was deleted in Zoho Projects; changes from Zoho CRM are no longer "
            "synced");
  // The Projects side may still change the task it kept.
  EXPECT_EQ(Decide(Later(WithTitle(ChangeFrom(Side::kProjects), "Migrate leads")), context).result,
            Outcome::kApplied);
}

TEST(DecideChange, AReadOfATaskDeletedOnTheOtherSideBringingNothingNewIsNoFailure) {
  // crmsync wrote "Migrate leads" to CRM before the Projects task was deleted; CRM's read of it
  // comes after the deletion, with CRM's description as CRM last held it.
  TaskContext context = LinkedTask();
  context.link = LinkState::kDeletedInProjects;
  context.canonical[Field::kTitle] = State(std::string("Migrate leads"), 2, At(3));
  context.canonical[Field::kTitle].held[Side::kCrm] = std::string("Migrate leads");
  context.canonical[Field::kDescription].held[Side::kCrm] = std::string("From the old CRM");
  TaskChange read_back = Later(WithTitle(ChangeFrom(Side::kCrm), "Migrate leads"));
  read_back.fields.description = "From the old CRM";
  const ChangeDecision echo = Decide(read_back, context);
  EXPECT_EQ(echo.result, Outcome::kEcho) << echo.message;
  EXPECT_EQ(echo.reason, FailureReason::kUnspecified);
  EXPECT_EQ(
      Decide(WithTime(WithTitle(ChangeFrom(Side::kCrm), "Migrate all"), At(1)), context).result,
      Outcome::kStale);
  // A person's edit among those values is refused as any change to the task is.
  read_back.fields.description = "From the old CRM, and the leads";
  const ChangeDecision edit = Decide(read_back, context);
  EXPECT_EQ(edit.result, Outcome::kRejected);
  EXPECT_EQ(edit.reason, FailureReason::kTaskDeletedOnOtherSide);
  EXPECT_TRUE(edit.fields.empty());
}

TEST(DecideChange, DeletionMarksTheLinkOnceAndAppliesNoField) {
  TaskChange deletion = Later(ChangeFrom(Side::kCrm));
  deletion.task_deleted = true;
  const ChangeDecision first = Decide(deletion);
  EXPECT_EQ(first.result, Outcome::kApplied);
  EXPECT_TRUE(first.marks_task_deleted);
  EXPECT_TRUE(first.fields.empty());
  TaskContext deleted = LinkedTask();
  deleted.link = LinkState::kDeletedInCrm;
  const ChangeDecision again = Decide(deletion, deleted);
  EXPECT_EQ(again.result, Outcome::kEcho);
  EXPECT_FALSE(again.marks_task_deleted);
}

TEST(DecideChange, OlderChangeIsStaleEvenWithAValueThatCouldNotBeApplied) {
  const ChangeDecision d = Decide(WithTime(WithTitle(ChangeFrom(Side::kCrm), ""), At(-1)));
  EXPECT_EQ(d.result, Outcome::kStale);
  EXPECT_EQ(OnlyField(d).result, Outcome::kStale);
  EXPECT_EQ(OnlyField(d).version, 1);
}

TEST(DecideChange, OurOwnWriteComingBackIsAnEcho) {
  // crmsync wrote "Not Started"; CRM users later see "In Progress": still open, nothing to do.
  TaskChange change = Later(ChangeFrom(Side::kCrm));
  change.fields.status = std::string("In Progress");
  change.fields.title = "Migrate contacts";
  const ChangeDecision d = Decide(change);
  EXPECT_EQ(d.result, Outcome::kEcho);
  ASSERT_EQ(d.fields.size(), 2u);
  EXPECT_EQ(d.fields[0].result, Outcome::kEcho);
  EXPECT_EQ(d.fields[1].result, Outcome::kEcho);
}

TEST(DecideChange, EachFieldIsJudgedOnItsOwn) {
  TaskContext context = LinkedTask();
  context.canonical[Field::kPriority] = State(Priority::kHigh, 4, At(10), Side::kCrm);
  TaskChange change = Later(WithTitle(ChangeFrom(Side::kProjects), "Migrate leads"));
  change.fields.priority = std::string("Low");
  change.fields.description = "All contacts from the old CRM";
  const ChangeDecision d = Decide(change, context);
  EXPECT_EQ(d.result, Outcome::kApplied);
  EXPECT_EQ(d.message, "Applied title");
  ASSERT_EQ(d.fields.size(), 3u);
  EXPECT_EQ(d.fields[0].field, Field::kTitle);
  EXPECT_EQ(d.fields[0].result, Outcome::kApplied);
  EXPECT_EQ(d.fields[1].field, Field::kDescription);
  EXPECT_EQ(d.fields[1].result, Outcome::kEcho);
  EXPECT_EQ(d.fields[2].field, Field::kPriority);
  EXPECT_EQ(d.fields[2].result, Outcome::kStale);
  EXPECT_EQ(d.fields[2].version, 4);
}

// Applies an APPLIED decision as the store will: new value, version and source per field.
void Record(const TaskChange& change, const ChangeDecision& decision, CanonicalTask& canonical) {
  for (const FieldDecision& field : decision.fields) {
    if (field.result != Outcome::kApplied) continue;
    canonical[field.field] = FieldState{*field.value,       field.version,
                                        change.origin_side, *change.source_modified_time,
                                        change.event_id,    {}};
  }
}

TEST(DecideChange, OutOfOrderChangesKeepTheNewestValue) {
  TaskContext context = LinkedTask();
  const TaskChange newer = WithTime(WithTitle(ChangeFrom(Side::kCrm), "Migrate leads"), At(20));
  const TaskChange older =
      WithTime(WithTitle(ChangeFrom(Side::kProjects), "Migrate accounts"), At(10));
  Record(newer, Decide(newer, context), context.canonical);
  const ChangeDecision late = Decide(older, context);
  EXPECT_EQ(late.result, Outcome::kStale);
  Record(older, late, context.canonical);
  EXPECT_EQ(std::get<std::string>(context.canonical[Field::kTitle].value), "Migrate leads");
  EXPECT_EQ(context.canonical[Field::kTitle].version, 2);
}

TEST(DecideChange, UnknownPicklistValueRejectsTheWholeChange) {
  TaskChange change = Later(WithTitle(ChangeFrom(Side::kCrm), "Migrate leads"));
  change.fields.priority = std::string("Urgent");
  const ChangeDecision d = Decide(change);
  EXPECT_EQ(d.result, Outcome::kRejected);
  EXPECT_EQ(d.reason, FailureReason::kInvalidValue);
  EXPECT_EQ(d.message, "Priority \"Urgent\" is not in the portal's Zoho CRM priority map");
  EXPECT_EQ(OnlyField(d).field, Field::kPriority);
  EXPECT_EQ(OnlyField(d).version, 1);
}

TEST(DecideChange, EmptyOrOversizeTitleIsAnInvalidValue) {
  const ChangeDecision empty = Decide(Later(WithTitle(ChangeFrom(Side::kProjects), "")));
  EXPECT_EQ(empty.reason, FailureReason::kInvalidValue);
  EXPECT_EQ(empty.message, "The title cannot be empty");
  const ChangeDecision long_title =
      Decide(Later(WithTitle(ChangeFrom(Side::kCrm), std::string(256, 't'))));
  EXPECT_EQ(long_title.result, Outcome::kRejected);
  EXPECT_EQ(long_title.reason, FailureReason::kInvalidValue);
  ASSERT_TRUE(OnlyField(long_title).value.has_value());
  EXPECT_EQ(std::get<std::string>(*OnlyField(long_title).value).size(), 256u);
}

TEST(DecideChange, OversizeDescriptionIsAnInvalidValue) {
  TaskChange change = Later(ChangeFrom(Side::kCrm));
  change.fields.description = std::string(32001, 'd');
  EXPECT_EQ(Decide(change).reason, FailureReason::kInvalidValue);
}

TEST(DecideChange, OwnerWithoutALinkedUserIsUnknown) {
  TaskChange change = Later(ChangeFrom(Side::kCrm));
  change.fields.owner_user_id = "4000000000099";
  const ChangeDecision unknown = Decide(change);
  EXPECT_EQ(unknown.result, Outcome::kRejected);
  EXPECT_EQ(unknown.reason, FailureReason::kUnknownOwner);
  EXPECT_EQ(unknown.message,
            "The new owner (Zoho CRM user 4000000000099) is not a known user of this portal");
  TaskContext context = LinkedTask();
  context.owner = Owner{"zoe@example.com", "4000000000099", "", "Zoe"};
  const ChangeDecision crm_only = Decide(change, context);
  EXPECT_EQ(crm_only.reason, FailureReason::kUnknownOwner);
  EXPECT_EQ(crm_only.message,
            "The new owner zoe@example.com has no user with the same email in Zoho Projects");
}

TEST(DecideChange, AnOwnerLookupOfAnotherUserIsACallerBug) {
  TaskChange change = Later(ChangeFrom(Side::kCrm));
  change.fields.owner_user_id = kGeorge.crm_user_id;
  TaskContext context = LinkedTask();
  context.owner = kAna;
  EXPECT_EQ(DecideChange(change, DocumentedDefaultMaps(), context).status().code(),
            absl::StatusCode::kInternal);
}

TEST(DecideChange, OnlyProjectsTasksMayHaveNoOwner) {
  TaskChange from_projects = Later(ChangeFrom(Side::kProjects));
  from_projects.fields.owner_user_id = "";
  ExpectApplied(Decide(from_projects), Field::kOwner, Owner{});
  TaskChange from_crm = Later(ChangeFrom(Side::kCrm));
  from_crm.fields.owner_user_id = "";
  const ChangeDecision d = Decide(from_crm);
  EXPECT_EQ(d.reason, FailureReason::kInvalidValue);
  EXPECT_EQ(d.message, "A Zoho CRM task cannot be left without an owner");
}

TEST(StrictScheduleRule, CrmEndDatePastTheScheduleIsRejectedAndNothingIsApplied) {
  TaskChange change = Later(WithEndDate(ChangeFrom(Side::kCrm), Date{2025, 7, 15}));
  change.fields.title = "Migrate leads";
  const ChangeDecision d = Decide(change);
  EXPECT_EQ(d.result, Outcome::kRejected);
  EXPECT_EQ(d.reason, FailureReason::kDueDateBeyondStrictSchedule);
  EXPECT_EQ(d.message,
            "End date 2025-07-15 is after the end of strict project Data Migration (2025-06-30)");
  const FieldDecision& end_date = OnlyField(d);
  EXPECT_EQ(end_date.field, Field::kEndDate);
  EXPECT_EQ(end_date.rejection->reason, FailureReason::kDueDateBeyondStrictSchedule);
  EXPECT_EQ(end_date.version, 1);
  EXPECT_EQ(std::get<EndDate>(*end_date.value), absl::CivilDay(2025, 7, 15));
}

TEST(StrictScheduleRule, ScheduleEdgesAreInside) {
  EXPECT_EQ(Decide(Later(WithEndDate(ChangeFrom(Side::kCrm), Date{2025, 6, 1}))).result,
            Outcome::kApplied);
  EXPECT_EQ(Decide(Later(WithEndDate(ChangeFrom(Side::kCrm), Date{2025, 6, 30}))).result,
            Outcome::kApplied);
}

TEST(StrictScheduleRule, ProjectsChangesAreNotChecked) {
  const TaskChange change = Later(WithEndDate(ChangeFrom(Side::kProjects), Date{2025, 7, 15}));
  EXPECT_FALSE(NeededReadsFor(change, DocumentedDefaultMaps(), LinkedTask()).schedule);
  TaskContext unread = LinkedTask();
  unread.schedule.reset();
  EXPECT_EQ(Decide(change, unread).result, Outcome::kApplied);
}

TEST(StrictScheduleRule, EchoOfADateOutsideTheScheduleIsNotChecked) {
  TaskContext context = LinkedTask();
  context.canonical[Field::kEndDate] = State(EndDate(absl::CivilDay(2025, 7, 15)), 2, At(0));
  const TaskChange change = Later(WithEndDate(ChangeFrom(Side::kCrm), Date{2025, 7, 15}));
  EXPECT_FALSE(NeededReadsFor(change, DocumentedDefaultMaps(), context).schedule);
  context.schedule.reset();
  EXPECT_EQ(Decide(change, context).result, Outcome::kEcho);
}

TEST(StrictScheduleRule, NewCrmEndDateNeedsTheScheduleRead) {
  const TaskChange change = Later(WithEndDate(ChangeFrom(Side::kCrm), Date{2025, 6, 25}));
  EXPECT_TRUE(NeededReadsFor(change, DocumentedDefaultMaps(), LinkedTask()).schedule);
  TaskContext unread = LinkedTask();
  unread.schedule.reset();
  auto decision = DecideChange(change, DocumentedDefaultMaps(), unread);
  EXPECT_EQ(decision.status().code(), absl::StatusCode::kInternal);
}

TaskContext SubtaskOfClosedParent() {
  TaskContext context = LinkedTask();
  context.is_subtask = true;
  context.canonical[Field::kStatus] = State(TaskStatus::kClosed, 2, At(0));
  context.parent = ParentTask{"Plan the cut-over", TaskStatus::kClosed};
  return context;
}

TEST(SubtaskParentClosedRule, ReopeningFromCrmIsRejected) {
  TaskChange change = Later(ChangeFrom(Side::kCrm));
  change.fields.status = std::string("Not Started");
  EXPECT_TRUE(NeededReadsFor(change, DocumentedDefaultMaps(), SubtaskOfClosedParent()).parent);
  const ChangeDecision d = Decide(change, SubtaskOfClosedParent());
  EXPECT_EQ(d.result, Outcome::kRejected);
  EXPECT_EQ(d.reason, FailureReason::kSubtaskParentClosed);
  EXPECT_EQ(d.message,
            "Subtask cannot be reopened while its parent task \"Plan the cut-over\" is closed in "
            "Zoho Projects");
  EXPECT_EQ(OnlyField(d).field, Field::kStatus);
}

TEST(SubtaskParentClosedRule, ReopeningFromProjectsIsNotChecked) {
  TaskChange change = Later(ChangeFrom(Side::kProjects));
  change.fields.status = TaskStatus::kOpen;
  EXPECT_FALSE(NeededReadsFor(change, DocumentedDefaultMaps(), SubtaskOfClosedParent()).parent);
  EXPECT_EQ(Decide(change, SubtaskOfClosedParent()).result, Outcome::kApplied);
}

TEST(SubtaskParentClosedRule, ReopeningATopLevelTaskNeedsNoParent) {
  TaskContext context = SubtaskOfClosedParent();
  context.is_subtask = false;
  context.parent.reset();
  TaskChange change = Later(ChangeFrom(Side::kCrm));
  change.fields.status = std::string("In Progress");
  EXPECT_FALSE(NeededReadsFor(change, DocumentedDefaultMaps(), context).parent);
  EXPECT_EQ(Decide(change, context).result, Outcome::kApplied);
}

TEST(SubtaskParentClosedRule, ClosingASubtaskIsFine) {
  TaskContext context = SubtaskOfClosedParent();
  context.canonical[Field::kStatus] = State(TaskStatus::kOpen, 2, At(0));
  TaskChange change = Later(ChangeFrom(Side::kCrm));
  change.fields.status = std::string("Completed");
  EXPECT_EQ(Decide(change, context).result, Outcome::kApplied);
}

TEST(NeededReads, OwnerLookupOnlyForANewNonEmptyOwner) {
  TaskChange change = Later(ChangeFrom(Side::kProjects));
  change.fields.owner_user_id = "8000000000007";
  EXPECT_TRUE(NeededReadsFor(change, DocumentedDefaultMaps(), LinkedTask()).owner);
  change.fields.owner_user_id = "";
  EXPECT_FALSE(NeededReadsFor(change, DocumentedDefaultMaps(), LinkedTask()).owner);
  change.fields.owner_user_id = "8000000000007";
  change.source_modified_time = At(-5);
  EXPECT_FALSE(NeededReadsFor(change, DocumentedDefaultMaps(), LinkedTask()).owner);
}

TEST(NeededReads, NothingForATaskThatIsNotLinked) {
  const NeededReads reads = NeededReadsFor(
      Later(WithEndDate(ChangeFrom(Side::kCrm), Date{2025, 7, 1})), DocumentedDefaultMaps(), {});
  EXPECT_FALSE(reads.schedule || reads.parent || reads.owner);
}

}  // namespace
}  // namespace crmsync::sync

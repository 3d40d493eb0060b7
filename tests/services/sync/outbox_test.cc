#include "services/sync/outbox.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmsync::sync {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(OutboxWrite, RoundTripsThroughItsPayload) {
  OutboxWrite write;
  write.kind = OutboxKind::kUpdateTask;
  write.target_side = Side::kCrm;
  write.link_id = 42;
  write.fields = {Field::kTitle, Field::kOwner};
  write.origin_side = Side::kProjects;
  write.event_id = "2000001/1717171717000";
  write.actor = {"2000100", "george@example.com", "George Miller"};
  write.accept_time = absl::FromUnixMicros(1717171717123456);

  const absl::StatusOr<OutboxWrite> back = DecodeOutboxWrite(EncodeOutboxWrite(write));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->kind, OutboxKind::kUpdateTask);
  EXPECT_EQ(back->target_side, Side::kCrm);
  EXPECT_EQ(back->link_id, 42);
  EXPECT_THAT(back->fields, ElementsAre(Field::kTitle, Field::kOwner));
  EXPECT_EQ(back->origin_side, Side::kProjects);
  EXPECT_EQ(back->event_id, "2000001/1717171717000");
  EXPECT_EQ(back->actor.email, "george@example.com");
  EXPECT_EQ(back->actor.display_name, "George Miller");
  EXPECT_EQ(back->accept_time, write.accept_time);
}

TEST(OutboxWrite, ACommentWriteKeepsItsCopy) {
  OutboxWrite write;
  write.kind = OutboxKind::kDeleteComment;
  write.target_side = Side::kProjects;
  write.link_id = 7;
  write.copy_id = 99;
  const absl::StatusOr<OutboxWrite> back = DecodeOutboxWrite(EncodeOutboxWrite(write));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->kind, OutboxKind::kDeleteComment);
  EXPECT_EQ(back->copy_id, 99);
  EXPECT_TRUE(back->fields.empty());
}

TEST(OutboxWrite, APayloadThatIsNoWriteIsAnError) {
  EXPECT_THAT(DecodeOutboxWrite("not json").status().message(), HasSubstr("not a JSON object"));
  EXPECT_THAT(DecodeOutboxWrite(R"({"kind": 9})").status().message(), HasSubstr("unknown kind 9"));
  EXPECT_TRUE(absl::IsInternal(DecodeOutboxWrite(R"({"kind": 2})").status()));
  EXPECT_THAT(
      DecodeOutboxWrite(R"({"kind": 2, "target_side": "crm", "link_id": 1, "fields": ["colour"]})")
          .status()
          .message(),
      HasSubstr("unknown field \"colour\""));
}

TEST(OutboxGroup, OneGroupPerTask) {
  EXPECT_EQ(OutboxGroup(42), "task:42");
  EXPECT_NE(OutboxGroup(42), OutboxGroup(43));
}

}  // namespace
}  // namespace crmsync::sync

// The two failures of the seed help page as NotifyFailure requests: George's due-date change
// beyond the strict Data Migration project's schedule, and Linda's reopen of a subtask whose
// parent is closed.
#ifndef CRMSYNC_TESTS_SERVICES_NOTIFY_SEEDS_H_
#define CRMSYNC_TESTS_SERVICES_NOTIFY_SEEDS_H_

#include <string>

#include "crmsync/notify/v1/notify.pb.h"

namespace crmsync::notify::testing {

inline v1::NotifyFailureRequest GeorgeDueDate(std::string failure_id = "failure-george-1") {
  v1::NotifyFailureRequest request;
  request.set_failure_id(std::move(failure_id));
  request.set_portal_id("portal-1");
  request.mutable_recipient()->set_email("george@example.com");
  request.mutable_recipient()->set_display_name("George Miller");
  request.set_kind(v1::NOTIFICATION_KIND_DUE_DATE_BEYOND_STRICT_SCHEDULE);
  auto& p = *request.mutable_parameters();
  p.set_side(common::v1::SIDE_CRM);
  p.set_task_id("crm-task-501");
  p.set_task_title("Map legacy customer fields");
  p.set_project_id("proj-77");
  p.set_project_name("Data Migration");
  p.set_field("End Date");
  p.set_attempted_value("2027-01-08");
  p.set_kept_value("2026-12-11");
  p.set_reason("the date falls after the project's end date 2026-12-18");
  p.mutable_occur_time()->set_seconds(1795424400);  // 2026-11-23 09:00 UTC
  p.mutable_project_start_date()->set_year(2026);
  p.mutable_project_start_date()->set_month(11);
  p.mutable_project_start_date()->set_day(2);
  p.mutable_project_end_date()->set_year(2026);
  p.mutable_project_end_date()->set_month(12);
  p.mutable_project_end_date()->set_day(18);
  return request;
}

inline v1::NotifyFailureRequest LindaReopen(std::string failure_id = "failure-linda-1") {
  v1::NotifyFailureRequest request;
  request.set_failure_id(std::move(failure_id));
  request.set_portal_id("portal-1");
  request.mutable_recipient()->set_email("linda@example.com");
  request.mutable_recipient()->set_display_name("Linda Park");
  request.set_kind(v1::NOTIFICATION_KIND_SUBTASK_PARENT_CLOSED);
  auto& p = *request.mutable_parameters();
  p.set_side(common::v1::SIDE_CRM);
  p.set_task_id("crm-task-902");
  p.set_task_title("Verify imported contacts");
  p.set_project_id("proj-77");
  p.set_project_name("Data Migration");
  p.set_field("Status");
  p.set_attempted_value("Open");
  p.set_kept_value("Completed");
  p.set_parent_task_title("Contact import");
  p.mutable_occur_time()->set_seconds(1795428000);
  return request;
}

}  // namespace crmsync::notify::testing

#endif  // CRMSYNC_TESTS_SERVICES_NOTIFY_SEEDS_H_

#include "services/notify/method_roles.h"

namespace crmsync::notify {

MethodRoles NotifyMethodRoles() {
  return {
      {"/crmsync.notify.v1.NotifyService/NotifyFailure", CallerRole::kService},
      {"/crmsync.notify.v1.NotifyService/GetNotification", CallerRole::kReader},
      {"/crmsync.notify.v1.NotifyService/ListNotifications", CallerRole::kReader},
  };
}

}  // namespace crmsync::notify

#include "libs/common/worker_pool.h"

namespace crmsync {

WorkerPool::WorkerPool(int threads, int queue_capacity) : queue_capacity_(queue_capacity) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      while (true) {
        std::function<void()> work;
        {
          std::unique_lock lock(mutex_);
          queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) return;
          work = std::move(queue_.front());
          queue_.pop_front();
        }
        work();
      }
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& thread : threads_) thread.join();
}

bool WorkerPool::TryRun(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= queue_capacity_) return false;
    queue_.push_back(std::move(work));
  }
  queued_.notify_one();
  return true;
}

}  // namespace crmsync

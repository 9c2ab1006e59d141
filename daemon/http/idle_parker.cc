#include "daemon/http/idle_parker.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sos::http_internal {
namespace {

constexpr uint64_t kWakeKey = UINT64_MAX;

void RemoveDeadline(std::multimap<IdleParker::Clock::time_point, uint64_t>& deadlines,
                    IdleParker::Clock::time_point when, uint64_t id) {
  auto [from, to] = deadlines.equal_range(when);
  for (auto it = from; it != to; ++it) {
    if (it->second == id) {
      deadlines.erase(it);
      return;
    }
  }
}

}  // namespace

Result<std::unique_ptr<IdleParker>> IdleParker::Start(Callback on_ready, Callback on_expired) {
  int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return Status::Unavailable(std::string("epoll_create1: ") + std::strerror(errno));
  int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  if (wake_fd < 0 || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev) != 0) {
    Status s = Status::Unavailable(std::string("eventfd: ") + std::strerror(errno));
    if (wake_fd >= 0) ::close(wake_fd);
    ::close(epoll_fd);
    return s;
  }
  std::unique_ptr<IdleParker> parker(
      new IdleParker(epoll_fd, wake_fd, std::move(on_ready), std::move(on_expired)));
  try {
    parker->thread_ = std::thread([p = parker.get()] { p->Loop(); });
  } catch (const std::system_error& e) {
    return Status::Unavailable(std::string("cannot start the idle parker: ") + e.what());
  }
  return parker;
}

IdleParker::IdleParker(int epoll_fd, int wake_fd, Callback on_ready, Callback on_expired)
    : epoll_fd_(epoll_fd),
      wake_fd_(wake_fd),
      on_ready_(std::move(on_ready)),
      on_expired_(std::move(on_expired)) {}

IdleParker::~IdleParker() {
  Stop();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

size_t IdleParker::parked() const {
  std::lock_guard lock(mu_);
  return parked_.size();
}

Status IdleParker::Park(uint64_t id, int fd, Clock::time_point deadline) {
  bool earliest;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Unavailable("the idle parker stopped");
    parked_[id] = {fd, deadline};
    earliest = deadlines_.empty() || deadline < deadlines_.begin()->first;
    deadlines_.emplace(deadline, id);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      const int err = errno;
      parked_.erase(id);
      RemoveDeadline(deadlines_, deadline, id);
      return Status::IOError(std::string("epoll_ctl: ") + std::strerror(err));
    }
  }
  if (earliest) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
  return Status::Ok();
}

void IdleParker::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
}

void IdleParker::Loop() {
  std::vector<epoll_event> events(256);
  for (;;) {
    int timeout_ms = -1;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      if (!deadlines_.empty()) {
        const auto left = deadlines_.begin()->first - Clock::now();
        timeout_ms = static_cast<int>(std::clamp<int64_t>(
            std::chrono::ceil<std::chrono::milliseconds>(left).count(), 0, INT32_MAX));
      }
    }
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                               timeout_ms);
    std::vector<uint64_t> ready, expired;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      for (int i = 0; i < n; ++i) {
        const uint64_t id = events[i].data.u64;
        if (id == kWakeKey) {
          uint64_t v;
          (void)!::read(wake_fd_, &v, sizeof(v));
          continue;
        }
        auto it = parked_.find(id);
        if (it == parked_.end()) continue;
        (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
        RemoveDeadline(deadlines_, it->second.deadline, id);
        parked_.erase(it);
        ready.push_back(id);
      }
      const auto now = Clock::now();
      while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        const uint64_t id = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        auto it = parked_.find(id);
        if (it == parked_.end()) continue;
        (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
        parked_.erase(it);
        expired.push_back(id);
      }
    }
    // A callback that throws (out of memory) must not end this thread.
    for (uint64_t id : ready) {
      try {
        on_ready_(id);
      } catch (...) {
        expired.push_back(id);  // closed instead
      }
    }
    for (uint64_t id : expired) {
      try {
        on_expired_(id);
      } catch (...) {
      }
    }
  }
}

}  // namespace sos::http_internal

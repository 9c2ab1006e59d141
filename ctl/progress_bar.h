// ProgressBar: one line on a terminal that shows how far a transfer is.
//
// Disabled (a no-op) unless constructed enabled, which callers do only when
// stderr is a terminal, so pipes, logs and scripts never see it. Redraws at
// most every 100 ms, then once more on Finish(), which ends the line.
// Not thread-safe: one transfer drives one bar.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sos::ctl {

class ProgressBar {
 public:
  // total 0 means unknown. `out` is where the bar is drawn (stderr).
  ProgressBar(std::string label, uint64_t total, bool enabled, std::FILE* out = stderr);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Add(uint64_t bytes);
  // Sets the bytes done (a retried request may go back).
  void Set(uint64_t done);
  void Finish();

  uint64_t done() const { return done_; }
  // The bar's text for `done` of `total` at `bytes_per_second`, `width` cells
  // for the bar itself. Pure; exposed for tests.
  static std::string Render(const std::string& label, uint64_t done, uint64_t total,
                            double bytes_per_second, int width);

 private:
  void Draw();

  std::string label_;
  uint64_t total_;
  bool enabled_;
  std::FILE* out_;
  uint64_t done_ = 0;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

// True when stderr is a terminal (and TERM is not "dumb").
bool StderrIsTerminal();

}  // namespace sos::ctl

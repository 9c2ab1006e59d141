#include "ctl/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "ctl/output.h"

namespace sos::ctl {

ProgressBar::ProgressBar(std::string label, uint64_t total, bool enabled, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      out_(out),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  // An abandoned transfer still ends the line, so the error starts on its own.
  if (enabled_ && !finished_ && done_ > 0) std::fputs("\n", out_);
}

void ProgressBar::Add(uint64_t bytes) { Set(done_ + bytes); }

void ProgressBar::Set(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  Draw();
  std::fputs("\n", out_);
  std::fflush(out_);
}

void ProgressBar::Draw() {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  std::string line = Render(label_, done_, total_, rate, 30);
  std::fprintf(out_, "\r%s\033[K", line.c_str());
  std::fflush(out_);
}

std::string ProgressBar::Render(const std::string& label, uint64_t done, uint64_t total,
                                double bytes_per_second, int width) {
  std::string line = label + " ";
  if (total > 0) {
    uint64_t shown = std::min(done, total);
    int filled = static_cast<int>(static_cast<double>(shown) / static_cast<double>(total) * width);
    line += "[" + std::string(filled, '#') + std::string(width - filled, ' ') + "] ";
    line += std::to_string(shown * 100 / total) + "% ";
    line += FormatSize(shown) + " / " + FormatSize(total);
  } else {
    line += FormatSize(done);
  }
  line += "  " + FormatSize(static_cast<uint64_t>(bytes_per_second)) + "/s";
  return line;
}

bool StderrIsTerminal() {
  const char* term = std::getenv("TERM");
  if (term && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(STDERR_FILENO) == 1;
}

}  // namespace sos::ctl

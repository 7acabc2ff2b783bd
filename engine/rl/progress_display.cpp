#include "engine/rl/progress_display.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace lusifer {

ProgressDisplay::ProgressDisplay(bool interactive, std::FILE* out)
    : interactive_(interactive), out_(out) {}

bool ProgressDisplay::stderr_is_terminal() noexcept {
  return ::isatty(STDERR_FILENO) == 1;
}

std::string ProgressDisplay::render(const ProgressFigures& f, std::size_t bar_width) {
  const double fraction =
      f.total > 0 ? std::min(1.0, static_cast<double>(f.done) / static_cast<double>(f.total)) : 0.0;
  const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(bar_width));
  const double rate = f.seconds > 0 ? static_cast<double>(f.done) / f.seconds : 0.0;
  std::string eta = "--";
  if (rate > 0 && f.total > f.done) {
    const auto left = static_cast<std::uint64_t>(static_cast<double>(f.total - f.done) / rate);
    eta = fmt::format("{}:{:02}", left / 60, left % 60);
  }
  std::string out =
      fmt::format("{} [{}{}] {:>5.1f}% {} user-steps, {:.0f}/s, {} active, reward {:.3f}, ETA {}",
                  f.label, std::string(filled, '#'), std::string(bar_width - filled, '.'),
                  100.0 * fraction, f.done, rate, f.active_users, f.last_mean_reward, eta);
  if (f.uses_llm) {
    out += fmt::format(", LLM {} calls, {} tokens, ${:.4f}", f.llm_calls, f.tokens, f.cost_usd);
  }
  return out;
}

void ProgressDisplay::update(const ProgressFigures& figures) {
  if (!interactive_) {
    spdlog::info("{}", render(figures, 20));
    return;
  }
  std::fprintf(out_, "\r\033[K%s", render(figures, 24).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressDisplay::finish() {
  if (interactive_ && drawn_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  drawn_ = false;
}

}  // namespace lusifer

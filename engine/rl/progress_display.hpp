#pragma once

// Shows a running simulation's progress: on a terminal a live bar (users and
// steps per second, LLM calls, tokens, cost so far, ETA), redrawn in place;
// off a terminal, a log line per report. Reports arrive at most every
// progress_interval (the coordinator paces them).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace lusifer {

struct ProgressFigures {
  std::string label;  // e.g. "linucb, episode 1/2"
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::uint64_t active_users = 0;
  double seconds = 0.0;
  double last_mean_reward = 0.0;
  std::uint64_t llm_calls = 0;
  std::uint64_t tokens = 0;
  double cost_usd = 0.0;
  bool uses_llm = false;
};

class ProgressDisplay {
 public:
  // `interactive`: draw a bar on `out` (stderr) rather than logging.
  explicit ProgressDisplay(bool interactive, std::FILE* out = stderr);

  void update(const ProgressFigures& figures);
  // Ends the bar's line (a terminal keeps the last state visible).
  void finish();

  // The text of one report, without terminal control codes.
  static std::string render(const ProgressFigures& figures, std::size_t bar_width);

  static bool stderr_is_terminal() noexcept;

 private:
  bool interactive_;
  std::FILE* out_;
  bool drawn_ = false;
};

}  // namespace lusifer

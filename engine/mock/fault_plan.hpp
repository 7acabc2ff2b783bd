#pragma once

// Which fault, if any, the mock LLM server injects into a request: each kind
// has a probability per request, and one uniform draw from the request's own
// seeded stream decides (so the sequence of faults is the same for a seed and
// an arrival order, whatever the timing).
//
// Kinds, and what the client sees:
//   rate_limit          429 "Rate limit reached ... on requests per min (RPM)" with
//                       Retry-After, retry-after-ms and x-ratelimit-* headers (retry)
//   server_error        500 {"type":"server_error"} (retry)
//   overloaded          503 "The engine is currently overloaded ..." (retry)
//   insufficient_quota  429 "You exceeded your current quota ..." (terminal)
//   connection_reset    the TCP connection is reset after the latency, no answer
//                       (transport, retry)
//   hang                no answer until the client gives up (or the server's
//                       bound on hanging passes): a client timeout (retry)
//   truncated_body      a 200 whose body stops short of its Content-Length, after
//                       the latency (transport, retry)
//   malformed_json      a 200 whose JSON body is cut off (re-ask)
//   wrong_content       a valid completion whose content is not what was asked:
//                       prose instead of the requested JSON, or a JSON object
//                       missing some of its members (e.g. requested ratings) (re-ask)
//   model_loading       llama.cpp's 503 {"error":{"code":503,"message":"Loading
//                       model","type":"unavailable_error"}} (retry)
// `all` spreads a total rate evenly over every kind (model_loading only with
// the llama.cpp personality); it adds to the per-kind rates. The rates must
// sum to at most 1.
//
// Immutable after construction; thread-safe.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/random.hpp"

namespace lusifer::mock {

enum class FaultKind {
  kNone,
  kRateLimit,
  kServerError,
  kOverloaded,
  kInsufficientQuota,
  kConnectionReset,
  kHang,
  kTruncatedBody,
  kMalformedJson,
  kWrongContent,
  kModelLoading,
};
inline constexpr std::size_t kFaultKindCount = 11;  // kNone included

// "none", "rate_limit", "server_error", ... as listed above.
std::string_view fault_kind_name(FaultKind kind) noexcept;
std::optional<FaultKind> parse_fault_kind(std::string_view name) noexcept;

struct FaultRates {
  std::array<double, kFaultKindCount> rate{};  // indexed by FaultKind; kNone unused
  double all = 0.0;
  bool all_includes_model_loading = false;

  double& operator[](FaultKind kind) noexcept { return rate[static_cast<std::size_t>(kind)]; }
  double operator[](FaultKind kind) const noexcept { return rate[static_cast<std::size_t>(kind)]; }
};

class FaultPlan {
 public:
  // Throws std::invalid_argument when a rate is outside [0, 1] or the total
  // exceeds 1.
  explicit FaultPlan(const FaultRates& rates);

  // The probability of `kind` per request, `all` included.
  double rate(FaultKind kind) const noexcept { return effective_[static_cast<std::size_t>(kind)]; }
  double total_rate() const noexcept { return total_; }

  // One uniform draw from `rng` decides.
  FaultKind draw(Rng& rng) const noexcept;

 private:
  std::array<double, kFaultKindCount> effective_{};
  double total_ = 0.0;
};

}  // namespace lusifer::mock

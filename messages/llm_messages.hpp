#pragma once

// Messages between simulated users and the LLM gateway, with the `inspect`
// functions that let CAF serialise them (so remote nodes share them too).
//
// The task and result types themselves are the engine's (engine/sim/
// llm_task.hpp); their inspect overloads live here, next to the messages,
// because serialisation is a concern of the actor layer only.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "engine/sim/llm_task.hpp"

namespace lusifer {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Interaction& x) {
  return f(caf::meta::type_name("interaction"), x.item, x.rating, x.timestamp);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LlmTask& x) {
  return f(caf::meta::type_name("llm_task"), x.kind, x.user, x.profile, x.interactions,
           x.candidates, x.priority, x.repair_attempt, x.problem);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ItemRating& x) {
  return f(caf::meta::type_name("item_rating"), x.item, x.rating, x.explanation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LlmTaskResult& x) {
  return f(caf::meta::type_name("llm_task_result"), x.profile, x.change, x.ratings, x.missing,
           x.problem);
}

// The gateway's answer to one LlmTask.
struct LlmTaskReply {
  LlmTaskResult result;
  // LLM calls this request took part in (a merged call counts for each of its
  // requests), and how many of them the response cache answered.
  std::int32_t calls = 0;
  std::int32_t cache_hits = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LlmTaskReply& x) {
  return f(caf::meta::type_name("llm_task_reply"), x.result, x.calls, x.cache_hits);
}

// One finished LLM call, for the run store's llm_calls table.
struct LlmCallRecord {
  std::string fingerprint;
  std::int64_t user_id = 0;  // the dataset's id of the user
  std::string task;          // create-profile, update-profile, rate-items, repair
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
  double latency_ms = 0.0;
  std::int32_t attempts = 0;
  std::string status;  // "ok" or the failure class
  bool cache_hit = false;
  double cost_usd = 0.0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LlmCallRecord& x) {
  return f(caf::meta::type_name("llm_call_record"), x.fingerprint, x.user_id, x.task,
           x.prompt_tokens, x.completion_tokens, x.cached_tokens, x.latency_ms, x.attempts,
           x.status, x.cache_hit, x.cost_usd);
}

// The gateway pool's counters, for progress displays and reports.
struct GatewayStats {
  std::uint64_t logical_requests = 0;
  std::uint64_t calls = 0;  // LLM calls (merged batches count once)
  std::uint64_t attempts = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t cached_prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  double cost_usd = 0.0;
  double latency_p50_ms = 0.0;
  double latency_p90_ms = 0.0;
  double latency_p99_ms = 0.0;
  double latency_max_ms = 0.0;
  std::vector<std::string> error_classes;
  std::vector<std::uint64_t> error_counts;
  std::uint64_t queued = 0;
  std::int32_t in_flight = 0;
  std::int32_t concurrency_limit = 0;
  std::string breaker;         // closed, open, half-open
  std::string budget_refusal;  // empty unless the budget cap stopped work
  // Attempts that may have been billed but reported no usage are charged at
  // their estimate; these are the tokens so charged (included above).
  std::uint64_t unreported_prompt_tokens = 0;
  std::uint64_t unreported_completion_tokens = 0;
  // Requests the HTTP client re-sent once by itself on a fresh connection
  // after a reused one closed under them (the server may count both).
  std::uint64_t http_resends = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, GatewayStats& x) {
  return f(caf::meta::type_name("gateway_stats"), x.logical_requests, x.calls, x.attempts,
           x.cache_hits, x.prompt_tokens, x.cached_prompt_tokens, x.completion_tokens, x.cost_usd,
           x.latency_p50_ms, x.latency_p90_ms, x.latency_p99_ms, x.latency_max_ms, x.error_classes,
           x.error_counts, x.queued, x.in_flight, x.concurrency_limit, x.breaker, x.budget_refusal,
           x.unreported_prompt_tokens, x.unreported_completion_tokens, x.http_resends);
}

}  // namespace lusifer

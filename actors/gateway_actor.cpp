#include "actors/gateway_actor.hpp"

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/core/random.hpp"
#include "engine/gateway/http_attempt.hpp"
#include "engine/gateway/rating_batcher.hpp"
#include "engine/limits/admission_queue.hpp"
#include "engine/limits/retry_policy.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

using CallId = std::uint64_t;
using limits::Clock;
using limits::TimePoint;

constexpr std::size_t kInteractiveClass = 0;
constexpr std::size_t kBulkClass = 1;

struct PendingRequest {
  caf::response_promise promise;
  LlmTaskReply reply;
  std::size_t outstanding = 0;  // items (rating tasks) or 1 (profile tasks) not yet settled
};

struct Call {
  LlmTask task;
  // Which request gets which items (rating tasks); one part naming the
  // request, without items, for profile tasks.
  std::vector<BatchPart> parts;
  std::shared_ptr<const PreparedCall> prepared;
  limits::LogicalCall logical;
  AttemptPermit permit;
  // One key for every transport retry of this logical call (see send_attempt).
  std::string idempotency_key;
  TimePoint started{};
  TimePoint enqueued{};  // when it last joined the queue, kept when it is put back
  int attempts = 0;
  int reasks = 0;  // fresh keys after completed but unusable answers
  bool queued = false;
};

// Attempts finished on the HTTP client's I/O threads, waiting for their actor.
// One attempt_atom wakes the actor for every result that lands before it
// drains the inbox: completions arrive in bursts (one event-loop round), and
// a message plus a scheduler wake-up per attempt cost more than the attempt's
// bookkeeping. Bounded by the attempts in flight, which admission bounds.
struct AttemptInbox {
  std::mutex mutex;
  std::vector<std::pair<CallId, AttemptResult>> done;
  bool signalled = false;  // an attempt_atom is on its way and not yet handled
};

struct GatewayState {
  std::shared_ptr<GatewayContext> context;
  // Shared with the HTTP callbacks, which may outlive the actor.
  std::shared_ptr<AttemptInbox> inbox = std::make_shared<AttemptInbox>();
  // The inbox's previous vector, drained and kept for its capacity.
  std::vector<std::pair<CallId, AttemptResult>> draining;
  std::unique_ptr<RatingBatcher> batcher;
  std::unique_ptr<limits::AdmissionQueue<CallId>> queue;
  std::optional<CallId> head;  // taken from the queue, waiting for admission
  std::unique_ptr<limits::RetryPolicy> retry;
  std::unique_ptr<Rng> rng;
  std::unordered_map<RequestId, PendingRequest> requests;
  std::unordered_map<CallId, Call> calls;
  RequestId next_request = 1;
  CallId next_call = 1;
  // Handed to SharedAdmission::try_admit: built once, copied only when a
  // call has to wait for capacity.
  std::function<void()> wake_on_capacity;
  std::optional<TimePoint> pump_at;  // a pump timer is set for this time
  bool waiting_for_capacity = false;
  std::size_t index = 0;  // the actor's place in the pool, for idempotency keys

  GatewayState() = default;
  GatewayState(const GatewayState&) = delete;
  GatewayState& operator=(const GatewayState&) = delete;
  // CAF destroys an actor's state when it exits (before attached functors
  // run): requests still open then get an answer, not silence.
  ~GatewayState() {
    for (auto& [id, request] : requests) {
      request.promise.deliver(make_error(Errc::kShuttingDown, "the gateway is stopping"));
    }
  }
};

using GatewayActor = caf::stateful_actor<GatewayState>;

const GatewaySettings& settings_of(GatewayActor* self) {
  return *self->state.context->settings;
}

bool is_interactive(const LlmTask& task) {
  return task.priority == TaskPriority::kInteractive;
}

ExternalId external_user(GatewayActor* self, UserIndex user) {
  const auto& ids = self->state.context->user_ids;
  return ids && user < ids->size() ? (*ids)[user] : static_cast<ExternalId>(user);
}

void pump(GatewayActor* self);
void start_call(GatewayActor* self, LlmTask task, std::vector<BatchPart> parts);

// A request's result is complete when every item (or the profile) settled.
void settle_request(GatewayActor* self, RequestId id) {
  auto it = self->state.requests.find(id);
  if (it == self->state.requests.end() || it->second.outstanding > 0)
    return;
  PendingRequest& r = it->second;
  if (!r.reply.result.missing.empty() && r.reply.result.problem.empty()) {
    r.reply.result.problem = "the LLM's answers lacked some items after every repair";
  }
  r.promise.deliver(std::move(r.reply));
  self->state.requests.erase(it);
}

void fail_request(GatewayActor* self, RequestId id, const caf::error& error) {
  auto it = self->state.requests.find(id);
  if (it == self->state.requests.end())
    return;
  it->second.promise.deliver(error);
  self->state.requests.erase(it);
}

void fail_call(GatewayActor* self, CallId id, const caf::error& error) {
  auto it = self->state.calls.find(id);
  if (it == self->state.calls.end())
    return;
  for (const auto& part : it->second.parts)
    fail_request(self, part.request, error);
  self->state.calls.erase(it);
}

void record_call(GatewayActor* self, const Call& call, const AttemptReport* report,
                 std::string status, bool cache_hit) {
  auto& ctx = *self->state.context;
  ++ctx.calls;
  if (!ctx.call_log)
    return;
  LlmCallRecord record;
  record.fingerprint = call.prepared ? call.prepared->cache_key : std::string();
  record.user_id = external_user(self, call.task.user);
  record.task =
      call.task.repair_attempt > 0 ? "repair" : std::string(task_kind_name(call.task.kind));
  if (report && report->usage) {
    record.prompt_tokens = report->usage->prompt_tokens;
    record.completion_tokens = report->usage->completion_tokens;
    record.cached_tokens = report->usage->cached_prompt_tokens;
  }
  record.latency_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - call.started).count();
  record.attempts = call.attempts;
  record.status = std::move(status);
  record.cache_hit = cache_hit;
  if (report && report->usage && !cache_hit) {
    if (const auto cost = settings_of(self).prices.cost(settings_of(self).model, *report->usage)) {
      record.cost_usd = limits::to_usd(*cost);
    }
  }
  self->send(ctx.call_log, std::move(record));
}

// Hands the answer of `call` to its requests, and asks again for what is missing.
void settle_call(GatewayActor* self, CallId id, const LlmTaskResult& result, bool from_cache) {
  auto it = self->state.calls.find(id);
  if (it == self->state.calls.end())
    return;
  Call call = std::move(it->second);
  self->state.calls.erase(it);
  const bool can_repair = call.task.repair_attempt < settings_of(self).max_repairs;

  if (call.task.kind != TaskKind::kRateItems) {
    const RequestId request = call.parts.front().request;
    if (!result.complete() && can_repair) {
      LlmTask repair = call.task;
      ++repair.repair_attempt;
      repair.problem = result.problem;
      start_call(self, std::move(repair), std::move(call.parts));
      return;
    }
    auto r = self->state.requests.find(request);
    if (r == self->state.requests.end())
      return;
    r->second.reply.result.profile = result.profile;
    r->second.reply.result.change = result.change;
    r->second.reply.result.problem = result.problem;
    ++r->second.reply.calls;
    r->second.reply.cache_hits += from_cache ? 1 : 0;
    r->second.outstanding = 0;
    settle_request(self, request);
    return;
  }

  std::vector<BatchPart> missing_parts;
  std::vector<ItemIndex> missing_items;
  for (const auto& part : call.parts) {
    auto r = self->state.requests.find(part.request);
    if (r == self->state.requests.end())
      continue;
    LlmTaskResult mine = RatingBatcher::result_for(part, result);
    PendingRequest& request = r->second;
    ++request.reply.calls;
    request.reply.cache_hits += from_cache ? 1 : 0;
    for (auto& rating : mine.ratings)
      request.reply.result.ratings.push_back(std::move(rating));
    request.outstanding -= mine.ratings.size();
    if (mine.missing.empty()) {
      settle_request(self, part.request);
      continue;
    }
    if (can_repair) {
      for (const auto item : mine.missing) {
        if (std::find(missing_items.begin(), missing_items.end(), item) == missing_items.end()) {
          missing_items.push_back(item);
        }
      }
      missing_parts.push_back(BatchPart{part.request, std::move(mine.missing)});
    } else {
      request.reply.result.missing.insert(request.reply.result.missing.end(), mine.missing.begin(),
                                          mine.missing.end());
      request.reply.result.problem = mine.problem;
      request.outstanding -= mine.missing.size();
      settle_request(self, part.request);
    }
  }
  if (!missing_parts.empty()) {
    LlmTask repair = call.task;
    ++repair.repair_attempt;
    repair.candidates = std::move(missing_items);
    repair.problem = result.problem;
    start_call(self, std::move(repair), std::move(missing_parts));
  }
}

void enqueue(GatewayActor* self, CallId id) {
  auto& s = self->state;
  Call& call = s.calls.at(id);
  const bool interactive = is_interactive(call.task);
  call.enqueued = Clock::now();
  if (s.queue->push(CallId{id}, interactive ? kInteractiveClass : kBulkClass, call.enqueued) ==
      limits::PushResult::kOverloaded) {
    fail_call(self, id,
              make_error(Errc::kOverloaded, fmt::format("the gateway's {} queue is full",
                                                        interactive ? "interactive" : "bulk")));
    return;
  }
  call.queued = true;
  ++s.context->queued;
  if (interactive)
    s.context->admission->add_waiting_interactive(1);
  // While the head waits for capacity, a wake-up is already registered; only
  // interactive work can change what the head should be (see pump).
  if (!s.waiting_for_capacity || interactive)
    pump(self);
}

void send_attempt(GatewayActor* self, CallId id) {
  auto& s = self->state;
  Call& call = s.calls.at(id);
  ++call.attempts;
  s.retry->note_attempt(call.logical);
  auto settings = s.context->settings;
  auto prepared = call.prepared;
  caf::actor_addr me = self->address();
  HttpRequest request =
      attempt_request(s.context->endpoint_request, *prepared, call.idempotency_key);
  // The callback holds no reference to the context: the HTTP client must
  // never be destroyed from one of its own callbacks.
  s.context->http->send(
      std::move(request), [settings, prepared, inbox = s.inbox, me, id](HttpResult http) {
        // Runs on an HTTP I/O thread: interpret here (no actor state), then hand over.
        thread_local llm::ChatResponseParser parser;
        AttemptResult attempt = interpret_http_result(std::move(http), *prepared, *settings, parser,
                                                      std::chrono::system_clock::now());
        bool wake = false;
        {
          std::lock_guard lock(inbox->mutex);
          inbox->done.emplace_back(id, std::move(attempt));
          wake = !std::exchange(inbox->signalled, true);
        }
        if (wake) {
          if (auto dest = caf::actor_cast<caf::actor>(me))
            caf::anon_send(dest, attempt_atom_v);
        }
      });
}

void schedule_pump(GatewayActor* self, TimePoint at) {
  auto& s = self->state;
  if (s.pump_at && *s.pump_at <= at)
    return;
  s.pump_at = at;
  const auto delay = std::max(at - Clock::now(), limits::Duration::zero());
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::microseconds>(delay),
                     pump_atom_v);
}

void pump(GatewayActor* self) {
  auto& s = self->state;
  auto& admission = *s.context->admission;
  while (true) {
    if (!s.head) {
      s.head = s.queue->pop(Clock::now());
      if (!s.head)
        return;
    }
    const CallId id = *s.head;
    auto it = s.calls.find(id);
    if (it == s.calls.end()) {
      s.head.reset();
      continue;
    }
    Call& call = it->second;
    const auto now = Clock::now();
    if (!is_interactive(call.task) && s.queue->next_class(now) == kInteractiveClass) {
      // Interactive work arrived behind a bulk head that waits: the bulk call
      // goes back (keeping its age), else it would hold the interactive work
      // that it waits for. It was just taken out, so its class has room.
      s.head.reset();
      if (s.queue->push(CallId{id}, kBulkClass, call.enqueued) == limits::PushResult::kOverloaded) {
        --s.context->queued;
        fail_call(self, id, make_error(Errc::kOverloaded, "the gateway's bulk queue is full"));
      }
      continue;
    }
    if (!s.retry->may_start(call.logical, now)) {
      s.head.reset();
      --s.context->queued;
      if (is_interactive(call.task))
        admission.add_waiting_interactive(-1);
      fail_call(self, id,
                make_error(Errc::kLlmFailed, "the call's deadline passed while it waited"));
      continue;
    }
    const auto decision = admission.try_admit(call.prepared->estimated_tokens, call.task.priority,
                                              now, s.wake_on_capacity);
    switch (decision.status) {
      case AdmitStatus::kAdmitted:
        s.head.reset();
        --s.context->queued;
        if (is_interactive(call.task))
          admission.add_waiting_interactive(-1);
        call.queued = false;
        call.permit = decision.permit;
        send_attempt(self, id);
        continue;
      case AdmitStatus::kWaitUntil:
      case AdmitStatus::kBreakerOpen:
        // Wakes at the deadline at the latest, to fail the call then: its
        // caller waits on no timer of its own (gateway_pool.hpp).
        schedule_pump(self, std::min(decision.retry_at, call.logical.deadline));
        return;
      case AdmitStatus::kWaitForCapacity:
        s.waiting_for_capacity = true;
        return;
      case AdmitStatus::kNeverFits:
      case AdmitStatus::kBudgetExhausted:
        s.head.reset();
        --s.context->queued;
        if (is_interactive(call.task))
          admission.add_waiting_interactive(-1);
        admission.count_error(decision.status == AdmitStatus::kNeverFits ? "request_too_large"
                                                                         : "budget_exhausted");
        if (decision.status == AdmitStatus::kBudgetExhausted &&
            !s.context->budget_reported.exchange(true)) {
          spdlog::warn("LLM budget cap reached: no new calls are made ({})", decision.reason);
        }
        fail_call(self, id,
                  make_error(decision.status == AdmitStatus::kNeverFits ? Errc::kLlmFailed
                                                                        : Errc::kBudgetExhausted,
                             decision.reason));
        continue;
    }
  }
}

void deliver_answer(GatewayActor* self, CallId id, const std::string& content, bool from_cache) {
  auto it = self->state.calls.find(id);
  if (it == self->state.calls.end())
    return;
  const LlmTaskResult result = self->state.context->codec->read(it->second.task, content);
  settle_call(self, id, result, from_cache);
}

void on_attempt_done(GatewayActor* self, CallId id, AttemptResult& attempt) {
  auto& s = self->state;
  auto it = s.calls.find(id);
  if (it == s.calls.end())
    return;
  Call& call = it->second;
  const auto now = Clock::now();
  s.context->admission->finish(call.permit, attempt.report, now);
  if (!attempt.context_warning.empty())
    spdlog::warn("{}", attempt.context_warning);

  if (attempt.answered) {
    record_call(self, call, &attempt.report, "ok", false);
    if (!s.context->cache) {
      deliver_answer(self, id, attempt.response.content, false);
      return;
    }
    CachedResponse entry{attempt.body, s.context->settings->model,
                         attempt.report.usage ? attempt.report.usage->prompt_tokens : 0,
                         attempt.report.usage ? attempt.report.usage->completion_tokens : 0,
                         attempt.report.usage ? attempt.report.usage->cached_prompt_tokens : 0};
    // Deliver once the cache holds the answer durably (see cache_actor.hpp).
    self->request(s.context->cache, caf::infinite, store_atom_v, call.prepared->cache_key,
                  s.context->endpoint, std::move(entry))
        .then([self, id,
               content = attempt.response.content] { deliver_answer(self, id, content, false); },
              [self, id, content = attempt.response.content](const caf::error& err) {
                spdlog::warn("the answer could not be cached ({}); using it anyway", describe(err));
                deliver_answer(self, id, content, false);
              });
    return;
  }

  const auto& failure = *attempt.failure;
  spdlog::debug("LLM attempt {} of call {} failed: {} ({})", call.attempts, id,
                llm::failure_reason_name(failure.reason), attempt.failure_detail);
  const bool reask = failure.disposition == llm::FailureDisposition::kReask;
  const bool may_reask = reask && call.task.repair_attempt < settings_of(self).max_repairs;
  if (reask && may_reask) {
    // A 2xx whose body was unusable: ask again, counted as a repair. The
    // attempt completed, so the next one is a new generation with a new key
    // (a server honouring the old key would replay the unusable answer).
    ++call.task.repair_attempt;
    call.idempotency_key += fmt::format("-r{}", ++call.reasks);
  }
  const limits::AttemptFailure verdict_input{failure.should_retry() || may_reask,
                                             attempt.server_delay};
  const auto decision = s.retry->after_failure(call.logical, verdict_input, now, *s.rng);
  if (decision.retry()) {
    self->delayed_send(self, std::chrono::duration_cast<std::chrono::microseconds>(decision.delay),
                       retry_atom_v, id);
    return;
  }
  const std::string reason =
      fmt::format("{} after {} attempt{} ({}; {})", llm::failure_reason_name(failure.reason),
                  call.attempts, call.attempts == 1 ? "" : "s",
                  limits::verdict_name(decision.verdict), attempt.failure_detail);
  record_call(self, call, &attempt.report, std::string(llm::failure_reason_name(failure.reason)),
              false);
  // Provider quota exhaustion is an LLM failure ("quota_exhausted ..."), not
  // the run's own budget cap, which kBudgetExhausted names.
  fail_call(self, id, make_error(Errc::kLlmFailed, reason));
}

void start_call(GatewayActor* self, LlmTask task, std::vector<BatchPart> parts) {
  auto& s = self->state;
  const CallId id = s.next_call++;
  Call& call = s.calls[id];
  call.started = Clock::now();
  call.logical = s.retry->begin(call.started);
  call.parts = std::move(parts);
  call.idempotency_key =
      fmt::format("lusifer-{:016x}-{}-{}", s.context->idempotency_nonce, s.index, id);
  try {
    call.prepared = std::make_shared<const PreparedCall>(
        prepare_call(task, *s.context->codec, *s.context->settings,
                     static_cast<std::int64_t>(s.context->seed & 0x7fffffffffffffffULL),
                     s.context->cache || s.context->call_log));
  } catch (const std::exception& e) {
    call.task = std::move(task);
    fail_call(self, id, make_error(Errc::kInvalidRequest, e.what()));
    return;
  }
  call.task = std::move(task);
  if (!s.context->cache) {
    enqueue(self, id);
    return;
  }
  self->request(s.context->cache, caf::infinite, lookup_atom_v, call.prepared->cache_key)
      .then(
          [self, id](CacheLookup& lookup) {
            auto& st = self->state;
            auto it = st.calls.find(id);
            if (it == st.calls.end())
              return;
            if (lookup.hit) {
              // Hits use no rate-limit budget and cost nothing.
              st.context->admission->count_cache_hit();
              llm::ChatResponse response;
              thread_local llm::ChatResponseParser parser;
              if (parser.parse(lookup.response.body, response)) {
                record_call(self, it->second, nullptr, "ok", true);
                deliver_answer(self, id, response.content, true);
                return;
              }
              spdlog::warn("a cached answer no longer parses; asking the endpoint again");
            }
            if (st.context->settings->cache_mode == CacheMode::kReplayOnly) {
              fail_call(self, id,
                        make_error(Errc::kReplayMiss,
                                   fmt::format("no recorded answer for request {} (replay-only "
                                               "cache mode never calls the endpoint)",
                                               it->second.prepared->cache_key.substr(0, 16))));
              return;
            }
            enqueue(self, id);
          },
          [self, id](const caf::error& err) { fail_call(self, id, err); });
}

caf::behavior gateway_behavior(GatewayActor* self, std::shared_ptr<GatewayContext> context,
                               std::size_t index) {
  auto& s = self->state;
  const GatewaySettings& settings = *context->settings;
  s.context = std::move(context);
  s.index = index;
  s.batcher = std::make_unique<RatingBatcher>(settings.max_items_per_call);
  limits::AdmissionQueueConfig queue_config;
  queue_config.class_capacities = {settings.queue_capacity_interactive,
                                   settings.queue_capacity_bulk};
  queue_config.aging_step = settings.queue_aging_step;
  s.queue = std::make_unique<limits::AdmissionQueue<CallId>>(queue_config);
  s.retry = std::make_unique<limits::RetryPolicy>(settings.retry);
  s.rng = std::make_unique<Rng>(derive_seed(s.context->seed, 0x6761746577617900ULL + index));
  s.wake_on_capacity = [me = self->address()] {
    if (auto dest = caf::actor_cast<caf::actor>(me))
      caf::anon_send(dest, pump_atom_v);
  };
  return {
      [self](LlmTask& task) -> caf::result<LlmTaskReply> {
        auto& st = self->state;
        st.context->admission->count_logical_request();
        if (task.kind == TaskKind::kRateItems && task.candidates.empty()) {
          return make_error(Errc::kInvalidRequest, "a rating task needs at least one candidate");
        }
        const RequestId id = st.next_request++;
        PendingRequest& request = st.requests[id];
        request.promise = self->make_response_promise();
        request.outstanding = task.kind == TaskKind::kRateItems ? task.candidates.size() : 1;
        request.reply.calls = 0;
        auto promise = request.promise;
        if (task.kind != TaskKind::kRateItems) {
          start_call(self, std::move(task), {BatchPart{id, {}}});
          return promise;
        }
        // Read before start_call: a call that fails at once erases the request.
        const UserIndex user = task.user;
        auto added = st.batcher->add(id, std::move(task));
        for (auto& batch : added.full)
          start_call(self, std::move(batch.task), std::move(batch.parts));
        if (added.opened_window) {
          self->delayed_send(self, st.context->settings->batch_window, flush_atom_v, user,
                             *added.opened_window);
        }
        return promise;
      },
      [self](flush_atom, UserIndex user, std::uint64_t window) {
        if (auto batch = self->state.batcher->take(user, window)) {
          start_call(self, std::move(batch->task), std::move(batch->parts));
        }
      },
      [self](pump_atom) {
        auto& st = self->state;
        st.pump_at.reset();
        st.waiting_for_capacity = false;
        pump(self);
      },
      [self](retry_atom, CallId id) {
        if (self->state.calls.contains(id))
          enqueue(self, id);
      },
      [self](attempt_atom) {
        auto& st = self->state;
        {
          std::lock_guard lock(st.inbox->mutex);
          st.draining.swap(st.inbox->done);
          st.inbox->signalled = false;
        }
        for (auto& [id, attempt] : st.draining)
          on_attempt_done(self, id, attempt);
        st.draining.clear();
      },
      [self](stats_atom) {
        auto& st = self->state;
        const auto snap = st.context->admission->snapshot(Clock::now());
        GatewayStats out;
        out.logical_requests = snap.counters.logical_requests;
        out.calls = st.context->calls.load();
        out.attempts = snap.counters.attempts;
        out.cache_hits = snap.counters.cache_hits;
        out.prompt_tokens = snap.counters.prompt_tokens;
        out.cached_prompt_tokens = snap.counters.cached_prompt_tokens;
        out.completion_tokens = snap.counters.completion_tokens;
        out.cost_usd = limits::to_usd(snap.counters.cost);
        const auto ms = [](limits::Duration d) {
          return std::chrono::duration<double, std::milli>(d).count();
        };
        out.latency_p50_ms = ms(snap.latency.p50);
        out.latency_p90_ms = ms(snap.latency.p90);
        out.latency_p99_ms = ms(snap.latency.p99);
        out.latency_max_ms = ms(snap.latency.max);
        for (const auto& [name, count] : snap.errors) {
          out.error_classes.push_back(name);
          out.error_counts.push_back(count);
        }
        out.queued = st.context->queued.load();
        out.in_flight = snap.in_flight;
        out.concurrency_limit = snap.concurrency_limit;
        out.breaker = std::string(limits::state_name(snap.breaker));
        if (snap.budget_refusal)
          out.budget_refusal = snap.budget_refusal->describe();
        out.unreported_prompt_tokens = snap.unreported_prompt_tokens;
        out.unreported_completion_tokens = snap.unreported_completion_tokens;
        out.http_resends = st.context->http->stats().resends;
        return out;
      },
  };
}

}  // namespace

caf::actor spawn_gateway_actor(caf::actor_system& system, std::shared_ptr<GatewayContext> context,
                               std::size_t index) {
  return system.spawn(gateway_behavior, std::move(context), index);
}

}  // namespace lusifer

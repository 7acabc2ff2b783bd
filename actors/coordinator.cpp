#include "actors/coordinator.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/agents/agent.hpp"
#include "engine/rl/reward_model.hpp"
#include "engine/rl/satisfaction_model.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

using Clock = std::chrono::steady_clock;

// How a user's episode ended, kept as one byte: a slot exists for every
// simulated user, and two strings were 64 bytes of it.
enum class EpisodeEnd : std::uint8_t { kRunning, kTruncated, kBored, kDissatisfied };

const char* outcome_name(EpisodeEnd end) {
  switch (end) {
    case EpisodeEnd::kRunning:
      return "";
    case EpisodeEnd::kTruncated:
      return "truncated";
    case EpisodeEnd::kBored:
    case EpisodeEnd::kDissatisfied:
      return "terminated";
  }
  return "";
}

const char* reason_name(EpisodeEnd end) {
  switch (end) {
    case EpisodeEnd::kBored:
      return "bored by repeated items";
    case EpisodeEnd::kDissatisfied:
      return "dissatisfied";
    default:
      return "";
  }
}

// The end a checkpoint's outcome and reason name; nullopt for names this
// coordinator never writes.
std::optional<EpisodeEnd> parse_episode_end(std::string_view outcome, std::string_view reason) {
  for (const EpisodeEnd end : {EpisodeEnd::kRunning, EpisodeEnd::kTruncated, EpisodeEnd::kBored,
                               EpisodeEnd::kDissatisfied}) {
    if (outcome == outcome_name(end) && reason == reason_name(end))
      return end;
  }
  return std::nullopt;
}

struct UserSlot {
  // Eight-byte members first, then the four-byte and one-byte ones: 40
  // bytes a slot, with no padding between them, in every slot.
  double total_reward = 0.0;
  // Only when leaving is enabled: a Satisfaction is ~170 bytes, in every slot.
  std::unique_ptr<Satisfaction> satisfaction;
  std::uint32_t step_index = 0;  // sync: the user's index in the step in flight
  std::uint32_t step = 0;        // steps taken in this episode
  std::uint32_t profile_version = 0;
  // Rate requests go out as plain messages, and a user's answers come back
  // in order: CAF 0.17 keeps request(...).then handlers in a flat map that
  // is searched linearly, which made a step of N users cost O(N^2). An answer
  // is the current one when it is the last outstanding and still awaited.
  std::uint32_t outstanding = 0;  // rate requests sent and not answered yet
  bool waiting = false;
  bool active = true;
  EpisodeEnd end = EpisodeEnd::kRunning;  // set when the episode ended for this user
};
static_assert(sizeof(UserSlot) <= 40);

// Async mode only, per position: the request in flight. Apart from the
// slots, so that sync runs do not carry its 32 bytes for every user.
struct AsyncRequest {
  std::vector<ItemIndex> slate;
  Clock::time_point sent_at{};
};

// What one user's step leaves for the step's totals. Sync mode settles each
// answer as it arrives (the answer itself, ~600 bytes a user with its
// strings, is not kept until the barrier) but sums the totals at the
// barrier in position order: floating-point sums depend on their order, and
// answers arrive in any.
struct UserStepResult {
  std::uint32_t rated = 0;
  bool late = false;
  bool failed = false;
  bool ended = false;  // the episode ended at this step (slot.end says how)
};

// Per step index: what the reward curve and the step metrics are made of.
// The step's wall time is kept as its two ends while it runs (totals.seconds
// stays 0); a checkpoint stores the difference.
struct StepAccumulator {
  StepTotals totals;
  Clock::time_point started{};
  Clock::time_point finished{};

  double seconds() const { return std::chrono::duration<double>(finished - started).count(); }
};

struct CoordinatorState {
  CoordinatorPlan plan;
  // Per position, one bitset row of item_words words each: the training
  // items, and the items recommended in this episode. Membership is tested
  // for every slate item of every step; binary searches over sorted lists
  // were most of a step's bookkeeping.
  //
  // Each only when something reads it (empty otherwise): whether an item was
  // seen in training feeds the seen penalty and the satisfaction model's
  // repeats; whether it was recommended before, the repeat penalty, the
  // repeats and checkpoints. A rating reward without penalties, leaving or
  // checkpoints (bench/configs/rl-1m.toml) reads neither: 256 bytes a user
  // at 1,000 items, 256 MB at a million users.
  std::size_t item_words = 0;
  bool track_seen = false;
  bool track_repeats = false;
  // Whether anything reads a user's profile before the next reset: recorded
  // versions, checkpoints (RateRequest::keep_profile).
  bool profiles_read = true;
  std::vector<std::uint64_t> history;
  std::vector<std::uint64_t> recommended;
  std::vector<UserSlot> slots;
  std::vector<AsyncRequest> async_requests;  // by position; empty in sync mode
  // User index -> index in slots (kNoPosition for users outside the
  // population): a dense array is 4 bytes a user, a hash map ~40.
  static constexpr std::uint32_t kNoPosition = ~std::uint32_t{0};
  std::vector<std::uint32_t> position_of;
  caf::response_promise done;
  Clock::time_point run_started{};
  std::uint32_t episode = 0;
  std::uint64_t next_token = 1;
  AgentRunSummary summary;
  std::vector<double> reward_sum_by_step;
  std::vector<std::int64_t> rated_by_step;
  double rating_sum = 0.0;             // every rated item's rating, for the summary's mean_rating
  std::vector<StepAccumulator> steps;  // of the current episode
  std::size_t active = 0;
  // Sync mode: the step in flight. step_learn holds its slates from the
  // start (users in step_positions order) and each user's ratings and
  // rewards from when its answer arrives; step_results what the barrier
  // sums, step_rows the feedback rows when they are recorded.
  std::vector<std::size_t> step_positions;
  std::uint32_t step_number = 0;
  LearnBatch step_learn;
  std::vector<UserStepResult> step_results;
  std::vector<std::uint8_t> step_answered;
  std::vector<std::vector<FeedbackRow>> step_rows;
  std::size_t step_pending = 0;
  std::size_t step_sent = 0;  // rate requests sent, in step_positions order
  std::uint64_t step_token = 0;
  // Async mode: users waiting for slates, and feedback waiting to be learned.
  std::vector<std::size_t> ready;
  bool act_outstanding = false;
  LearnBatch pending_learn;
  StoreBatch pending_store;
  // Positions whose episode ended and whose row is not recorded yet, in the
  // order they ended: the rows are made from the slots as they are sent.
  std::vector<std::uint32_t> ended;
  Clock::time_point last_progress{};
  double last_mean_reward = 0.0;  // of the latest step with ratings, for progress reports
  // Checkpoints: steps closed by this agent over all its episodes, and the
  // checkpoint being gathered (user states by position, the agent's bytes).
  std::uint64_t steps_closed = 0;
  std::vector<std::string> snapshots;
  std::size_t snapshots_pending = 0;
  std::optional<std::string> agent_bytes;
  std::function<void()> after_checkpoint;
  std::size_t resets_pending = 0;  // users not yet back at their phase-1 profile
};

using CoordinatorActor = caf::stateful_actor<CoordinatorState>;

const SimulationSettings& settings_of(CoordinatorActor* self) {
  return self->state.plan.settings;
}

// The position of `user` in the population, nullopt for any other user.
std::optional<std::size_t> position_of(const CoordinatorState& s, UserIndex user) {
  if (user >= s.position_of.size() || s.position_of[user] == CoordinatorState::kNoPosition)
    return std::nullopt;
  return s.position_of[user];
}

ExternalId user_id(CoordinatorActor* self, std::size_t position) {
  const auto& p = self->state.plan;
  return p.dataset->user(p.population[position]).id;
}

bool has_bit(const std::vector<std::uint64_t>& rows, std::size_t words, std::size_t position,
             ItemIndex item) {
  return (rows[position * words + item / 64] >> (item % 64)) & 1u;
}

void set_bit(std::vector<std::uint64_t>& rows, std::size_t words, std::size_t position,
             ItemIndex item) {
  rows[position * words + item / 64] |= std::uint64_t{1} << (item % 64);
}

void clear_recommended(CoordinatorState& s, std::size_t position) {
  if (!s.track_repeats)
    return;
  std::fill_n(s.recommended.begin() + static_cast<std::ptrdiff_t>(position * s.item_words),
              s.item_words, std::uint64_t{0});
}

// The items recommended to `position` in this episode, ascending (the
// checkpoint's form).
std::vector<ItemIndex> recommended_items(const CoordinatorState& s, std::size_t position) {
  std::vector<ItemIndex> items;
  if (!s.track_repeats)
    return items;
  for (std::size_t w = 0; w < s.item_words; ++w) {
    for (std::uint64_t bits = s.recommended[position * s.item_words + w]; bits != 0;
         bits &= bits - 1)
      items.push_back(static_cast<ItemIndex>(w * 64 + std::countr_zero(bits)));
  }
  return items;
}

StepAccumulator& accumulator(CoordinatorActor* self, std::uint32_t step) {
  auto& steps = self->state.steps;
  if (steps.size() <= step)
    steps.resize(step + 1);
  return steps[step];
}

void report_progress(CoordinatorActor* self, bool force) {
  auto& s = self->state;
  const auto now = Clock::now();
  if (!s.plan.on_progress ||
      (!force && now - s.last_progress < settings_of(self).progress_interval)) {
    return;
  }
  s.last_progress = now;
  ProgressReport r;
  r.agent = s.plan.agent_name;
  r.episode = s.episode;
  r.episodes = settings_of(self).episodes;
  r.user_steps = s.summary.user_steps;
  r.user_steps_total = static_cast<std::uint64_t>(s.slots.size()) * settings_of(self).horizon *
                       settings_of(self).episodes;
  r.active_users = s.active;
  r.seconds = std::chrono::duration<double>(now - s.run_started).count();
  if (!s.steps.empty() && s.steps.back().totals.rated > 0) {
    s.last_mean_reward =
        s.steps.back().totals.reward_sum / static_cast<double>(s.steps.back().totals.rated);
  }
  r.last_mean_reward = s.last_mean_reward;
  if (!s.plan.gateway) {
    s.plan.on_progress(r);
    return;
  }
  self->request(s.plan.gateway, std::chrono::seconds(5), stats_atom_v)
      .then(
          [self, r](const GatewayStats& stats) mutable {
            r.llm_calls = stats.calls;
            r.tokens = stats.prompt_tokens + stats.completion_tokens;
            r.cost_usd = stats.cost_usd;
            self->state.plan.on_progress(r);
          },
          [self, r](const caf::error&) { self->state.plan.on_progress(r); });
}

// One user's answered (or missed) step, on its own: the ratings and rewards
// of its slate into `ratings` and `rewards` (one per slate item), its
// feedback rows into `rows` (null: not recorded), and its slot (reward,
// satisfaction, recommended items, end of episode). Touches nothing shared
// by other users but the count of active ones, so answers may be settled in
// any order; tally_user_step adds the result to the step's totals.
UserStepResult observe_user_step(CoordinatorActor* self, std::size_t position, std::uint32_t step,
                                 std::span<const ItemIndex> slate, const UserFeedback* feedback,
                                 bool late, std::span<float> ratings, std::span<float> rewards,
                                 std::vector<FeedbackRow>* rows) {
  auto& s = self->state;
  const SimulationSettings& settings = settings_of(self);
  const RatingScale& scale = s.plan.dataset->scale();
  UserSlot& slot = s.slots[position];
  UserStepResult result;
  result.late = late;
  result.failed = !late && (!feedback || !feedback->failure.empty());
  const std::size_t k = slate.size();
  double normalized_sum = 0.0;
  std::size_t repeats = 0;
  for (std::size_t pos = 0; pos < k; ++pos) {
    const ItemIndex item = slate[pos];
    const bool repeated = s.track_repeats && has_bit(s.recommended, s.item_words, position, item);
    const bool seen = s.track_seen && has_bit(s.history, s.item_words, position, item);
    repeats += (repeated || seen) ? 1 : 0;
    float rating = kNoRating;
    const ItemRating* answer = nullptr;
    if (feedback) {
      // User actors answer in slate order: look there first.
      const auto& answers = feedback->ratings;
      if (pos < answers.size() && answers[pos].item == item)
        answer = &answers[pos];
      for (const auto& r : answer ? std::span<const ItemRating>() : std::span(answers)) {
        if (r.item == item) {
          answer = &r;
          break;
        }
      }
    }
    float reward = 0.0f;
    if (answer) {
      rating = answer->rating;
      const RewardContext context{settings.seed, s.plan.population[position],     s.episode,
                                  step,          static_cast<std::uint32_t>(pos), repeated,
                                  seen};
      reward = static_cast<float>(reward_of(settings.reward, scale, rating, context));
      slot.total_reward += reward;
      ++result.rated;
      normalized_sum += normalized_rating(scale, rating);
      if (rows) {
        FeedbackRow row;
        row.agent = s.plan.agent_name;
        row.episode = s.episode;
        row.step = step;
        row.user_id = user_id(self, position);
        row.item_id = s.plan.dataset->catalog().item(item).id;
        row.position = static_cast<std::int32_t>(pos);
        row.raw_rating = rating;
        const auto index = static_cast<std::size_t>(answer - feedback->ratings.data());
        if (index < feedback->calibrated.size())
          row.calibrated_rating = feedback->calibrated[index];
        if (settings.record == RecordLevel::kFull)
          row.explanation = answer->explanation;
        row.profile_version = feedback->profile_version;
        row.reward = reward;
        rows->push_back(std::move(row));
      }
    }
    ratings[pos] = rating;
    rewards[pos] = reward;
    if (s.track_repeats)
      set_bit(s.recommended, s.item_words, position, item);
  }
  if (feedback && feedback->updated_version > 0) {
    slot.profile_version = static_cast<std::uint32_t>(feedback->updated_version);
  } else if (feedback) {
    slot.profile_version = static_cast<std::uint32_t>(feedback->profile_version);
  }
  slot.step = step + 1;
  if (slot.satisfaction && result.rated > 0) {
    const auto verdict =
        slot.satisfaction->observe(normalized_sum / static_cast<double>(result.rated), repeats);
    if (verdict != LeaveReason::kStays) {
      slot.active = false;
      slot.end = verdict == LeaveReason::kBored ? EpisodeEnd::kBored : EpisodeEnd::kDissatisfied;
    }
  }
  if (slot.active && slot.step >= settings.horizon) {
    slot.active = false;
    slot.end = EpisodeEnd::kTruncated;
  }
  if (!slot.active) {
    result.ended = true;
    --s.active;
  }
  return result;
}

// Adds one user's observed step to the step's totals and the run's summary,
// and records the end of its episode. Called in position order within a
// sync step.
void tally_user_step(CoordinatorActor* self, std::size_t position, std::uint32_t step,
                     std::span<const float> ratings, std::span<const float> rewards,
                     const UserStepResult& result) {
  auto& s = self->state;
  StepAccumulator& acc = accumulator(self, step);
  ++acc.totals.users;
  ++s.summary.user_steps;
  for (std::size_t pos = 0; pos < ratings.size(); ++pos) {
    if (std::isnan(ratings[pos]))
      continue;
    acc.totals.reward_sum += rewards[pos];
    acc.totals.rating_sum += ratings[pos];
    ++acc.totals.rated;
  }
  s.summary.rated_items += result.rated;
  if (result.late) {
    ++acc.totals.late;
    ++s.summary.late;
  } else if (result.failed) {
    ++acc.totals.failed;
    ++s.summary.failed;
  }
  if (!result.ended)
    return;
  if (s.slots[position].end == EpisodeEnd::kTruncated) {
    ++s.summary.truncated;
  } else {
    ++acc.totals.left;
    ++s.summary.left;
  }
  s.ended.push_back(static_cast<std::uint32_t>(position));
}

// Both at once, for async mode: appends the user's learning row to `learn`.
void settle_user_step(CoordinatorActor* self, std::size_t position, std::uint32_t step,
                      std::span<const ItemIndex> slate, const UserFeedback* feedback, bool late,
                      LearnBatch& learn) {
  auto& s = self->state;
  const std::size_t k = slate.size();
  learn.users.push_back(s.plan.population[position]);
  learn.steps.push_back(step);
  learn.items.insert(learn.items.end(), slate.begin(), slate.end());
  const std::size_t first = learn.ratings.size();
  learn.ratings.resize(first + k);
  learn.rewards.resize(first + k);
  const auto ratings = std::span<float>(learn.ratings).subspan(first, k);
  const auto rewards = std::span<float>(learn.rewards).subspan(first, k);
  const bool recorded = settings_of(self).record != RecordLevel::kSummary;
  const UserStepResult result =
      observe_user_step(self, position, step, slate, feedback, late, ratings, rewards,
                        recorded ? &s.pending_store.feedback : nullptr);
  tally_user_step(self, position, step, ratings, rewards, result);
}

void finish_run(CoordinatorActor* self);
void start_episode(CoordinatorActor* self);
void end_episode(CoordinatorActor* self);
// Ends the run with `error`: the caller of run_atom gets it.
void fail_run(CoordinatorActor* self, const caf::error& error) {
  self->state.done.deliver(error);
  self->quit(error);
}

void checkpoint_then(CoordinatorActor* self, std::function<void()> next);
void sync_step(CoordinatorActor* self);
void async_pump(CoordinatorActor* self);

// Sends pending_store and the rows of up to plan.episode_rows_per_batch
// ended users, waits for them to be durable, and repeats until every ended
// user is recorded; then continues. One batch in flight at a time: the
// writer's mailbox and buffers hold one batch.
void send_records_then(CoordinatorActor* self, std::size_t first_ended,
                       std::function<void()> next) {
  auto& s = self->state;
  const std::size_t last_ended = std::min(
      s.ended.size(), first_ended + std::max<std::size_t>(1, s.plan.episode_rows_per_batch));
  s.pending_store.episodes.reserve(last_ended - first_ended);
  for (std::size_t e = first_ended; e < last_ended; ++e) {
    const std::size_t position = s.ended[e];
    const UserSlot& slot = s.slots[position];
    s.pending_store.episodes.push_back(EpisodeRow{
        s.plan.agent_name, s.episode, user_id(self, position), static_cast<std::int32_t>(slot.step),
        slot.total_reward, outcome_name(slot.end), reason_name(slot.end)});
  }
  const bool done = last_ended == s.ended.size();
  if (done)
    std::vector<std::uint32_t>().swap(s.ended);
  if (!s.pending_store.empty()) {
    self->send(s.plan.store, std::move(s.pending_store));
    s.pending_store = StoreBatch{};
  }
  self->request(s.plan.store, caf::infinite, flush_atom_v)
      .then(
          [self, done, last_ended, next = std::move(next)] {
            if (done) {
              next();
            } else {
              send_records_then(self, last_ended, next);
            }
          },
          [self](const caf::error& error) { fail_run(self, error); });
}

// Sends what a step produced to the store and waits for it to be durable, so
// the writer never falls more than a step behind; then continues.
void record_then(CoordinatorActor* self, bool close_steps, std::function<void()> next) {
  auto& s = self->state;
  if (close_steps) {
    for (std::size_t step = 0; step < s.steps.size(); ++step) {
      const StepTotals& a = s.steps[step].totals;
      if (a.users == 0)
        continue;
      StepMetricsRow row;
      row.agent = s.plan.agent_name;
      row.episode = s.episode;
      row.step = static_cast<std::int64_t>(step);
      row.users = a.users;
      row.mean_reward = a.rated > 0 ? a.reward_sum / static_cast<double>(a.rated) : 0.0;
      row.mean_rating = a.rated > 0 ? a.rating_sum / static_cast<double>(a.rated) : 0.0;
      row.rated = a.rated;
      row.late = a.late;
      row.failed = a.failed;
      row.left = a.left;
      row.seconds = s.steps[step].seconds();
      s.pending_store.steps.push_back(row);
    }
  }
  if (!s.plan.store) {
    s.pending_store = StoreBatch{};
    std::vector<std::uint32_t>().swap(s.ended);
    next();
    return;
  }
  send_records_then(self, 0, std::move(next));
}

void end_episode(CoordinatorActor* self) {
  auto& s = self->state;
  for (std::size_t step = 0; step < s.steps.size(); ++step) {
    if (s.reward_sum_by_step.size() <= step) {
      s.reward_sum_by_step.resize(step + 1, 0.0);
      s.rated_by_step.resize(step + 1, 0);
    }
    s.reward_sum_by_step[step] += s.steps[step].totals.reward_sum;
    s.rated_by_step[step] += s.steps[step].totals.rated;
    s.rating_sum += s.steps[step].totals.rating_sum;
  }
  record_then(self, true, [self] {
    auto& st = self->state;
    st.steps.clear();
    if (++st.episode < settings_of(self).episodes) {
      start_episode(self);
    } else {
      finish_run(self);
    }
  });
}

void learn_then(CoordinatorActor* self, LearnBatch learn, std::function<void()> next) {
  auto& s = self->state;
  learn.slate_size = settings_of(self).slate_size;
  if (learn.users.empty()) {
    next();
    return;
  }
  // The agent learns before it acts again: its mailbox keeps our order.
  self->request(s.plan.agent, caf::infinite, learn_atom_v, std::move(learn))
      .then([] {},
            [self](const caf::error& error) {
              spdlog::error("agent {} could not learn: {}", self->state.plan.agent_name,
                            describe(error));
            });
  next();
}

// ---- checkpoints -----------------------------------------------------------

void commit_checkpoint(CoordinatorActor* self) {
  auto& s = self->state;
  CoordinatorCheckpoint c;
  c.agent_index = s.plan.agent_index;
  c.agent = s.plan.agent_name;
  c.episode = s.episode;
  c.steps_closed = s.steps_closed;
  c.slots.reserve(s.slots.size());
  for (std::size_t p = 0; p < s.slots.size(); ++p) {
    const UserSlot& slot = s.slots[p];
    SlotCheckpoint out;
    out.active = slot.active;
    out.step = slot.step;
    out.total_reward = slot.total_reward;
    out.recommended = recommended_items(s, p);
    if (slot.satisfaction)
      out.satisfaction = slot.satisfaction->state();
    out.profile_version = slot.profile_version;
    out.outcome = outcome_name(slot.end);
    out.reason = reason_name(slot.end);
    c.slots.push_back(std::move(out));
  }
  for (const StepAccumulator& a : s.steps) {
    c.steps.push_back(a.totals);
    c.steps.back().seconds = a.seconds();
  }
  c.totals = s.summary;
  c.reward_sum_by_step = s.reward_sum_by_step;
  c.rated_by_step = s.rated_by_step;
  c.rating_sum = s.rating_sum;
  c.last_mean_reward = s.last_mean_reward;
  c.completed = s.plan.completed;

  CheckpointRecord record;
  record.agent_index = s.plan.agent_index;
  record.agent = s.plan.agent_name;
  record.episode = s.episode;
  record.step = s.slots[s.step_positions.front()].step;
  record.coordinator = encode_coordinator_checkpoint(c);
  record.agent_state = std::move(*s.agent_bytes);
  s.agent_bytes.reset();
  record.users.reserve(s.slots.size());
  for (std::size_t p = 0; p < s.slots.size(); ++p)
    record.users.emplace_back(s.plan.population[p], std::move(s.snapshots[p]));
  s.snapshots.clear();
  self->request(s.plan.store, caf::infinite, std::move(record))
      .then(
          [self] {
            auto next = std::move(self->state.after_checkpoint);
            self->state.after_checkpoint = nullptr;
            next();
          },
          [self](const caf::error& error) { fail_run(self, error); });
}

void maybe_commit_checkpoint(CoordinatorActor* self) {
  auto& s = self->state;
  if (s.snapshots_pending == 0 && s.agent_bytes)
    commit_checkpoint(self);
}

// Between two steps of a sync episode: takes a checkpoint when one is due,
// then continues with `next`.
void checkpoint_then(CoordinatorActor* self, std::function<void()> next) {
  auto& s = self->state;
  const SimulationSettings& settings = settings_of(self);
  const bool due = s.plan.store && settings.mode == StepMode::kSync &&
                   settings.checkpoint_every > 0 && s.steps_closed % settings.checkpoint_every == 0;
  // A late user still working would change after its snapshot: no
  // checkpoint until every answer is in.
  const bool quiet = std::all_of(s.slots.begin(), s.slots.end(),
                                 [](const UserSlot& slot) { return slot.outstanding == 0; });
  if (!due || !quiet) {
    next();
    return;
  }
  s.after_checkpoint = std::move(next);
  s.snapshots.assign(s.slots.size(), std::string());
  s.snapshots_pending = s.slots.size();
  s.agent_bytes.reset();
  // The agent's mailbox keeps order: it saves after the step's learning.
  self->request(s.plan.agent, caf::infinite, save_atom_v)
      .then(
          [self](std::string& bytes) {
            self->state.agent_bytes = std::move(bytes);
            maybe_commit_checkpoint(self);
          },
          [self](const caf::error& error) { fail_run(self, error); });
  for (std::size_t p = 0; p < s.slots.size(); ++p)
    self->send((*s.plan.users)[p], snapshot_atom_v);
}

// Continues a run from plan.resume: the users and the agent are restored
// already; the coordinator takes its own state back and starts the next step.
void resume_run(CoordinatorActor* self) {
  auto& s = self->state;
  const CoordinatorCheckpoint& c = *s.plan.resume;
  const SimulationSettings& settings = settings_of(self);
  s.episode = c.episode;
  s.steps_closed = c.steps_closed;
  s.active = 0;
  for (std::size_t p = 0; p < s.slots.size(); ++p) {
    const SlotCheckpoint& in = c.slots[p];
    UserSlot& slot = s.slots[p];
    slot = UserSlot{};
    slot.active = in.active;
    slot.step = in.step;
    slot.total_reward = in.total_reward;
    clear_recommended(s, p);
    for (const ItemIndex item : in.recommended) {
      if (item >= s.plan.dataset->catalog().size()) {
        fail_run(self, make_error(Errc::kInvalidRequest,
                                  fmt::format("the checkpoint recommends item {} outside the "
                                              "catalog ({} items)",
                                              item, s.plan.dataset->catalog().size())));
        return;
      }
      if (s.track_repeats)
        set_bit(s.recommended, s.item_words, p, item);
    }
    if (in.satisfaction) {
      slot.satisfaction = std::make_unique<Satisfaction>(settings.leaving);
      slot.satisfaction->restore(*in.satisfaction);
    }
    slot.profile_version = in.profile_version;
    const auto end = parse_episode_end(in.outcome, in.reason);
    if (!end) {
      fail_run(self, make_error(Errc::kInvalidRequest,
                                fmt::format("the checkpoint ends an episode as \"{}\" (\"{}\"), "
                                            "which this coordinator does not know",
                                            in.outcome, in.reason)));
      return;
    }
    slot.end = *end;
    s.active += slot.active ? 1 : 0;
  }
  s.steps.clear();
  for (const StepTotals& t : c.steps) {
    StepAccumulator a;
    a.totals = t;
    a.totals.seconds = 0;
    a.started = s.run_started;
    a.finished = s.run_started + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(t.seconds));
    s.steps.push_back(a);
  }
  s.summary.user_steps = c.totals.user_steps;
  s.summary.rated_items = c.totals.rated_items;
  s.summary.late = c.totals.late;
  s.summary.failed = c.totals.failed;
  s.summary.left = c.totals.left;
  s.summary.truncated = c.totals.truncated;
  s.reward_sum_by_step = c.reward_sum_by_step;
  s.rated_by_step = c.rated_by_step;
  s.rating_sum = c.rating_sum;
  s.last_mean_reward = c.last_mean_reward;
  if (s.active == 0) {
    end_episode(self);
    return;
  }
  sync_step(self);
}

// ---- sync mode -------------------------------------------------------------

void close_sync_step(CoordinatorActor* self) {
  auto& s = self->state;
  const std::uint32_t k = settings_of(self).slate_size;
  const std::uint32_t step = s.step_number;
  LearnBatch learn = std::move(s.step_learn);
  s.step_learn = LearnBatch{};
  const auto ratings = std::span<float>(learn.ratings);
  const auto rewards = std::span<float>(learn.rewards);
  const bool recorded = !s.step_rows.empty();
  for (std::size_t i = 0; i < s.step_positions.size(); ++i) {
    const std::size_t p = s.step_positions[i];
    if (!s.step_answered[i]) {
      const auto slate = std::span<const ItemIndex>(learn.items).subspan(i * k, k);
      s.step_results[i] =
          observe_user_step(self, p, step, slate, nullptr, true, ratings.subspan(i * k, k),
                            rewards.subspan(i * k, k), recorded ? &s.step_rows[i] : nullptr);
    }
    tally_user_step(self, p, step, ratings.subspan(i * k, k), rewards.subspan(i * k, k),
                    s.step_results[i]);
    if (recorded) {
      auto& rows = s.step_rows[i];
      std::move(rows.begin(), rows.end(), std::back_inserter(s.pending_store.feedback));
    }
  }
  std::vector<UserStepResult>().swap(s.step_results);
  std::vector<std::uint8_t>().swap(s.step_answered);
  std::vector<std::vector<FeedbackRow>>().swap(s.step_rows);
  accumulator(self, step).finished = Clock::now();
  s.step_token = 0;
  for (const std::size_t p : s.step_positions)
    s.slots[p].waiting = false;
  report_progress(self, false);
  ++s.steps_closed;
  learn_then(self, std::move(learn), [self] {
    record_then(self, false, [self] {
      if (self->state.active == 0) {
        end_episode(self);
      } else {
        checkpoint_then(self, [self] { sync_step(self); });
      }
    });
  });
}

// A user's slate for `step`: explanations only when the store keeps them,
// the profile whole only when something reads it.
RateRequest rate_request(CoordinatorActor* self, std::uint32_t step, std::vector<ItemIndex> items) {
  const auto& s = self->state;
  RateRequest request{s.episode, step, std::move(items)};
  request.explain = settings_of(self).record == RecordLevel::kFull;
  request.keep_profile = s.profiles_read;
  return request;
}

// Sends the step's rate requests, in step_positions order, while fewer than
// plan.rates_in_flight are unanswered; each answer sends the next. Unbounded,
// every user's request and then its answer sat in a mailbox at once: ~0.6 KB
// a user in flight (heaptrack, 100,000 users), 600 MB at a million; 8,192 in
// flight keep both cores and any gateway's connections busy. Which user is
// asked when changes no result: answers are settled by position. A user not
// yet asked when the step's deadline passes is late, as one that did not
// answer in time, and is not asked afterwards.
void send_rate_requests(CoordinatorActor* self) {
  auto& s = self->state;
  const std::size_t n = s.step_positions.size();
  const std::size_t answered = n - s.step_pending;
  const std::uint32_t k = settings_of(self).slate_size;
  const std::size_t limit = std::max<std::size_t>(1, s.plan.rates_in_flight);
  while (s.step_sent < n && s.step_sent - answered < limit) {
    const std::size_t i = s.step_sent++;
    const auto slate = std::span<const ItemIndex>(s.step_learn.items).subspan(i * k, k);
    RateRequest request =
        rate_request(self, s.step_number, std::vector<ItemIndex>(slate.begin(), slate.end()));
    UserSlot& slot = s.slots[s.step_positions[i]];
    slot.waiting = true;
    slot.step_index = static_cast<std::uint32_t>(i);
    ++slot.outstanding;
    self->send((*s.plan.users)[s.step_positions[i]], std::move(request));
  }
}

void sync_step(CoordinatorActor* self) {
  auto& s = self->state;
  const SimulationSettings& settings = settings_of(self);
  s.step_positions.clear();
  ActRequest act;
  act.slate_size = settings.slate_size;
  for (std::size_t p = 0; p < s.slots.size(); ++p) {
    if (!s.slots[p].active)
      continue;
    s.step_positions.push_back(p);
    act.users.push_back(s.plan.population[p]);
    act.steps.push_back(s.slots[p].step);
    act.profile_versions.push_back(s.slots[p].profile_version);
  }
  const std::uint32_t step = s.step_number = s.slots[s.step_positions.front()].step;
  accumulator(self, step).started = Clock::now();
  self->request(s.plan.agent, caf::infinite, act_atom_v, std::move(act))
      .then(
          [self, step](SlateBatch& slates) {
            auto& st = self->state;
            const std::uint32_t k = settings_of(self).slate_size;
            const std::size_t n = st.step_positions.size();
            LearnBatch& learn = st.step_learn;
            learn = LearnBatch{};
            learn.users.reserve(n);
            for (const std::size_t p : st.step_positions)
              learn.users.push_back(st.plan.population[p]);
            learn.steps.assign(n, step);
            learn.items = std::move(slates.items);
            learn.ratings.assign(n * k, kNoRating);
            learn.rewards.assign(n * k, 0.0f);
            st.step_results.assign(n, UserStepResult{});
            st.step_answered.assign(n, 0);
            if (settings_of(self).record != RecordLevel::kSummary)
              st.step_rows.assign(n, {});
            st.step_pending = n;
            const std::uint64_t token = st.step_token = st.next_token++;
            st.step_sent = 0;
            send_rate_requests(self);
            self->delayed_send(self, settings_of(self).step_deadline, deadline_atom_v, token);
          },
          [self](const caf::error& error) { fail_run(self, error); });
}

// ---- async mode ------------------------------------------------------------

void async_user_done(CoordinatorActor* self, std::size_t position, std::span<const ItemIndex> slate,
                     const UserFeedback* feedback, bool late) {
  auto& s = self->state;
  UserSlot& slot = s.slots[position];
  slot.waiting = false;
  const std::uint32_t step = slot.step;
  settle_user_step(self, position, step, slate, feedback, late, s.pending_learn);
  auto& acc = accumulator(self, step);
  acc.finished = std::max(acc.finished, Clock::now());
  if (slot.active)
    s.ready.push_back(position);
  report_progress(self, false);
  if (s.active == 0 && !s.act_outstanding) {
    learn_then(self, std::move(s.pending_learn), [self] { end_episode(self); });
    self->state.pending_learn = LearnBatch{};
    return;
  }
  async_pump(self);
}

void async_pump(CoordinatorActor* self) {
  auto& s = self->state;
  if (s.act_outstanding || s.ready.empty())
    return;
  const SimulationSettings& settings = settings_of(self);
  std::vector<std::size_t> positions = std::move(s.ready);
  s.ready.clear();
  // The users' own order: which users are ready together depends on timing,
  // but each user's slate must not.
  std::sort(positions.begin(), positions.end());
  ActRequest act;
  act.slate_size = settings.slate_size;
  for (const auto p : positions) {
    act.users.push_back(s.plan.population[p]);
    act.steps.push_back(s.slots[p].step);
    act.profile_versions.push_back(s.slots[p].profile_version);
    auto& acc = accumulator(self, s.slots[p].step);
    if (acc.started == Clock::time_point{})
      acc.started = Clock::now();
  }
  learn_then(self, std::move(s.pending_learn), [] {});
  s.pending_learn = LearnBatch{};
  s.act_outstanding = true;
  self->request(s.plan.agent, caf::infinite, act_atom_v, std::move(act))
      .then(
          [self, positions](SlateBatch& slates) {
            auto& st = self->state;
            st.act_outstanding = false;
            const std::uint32_t k = settings_of(self).slate_size;
            for (std::size_t i = 0; i < positions.size(); ++i) {
              const std::size_t p = positions[i];
              UserSlot& slot = st.slots[p];
              std::vector<ItemIndex> slate(
                  slates.items.begin() + static_cast<std::ptrdiff_t>(i * k),
                  slates.items.begin() + static_cast<std::ptrdiff_t>((i + 1) * k));
              slot.waiting = true;
              st.async_requests[p] = AsyncRequest{slate, Clock::now()};
              ++slot.outstanding;
              self->send((*st.plan.users)[p], rate_request(self, slot.step, std::move(slate)));
            }
            async_pump(self);
          },
          [self](const caf::error& error) { fail_run(self, error); });
}

// Async deadlines: a sweep marks users waiting too long as late.
void async_sweep(CoordinatorActor* self) {
  auto& s = self->state;
  const auto deadline = settings_of(self).step_deadline;
  const auto now = Clock::now();
  // A late user's slate is settled without ratings; its late answer is dropped.
  std::vector<std::size_t> late;
  for (std::size_t p = 0; p < s.slots.size(); ++p) {
    if (s.slots[p].waiting && now - s.async_requests[p].sent_at >= deadline)
      late.push_back(p);
  }
  for (const auto p : late) {
    const std::vector<ItemIndex> slate = std::move(s.async_requests[p].slate);
    async_user_done(self, p, slate, nullptr, true);
  }
}

// ---- episodes --------------------------------------------------------------

void begin_steps(CoordinatorActor* self) {
  auto& s = self->state;
  if (settings_of(self).mode == StepMode::kSync) {
    sync_step(self);
    return;
  }
  s.ready.clear();
  for (std::size_t p = 0; p < s.slots.size(); ++p)
    s.ready.push_back(p);
  async_pump(self);
}

void start_episode(CoordinatorActor* self) {
  auto& s = self->state;
  const SimulationSettings& settings = settings_of(self);
  for (auto& slot : s.slots) {
    slot = UserSlot{};
    if (settings.leaving.enabled)
      slot.satisfaction = std::make_unique<Satisfaction>(settings.leaving);
  }
  std::fill(s.recommended.begin(), s.recommended.end(), std::uint64_t{0});
  if (settings.mode == StepMode::kAsync)
    s.async_requests.assign(s.slots.size(), AsyncRequest{});
  s.active = s.slots.size();
  s.steps.clear();
  // Every user starts the episode from its phase-1 profile. Plain messages,
  // answered by user (the ProfileRestarted handler), as the rate path does:
  // N requests in flight would cost O(N^2) in CAF 0.17. restart, not reset:
  // only the version is needed, not the snapshot's text and window.
  s.resets_pending = s.slots.size();
  for (std::size_t p = 0; p < s.slots.size(); ++p)
    self->send((*s.plan.users)[p], restart_atom_v, s.episode);
}

void finish_run(CoordinatorActor* self) {
  auto& s = self->state;
  auto& summary = s.summary;
  summary.agent = s.plan.agent_name;
  summary.seconds = std::chrono::duration<double>(Clock::now() - s.run_started).count();
  double reward_sum = 0.0;
  std::int64_t rated = 0;
  for (std::size_t step = 0; step < s.reward_sum_by_step.size(); ++step) {
    summary.reward_by_step.push_back(s.rated_by_step[step] > 0
                                         ? s.reward_sum_by_step[step] /
                                               static_cast<double>(s.rated_by_step[step])
                                         : 0.0);
    reward_sum += s.reward_sum_by_step[step];
    rated += s.rated_by_step[step];
  }
  summary.mean_reward = rated > 0 ? reward_sum / static_cast<double>(rated) : 0.0;
  summary.mean_rating = rated > 0 ? s.rating_sum / static_cast<double>(rated) : 0.0;
  report_progress(self, true);
  s.done.deliver(std::move(summary));
  self->quit();
}

caf::behavior coordinator_behavior(CoordinatorActor* self, std::shared_ptr<CoordinatorPlan> plan) {
  auto& s = self->state;
  s.plan = std::move(*plan);
  s.slots.resize(s.plan.population.size());
  s.position_of.assign(s.plan.dataset->user_count(), CoordinatorState::kNoPosition);
  for (std::size_t p = 0; p < s.plan.population.size(); ++p) {
    const UserIndex user = s.plan.population[p];
    if (user >= s.position_of.size())
      s.position_of.resize(user + 1, CoordinatorState::kNoPosition);
    s.position_of[user] = static_cast<std::uint32_t>(p);
  }
  s.item_words = (s.plan.dataset->catalog().size() + 63) / 64;
  const SimulationSettings& settings = s.plan.settings;
  s.track_seen = settings.reward.seen_penalty != 0.0 || settings.leaving.enabled;
  const bool checkpoints = settings.checkpoint_every > 0 || s.plan.resume;
  s.track_repeats =
      settings.reward.repeat_penalty != 0.0 || settings.leaving.enabled || checkpoints;
  s.profiles_read = settings.record != RecordLevel::kSummary || checkpoints;
  if (s.track_seen)
    s.history.assign(s.plan.population.size() * s.item_words, 0);
  if (s.track_repeats)
    s.recommended.assign(s.plan.population.size() * s.item_words, 0);
  if (s.plan.training && s.track_seen) {
    for (std::size_t p = 0; p < s.plan.population.size(); ++p) {
      for (const RatingIndex r : s.plan.training->of(s.plan.population[p])) {
        set_bit(s.history, s.item_words, p, s.plan.dataset->ratings().item(r));
      }
    }
  }
  // An error answering a plain message (a user's worker lost, in a
  // distributed run) ends the run with it; CAF's default would quit
  // without answering run_atom and leave the caller waiting forever.
  self->set_error_handler(
      [self](caf::scheduled_actor*, caf::error& error) { fail_run(self, error); });
  return {
      [self](run_atom) -> caf::result<AgentRunSummary> {
        auto& st = self->state;
        st.done = self->make_response_promise();
        st.run_started = st.last_progress = Clock::now();
        if (st.slots.empty()) {
          st.summary.agent = st.plan.agent_name;
          return st.summary;
        }
        if (settings_of(self).mode == StepMode::kAsync) {
          // Sweep for late users a few times per deadline.
          self->delayed_send(self, settings_of(self).step_deadline / 4, deadline_atom_v,
                             std::uint64_t{0});
        }
        if (st.plan.resume) {
          if (st.plan.resume->slots.size() != st.slots.size() ||
              settings_of(self).mode != StepMode::kSync) {
            return make_error(Errc::kInvalidRequest,
                              "the checkpoint does not fit this run (population or mode)");
          }
          resume_run(self);
        } else {
          start_episode(self);
        }
        return st.done;
      },
      [self](UserFeedback& feedback) {
        auto& st = self->state;
        const auto found = position_of(st, feedback.user);
        if (!found)
          return;
        const std::size_t p = *found;
        UserSlot& slot = st.slots[p];
        if (slot.outstanding == 0)
          return;
        // Earlier answers belong to requests whose step closed without them.
        if (--slot.outstanding > 0 || !slot.waiting)
          return;
        if (settings_of(self).mode == StepMode::kAsync) {
          const std::vector<ItemIndex> slate = std::move(st.async_requests[p].slate);
          async_user_done(self, p, slate, &feedback, false);
          return;
        }
        slot.waiting = false;
        const std::size_t i = slot.step_index;
        const std::uint32_t k = settings_of(self).slate_size;
        LearnBatch& learn = st.step_learn;
        st.step_results[i] = observe_user_step(
            self, p, st.step_number, std::span<const ItemIndex>(learn.items).subspan(i * k, k),
            &feedback, false, std::span<float>(learn.ratings).subspan(i * k, k),
            std::span<float>(learn.rewards).subspan(i * k, k),
            st.step_rows.empty() ? nullptr : &st.step_rows[i]);
        st.step_answered[i] = 1;
        if (--st.step_pending == 0)
          close_sync_step(self);
        else
          send_rate_requests(self);
      },
      [self](const ProfileRestarted& restarted) {
        auto& st = self->state;
        const auto found = position_of(st, restarted.user);
        if (!found || st.resets_pending == 0)
          return;
        st.slots[*found].profile_version = static_cast<std::uint32_t>(restarted.version);
        if (--st.resets_pending == 0)
          begin_steps(self);
      },
      [self](UserStateSnapshot& snapshot) {
        auto& st = self->state;
        const auto found = position_of(st, snapshot.user);
        if (!found || st.snapshots_pending == 0 || *found >= st.snapshots.size())
          return;
        st.snapshots[*found] = std::move(snapshot.state);
        --st.snapshots_pending;
        maybe_commit_checkpoint(self);
      },
      [self](deadline_atom, std::uint64_t token) {
        auto& st = self->state;
        if (settings_of(self).mode == StepMode::kAsync) {
          async_sweep(self);
          self->delayed_send(self, settings_of(self).step_deadline / 4, deadline_atom_v,
                             std::uint64_t{0});
          return;
        }
        if (st.step_token == token && st.step_pending > 0) {
          spdlog::warn("step deadline: {} of {} users late", st.step_pending,
                       st.step_positions.size());
          close_sync_step(self);
        }
      },
  };
}

}  // namespace

caf::actor spawn_coordinator(caf::actor_system& system, CoordinatorPlan plan) {
  return system.spawn(coordinator_behavior, std::make_shared<CoordinatorPlan>(std::move(plan)));
}

}  // namespace lusifer

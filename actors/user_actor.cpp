#include "actors/user_actor.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/rl/run_checkpoint.hpp"
#include "engine/sim/interaction_window.hpp"
#include "engine/sim/offline_backend.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

// What a new profile version brings; the actor keeps only its number and,
// for LLM runs, its text (the rest goes to the run store).
struct NewVersion {
  std::string text;
  std::string change;
  std::string source;  // history-batch, feedback, cold-start
  std::int32_t batch = 0;
  std::int64_t episode = -1;
  std::int64_t step = -1;
};

// The actor keeps only the current profile and the phase-1 one that every
// episode starts from. Every version, with what changed and why, goes to the
// run store as it is made: keeping the history here as well cost ~12 KB a
// user after 20 steps, which a million users cannot afford. The offline
// model's profile text is a rendering of its state, so offline users keep
// no text at all; it is rendered when asked for.
struct UserState {
  std::shared_ptr<const UserWorld> world;
  UserIndex user = 0;
  std::int32_t version = 0;       // 0: no profile yet
  std::int32_t base_version = 0;  // the phase-1 profile
  // Version numbers never repeat, across episodes and agents: a reset returns
  // to the phase-1 profile, but the store keeps every version it was sent.
  std::int32_t last_version = 0;
  std::uint32_t episode = 0;
  // While the profile is partial: the ratings since the last fold, kept as
  // this count and the offline state's residual tally, not as a pending
  // batch in the window (see maybe_update).
  std::uint32_t unfolded = 0;
  // Set when a profile update since the last reset left the offline taste
  // behind (RateRequest::keep_profile false): the profile can no longer be
  // shown or saved until the next reset.
  bool profile_partial = false;
  // Set when phase 1 ends and by a reset: the offline state's taste is left
  // out, because until a fold changes it, it is the phase-1 one, which
  // offline_base holds. Ratings and drift-only folds never read it, so a
  // run that shows no profile never thaws it: ~215 bytes a user less.
  bool taste_in_base = false;
  // LLM runs only: the current and phase-1 texts (offline users render
  // theirs from their state). Behind one pointer, null for offline users: two
  // shared_ptrs in every actor were 24 bytes a user more.
  struct Texts {
    std::shared_ptr<const std::string> current;
    std::shared_ptr<const std::string> base;
  };
  std::unique_ptr<Texts> texts;
  // The recent window and the feedback not yet folded into the profile.
  InteractionWindow interactions;
  // Out of line, not a std::optional: inline, its 168 bytes took the actor
  // (CAF's 1,088 and this state) from mimalloc's 1,280-byte bin to the
  // 1,536-byte one; apart, they are 1,280 + 160, 96 bytes a user less.
  std::unique_ptr<OfflineUserState> offline;
  FrozenOfflineState offline_base;  // the phase-1 state; kept, not worked on
};

// One class for every user actor, so that all of them can share one
// behavior: built per actor, its seven handlers cost 328 bytes a user (CAF
// 0.17 allocates a behavior's match cases with the actor's captures), 328 MB
// at a million users. Shared, a handler cannot capture its actor; it finds
// it in `running`, which resume() sets for exactly the time this actor runs
// on the thread (every message, response and initialization of an actor is
// handled inside its resume).
class UserActor : public caf::stateful_actor<UserState> {
 public:
  UserActor(caf::actor_config& config, std::shared_ptr<const UserWorld> world, UserIndex user);

  caf::behavior make_behavior() override;
  resume_result resume(caf::execution_unit* unit, std::size_t max_throughput) override;
};

// mimalloc serves the actor (its control block, CAF's actor and the state in
// one allocation) from size classes 256 bytes apart here: a few bytes more
// of state cost 256 bytes a user, 256 MB at a million users.
static_assert(sizeof(caf::actor_storage<UserActor>) <= 1280,
              "a user actor no longer fits mimalloc's 1,280-byte size class");

thread_local UserActor* running = nullptr;

// The user actor whose message this thread is handling.
UserActor* running_user() noexcept {
  return running;
}
using Answer = caf::expected<LlmTaskResult>;

const UserWorld& world_of(UserActor* self) {
  return *self->state.world;
}

ExternalId external_id(UserActor* self) {
  return world_of(self).dataset->user(self->state.user).id;
}

// The offline state whole, with the taste a reset left in the phase-1 state:
// a copy, for what only reads it (a profile text, a checkpoint), so that
// reading a million profiles does not thaw a million tastes for good.
OfflineUserState whole_offline_state(const UserState& s) {
  OfflineUserState whole = *s.offline;
  if (s.taste_in_base)
    whole.taste = s.offline_base.thaw().taste;
  return whole;
}

// The offline state to fold into: its taste taken back from the phase-1
// state first when a reset left it there.
OfflineUserState& offline_state_with_taste(UserState& s) {
  if (s.taste_in_base) {
    s.offline->taste = s.offline_base.thaw().taste;
    s.taste_in_base = false;
  }
  return *s.offline;
}

std::string current_profile(UserActor* self) {
  const auto& s = self->state;
  if (world_of(self).offline)
    return s.offline && s.version > 0 ? world_of(self).offline->profile_text(whole_offline_state(s))
                                      : std::string();
  return s.texts && s.texts->current ? *s.texts->current : std::string();
}

// The phase-1 profile is whatever the profile is now.
void settle_base(UserActor* self) {
  auto& s = self->state;
  s.base_version = s.version;
  if (s.texts)
    s.texts->base = s.texts->current;
  if (!s.offline) {
    s.offline_base = FrozenOfflineState();
    return;
  }
  s.offline_base = FrozenOfflineState(s.taste_in_base ? whole_offline_state(s) : *s.offline);
  // The taste is the phase-1 one now: kept once, frozen, until a fold
  // changes it; a million users finishing phase 1 do not hold two each.
  s.offline->taste = OfflineTaste{};
  s.taste_in_base = true;
}

// Asks the LLM (through the gateway) or the offline model; `done` runs once
// with the Answer. `detail` is what the offline model may leave out
// (offline_backend.hpp); an LLM is asked the same either way. A template,
// not std::function: the offline path answers at once, and a std::function
// would allocate and copy the caller's captures (the slate, the promise) on
// every one of millions of slates. The task by reference: the offline model
// only reads it, and moving its strings and vectors into a parameter on
// every slate was ~100 instructions of a user-step.
template <class Done>
void ask(UserActor* self, LlmTask&& task, OfflineDetail detail, Done done) {
  const UserWorld& w = world_of(self);
  if (w.offline) {
    auto& s = self->state;
    if (!s.offline)
      s.offline = std::make_unique<OfflineUserState>(w.offline->new_state(s.user));
    // Only ratings and drift-only folds go without the taste.
    const bool reads_taste = task.kind != TaskKind::kRateItems && detail != OfflineDetail::kRatings;
    OfflineUserState& state = reads_taste ? offline_state_with_taste(s) : *s.offline;
    done(Answer{answer_offline_task(*w.offline, task, state, detail)});
    return;
  }
  // await: the user answers nothing else until its LLM has answered. Both
  // handlers share the one `done`. No CAF timeout: the pool answers every
  // request by the call's deadline (gateway_pool.hpp), and CAF 0.17 would
  // register and cancel each timeout on its one clock thread.
  auto shared = std::make_shared<Done>(std::move(done));
  self->request(w.gateway, caf::infinite, std::move(task))
      .await([shared](LlmTaskReply& reply) { (*shared)(Answer{std::move(reply.result)}); },
             [shared](caf::error& error) { (*shared)(Answer{std::move(error)}); });
}

void record(UserActor* self, StoreBatch batch) {
  if (world_of(self).store && !batch.empty())
    self->send(world_of(self).store, std::move(batch));
}

// Numbers and records a new version, and makes it the current one.
void add_version(UserActor* self, NewVersion v) {
  auto& s = self->state;
  s.version = ++s.last_version;
  if (world_of(self).settings.record != RecordLevel::kSummary) {
    StoreBatch batch;
    batch.versions.push_back(ProfileVersionRow{external_id(self), s.version, v.text, v.change,
                                               v.source, v.batch, v.episode, v.step});
    record(self, std::move(batch));
  }
  if (!world_of(self).offline) {
    if (!s.texts)
      s.texts = std::make_unique<UserState::Texts>();
    s.texts->current = std::make_shared<const std::string>(std::move(v.text));
  }
}

std::string demographics_json(const std::optional<Demographics>& d) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  if (d) {
    if (d->age)
      json.field("age", *d->age);
    if (!d->age_group.empty())
      json.field("age_group", d->age_group);
    if (!d->gender.empty())
      json.field("gender", d->gender);
    if (!d->occupation.empty())
      json.field("occupation", d->occupation);
  }
  json.end_object();
  return out;
}

void record_user(UserActor* self, std::string status, std::string reason) {
  if (world_of(self).settings.record == RecordLevel::kSummary)
    return;
  StoreBatch batch;
  batch.users.push_back(UserRow{
      external_id(self), demographics_json(world_of(self).dataset->demographics(self->state.user)),
      std::move(status), std::move(reason)});
  record(self, std::move(batch));
}

void reset_window(UserActor* self) {
  auto& s = self->state;
  const UserWorld& w = world_of(self);
  if (w.training)
    s.interactions.reset(recent_interactions(*w.dataset, *w.training, s.user, w.settings.window));
  else
    s.interactions.reset({});
}

// Whether a profile task's answer must carry its texts (the profile and the
// change sentence): always from an LLM, whose text is the profile; from the
// offline model, whose state is the profile, only when the store records
// versions or the requester shows the change (`shown`). Writing them is
// most of an offline update's cost.
bool profile_texts_wanted(UserActor* self, bool shown) {
  const UserWorld& w = world_of(self);
  return !w.offline || shown || w.settings.record != RecordLevel::kSummary;
}

// Builds the profile batch by batch; `next` is the batch to send.
void build_profile(UserActor* self, std::shared_ptr<ProfileJob> job, std::size_t next,
                   caf::typed_response_promise<ProfileOutcome> promise) {
  auto& s = self->state;
  const bool cold = job->batches.empty();
  if (!cold && next == job->batches.size()) {
    settle_base(self);
    record_user(self, "built", "");
    promise.deliver(ProfileOutcome{s.user, true, s.version, {}});
    return;
  }
  LlmTask task;
  task.kind = next == 0 ? TaskKind::kCreateProfile : TaskKind::kUpdateProfile;
  task.user = s.user;
  // The offline model reads its own state, not the text: no copy of it.
  if (!world_of(self).offline)
    task.profile = current_profile(self);
  if (!cold)
    task.interactions = job->batches[next];
  task.priority = TaskPriority::kBulk;
  const bool texts = profile_texts_wanted(self, false);
  const OfflineDetail detail = texts ? OfflineDetail::kFull : OfflineDetail::kNoTexts;
  ask(self, std::move(task), detail,
      [self, job, next, cold, texts, promise](Answer answer) mutable {
        auto& st = self->state;
        std::string failure;
        if (!answer) {
          failure = describe(answer.error());
        } else if (texts && answer->profile.empty()) {
          failure = answer->problem.empty() ? "the answer held no profile" : answer->problem;
        }
        if (!failure.empty()) {
          failure = fmt::format("batch {} of {}: {}", next + 1,
                                std::max<std::size_t>(1, job->batches.size()), failure);
          settle_base(self);
          record_user(self, "failed", failure);
          promise.deliver(ProfileOutcome{st.user, false, st.version, failure});
          return;
        }
        add_version(self, NewVersion{std::move(answer->profile), std::move(answer->change),
                                     cold ? "cold-start" : "history-batch",
                                     static_cast<std::int32_t>(next + 1), -1, -1});
        if (cold) {
          settle_base(self);
          record_user(self, "built", "");
          promise.deliver(ProfileOutcome{st.user, true, st.version, {}});
          return;
        }
        build_profile(self, job, next + 1, promise);
      });
}

// Where a rated slate's feedback goes. A request, and any slate an LLM
// rates after its handler returned, is answered through a response promise.
// A plain message from an actor, rated by the offline model while it is
// being handled, is answered by a plain message straight to its sender: a
// promise would copy and then release the sender's reference, an atomic
// round trip on the coordinator's one control block, which every user
// touches from both threads, on each of millions of slates.
class FeedbackReply {
 public:
  explicit FeedbackReply(caf::typed_response_promise<UserFeedback> promise)
      : promise_(std::move(promise)) {}
  // Answers the message `self` is handling; valid only while it does.
  explicit FeedbackReply(UserActor* self) : direct_(self) {}

  // Whether the current message of `self` may be answered directly.
  static bool can_answer_directly(UserActor* self) {
    return world_of(self).offline && !self->current_message_id().is_request() &&
           self->current_sender() != nullptr && self->current_forwarding_stack().empty();
  }

  void deliver(UserFeedback&& feedback) {
    if (direct_ == nullptr) {
      promise_.deliver(std::move(feedback));
      return;
    }
    caf::actor_cast<caf::abstract_actor*>(direct_->current_sender())
        ->eq_impl(caf::make_message_id(), direct_->ctrl(), direct_->context(), std::move(feedback));
  }

 private:
  caf::typed_response_promise<UserFeedback> promise_;
  UserActor* direct_ = nullptr;
};

// After a rated slate: fold the feedback into the profile every update_every slates.
void maybe_update(UserActor* self, const RateRequest& request, UserFeedback&& feedback,
                  FeedbackReply& reply) {
  auto& s = self->state;
  const UserWorld& w = world_of(self);
  const auto every = w.settings.update_every;
  const std::size_t slate = std::max<std::size_t>(1, request.items.size());
  const bool texts = profile_texts_wanted(self, request.explain);
  // Nobody reads the profile before the next reset: the offline model (the
  // only one that goes without texts) updates what the ratings depend on,
  // not the taste the text renders. From here to the reset the profile is
  // partial, whatever later requests say.
  const bool ratings_only = !texts && !request.keep_profile;
  if (ratings_only)
    s.profile_partial = true;
  if (s.profile_partial && w.offline && every * slate <= OfflineResidualTally::kMaxItems) {
    // The feedback is kept as its count, not as a pending batch in the
    // window: the drift's fold reads the residuals the ratings tallied in
    // the offline state, and nothing reads the batch's items. The window
    // then keeps room for `window` interactions only (20 instead of the
    // 50 of a batch in bench/configs/rl-1m.toml).
    s.unfolded += static_cast<std::uint32_t>(s.interactions.pending_size());
    s.interactions.clear_pending();
    if (every == 0 || s.unfolded < every * slate) {
      reply.deliver(std::move(feedback));
      return;
    }
    w.offline->fold_rated_drift(*s.offline, std::exchange(s.unfolded, 0));
    add_version(self, NewVersion{{}, {}, "feedback", 0, request.episode, request.step});
    feedback.updated_version = s.version;
    reply.deliver(std::move(feedback));
    return;
  }
  if (every == 0 || s.interactions.pending_size() < every * slate) {
    reply.deliver(std::move(feedback));
    return;
  }
  LlmTask task;
  task.kind = TaskKind::kUpdateProfile;
  task.user = s.user;
  // The offline model reads its own state, not the text: no copy of it.
  if (!w.offline)
    task.profile = current_profile(self);
  task.interactions = s.interactions.pending();
  s.interactions.clear_pending();
  ask(self, std::move(task),
      texts ? OfflineDetail::kFull
            : (ratings_only ? OfflineDetail::kRatings : OfflineDetail::kNoTexts),
      [self, request, texts, feedback = std::move(feedback), reply](Answer answer) mutable {
        if (answer && (!texts || !answer->profile.empty())) {
          feedback.profile_change = answer->change;
          add_version(self, NewVersion{std::move(answer->profile), std::move(answer->change),
                                       "feedback", 0, request.episode, request.step});
          feedback.updated_version = self->state.version;
        }
        // A failed update leaves the profile as it was; the ratings stand.
        reply.deliver(std::move(feedback));
      });
}

void rate(UserActor* self, RateRequest request, FeedbackReply reply) {
  auto& s = self->state;
  const UserWorld& w = world_of(self);
  LlmTask task;
  task.kind = TaskKind::kRateItems;
  task.user = s.user;
  // The offline model uses neither the profile text (it keeps the state) nor
  // the context ratings: no copies of them on every slate.
  if (!w.offline) {
    task.profile = current_profile(self);
    task.interactions = s.interactions.last(w.settings.recent_in_prompt);
  }
  task.candidates = request.items;
  task.priority = TaskPriority::kInteractive;
  const std::int32_t version = s.version;
  const OfflineDetail detail = request.explain ? OfflineDetail::kFull : OfflineDetail::kNoTexts;
  ask(self, std::move(task), detail,
      [self, request = std::move(request), version, reply](Answer answer) mutable {
        auto& st = self->state;
        const UserWorld& wd = world_of(self);
        UserFeedback feedback;
        feedback.user = st.user;
        feedback.step = request.step;
        feedback.profile_version = version;
        if (!answer) {
          feedback.failure = describe(answer.error());
          feedback.missing = request.items;
          reply.deliver(std::move(feedback));
          return;
        }
        // Slate order, whatever order the answer used.
        const std::int64_t now =
            static_cast<std::int64_t>(request.episode) * 1'000'000 + request.step;
        std::vector<ItemRating>& answered = answer->ratings;
        const bool in_slate_order =
            std::equal(request.items.begin(), request.items.end(), answered.begin(), answered.end(),
                       [](ItemIndex item, const ItemRating& r) { return r.item == item; });
        if (in_slate_order) {
          // The offline model's answer, always: taken whole, not rebuilt.
          feedback.ratings = std::move(answered);
        } else {
          feedback.ratings.reserve(request.items.size());
          for (const ItemIndex item : request.items) {
            const auto it = std::find_if(answered.begin(), answered.end(),
                                         [&](const ItemRating& r) { return r.item == item; });
            if (it == answered.end())
              feedback.missing.push_back(item);
            else
              feedback.ratings.push_back(std::move(*it));
          }
        }
        if (wd.calibration)
          feedback.calibrated.reserve(feedback.ratings.size());
        for (const ItemRating& r : feedback.ratings) {
          if (wd.calibration)
            feedback.calibrated.push_back(
                static_cast<float>(wd.calibration->map(st.user, r.rating)));
          st.interactions.push(Interaction{r.item, r.rating, now});
        }
        maybe_update(self, request, std::move(feedback), reply);
      });
}

// Back to the phase-1 profile and window for a new episode.
void restart(UserActor* self, std::uint32_t episode) {
  auto& s = self->state;
  s.episode = episode;
  s.profile_partial = false;
  s.unfolded = 0;
  s.version = s.base_version;
  if (s.texts)
    s.texts->current = s.texts->base;
  s.taste_in_base = static_cast<bool>(s.offline_base);
  if (!s.offline_base) {
    s.offline.reset();
  } else {
    OfflineUserState base = s.offline_base.thaw();
    base.taste = OfflineTaste{};
    if (s.offline)
      *s.offline = std::move(base);
    else
      s.offline = std::make_unique<OfflineUserState>(std::move(base));
  }
  reset_window(self);
}

caf::error partial_profile_error(UserActor* self) {
  return make_error(Errc::kInvalidRequest,
                    fmt::format("user {}: this episode's profile updates were made for the "
                                "ratings only (nothing was to read the profile), so it cannot "
                                "be shown or saved before the next reset",
                                self->state.user));
}

ProfileSnapshot snapshot(UserActor* self) {
  auto& s = self->state;
  return ProfileSnapshot{s.user, s.version, current_profile(self), s.interactions.window()};
}

// ---- checkpoints: the user's state to and from bytes (engine/rl/run_checkpoint.hpp)

// The checkpoint lists the phase-1 version, then the current one when it
// differs (offline users' texts are empty: their state renders them). A
// checkpoint that lists the whole history, as earlier ones did, restores
// the same way: the base is version `base_versions`, the current the last.
std::string encode_state(const UserState& s) {
  UserCheckpoint c;
  c.user = s.user;
  const auto version_of = [](std::int32_t number, const std::shared_ptr<const std::string>& text) {
    UserProfileVersion v;
    v.version = number;
    if (text)
      v.text = *text;
    return v;
  };
  if (s.base_version > 0)
    c.versions.push_back(version_of(s.base_version, s.texts ? s.texts->base : nullptr));
  if (s.version != s.base_version)
    c.versions.push_back(version_of(s.version, s.texts ? s.texts->current : nullptr));
  c.base_versions = s.base_version > 0 ? 1 : 0;
  c.last_version = s.last_version;
  c.window = s.interactions.window();
  c.since_update = s.interactions.pending();
  if (s.offline)
    c.offline = whole_offline_state(s);
  if (s.offline_base)
    c.offline_base = s.offline_base.thaw();
  c.episode = s.episode;
  return encode_user_checkpoint(c);
}

// Decodes whole before it changes anything: bad bytes leave the user as it was.
std::string restore_state(UserState& s, const std::string& bytes) {
  UserCheckpoint c;
  InteractionWindow interactions = s.interactions;
  try {
    c = decode_user_checkpoint(bytes, fmt::format("the checkpoint of user {}", s.user));
    if (c.base_versions > c.versions.size())
      throw std::invalid_argument(
          fmt::format("the checkpoint of user {} names phase-1 version {} of {}", s.user,
                      c.base_versions, c.versions.size()));
    interactions.restore(c.window, c.since_update);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (c.user != s.user)
    return fmt::format("a checkpoint of user {} sent to user {}", c.user, s.user);
  const bool offline = static_cast<bool>(s.world->offline);
  const auto text_of = [offline](std::string& text) -> std::shared_ptr<const std::string> {
    return offline ? nullptr : std::make_shared<const std::string>(std::move(text));
  };
  std::shared_ptr<const std::string> base_text, text;
  if (c.base_versions > 0) {
    UserProfileVersion& base = c.versions[c.base_versions - 1];
    s.base_version = base.version;
    base_text = text_of(base.text);
  } else {
    s.base_version = 0;
  }
  if (c.versions.size() > c.base_versions) {
    s.version = c.versions.back().version;
    text = text_of(c.versions.back().text);
  } else {
    s.version = s.base_version;
    text = base_text;
  }
  if (text || base_text)
    s.texts =
        std::make_unique<UserState::Texts>(UserState::Texts{std::move(text), std::move(base_text)});
  else
    s.texts.reset();
  s.last_version = c.last_version;
  s.interactions = std::move(interactions);
  s.offline = c.offline ? std::make_unique<OfflineUserState>(std::move(*c.offline)) : nullptr;
  s.taste_in_base = false;
  s.offline_base = c.offline_base ? FrozenOfflineState(*c.offline_base) : FrozenOfflineState();
  s.episode = c.episode;
  // A checkpoint holds a whole profile (a partial one is never saved).
  s.profile_partial = false;
  s.unfolded = 0;
  return {};
}

// The handlers, shared by every user actor (see UserActor).
caf::behavior shared_user_behavior() {
  return {
      [](ProfileJob& job) -> caf::result<ProfileOutcome> {
        UserActor* self = running_user();
        auto promise = self->make_response_promise<ProfileOutcome>();
        auto& s = self->state;
        s.version = 0;
        if (s.texts)
          s.texts->current = nullptr;
        s.offline.reset();
        s.taste_in_base = false;
        s.profile_partial = false;
        s.unfolded = 0;
        build_profile(self, std::make_shared<ProfileJob>(std::move(job)), 0, promise);
        return promise;
      },
      [](RateRequest& request) -> caf::result<UserFeedback> {
        UserActor* self = running_user();
        if (request.items.empty())
          return make_error(Errc::kInvalidRequest, "an empty slate");
        if (FeedbackReply::can_answer_directly(self)) {
          rate(self, std::move(request), FeedbackReply(self));
          return caf::delegated<UserFeedback>();
        }
        auto promise = self->make_response_promise<UserFeedback>();
        rate(self, std::move(request), FeedbackReply(promise));
        return promise;
      },
      [](reset_atom, std::uint32_t episode) {
        UserActor* self = running_user();
        restart(self, episode);
        return snapshot(self);
      },
      [](restart_atom, std::uint32_t episode) {
        UserActor* self = running_user();
        restart(self, episode);
        return ProfileRestarted{self->state.user, self->state.version};
      },
      [](profile_atom) -> caf::result<ProfileSnapshot> {
        UserActor* self = running_user();
        if (self->state.profile_partial)
          return partial_profile_error(self);
        return snapshot(self);
      },
      [](snapshot_atom) -> caf::result<UserStateSnapshot> {
        UserActor* self = running_user();
        if (self->state.profile_partial)
          return partial_profile_error(self);
        return UserStateSnapshot{self->state.user, encode_state(self->state)};
      },
      [](restore_atom, const std::string& bytes) {
        UserActor* self = running_user();
        return UserStateRestored{self->state.user, restore_state(self->state, bytes)};
      },
  };
}

UserActor::UserActor(caf::actor_config& config, std::shared_ptr<const UserWorld> world,
                     UserIndex user)
    : caf::stateful_actor<UserState>(config) {
  state.world = std::move(world);
  state.user = user;
  const SimulationSettings& settings = state.world->settings;
  state.interactions =
      InteractionWindow(settings.window, settings.update_every * settings.slate_size);
  reset_window(this);
}

caf::behavior UserActor::make_behavior() {
  static const caf::behavior shared = shared_user_behavior();
  return shared;
}

UserActor::resume_result UserActor::resume(caf::execution_unit* unit, std::size_t max_throughput) {
  // Restored on the way out, however resume ends (CAF catches handlers'
  // exceptions, but not necessarily its own).
  struct Running {
    UserActor* outer;
    ~Running() { running = outer; }
  } restore{std::exchange(running, this)};
  return caf::stateful_actor<UserState>::resume(unit, max_throughput);
}

}  // namespace

caf::actor spawn_user_actor(caf::actor_system& system, std::shared_ptr<const UserWorld> world,
                            UserIndex user) {
  return system.spawn<UserActor>(std::move(world), user);
}

}  // namespace lusifer

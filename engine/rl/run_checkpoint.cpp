#include "engine/rl/run_checkpoint.hpp"

#include <sstream>

#include <fmt/format.h>

#include "engine/agents/agent_checkpoint.hpp"

namespace lusifer {
namespace {

// A tag after the format's header says which kind of state follows, so
// that one kind's bytes are never restored as the other's.
constexpr std::string_view kUserTag = "user-state/1";
constexpr std::string_view kCoordinatorTag = "coordinator-state/1";
// Bounds a count read from the bytes before anything is reserved for it:
// a corrupted count is refused instead of exhausting memory.
constexpr std::uint64_t kMaxCount = std::uint64_t{1} << 28;
constexpr std::size_t kMaxText = std::size_t{64} << 20;

std::uint64_t count(CheckpointReader& in, std::string_view what) {
  const std::uint64_t n = in.u64(what);
  if (n > kMaxCount)
    in.fail(fmt::format("{} of at most {}", what, kMaxCount), fmt::format("{}", n));
  return n;
}

// Elements are appended as they are read, never reserved up front: a
// corrupted count runs into the end of the bytes, not out of memory.
template <class T, class Read>
std::vector<T> read_list(CheckpointReader& in, std::string_view what, Read read) {
  const std::uint64_t n = count(in, what);
  std::vector<T> list;
  for (std::uint64_t i = 0; i < n; ++i)
    list.push_back(read(in));
  return list;
}

void write_interactions(CheckpointWriter& out, const std::vector<Interaction>& list) {
  out.u64(list.size());
  for (const Interaction& i : list) {
    out.u32(i.item);
    out.f32(i.rating);
    out.i64(i.timestamp);
  }
}

std::vector<Interaction> read_interactions(CheckpointReader& in, std::string_view what) {
  return read_list<Interaction>(in, what, [](CheckpointReader& r) {
    Interaction i;
    i.item = r.u32("an interaction's item");
    i.rating = r.f32("an interaction's rating");
    i.timestamp = r.i64("an interaction's time");
    return i;
  });
}

void write_leanings(CheckpointWriter& out, const std::vector<OfflineLeaning>& list) {
  out.u64(list.size());
  for (const OfflineLeaning& l : list) {
    out.u32(l.key);
    out.f32(l.value);
    out.u32(l.count);
  }
}

std::vector<OfflineLeaning> read_leanings(CheckpointReader& in) {
  return read_list<OfflineLeaning>(in, "leanings", [](CheckpointReader& r) {
    OfflineLeaning l;
    l.key = r.u32("a leaning's key");
    l.value = r.f32("a leaning's value");
    l.count = r.u32("a leaning's count");
    return l;
  });
}

void write_offline(CheckpointWriter& out, const std::optional<OfflineUserState>& state) {
  out.u8(state ? 1 : 0);
  if (!state)
    return;
  out.u32(state->user);
  out.u32(state->taste.rated);
  out.f32(state->taste.mean);
  write_leanings(out, state->taste.genres);
  write_leanings(out, state->taste.themes);
  write_leanings(out, state->taste.eras);
  out.u64(state->drift.size());
  for (const OfflineDrift& d : state->drift) {
    out.u8(d.genre);
    out.f32(d.value);
  }
  write_interactions(out, state->pending);
  out.u32(state->updates);
}

std::optional<OfflineUserState> read_offline(CheckpointReader& in) {
  if (in.u8("whether the offline state follows") == 0)
    return std::nullopt;
  OfflineUserState s;
  s.user = in.u32("the offline state's user");
  s.taste.rated = in.u32("the taste's rated count");
  s.taste.mean = in.f32("the taste's mean");
  s.taste.genres = read_leanings(in);
  s.taste.themes = read_leanings(in);
  s.taste.eras = read_leanings(in);
  s.drift = read_list<OfflineDrift>(in, "drift genres", [](CheckpointReader& r) {
    OfflineDrift d;
    d.genre = r.u8("a drift's genre");
    d.value = r.f32("a drift's value");
    return d;
  });
  s.pending = read_interactions(in, "pending feedback");
  s.updates = in.u32("the offline state's updates");
  return s;
}

void write_totals(CheckpointWriter& out, const AgentRunSummary& t) {
  out.text(t.agent);
  out.u64(t.user_steps);
  out.u64(t.rated_items);
  out.u64(t.late);
  out.u64(t.failed);
  out.u64(t.left);
  out.u64(t.truncated);
  out.f64(t.seconds);
  out.f64(t.mean_reward);
  out.f64(t.mean_rating);
  out.u64(t.reward_by_step.size());
  for (const double r : t.reward_by_step)
    out.f64(r);
}

AgentRunSummary read_totals(CheckpointReader& in) {
  AgentRunSummary t;
  t.agent = in.text("an agent's name");
  t.user_steps = in.u64("user steps");
  t.rated_items = in.u64("rated items");
  t.late = in.u64("late users");
  t.failed = in.u64("failed users");
  t.left = in.u64("users who left");
  t.truncated = in.u64("truncated episodes");
  t.seconds = in.f64("seconds");
  t.mean_reward = in.f64("the mean reward");
  t.mean_rating = in.f64("the mean rating");
  t.reward_by_step = read_list<double>(in, "steps of the reward curve", [](CheckpointReader& r) {
    return r.f64("a step's reward");
  });
  return t;
}

// The reader must have consumed the bytes exactly: trailing bytes mean they
// were not written as one such checkpoint.
void expect_end(std::istringstream& stream, CheckpointReader& in) {
  in.finish();
  if (stream.peek() != std::char_traits<char>::eof())
    in.fail("the end of the checkpoint after its checksum", "more bytes");
}

}  // namespace

std::string encode_user_checkpoint(const UserCheckpoint& s) {
  std::ostringstream stream;
  CheckpointWriter out(stream);
  out.text(kUserTag);
  out.u32(s.user);
  out.u64(s.versions.size());
  for (const UserProfileVersion& v : s.versions) {
    out.u32(static_cast<std::uint32_t>(v.version));
    out.text(v.text);
    out.text(v.change);
    out.text(v.source);
    out.u32(static_cast<std::uint32_t>(v.batch));
    out.i64(v.episode);
    out.i64(v.step);
  }
  out.u64(s.base_versions);
  out.u32(static_cast<std::uint32_t>(s.last_version));
  write_interactions(out, s.window);
  write_interactions(out, s.since_update);
  write_offline(out, s.offline);
  write_offline(out, s.offline_base);
  out.u32(s.episode);
  out.finish();
  return std::move(stream).str();
}

UserCheckpoint decode_user_checkpoint(std::string_view bytes, std::string source) {
  std::istringstream stream{std::string(bytes)};
  CheckpointReader in(stream, std::move(source));
  in.expect_text(kUserTag, "the kind of checkpoint");
  UserCheckpoint s;
  s.user = in.u32("the user");
  s.versions = read_list<UserProfileVersion>(in, "profile versions", [](CheckpointReader& r) {
    UserProfileVersion v;
    v.version = static_cast<std::int32_t>(r.u32("a profile version's number"));
    v.text = r.text("a profile's text", kMaxText);
    v.change = r.text("a profile's change", kMaxText);
    v.source = r.text("a profile's source");
    v.batch = static_cast<std::int32_t>(r.u32("a profile's batch"));
    v.episode = r.i64("a profile's episode");
    v.step = r.i64("a profile's step");
    return v;
  });
  s.base_versions = in.u64("the phase-1 versions");
  if (s.base_versions > s.versions.size()) {
    in.fail(fmt::format("at most {} phase-1 versions", s.versions.size()),
            fmt::format("{}", s.base_versions));
  }
  s.last_version = static_cast<std::int32_t>(in.u32("the last version number"));
  s.window = read_interactions(in, "the recent window");
  s.since_update = read_interactions(in, "feedback since the last update");
  s.offline = read_offline(in);
  s.offline_base = read_offline(in);
  s.episode = in.u32("the episode");
  expect_end(stream, in);
  return s;
}

std::string encode_coordinator_checkpoint(const CoordinatorCheckpoint& s) {
  std::ostringstream stream;
  CheckpointWriter out(stream);
  out.text(kCoordinatorTag);
  out.u32(s.agent_index);
  out.text(s.agent);
  out.u32(s.episode);
  out.u64(s.steps_closed);
  out.u64(s.slots.size());
  for (const SlotCheckpoint& slot : s.slots) {
    out.u8(slot.active ? 1 : 0);
    out.u32(slot.step);
    out.f64(slot.total_reward);
    out.u64(slot.recommended.size());
    for (const ItemIndex item : slot.recommended)
      out.u32(item);
    out.u8(slot.satisfaction ? 1 : 0);
    if (slot.satisfaction) {
      out.u64(slot.satisfaction->recent.size());
      for (const double r : slot.satisfaction->recent)
        out.f64(r);
      out.f64(slot.satisfaction->boredom);
      out.u64(slot.satisfaction->steps);
    }
    out.u32(slot.profile_version);
    out.text(slot.outcome);
    out.text(slot.reason);
  }
  out.u64(s.steps.size());
  for (const StepTotals& t : s.steps) {
    out.i64(t.users);
    out.i64(t.rated);
    out.i64(t.late);
    out.i64(t.failed);
    out.i64(t.left);
    out.f64(t.reward_sum);
    out.f64(t.rating_sum);
    out.f64(t.seconds);
  }
  write_totals(out, s.totals);
  out.u64(s.reward_sum_by_step.size());
  for (const double r : s.reward_sum_by_step)
    out.f64(r);
  out.u64(s.rated_by_step.size());
  for (const std::int64_t r : s.rated_by_step)
    out.i64(r);
  out.f64(s.rating_sum);
  out.f64(s.last_mean_reward);
  out.u64(s.completed.size());
  for (const AgentRunSummary& t : s.completed)
    write_totals(out, t);
  out.finish();
  return std::move(stream).str();
}

CoordinatorCheckpoint decode_coordinator_checkpoint(std::string_view bytes, std::string source) {
  std::istringstream stream{std::string(bytes)};
  CheckpointReader in(stream, std::move(source));
  in.expect_text(kCoordinatorTag, "the kind of checkpoint");
  CoordinatorCheckpoint s;
  s.agent_index = in.u32("the agent's index");
  s.agent = in.text("the agent's name");
  s.episode = in.u32("the episode");
  s.steps_closed = in.u64("the steps closed");
  s.slots = read_list<SlotCheckpoint>(in, "users", [](CheckpointReader& r) {
    SlotCheckpoint slot;
    slot.active = r.u8("whether the user is active") != 0;
    slot.step = r.u32("the user's step");
    slot.total_reward = r.f64("the user's total reward");
    slot.recommended = read_list<ItemIndex>(
        r, "recommended items", [](CheckpointReader& x) { return x.u32("a recommended item"); });
    if (r.u8("whether a satisfaction state follows") != 0) {
      SatisfactionState sat;
      sat.recent = read_list<double>(r, "recent satisfaction",
                                     [](CheckpointReader& x) { return x.f64("a satisfaction"); });
      sat.boredom = r.f64("the boredom");
      sat.steps = r.u64("the satisfaction's steps");
      slot.satisfaction = std::move(sat);
    }
    slot.profile_version = r.u32("the user's profile version");
    slot.outcome = r.text("the user's outcome");
    slot.reason = r.text("the user's reason");
    return slot;
  });
  s.steps = read_list<StepTotals>(in, "steps", [](CheckpointReader& r) {
    StepTotals t;
    t.users = r.i64("a step's users");
    t.rated = r.i64("a step's rated items");
    t.late = r.i64("a step's late users");
    t.failed = r.i64("a step's failed users");
    t.left = r.i64("a step's users who left");
    t.reward_sum = r.f64("a step's reward sum");
    t.rating_sum = r.f64("a step's rating sum");
    t.seconds = r.f64("a step's seconds");
    return t;
  });
  s.totals = read_totals(in);
  s.reward_sum_by_step = read_list<double>(
      in, "steps of the reward sums", [](CheckpointReader& r) { return r.f64("a reward sum"); });
  s.rated_by_step = read_list<std::int64_t>(
      in, "steps of the rated counts", [](CheckpointReader& r) { return r.i64("a rated count"); });
  s.rating_sum = in.f64("the rating sum");
  s.last_mean_reward = in.f64("the last mean reward");
  s.completed = read_list<AgentRunSummary>(in, "finished agents", read_totals);
  expect_end(stream, in);
  return s;
}

}  // namespace lusifer

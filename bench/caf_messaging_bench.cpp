// The ceiling of bare CAF messaging for the shape of an RL simulation step,
// and the resident memory of a simulated user actor.
//
// Part 1 (messaging): N actors that answer at once; one event-based
// coordinator sends each a request and gathers the replies, then starts the
// next round (a barrier per round, as the sync coordinator does), for R
// rounds. Two payloads:
//   tiny:  a std::uint32_t in, a std::uint32_t out;
//   slate: the real step's messages, a RateRequest of `slate` items in and a
//          UserFeedback of as many ItemRatings (empty explanations) out, with
//          no model behind them.
// A third form, send: tiny messages sent with send() and answered as
// ordinary messages, without request(...).then. CAF 0.17 keeps the handlers
// of outstanding requests in a flat map searched linearly
// (detail::unordered_flat_map), so N requests in flight cost O(N^2): the
// request forms show that cost at large N, the send form does not pay it.
// Prints round trips per second (wall and per CPU-second of the process) and
// the resident memory of an idle bare actor.
//
// Part 2 (user actors, unless --memory-users 0): loads a synthetic world
// (the one bench/rl_simulate.sh generates; generated here with the same
// options if missing), splits it (last 10 ratings of each user to test),
// fits the offline model (NOT an LLM), then spawns --memory-users real user
// actors (spawn_user_actor, record = "summary", no store) and reports the
// resident memory per user actor: after spawning, after phase 1 (each
// profile built from the last 40 training ratings in batches of 10), and
// after R steps of seeded random slates (profile updates every 5 slates).
// The steps are timed too: user actors and the offline model without an
// agent, a ceiling for the step path between the bare messages and the
// full run.
//
// RSS is read from /proc/self/statm after malloc_trim(0), so memory freed
// by finished messages is not counted as held by the actors.
//
// Usage: bench_caf_messaging [--actors N] [--rounds R] [--slate K]
//                            [--memory-users N] [--world DIR]
//                            [--policy shared-queue|sharing|stealing]
//                            [--forms send,tiny,slate]
// Defaults: 100,000 actors, 20 rounds, slates of 10, 100,000 user actors,
// build/bench-data/rl-100k-world, the shared-queue scheduler (as lusifer's
// offline runs have it: actors/shared_queue_scheduler.hpp; "sharing" and
// "stealing" are CAF's own policies, for comparison).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "actors/shared_queue_scheduler.hpp"
#include "actors/user_actor.hpp"
#include "engine/core/random.hpp"
#include "engine/data/dataset_source.hpp"
#include "engine/data/split.hpp"
#include "engine/data/synthetic_world.hpp"
#include "engine/sim/history_batches.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "messages/type_ids.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace lusifer;

struct Settings {
  std::size_t actors = 100'000;
  std::uint32_t rounds = 20;
  std::uint32_t slate = 10;
  std::size_t memory_users = 100'000;
  std::filesystem::path world = "build/bench-data/rl-100k-world";
  std::string forms = "send,tiny,slate";  // which messaging forms to run
  std::string policy = "shared-queue";    // the scheduler: "shared-queue", "sharing" or "stealing"
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process (all threads): unlike the wall clock, it
// does not count time lost to other programs on a shared machine.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Resident bytes of the process, after returning free heap pages to the OS.
std::int64_t resident_bytes() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::int64_t>(sysconf(_SC_PAGESIZE));
}

std::size_t parse_count(std::string_view flag, const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0')
    throw std::invalid_argument(fmt::format("{}: not a count: {}", flag, text));
  return static_cast<std::size_t>(v);
}

Settings parse_settings(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc)
      throw std::invalid_argument(fmt::format("{} needs a value", flag));
    const char* value = argv[++i];
    if (flag == "--actors") {
      s.actors = parse_count(flag, value);
    } else if (flag == "--rounds") {
      s.rounds = static_cast<std::uint32_t>(parse_count(flag, value));
    } else if (flag == "--slate") {
      s.slate = static_cast<std::uint32_t>(parse_count(flag, value));
    } else if (flag == "--memory-users") {
      s.memory_users = parse_count(flag, value);
    } else if (flag == "--world") {
      s.world = value;
    } else if (flag == "--forms") {
      s.forms = value;
    } else if (flag == "--policy") {
      s.policy = value;
      if (s.policy != "shared-queue" && s.policy != "stealing" && s.policy != "sharing")
        throw std::invalid_argument("--policy: shared-queue, sharing or stealing");
    } else {
      throw std::invalid_argument(fmt::format("unknown flag {}", flag));
    }
  }
  if (s.actors == 0 || s.rounds == 0 || s.slate == 0)
    throw std::invalid_argument("counts must be >= 1");
  return s;
}

// ---- part 1: bare messaging --------------------------------------------------

caf::behavior tiny_echo() {
  return {[](std::uint32_t round) { return round + 1; }};
}

caf::behavior slate_echo() {
  return {[](RateRequest& request) {
    UserFeedback feedback;
    feedback.step = request.step;
    feedback.ratings.reserve(request.items.size());
    for (const ItemIndex item : request.items)
      feedback.ratings.push_back(ItemRating{item, 3.0f, {}});
    return feedback;
  }};
}

struct DriverState {
  std::shared_ptr<const std::vector<caf::actor>> targets;
  std::uint32_t rounds = 0;
  std::uint32_t slate = 0;
  bool slates = false;
  bool plain = false;  // send + ordinary reply messages instead of request(...).then
  std::uint32_t round = 0;
  std::size_t pending = 0;
  std::uint64_t replies = 0;
  std::uint64_t checksum = 0;  // so the replies are read, not just counted
  caf::response_promise done;
};

using Driver = caf::stateful_actor<DriverState>;

void driver_round(Driver* self);

void driver_reply(Driver* self, std::uint64_t value) {
  auto& s = self->state;
  ++s.replies;
  s.checksum += value;
  if (--s.pending > 0)
    return;
  if (++s.round < s.rounds) {
    driver_round(self);
  } else {
    s.done.deliver(s.replies, s.checksum);
    self->quit();  // stop_all awaits every actor, this one included
  }
}

void driver_round(Driver* self) {
  auto& s = self->state;
  s.pending = s.targets->size();
  const auto fail = [self](const caf::error& error) {
    self->state.done.deliver(error);
    self->quit(error);
  };
  for (std::size_t i = 0; i < s.targets->size(); ++i) {
    const caf::actor& target = (*s.targets)[i];
    if (s.slates) {
      RateRequest request{0, s.round, std::vector<ItemIndex>(s.slate)};
      for (std::uint32_t k = 0; k < s.slate; ++k)
        request.items[k] = static_cast<ItemIndex>((i * 7 + k + s.round) % 1000);
      self->request(target, caf::infinite, std::move(request))
          .then([self](UserFeedback& f) { driver_reply(self, f.ratings.size()); }, fail);
    } else {
      if (s.plain)
        self->send(target, s.round);
      else
        self->request(target, caf::infinite, s.round)
            .then([self](std::uint32_t v) { driver_reply(self, v); }, fail);
    }
  }
}

caf::behavior driver(Driver* self, std::shared_ptr<const std::vector<caf::actor>> targets,
                     std::uint32_t rounds, std::uint32_t slate, bool slates, bool plain) {
  self->state.targets = std::move(targets);
  self->state.rounds = rounds;
  self->state.slate = slate;
  self->state.slates = slates;
  self->state.plain = plain;
  return {
      [self](run_atom) -> caf::result<std::uint64_t, std::uint64_t> {
        self->state.done = self->make_response_promise();
        driver_round(self);
        return self->state.done;
      },
      // Replies to plain sends arrive as ordinary messages.
      [self](std::uint32_t v) { driver_reply(self, v); },
  };
}

// Call it with no scoped_actor alive: CAF 0.17.6 registers a scoped_actor as
// running even when it is constructed hidden (spawn_impl launches it with
// no_spawn_options, so the hidden flag never reaches launch), and
// await_all_actors_done would wait for it forever.
void stop_all(caf::actor_system& system, const std::vector<caf::actor>& actors) {
  for (const auto& a : actors)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
}

void run_messaging(caf::actor_system& system, const Settings& s, bool slates, bool plain) {
  const std::int64_t before = resident_bytes();
  auto targets = std::make_shared<std::vector<caf::actor>>();
  targets->reserve(s.actors);
  for (std::size_t i = 0; i < s.actors; ++i)
    targets->push_back(system.spawn(slates ? slate_echo : tiny_echo));
  const std::int64_t spawned = resident_bytes();
  auto d = system.spawn(driver, targets, s.rounds, s.slate, slates, plain);
  const double cpu0 = process_cpu_seconds();
  const auto start = Clock::now();
  std::uint64_t replies = 0;
  {
    // Gone before stop_all (see there).
    caf::scoped_actor self{system, true};
    self->request(d, caf::infinite, run_atom_v)
        .receive([&](std::uint64_t n, std::uint64_t) { replies = n; },
                 [&](caf::error& error) { throw std::runtime_error(caf::to_string(error)); });
  }
  const double wall = seconds_since(start);
  const double cpu = process_cpu_seconds() - cpu0;
  const std::uint64_t expected = static_cast<std::uint64_t>(s.actors) * s.rounds;
  if (replies != expected)
    throw std::runtime_error(fmt::format("{} replies, expected {}", replies, expected));
  fmt::print(
      "{:<6} {:>9} actors x {:>3} rounds: {:>10} round trips in {:>6.2f} s wall, {:>6.2f} s CPU: "
      "{:>10.0f} round trips/s wall, {:>10.0f} per CPU-second; idle actor {:>5.0f} B\n",
      slates  ? "slate"
      : plain ? "send"
              : "tiny",
      s.actors, s.rounds, replies, wall, cpu, static_cast<double>(replies) / wall,
      static_cast<double>(replies) / cpu,
      static_cast<double>(spawned - before) / static_cast<double>(s.actors));
  stop_all(system, *targets);
}

// ---- part 2: user actors -----------------------------------------------------

void ensure_world(const Settings& s) {
  if (std::filesystem::exists(s.world / "ratings.csv"))
    return;
  // The same world as bench/configs/rl-100k.toml when --memory-users is 100,000.
  SyntheticWorldOptions options;
  options.users = s.memory_users;
  options.items = 1000;
  options.seed = 42;
  options.mean_ratings_per_user = 50.0;
  options.min_ratings_per_user = 20;
  fmt::print("generating a synthetic world of {} users in {}\n", options.users, s.world.string());
  generate_synthetic_world(options, s.world, false);
}

// Sends one message to every user (at most `window` outstanding) and waits
// for all the replies; `make` gives the message for a position.
template <class Reply, class Make>
std::size_t fan_out(caf::scoped_actor& self, const std::vector<caf::actor>& users, Make make,
                    const std::function<void(Reply&)>& on_reply) {
  constexpr std::size_t kWindow = 4096;
  std::size_t next = 0, in_flight = 0, failed = 0;
  while (next < users.size() || in_flight > 0) {
    while (next < users.size() && in_flight < kWindow) {
      self->send(users[next], make(next));
      ++next;
      ++in_flight;
    }
    self->receive([&](Reply& r) { on_reply(r); }, [&](caf::error&) { ++failed; });
    --in_flight;
  }
  return failed;
}

void run_user_memory(caf::actor_system& system, const Settings& s) {
  ensure_world(s);
  DatasetSource source;
  source.directory = s.world;
  LoadedDataset loaded = load_dataset_source(source);
  const Dataset& dataset = loaded.dataset;
  const Split split = holdout_last_k(dataset, 10);
  auto world = std::make_shared<UserWorld>();
  world->dataset = &dataset;
  world->training = std::make_shared<const TrainingHistories>(dataset, split.train);
  world->offline = std::make_shared<const OfflineUserModel>(dataset, split.train);
  world->settings.record = RecordLevel::kSummary;
  world->settings.update_every = 5;
  world->settings.window = 20;
  world->settings.slate_size = s.slate;
  world->source_label = "offline model (not an LLM)";
  const std::size_t n = std::min(s.memory_users, dataset.user_count());
  const auto per_user = [n](std::int64_t bytes) {
    return static_cast<double>(bytes) / static_cast<double>(n);
  };

  const std::int64_t rss0 = resident_bytes();
  std::vector<caf::actor> users;
  users.reserve(n);
  std::shared_ptr<const UserWorld> shared = world;
  for (UserIndex u = 0; u < n; ++u)
    users.push_back(spawn_user_actor(system, shared, u));
  const std::int64_t rss1 = resident_bytes();

  // Gone before stop_all (see there).
  auto self = std::make_unique<caf::scoped_actor>(system, true);
  const HistoryBatchOptions history{40, 10};
  const auto profile_start = Clock::now();
  std::size_t built = 0;
  const std::size_t profile_failures = fan_out<ProfileOutcome>(
      *self, users,
      [&](std::size_t p) {
        return ProfileJob{
            history_batches(dataset, *world->training, static_cast<UserIndex>(p), history)};
      },
      [&](ProfileOutcome& o) { built += o.built ? 1 : 0; });
  const double profile_seconds = seconds_since(profile_start);
  const std::int64_t rss2 = resident_bytes();

  Rng rng(derive_seed(7, 0x6d656d));
  const std::size_t items = dataset.catalog().size();
  std::vector<std::vector<ItemIndex>> slates(n);
  std::uint64_t rated = 0;
  double step_seconds = 0, step_cpu = 0;
  std::size_t step_failures = 0;
  for (std::uint32_t step = 0; step < s.rounds; ++step) {
    // Slates are drawn outside the timed section.
    for (auto& slate : slates) {
      slate.resize(s.slate);
      for (auto& item : slate)
        item = static_cast<ItemIndex>(rng.uniform_index(items));
    }
    const double cpu0 = process_cpu_seconds();
    const auto start = Clock::now();
    step_failures += fan_out<UserFeedback>(
        *self, users,
        [&](std::size_t p) {
          // As the coordinator asks when the store keeps no explanations.
          return RateRequest{0, step, slates[p], false};
        },
        [&](UserFeedback& f) { rated += f.ratings.size(); });
    step_seconds += seconds_since(start);
    step_cpu += process_cpu_seconds() - cpu0;
  }
  self.reset();
  const std::int64_t rss3 = resident_bytes();
  const double user_steps = static_cast<double>(n) * s.rounds;

  fmt::print("\nuser actors (offline model, not an LLM): {} users of {}, {} items\n", n,
             dataset.user_count(), items);
  fmt::print("  phase 1: {} profiles built in {:.2f} s ({} failed)\n", built, profile_seconds,
             profile_failures);
  fmt::print(
      "  {} steps of random slates of {} without an agent: {:.0f} user-steps in {:.2f} s wall, "
      "{:.2f} s CPU: {:.0f} user-steps/s wall, {:.0f} per CPU-second ({} items rated, {} failed)\n",
      s.rounds, s.slate, user_steps, step_seconds, step_cpu, user_steps / step_seconds,
      user_steps / step_cpu, rated, step_failures);
  fmt::print(
      "  resident memory per user actor: {:.0f} B spawned, {:.0f} B after phase 1, "
      "{:.0f} B after {} steps\n",
      per_user(rss1 - rss0), per_user(rss2 - rss0), per_user(rss3 - rss0), s.rounds);
  fmt::print(
      "  (RSS of the process: {:.1f} MB with the world and model loaded, {:.1f} MB at the end)\n",
      static_cast<double>(rss0) / 1e6, static_cast<double>(rss3) / 1e6);
  stop_all(system, users);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
    const Settings s = parse_settings(argc, argv);
    spdlog::set_level(spdlog::level::warn);
    caf::actor_system_config config;
    register_message_types(config);
    // As lusifer's CLI does: one scheduler thread per core.
    config.set("scheduler.max-threads",
               static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency())));
    config.set("logger.verbosity", caf::atom("quiet"));
    config.set("scheduler.policy",
               s.policy == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
    if (s.policy == "shared-queue")
      use_shared_queue_scheduler(config);
    caf::actor_system system{config};
    fmt::print("CAF {}.{}.{}, {} scheduler threads, {} scheduler\n", CAF_MAJOR_VERSION,
               CAF_MINOR_VERSION, CAF_PATCH_VERSION,
               std::max(1u, std::thread::hardware_concurrency()), s.policy);
    const auto wanted = [&](std::string_view form) {
      return s.forms.find(form) != std::string::npos;
    };
    if (wanted("send"))
      run_messaging(system, s, false, true);
    if (wanted("tiny"))
      run_messaging(system, s, false, false);
    if (wanted("slate"))
      run_messaging(system, s, true, false);
    if (s.memory_users > 0)
      run_user_memory(system, s);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_caf_messaging: %s\n", e.what());
    return 1;
  }
}

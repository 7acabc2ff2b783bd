#include "actors/shard_proxy.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

// Long enough for a step's messages, which the coordinator sends in one go,
// to leave together; short against a remote round trip (~0.3 ms or more).
constexpr auto kBatchWindow = std::chrono::milliseconds(2);
// One message stays well under the middleman's buffers and the worker's
// time slice; a larger step leaves in several.
constexpr std::size_t kMaxCallsPerBatch = 4096;
// A resume's restore calls carry a user's checkpointed state each
// (kilobytes): past this many bytes of them a batch leaves at once.
constexpr std::size_t kMaxRestoreBytesPerBatch = std::size_t{4} << 20;
// Calls awaiting an answer: users take one request at a time, so a run
// never comes near this; past it a caller is told to slow down.
constexpr std::size_t kMaxPending = std::size_t{1} << 22;

struct ProxyStats {
  std::string worker;
  std::uint64_t calls = 0;
  std::uint64_t call_batches = 0;
  std::uint64_t largest_call_batch = 0;
  std::uint64_t replies = 0;
  std::uint64_t reply_batches = 0;
  std::uint64_t largest_reply_batch = 0;
};

struct ProxyState {
  std::string worker;
  caf::actor store;
  caf::actor shard;  // invalid until attached
  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, caf::response_promise> pending;
  ShardCalls out;
  std::size_t out_restore_bytes = 0;  // of the restore calls in `out`
  bool timer_armed = false;
  caf::error lost;  // set once the worker stopped
  std::shared_ptr<ProxyStats> stats;
};

using ProxyActor = caf::stateful_actor<ProxyState>;

void flush(ProxyActor* self) {
  auto& s = self->state;
  if (!s.shard || s.out.calls.empty())
    return;
  auto& stats = *s.stats;
  stats.calls += s.out.calls.size();
  ++stats.call_batches;
  stats.largest_call_batch = std::max<std::uint64_t>(stats.largest_call_batch, s.out.calls.size());
  self->send(s.shard, std::move(s.out));
  s.out = ShardCalls{};
  s.out_restore_bytes = 0;
}

void fail_all(ProxyActor* self, const caf::error& error) {
  auto& s = self->state;
  auto pending = std::move(s.pending);
  s.pending.clear();
  s.out = ShardCalls{};
  s.out_restore_bytes = 0;
  for (auto& [id, promise] : pending)
    promise.deliver(error);
}

caf::behavior stub_behavior(caf::event_based_actor* self, caf::actor proxy, std::uint32_t slot) {
  // Every message goes to the default handler, whatever its type.
  self->set_default_handler(
      [proxy, slot](caf::scheduled_actor* me, caf::message_view& x) -> caf::result<caf::message> {
        // Delegated: the proxy answers the original sender, under the
        // original request id (none for a plain send).
        auto promise = me->make_response_promise();
        promise.delegate(proxy, slot, x.move_content_to_message());
        return promise;
      });
  // An actor without a behavior ends at once; this one matches nothing a user is sent.
  return {
      [](flush_atom) {},
  };
}

caf::behavior proxy_behavior(ProxyActor* self, std::string worker, caf::actor store) {
  auto& s = self->state;
  s.worker = std::move(worker);
  s.store = std::move(store);
  s.stats = std::make_shared<ProxyStats>();
  s.stats->worker = s.worker;
  self->attach_functor([stats = s.stats] {
    const auto mean = [](std::uint64_t n, std::uint64_t batches) {
      return batches > 0 ? static_cast<double>(n) / static_cast<double>(batches) : 0.0;
    };
    spdlog::info(
        "worker {}: {} calls in {} batches (mean {:.1f}, largest {}), {} answers in {} batches "
        "(mean {:.1f}, largest {})",
        stats->worker, stats->calls, stats->call_batches, mean(stats->calls, stats->call_batches),
        stats->largest_call_batch, stats->replies, stats->reply_batches,
        mean(stats->replies, stats->reply_batches), stats->largest_reply_batch);
  });
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    if (!st.shard || down.source != st.shard.address() || st.lost)
      return;
    const std::string reason = self->system().render(down.reason);
    st.lost = make_error(Errc::kShuttingDown,
                         fmt::format("worker {} stopped ({}); the run cannot go on without "
                                     "the users it hosts",
                                     st.worker, reason));
    spdlog::error("worker {} stopped ({}): stopping the run", st.worker, reason);
    fail_all(self, st.lost);
  });
  return {
      [self](caf::actor& shard, std::uint32_t users) -> std::vector<caf::actor> {
        auto& st = self->state;
        st.shard = shard;
        self->monitor(shard);
        std::vector<caf::actor> stubs;
        stubs.reserve(users);
        const caf::actor me = caf::actor_cast<caf::actor>(self);
        for (std::uint32_t slot = 0; slot < users; ++slot)
          stubs.push_back(self->spawn<caf::linked>(stub_behavior, me, slot));
        flush(self);
        return stubs;
      },
      [self](std::uint32_t slot, caf::message& content) -> caf::response_promise {
        auto& st = self->state;
        auto promise = self->make_response_promise();
        if (st.lost) {
          promise.deliver(st.lost);
          return promise;
        }
        if (st.pending.size() >= kMaxPending) {
          promise.deliver(make_error(
              Errc::kOverloaded, fmt::format("{} calls await worker {}", kMaxPending, st.worker)));
          return promise;
        }
        const std::uint64_t id = st.next_id++;
        st.pending.emplace(id, promise);
        if (content.match_elements<restore_atom, std::string>())
          st.out_restore_bytes += content.get_as<std::string>(1).size();
        st.out.calls.push_back(ShardCall{id, slot, std::move(content)});
        if (st.out.calls.size() >= kMaxCallsPerBatch ||
            st.out_restore_bytes >= kMaxRestoreBytesPerBatch) {
          flush(self);
        } else if (!st.timer_armed) {
          st.timer_armed = true;
          self->delayed_send(self, kBatchWindow, flush_atom_v);
        }
        return promise;
      },
      [self](flush_atom) {
        self->state.timer_armed = false;
        flush(self);
      },
      [self](ShardReplies& replies) {
        auto& st = self->state;
        auto& stats = *st.stats;
        stats.replies += replies.replies.size();
        ++stats.reply_batches;
        stats.largest_reply_batch =
            std::max<std::uint64_t>(stats.largest_reply_batch, replies.replies.size());
        // The rows first: whoever gets an answer below and then flushes the
        // store must find them there.
        if (st.store && !replies.records.empty())
          self->send(st.store, std::move(replies.records));
        for (auto& reply : replies.replies) {
          const auto found = st.pending.find(reply.id);
          if (found == st.pending.end())
            continue;
          found->second.deliver(std::move(reply.content));
          st.pending.erase(found);
        }
      },
  };
}

}  // namespace

HostPort parse_host_port(std::string_view text, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return std::invalid_argument(
        fmt::format("{}: expected host:port, found \"{}\" ({})", what, text, why));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    throw bad("no host or no port");
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      throw bad("an IPv6 address goes in brackets");
    host = host.substr(1, host.size() - 2);
  }
  std::uint32_t port = 0;
  for (const char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9')
      throw bad("the port is not a number");
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
    if (port > 65535)
      throw bad("the port is above 65535");
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

caf::actor spawn_shard_proxy(caf::actor_system& system, std::string worker, caf::actor store) {
  return system.spawn(proxy_behavior, std::move(worker), std::move(store));
}

std::vector<caf::actor> attach_shard(caf::actor_system& system, const caf::actor& proxy,
                                     const caf::actor& shard, std::uint32_t users) {
  caf::scoped_actor self{system};
  std::vector<caf::actor> stubs;
  caf::error failure;
  self->request(proxy, caf::infinite, shard, users)
      .receive([&](std::vector<caf::actor>& spawned) { stubs = std::move(spawned); },
               [&](caf::error& error) { failure = std::move(error); });
  if (failure)
    throw std::runtime_error(fmt::format("cannot attach a worker's shard: {}", describe(failure)));
  return stubs;
}

}  // namespace lusifer

#include "actors/user_shard.hpp"

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

constexpr auto kBatchWindow = std::chrono::milliseconds(2);
constexpr std::size_t kMaxRepliesPerBatch = 4096;
// A checkpoint's snapshots are kilobytes each: 4,096 of them in one message
// would hold tens of megabytes in the middleman's buffers at once, on both
// nodes. Past this many bytes of snapshots a batch leaves at once.
constexpr std::size_t kMaxSnapshotBytesPerBatch = std::size_t{4} << 20;

template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

struct ShardState {
  std::string worker;
  caf::actor proxy;
  std::vector<caf::actor> users;
  std::unordered_map<caf::actor_id, std::uint32_t> slot_of;
  // Per slot, the ids of its calls not answered yet, oldest first. A user
  // has one or two at a time, so a vector beats a deque here.
  std::vector<std::vector<std::uint64_t>> unanswered;
  std::size_t outstanding = 0;
  ShardReplies out;
  std::size_t out_snapshot_bytes = 0;  // of the UserStateSnapshots in `out`
  bool timer_armed = false;
};

using ShardActor = caf::stateful_actor<ShardState>;

void flush(ShardActor* self) {
  auto& s = self->state;
  if (s.out.replies.empty() && s.out.records.empty())
    return;
  self->send(s.proxy, std::move(s.out));
  s.out = ShardReplies{};
  s.out_snapshot_bytes = 0;
}

void flush_soon(ShardActor* self) {
  auto& s = self->state;
  if (s.outstanding == 0 || s.out.replies.size() >= kMaxRepliesPerBatch ||
      s.out_snapshot_bytes >= kMaxSnapshotBytesPerBatch) {
    flush(self);
  } else if (!s.timer_armed) {
    s.timer_armed = true;
    self->delayed_send(self, kBatchWindow, flush_atom_v);
  }
}

void answered(ShardActor* self, caf::message content) {
  auto& s = self->state;
  const auto& sender = self->current_sender();
  const auto found = sender ? s.slot_of.find(sender->id()) : s.slot_of.end();
  if (found == s.slot_of.end()) {
    spdlog::warn("worker {}: dropped a message from outside the shard: {}", s.worker,
                 to_string(content));
    return;
  }
  auto& ids = s.unanswered[found->second];
  if (ids.empty()) {
    spdlog::warn("worker {}: user slot {} answered a call it never got", s.worker, found->second);
    return;
  }
  if (content.match_elements<UserStateSnapshot>())
    s.out_snapshot_bytes += content.get_as<UserStateSnapshot>(0).state.size();
  s.out.replies.push_back(ShardReply{ids.front(), std::move(content)});
  ids.erase(ids.begin());
  --s.outstanding;
  flush_soon(self);
}

caf::behavior shard_behavior(ShardActor* self, caf::actor proxy, std::string worker) {
  auto& s = self->state;
  s.worker = std::move(worker);
  s.proxy = std::move(proxy);
  self->monitor(s.proxy);
  self->set_down_handler([self](caf::down_msg& down) {
    if (down.source != self->state.proxy.address())
      return;
    spdlog::info("worker {}: the coordinator's proxy is gone ({}); the shard ends",
                 self->state.worker, self->system().render(down.reason));
    self->quit(down.reason);
  });
  // A user's error answer arrives as an error message, outside the behavior.
  self->set_error_handler([self](caf::scheduled_actor*, caf::error& error) {
    answered(self, caf::make_message(error));
  });
  // The users' answers, of whatever type.
  self->set_default_handler(
      [self](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
        answered(self, x.move_content_to_message());
        // Handled: nothing goes back to the user.
        return caf::delegated<caf::message>{};
      });
  return {
      [self](std::vector<caf::actor>& users) {
        auto& st = self->state;
        st.users = std::move(users);
        st.unanswered.assign(st.users.size(), {});
        st.slot_of.clear();
        for (std::size_t j = 0; j < st.users.size(); ++j)
          st.slot_of.emplace(st.users[j].id(), static_cast<std::uint32_t>(j));
      },
      [self](ShardCalls& calls) {
        auto& st = self->state;
        for (ShardCall& call : calls.calls) {
          if (call.slot >= st.users.size()) {
            st.out.replies.push_back(ShardReply{
                call.id, caf::make_message(make_error(Errc::kUnknownUser,
                                                      fmt::format("worker {} hosts no user slot {}",
                                                                  st.worker, call.slot)))});
            continue;
          }
          st.unanswered[call.slot].push_back(call.id);
          ++st.outstanding;
          self->send(st.users[call.slot], std::move(call.content));
        }
        flush_soon(self);
      },
      [self](StoreBatch& rows) {
        auto& out = self->state.out.records;
        append(out.users, rows.users);
        append(out.versions, rows.versions);
        append(out.feedback, rows.feedback);
        append(out.episodes, rows.episodes);
        append(out.steps, rows.steps);
        flush_soon(self);
      },
      [self](flush_atom) {
        self->state.timer_armed = false;
        flush(self);
      },
  };
}

}  // namespace

caf::actor spawn_user_shard(caf::actor_system& system, caf::actor proxy, std::string worker) {
  return system.spawn(shard_behavior, std::move(proxy), std::move(worker));
}

}  // namespace lusifer

#pragma once

// The baseline: slates of items drawn uniformly at random from those the
// user has not seen (see agent.hpp for what counts as seen). It learns
// nothing beyond the seen sets every agent keeps, so its state is those
// alone: ceil(items / 64) * 8 bytes a user.
//
// Each slate comes from the stream of (user, step), so it is reproducible
// on its own. Contract, errors and thread-safety: agent.hpp.

#include <span>
#include <string_view>

#include "engine/agents/agent.hpp"

namespace lusifer {

class RandomAgent final : public Agent {
 public:
  RandomAgent(const Dataset& dataset, std::span<const RatingIndex> train,
              AgentOptions options = {});

  std::string_view name() const noexcept override { return "random"; }

 private:
  void act_batch(std::span<const Observation> observations, SlateSize k,
                 std::span<ItemIndex> slates) const override;
  std::size_t state_bytes() const noexcept override { return 0; }
  void save_state(CheckpointWriter& out) const override;
  std::function<void()> load_state(CheckpointReader& in) override;
};

}  // namespace lusifer

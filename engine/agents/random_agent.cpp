#include "engine/agents/random_agent.hpp"

#include "engine/agents/slate_filling.hpp"

namespace lusifer {

RandomAgent::RandomAgent(const Dataset& dataset, std::span<const RatingIndex> train,
                         AgentOptions options)
    : Agent(dataset, train, options) {}

void RandomAgent::act_batch(std::span<const Observation> observations, SlateSize k,
                            std::span<ItemIndex> slates) const {
  ItemMask excluded(item_count());
  ItemMask scratch(item_count());
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const Observation& o = observations[i];
    const std::span<ItemIndex> slate = slates.subspan(i * k, k);
    load_exclusions(o, excluded);
    Rng rng = user_step_rng(o);
    std::size_t filled = 0;
    while (filled < k && draw_unexcluded(rng, excluded, slate[filled]))
      ++filled;
    complete_with_random(rng, scratch, slate, filled);
  }
}

// No state beyond the seen sets, which the base writes.
void RandomAgent::save_state(CheckpointWriter&) const {}

std::function<void()> RandomAgent::load_state(CheckpointReader&) {
  return [] {};
}

}  // namespace lusifer

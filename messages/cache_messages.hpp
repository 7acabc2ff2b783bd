#pragma once

// Messages to the response-cache actor.

#include <caf/meta/type_name.hpp>

#include "engine/cache/response_cache.hpp"

namespace lusifer {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CachedResponse& x) {
  return f(caf::meta::type_name("cached_response"), x.body, x.model, x.prompt_tokens,
           x.completion_tokens, x.cached_tokens);
}

// The answer to a lookup: a hit carries the recorded response.
struct CacheLookup {
  bool hit = false;
  CachedResponse response;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CacheLookup& x) {
  return f(caf::meta::type_name("cache_lookup"), x.hit, x.response);
}

}  // namespace lusifer

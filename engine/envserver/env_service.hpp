#pragma once

// What the environment server's HTTP layer asks of the simulation: the
// service that owns the sessions (vectorised environments over simulated
// users) and answers create, reset, step and close, asynchronously.
//
// Division of work. The HTTP layer (env_http_server.hpp) parses and checks
// every request before the service sees it, so an implementation may rely on:
//   - create: user_count is between 1 and the server's max_users_per_session;
//     user_ids, when given, are distinct (whether they exist is the
//     service's to check: kUnknownUser with field "users[i]"); the optional
//     fields are in range (the service fills in its defaults);
//   - reset, step, close: the session was created by this service and not
//     closed, and no other request on it is in flight (requests on one
//     session never overlap);
//   - step: the session has been reset, at least one user is still active,
//     and there is one entry per user: a slate of exactly slate_size
//     distinct catalog items for every active user, nullopt for every user
//     who is done (terminated or truncated in an earlier step). A done
//     user must still get an entry in the response: its last observation,
//     reward 0, its final terminated/truncated flags, info.active = false.
//
// Completions. Each call gets a callback the service invokes exactly once,
// from any thread, with the typed response or an EnvError (the HTTP layer
// sends http_status_of(kind) with the error as its body). It may be invoked
// before the call returns. A callback that is destroyed without having been
// invoked answers the request with a 500 and frees the session for the next
// request; a second invocation is ignored. The service must not block the
// calling thread (an I/O thread of the server) waiting for the simulation.
//
// Responses must be consistent with the session: one observation (reset)
// or one UserStep (step) per user, in the create response's user order, and
// env ids valid per is_valid_env_id and unique among open sessions. The
// HTTP layer answers a 500 internal_error when they are not.
//
// Errors a service typically returns: kUnknownUser or kInvalidValue (e.g.
// more users than it has, slate_size above the catalog size) from create;
// kUserInUse from create when a user is in another open session (a service
// whose users keep state across steps cannot share them);
// kUnknownSession when a session it owned is gone; kServiceUnavailable when
// shutting down or overloaded; kInternal for anything unexpected.
//
// Thread-safety: every member function may be called concurrently from
// several threads (for different sessions).

#include <functional>
#include <string>

#include "engine/data/dataset.hpp"
#include "engine/envserver/env_error.hpp"
#include "engine/envserver/env_protocol.hpp"

namespace lusifer::envserver {

// Closing a session has nothing to report beyond success.
struct CloseResponse {};

template <class Response>
using EnvCallback = std::function<void(EnvResult<Response>)>;

class EnvService {
 public:
  virtual ~EnvService() = default;

  // Opens a session and picks its users. The session is not reset yet.
  virtual void create(CreateRequest request, EnvCallback<CreateResponse> done) = 0;
  // Starts a new episode for every user of the session (an optional seed
  // makes it reproducible) and returns their first observations.
  virtual void reset(std::string env_id, ResetRequest request, EnvCallback<ResetResponse> done) = 0;
  // Shows each active user their slate, gathers their feedback (with the
  // step deadline), computes the rewards and returns the results.
  virtual void step(std::string env_id, StepRequest request, EnvCallback<StepResponse> done) = 0;
  // Ends the session and frees its users.
  virtual void close(std::string env_id, EnvCallback<CloseResponse> done) = 0;

  // The items that can be recommended. Immutable; must outlive the service's
  // users (the HTTP layer reads it concurrently, without locking).
  virtual const Catalog& catalog() const = 0;
};

}  // namespace lusifer::envserver

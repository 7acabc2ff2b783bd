#pragma once

// The errors of the environment server's protocol: what a client did wrong
// (or what went wrong on our side), as a closed set of kinds, each with its
// HTTP status and the `type` string clients match on.
//
// Every error reaches the client as
//   {"error":{"type":"invalid_action","message":"...","field":"actions[3][2]"}}
// where `field` is the JSON path of the offending value in the request
// ("users[2]", "actions[0]", "seed"; a query parameter's name for the
// catalog), or null when no single value is at fault.
//
// EnvResult<T> carries either a typed value or an EnvError; parsers and the
// service's completions return it. Plain values: thread-safe to copy.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lusifer::envserver {

enum class EnvErrorKind {
  // 400: the request itself is wrong.
  kInvalidJson,     // not JSON, empty where a body is required, or trailing bytes
  kUnknownField,    // a key (or query parameter) the endpoint does not define
  kDuplicateField,  // the same key twice in one object
  kMissingField,    // a required key is absent
  kWrongType,       // a value of the wrong JSON type (1.5 or "3" for an integer, ...)
  kInvalidValue,    // the right type but out of range or not one of the allowed values
  kUnknownUser,     // a user id the simulator does not have
  kUnknownItem,     // an item id not in the catalog
  kInvalidAction,   // actions of the wrong shape: count, slate size, repeats, null for an active
                    // user
  kTooManyUsers,    // more users than max_users_per_session
  // 404, 405: the URL.
  kNotFound,          // no such endpoint
  kUnknownSession,    // no open session with that id
  kMethodNotAllowed,  // the endpoint exists, with other methods
  // 409: the session's state.
  kSessionBusy,    // another request on the session is still being answered
  kResetRequired,  // a step before the first reset, or after every user is done
  kUserInUse,      // a user asked for is in another open session (a user's state is theirs alone)
  // 429: a bound.
  kTooManySessions,  // max_sessions sessions are open
  // 5xx: our side.
  kServiceUnavailable,  // the service is shutting down or overloaded (503)
  kInternal,            // a bug or an unexpected failure (500)
};

inline constexpr std::size_t kEnvErrorKindCount = 19;

// "invalid_json", "unknown_field", ... (the wire `type`).
std::string_view error_type_name(EnvErrorKind kind) noexcept;

// 400, 404, 405, 409, 429, 500 or 503.
int http_status_of(EnvErrorKind kind) noexcept;

struct EnvError {
  EnvErrorKind kind = EnvErrorKind::kInternal;
  std::string message;  // for people; says what was expected and what was found
  std::string field;    // JSON path of the offending value; empty: none

  EnvError() = default;
  EnvError(EnvErrorKind k, std::string m, std::string f = {})
      : kind(k), message(std::move(m)), field(std::move(f)) {}
};

// {"error":{"type":...,"message":...,"field":... or null}}
std::string render_error(const EnvError& error);

// A value or the error that prevented it.
template <class T>
class EnvResult {
 public:
  EnvResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  EnvResult(EnvError error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Undefined unless ok() (resp. !ok()); checked with std::get.
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const EnvError& error() const& { return std::get<1>(state_); }
  EnvError&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, EnvError> state_;
};

}  // namespace lusifer::envserver

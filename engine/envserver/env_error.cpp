#include "engine/envserver/env_error.hpp"

#include "engine/core/json_writer.hpp"

namespace lusifer::envserver {

std::string_view error_type_name(EnvErrorKind kind) noexcept {
  switch (kind) {
    case EnvErrorKind::kInvalidJson:
      return "invalid_json";
    case EnvErrorKind::kUnknownField:
      return "unknown_field";
    case EnvErrorKind::kDuplicateField:
      return "duplicate_field";
    case EnvErrorKind::kMissingField:
      return "missing_field";
    case EnvErrorKind::kWrongType:
      return "wrong_type";
    case EnvErrorKind::kInvalidValue:
      return "invalid_value";
    case EnvErrorKind::kUnknownUser:
      return "unknown_user";
    case EnvErrorKind::kUnknownItem:
      return "unknown_item";
    case EnvErrorKind::kInvalidAction:
      return "invalid_action";
    case EnvErrorKind::kTooManyUsers:
      return "too_many_users";
    case EnvErrorKind::kNotFound:
      return "not_found";
    case EnvErrorKind::kUnknownSession:
      return "unknown_session";
    case EnvErrorKind::kMethodNotAllowed:
      return "method_not_allowed";
    case EnvErrorKind::kSessionBusy:
      return "session_busy";
    case EnvErrorKind::kResetRequired:
      return "reset_required";
    case EnvErrorKind::kUserInUse:
      return "user_in_use";
    case EnvErrorKind::kTooManySessions:
      return "too_many_sessions";
    case EnvErrorKind::kServiceUnavailable:
      return "service_unavailable";
    case EnvErrorKind::kInternal:
      return "internal_error";
  }
  return "internal_error";
}

int http_status_of(EnvErrorKind kind) noexcept {
  switch (kind) {
    case EnvErrorKind::kInvalidJson:
    case EnvErrorKind::kUnknownField:
    case EnvErrorKind::kDuplicateField:
    case EnvErrorKind::kMissingField:
    case EnvErrorKind::kWrongType:
    case EnvErrorKind::kInvalidValue:
    case EnvErrorKind::kUnknownUser:
    case EnvErrorKind::kUnknownItem:
    case EnvErrorKind::kInvalidAction:
    case EnvErrorKind::kTooManyUsers:
      return 400;
    case EnvErrorKind::kNotFound:
    case EnvErrorKind::kUnknownSession:
      return 404;
    case EnvErrorKind::kMethodNotAllowed:
      return 405;
    case EnvErrorKind::kSessionBusy:
    case EnvErrorKind::kResetRequired:
    case EnvErrorKind::kUserInUse:
      return 409;
    case EnvErrorKind::kTooManySessions:
      return 429;
    case EnvErrorKind::kServiceUnavailable:
      return 503;
    case EnvErrorKind::kInternal:
      return 500;
  }
  return 500;
}

std::string render_error(const EnvError& error) {
  std::string out;
  out.reserve(error.message.size() + error.field.size() + 64);
  JsonWriter json(out);
  json.begin_object().key("error").begin_object();
  json.field("type", error_type_name(error.kind));
  json.field("message", error.message);
  json.key("field");
  if (error.field.empty()) {
    json.null();
  } else {
    json.value(error.field);
  }
  json.end_object().end_object();
  return out;
}

}  // namespace lusifer::envserver

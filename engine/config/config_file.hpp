#pragma once

// Strict TOML configuration. Every module declares and reads its own section
// through ConfigSection; whatever no module read is an error.
//
// Researchers edit these files by hand, so a mistake must never be silently
// ignored: an unknown key (a typo, a key of an older version), a value of the
// wrong type, a number out of range or a string outside an enum is a
// ConfigError naming the file, the line, the key's full dotted path, what was
// expected and what was found, for example
//   config/default.toml:12: expected an integer for world.users, found a string "many"
//   config/x.toml:7: expected one of the keys of [llm] (backend, base_url, model),
//     found unknown key llm.modle (did you mean llm.model?)
//
// How it works: each read marks its key as known, present or not. Once every
// module has read its section, ConfigFile::check_all_consumed() reports the
// first key (by line) that nobody asked for, at any depth: unknown top-level
// sections, nested keys and keys inside arrays of tables alike.
//
// Values:
//   bool; any integer type (range-checked against the type, or an explicit
//   range with get_int); double and float (integer literals accepted; NaN and
//   infinities rejected); std::string; std::filesystem::path (relative paths
//   resolved against the config file's directory, or against the working
//   directory for command-line overrides); std::chrono::duration types,
//   written as text with a unit ("250ms", "2s", "1m30s", see duration_text.hpp)
//   or as a plain number when the key's name ends in a unit (timeout_ms = 250;
//   units _ns _us _ms _s _sec _seconds _min _minutes _h _hours); std::vector of
//   strings, paths, integers or floating-point numbers; enums from a list of
//   allowed strings; nested tables (section) and arrays of tables (tables).
//   There is no implicit conversion: 5000.0 is not an integer, "true" is not a
//   boolean, and a duration without a unit is not a duration.
//
// Secrets never appear in config files: a key such as api_key, token or
// password (see looks_like_secret_key) is rejected when the file is parsed,
// whatever its value, without echoing the value. Name an environment variable
// instead with a *_env key and read it with env_secret(); the value is read
// from the environment only when EnvSecret::resolve() is called. There is no
// other environment-variable interpolation.
//
// Keys passed to the accessors are bare TOML keys, optionally joined by dots
// to reach into nested tables ("pricing.input"). Defaults are returned as
// given (a default path is not resolved against anything). Mistakes in the
// calling code rather than in the file (an empty key part, env_secret on a
// key not ending in _env) throw std::invalid_argument.
//
// Lifetime and threads: a ConfigSection shares the parsed document with its
// ConfigFile and stays valid on its own. Neither is thread-safe: read the
// configuration on one thread at start-up, then hand plain structs around.
//
// Example: a module declares its settings as a struct and reads its section.
//
//   enum class Backend { kMock, kOpenAi };
//   struct LlmSettings {
//     Backend backend = Backend::kMock;
//     std::string model;
//     std::int64_t max_concurrency = 8;
//     double temperature = 0.0;
//     std::chrono::milliseconds timeout{30'000};
//     std::optional<EnvSecret> api_key;
//     std::filesystem::path cache_dir;
//     double input_price = 0.0;
//   };
//
//   LlmSettings read_llm_settings(ConfigFile& file) {
//     ConfigSection llm = file.section("llm");
//     LlmSettings s;
//     s.backend = llm.get_enum("backend", Backend::kMock,
//                              {{"mock", Backend::kMock}, {"openai", Backend::kOpenAi}});
//     s.model = llm.require<std::string>("model");
//     s.max_concurrency = llm.get_int("max_concurrency", 8, 1, 1024);
//     s.temperature = llm.get_double("temperature", 0.0, 0.0, 2.0);
//     s.timeout = llm.get<std::chrono::milliseconds>("timeout", std::chrono::seconds(30));
//     s.api_key = llm.optional_env_secret("api_key_env");
//     s.cache_dir = llm.get<std::filesystem::path>("cache_dir", "cache");
//     ConfigSection pricing = llm.section("pricing");  // [llm.pricing], may be absent
//     s.input_price = pricing.get_double("input", 0.0, 0.0, 1e6);
//     if (s.backend != Backend::kOpenAi) llm.ignore("openai");  // [llm.openai] unused
//     return s;
//   }
//
//   // Arrays of tables: one section per [[data.item_text]].
//   for (ConfigSection text : file.section("data").tables("item_text")) {
//     sources.push_back({text.require<std::filesystem::path>("file"),
//                        text.get<std::string>("key_column", "")});
//   }
//
//   int main(...) {
//     ConfigFile file = ConfigFile::load("config/default.toml");
//     // config_override.hpp: --set llm.model="gpt-4o-mini"
//     apply_overrides(file, sets_from_command_line);
//     LlmSettings llm = read_llm_settings(file);
//     WorldSettings world = read_world_settings(file);
//     file.check_all_consumed();  // throws on the first key no module read
//   }

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <ratio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/config/config_error.hpp"
#include "engine/config/env_secret.hpp"

namespace lusifer {

namespace config_detail {

struct ConfigState;

template <class T>
inline constexpr bool kIsInteger =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
    !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
    !std::is_same_v<T, char32_t>;

template <class T>
struct IsDuration : std::false_type {};
template <class Rep, class Period>
struct IsDuration<std::chrono::duration<Rep, Period>> : std::true_type {};

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {
  using Element = T;
};

template <class>
inline constexpr bool kAlwaysFalse = false;

// The range of integer type T that a TOML integer (int64) can reach.
template <class T>
constexpr std::int64_t integer_min() {
  if constexpr (std::is_signed_v<T>) {
    return static_cast<std::int64_t>(std::numeric_limits<T>::min());
  } else {
    return 0;
  }
}
template <class T>
constexpr std::int64_t integer_max() {
  if constexpr (std::cmp_greater(std::numeric_limits<T>::max(),
                                 std::numeric_limits<std::int64_t>::max())) {
    return std::numeric_limits<std::int64_t>::max();
  } else {
    return static_cast<std::int64_t>(std::numeric_limits<T>::max());
  }
}

template <class Period>
constexpr std::string_view duration_unit_name() {
  if constexpr (std::is_same_v<Period, std::nano>)
    return "nanoseconds";
  if constexpr (std::is_same_v<Period, std::micro>)
    return "microseconds";
  if constexpr (std::is_same_v<Period, std::milli>)
    return "milliseconds";
  if constexpr (std::is_same_v<Period, std::ratio<1>>)
    return "seconds";
  if constexpr (std::is_same_v<Period, std::ratio<60>>)
    return "minutes";
  if constexpr (std::is_same_v<Period, std::ratio<3600>>)
    return "hours";
  return "units of this duration";
}

}  // namespace config_detail

template <class E>
struct EnumChoice {
  std::string_view name;
  E value;
};

class ConfigSection {
 public:
  // The dotted path of this table: "" for the top level, "llm.pricing",
  // "data.item_text[1]" for the second [[data.item_text]].
  const std::string& path() const;
  // True when this table exists in the file (or was created by an override).
  bool exists() const;
  // True when `key` is present. Does not mark the key as read.
  bool has(std::string_view key) const;

  // Typed reads (see the header comment for the supported types). All mark
  // the key as read and throw ConfigError when the value has the wrong type
  // or is out of the type's range.
  template <class T>
  std::optional<T> optional(std::string_view key) {
    return read<T>(key, Need::kOptional);
  }
  // Throws ConfigError when the key is missing.
  template <class T>
  T require(std::string_view key) {
    return *read<T>(key, Need::kRequired);
  }
  // `fallback` when the key is missing. T is always named, so that a default
  // of 1 cannot silently make a double setting an integer one.
  template <class T>
  T get(std::string_view key, const std::type_identity_t<T>& fallback) {
    auto value = read<T>(key, Need::kOptional);
    return value ? std::move(*value) : fallback;
  }

  // Integers and floating-point numbers within [min, max].
  std::optional<std::int64_t> optional_int(std::string_view key, std::int64_t min,
                                           std::int64_t max);
  std::int64_t require_int(std::string_view key, std::int64_t min, std::int64_t max);
  std::int64_t get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
  std::optional<double> optional_double(std::string_view key, double min, double max);
  double require_double(std::string_view key, double min, double max);
  double get_double(std::string_view key, double fallback, double min, double max);

  // A string from a fixed list; the error lists the allowed values.
  template <class E>
  std::optional<E> optional_enum(std::string_view key,
                                 std::initializer_list<EnumChoice<E>> choices) {
    return read_enum(key, Need::kOptional, choices);
  }
  template <class E>
  E require_enum(std::string_view key, std::initializer_list<EnumChoice<E>> choices) {
    return *read_enum(key, Need::kRequired, choices);
  }
  template <class E>
  E get_enum(std::string_view key, E fallback, std::initializer_list<EnumChoice<E>> choices) {
    auto value = read_enum(key, Need::kOptional, choices);
    return value ? *value : fallback;
  }
  // The same, for settings kept as strings.
  std::string get_choice(std::string_view key, std::string_view fallback,
                         std::initializer_list<std::string_view> allowed);
  std::string require_choice(std::string_view key, std::initializer_list<std::string_view> allowed);

  // The nested table `key` ("pricing", or "pricing.tiers"). An absent table
  // gives a section that does not exist(), whose reads all see missing keys,
  // so defaults apply. A value that is not a table is an error.
  ConfigSection section(std::string_view key);
  // The tables of the array of tables `key` ([[data.item_text]]), in file
  // order; empty when absent.
  std::vector<ConfigSection> tables(std::string_view key);

  // The environment variable named by `key`, which must end in "_env"
  // (std::invalid_argument otherwise: that is a programming error). The value
  // must be a valid variable name; it is not read from the environment here.
  EnvSecret env_secret(std::string_view key);
  std::optional<EnvSecret> optional_env_secret(std::string_view key);

  // Declares `key` known without reading it, with everything under it (for
  // example the settings of a backend that is not selected).
  void ignore(std::string_view key);

  // Throws ConfigError for the first key (by line) under this section that
  // was not read. Modules may call it on their own section; the program calls
  // ConfigFile::check_all_consumed() after every module has read.
  void check_all_consumed() const;

  // An error about `key` for checks beyond one value's type (a budget without
  // a price, an endpoint without a model): at the key's line when the key is
  // present, else at this table's. The key counts as read.
  ConfigError invalid(std::string_view key, std::string_view expected, std::string_view found);

 private:
  friend class ConfigFile;
  enum class Need { kOptional, kRequired };

  ConfigSection(std::shared_ptr<config_detail::ConfigState> state, std::size_t record);

  std::optional<bool> read_bool(std::string_view key, Need need);
  std::optional<std::int64_t> read_int(std::string_view key, Need need, std::int64_t min,
                                       std::int64_t max);
  std::optional<double> read_double(std::string_view key, Need need, double min, double max);
  std::optional<std::string> read_string(std::string_view key, Need need);
  std::optional<std::filesystem::path> read_path(std::string_view key, Need need);
  // `granularity`: the duration type's tick, values must be whole multiples
  // of it; zero for floating-point durations.
  std::optional<std::chrono::nanoseconds> read_duration(std::string_view key, Need need,
                                                        std::chrono::nanoseconds granularity,
                                                        std::string_view unit_name);
  std::optional<std::vector<std::string>> read_string_list(std::string_view key, Need need);
  std::optional<std::vector<std::filesystem::path>> read_path_list(std::string_view key, Need need);
  std::optional<std::vector<std::int64_t>> read_int_list(std::string_view key, Need need,
                                                         std::int64_t min, std::int64_t max);
  std::optional<std::vector<double>> read_double_list(std::string_view key, Need need, double min,
                                                      double max);
  // The index of the value in `names`.
  std::optional<std::size_t> read_choice(std::string_view key, Need need,
                                         std::span<const std::string_view> names);

  template <class E>
  std::optional<E> read_enum(std::string_view key, Need need,
                             std::initializer_list<EnumChoice<E>> choices) {
    std::vector<std::string_view> names;
    names.reserve(choices.size());
    for (const auto& choice : choices)
      names.push_back(choice.name);
    const auto index = read_choice(key, need, names);
    if (!index)
      return std::nullopt;
    return (choices.begin() + *index)->value;
  }

  template <class T>
  std::optional<T> read(std::string_view key, Need need);

  std::shared_ptr<config_detail::ConfigState> state_;
  std::size_t record_;
};

class ConfigFile {
 public:
  // Reads and parses `path`. Errors (unreadable file, TOML syntax, literal
  // secrets) are ConfigErrors; messages name the file as `path` spells it.
  static ConfigFile load(const std::filesystem::path& path);
  // Parses `text` as if read from a file named `name` (relative paths in it
  // resolve against the directory part of `name`).
  static ConfigFile parse(std::string_view text, std::string name);

  ConfigFile(ConfigFile&&) noexcept;
  ConfigFile& operator=(ConfigFile&&) noexcept;
  ~ConfigFile();

  const std::string& name() const;
  // Absolute; relative paths in the file are resolved against it.
  const std::filesystem::path& directory() const;

  // The top level. Taking a section ends the time for overrides.
  ConfigSection root();
  ConfigSection section(std::string_view key) { return root().section(key); }

  // Throws the first of unknown_keys().
  void check_all_consumed() const;
  // Every key no module read, at any depth: those from command-line
  // overrides first, then the file's in line order.
  std::vector<ConfigError> unknown_keys() const;

  // The configuration as it stands after overrides, as TOML, to be stored
  // with a run's results.
  std::string to_toml() const;

 private:
  friend void apply_override(ConfigFile& file, std::string_view assignment);
  explicit ConfigFile(std::shared_ptr<config_detail::ConfigState> state);

  std::shared_ptr<config_detail::ConfigState> state_;
};

template <class T>
std::optional<T> ConfigSection::read(std::string_view key, Need need) {
  using config_detail::integer_max;
  using config_detail::integer_min;
  if constexpr (std::is_same_v<T, bool>) {
    return read_bool(key, need);
  } else if constexpr (config_detail::kIsInteger<T>) {
    const auto value = read_int(key, need, integer_min<T>(), integer_max<T>());
    if (!value)
      return std::nullopt;
    return static_cast<T>(*value);
  } else if constexpr (std::is_floating_point_v<T>) {
    const auto value = read_double(key, need, static_cast<double>(std::numeric_limits<T>::lowest()),
                                   static_cast<double>(std::numeric_limits<T>::max()));
    if (!value)
      return std::nullopt;
    return static_cast<T>(*value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return read_string(key, need);
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    return read_path(key, need);
  } else if constexpr (config_detail::IsDuration<T>::value) {
    using Rep = typename T::rep;
    static_assert(std::is_floating_point_v<Rep> || sizeof(Rep) >= sizeof(std::int64_t),
                  "durations are read into 64-bit or floating-point representations");
    std::chrono::nanoseconds granularity{0};
    if constexpr (!std::is_floating_point_v<Rep>) {
      granularity = std::chrono::duration_cast<std::chrono::nanoseconds>(T{1});
    }
    const auto value = read_duration(key, need, granularity,
                                     config_detail::duration_unit_name<typename T::period>());
    if (!value)
      return std::nullopt;
    return std::chrono::duration_cast<T>(*value);
  } else if constexpr (config_detail::IsVector<T>::value) {
    using Element = typename config_detail::IsVector<T>::Element;
    if constexpr (std::is_same_v<Element, std::string>) {
      return read_string_list(key, need);
    } else if constexpr (std::is_same_v<Element, std::filesystem::path>) {
      return read_path_list(key, need);
    } else if constexpr (config_detail::kIsInteger<Element>) {
      auto values = read_int_list(key, need, integer_min<Element>(), integer_max<Element>());
      if (!values)
        return std::nullopt;
      return T(values->begin(), values->end());
    } else if constexpr (std::is_floating_point_v<Element>) {
      auto values =
          read_double_list(key, need, static_cast<double>(std::numeric_limits<Element>::lowest()),
                           static_cast<double>(std::numeric_limits<Element>::max()));
      if (!values)
        return std::nullopt;
      return T(values->begin(), values->end());
    } else {
      static_assert(config_detail::kAlwaysFalse<T>, "unsupported element type for a config list");
    }
  } else {
    static_assert(config_detail::kAlwaysFalse<T>, "unsupported config value type");
  }
}

}  // namespace lusifer

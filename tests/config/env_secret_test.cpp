#include "engine/config/env_secret.hpp"

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "engine/config/config_file.hpp"
#include "engine/core/logging.hpp"
#include "tests/config/config_error_capture.hpp"

using namespace lusifer;
using lusifer::testing::config_error_from;

TEST_CASE("secret key names are recognised, tokenizer settings are not", "[config]") {
  for (const char* name : {"api_key", "API_KEY", "openai_api_key", "apikey", "token", "secret",
                           "client_secret", "password", "db_password", "access_token",
                           "hf_auth_token", "private_key", "authorization"}) {
    INFO(name);
    CHECK(looks_like_secret_key(name));
  }
  for (const char* name : {"api_key_env", "token_env", "max_tokens", "pad_token", "eos_token",
                           "tokens", "secretary", "sort_key", "key", "model"}) {
    INFO(name);
    CHECK_FALSE(looks_like_secret_key(name));
  }
}

TEST_CASE("environment variable names are checked", "[config]") {
  CHECK(is_environment_variable_name("OPENAI_API_KEY"));
  CHECK(is_environment_variable_name("_x1"));
  CHECK_FALSE(is_environment_variable_name(""));
  CHECK_FALSE(is_environment_variable_name("1ABC"));
  CHECK_FALSE(is_environment_variable_name("sk-abc123"));
  CHECK_FALSE(is_environment_variable_name("A B"));
}

TEST_CASE("an _env key resolves from the environment and is redacted from logs", "[config]") {
  const std::string secret = "sk-config-test-4f1b2c3d4e5f6a7b";
  ::setenv("LUSIFER_CONFIG_TEST_SET_KEY", secret.c_str(), 1);
  ConfigFile file = ConfigFile::parse(
      "[llm]\nmodel = \"m\"\napi_key_env = \"LUSIFER_CONFIG_TEST_SET_KEY\"\n", "config/llm.toml");
  ConfigSection llm = file.section("llm");
  const EnvSecret key = llm.env_secret("api_key_env");
  CHECK(key.variable() == "LUSIFER_CONFIG_TEST_SET_KEY");
  CHECK(key.key() == "llm.api_key_env");
  CHECK(key.resolve() == secret);
  CHECK(redact_secrets("Bearer " + secret) == "Bearer [REDACTED]");
  ::unsetenv("LUSIFER_CONFIG_TEST_SET_KEY");
}

TEST_CASE("an unset or empty variable fails when the secret is used", "[config]") {
  ::unsetenv("LUSIFER_CONFIG_TEST_UNSET_KEY");
  ConfigFile file = ConfigFile::parse("[llm]\n\napi_key_env = \"LUSIFER_CONFIG_TEST_UNSET_KEY\"\n",
                                      "config/llm.toml");
  // Reading the config does not need the variable; using the secret does.
  const EnvSecret key = file.section("llm").env_secret("api_key_env");
  const ConfigError unset = config_error_from([&] { (void)key.resolve(); });
  CHECK(std::string(unset.what()) ==
        "config/llm.toml:3: expected the environment variable LUSIFER_CONFIG_TEST_UNSET_KEY "
        "(named by llm.api_key_env) to hold the secret, found it unset");
  CHECK(unset.line() == 3);
  CHECK(unset.key() == "llm.api_key_env");

  ::setenv("LUSIFER_CONFIG_TEST_UNSET_KEY", "", 1);
  const ConfigError empty = config_error_from([&] { (void)key.resolve(); });
  CHECK(empty.found() == "it empty");
  ::unsetenv("LUSIFER_CONFIG_TEST_UNSET_KEY");
}

TEST_CASE("an _env key must hold a variable name, which is never echoed", "[config]") {
  ConfigFile file =
      ConfigFile::parse("[llm]\napi_key_env = \"sk-live-0123456789abcdef\"\n", "config/llm.toml");
  ConfigSection llm = file.section("llm");
  const ConfigError e = config_error_from([&] { (void)llm.env_secret("api_key_env"); });
  CHECK(std::string(e.what()) ==
        "config/llm.toml:2: expected the name of an environment variable (like "
        "\"OPENAI_API_KEY\") for llm.api_key_env, found a string that is not one (not shown, in "
        "case it is a secret)");
  CHECK(std::string(e.what()).find("sk-live") == std::string::npos);
}

TEST_CASE("a missing _env key is an error only when required", "[config]") {
  ConfigFile file = ConfigFile::parse("[llm]\nmodel = \"m\"\n", "config/llm.toml");
  ConfigSection llm = file.section("llm");
  CHECK_FALSE(llm.optional_env_secret("api_key_env").has_value());
  const ConfigError e = config_error_from([&] { (void)llm.env_secret("api_key_env"); });
  CHECK(std::string(e.what()) ==
        "config/llm.toml:1: expected the name of an environment variable (like "
        "\"OPENAI_API_KEY\") for llm.api_key_env, found no value (the key is missing)");
  CHECK_THROWS_AS(llm.env_secret("api_key"), std::invalid_argument);
}

TEST_CASE("literal secrets in a config file are rejected without echoing them", "[config]") {
  const ConfigError e = config_error_from([] {
    (void)ConfigFile::parse("[llm]\nmodel = \"m\"\napi_key = \"sk-live-0123456789abcdef\"\n",
                            "config/x.toml");
  });
  CHECK(std::string(e.what()) ==
        "config/x.toml:3: expected the secret in an environment variable, named by "
        "api_key_env = \"LLM_API_KEY\" in [llm], found a literal secret in llm.api_key (config "
        "files must never hold secrets)");
  CHECK(e.line() == 3);
  CHECK(e.key() == "llm.api_key");
  CHECK(std::string(e.what()).find("sk-live") == std::string::npos);

  // Anywhere: top level, nested tables, arrays of tables, inline tables.
  const ConfigError top =
      config_error_from([] { (void)ConfigFile::parse("token = 'abc'\n", "t.toml"); });
  CHECK(top.key() == "token");
  CHECK(top.line() == 1);
  const ConfigError nested = config_error_from([] {
    (void)ConfigFile::parse(
        "[[sinks]]\nname = 'a'\n[[sinks]]\nname = 'b'\nauth = {password = 'p'}\n", "t.toml");
  });
  CHECK(nested.key() == "sinks[1].auth.password");
  CHECK(nested.line() == 5);
}

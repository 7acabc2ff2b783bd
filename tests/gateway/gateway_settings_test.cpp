#include <catch2/catch.hpp>

#include <cstdlib>

#include "engine/gateway/gateway_settings.hpp"

using namespace lusifer;

TEST_CASE("the default is the offline model, which calls no endpoint", "[settings]") {
  auto file = ConfigFile::parse("", "empty.toml");
  const auto s = read_gateway_settings(file);
  CHECK_FALSE(s.uses_llm);
  CHECK(describe_backend(s) == "offline model (not an LLM)");
  file.check_all_consumed();
}

TEST_CASE("an OpenAI endpoint needs a model and an API key variable", "[settings]") {
  auto file = ConfigFile::parse("[llm]\nbackend = \"openai\"\nmodel = \"gpt-4o-mini\"\n", "o.toml");
  CHECK_THROWS_WITH(read_gateway_settings(file),
                    Catch::Contains("o.toml:1:") && Catch::Contains("for llm.api_key_env"));
  auto good = ConfigFile::parse(
      "[llm]\nbackend = \"openai\"\nmodel = \"gpt-4o-mini\"\napi_key_env = \"OPENAI_API_KEY\"\n"
      "[llm.limits]\nrequests_per_minute = 500\ntokens_per_minute = 200000\n"
      "[llm.prices]\nbudget_usd = 2.5\n[[llm.prices.model]]\nname = \"gpt-4o-mini\"\n"
      "prompt = 0.15\ncached_prompt = 0.075\ncompletion = 0.6\n",
      "good.toml");
  const auto s = read_gateway_settings(good);
  good.check_all_consumed();
  CHECK(s.uses_llm);
  CHECK(s.profile.kind == llm::BackendKind::kOpenAI);
  CHECK(s.rate.requests_per_minute == 500);
  CHECK(s.budget_usd == 2.5);
  CHECK(s.prices.contains("gpt-4o-mini"));
  REQUIRE(s.api_key.has_value());
  CHECK(s.api_key->variable() == "OPENAI_API_KEY");
}

TEST_CASE("an unknown backend is named with the choices", "[settings]") {
  auto file = ConfigFile::parse("[llm]\nbackend = \"gpt\"\nmodel = \"x\"\n", "b.toml");
  CHECK_THROWS_WITH(read_gateway_settings(file),
                    Catch::Contains("b.toml:2: expected one of offline") &&
                        Catch::Contains("ollama") && Catch::Contains("for llm.backend"));
}

TEST_CASE("a budget without a price for the model is refused", "[settings]") {
  auto file = ConfigFile::parse(
      "[llm]\nbackend = \"vllm\"\nmodel = \"qwen\"\n[llm.prices]\nbudget_usd = 1.0\n", "p.toml");
  CHECK_THROWS_WITH(read_gateway_settings(file),
                    Catch::Contains("p.toml:5:") && Catch::Contains("a price for the model \"qwen\""));
}

TEST_CASE("a literal API key in the file is refused", "[settings]") {
  CHECK_THROWS_WITH(ConfigFile::parse("[llm]\napi_key = \"sk-abc\"\n", "k.toml"),
                    Catch::Contains("api_key_env"));
}

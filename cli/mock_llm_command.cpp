// lusifer mock-llm: a faithful mock OpenAI-compatible LLM server
// (engine/mock/mock_llm_server.hpp, docs/mock-llm.md). Serves until SIGINT
// or SIGTERM, then prints what it saw.

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "cli/commands.hpp"
#include "engine/config/config_file.hpp"
#include "engine/config/duration_text.hpp"
#include "engine/core/input_error.hpp"
#include "engine/data/data_settings.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/data/dataset_source.hpp"
#include "engine/data/split.hpp"
#include "engine/data/synthetic_world.hpp"
#include "engine/mock/mock_llm_server.hpp"
#include "engine/mock/offline_task_answerer.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "engine/sim/prompt_settings.hpp"
#include "engine/sim/prompt_templates.hpp"

namespace lusifer::cli {
namespace {

using mock::MockLlmOptions;

// What the command line says, as typed (durations and choices still text).
struct Flags {
  std::string config;
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8000;
  std::size_t threads = 2;
  std::string token_env;
  std::vector<std::string> models;
  bool reject_unknown_models = false;
  std::string personality = "openai";
  bool allow_n = false;
  std::string max_tokens_fields = "both";
  std::int64_t context_window = 128'000;
  std::int64_t default_max_tokens = 4096;
  std::uint64_t seed = 0;
  std::string latency = "none";
  std::string latency_fixed, latency_min, latency_max, latency_mean, latency_sd;
  std::string latency_per_token, latency_cap;
  std::int64_t rpm = 0;
  std::int64_t tpm = 0;
  double fault_all = 0.0;
  std::vector<std::string> faults;  // kind=rate
  std::string fault_retry_after;
  std::int64_t cache_min_tokens = 1024;
  std::string max_hang;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_connections = 4096;
  std::string answers = "filler";
  std::string dataset;
  std::string prompts;
  std::size_t holdout_k = 10;
};

std::chrono::nanoseconds duration_flag(const std::string& flag, const std::string& text) {
  const auto d = parse_duration(text);
  if (!d)
    throw CLI::ValidationError(flag, fmt::format("expected a duration such as 250ms, 2s or 1m30s, "
                                                 "found '{}'",
                                                 text));
  return *d;
}

// The options: defaults, then the [mock] section of --config, then every
// flag the user typed.
MockLlmOptions build_options(const Flags& f, const CLI::App& cmd, std::optional<ConfigFile>& file) {
  MockLlmOptions o;
  o.port = 8000;
  if (!f.config.empty()) {
    file.emplace(ConfigFile::load(f.config));
    ConfigSection section = file->section("mock");
    o = mock::read_mock_options(section, o);
  }
  const auto typed = [&](const char* flag) { return cmd.count(flag) > 0; };
  if (typed("--bind"))
    o.bind_address = f.bind;
  if (typed("--port"))
    o.port = f.port;
  if (typed("--threads"))
    o.io_threads = f.threads;
  if (typed("--token-env")) {
    const char* value = std::getenv(f.token_env.c_str());
    if (!value || !*value)
      throw CLI::ValidationError(
          "--token-env", fmt::format("the environment variable {} is unset or empty", f.token_env));
    o.bearer_token = value;
  }
  if (typed("--model"))
    o.models = f.models;
  if (typed("--reject-unknown-models"))
    o.reject_unknown_models = f.reject_unknown_models;
  if (typed("--personality")) {
    const auto p = mock::parse_personality(f.personality);
    if (!p)
      throw CLI::ValidationError("--personality", "expected openai, vllm or llama.cpp");
    o.personality = *p;
  }
  if (typed("--allow-n"))
    o.allow_n = f.allow_n;
  if (typed("--max-tokens-fields")) {
    if (f.max_tokens_fields == "both") {
      o.max_tokens_fields = mock::MaxTokensFields::kBoth;
    } else if (f.max_tokens_fields == "max_completion_tokens") {
      o.max_tokens_fields = mock::MaxTokensFields::kMaxCompletionTokens;
    } else if (f.max_tokens_fields == "max_tokens") {
      o.max_tokens_fields = mock::MaxTokensFields::kMaxTokens;
    } else {
      throw CLI::ValidationError("--max-tokens-fields",
                                 "expected both, max_completion_tokens or max_tokens");
    }
  }
  if (typed("--context-window"))
    o.context_window = f.context_window;
  if (typed("--default-max-tokens"))
    o.default_max_tokens = f.default_max_tokens;
  if (typed("--seed"))
    o.seed = f.seed;
  if (typed("--latency")) {
    const auto d = mock::parse_latency_distribution(f.latency);
    if (!d)
      throw CLI::ValidationError("--latency",
                                 "expected none, fixed, uniform, exponential or lognormal");
    o.latency.distribution = *d;
  }
  const std::pair<const char*, std::chrono::nanoseconds mock::LatencyOptions::*> latency_flags[] = {
      {"--latency-fixed", &mock::LatencyOptions::fixed},
      {"--latency-min", &mock::LatencyOptions::min},
      {"--latency-max", &mock::LatencyOptions::max},
      {"--latency-mean", &mock::LatencyOptions::mean},
      {"--latency-sd", &mock::LatencyOptions::sd},
      {"--latency-per-token", &mock::LatencyOptions::per_output_token},
      {"--latency-cap", &mock::LatencyOptions::cap}};
  const std::string* latency_texts[] = {&f.latency_fixed, &f.latency_min, &f.latency_max,
                                        &f.latency_mean,  &f.latency_sd,  &f.latency_per_token,
                                        &f.latency_cap};
  for (std::size_t i = 0; i < std::size(latency_flags); ++i) {
    if (typed(latency_flags[i].first))
      o.latency.*(latency_flags[i].second) =
          duration_flag(latency_flags[i].first, *latency_texts[i]);
  }
  // A fixed latency given alone implies the fixed distribution.
  if (typed("--latency-fixed") && !typed("--latency") &&
      o.latency.distribution == mock::LatencyDistribution::kNone)
    o.latency.distribution = mock::LatencyDistribution::kFixed;
  if (typed("--rpm"))
    o.limits.requests_per_minute = f.rpm;
  if (typed("--tpm"))
    o.limits.tokens_per_minute = f.tpm;
  if (typed("--fault-all"))
    o.faults.all = f.fault_all;
  for (const auto& entry : f.faults) {
    const auto eq = entry.find('=');
    const auto kind = mock::parse_fault_kind(entry.substr(0, eq));
    if (eq == std::string::npos || !kind || *kind == mock::FaultKind::kNone)
      throw CLI::ValidationError("--fault", fmt::format("expected KIND=RATE with a fault kind "
                                                        "(docs/mock-llm.md), found '{}'",
                                                        entry));
    try {
      o.faults[*kind] = std::stod(entry.substr(eq + 1));
    } catch (const std::exception&) {
      throw CLI::ValidationError("--fault", fmt::format("'{}' has no numeric rate", entry));
    }
  }
  if (typed("--fault-retry-after"))
    o.fault_retry_after = duration_flag("--fault-retry-after", f.fault_retry_after);
  if (typed("--prefix-cache-min-tokens"))
    o.prefix_cache.min_tokens = f.cache_min_tokens;
  if (typed("--max-hang"))
    o.max_hang = std::chrono::duration_cast<std::chrono::milliseconds>(
        duration_flag("--max-hang", f.max_hang));
  if (typed("--max-body-bytes"))
    o.max_request_body_bytes = f.max_body_bytes;
  if (typed("--max-connections"))
    o.max_connections = f.max_connections;
  if (auto problem = mock::check_mock_options(o))
    throw CLI::ValidationError("mock-llm", *problem);
  return o;
}

// The offline model and what it needs, kept alive while the server runs.
struct OfflineAnswers {
  Dataset dataset;
  std::unique_ptr<OfflineUserModel> model;
  std::unique_ptr<PromptTemplates> templates;
};

Split split_for(const Dataset& dataset, const SplitSettings& s,
                const std::filesystem::path& directory) {
  switch (s.method) {
    case SplitMethod::kOfficial: {
      InputDiagnostics strict;
      return load_official_split(dataset, directory, s.official_name, strict);
    }
    case SplitMethod::kHoldout:
      return holdout_last_k(dataset, s.holdout_k);
    case SplitMethod::kKFold:
      return random_k_fold(dataset, s.folds, s.seed).at(s.fold - 1);
  }
  return holdout_last_k(dataset, s.holdout_k);
}

std::unique_ptr<OfflineAnswers> load_offline_answers(const Flags& f,
                                                     std::optional<ConfigFile>& file) {
  auto answers = std::make_unique<OfflineAnswers>();
  DatasetSource source;
  SplitSettings split;
  std::filesystem::path prompts;
  if (!f.dataset.empty()) {
    source.directory = f.dataset;
    split.method = SplitMethod::kHoldout;
    split.holdout_k = f.holdout_k;
  } else if (file) {
    const DataSettings data = read_data_settings(*file);
    file->section("data").check_all_consumed();
    file->section("world").check_all_consumed();
    source = data.source;
    split = data.split;
    if (data.synthetic && !std::filesystem::exists(source.directory / "ratings.csv")) {
      spdlog::info("generating the synthetic world in {}", source.directory.string());
      generate_synthetic_world(data.world, source.directory, false);
    }
  } else {
    throw CLI::ValidationError("--answers",
                               "offline answers need a dataset: --dataset DIR, or --config with "
                               "a [data] section");
  }
  if (!f.prompts.empty()) {
    prompts = f.prompts;
  } else if (file) {
    prompts = read_prompt_settings(*file).directory;
    file->section("prompts").check_all_consumed();
  } else {
    throw CLI::ValidationError("--prompts",
                               "offline answers need the prompt templates the client uses");
  }
  LoadedDataset loaded = load_dataset_source(source);
  answers->dataset = std::move(loaded.dataset);
  const Split chosen = split_for(answers->dataset, split, source.directory);
  answers->model = std::make_unique<OfflineUserModel>(answers->dataset, chosen.train);
  answers->templates = std::make_unique<PromptTemplates>(PromptTemplates::load(prompts));
  spdlog::info("offline answers from {} ({} users, {} items, {} training ratings), prompts in {}",
               answers->dataset.source(), answers->dataset.user_count(),
               answers->dataset.catalog().size(), chosen.train.size(), prompts.string());
  return answers;
}

// Many concurrent clients need many descriptors: take what the hard limit allows.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void print_summary(const mock::MockCounters& c) {
  std::cout << fmt::format(
      "served {} requests ({} chat: {} succeeded, {} invalid, {} unauthorized, {} not found, {} "
      "rate-limited, {} faults); {} prompt, {} completion, {} cached tokens\n",
      c.http_requests, c.chat_requests, c.outcome(mock::ChatOutcome::kSuccess),
      c.outcome(mock::ChatOutcome::kInvalidRequest), c.outcome(mock::ChatOutcome::kUnauthorized),
      c.outcome(mock::ChatOutcome::kNotFound), c.outcome(mock::ChatOutcome::kRateLimited),
      c.outcome(mock::ChatOutcome::kFault), c.prompt_tokens, c.completion_tokens, c.cached_tokens);
}

void run(const Flags& f, const CLI::App& cmd) {
  std::optional<ConfigFile> file;
  MockLlmOptions options = build_options(f, cmd, file);
  std::string answers = f.answers;
  if (file) {
    ConfigSection section = file->section("mock");
    if (cmd.count("--answers") == 0)
      answers = section.get_choice("answers", "filler", {"filler", "offline"});
    else
      section.ignore("answers");
    section.check_all_consumed();
  }
  if (answers != "filler" && answers != "offline")
    throw CLI::ValidationError("--answers", "expected filler or offline");
  std::unique_ptr<OfflineAnswers> offline;
  if (answers == "offline") {
    offline = load_offline_answers(f, file);
    options.answerer =
        std::make_shared<mock::OfflineTaskAnswerer>(*offline->model, *offline->templates);
  }

  raise_open_file_limit();
  // SIGINT and SIGTERM are taken by sigwait below; block them before the
  // server's threads start, so that they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  mock::MockLlmServer server(std::move(options));
  server.start();
  std::cout << "listening on " << server.api_base_url() << std::endl;
  spdlog::info("mock LLM server ({}, models {}) on {}; metrics at {}/metrics",
               mock::personality_name(server.options().personality),
               fmt::join(server.options().models, ", "), server.base_url(), server.base_url());
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, stopping", received == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop();
  print_summary(server.counters());
}

}  // namespace

void register_mock_llm_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mock-llm",
      "serve a mock OpenAI-compatible LLM with realistic errors, limits, latency and faults");
  auto f = std::make_shared<Flags>();
  cmd->add_option("--config", f->config,
                  "read the [mock] section of this TOML file (and [data], [world], [prompts] for "
                  "offline answers); flags given on the command line override it");
  cmd->add_option("--bind", f->bind, "address to listen on")->capture_default_str();
  cmd->add_option("--port", f->port, "port (0: any free port)")->capture_default_str();
  cmd->add_option("--threads", f->threads, "I/O threads")->capture_default_str();
  cmd->add_option("--token-env", f->token_env,
                  "environment variable holding the bearer token clients must send (required "
                  "when not bound to loopback)");
  cmd->add_option("--model", f->models, "a model name to serve (repeatable; first is the default)");
  cmd->add_flag("--reject-unknown-models", f->reject_unknown_models,
                "answer 404 model_not_found for models not given with --model");
  cmd->add_option("--personality", f->personality,
                  "server to imitate: openai, vllm or llama.cpp (error shapes, body extras)")
      ->capture_default_str();
  cmd->add_flag("--allow-n", f->allow_n, "accept n > 1 (several choices)");
  cmd->add_option("--max-tokens-fields", f->max_tokens_fields,
                  "both, max_completion_tokens (refuse max_tokens) or max_tokens")
      ->capture_default_str();
  cmd->add_option("--context-window", f->context_window,
                  "prompt + max tokens allowed (0: unlimited)")
      ->capture_default_str();
  cmd->add_option("--default-max-tokens", f->default_max_tokens,
                  "max tokens assumed when a request sets none")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "seed of faults, latencies and answers")
      ->capture_default_str();
  cmd->add_option("--latency", f->latency, "none, fixed, uniform, exponential or lognormal")
      ->capture_default_str();
  cmd->add_option("--latency-fixed", f->latency_fixed, "fixed latency (implies --latency fixed)");
  cmd->add_option("--latency-min", f->latency_min, "uniform/exponential: lower bound");
  cmd->add_option("--latency-max", f->latency_max, "uniform: upper bound");
  cmd->add_option("--latency-mean", f->latency_mean, "exponential/lognormal: mean");
  cmd->add_option("--latency-sd", f->latency_sd, "lognormal: standard deviation");
  cmd->add_option("--latency-per-token", f->latency_per_token, "added per completion token");
  cmd->add_option("--latency-cap", f->latency_cap, "upper bound of any latency (default 10m)");
  cmd->add_option("--rpm", f->rpm, "requests per minute (0: unlimited)")->capture_default_str();
  cmd->add_option("--tpm", f->tpm, "tokens per minute (0: unlimited)")->capture_default_str();
  cmd->add_option("--fault-all", f->fault_all,
                  "total fault rate spread evenly over every fault kind")
      ->capture_default_str();
  cmd->add_option("--fault", f->faults,
                  "KIND=RATE, e.g. server_error=0.05 (repeatable; kinds in docs/mock-llm.md)");
  cmd->add_option("--fault-retry-after", f->fault_retry_after,
                  "the wait rate_limit faults ask for (default 1s)");
  cmd->add_option("--prefix-cache-min-tokens", f->cache_min_tokens,
                  "shortest prompt the simulated prompt cache serves (0: off)")
      ->capture_default_str();
  cmd->add_option("--max-hang", f->max_hang, "longest hang fault (default 60s)");
  cmd->add_option("--max-body-bytes", f->max_body_bytes, "largest request body (413 beyond)")
      ->capture_default_str();
  cmd->add_option("--max-connections", f->max_connections, "open connections at most")
      ->capture_default_str();
  cmd->add_option("--answers", f->answers,
                  "filler (seeded schema instances) or offline (lusifer's tasks answered by the "
                  "offline model)")
      ->capture_default_str();
  cmd->add_option("--dataset", f->dataset, "offline answers: the dataset directory");
  cmd->add_option("--prompts", f->prompts,
                  "offline answers: the prompt template directory the client uses");
  cmd->add_option("--holdout-k", f->holdout_k,
                  "offline answers with --dataset: each user's last k ratings are held out of "
                  "training")
      ->capture_default_str();
  cmd->callback([f, cmd] { run(*f, *cmd); });
}

}  // namespace lusifer::cli

#pragma once

// A test double of EnvService: tiny, deterministic, and scriptable, for
// testing the HTTP layer's routing, status codes, bounds and concurrency.
// It is not a simulation (the real service lives in actors/).
//
// The world: users 1..50; the catalog holds items 10, 20, ..., 200 (genres
// alternate "Drama" and "Comedy"). User u rates item i with
// 1 + (u + i / 10) % 5, and the reward of a slate is the sum of its ratings.
// Defaults: horizon 3, slate size 2, seed 7. With leaving on, users with even
// ids leave after their first step. Env ids are "env-1", "env-2", ...
//
// Answers come inline (inside the call) or from worker threads; steps can be
// parked until the test releases them; faults can be scripted for the next
// call. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/envserver/env_service.hpp"

namespace lusifer::testing {

class FakeEnvService final : public envserver::EnvService {
 public:
  enum class Fault {
    kNone,
    kDrop,          // destroy the callback without calling it
    kThrow,         // throw from the call
    kWrongCount,    // answer with one user too few
    kTwice,         // answer twice
    kUnavailable,   // answer kServiceUnavailable
    kForgetSession  // answer kUnknownSession (as if the session vanished)
  };

  // workers == 0: answer inline; otherwise from that many threads.
  explicit FakeEnvService(std::size_t workers = 0);
  ~FakeEnvService() override;

  void create(envserver::CreateRequest request,
              envserver::EnvCallback<envserver::CreateResponse> done) override;
  void reset(std::string env_id, envserver::ResetRequest request,
             envserver::EnvCallback<envserver::ResetResponse> done) override;
  void step(std::string env_id, envserver::StepRequest request,
            envserver::EnvCallback<envserver::StepResponse> done) override;
  void close(std::string env_id, envserver::EnvCallback<envserver::CloseResponse> done) override;
  const Catalog& catalog() const override { return dataset_.catalog(); }

  // The next create/reset/step/close call (any kind) suffers `fault`.
  void inject(Fault fault);
  // While parking, steps wait until release_parked().
  void park_steps(bool on);
  std::size_t parked() const;
  void release_parked();
  // Sessions the service holds now; calls it has received.
  std::size_t open_sessions() const;
  std::size_t closes() const;

  static constexpr ExternalId kUsers = 50;
  static float rating_of(ExternalId user, ExternalId item) {
    return static_cast<float>(1 + (user + item / 10) % 5);
  }

 private:
  struct Session {
    std::vector<ExternalId> users;
    std::uint32_t horizon = 3;
    std::uint32_t slate_size = 2;
    bool leaving = false;
    std::uint32_t step = 0;
    std::vector<bool> done;
  };

  Fault take_fault();
  void post(std::function<void()> task);
  envserver::UserObservation observe(ExternalId user, std::int32_t version) const;
  envserver::EnvResult<envserver::StepResponse> run_step(const std::string& env_id,
                                                         const envserver::StepRequest& request);

  Dataset dataset_;
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  std::map<std::string, Session> sessions_;
  std::uint64_t next_id_ = 1;
  Fault fault_ = Fault::kNone;
  bool parking_ = false;
  std::vector<std::function<void()>> parked_;
  std::size_t closes_ = 0;
};

}  // namespace lusifer::testing

#pragma once

// Ready-made process bodies the window can spawn from its palette, and a small demo of plain processes used when
// the OTP demo is not available. Engine code only (no Qt).

#include "otp/childspec.h"
#include "runtime/runtime.h"

#include <string>
#include <vector>

namespace vigil {

struct BuiltinProcess {
    std::string id; // stable key, e.g. "echo"
    std::string title; // palette text
    std::string description; // tooltip
};

const std::vector<BuiltinProcess>& builtinProcesses();

// How many messages the "flood" builtin's producer sends.
constexpr int64_t kFloodMessages = 1'000'000;

// Spawns one from the host (unlinked; "flood" links its two processes to each other and returns the consumer).
// Returns nullopt for an unknown id.
std::optional<SpawnResult> spawnBuiltin(Runtime& rt, const std::string& id);

// A child spec that starts builtin `id` as a linked worker (Start child on a supervisor). nullopt if unknown.
std::optional<otp::ChildSpec> builtinChildSpec(const std::string& id, Term childId);

// A few plain processes with traffic, links, a monitor and a growing mailbox. Returns the root's pid.
Term startPlainDemo(Runtime& rt);

} // namespace vigil

#pragma once

// The bundled demo application: a small, always-moving supervision tree built with the OTP behaviours, what
// `vigil` shows by default.
//
//   Demo.Root            Supervisor one_for_one
//   ├─ Demo.Cache        GenServer: the expiring cache of the seed article; also takes {:put, key, value} messages
//   ├─ Demo.Stats        Agent: counters the others bump
//   ├─ Demo.Pipeline     Supervisor rest_for_one
//   │  ├─ Demo.Producer  GenServer: a steady stream of {:job, n} to the consumer
//   │  └─ Demo.Consumer  GenServer: slow for a while (its mailbox grows), then catches up (it drains)
//   └─ Demo.Workers      Supervisor one_for_all
//      ├─ Demo.Worker.1  GenServer: fetches from / stores into the cache
//      ├─ Demo.Worker.2
//      └─ Demo.Jobs      Supervisor one_for_one
//         ├─ Demo.Ticker    GenServer: runs a Task every second and opens sessions
//         ├─ Demo.Sessions  DynamicSupervisor: short-lived temporary sessions come and go
//         └─ Demo.Flaky     GenServer: crashes now and then, to show a restart
//
// Every process is registered under its name, so it can be messaged and killed by name.

#include "otp/supervisor.h"

namespace vigil::otp {

struct DemoOptions {
    bool flaky = true; // include Demo.Flaky's occasional crash
    double speed = 1.0; // traffic multiplier
};

// Starts the demo tree (unlinked) and returns the pid of Demo.Root.
Expected<Term, Term> startDemo(Runtime& rt, DemoOptions options = {});
// The root's child spec, for embedding the demo in another tree.
ChildSpec demoChildSpec(DemoOptions options = {});

} // namespace vigil::otp

#pragma once

// Helpers for engine tests: short term constructors and a deterministic runtime with a host probe.

#include "runtime/runtime.h"

#include <gtest/gtest.h>

#include <ostream>

namespace vigil {
inline void PrintTo(const Term& t, std::ostream* os) { *os << t.inspect(); }
}

namespace vigil::test {

inline Term A(std::string_view name) { return Term::atom(name); }
inline Term I(int64_t v) { return Term::integer(v); }
inline Term T(std::initializer_list<Term> elems) { return Term::tuple(elems); }
inline Term L(std::initializer_list<Term> elems) { return Term::list(elems); }

inline bool isDown(const Term& m) { return m.isTuple(5) && m.element(0).isAtom(atoms::DOWN); }
inline bool isExit(const Term& m) { return m.isTuple(3) && m.element(0).isAtom(atoms::EXIT); }

// Deterministic runtime with a host pseudo-process the test uses to receive reports.
struct DetFixture : ::testing::Test {
    Runtime rt { RuntimeConfig { .mode = RuntimeConfig::Mode::Deterministic } };
    std::unique_ptr<HostProcess> host = rt.hostProcess();
    Term hostPid = host->pid();

    // Next message to the host (runs the scheduler as needed). Fails the test on timeout.
    Term next(int64_t timeoutMs = 10'000)
    {
        auto m = host->receive(timeoutMs);
        EXPECT_TRUE(m.has_value()) << "no message for the host";
        return m ? *m : Term::atom("no_message");
    }
    // Spawns a body whose reports go to the host.
    Term spawn(NativeBody body, SpawnOptions options = {}) { return rt.spawn(std::move(body), options).pid; }
};

} // namespace vigil::test

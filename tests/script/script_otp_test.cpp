// Scripted OTP on the engine's native behaviours: Supervisor and DynamicSupervisor started from scripts are
// engine/otp supervisors (they appear as supervisors and report restarts on the trace stream), and their child
// start functions keep the script's definitions alive after the console that loaded them is gone.

#include "runtime/runtime.h"
#include "script/script.h"

#include "collector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

using namespace vigil;

namespace {

using test::Collector;

const char* const kWorker = R"(defmodule W do
  use GenServer
  def start_link(name), do: GenServer.start_link(__MODULE__, name, name: name)
  def init(name), do: {:ok, name}
end)";

std::vector<TraceEvent> drainAll(TraceSubscription& sub)
{
    std::vector<TraceEvent> events;
    sub.drain(events);
    return events;
}

Term waitForNewName(Runtime& rt, const char* name, const Term& old)
{
    for (int i = 0; i < 300; ++i) {
        Term p = rt.whereis(Atom::intern(name));
        if (p.isPid() && !(p == old))
            return p;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Term::nil();
}

} // namespace

TEST(ScriptOtp, SupervisorsAreNativeAndReportRestarts)
{
    Runtime rt;
    auto trace = rt.subscribe();
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    ASSERT_TRUE(session.evaluate(kWorker));
    ASSERT_TRUE(session.evaluate("{:ok, sup} = Supervisor.start_link([{W, :w1}], strategy: :one_for_one)"));
    ASSERT_TRUE(session.evaluate("{:ok, dyn} = DynamicSupervisor.start_link(strategy: :one_for_one)"));
    ASSERT_TRUE(session.evaluate("{:ok, _} = DynamicSupervisor.start_child(dyn, {W, :w2})"));
    out.take();

    const Term w1 = rt.whereis(Atom::intern("w1"));
    const Term w2 = rt.whereis(Atom::intern("w2"));
    ASSERT_TRUE(w1.isPid());
    ASSERT_TRUE(w2.isPid());
    rt.exit(w1, Term::atom("kill"));
    rt.exit(w2, Term::atom("kill"));
    const Term w1b = waitForNewName(rt, "w1", w1);
    const Term w2b = waitForNewName(rt, "w2", w2);
    ASSERT_TRUE(w1b.isPid());
    ASSERT_TRUE(w2b.isPid());
    ASSERT_TRUE(rt.waitIdle(10'000));

    // Both restarts come from native supervisors: a ChildRestarted event naming the old and new child, sent by a
    // process whose behaviour is :supervisor.
    Snapshot snap = rt.snapshot();
    auto behaviourOf = [&](uint64_t serial) {
        for (const ProcessSnapshot& p : snap.processes)
            if (p.pid == serial)
                return p.behaviour;
        return atoms::nil;
    };
    int restarts = 0;
    for (const TraceEvent& e : drainAll(*trace)) {
        if (e.kind != TraceKind::ChildRestarted)
            continue;
        const Atom b = behaviourOf(e.pid);
        EXPECT_TRUE(b == atoms::supervisor || b == Atom::intern("dynamic_supervisor")) << b.name();
        EXPECT_TRUE((e.old == w1.pidSerial() && e.other == w1b.pidSerial()) || (e.old == w2.pidSerial() && e.other == w2b.pidSerial()))
            << "old " << e.old << " new " << e.other;
        ++restarts;
    }
    EXPECT_EQ(restarts, 2);

    ASSERT_TRUE(session.evaluate("Supervisor.which_children(sup)"));
    EXPECT_NE(out.take().find("[{W, #PID<"), std::string::npos);
    ASSERT_TRUE(session.evaluate("DynamicSupervisor.count_children(dyn)"));
    EXPECT_EQ(out.take(), "%{active: 1, specs: 1, supervisors: 0, workers: 1}\n");
}

TEST(ScriptOtp, SupervisorOutlivesTheConsoleThatStartedIt)
{
    Runtime rt;
    {
        Collector out;
        ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
        ASSERT_TRUE(session.evaluate(kWorker));
        // Not linked to the shell: the supervisor keeps running when the console goes away.
        ASSERT_TRUE(session.evaluate(
            "spawn(fn -> {:ok, _} = Supervisor.start_link([{W, :w3}], strategy: :one_for_one, name: :sup3)\n"
            "receive do :never -> :ok end end)\n:ok"));
        for (int i = 0; i < 300 && !rt.whereis(Atom::intern("w3")).isPid(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // The console and its wrapper are gone; restarting runs W.start_link/1 again, from the script's definitions.
    const Term w3 = rt.whereis(Atom::intern("w3"));
    ASSERT_TRUE(w3.isPid());
    for (int round = 0; round < 3; ++round) {
        const Term before = rt.whereis(Atom::intern("w3"));
        rt.exit(before, Term::atom("boom"));
        EXPECT_TRUE(waitForNewName(rt, "w3", before).isPid()) << "round " << round;
    }
    EXPECT_TRUE(rt.whereis(Atom::intern("sup3")).isPid());
}

// A module that says `use GenServer` but defines no handle_call/3 gets Elixir's default one: a call crashes the
// server with a RuntimeError that names it (its registered name here), raised in Useless.handle_call/3, and the
// caller exits with that reason wrapped in the call. (The oracle case otp_default_callbacks covers casts; a call's
// crash report shows the waiting client's stack, which Vigil does not print.)
TEST(ScriptOtp, ACallWithNoHandleCallCrashesTheServerInTheDefaultCallback)
{
    Runtime rt;
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    ASSERT_TRUE(session.evaluate("defmodule Useless do\n  use GenServer\n  def init(arg), do: {:ok, arg}\nend"));
    ASSERT_TRUE(session.evaluate(
        "{:ok, _} = GenServer.start(Useless, [], name: :quiet)\n"
        "try do\n"
        "  GenServer.call(:quiet, :anything)\n"
        "catch\n"
        "  :exit, {{%RuntimeError{message: m}, [frame | _]}, {GenServer, :call, [:quiet, :anything, 5000]}} ->\n"
        "    IO.puts(m)\n"
        "    IO.puts(frame == {Useless, :handle_call, 3,\n"
        "      [file: 'lib/gen_server.ex', line: 787, error_info: %{module: Exception}]})\n"
        "end\n"
        "IO.puts(Process.whereis(:quiet) == nil)"));
    const std::string text = out.take();
    EXPECT_NE(text.find("attempted to call GenServer :quiet but no handle_call/3 clause was provided\ntrue\ntrue\n"),
        std::string::npos)
        << text;
    // The server's own report names the default callback's frame without Elixir's application (it is Useless's).
    EXPECT_NE(text.find("\n    lib/gen_server.ex:787: Useless.handle_call/3\n"), std::string::npos) << text;
}

// An Agent.get_and_update function that returns no {reply, state} pair stops the agent: the caller exits with
// {:bad_return_value, value} inside the call, and the report says "bad return value:" as Elixir's does.
TEST(ScriptOtp, AnAgentFunctionWithoutAPairStopsTheAgentWithABadReturnValue)
{
    Runtime rt;
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    ASSERT_TRUE(session.evaluate(
        "{:ok, a} = Agent.start(fn -> 1 end)\n"
        "try do\n"
        "  Agent.get_and_update(a, fn _ -> :not_a_pair end)\n"
        "catch\n"
        "  :exit, {reason, {GenServer, :call, _}} -> IO.inspect(reason)\n"
        "end\n"
        "IO.inspect(Process.alive?(a))"));
    const std::string text = out.take();
    EXPECT_NE(text.find("{:bad_return_value, :not_a_pair}\nfalse\n"), std::string::npos) << text;
    EXPECT_NE(text.find("** (stop) bad return value: :not_a_pair\n"), std::string::npos) << text;
}

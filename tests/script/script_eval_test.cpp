// Evaluation through the public entry points: scripts, deep recursion on the explicit stack, the console
// session with a real shell process, and the memory of many suspended scripted processes.

#include "runtime/runtime.h"
#include "script/script.h"

#include "collector.h"

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace vigil;

namespace {

struct ScriptRun {
    std::string out;
    std::string err;
    int code;
};

ScriptRun run(const std::string& text)
{
    std::ostringstream out, err;
    int code = runScriptText(text, "t.exs", out, err);
    return { out.str(), err.str(), code };
}

size_t residentBytes()
{
    std::ifstream statm("/proc/self/statm");
    size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * size_t(sysconf(_SC_PAGESIZE));
}

using test::Collector;

} // namespace

TEST(ScriptEval, PrintsLikeElixir)
{
    ScriptRun r = run("IO.puts \"sum: #{Enum.sum([1, 2, 3])}\"\nIO.inspect {:ok, [a: 1]}, label: \"t\"\n");
    EXPECT_EQ(r.out, "sum: 6\nt: {:ok, [a: 1]}\n");
    EXPECT_EQ(r.code, 0);
}

TEST(ScriptEval, UncaughtErrorExitsNonZero)
{
    ScriptRun r = run("IO.puts \"a\"\nraise \"boom\"\n");
    EXPECT_EQ(r.out, "a\n");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("** (RuntimeError) boom"), std::string::npos);
    EXPECT_NE(r.err.find("t.exs:2: (file)"), std::string::npos);
}

TEST(ScriptEval, SyntaxErrorReportsPosition)
{
    ScriptRun r = run("x = [1,\n2");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("t.exs:2:2: missing terminator: ]"), std::string::npos) << r.err;
}

// What `elixir t.exs` prints on stderr for errors nobody caught (each text as Elixir 1.14 prints it): the line of
// a syntax error with a caret under the column, arithmetic failing in the function that does it, the arguments no
// function clause matched, and Elixir's file loader as the last frame.
TEST(ScriptEval, UncaughtErrorsAreReportedAsElixirReportsThem)
{
    ScriptRun syntax = run("x = 1\n  y = 1 +* 2\n");
    EXPECT_EQ(syntax.err,
        "** (SyntaxError) t.exs:2:10: syntax error before: '*'\n"
        "    |\n"
        "  2 |   y = 1 +* 2\n"
        "    |          ^\n"
        "    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2\n");

    ScriptRun arith = run("defmodule M do\n  def add(x), do: x + 1\nend\nr = M.add(:a)\nIO.inspect(r)\n");
    EXPECT_EQ(arith.err,
        "** (ArithmeticError) bad argument in arithmetic expression\n"
        "    t.exs:2: M.add/1\n"
        "    t.exs:4: (file)\n"
        "    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2\n");

    ScriptRun clause = run("defmodule M do\n  def g(1, :x), do: :one\nend\nr = M.g(2, %{a: 1})\nIO.inspect(r)\n");
    EXPECT_EQ(clause.err,
        "** (FunctionClauseError) no function clause matching in M.g/2    \n"
        "    \n"
        "    The following arguments were given to M.g/2:\n"
        "    \n"
        "        # 1\n"
        "        2\n"
        "    \n"
        "        # 2\n"
        "        %{a: 1}\n"
        "    \n"
        "    t.exs:2: M.g/2\n"
        "    t.exs:4: (file)\n"
        "    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2\n");
}

TEST(ScriptEval, DeepNonTailRecursionUsesNoNativeStack)
{
    ScriptRun r = run(R"(
defmodule R do
  def sum([]), do: 0
  def sum([h | t]), do: h + sum(t)
  def loop(0), do: :done
  def loop(n), do: loop(n - 1)
end
IO.inspect R.sum(Enum.to_list(1..1_000_000))
IO.inspect R.loop(3_000_000)
)");
    EXPECT_EQ(r.out, "500000500000\n:done\n") << r.err;
}

TEST(ScriptEval, ReceiveWithGuardsAndTimeout)
{
    ScriptRun r = run(R"(
send(self(), {:n, 1})
send(self(), {:n, 7})
x = receive do
  {:n, v} when v > 5 -> v
end
y = receive do
  {:n, v} -> v
end
z = receive do
  _ -> :unexpected
after
  20 -> :timeout
end
IO.inspect {x, y, z}
)");
    EXPECT_EQ(r.out, "{7, 1, :timeout}\n");
}

TEST(ScriptEval, ProcessesLinksAndTrapExit)
{
    ScriptRun r = run(R"(
Process.flag(:trap_exit, true)
pid = spawn_link(fn -> exit(:kaboom) end)
receive do
  {:EXIT, ^pid, reason} -> IO.inspect reason
end
)");
    EXPECT_EQ(r.out, ":kaboom\n");
}

TEST(ScriptEval, BusyProcessesDoNotStarveOthers)
{
    ScriptRun r = run(R"(
defmodule Busy do
  def spin, do: spin()
end
for _ <- 1..8, do: spawn(&Busy.spin/0)
parent = self()
spawn(fn -> send(parent, :still_scheduled) end)
receive do
  :still_scheduled -> IO.puts "ok"
after
  5_000 -> IO.puts "starved"
end
)");
    EXPECT_EQ(r.out, "ok\n");
}

TEST(ScriptSession, EvaluatesWithBindingsAndPrompt)
{
    Runtime rt;
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    EXPECT_EQ(session.prompt(), "iex(1)> ");
    ASSERT_TRUE(session.evaluate("x = 20 + 1"));
    EXPECT_EQ(out.take(), "21\n");
    ASSERT_TRUE(session.evaluate("x * 2"));
    EXPECT_EQ(out.take(), "42\n");
    EXPECT_EQ(session.prompt(), "iex(3)> ");
    ASSERT_TRUE(session.evaluate("send(self(), :hello)\nsend(self(), {:two, 2})"));
    EXPECT_EQ(out.take(), "{:two, 2}\n");
    ASSERT_TRUE(session.evaluate("flush()"));
    EXPECT_EQ(out.take(), ":hello\n{:two, 2}\n:ok\n");
    ASSERT_TRUE(session.evaluate("raise \"oops\""));
    EXPECT_EQ(out.take().rfind("** (RuntimeError) oops", 0), 0u);
    ASSERT_TRUE(session.evaluate("x"));
    EXPECT_EQ(out.take(), "21\n");
    EXPECT_TRUE(ScriptSession::needsMoreInput("defmodule M do"));
}

TEST(ScriptSession, CallSitesReachARedefinedModule)
{
    // Caller.run/1's call to Callee.g/1 is cached per call site; redefining Callee must not leave it on the old code.
    Runtime rt;
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    ASSERT_TRUE(session.evaluate("defmodule Callee do\n  def g(x), do: {:first, x}\nend"));
    ASSERT_TRUE(session.evaluate("defmodule Caller do\n  def run(x), do: Callee.g(x)\n  def loop(x, 0), do: x\n  def loop(x, k), do: loop(x, k - 1)\nend"));
    out.take();
    ASSERT_TRUE(session.evaluate("Caller.run(1)"));
    EXPECT_EQ(out.take(), "{:first, 1}\n");
    ASSERT_TRUE(session.evaluate("defmodule Callee do\n  def g(x), do: {:second, x}\nend"));
    out.take();
    ASSERT_TRUE(session.evaluate("Caller.run(2)"));
    EXPECT_EQ(out.take(), "{:second, 2}\n");
    // a variable handed to a function that passes it on in tail calls keeps its value in the session
    ASSERT_TRUE(session.evaluate("t = {:t, self()}\nCaller.loop(t, 3) == t"));
    EXPECT_EQ(out.take(), "true\n");
    ASSERT_TRUE(session.evaluate("elem(t, 0)"));
    EXPECT_EQ(out.take(), ":t\n");
}

TEST(ScriptSession, LinkedCrashKillsTheShellAndANewOneStarts)
{
    Runtime rt;
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    Term first = session.shellPid();
    ASSERT_TRUE(session.evaluate("pid = spawn_link(fn -> receive do :crash -> raise \"boom\" end end)"));
    out.take();
    ASSERT_TRUE(session.evaluate("send pid, :crash"));
    for (int i = 0; i < 200 && session.shellPid() == first; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_NE(session.shellPid(), first);
    std::string text = out.take();
    EXPECT_NE(text.find("shell process exited with reason: an exception was raised:"), std::string::npos) << text;
    EXPECT_NE(text.find("** (RuntimeError) boom"), std::string::npos) << text;
    ASSERT_TRUE(session.evaluate("1 + 1"));
    EXPECT_NE(out.take().find("2\n"), std::string::npos);
}

// As in iex: an exit signal the shell sends itself ends it (a normal one too), and is reported once, as the shell
// process exiting, not as an exception of the evaluation; a new shell starts.
TEST(ScriptSession, AShellThatSignalsItselfIsReportedAsExitedAndReplaced)
{
    Runtime rt;
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    for (const char* reason : { ":kill", ":normal" }) {
        const Term first = session.shellPid();
        session.evaluate(std::string("Process.exit(self(), ") + reason + ")\n:not_reached");
        for (int i = 0; i < 200 && session.shellPid() == first; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        EXPECT_NE(session.shellPid(), first) << reason;
        const std::string text = out.take();
        const std::string expected = std::string("shell process exited with reason: ")
            + (std::string(reason) == ":kill" ? "killed" : "normal") + "\n";
        EXPECT_NE(text.find(expected), std::string::npos) << text;
        EXPECT_EQ(text.find("** (exit)"), std::string::npos) << text;
        EXPECT_EQ(text.find("not_reached"), std::string::npos) << text;
    }
    ASSERT_TRUE(session.evaluate("1 + 1"));
    EXPECT_NE(out.take().find("2\n"), std::string::npos);
}

TEST(ScriptSession, HundredThousandSuspendedProcessesAreSmall)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "AddressSanitizer and ThreadSanitizer add shadow memory and redzones to every allocation: sizes mean nothing there.";
#endif
    Runtime rt;
    Collector out;
    ScriptSession session(rt, [&](const std::string& s) { out.add(s); });
    ASSERT_TRUE(session.evaluate("defmodule Idle do\n  def wait, do: receive(do: (:stop -> :ok))\nend"));
    size_t before = residentBytes();
    ASSERT_TRUE(session.evaluate("pids = for _ <- 1..100_000, do: spawn(&Idle.wait/0)\nlength(pids)", 120'000));
    EXPECT_NE(out.take().find("100000"), std::string::npos);
    for (int i = 0; i < 100 && rt.processCount() < 100'000; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    size_t after = residentBytes();
    double perProcess = double(after - before) / 100'000.0;
    RecordProperty("bytes_per_process", std::to_string(perProcess));
    std::cout << "resident bytes per suspended scripted process: " << perProcess << "\n";
    EXPECT_LT(perProcess, 2700.0);
    ASSERT_TRUE(session.evaluate("Enum.each(pids, &send(&1, :stop))\n:ok", 120'000));
}

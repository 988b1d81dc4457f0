// The scenarios of the teaching articles (shared/seeds) about links, trapping, monitors and exit signals, written
// against the native API. Each asserts the outcome the article describes.

#include "testutil.h"

#include <map>

using namespace vigil;
using namespace vigil::test;

namespace {

using Seeds = DetFixture;

bool isAtom(const Term& t, const char* name) { return t.isAtom(Atom::intern(name)); }

Term infoValue(ProcessContext& ctx, const Term& pid, Atom key) { return ctx.info(pid, key)->element(1); }

} // namespace

// 000: "pid = spawn_link(fn -> receive do :crash -> 1 / 0 end end); send(pid, :crash)" takes the shell with it.
TEST_F(Seeds, Seed000_CrashInSpawnLinkedProcessKillsTheCaller)
{
    Term shell = spawn([](ProcessContext& ctx) -> Task<void> {
        Term child = ctx.spawn(
                            [](ProcessContext& c) -> Task<void> {
                                co_await c.receive([](const Term& m) { return isAtom(m, "crash"); });
                                raiseError(A("badarith"), L({ T({ A("erlang"), A("/"), L({ I(1), I(0) }), L({}) }) }));
                            },
                            SpawnOptions { .link = true })
                         .pid;
        ctx.send(child, A("crash"));
        co_await ctx.receive([](const Term&) { return false; });
    });
    auto reason = rt.waitExit(shell);
    ASSERT_TRUE(reason);
    ASSERT_TRUE(reason->isTuple(2));
    EXPECT_EQ(reason->element(0), A("badarith"));
}

// 000: Crashy.run traps exits, spawn_links splode (exit :kaboom) and receives {signal, pid, msg}.
TEST_F(Seeds, Seed000_TrappedExitArrivesAsMessage)
{
    Term splode;
    spawn([&](ProcessContext& ctx) -> Task<void> {
        ctx.trapExit(true);
        splode = ctx.spawn([](ProcessContext&) -> Task<void> { raiseExit(A("kaboom")); }, SpawnOptions { .link = true }).pid;
        auto m = co_await ctx.receive([](const Term& t) { return t.isTuple(3); });
        ctx.send(hostPid, *m);
    });
    Term got = next();
    EXPECT_EQ(got, T({ A("EXIT"), splode, A("kaboom") }));
}

// 000: "spawn_link(fn -> IO.inspect Process.info(self(), :links) end)" shows the parent; unlink then crash spares it.
TEST_F(Seeds, Seed000_ListingAndUnlinking)
{
    spawn([&](ProcessContext& ctx) -> Task<void> {
        Term before = infoValue(ctx, ctx.self(), atoms::links);
        Term parent = ctx.self();
        Term reported;
        Term child = ctx.spawn(
                            [parent](ProcessContext& c) -> Task<void> {
                                c.send(parent, T({ A("child_links"), c.info(c.self(), atoms::links)->element(1) }));
                                co_await c.receive([](const Term& m) { return isAtom(m, "crash"); });
                                raiseExit(A("wheres_the_kaboom"));
                            },
                            SpawnOptions { .link = true })
                         .pid;
        auto childLinks = co_await ctx.receive([](const Term& m) { return m.isTuple(2); });
        Term during = infoValue(ctx, ctx.self(), atoms::links);
        ctx.unlink(child);
        ctx.send(child, A("crash"));
        co_await ctx.sleep(10);
        Term after = infoValue(ctx, ctx.self(), atoms::links);
        ctx.send(hostPid, T({ before, childLinks->element(1), during, after, child }));
    });
    Term got = next();
    EXPECT_EQ(got.element(0), L({}));
    EXPECT_EQ(got.element(1).listLength(), 1u); // the child sees its parent
    EXPECT_EQ(got.element(2), L({ got.element(4) }));
    EXPECT_EQ(got.element(3), L({})); // and we survived the crash
}

// 000: spawn_monitor, crash with :kaboom, flush shows the DOWN; a normal finish gives DOWN :normal.
TEST_F(Seeds, Seed000_SpawnMonitorAndMonitor)
{
    spawn([&](ProcessContext& ctx) -> Task<void> {
        auto r = ctx.spawn(
            [](ProcessContext& c) -> Task<void> {
                co_await c.receive([](const Term& m) { return isAtom(m, "crash"); });
                raiseExit(A("kaboom"));
            },
            SpawnOptions { .monitor = true });
        ctx.send(r.pid, A("crash"));
        co_await ctx.sleep(5);
        std::vector<Term> flushed = ctx.takeAllMessages();
        Term adder = ctx.spawn([](ProcessContext& c) -> Task<void> { co_await c.receive(); }).pid;
        Term ref = *ctx.monitor(adder);
        ctx.send(adder, A("add"));
        co_await ctx.sleep(5);
        std::vector<Term> flushed2 = ctx.takeAllMessages();
        ctx.send(hostPid, T({ Term::list(flushed), r.pid, r.monitorRef, Term::list(flushed2), adder, ref }));
    });
    Term got = next();
    EXPECT_EQ(got.element(0), L({ T({ A("DOWN"), got.element(2), A("process"), got.element(1), A("kaboom") }) }));
    EXPECT_EQ(got.element(3), L({ T({ A("DOWN"), got.element(5), A("process"), got.element(4), A("normal") }) }));
}

// 000: Process.info(self(), :monitors) / Process.info(pid, :monitored_by), then demonitor empties both at once.
TEST_F(Seeds, Seed000_ListingAndDemonitoring)
{
    spawn([&](ProcessContext& ctx) -> Task<void> {
        Term pid = ctx.spawn([](ProcessContext& c) -> Task<void> { co_await c.receive(); }).pid;
        Term ref = *ctx.monitor(pid);
        Term monitors = infoValue(ctx, ctx.self(), atoms::monitors);
        Term monitoredBy = infoValue(ctx, pid, atoms::monitored_by);
        ctx.demonitor(ref);
        Term monitors2 = infoValue(ctx, ctx.self(), atoms::monitors);
        Term monitoredBy2 = infoValue(ctx, pid, atoms::monitored_by);
        ctx.send(hostPid, T({ monitors, monitoredBy, monitors2, monitoredBy2, pid, ctx.self() }));
        co_return;
    });
    Term got = next();
    EXPECT_EQ(got.element(0), L({ T({ A("process"), got.element(4) }) }));
    EXPECT_EQ(got.element(1), L({ got.element(5) }));
    EXPECT_EQ(got.element(2), L({}));
    EXPECT_EQ(got.element(3), L({}));
}

// 002: receive with a timeout, selective receive, flush.
TEST_F(Seeds, Seed002_TimeoutsSelectiveReceiveAndFlush)
{
    spawn([&](ProcessContext& ctx) -> Task<void> {
        auto nothing = co_await ctx.receive(1000); // "receive do ... after 1_000 -> 'nothing after 1s'"
        ctx.send(ctx.self(), T({ A("hello"), A("world") }));
        ctx.send(ctx.self(), A("other"));
        auto hello = co_await ctx.receive([](const Term& m) { return m.isTuple(2); });
        std::vector<Term> rest = ctx.takeAllMessages();
        ctx.send(hostPid, T({ Term::boolean(nothing.has_value()), *hello, Term::list(rest), I(ctx.nowMs()) }));
    });
    Term got = next();
    EXPECT_EQ(got.element(0), Term::boolean(false));
    EXPECT_EQ(got.element(1), T({ A("hello"), A("world") }));
    EXPECT_EQ(got.element(2), L({ A("other") }));
    EXPECT_EQ(got.element(3), I(1000));
}

// 003: processes are lightweight (100,000 at once) and a KV store is a process looping over its state.
TEST_F(Seeds, Seed003_HundredThousandProcessesAndAKeyValueLoop)
{
    std::vector<Term> pids;
    for (int i = 0; i < 100'000; ++i)
        pids.push_back(spawn([](ProcessContext& c) -> Task<void> { co_await c.receive(); }));
    rt.runUntilIdle();
    EXPECT_GE(rt.processCount(), 100'000u);
    for (const Term& p : pids)
        rt.send(p, A("done"));
    rt.runUntilIdle();
    EXPECT_LT(rt.processCount(), 10u);

    Term kv = spawn([](ProcessContext& ctx) -> Task<void> {
        std::map<std::string, Term> state;
        for (;;) {
            auto m = co_await ctx.receive();
            if (m->isTuple(3) && isAtom(m->element(0), "put"))
                state[m->element(1).inspect()] = m->element(2);
            else if (m->isTuple(3) && isAtom(m->element(0), "get")) {
                auto it = state.find(m->element(1).inspect());
                ctx.send(m->element(2), it == state.end() ? Term::nil() : it->second);
            }
        }
    });
    rt.send(kv, T({ A("put"), A("hello"), A("world") }));
    rt.send(kv, T({ A("get"), A("hello"), hostPid }));
    EXPECT_EQ(next(), A("world"));
    rt.send(kv, T({ A("get"), A("missing"), hostPid }));
    EXPECT_EQ(next(), Term::nil());
}

// 004: the cheatsheet — normal is harmless unless from self, kill always kills, other reasons kill unless trapping.
TEST_F(Seeds, Seed004_ExitSignalCheatsheet)
{
    struct Case {
        bool trap;
        const char* reason;
        bool fromSelf;
        bool survives;
        const char* exitReason; // when it dies
    };
    const Case cases[] = {
        { false, "normal", false, true, "" },
        { true, "normal", false, true, "" },
        { false, "normal", true, false, "normal" },
        { false, "kill", false, false, "killed" },
        { true, "kill", false, false, "killed" },
        { false, "boom", false, false, "boom" },
        { true, "boom", false, true, "" },
    };
    for (const Case& c : cases) {
        const Term reason = A(c.reason);
        const bool fromSelf = c.fromSelf;
        Term target = spawn(
            [reason, fromSelf](ProcessContext& ctx) -> Task<void> {
                if (fromSelf)
                    ctx.exit(ctx.self(), reason);
                co_await ctx.receive([](const Term& m) { return isAtom(m, "stop"); });
                raiseExit(A("stopped"));
            },
            SpawnOptions { .trapExit = c.trap });
        auto ref = host->monitor(target);
        if (!fromSelf)
            rt.exit(target, reason);
        rt.runUntilIdle();
        rt.send(target, A("stop"));
        auto down = host->receive(1000, [&](const Term& m) { return isDown(m) && m.element(1) == *ref; });
        ASSERT_TRUE(down);
        EXPECT_EQ(down->element(4), A(c.survives ? "stopped" : c.exitReason))
            << "trap=" << c.trap << " reason=" << c.reason << " self=" << c.fromSelf;
    }
}

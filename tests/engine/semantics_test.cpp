// One test per numbered rule of SEMANTICS.md §1–§5, on the deterministic scheduler.

#include "testutil.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using Semantics = DetFixture;

// A process that waits forever for anything and reports it.
NativeBody forwarder(Term to)
{
    return [to](ProcessContext& ctx) -> Task<void> {
        for (;;) {
            auto m = co_await ctx.receive();
            ctx.send(to, T({ A("got"), ctx.self(), *m }));
        }
    };
}

NativeBody idle()
{
    return [](ProcessContext& ctx) -> Task<void> { co_await ctx.receive([](const Term&) { return false; }); };
}

Term messagesOf(ProcessContext& ctx, const Term& pid) { return ctx.info(pid, atoms::messages)->element(1); }

} // namespace

// ---- §1 spawn / send / receive

TEST_F(Semantics, Rule1_1_MailboxIsFifo)
{
    spawn([this](ProcessContext& ctx) -> Task<void> {
        ctx.send(ctx.self(), A("a"));
        ctx.send(ctx.self(), A("b"));
        auto x = co_await ctx.receive();
        auto y = co_await ctx.receive();
        ctx.send(hostPid, T({ *x, *y }));
    });
    EXPECT_EQ(next(), T({ A("a"), A("b") }));
}

TEST_F(Semantics, Rule1_2_SelectiveReceiveKeepsOthersInOrder)
{
    spawn([this](ProcessContext& ctx) -> Task<void> {
        for (auto n : { "a", "b", "c" })
            ctx.send(ctx.self(), A(n));
        auto m = co_await ctx.receive([](const Term& t) { return t.isAtom(Atom::intern("b")); });
        ctx.send(hostPid, T({ *m, messagesOf(ctx, ctx.self()) }));
    });
    EXPECT_EQ(next(), T({ A("b"), L({ A("a"), A("c") }) }));
}

TEST_F(Semantics, Rule1_2_GuardsAreTriedOnTheOldestMessageFirst)
{
    spawn([this](ProcessContext& ctx) -> Task<void> {
        for (int i : { 1, 7, 3, 9 })
            ctx.send(ctx.self(), I(i));
        auto m = co_await ctx.receive([](const Term& t) { return t.isInteger() && t.asInteger() > 5; });
        ctx.send(hostPid, T({ *m, messagesOf(ctx, ctx.self()) }));
    });
    EXPECT_EQ(next(), T({ I(7), L({ I(1), I(3), I(9) }) }));
}

TEST_F(Semantics, Rule1_3_AfterTimeoutsAndAfterZero)
{
    spawn([this](ProcessContext& ctx) -> Task<void> {
        ctx.send(ctx.self(), A("x"));
        // after 0 scans once and never waits; a non-matching receive consumes nothing
        auto none = co_await ctx.receive([](const Term& t) { return t.isAtom(Atom::intern("y")); }, 0);
        const int64_t t0 = ctx.nowMs();
        co_await ctx.sleep(50); // a receive with only `after`
        const int64_t waited = ctx.nowMs() - t0;
        ctx.send(hostPid, T({ Term::boolean(none.has_value()), I(waited), messagesOf(ctx, ctx.self()) }));
    });
    EXPECT_EQ(next(), T({ Term::boolean(false), I(50), L({ A("x") }) }));
}

TEST_F(Semantics, Rule1_4_SendToDeadPidSucceedsSendToUnknownNameFails)
{
    Term dead = spawn([](ProcessContext&) -> Task<void> { co_return; });
    rt.runUntilIdle();
    EXPECT_FALSE(rt.isAlive(dead));
    spawn([this, dead](ProcessContext& ctx) -> Task<void> {
        const bool toDead = ctx.send(dead, A("hello"));
        const bool toName = ctx.send(A("no_such_name"), A("hello"));
        ctx.send(hostPid, T({ Term::boolean(toDead), Term::boolean(toName) }));
        co_return;
    });
    EXPECT_EQ(next(), T({ Term::boolean(true), Term::boolean(false) }));
}

TEST_F(Semantics, Rule1_5_OrderBetweenOnePairCoversMessagesAndExitSignals)
{
    Term b = spawn(
        [this](ProcessContext& ctx) -> Task<void> {
            co_await ctx.receive([](const Term& t) { return t.isAtom(Atom::intern("go")); });
            ctx.send(hostPid, messagesOf(ctx, ctx.self()));
        },
        SpawnOptions { .trapExit = true });
    Term a;
    a = spawn([b](ProcessContext& ctx) -> Task<void> {
        ctx.send(b, A("m1"));
        ctx.exit(b, A("foo"));
        ctx.send(b, A("m2"));
        ctx.send(b, A("go"));
        co_return;
    });
    EXPECT_EQ(next(), L({ A("m1"), T({ A("EXIT"), a, A("foo") }), A("m2") }));
}

TEST_F(Semantics, Rule1_5_LinkExitComesBeforeDown)
{
    Term ref;
    Term p;
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            auto r = ctx.spawn(
                [](ProcessContext& c) -> Task<void> {
                    co_await c.receive(); // wait for the go-ahead
                    c.send(c.runtime().whereis(Atom::intern("s")), A("m1"));
                    c.send(c.runtime().whereis(Atom::intern("s")), A("m2"));
                    raiseExit(A("bye"));
                },
                SpawnOptions { .link = true, .monitor = true });
            p = r.pid;
            ref = r.monitorRef;
            ctx.send(p, A("go"));
            co_await ctx.sleep(10);
            ctx.send(hostPid, messagesOf(ctx, ctx.self()));
        },
        SpawnOptions { .trapExit = true, .registerAs = Atom::intern("s") });
    Term got = next();
    EXPECT_EQ(got,
        L({ A("m1"), A("m2"), T({ A("EXIT"), p, A("bye") }),
            T({ A("DOWN"), ref, A("process"), p, A("bye") }) }));
}

// ---- §2 links

TEST_F(Semantics, Rule2_1_LinksAreIdempotentAndSelfLinkIsNoop)
{
    Term other = spawn(idle());
    spawn([this, other](ProcessContext& ctx) -> Task<void> {
        (void)ctx.link(other);
        (void)ctx.link(other);
        (void)ctx.link(ctx.self());
        co_await ctx.sleep(1);
        ctx.send(hostPid, T({ ctx.info(ctx.self(), atoms::links)->element(1), ctx.info(other, atoms::links)->element(1) }));
    });
    Term got = next();
    EXPECT_EQ(got.element(0).listLength(), 1u);
    EXPECT_EQ(got.element(0).head(), other);
    EXPECT_EQ(got.element(1).listLength(), 1u);
}

TEST_F(Semantics, Rule2_2_SpawnLinkIsAtomic)
{
    Term child;
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            child = ctx.spawn([](ProcessContext&) -> Task<void> { raiseExit(A("early")); }, SpawnOptions { .link = true })
                        .pid;
            auto m = co_await ctx.receive();
            ctx.send(hostPid, *m);
        },
        SpawnOptions { .trapExit = true });
    Term got_ = next();
    EXPECT_EQ(got_, T({ A("EXIT"), child, A("early") }));
}

TEST_F(Semantics, Rule2_3_NameIsReleasedBeforeExitSignals)
{
    Term named;
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            named = ctx.spawn(
                           [](ProcessContext& c) -> Task<void> {
                               co_await c.receive();
                               raiseExit(A("boom"));
                           },
                           SpawnOptions { .link = true, .registerAs = Atom::intern("named") })
                        .pid;
            ctx.send(named, A("die"));
            auto m = co_await ctx.receive();
            ctx.send(hostPid, T({ *m, ctx.whereis(Atom::intern("named")) }));
        },
        SpawnOptions { .trapExit = true });
    Term got_ = next();
    EXPECT_EQ(got_, T({ T({ A("EXIT"), named, A("boom") }), Term::nil() }));
}

TEST_F(Semantics, Rule2_4_LinkToDeadPid)
{
    Term dead = spawn([](ProcessContext&) -> Task<void> { co_return; });
    rt.runUntilIdle();
    spawn([&](ProcessContext& ctx) -> Task<void> {
        auto r = ctx.link(dead);
        ctx.send(hostPid, r ? A("linked") : r.error());
        co_return;
    });
    EXPECT_EQ(next(), A("noproc"));
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            auto r = ctx.link(dead);
            auto m = co_await ctx.receive();
            ctx.send(hostPid, T({ Term::boolean(r && *r), *m }));
        },
        SpawnOptions { .trapExit = true });
    EXPECT_EQ(next(), T({ Term::boolean(true), T({ A("EXIT"), dead, A("noproc") }) }));
}

TEST_F(Semantics, Rule2_5_UnlinkRemovesTheLinkButNotQueuedExits)
{
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            // An EXIT already queued stays after unlink.
            Term c1 = ctx.spawn([](ProcessContext&) -> Task<void> { raiseExit(A("first")); }, SpawnOptions { .link = true })
                          .pid;
            co_await ctx.sleep(5);
            ctx.unlink(c1);
            // After unlink the old link has no effect.
            Term c2 = ctx.spawn(
                             [](ProcessContext& c) -> Task<void> {
                                 co_await c.receive();
                                 raiseExit(A("second"));
                             },
                             SpawnOptions { .link = true })
                          .pid;
            ctx.unlink(c2);
            ctx.send(c2, A("die"));
            co_await ctx.sleep(5);
            ctx.send(hostPid, messagesOf(ctx, ctx.self()));
            (void)c1;
        },
        SpawnOptions { .trapExit = true });
    Term got = next();
    ASSERT_EQ(got.listLength(), 1u);
    EXPECT_EQ(got.head().element(2), A("first"));
}

TEST_F(Semantics, Rule2_6_PropagationAlongAChain)
{
    Term a, b, c;
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            a = ctx.spawn(
                       [&](ProcessContext& ca) -> Task<void> {
                           b = ca.spawn(
                                      [&](ProcessContext& cb) -> Task<void> {
                                          c = cb.spawn(
                                                     [](ProcessContext& cc) -> Task<void> {
                                                         co_await cc.receive();
                                                         raiseExit(A("boom"));
                                                     },
                                                     SpawnOptions { .link = true })
                                                  .pid;
                                          co_await cb.receive([](const Term&) { return false; });
                                      },
                                      SpawnOptions { .link = true })
                                   .pid;
                           co_await ca.receive([](const Term&) { return false; });
                       },
                       SpawnOptions { .link = true })
                    .pid;
            co_await ctx.sleep(1);
            ctx.send(c, A("go"));
            auto m = co_await ctx.receive();
            ctx.send(hostPid, *m);
        },
        SpawnOptions { .trapExit = true });
    Term got_ = next();
    EXPECT_EQ(got_, T({ A("EXIT"), a, A("boom") }));
    EXPECT_FALSE(rt.isAlive(b));
    EXPECT_FALSE(rt.isAlive(c));
}

TEST_F(Semantics, Rule2_6_NormalExitKillsNobody)
{
    Term c, middle;
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            middle = ctx.spawn(idle(), SpawnOptions { .link = true }).pid;
            c = ctx.spawn(
                       [](ProcessContext& x) -> Task<void> {
                           co_await x.receive();
                       },
                       SpawnOptions { .link = true })
                    .pid;
            co_await ctx.sleep(1);
            ctx.send(c, A("go"));
            auto m = co_await ctx.receive();
            ctx.send(hostPid, *m);
        },
        SpawnOptions { .trapExit = true });
    Term got_ = next();
    EXPECT_EQ(got_, T({ A("EXIT"), c, A("normal") }));
    EXPECT_TRUE(rt.isAlive(middle));
}

// ---- §3 exit signals

TEST_F(Semantics, Rule3_1_ExitNormalFromOtherProcess)
{
    Term plain = spawn(idle());
    Term trapping = spawn(forwarder(hostPid), SpawnOptions { .trapExit = true });
    Term sender = spawn([&](ProcessContext& ctx) -> Task<void> {
        ctx.exit(plain, A("normal"));
        ctx.exit(trapping, A("normal"));
        co_await ctx.sleep(1000);
    });
    EXPECT_EQ(next(), T({ A("got"), trapping, T({ A("EXIT"), sender, A("normal") }) }));
    EXPECT_TRUE(rt.isAlive(plain));
}

TEST_F(Semantics, Rule3_2_ExitSelfNormal)
{
    Term p = spawn([](ProcessContext& ctx) -> Task<void> {
        ctx.exit(ctx.self(), A("normal"));
        co_await ctx.sleep(1000);
    });
    EXPECT_EQ(rt.waitExit(p), A("normal"));
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            ctx.exit(ctx.self(), A("normal"));
            auto m = co_await ctx.receive();
            ctx.send(hostPid, *m);
        },
        SpawnOptions { .trapExit = true });
    Term got = next();
    EXPECT_TRUE(isExit(got));
    EXPECT_EQ(got.element(2), A("normal"));
}

TEST_F(Semantics, Rule3_3_KillCannotBeTrapped)
{
    Term watcher;
    Term victim = spawn(idle(), SpawnOptions { .trapExit = true });
    auto mon = host->monitor(victim);
    ASSERT_TRUE(mon);
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            (void)ctx.link(victim);
            co_await ctx.sleep(1);
            ctx.exit(victim, A("kill"));
            auto m = co_await ctx.receive();
            ctx.send(hostPid, *m);
        },
        SpawnOptions { .trapExit = true });
    Term down = next();
    Term exitMsg = next();
    if (isExit(down))
        std::swap(down, exitMsg);
    EXPECT_EQ(down, T({ A("DOWN"), *mon, A("process"), victim, A("killed") }));
    EXPECT_EQ(exitMsg, T({ A("EXIT"), victim, A("killed") }));
}

TEST_F(Semantics, Rule3_4_KillOverLink)
{
    // A calls exit(:kill) itself: monitors see :kill, a non-trapping linked B dies :kill, a trapping one gets it.
    Term a, b;
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            a = ctx.spawn(
                       [](ProcessContext& c) -> Task<void> {
                           co_await c.receive();
                           raiseExit(A("kill"));
                       },
                       SpawnOptions { .link = true, .monitor = true })
                    .pid;
            b = ctx.spawn(idle()).pid;
            co_await ctx.sleep(1);
            ctx.send(hostPid, A("ready"));
            co_await ctx.sleep(5);
            ctx.send(hostPid, messagesOf(ctx, ctx.self()));
        },
        SpawnOptions { .trapExit = true });
    EXPECT_EQ(next(), A("ready"));
    ASSERT_TRUE(rt.link(b, a));
    auto bref = host->monitor(b);
    rt.runUntilIdle();
    rt.send(a, A("go"));
    Term msgs = *host->receive(10'000, [](const Term& t) { return t.isList(); });
    std::vector<Term> v;
    msgs.toVector(v);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0], T({ A("EXIT"), a, A("kill") }));
    EXPECT_TRUE(isDown(v[1]));
    EXPECT_EQ(v[1].element(4), A("kill"));
    Term bdown = next();
    EXPECT_EQ(bdown.element(4), A("kill")); // not turned into :killed
}

TEST_F(Semantics, Rule3_5_ShutdownIsAnOrdinaryReason)
{
    Term plain = spawn(idle());
    auto ref = host->monitor(plain);
    Term trapping = spawn(forwarder(hostPid), SpawnOptions { .trapExit = true });
    rt.exit(plain, T({ A("shutdown"), A("x") }));
    rt.exit(trapping, A("shutdown"));
    Term a = next();
    Term b = next();
    if (isDown(b))
        std::swap(a, b);
    EXPECT_EQ(a, T({ A("DOWN"), *ref, A("process"), plain, T({ A("shutdown"), A("x") }) }));
    EXPECT_EQ(b.element(2), T({ A("EXIT"), host->pid().isPid() ? b.element(2).element(1) : Term(), A("shutdown") }));
}

TEST_F(Semantics, Rule3_6_ExitIsCatchableAndUncaughtErrorsCarryAStack)
{
    spawn([&](ProcessContext& ctx) -> Task<void> {
        Term caught;
        try {
            raiseExit(A("inner"));
        } catch (const ProcessException& e) {
            caught = e.reason;
        }
        ctx.send(hostPid, caught);
        co_return;
    });
    EXPECT_EQ(next(), A("inner"));
    Term p = spawn([](ProcessContext&) -> Task<void> {
        raiseError(A("badarith"), L({ T({ A("erlang"), A("/"), I(2), L({}) }) }));
        co_return;
    });
    Term reason = *rt.waitExit(p);
    ASSERT_TRUE(reason.isTuple(2)) << reason.inspect();
    EXPECT_EQ(reason.element(0), A("badarith"));
    EXPECT_TRUE(reason.element(1).isList());
    // Process.exit on a dead pid is fine
    spawn([&](ProcessContext& ctx) -> Task<void> {
        ctx.exit(p, A("whatever"));
        ctx.send(hostPid, A("still_here"));
        co_return;
    });
    EXPECT_EQ(next(), A("still_here"));
}

TEST_F(Semantics, Rule3_7_FromOfExitMessages)
{
    Term target = spawn(forwarder(hostPid), SpawnOptions { .trapExit = true });
    Term caller = spawn([&](ProcessContext& ctx) -> Task<void> {
        ctx.exit(target, A("why"));
        co_await ctx.sleep(100);
    });
    EXPECT_EQ(next(), T({ A("got"), target, T({ A("EXIT"), caller, A("why") }) }));
}

TEST_F(Semantics, Rule3_Table_UnlinkedPeerDeathHasNoEffect)
{
    // Row 1: a link exit signal arriving after unlink is dropped even by a non-trapping process.
    Term survivor;
    Term dying = spawn([](ProcessContext& c) -> Task<void> {
        co_await c.receive();
        raiseExit(A("boom"));
    });
    survivor = spawn([&](ProcessContext& ctx) -> Task<void> {
        (void)ctx.link(dying);
        co_await ctx.sleep(1);
        ctx.send(dying, A("go")); // dying will exit; its signal is in flight when we unlink
        ctx.unlink(dying);
        co_await ctx.sleep(10);
        ctx.send(hostPid, A("alive"));
    });
    EXPECT_EQ(next(), A("alive"));
    EXPECT_FALSE(rt.isAlive(dying));
}

// ---- §4 monitors

TEST_F(Semantics, Rule4_1_MonitorFiresOnceWithPidOrName)
{
    Term target = spawn(
        [](ProcessContext& c) -> Task<void> {
            co_await c.receive();
            raiseExit(A("bye"));
        },
        SpawnOptions { .registerAs = Atom::intern("mon_target") });
    spawn([&](ProcessContext& ctx) -> Task<void> {
        Term r1 = *ctx.monitor(target);
        Term r2 = *ctx.monitor(A("mon_target"));
        ctx.send(target, A("go"));
        co_await ctx.sleep(10);
        ctx.send(hostPid, T({ r1, r2, messagesOf(ctx, ctx.self()) }));
    });
    Term got = next();
    std::vector<Term> v;
    got.element(2).toVector(v);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0], T({ A("DOWN"), got.element(0), A("process"), target, A("bye") }));
    EXPECT_EQ(v[1], T({ A("DOWN"), got.element(1), A("process"), T({ A("mon_target"), A("nonode@nohost") }), A("bye") }));
    EXPECT_NE(got.element(0), got.element(1));
}

TEST_F(Semantics, Rule4_2_MonitorDeadPidGivesNoprocAsynchronously)
{
    Term dead = spawn([](ProcessContext&) -> Task<void> { co_return; });
    rt.runUntilIdle();
    spawn([&](ProcessContext& ctx) -> Task<void> {
        Term ref = *ctx.monitor(dead);
        auto m = co_await ctx.receive();
        ctx.send(hostPid, T({ ref, *m }));
    });
    Term got = next();
    EXPECT_EQ(got.element(1), T({ A("DOWN"), got.element(0), A("process"), dead, A("noproc") }));
}

TEST_F(Semantics, Rule4_3_DemonitorFlushAndInfo)
{
    spawn([&](ProcessContext& ctx) -> Task<void> {
        Term t1 = ctx.spawn([](ProcessContext& c) -> Task<void> { co_await c.receive(); }).pid;
        Term r1 = *ctx.monitor(t1);
        ctx.send(t1, A("go"));
        co_await ctx.sleep(5); // DOWN is queued now
        const bool a = ctx.demonitor(r1); // true; the queued DOWN stays
        const size_t queued = messagesOf(ctx, ctx.self()).listLength();
        Term t2 = ctx.spawn([](ProcessContext& c) -> Task<void> { co_await c.receive(); }).pid;
        Term r2 = *ctx.monitor(t2);
        ctx.send(t2, A("go"));
        co_await ctx.sleep(5);
        const bool info = ctx.demonitor(r2, true, true); // DOWN already delivered: nothing removed, flushed
        const size_t afterFlush = messagesOf(ctx, ctx.self()).listLength();
        Term t3 = ctx.spawn(idle()).pid;
        Term r3 = *ctx.monitor(t3);
        const bool info3 = ctx.demonitor(r3, false, true);
        ctx.exit(t3, A("kill"));
        co_await ctx.sleep(5);
        const size_t end = messagesOf(ctx, ctx.self()).listLength();
        ctx.send(hostPid, T({ Term::boolean(a), I(int64_t(queued)), Term::boolean(info), I(int64_t(afterFlush)),
                              Term::boolean(info3), I(int64_t(end)) }));
    });
    EXPECT_EQ(next(), T({ Term::boolean(true), I(1), Term::boolean(false), I(1), Term::boolean(true), I(1) }));
}

TEST_F(Semantics, Rule4_4_TwoMonitorsTwoDowns)
{
    Term target = spawn([](ProcessContext& c) -> Task<void> { co_await c.receive(); });
    auto r1 = host->monitor(target);
    auto r2 = host->monitor(target);
    rt.send(target, A("go"));
    Term d1 = next();
    Term d2 = next();
    EXPECT_EQ(d1.element(1), *r1);
    EXPECT_EQ(d2.element(1), *r2);
}

TEST_F(Semantics, Rule4_5_MonitorsAreOneWay)
{
    Term target = spawn(idle());
    Term watcher = spawn([&](ProcessContext& ctx) -> Task<void> {
        (void)ctx.monitor(target);
        co_await ctx.receive();
    });
    rt.runUntilIdle();
    auto before = rt.info(target, atoms::monitored_by);
    EXPECT_EQ(before->element(1), L({ watcher }));
    rt.exit(watcher, A("kill"));
    rt.runUntilIdle();
    EXPECT_TRUE(rt.isAlive(target));
    EXPECT_EQ(rt.info(target, atoms::monitored_by)->element(1), L({}));
    // Monitors ignore trap_exit: a trapping watcher still gets DOWN, not EXIT.
    spawn(
        [&](ProcessContext& ctx) -> Task<void> {
            Term ref = *ctx.monitor(target);
            auto m = co_await ctx.receive();
            ctx.send(hostPid, T({ ref, *m }));
        },
        SpawnOptions { .trapExit = true });
    rt.runUntilIdle();
    rt.exit(target, A("bang"));
    Term got = next();
    EXPECT_EQ(got.element(1), T({ A("DOWN"), got.element(0), A("process"), target, A("bang") }));
}

// ---- §5 Process.info and names

TEST_F(Semantics, Rule5_1_ProcessInfo)
{
    Term other = spawn(idle(), SpawnOptions { .trapExit = true });
    rt.runUntilIdle();
    spawn([&](ProcessContext& ctx) -> Task<void> {
        (void)ctx.link(other);
        Term ref = *ctx.monitor(other);
        ctx.send(other, A("m1"));
        ctx.send(other, A("m2"));
        co_await ctx.sleep(1);
        std::vector<Term> items;
        for (Atom k : { atoms::links, atoms::monitored_by, atoms::message_queue_len, atoms::messages, atoms::status,
                 atoms::trap_exit, atoms::registered_name })
            items.push_back(*ctx.info(other, k));
        items.push_back(*ctx.info(ctx.self(), atoms::monitors));
        items.push_back(*ctx.info(ctx.self(), atoms::status));
        items.push_back(Term::boolean(!ctx.info(other, Atom::intern("no_such_key"))));
        ctx.send(hostPid, Term::list(std::move(items)));
        (void)ref;
        co_await ctx.receive();
    });
    Term got = next();
    std::vector<Term> v;
    got.toVector(v);
    ASSERT_EQ(v.size(), 10u);
    EXPECT_EQ(v[0].element(1).listLength(), 1u);
    EXPECT_EQ(v[1].element(1).listLength(), 1u);
    EXPECT_EQ(v[2], T({ A("message_queue_len"), I(2) }));
    EXPECT_EQ(v[3], T({ A("messages"), L({ A("m1"), A("m2") }) }));
    EXPECT_EQ(v[4], T({ A("status"), A("waiting") }));
    EXPECT_EQ(v[5], T({ A("trap_exit"), Term::boolean(true) }));
    EXPECT_EQ(v[6], T({ A("registered_name"), L({}) }));
    EXPECT_EQ(v[7], T({ A("monitors"), L({ T({ A("process"), other }) }) }));
    EXPECT_EQ(v[8], T({ A("status"), A("running") }));
    EXPECT_EQ(v[9], Term::boolean(true));
    rt.exit(other, A("kill"));
    rt.runUntilIdle();
    EXPECT_EQ(*rt.info(other, atoms::status), Term::nil());
}

TEST_F(Semantics, Rule5_2_RegisterWhereisAndRelease)
{
    Term p = spawn([](ProcessContext& c) -> Task<void> { co_await c.receive(); });
    Term q = spawn(idle());
    spawn([&](ProcessContext& ctx) -> Task<void> {
        const bool first = ctx.registerName(Atom::intern("kv"), p).hasValue();
        const bool taken = ctx.registerName(Atom::intern("kv"), q).hasValue();
        const bool second = ctx.registerName(Atom::intern("kv2"), p).hasValue();
        Term where = ctx.whereis(Atom::intern("kv"));
        Term ref = *ctx.monitor(p);
        ctx.send(A("kv"), A("stop"));
        auto down = co_await ctx.receive();
        Term after = ctx.whereis(Atom::intern("kv"));
        const bool dead = ctx.registerName(Atom::intern("kv3"), p).hasValue();
        ctx.send(hostPid, T({ Term::boolean(first), Term::boolean(taken), Term::boolean(second), where, after,
                              Term::boolean(dead), down->element(1) == ref ? A("down") : A("other") }));
    });
    EXPECT_EQ(next(), T({ Term::boolean(true), Term::boolean(false), Term::boolean(false), p, Term::nil(),
                          Term::boolean(false), A("down") }));
}

TEST_F(Semantics, Timers_SendAfterAndCancel)
{
    spawn([&](ProcessContext& ctx) -> Task<void> {
        const int64_t t0 = ctx.nowMs();
        ctx.sendAfter(ctx.self(), A("tick"), 30);
        Term t2 = ctx.sendAfter(ctx.self(), A("never"), 40);
        const int64_t left = ctx.cancelTimer(t2);
        auto m = co_await ctx.receive();
        const int64_t elapsed = ctx.nowMs() - t0;
        auto none = co_await ctx.receive(100);
        ctx.send(hostPid, T({ *m, I(elapsed), I(left), Term::boolean(none.has_value()), I(ctx.cancelTimer(t2)) }));
    });
    EXPECT_EQ(next(), T({ A("tick"), I(30), I(40), Term::boolean(false), I(-1) }));
}

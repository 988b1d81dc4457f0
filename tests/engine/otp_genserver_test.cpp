// GenServer (SEMANTICS.md §7.1–§7.5) on the deterministic scheduler.

#include "otp/genserver.h"

#include "testutil.h"

using namespace vigil;
using namespace vigil::otp;
using namespace vigil::test;

namespace {

Term ok(Term v) { return okTuple(std::move(v)); }

// A server whose behaviour the test picks through its arguments and requests; it reports to `report`.
class Probe : public GenServer {
public:
    explicit Probe(Term report)
        : m_report(std::move(report))
    {
    }

    Task<Term> init(ProcessContext& ctx, Term arg) override
    {
        if (arg.isTuple(2) && arg.element(0).isAtom(Atom::intern("trap"))) {
            ctx.trapExit(true);
            co_return ok(arg.element(1));
        }
        if (arg.isTuple(2) && arg.element(0).isAtom(Atom::intern("crash")))
            raiseExit(arg.element(1));
        if (arg.isTuple(2) && arg.element(0).isAtom(Atom::intern("state")))
            co_return ok(arg.element(1));
        co_return arg; // the init result itself: {:ok, s}, :ignore, {:stop, r}
    }

    Task<Term> handleCall(ProcessContext& ctx, Term req, Term from, Term state) override
    {
        if (req.isTuple(2) && req.element(0).isAtom(Atom::intern("echo")))
            co_return T({ A("reply"), req.element(1), state });
        if (req.isTuple(2) && req.element(0).isAtom(Atom::intern("sleep"))) {
            co_await ctx.sleep(req.element(1).asInteger());
            co_return T({ A("reply"), A("slept"), state });
        }
        if (req.isTuple(2) && req.element(0).isAtom(Atom::intern("stop")))
            co_return T({ A("stop"), req.element(1), A("bye"), state });
        if (req.isTuple(2) && req.element(0).isAtom(Atom::intern("crash")))
            raiseExit(req.element(1));
        if (req.isTuple(2) && req.element(0).isAtom(Atom::intern("set")))
            co_return T({ A("reply"), A("ok"), req.element(1) });
        if (req.isAtom(Atom::intern("state")))
            co_return T({ A("reply"), state, state });
        if (req.isAtom(Atom::intern("later"))) {
            // Reply from a later message instead (GenServer.reply).
            ctx.send(ctx.self(), T({ A("reply_to"), from }));
            co_return T({ A("noreply"), state });
        }
        if (req.isAtom(Atom::intern("throw")))
            throw ProcessException { ProcessException::Kind::Throw, T({ A("reply"), A("thrown"), state }) };
        if (req.isAtom(Atom::intern("bad")))
            co_return A("what");
        if (req.isTuple(3) && req.element(0).isAtom(Atom::intern("call"))) {
            Term r = co_await GenServer::call(ctx, req.element(1), req.element(2));
            co_return T({ A("reply"), r, state });
        }
        co_return co_await GenServer::handleCall(ctx, req, from, state);
    }

    Task<Term> handleCast(ProcessContext&, Term req, Term state) override
    {
        if (req.isTuple(2) && req.element(0).isAtom(Atom::intern("set")))
            co_return T({ A("noreply"), req.element(1) });
        if (req.isTuple(2) && req.element(0).isAtom(Atom::intern("stop")))
            co_return T({ A("stop"), req.element(1), state });
        if (req.isAtom(Atom::intern("continue")))
            co_return T({ A("noreply"), state, T({ A("continue"), A("more") }) });
        if (req.isAtom(Atom::intern("timeout")))
            co_return T({ A("noreply"), state, I(100) });
        co_return T({ A("noreply"), state });
    }

    Task<Term> handleInfo(ProcessContext& ctx, Term msg, Term state) override
    {
        if (msg.isTuple(2) && msg.element(0).isAtom(Atom::intern("reply_to"))) {
            GenServer::reply(ctx, msg.element(1), A("late_reply"));
            co_return T({ A("noreply"), state });
        }
        ctx.send(m_report, T({ A("info"), msg }));
        co_return T({ A("noreply"), state });
    }

    Task<Term> handleContinue(ProcessContext& ctx, Term c, Term state) override
    {
        ctx.send(m_report, T({ A("continue"), c }));
        co_return T({ A("noreply"), state });
    }

    Task<Term> terminate(ProcessContext& ctx, Term reason, Term state) override
    {
        ctx.send(m_report, T({ A("terminate"), reason, state }));
        co_return A("ok");
    }

private:
    Term m_report;
};

struct GenServerTest : DetFixture {
    std::shared_ptr<Probe> probe() { return std::make_shared<Probe>(hostPid); }
    Term startServer(Term arg, GenServerOptions o = {})
    {
        auto r = GenServer::start(rt, probe(), std::move(arg), o);
        EXPECT_TRUE(r.hasValue()) << (r ? "" : r.error().inspect());
        return r ? *r : Term();
    }
    // Runs body in a fresh process that reports {:result, value} or {:exit, reason} to the host.
    Term runIn(std::function<Task<Term>(ProcessContext&)> body, SpawnOptions so = {})
    {
        const Term host = hostPid;
        spawn(
            [body, host](ProcessContext& ctx) -> Task<void> {
                Term out;
                try {
                    Term v = co_await body(ctx);
                    out = T({ A("result"), v });
                } catch (const ProcessException& e) {
                    out = T({ A("exit"), e.exitReason() });
                }
                ctx.send(host, out);
            },
            so);
        return next();
    }
    // Monitors pid from the host; downOf waits for that monitor's DOWN and returns the reason.
    Term watch(const Term& pid) { return *host->monitor(pid); }
    Term downOf(const Term& ref)
    {
        auto m = host->receive(60'000, [ref](const Term& t) { return isDown(t) && t.element(1) == ref; });
        EXPECT_TRUE(m.has_value());
        return m ? m->element(4) : A("no_down");
    }
    Term callWrap(Term server, Term req, Term reason, Term timeout = I(5000))
    {
        return T({ A("exit"), T({ reason, T({ A("Elixir.GenServer"), A("call"), L({ server, req, timeout }) }) }) });
    }
};

} // namespace

TEST_F(GenServerTest, CallReplies)
{
    Term s = startServer(T({ A("state"), I(1) }));
    EXPECT_EQ(GenServer::call(rt, s, T({ A("echo"), A("hi") })).value(), A("hi"));
    EXPECT_EQ(*GenServer::call(rt, s, A("state")), I(1));
    EXPECT_TRUE(rt.isAlive(s));
}

// §7.1 default timeout: the caller exits {:timeout, {GenServer, :call, [s, req, 5000]}} after exactly 5000 ms
// of virtual time, and the server keeps running.
TEST_F(GenServerTest, Rule7_1_CallTimesOutAfterDefault5000ms)
{
    Term s = startServer(T({ A("state"), I(0) }));
    Term req = T({ A("sleep"), I(60000) });
    int64_t started = 0, failedAt = 0;
    Term r = runIn([&, s, req](ProcessContext& ctx) -> Task<Term> {
        started = ctx.nowMs();
        try {
            co_await GenServer::call(ctx, s, req);
        } catch (const ProcessException&) {
            failedAt = ctx.nowMs();
            throw;
        }
        co_return A("unreachable");
    });
    EXPECT_EQ(r, callWrap(s, req, A("timeout")));
    EXPECT_EQ(failedAt - started, 5000);
    EXPECT_TRUE(rt.isAlive(s));
}

TEST_F(GenServerTest, Rule7_1_ExplicitTimeoutAndInfinityAppearInTheReason)
{
    Term s = startServer(T({ A("state"), I(0) }));
    Term req = T({ A("sleep"), I(1000) });
    Term r = runIn([s, req](ProcessContext& ctx) -> Task<Term> { co_return co_await GenServer::call(ctx, s, req, 10); });
    EXPECT_EQ(r, callWrap(s, req, A("timeout"), I(10)));
    Term r2 = runIn(
        [s, req](ProcessContext& ctx) -> Task<Term> { co_return co_await GenServer::call(ctx, s, req, kInfinity); });
    EXPECT_EQ(r2, T({ A("result"), A("slept") }));
}

TEST_F(GenServerTest, Rule7_1_DeadServerIsNoproc)
{
    Term s = startServer(T({ A("state"), I(0) }));
    rt.exit(s, A("kill"));
    rt.waitExit(s);
    Term req = T({ A("echo"), I(1) });
    EXPECT_EQ(runIn([s, req](ProcessContext& ctx) -> Task<Term> { co_return co_await GenServer::call(ctx, s, req); }),
        callWrap(s, req, A("noproc")));
    // An unregistered name is noproc too, with the name in the reason.
    Term name = A("Elixir.Nobody");
    EXPECT_EQ(
        runIn([name, req](ProcessContext& ctx) -> Task<Term> { co_return co_await GenServer::call(ctx, name, req); }),
        callWrap(name, req, A("noproc")));
    // Host API: the same reason as an error value.
    auto h = GenServer::call(rt, s, req);
    ASSERT_FALSE(h.hasValue());
    EXPECT_EQ(h.error(), callWrap(s, req, A("noproc")).element(1));
}

TEST_F(GenServerTest, Rule7_1_ServerDyingDuringCallExitsCallerWithWrappedReason)
{
    Term s = startServer(T({ A("state"), I(0) }));
    Term req = T({ A("crash"), A("boom") });
    Term r = runIn([s, req](ProcessContext& ctx) -> Task<Term> { co_return co_await GenServer::call(ctx, s, req); });
    // terminate/2 reports before the caller learns of the death.
    EXPECT_EQ(r, T({ A("terminate"), A("boom"), I(0) }));
    EXPECT_EQ(next(), callWrap(s, req, A("boom")));
    EXPECT_FALSE(rt.isAlive(s));
}

TEST_F(GenServerTest, Rule7_1_LinkedNonTrappingCallerIsKilledWithPlainReason)
{
    Term s = startServer(T({ A("state"), I(0) }));
    Term caller = spawn([s](ProcessContext& ctx) -> Task<void> {
        (void)ctx.link(s);
        Term req = T({ A("crash"), A("boom") });
        co_await GenServer::call(ctx, s, req);
    });
    EXPECT_EQ(rt.waitExit(caller), A("boom"));
}

TEST_F(GenServerTest, Rule7_1_CallingSelfExits)
{
    Term r = runIn([](ProcessContext& ctx) -> Task<Term> { co_return co_await GenServer::call(ctx, ctx.self(), A("x")); });
    ASSERT_TRUE(r.element(1).isTuple(2));
    EXPECT_EQ(r.element(1).element(0), A("calling_self"));
}

TEST_F(GenServerTest, Rule7_1_WireProtocolLetsAPlainProcessCall)
{
    Term s = startServer(T({ A("state"), I(7) }));
    Term r = runIn([s](ProcessContext& ctx) -> Task<Term> {
        Term ref = Term::makeRef();
        ctx.send(s, T({ A("$gen_call"), T({ ctx.self(), ref }), A("state") }));
        auto m = co_await ctx.receive();
        co_return *m;
    });
    ASSERT_TRUE(r.element(1).isTuple(2));
    EXPECT_EQ(r.element(1).element(1), I(7));
}

TEST_F(GenServerTest, Rule7_1_ReplyFromALaterMessage)
{
    Term s = startServer(T({ A("state"), I(0) }));
    EXPECT_EQ(*GenServer::call(rt, s, A("later")), A("late_reply"));
}

// §7.2
TEST_F(GenServerTest, Rule7_2_CastAlwaysSucceeds)
{
    Term s = startServer(T({ A("state"), I(0) }));
    GenServer::cast(rt, s, T({ A("set"), I(5) }));
    EXPECT_EQ(*GenServer::call(rt, s, A("state")), I(5));
    rt.exit(s, A("kill"));
    rt.waitExit(s);
    Term r = runIn([s](ProcessContext& ctx) -> Task<Term> {
        GenServer::cast(ctx, s, A("x"));
        GenServer::cast(ctx, A("Elixir.Nobody"), A("x"));
        co_return A("ok");
    });
    EXPECT_EQ(r, T({ A("result"), A("ok") }));
}

// §7.3
TEST_F(GenServerTest, Rule7_3_HandleInfoGetsOtherMessagesAndTrappedExits)
{
    Term s = startServer(T({ A("trap"), I(0) }));
    rt.send(s, A("hello"));
    EXPECT_EQ(next(), T({ A("info"), A("hello") }));
    Term p = spawn([](ProcessContext& ctx) -> Task<void> { co_await ctx.receive(); });
    ASSERT_TRUE(rt.link(s, p).hasValue());
    rt.runUntilIdle();
    rt.exit(p, A("bye"));
    EXPECT_EQ(next(), T({ A("info"), T({ A("EXIT"), p, A("bye") }) }));
    EXPECT_TRUE(rt.isAlive(s));
}

// §7.4
TEST_F(GenServerTest, Rule7_4_TerminateRunsOnStopTuple)
{
    Term s = startServer(T({ A("state"), I(3) }));
    Term m = watch(s);
    EXPECT_EQ(*GenServer::call(rt, s, T({ A("stop"), A("normal") })), A("bye"));
    EXPECT_EQ(next(), T({ A("terminate"), A("normal"), I(3) }));
    EXPECT_EQ(downOf(m), A("normal"));

    Term s2 = startServer(T({ A("state"), I(4) }));
    Term m2 = watch(s2);
    GenServer::cast(rt, s2, T({ A("stop"), A("done") }));
    EXPECT_EQ(next(), T({ A("terminate"), A("done"), I(4) }));
    EXPECT_EQ(downOf(m2), A("done"));
}

TEST_F(GenServerTest, Rule7_4_TerminateRunsOnCrashAndTheReasonIsKept)
{
    Term s = startServer(T({ A("state"), I(3) }));
    Term m = watch(s);
    (void)GenServer::call(rt, s, T({ A("crash"), A("oops") }));
    EXPECT_EQ(next(), T({ A("terminate"), A("oops"), I(3) }));
    EXPECT_EQ(downOf(m), A("oops"));
}

TEST_F(GenServerTest, Rule7_4_BadReturnValueStopsTheServer)
{
    Term s = startServer(T({ A("state"), I(3) }));
    Term m = watch(s);
    (void)GenServer::call(rt, s, A("bad"));
    Term reason = T({ A("bad_return_value"), A("what") });
    EXPECT_EQ(next(), T({ A("terminate"), reason, I(3) }));
    EXPECT_EQ(downOf(m), reason);
}

TEST_F(GenServerTest, Rule7_4_ThrowIsAReturnValue)
{
    Term s = startServer(T({ A("state"), I(3) }));
    EXPECT_EQ(*GenServer::call(rt, s, A("throw")), A("thrown"));
    EXPECT_TRUE(rt.isAlive(s));
}

namespace {
// Starts a Probe linked from a parent process that then waits; returns {parent, server}.
std::pair<Term, Term> linkedServer(GenServerTest& t, Term initArg)
{
    const Term host = t.hostPid;
    Term parent = t.spawn([host, initArg](ProcessContext& ctx) -> Task<void> {
        Term r = co_await GenServer::startLink(ctx, std::make_shared<Probe>(host), initArg);
        ctx.send(host, T({ A("started"), r }));
        co_await ctx.receive([](const Term&) { return false; });
    });
    Term started = t.next();
    return { parent, started.element(1).element(1) };
}
} // namespace

TEST_F(GenServerTest, Rule7_4_TrappingServerRunsTerminateOnParentExit)
{
    auto [parent, s] = linkedServer(*this, T({ A("trap"), I(9) }));
    Term m = watch(s);
    rt.exit(parent, A("shutdown"));
    EXPECT_EQ(next(), T({ A("terminate"), A("shutdown"), I(9) }));
    EXPECT_EQ(downOf(m), A("shutdown"));
}

TEST_F(GenServerTest, Rule7_4_NoTerminateForNonTrappingShutdownNorKill)
{
    auto [parent, s] = linkedServer(*this, T({ A("state"), I(9) }));
    Term m = watch(s);
    rt.exit(parent, A("shutdown"));
    EXPECT_EQ(downOf(m), A("shutdown"));
    auto [parent2, s2] = linkedServer(*this, T({ A("trap"), I(9) }));
    Term m2 = watch(s2);
    rt.exit(s2, A("kill"));
    EXPECT_EQ(downOf(m2), A("killed"));
    rt.runUntilIdle();
    EXPECT_FALSE(host->receive(0).has_value()) << "terminate/2 must not run";
    (void)parent;
    (void)parent2;
}

TEST_F(GenServerTest, Rule7_4_StopRunsTerminateAndWaits)
{
    Term s = startServer(T({ A("state"), I(1) }));
    EXPECT_EQ(*GenServer::stop(rt, s, A("normal")), A("ok"));
    EXPECT_EQ(next(), T({ A("terminate"), A("normal"), I(1) }));
    EXPECT_FALSE(rt.isAlive(s));
    auto again = GenServer::stop(rt, s);
    ASSERT_FALSE(again.hasValue());
    EXPECT_EQ(again.error().element(0), A("noproc"));
}

// §7.5
TEST_F(GenServerTest, Rule7_5_InitIgnore)
{
    auto r = GenServer::start(rt, probe(), A("ignore"));
    ASSERT_FALSE(r.hasValue());
    EXPECT_EQ(r.error(), A("ignore"));
    Term viaLink = runIn(
        [this](ProcessContext& ctx) -> Task<Term> { co_return co_await GenServer::startLink(ctx, probe(), A("ignore")); });
    EXPECT_EQ(viaLink, T({ A("result"), A("ignore") }));
}

TEST_F(GenServerTest, Rule7_5_InitStopUnlinkedReturnsError)
{
    Term r = runIn([this](ProcessContext& ctx) -> Task<Term> {
        Term arg = T({ A("stop"), A("nope") });
        co_return co_await GenServer::start(ctx, probe(), arg);
    });
    EXPECT_EQ(r, T({ A("result"), T({ A("error"), A("nope") }) }));
}

TEST_F(GenServerTest, Rule7_5_InitStopKillsLinkedNonTrappingCaller)
{
    const Term host = hostPid;
    Term caller = spawn([host](ProcessContext& ctx) -> Task<void> {
        Term arg = T({ A("stop"), A("nope") });
        Term r = co_await GenServer::startLink(ctx, std::make_shared<Probe>(host), arg);
        ctx.send(host, T({ A("returned"), r }));
        co_await ctx.receive([](const Term&) { return false; });
    });
    Term m = watch(caller);
    EXPECT_EQ(downOf(m), A("nope"));
}

TEST_F(GenServerTest, Rule7_5_InitStopTrappingCallerGetsExitMessage)
{
    const Term host = hostPid;
    spawn([host](ProcessContext& ctx) -> Task<void> {
        ctx.trapExit(true);
        Term arg = T({ A("crash"), A("bad_init") });
        Term r = co_await GenServer::startLink(ctx, std::make_shared<Probe>(host), arg);
        auto m = co_await ctx.receive();
        ctx.send(host, T({ r, m->element(0), m->element(2) }));
    });
    EXPECT_EQ(next(), T({ T({ A("error"), A("bad_init") }), A("EXIT"), A("bad_init") }));
}

TEST_F(GenServerTest, NamedServerIsRegisteredAndUnique)
{
    GenServerOptions o;
    o.name = Atom::intern("Elixir.Named");
    Term s = startServer(T({ A("state"), I(42) }), o);
    EXPECT_EQ(rt.whereis(Atom::intern("Elixir.Named")), s);
    EXPECT_EQ(*GenServer::call(rt, A("Elixir.Named"), A("state")), I(42));
    auto dup = GenServer::start(rt, probe(), T({ A("state"), I(0) }), o);
    ASSERT_FALSE(dup.hasValue());
    EXPECT_EQ(dup.error(), T({ A("already_started"), s }));
}

TEST_F(GenServerTest, ContinueAndTimeout)
{
    Term s = startServer(T({ A("state"), I(0) }));
    GenServer::cast(rt, s, A("continue"));
    EXPECT_EQ(next(), T({ A("continue"), A("more") }));
    GenServer::cast(rt, s, A("timeout"));
    const int64_t t0 = rt.nowMs();
    EXPECT_EQ(next(), T({ A("info"), A("timeout") }));
    EXPECT_EQ(rt.nowMs() - t0, 100);
}

TEST_F(GenServerTest, NestedCallFromACallback)
{
    Term a = startServer(T({ A("state"), I(1) }));
    Term b = startServer(T({ A("state"), I(2) }));
    EXPECT_EQ(*GenServer::call(rt, a, T({ A("call"), b, A("state") })), I(2));
}

TEST_F(GenServerTest, InspectorReadsTheStateAndLabel)
{
    GenServerOptions o;
    o.name = Atom::intern("Elixir.Inspected");
    Term s = startServer(T({ A("state"), T({ A("some"), A("state") }) }), o);
    rt.runUntilIdle();
    auto d = rt.detail(s);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->state, T({ A("some"), A("state") }));
    EXPECT_EQ(d->summary.behaviour, Atom::intern("gen_server"));
    EXPECT_EQ(d->summary.label, A("Elixir.Inspected"));
}

namespace {
class Unshowable : public GenServer {
public:
    Term formatStatus(const Term&) const override { throw std::runtime_error("no"); }
};
} // namespace

TEST_F(GenServerTest, UnshowableStateSaysSo)
{
    auto r = GenServer::start(rt, std::make_shared<Unshowable>(), I(1));
    ASSERT_TRUE(r.hasValue());
    rt.runUntilIdle();
    auto d = rt.detail(*r);
    ASSERT_TRUE(d.has_value());
    ASSERT_TRUE(d->state.isTuple(2));
    EXPECT_EQ(d->state.element(0), A("vigil_state_unavailable"));
}

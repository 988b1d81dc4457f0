// Supervisor (SEMANTICS.md §6.1–§6.8, §6.10) on the deterministic scheduler: which pids changed, which survived,
// in which order children stopped and started, and which reason the supervisor exited with.

#include "otp/supervisor.h"

#include "testutil.h"

#include <map>

using namespace vigil;
using namespace vigil::otp;
using namespace vigil::test;

namespace {

// A trapping worker that reports {:started, id, pid} and, from terminate/2, {:stopped, id, reason}.
// {:exit_with, r} makes it stop with r.
class Reporter : public GenServer {
public:
    Reporter(Term report, Term id, bool trap)
        : m_report(std::move(report))
        , m_id(std::move(id))
        , m_trap(trap)
    {
    }
    Task<Term> init(ProcessContext& ctx, Term) override
    {
        if (m_trap)
            ctx.trapExit(true);
        ctx.send(m_report, T({ A("started"), m_id, ctx.self() }));
        co_return okTuple(m_id);
    }
    Task<Term> handleInfo(ProcessContext&, Term msg, Term state) override
    {
        if (msg.isTuple(2) && msg.element(0).isAtom(Atom::intern("exit_with")))
            co_return T({ A("stop"), msg.element(1), state });
        co_return T({ A("noreply"), state });
    }
    Task<Term> terminate(ProcessContext& ctx, Term reason, Term) override
    {
        ctx.send(m_report, T({ A("stopped"), m_id, reason }));
        co_return A("ok");
    }

private:
    Term m_report, m_id;
    bool m_trap;
};

Task<Term> failingStart(Term reason) { co_return errorTuple(std::move(reason)); }
Task<Term> ignoringStart() { co_return A("ignore"); }

// A child that traps exits and, on the supervisor's :shutdown, takes `delayMs` to exit (kInfinity: never).
Task<void> stubbornBody(ProcessContext& ctx, int64_t delayMs)
{
    ctx.trapExit(true);
    for (;;) {
        auto m = co_await ctx.receive();
        if (isExit(*m) && m->element(2).isAtom(atoms::shutdown)) {
            if (delayMs == kInfinity)
                co_await ctx.receive([](const Term&) { return false; });
            co_await ctx.sleep(delayMs);
            raiseExit(A("shutdown"));
        }
    }
}
Task<Term> stubbornStart(ProcessContext& ctx, int64_t delayMs)
{
    SpawnOptions so;
    so.link = true;
    Term pid = ctx.spawn([delayMs](ProcessContext& c) { return stubbornBody(c, delayMs); }, so).pid;
    co_return okTuple(pid);
}

struct SupervisorTest : DetFixture {
    std::shared_ptr<TraceSubscription> trace = rt.subscribe();

    ChildSpec child(const char* id, Atom restart = atoms::permanent, bool trap = true)
    {
        ChildSpec s;
        s.id = A(id);
        s.restart = restart;
        const Term host = hostPid, cid = A(id);
        s.start = [host, cid, trap](ProcessContext& ctx) {
            return GenServer::startLink(ctx, std::make_shared<Reporter>(host, cid, trap), Term::nil());
        };
        return s;
    }
    std::vector<ChildSpec> abc()
    {
        return { child("a"), child("b"), child("c") };
    }
    Term startSup(std::vector<ChildSpec> children, SupervisorFlags flags = {})
    {
        auto r = Supervisor::start(rt, std::move(children), flags);
        EXPECT_TRUE(r.hasValue()) << (r ? "" : r.error().inspect());
        return r ? *r : Term();
    }
    // Everything the host has been sent so far (after running the scheduler), in order.
    std::vector<Term> reports()
    {
        rt.runUntilIdle();
        std::vector<Term> out;
        while (auto m = host->receive(0))
            out.push_back(*m);
        return out;
    }
    std::map<std::string, Term> pids(const Term& sup)
    {
        std::map<std::string, Term> out;
        auto wc = Supervisor::whichChildren(rt, sup);
        EXPECT_TRUE(wc.hasValue());
        std::vector<Term> items;
        if (wc)
            wc->toVector(items);
        for (const Term& c : items)
            out[std::string(c.element(0).asAtom().name())] = c.element(1);
        return out;
    }
    Term watch(const Term& pid) { return *host->monitor(pid); }
    Term downOf(const Term& ref)
    {
        auto m = host->receive(600'000, [ref](const Term& t) { return isDown(t) && t.element(1) == ref; });
        EXPECT_TRUE(m.has_value());
        return m ? m->element(4) : A("no_down");
    }
    std::vector<TraceEvent> supervisorEvents()
    {
        rt.runUntilIdle();
        std::vector<TraceEvent> all, out;
        trace->drain(all);
        for (auto& e : all)
            if (e.kind == TraceKind::ChildStarted || e.kind == TraceKind::ChildRestarted
                || e.kind == TraceKind::ChildTerminated || e.kind == TraceKind::SupervisorGaveUp)
                out.push_back(e);
        return out;
    }
};

Term stopped(const char* id, Term reason = A("shutdown")) { return T({ A("stopped"), A(id), reason }); }

// Reports with pids replaced by the child id only, for order checks.
std::vector<Term> shape(const std::vector<Term>& reports)
{
    std::vector<Term> out;
    for (const Term& r : reports)
        out.push_back(r.element(0).isAtom(Atom::intern("started")) ? T({ r.element(0), r.element(1) }) : r);
    return out;
}
Term S(const char* id) { return T({ A("started"), A(id) }); }

} // namespace

// §6.1
TEST_F(SupervisorTest, Rule6_1_ChildSpecDefaultsAndTermForm)
{
    ChildSpec w = child("w");
    EXPECT_EQ(w.restart, atoms::permanent);
    EXPECT_EQ(w.effectiveShutdown().kind, Shutdown::Kind::Timeout);
    EXPECT_EQ(w.effectiveShutdown().ms, 5000);
    EXPECT_EQ(Supervisor::childSpec(A("s"), {}).effectiveShutdown().kind, Shutdown::Kind::Infinity);
    Term t = childSpecToTerm(w);
    auto back = childSpecFromTerm(t);
    ASSERT_TRUE(back.hasValue());
    EXPECT_EQ(back->id, A("w"));
    EXPECT_EQ(back->type, atoms::worker);
    EXPECT_EQ(*t.mapGet(A("shutdown")), I(5000));
    EXPECT_FALSE(childSpecFromTerm(Term::map({ { A("id"), A("x") } })).hasValue());
}

// §6.2
TEST_F(SupervisorTest, Rule6_2_ElixirDefaultFlags)
{
    SupervisorFlags f;
    EXPECT_EQ(f.strategy, atoms::one_for_one);
    EXPECT_EQ(f.maxRestarts, 3);
    EXPECT_EQ(f.maxSeconds, 5);
    EXPECT_EQ(f.autoShutdown, Atom::intern("never"));
}

// §6.3
TEST_F(SupervisorTest, Rule6_3_ChildrenStartLeftToRight)
{
    Term sup = startSup(abc());
    EXPECT_EQ(shape(reports()), (std::vector<Term> { S("a"), S("b"), S("c") }));
    auto events = supervisorEvents();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].data, A("a"));
    EXPECT_EQ(events[2].data, A("c"));
    EXPECT_EQ(events[0].pid, sup.pidSerial());
    EXPECT_EQ(events[0].extra, A("one_for_one"));
}

TEST_F(SupervisorTest, Rule6_3_FailedStartStopsTheStartedOnesInReverse)
{
    ChildSpec bad;
    bad.id = A("bad");
    bad.start = [](ProcessContext&) { return failingStart(A("nope")); };
    auto r = Supervisor::start(rt, { child("a"), child("b"), bad, child("c") });
    ASSERT_FALSE(r.hasValue());
    EXPECT_EQ(r.error(), T({ A("shutdown"), T({ A("failed_to_start_child"), A("bad"), A("nope") }) }));
    EXPECT_EQ(shape(reports()), (std::vector<Term> { S("a"), S("b"), stopped("b"), stopped("a") }));
}

TEST_F(SupervisorTest, Rule6_3_IgnoredChildIsKeptWithUndefinedPid)
{
    ChildSpec ign;
    ign.id = A("ign");
    ign.start = [](ProcessContext&) { return ignoringStart(); };
    Term sup = startSup({ child("a"), ign });
    auto p = pids(sup);
    EXPECT_EQ(p["ign"], A("undefined"));
    EXPECT_TRUE(p["a"].isPid());
    EXPECT_EQ(*Supervisor::countChildren(rt, sup),
        Term::map({ { A("specs"), I(2) }, { A("active"), I(1) }, { A("supervisors"), I(0) }, { A("workers"), I(2) } }));
}

// §6.4
TEST_F(SupervisorTest, Rule6_4_SupervisorStopsChildrenRightToLeft)
{
    Term sup = startSup(abc());
    reports();
    Term m = watch(sup);
    ASSERT_TRUE(GenServer::stop(rt, sup, A("shutdown")).hasValue());
    EXPECT_EQ(downOf(m), A("shutdown"));
    EXPECT_EQ(reports(), (std::vector<Term> { stopped("c"), stopped("b"), stopped("a") }));
}

// §6.5
TEST_F(SupervisorTest, Rule6_5_BrutalKillKillsWithoutTerminate)
{
    ChildSpec a = child("a");
    a.shutdown = Shutdown::brutalKill();
    Term sup = startSup({ a });
    Term pid = pids(sup)["a"];
    reports();
    EXPECT_EQ(*Supervisor::terminateChild(rt, sup, A("a")), A("ok"));
    EXPECT_TRUE(reports().empty()) << "terminate/2 does not run on :kill";
    EXPECT_FALSE(rt.isAlive(pid));
    auto ev = supervisorEvents();
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().kind, TraceKind::ChildTerminated);
    EXPECT_EQ(ev.back().extra, A("killed"));
    EXPECT_EQ(ev.back().other, pid.pidSerial());
}

TEST_F(SupervisorTest, Rule6_5_TimeoutWaitsThenKills)
{
    ChildSpec slow;
    slow.id = A("slow");
    slow.shutdown = Shutdown::timeout(300);
    slow.start = [](ProcessContext& ctx) { return stubbornStart(ctx, kInfinity); };
    Term sup = startSup({ slow });
    const int64_t t0 = rt.nowMs();
    EXPECT_EQ(*Supervisor::terminateChild(rt, sup, A("slow")), A("ok"));
    EXPECT_EQ(rt.nowMs() - t0, 300);
    auto ev = supervisorEvents();
    EXPECT_EQ(ev.back().extra, A("killed"));
}

TEST_F(SupervisorTest, Rule6_5_TimeoutChildThatExitsInTimeIsNotKilled)
{
    ChildSpec slow;
    slow.id = A("slow");
    slow.shutdown = Shutdown::timeout(300);
    slow.start = [](ProcessContext& ctx) { return stubbornStart(ctx, 100); };
    Term sup = startSup({ slow });
    const int64_t t0 = rt.nowMs();
    EXPECT_EQ(*Supervisor::terminateChild(rt, sup, A("slow")), A("ok"));
    EXPECT_EQ(rt.nowMs() - t0, 100);
    EXPECT_EQ(supervisorEvents().back().extra, A("shutdown"));
}

TEST_F(SupervisorTest, Rule6_5_InfinityWaitsForever)
{
    ChildSpec slow;
    slow.id = A("slow");
    slow.shutdown = Shutdown::infinity();
    slow.start = [](ProcessContext& ctx) { return stubbornStart(ctx, 60'000); };
    Term sup = startSup({ slow });
    const int64_t t0 = rt.nowMs();
    EXPECT_EQ(*Supervisor::terminateChild(rt, sup, A("slow")), A("ok"));
    EXPECT_EQ(rt.nowMs() - t0, 60'000);
    EXPECT_EQ(supervisorEvents().back().extra, A("shutdown"));
}

// §6.6
TEST_F(SupervisorTest, Rule6_6_PermanentAlwaysRestarts)
{
    Term sup = startSup({ child("a") });
    Term old = pids(sup)["a"];
    rt.send(old, T({ A("exit_with"), A("normal") }));
    rt.runUntilIdle();
    Term now = pids(sup)["a"];
    EXPECT_TRUE(now.isPid());
    EXPECT_NE(now, old);
}

TEST_F(SupervisorTest, Rule6_6_TransientRestartsOnlyAbnormalExits)
{
    for (Term reason : { A("normal"), A("shutdown"), T({ A("shutdown"), A("bye") }) }) {
        Term sup = startSup({ child("t", atoms::transient) });
        rt.send(pids(sup)["t"], T({ A("exit_with"), reason }));
        rt.runUntilIdle();
        EXPECT_EQ(pids(sup)["t"], A("undefined")) << reason.inspect();
    }
    Term sup = startSup({ child("t", atoms::transient) });
    Term old = pids(sup)["t"];
    rt.send(old, T({ A("exit_with"), A("boom") }));
    rt.runUntilIdle();
    EXPECT_TRUE(pids(sup)["t"].isPid());
    EXPECT_NE(pids(sup)["t"], old);
}

TEST_F(SupervisorTest, Rule6_6_TemporaryNeverRestartsAndIsForgotten)
{
    Term sup = startSup({ child("a"), child("tmp", atoms::temporary) });
    rt.exit(pids(sup)["tmp"], A("kill"));
    rt.runUntilIdle();
    auto p = pids(sup);
    EXPECT_EQ(p.count("tmp"), 0u);
    EXPECT_EQ(p.size(), 1u);
}

// §6.7
TEST_F(SupervisorTest, Rule6_7_OneForOneRestartsOnlyTheFailedChild)
{
    Term sup = startSup(abc());
    auto before = pids(sup);
    reports();
    rt.exit(before["b"], A("kill"));
    EXPECT_EQ(shape(reports()), (std::vector<Term> { S("b") }));
    auto after = pids(sup);
    EXPECT_EQ(after["a"], before["a"]);
    EXPECT_NE(after["b"], before["b"]);
    EXPECT_EQ(after["c"], before["c"]);
    auto ev = supervisorEvents();
    ASSERT_EQ(ev.back().kind, TraceKind::ChildRestarted);
    EXPECT_EQ(ev.back().old, before["b"].pidSerial());
    EXPECT_EQ(ev.back().other, after["b"].pidSerial());
    EXPECT_EQ(ev.back().count, 1u);
    EXPECT_EQ(ev.back().extra, A("one_for_one"));
}

TEST_F(SupervisorTest, Rule6_7_OneForAllStopsOthersInReverseThenStartsAll)
{
    SupervisorFlags f;
    f.strategy = atoms::one_for_all;
    Term sup = startSup(abc(), f);
    auto before = pids(sup);
    reports();
    supervisorEvents();
    rt.exit(before["b"], A("kill"));
    EXPECT_EQ(shape(reports()), (std::vector<Term> { stopped("c"), stopped("a"), S("a"), S("b"), S("c") }));
    auto after = pids(sup);
    for (auto id : { "a", "b", "c" })
        EXPECT_NE(after[id], before[id]) << id;
    auto ev = supervisorEvents();
    // terminated c, a; restarted a, b, c (old → new), all by one_for_all
    ASSERT_EQ(ev.size(), 5u);
    EXPECT_EQ(ev[0].kind, TraceKind::ChildTerminated);
    EXPECT_EQ(ev[0].data, A("c"));
    EXPECT_EQ(ev[1].data, A("a"));
    for (int i = 2; i < 5; ++i) {
        EXPECT_EQ(ev[size_t(i)].kind, TraceKind::ChildRestarted);
        EXPECT_EQ(ev[size_t(i)].extra, A("one_for_all"));
    }
    EXPECT_EQ(ev[3].old, before["b"].pidSerial());
}

TEST_F(SupervisorTest, Rule6_7_RestForOneStopsLaterOnesThenRestartsFromTheFailed)
{
    SupervisorFlags f;
    f.strategy = atoms::rest_for_one;
    Term sup = startSup(abc(), f);
    auto before = pids(sup);
    reports();
    rt.exit(before["b"], A("kill"));
    EXPECT_EQ(shape(reports()), (std::vector<Term> { stopped("c"), S("b"), S("c") }));
    auto after = pids(sup);
    EXPECT_EQ(after["a"], before["a"]);
    EXPECT_NE(after["b"], before["b"]);
    EXPECT_NE(after["c"], before["c"]);
}

// §6.8
TEST_F(SupervisorTest, Rule6_8_FourthRestartWithinFiveSecondsGivesUp)
{
    Term sup = startSup(abc());
    Term m = watch(sup);
    reports();
    for (int k = 0; k < 3; ++k) {
        rt.exit(pids(sup)["b"], A("kill"));
        EXPECT_EQ(shape(reports()), (std::vector<Term> { S("b") })) << "restart " << k + 1;
        rt.runFor(1000);
    }
    supervisorEvents();
    rt.exit(pids(sup)["b"], A("kill"));
    EXPECT_EQ(downOf(m), A("shutdown"));
    // b is not restarted; the others are stopped right to left.
    EXPECT_EQ(reports(), (std::vector<Term> { stopped("c"), stopped("a") }));
    auto ev = supervisorEvents();
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev[0].kind, TraceKind::SupervisorGaveUp);
    EXPECT_EQ(ev[0].data, A("b"));
    EXPECT_EQ(ev[0].count, 3u);
}

TEST_F(SupervisorTest, Rule6_8_RestartsOutsideTheWindowDoNotCount)
{
    Term sup = startSup(abc());
    for (int k = 0; k < 8; ++k) {
        rt.exit(pids(sup)["a"], A("kill"));
        rt.runUntilIdle();
        ASSERT_TRUE(rt.isAlive(sup)) << "kill " << k + 1;
        rt.runFor(2000);
    }
}

TEST_F(SupervisorTest, Rule6_8_WindowIsWholeSecondsInclusive)
{
    // Restarts at 0, 1, 2 s and then at 5 s: the one at 0 s is still within 5 s (OTP keeps R >= now - period).
    Term sup = startSup({ child("a") });
    Term m = watch(sup);
    for (int64_t at : { 0, 1000, 2000 }) {
        rt.runFor(at - rt.nowMs());
        rt.exit(pids(sup)["a"], A("kill"));
        rt.runUntilIdle();
        ASSERT_TRUE(rt.isAlive(sup));
    }
    rt.runFor(5000 - rt.nowMs());
    rt.exit(pids(sup)["a"], A("kill"));
    EXPECT_EQ(downOf(m), A("shutdown"));
}

TEST_F(SupervisorTest, Rule6_8_MaxRestartsZeroGivesUpOnFirstCrash)
{
    SupervisorFlags f;
    f.maxRestarts = 0;
    Term sup = startSup({ child("a") }, f);
    Term m = watch(sup);
    rt.exit(pids(sup)["a"], A("kill"));
    EXPECT_EQ(downOf(m), A("shutdown"));
}

TEST_F(SupervisorTest, Rule6_8_FailedRestartsAreRetriedAndCount)
{
    auto attempts = std::make_shared<int>(0);
    ChildSpec flaky;
    flaky.id = A("f");
    const Term host = hostPid;
    flaky.start = [attempts, host](ProcessContext& ctx) -> Task<Term> {
        if ((*attempts)++ > 0)
            return failingStart(A("cannot"));
        return GenServer::startLink(ctx, std::make_shared<Reporter>(host, A("f"), true), Term::nil());
    };
    Term sup = startSup({ child("a"), flaky });
    Term m = watch(sup);
    rt.exit(pids(sup)["f"], A("kill"));
    EXPECT_EQ(downOf(m), A("shutdown"));
    // The first start plus one attempt per allowed restart (3) plus the one that exceeded nothing: 1 + 3.
    EXPECT_EQ(*attempts, 4);
}

// §6.10
TEST_F(SupervisorTest, Rule6_10_AnySignificantShutsDownTheSupervisor)
{
    SupervisorFlags f;
    f.autoShutdown = Atom::intern("any_significant");
    ChildSpec sig = child("sig", atoms::transient);
    sig.significant = true;
    Term sup = startSup({ child("a"), sig, child("c") }, f);
    Term m = watch(sup);
    reports();
    rt.send(pids(sup)["sig"], T({ A("exit_with"), A("normal") }));
    EXPECT_EQ(downOf(m), A("shutdown"));
    EXPECT_EQ(reports(), (std::vector<Term> { stopped("sig", A("normal")), stopped("c"), stopped("a") }));
}

TEST_F(SupervisorTest, Rule6_10_AllSignificantWaitsForTheLast)
{
    SupervisorFlags f;
    f.autoShutdown = Atom::intern("all_significant");
    ChildSpec s1 = child("s1", atoms::temporary), s2 = child("s2", atoms::transient);
    s1.significant = s2.significant = true;
    Term sup = startSup({ child("a"), s1, s2 }, f);
    Term m = watch(sup);
    auto p = pids(sup);
    rt.send(p["s1"], T({ A("exit_with"), A("normal") }));
    rt.runUntilIdle();
    EXPECT_TRUE(rt.isAlive(sup));
    rt.send(p["s2"], T({ A("exit_with"), T({ A("shutdown"), A("done") }) }));
    EXPECT_EQ(downOf(m), A("shutdown"));
}

TEST_F(SupervisorTest, Rule6_10_SignificantRestartedChildDoesNotShutDown)
{
    SupervisorFlags f;
    f.autoShutdown = Atom::intern("any_significant");
    ChildSpec sig = child("sig", atoms::transient);
    sig.significant = true;
    Term sup = startSup({ sig }, f);
    rt.exit(pids(sup)["sig"], A("kill"));
    rt.runUntilIdle();
    EXPECT_TRUE(rt.isAlive(sup));
    EXPECT_TRUE(pids(sup)["sig"].isPid());
}

TEST_F(SupervisorTest, SignificantPermanentChildIsRejected)
{
    SupervisorFlags f;
    f.autoShutdown = Atom::intern("any_significant");
    ChildSpec sig = child("sig");
    sig.significant = true;
    auto r = Supervisor::start(rt, { sig }, f);
    ASSERT_FALSE(r.hasValue());
    EXPECT_EQ(r.error().element(0), A("start_spec"));
}

// Operations
TEST_F(SupervisorTest, WhichChildrenListsTheLatestFirst)
{
    Term sup = startSup(abc());
    auto wc = Supervisor::whichChildren(rt, sup);
    ASSERT_TRUE(wc.hasValue());
    std::vector<Term> items;
    wc->toVector(items);
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].element(0), A("c"));
    EXPECT_EQ(items[2].element(0), A("a"));
    EXPECT_EQ(items[0].element(2), A("worker"));
    EXPECT_EQ(items[0].element(3), L({ A("c") }));
}

TEST_F(SupervisorTest, TerminateRestartDeleteChild)
{
    Term sup = startSup(abc());
    Term oldB = pids(sup)["b"];
    reports();
    EXPECT_EQ(*Supervisor::terminateChild(rt, sup, A("b")), A("ok"));
    EXPECT_EQ(reports(), (std::vector<Term> { stopped("b") }));
    EXPECT_EQ(pids(sup)["b"], A("undefined"));
    EXPECT_EQ(*Supervisor::terminateChild(rt, sup, A("zzz")), errorTuple(A("not_found")));
    EXPECT_EQ(*Supervisor::restartChild(rt, sup, A("a")), errorTuple(A("running")));
    EXPECT_EQ(*Supervisor::deleteChild(rt, sup, A("a")), errorTuple(A("running")));
    Term r = *Supervisor::restartChild(rt, sup, A("b"));
    ASSERT_TRUE(r.isTuple(2));
    EXPECT_NE(r.element(1), oldB);
    EXPECT_EQ(pids(sup)["b"], r.element(1));
    EXPECT_EQ(*Supervisor::terminateChild(rt, sup, A("b")), A("ok"));
    EXPECT_EQ(*Supervisor::deleteChild(rt, sup, A("b")), A("ok"));
    EXPECT_EQ(pids(sup).count("b"), 0u);
    EXPECT_EQ(*Supervisor::deleteChild(rt, sup, A("b")), errorTuple(A("not_found")));
    EXPECT_EQ(*Supervisor::restartChild(rt, sup, A("b")), errorTuple(A("not_found")));
}

TEST_F(SupervisorTest, StartChildAppendsAndRejectsDuplicates)
{
    Term sup = startSup({ child("a") });
    Term r = *Supervisor::startChild(rt, sup, child("d"));
    ASSERT_TRUE(r.isTuple(2));
    EXPECT_EQ(r.element(0), A("ok"));
    EXPECT_EQ(pids(sup)["d"], r.element(1));
    EXPECT_EQ(*Supervisor::startChild(rt, sup, child("d")),
        errorTuple(T({ A("already_started"), r.element(1) })));
    (void)Supervisor::terminateChild(rt, sup, A("d"));
    EXPECT_EQ(*Supervisor::startChild(rt, sup, child("d")), errorTuple(A("already_present")));
    ChildSpec bad;
    bad.id = A("bad");
    bad.start = [](ProcessContext&) { return failingStart(A("nope")); };
    EXPECT_EQ(*Supervisor::startChild(rt, sup, bad), errorTuple(A("nope")));
    // Stopped in reverse start order: d was started last.
    reports();
    Term m = watch(sup);
    (void)GenServer::stop(rt, sup, A("shutdown"));
    downOf(m);
    EXPECT_EQ(reports(), (std::vector<Term> { stopped("a") }));
}

TEST_F(SupervisorTest, SupervisorIsLabelledForTheInspector)
{
    SupervisorOptions o;
    o.name = Atom::intern("Elixir.MySup");
    auto r = Supervisor::start(rt, abc(), {}, o);
    ASSERT_TRUE(r.hasValue());
    rt.runUntilIdle();
    auto d = rt.detail(*r);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->summary.behaviour, atoms::supervisor);
    EXPECT_TRUE(d->summary.trapExit);
    ASSERT_TRUE(d->state.isMap());
    EXPECT_EQ(*d->state.mapGet(A("strategy")), A("one_for_one"));
    EXPECT_EQ(rt.whereis(Atom::intern("Elixir.MySup")), *r);
}

// Nesting: a supervisor that gives up is restarted by its parent with a fresh subtree.
TEST_F(SupervisorTest, NestedGiveUpRestartsTheSubtreeAtTheParent)
{
    SupervisorFlags inner;
    inner.strategy = atoms::one_for_all;
    std::vector<ChildSpec> innerChildren { child("x"), child("y") };
    Term root = startSup({ child("a"), Supervisor::childSpec(A("mid"), innerChildren, inner), child("c") });
    Term mid = pids(root)["mid"];
    reports();
    for (int k = 0; k < 4; ++k) {
        Term x = *Supervisor::whichChildren(rt, mid);
        std::vector<Term> items;
        x.toVector(items);
        rt.exit(items[1].element(1), A("kill")); // x (listed last)
        rt.runUntilIdle();
    }
    auto after = pids(root);
    EXPECT_NE(after["mid"], mid);
    EXPECT_TRUE(after["mid"].isPid());
    EXPECT_TRUE(rt.isAlive(after["a"]));
    auto ev = supervisorEvents();
    bool gaveUp = false, midRestarted = false;
    for (auto& e : ev) {
        gaveUp = gaveUp || (e.kind == TraceKind::SupervisorGaveUp && e.pid == mid.pidSerial());
        midRestarted = midRestarted
            || (e.kind == TraceKind::ChildRestarted && e.data == A("mid") && e.old == mid.pidSerial());
    }
    EXPECT_TRUE(gaveUp);
    EXPECT_TRUE(midRestarted);
}

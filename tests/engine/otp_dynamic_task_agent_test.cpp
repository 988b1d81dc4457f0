// DynamicSupervisor (§6.9), Task (§7.6) and Agent on the deterministic scheduler.

#include "otp/agent.h"
#include "otp/dynamicsupervisor.h"
#include "otp/otp_task.h"

#include "testutil.h"

using namespace vigil;
using namespace vigil::otp;
using namespace vigil::test;

namespace {

class Sleeper : public GenServer {
public:
    Sleeper(Term report, Term tag)
        : m_report(std::move(report))
        , m_tag(std::move(tag))
    {
    }
    Task<Term> init(ProcessContext& ctx, Term arg) override
    {
        ctx.trapExit(true);
        ctx.send(m_report, T({ A("started"), m_tag, arg }));
        co_return okTuple(arg);
    }
    Task<Term> terminate(ProcessContext& ctx, Term reason, Term) override
    {
        ctx.send(m_report, T({ A("stopped"), m_tag, reason }));
        co_return A("ok");
    }

private:
    Term m_report, m_tag;
};

Task<Term> failingStart() { co_return errorTuple(A("nope")); }
Task<Term> ignoringStart() { co_return A("ignore"); }

struct OtpFixture : DetFixture {
    Term watch(const Term& pid) { return *host->monitor(pid); }
    Term downOf(const Term& ref)
    {
        auto m = host->receive(600'000, [ref](const Term& t) { return isDown(t) && t.element(1) == ref; });
        EXPECT_TRUE(m.has_value());
        return m ? m->element(4) : A("no_down");
    }
    std::vector<Term> reports()
    {
        rt.runUntilIdle();
        std::vector<Term> out;
        while (auto m = host->receive(0))
            out.push_back(*m);
        return out;
    }
    Term runIn(std::function<Task<Term>(ProcessContext&)> body, bool trap = false)
    {
        const Term h = hostPid;
        SpawnOptions so;
        so.trapExit = trap;
        spawn([body, h](ProcessContext& ctx) { return reportTo(ctx, body, h); }, so);
        return next();
    }
    // A plain coroutine (not a capturing lambda): its arguments live in its own frame.
    static Task<void> reportTo(ProcessContext& ctx, std::function<Task<Term>(ProcessContext&)> body, Term h)
    {
        Term out;
        try {
            Term v = co_await body(ctx);
            out = T({ A("result"), v });
        } catch (const ProcessException& e) {
            out = T({ A("exit"), e.exitReason() });
        }
        ctx.send(h, out);
    }
};

using DynamicSupervisorTest = OtpFixture;
using TaskTest = OtpFixture;
using AgentTest = OtpFixture;

ChildSpec sleeper(Term report, Term tag, Atom restart = atoms::permanent)
{
    ChildSpec s;
    s.id = tag;
    s.restart = restart;
    s.startWithArgs = [report, tag](ProcessContext& ctx, std::vector<Term> extra) {
        return GenServer::startLink(ctx, std::make_shared<Sleeper>(report, tag), Term::list(std::move(extra)));
    };
    return s;
}

std::vector<Term> itemsOf(const Term& list)
{
    std::vector<Term> v;
    list.toVector(v);
    return v;
}

} // namespace

// §6.9
TEST_F(DynamicSupervisorTest, Rule6_9_StartsEmptyAndAddsChildren)
{
    DynamicSupervisorFlags f;
    f.extraArguments = { A("extra") };
    auto sup = DynamicSupervisor::start(rt, f);
    ASSERT_TRUE(sup.hasValue());
    EXPECT_EQ(*DynamicSupervisor::whichChildren(rt, *sup), Term::emptyList());
    Term r = *DynamicSupervisor::startChild(rt, *sup, sleeper(hostPid, A("w1")));
    ASSERT_TRUE(r.isTuple(2));
    EXPECT_EQ(r.element(0), A("ok"));
    // extra_arguments reach the child's start
    EXPECT_EQ(next(), T({ A("started"), A("w1"), L({ A("extra") }) }));
    auto wc = itemsOf(*DynamicSupervisor::whichChildren(rt, *sup));
    ASSERT_EQ(wc.size(), 1u);
    EXPECT_EQ(wc[0], T({ A("undefined"), r.element(1), A("worker"), L({ A("w1") }) }));
    EXPECT_EQ(*DynamicSupervisor::countChildren(rt, *sup),
        Term::map({ { A("specs"), I(1) }, { A("active"), I(1) }, { A("supervisors"), I(0) }, { A("workers"), I(1) } }));
}

TEST_F(DynamicSupervisorTest, Rule6_9_MaxChildren)
{
    DynamicSupervisorFlags f;
    f.maxChildren = 2;
    Term sup = *DynamicSupervisor::start(rt, f);
    EXPECT_EQ(DynamicSupervisor::startChild(rt, sup, sleeper(hostPid, A("a")))->element(0), A("ok"));
    EXPECT_EQ(DynamicSupervisor::startChild(rt, sup, sleeper(hostPid, A("b")))->element(0), A("ok"));
    EXPECT_EQ(*DynamicSupervisor::startChild(rt, sup, sleeper(hostPid, A("c"))), errorTuple(A("max_children")));
}

TEST_F(DynamicSupervisorTest, Rule6_9_TerminateChildByPid)
{
    Term sup = *DynamicSupervisor::start(rt);
    Term pid = DynamicSupervisor::startChild(rt, sup, sleeper(hostPid, A("a")))->element(1);
    reports();
    EXPECT_EQ(*DynamicSupervisor::terminateChild(rt, sup, pid), A("ok"));
    EXPECT_EQ(reports(), (std::vector<Term> { T({ A("stopped"), A("a"), A("shutdown") }) }));
    EXPECT_EQ(*DynamicSupervisor::terminateChild(rt, sup, pid), errorTuple(A("not_found")));
}

TEST_F(DynamicSupervisorTest, Rule6_9_IgnoreAndErrorAreReturned)
{
    Term sup = *DynamicSupervisor::start(rt);
    ChildSpec ign;
    ign.id = A("i");
    ign.start = [](ProcessContext&) { return ignoringStart(); };
    EXPECT_EQ(*DynamicSupervisor::startChild(rt, sup, ign), A("ignore"));
    ChildSpec bad;
    bad.id = A("b");
    bad.start = [](ProcessContext&) { return failingStart(); };
    EXPECT_EQ(*DynamicSupervisor::startChild(rt, sup, bad), errorTuple(A("nope")));
    EXPECT_EQ(*DynamicSupervisor::whichChildren(rt, sup), Term::emptyList());
}

TEST_F(DynamicSupervisorTest, Rule6_9_RestartsByPidAndGivesUp)
{
    Term sup = *DynamicSupervisor::start(rt);
    Term m = watch(sup);
    Term pid = DynamicSupervisor::startChild(rt, sup, sleeper(hostPid, A("a")))->element(1);
    Term tmp = DynamicSupervisor::startChild(rt, sup, sleeper(hostPid, A("t"), atoms::temporary))->element(1);
    rt.exit(tmp, A("kill"));
    rt.runUntilIdle();
    EXPECT_EQ(itemsOf(*DynamicSupervisor::whichChildren(rt, sup)).size(), 1u) << "temporary child is forgotten";
    for (int k = 0; k < 3; ++k) {
        rt.exit(pid, A("kill"));
        rt.runUntilIdle();
        auto wc = itemsOf(*DynamicSupervisor::whichChildren(rt, sup));
        ASSERT_EQ(wc.size(), 1u);
        EXPECT_NE(wc[0].element(1), pid);
        pid = wc[0].element(1);
    }
    rt.exit(pid, A("kill"));
    EXPECT_EQ(downOf(m), A("shutdown"));
}

TEST_F(DynamicSupervisorTest, Rule6_9_ChildrenStopConcurrently)
{
    Term sup = *DynamicSupervisor::start(rt);
    for (auto id : { "a", "b", "c" })
        (void)DynamicSupervisor::startChild(rt, sup, sleeper(hostPid, A(id)));
    reports();
    Term m = watch(sup);
    ASSERT_TRUE(GenServer::stop(rt, sup, A("shutdown")).hasValue());
    EXPECT_EQ(downOf(m), A("shutdown"));
    auto r = reports();
    EXPECT_EQ(r.size(), 3u);
    for (const Term& t : r)
        EXPECT_EQ(t.element(2), A("shutdown"));
}

// §7.6
TEST_F(TaskTest, Rule7_6_AsyncAwaitReturnsTheResult)
{
    Term r = runIn([](ProcessContext& ctx) -> Task<Term> {
        AsyncTask t = tasks::async(ctx, [](ProcessContext&) -> Task<Term> { co_return Term::integer(42); });
        Term v = co_await tasks::await(ctx, t);
        // The task was linked and monitored; after await nothing is left behind.
        co_return T({ v, Term::integer(int64_t(ctx.takeAllMessages().size())) });
    });
    EXPECT_EQ(r, T({ A("result"), T({ I(42), I(0) }) }));
}

TEST_F(TaskTest, Rule7_6_AwaitTimesOutAfter5000msWithTheTaskInTheReason)
{
    int64_t waited = 0;
    Term taskTerm;
    Term r = runIn([&](ProcessContext& ctx) -> Task<Term> {
        AsyncTask t = tasks::async(ctx, [](ProcessContext& c) -> Task<Term> {
            co_await c.sleep(60'000);
            co_return A("late");
        });
        taskTerm = t.toTerm();
        const int64_t t0 = ctx.nowMs();
        try {
            co_await tasks::await(ctx, t);
        } catch (const ProcessException&) {
            waited = ctx.nowMs() - t0;
            throw;
        }
        co_return A("unreachable");
    });
    EXPECT_EQ(waited, 5000);
    EXPECT_EQ(r, T({ A("exit"), T({ A("timeout"), T({ A("Elixir.Task"), A("await"), L({ taskTerm, I(5000) }) }) }) }));
    ASSERT_TRUE(taskTerm.isMap());
    EXPECT_EQ(*taskTerm.mapGet(A("__struct__")), A("Elixir.Task"));
}

TEST_F(TaskTest, Rule7_6_CrashingTaskKillsANonTrappingCaller)
{
    const Term h = hostPid;
    Term caller = spawn([h](ProcessContext& ctx) -> Task<void> {
        AsyncTask t = tasks::async(ctx, [](ProcessContext&) -> Task<Term> {
            raiseExit(A("task_failed"));
            co_return A("never");
        });
        co_await tasks::await(ctx, t);
        ctx.send(h, A("survived"));
    });
    EXPECT_EQ(rt.waitExit(caller), A("task_failed"));
}

TEST_F(TaskTest, Rule7_6_TrappingCallerGetsWrappedReasonFromAwait)
{
    Term taskTerm;
    Term r = runIn(
        [&](ProcessContext& ctx) -> Task<Term> {
            AsyncTask t = tasks::async(ctx, [](ProcessContext&) -> Task<Term> {
                raiseExit(A("task_failed"));
                co_return A("never");
            });
            taskTerm = t.toTerm();
            co_return co_await tasks::await(ctx, t);
        },
        true);
    EXPECT_EQ(r, T({ A("exit"), T({ A("task_failed"), T({ A("Elixir.Task"), A("await"), L({ taskTerm, I(5000) }) }) }) }));
}

TEST_F(TaskTest, YieldAndShutdown)
{
    Term r = runIn([](ProcessContext& ctx) -> Task<Term> {
        AsyncTask slow = tasks::async(ctx, [](ProcessContext& c) -> Task<Term> {
            co_await c.sleep(1000);
            co_return A("done");
        });
        Term first = co_await tasks::yield(ctx, slow, 10);
        Term second = co_await tasks::yield(ctx, slow, 5000);
        AsyncTask stuck = tasks::async(ctx, [](ProcessContext& c) -> Task<Term> {
            co_await c.sleep(60'000);
            co_return A("never");
        });
        Term shut = co_await tasks::shutdown(ctx, stuck);
        co_return T({ first, second, shut, Term::boolean(ctx.isAlive(stuck.pid)) });
    });
    EXPECT_EQ(r, T({ A("result"), T({ Term::nil(), T({ A("ok"), A("done") }), Term::nil(), Term::boolean(false) }) }));
}

TEST_F(TaskTest, TaskProcessesAreLabelled)
{
    Term pidSeen;
    runIn([&](ProcessContext& ctx) -> Task<Term> {
        AsyncTask t = tasks::async(ctx, [](ProcessContext&) -> Task<Term> { co_return A("x"); });
        pidSeen = t.pid;
        auto d = ctx.detail(t.pid);
        Term b = d ? Term::atom(d->summary.behaviour) : Term::nil();
        co_await tasks::await(ctx, t);
        co_return b;
    });
    SUCCEED();
}

// Agent
TEST_F(AgentTest, GetUpdateGetAndUpdate)
{
    auto agent = Agent::start(rt, I(1));
    ASSERT_TRUE(agent.hasValue());
    EXPECT_EQ(*Agent::get(rt, *agent, makeFun1([](const Term& s) { return s; })), I(1));
    EXPECT_EQ(*Agent::update(rt, *agent, makeFun1([](const Term& s) { return I(s.asInteger() + 10); })), A("ok"));
    EXPECT_EQ(*Agent::getAndUpdate(
                  rt, *agent, makeFun1([](const Term& s) { return T({ s, I(s.asInteger() * 2) }); })),
        I(11));
    EXPECT_EQ(*Agent::get(rt, *agent, makeFun1([](const Term& s) { return s; })), I(22));
    rt.runUntilIdle();
    EXPECT_EQ(rt.detail(*agent)->state, I(22));
    EXPECT_EQ(rt.detail(*agent)->summary.behaviour, Atom::intern("agent"));
}

TEST_F(AgentTest, StartLinkWithInitFunAndCast)
{
    Term r = runIn([](ProcessContext& ctx) -> Task<Term> {
        Term started = co_await Agent::startLink(ctx, makeFun0([] { return Term::emptyList(); }));
        Term agent = started.element(1);
        Agent::cast(ctx, agent, makeFun1([](const Term& s) { return Term::cons(A("x"), s); }));
        Term v = co_await Agent::get(ctx, agent, makeFun1([](const Term& s) { return s; }));
        co_await Agent::stop(ctx, agent);
        co_return T({ v, Term::boolean(ctx.isAlive(agent)) });
    });
    EXPECT_EQ(r, T({ A("result"), T({ L({ A("x") }), Term::boolean(false) }) }));
}

TEST_F(AgentTest, BadFunctionCrashesTheAgentAndTheCallerSeesIt)
{
    Term agent = *Agent::start(rt, I(1));
    auto r = Agent::get(rt, agent, A("not_a_fun"));
    ASSERT_FALSE(r.hasValue());
    ASSERT_TRUE(r.error().isTuple(2));
    EXPECT_EQ(r.error().element(0).element(0).element(0), A("badfun"));
    EXPECT_FALSE(rt.isAlive(agent));
}

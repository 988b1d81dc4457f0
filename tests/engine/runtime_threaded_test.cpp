// The threaded scheduler: correctness under real concurrency, a 100k-process kill storm, and the trace stream's
// promise that snapshot + events reproduces the engine's graph.

#include "testutil.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <chrono>
#include <map>
#include <thread>
#include <random>
#include <set>

#include <unistd.h>

using namespace vigil;
using namespace vigil::test;

namespace {

// A process that obeys commands: {:link, pid}, {:monitor, pid}, {:exit, reason}, {:trap, bool}.
NativeBody commandLoop(Term reportTo)
{
    return [reportTo](ProcessContext& ctx) -> Task<void> {
        for (;;) {
            auto m = co_await ctx.receive();
            const Term& t = *m;
            if (t.isTuple(2) && t.element(0).isAtom()) {
                const std::string_view cmd = t.element(0).asAtom().name();
                if (cmd == "link") {
                    (void)ctx.link(t.element(1));
                } else if (cmd == "monitor") {
                    if (auto ref = ctx.monitor(t.element(1)))
                        ctx.send(reportTo, T({ A("monitored"), *ref, ctx.self(), t.element(1) }));
                } else if (cmd == "exit") {
                    raiseExit(t.element(1));
                } else if (cmd == "trap") {
                    ctx.trapExit(t.element(1).isAtom(atoms::true_));
                }
            } else if (isDown(t)) {
                ctx.send(reportTo, T({ A("down"), t.element(1), ctx.self() }));
            }
        }
    };
}

// A process that spawns `children` processes which exit at once (yielding before every `yieldEvery`th spawn when that
// is not 0), then sends :spawned to `reportTo` when that is a pid.
NativeBody spawnShortLived(int children, Term reportTo = Term(), int yieldEvery = 0)
{
    return [children, reportTo, yieldEvery](ProcessContext& ctx) -> Task<void> {
        for (int i = 0; i < children; ++i) {
            ctx.spawn([](ProcessContext&) -> Task<void> { co_return; });
            if (yieldEvery > 0 && i % yieldEvery == 0)
                co_await ctx.yield();
        }
        if (reportTo.isPid())
            ctx.send(reportTo, A("spawned"));
    };
}

// The first event of `kind` from process `pid` among `events`, or null.
const TraceEvent* findEvent(const std::vector<TraceEvent>& events, TraceKind kind, uint64_t pid)
{
    for (const auto& e : events)
        if (e.kind == kind && e.pid == pid)
            return &e;
    return nullptr;
}

// Drains `sub` into `events` until they hold an event of `kind` from `pid`, looking every 10 ms for up to `tries`
// times; returns it, or null.
const TraceEvent* drainUntil(TraceSubscription& sub, std::vector<TraceEvent>& events, TraceKind kind, uint64_t pid,
    int tries)
{
    sub.drain(events);
    for (int i = 0; i < tries && !findEvent(events, kind, pid); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        sub.drain(events);
    }
    return findEvent(events, kind, pid);
}

// A process that takes every message it gets and does nothing with it.
NativeBody sinkBody()
{
    return [](ProcessContext& ctx) -> Task<void> {
        for (;;)
            co_await ctx.receive();
    };
}

// Takes `n` messages, tells `reportTo` `tag`, then waits for ever for a message it never accepts: idle, with
// counters nobody has seen when its messages were not sampled.
NativeBody takeThenIdleBody(Term reportTo, int n, const char* tag)
{
    return [reportTo, n, tag](ProcessContext& ctx) -> Task<void> {
        for (int i = 0; i < n; ++i)
            co_await ctx.receive();
        ctx.send(reportTo, A(tag));
        co_await ctx.receive([](const Term&) { return false; });
    };
}

// Keeps the calling thread busy (a slice that works without yielding) for `ms`.
void spinFor(std::chrono::milliseconds ms)
{
    const auto until = std::chrono::steady_clock::now() + ms;
    while (std::chrono::steady_clock::now() < until) {
    }
}

struct Graph {
    std::set<uint64_t> alive;
    std::map<uint64_t, std::set<uint64_t>> links;
    std::map<uint64_t, std::map<uint64_t, uint64_t>> monitors; // watcher -> ref -> target

    static Graph fromSnapshot(const Snapshot& s)
    {
        Graph g;
        for (const auto& p : s.processes) {
            g.alive.insert(p.pid);
            for (uint64_t l : p.links)
                g.links[p.pid].insert(l);
            for (const auto& [ref, target] : p.monitors)
                g.monitors[p.pid][ref.asReference()] = target;
        }
        return g;
    }
    void apply(const TraceEvent& e)
    {
        switch (e.kind) {
        case TraceKind::Spawned:
            alive.insert(e.pid);
            break;
        case TraceKind::Exited:
            alive.erase(e.pid);
            links.erase(e.pid);
            monitors.erase(e.pid);
            break;
        case TraceKind::Linked:
            links[e.pid].insert(e.other);
            break;
        case TraceKind::Unlinked:
            links[e.pid].erase(e.other);
            break;
        case TraceKind::ExitSignal:
            if (e.count == 1) // it came over a link, which ended the receiver's half
                links[e.other].erase(e.pid);
            break;
        case TraceKind::Monitored:
            monitors[e.pid][e.data.asReference()] = e.other;
            break;
        case TraceKind::Demonitored:
            monitors[e.pid].erase(e.data.asReference());
            break;
        case TraceKind::DownDelivered:
            monitors[e.other].erase(e.extra.asReference());
            break;
        default:
            break;
        }
    }
    void normalise()
    {
        std::erase_if(links, [](const auto& kv) { return kv.second.empty(); });
        std::erase_if(monitors, [](const auto& kv) { return kv.second.empty(); });
    }
    bool operator==(const Graph&) const = default;
};

// Drains a subscription from its own thread every `pause` until stop(), keeping every event in order.
class BackgroundDrainer {
public:
    BackgroundDrainer(std::shared_ptr<TraceSubscription> sub, std::chrono::microseconds pause)
        : m_sub(std::move(sub))
        , m_thread([this, pause] {
            std::vector<TraceEvent> batch;
            for (;;) {
                const bool last = m_stop.load();
                batch.clear();
                m_lost += m_sub->drain(batch);
                for (TraceEvent& e : batch)
                    m_seen.push_back(std::move(e));
                if (last)
                    break;
                std::this_thread::sleep_for(pause);
            }
        })
    {
    }
    ~BackgroundDrainer() { stop(); }
    void stop()
    {
        m_stop.store(true);
        if (m_thread.joinable())
            m_thread.join();
    }
    std::vector<TraceEvent>& seen() { return m_seen; }
    uint64_t lost() const { return m_lost; }

private:
    std::shared_ptr<TraceSubscription> m_sub;
    std::atomic<bool> m_stop { false };
    std::vector<TraceEvent> m_seen;
    uint64_t m_lost = 0;
    std::thread m_thread; // last: it starts once the rest is ready
};

} // namespace

TEST(RuntimeThreaded, PingPongAcrossWorkers)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    constexpr int kRounds = 20'000;
    Term pong = rt.spawn([](ProcessContext& ctx) -> Task<void> {
                      for (;;) {
                          auto m = co_await ctx.receive();
                          if (m->isAtom(atoms::stop))
                              co_return;
                          ctx.send(m->element(1), T({ A("pong"), m->element(0) }));
                      }
                  }).pid;
    Term hostPid = host->pid();
    rt.spawn([pong, hostPid](ProcessContext& ctx) -> Task<void> {
        int64_t sum = 0;
        for (int i = 0; i < kRounds; ++i) {
            ctx.send(pong, T({ I(i), ctx.self() }));
            auto r = co_await ctx.receive();
            sum += r->element(1).asInteger();
        }
        ctx.send(pong, A("stop"));
        ctx.send(hostPid, I(sum));
    });
    auto got = host->receive(30'000);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->asInteger(), int64_t(kRounds) * (kRounds - 1) / 2);
}

TEST(RuntimeThreaded, ManySendersOneMailboxKeepPerSenderOrder)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    constexpr int kSenders = 50;
    constexpr int kEach = 500;
    Term hostPid = host->pid();
    Term sink = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                      std::map<int64_t, int64_t> last;
                      bool ordered = true;
                      for (int n = 0; n < kSenders * kEach; ++n) {
                          auto m = co_await ctx.receive();
                          const int64_t who = m->element(0).asInteger();
                          const int64_t seq = m->element(1).asInteger();
                          auto it = last.find(who);
                          if (it != last.end() && it->second + 1 != seq)
                              ordered = false;
                          last[who] = seq;
                      }
                      ctx.send(hostPid, Term::boolean(ordered));
                  }).pid;
    for (int s = 0; s < kSenders; ++s)
        rt.spawn([sink, s](ProcessContext& ctx) -> Task<void> {
            for (int i = 0; i < kEach; ++i) {
                ctx.send(sink, T({ I(s), I(i) }));
                if (i % 50 == 0)
                    co_await ctx.yield();
            }
        });
    auto got = host->receive(30'000);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, Term::boolean(true));
}

// A run of messages to one receiver goes into its inbox in one step (see Runtime::Impl::sendFromProcess). Nothing
// may tell: the messages keep their order, a signal from the same sender comes after them, a process the sender
// spawns afterwards cannot overtake them, Process.info sees them, and messages to a dead receiver simply vanish.
TEST(RuntimeThreaded, RunsOfMessagesKeepTheirPlaceAmongSignalsSpawnsAndLooks)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    constexpr int kEach = 300; // several runs of Outbox::kMax and a partial one, before and after the spawn
    const Term receiver = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                              ctx.trapExit(true);
                              std::vector<Term> got;
                              bool exited = false, child = false;
                              while (!exited || !child) { // the child's message may come after the signal
                                  auto m = co_await ctx.receive();
                                  got.push_back(*m);
                                  exited = exited || isExit(*m);
                                  child = child || *m == A("from_child");
                              }
                              ctx.send(hostPid, Term::list(got));
                          }).pid;
    const Term silent = rt.spawn([](ProcessContext& ctx) -> Task<void> {
                            auto never = [](const Term& m) { return m.isAtom(atoms::stop); };
                            co_await ctx.receive(never);
                        }).pid;
    const Term gone = rt.spawn([](ProcessContext&) -> Task<void> { co_return; }).pid;
    ASSERT_TRUE(rt.waitIdle(10'000));
    rt.spawn([receiver, silent, gone, hostPid](ProcessContext& ctx) -> Task<void> {
        for (int i = 0; i < 50; ++i)
            ctx.send(silent, I(i));
        auto len = ctx.info(silent, Atom::intern("message_queue_len"));
        ctx.send(hostPid, len ? *len : A("error"));
        for (int i = 0; i < 100; ++i)
            ctx.send(gone, I(i));
        for (int i = 0; i < kEach; ++i)
            ctx.send(receiver, I(i));
        ctx.spawn([receiver](ProcessContext& c) -> Task<void> {
            c.send(receiver, A("from_child"));
            co_return;
        });
        // A long computation in the same slice: time for the other worker to run the child.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        for (int i = kEach; i < 2 * kEach; ++i)
            ctx.send(receiver, I(i));
        ctx.exit(receiver, A("bye"));
        co_await ctx.receive(); // waits for ever: the exit signal must not wait for this slice to end
    });
    auto len = host->receive(10'000);
    ASSERT_TRUE(len);
    EXPECT_EQ(*len, T({ A("message_queue_len"), I(50) }));
    auto got = host->receive(10'000);
    ASSERT_TRUE(got);
    std::vector<Term> seen;
    ASSERT_TRUE(got->toVector(seen));
    ASSERT_EQ(seen.size(), size_t(2 * kEach + 2));
    int64_t next = 0;
    size_t childAt = 0, exitAt = 0;
    for (size_t i = 0; i < seen.size(); ++i) {
        if (seen[i] == A("from_child")) {
            childAt = i;
        } else if (isExit(seen[i])) {
            exitAt = i;
            EXPECT_EQ(seen[i].element(2), A("bye"));
        } else {
            ASSERT_TRUE(seen[i].isInteger()) << seen[i].inspect();
            EXPECT_EQ(seen[i].asInteger(), next++) << "at " << i;
            EXPECT_EQ(exitAt, 0u) << "a message came after the exit signal its sender sent after it";
        }
    }
    EXPECT_EQ(next, 2 * kEach);
    EXPECT_GE(childAt, size_t(kEach)) << "the child's message overtook messages sent before it was spawned";
    EXPECT_GT(exitAt, 0u);
}

namespace {
// A list of three messages a process received: `first`, `second`, then a DOWN.
void expectTwoThenDown(const Term& got, const Term& first, const Term& second)
{
    std::vector<Term> order;
    ASSERT_TRUE(got.toVector(order));
    ASSERT_EQ(order.size(), 3u);
    EXPECT_EQ(order[0], first) << got.inspect();
    EXPECT_EQ(order[1], second) << got.inspect();
    EXPECT_TRUE(isDown(order[2])) << got.inspect();
}
} // namespace

// A run waiting in the outbox goes out before anything else its sender puts into an inbox: a message to the host
// (the host may then look at the receiver), a monitor request, a DOWN sent as it dies (after a destructor in its body
// sent messages), and before a child whose body began by sending can run elsewhere.
TEST(RuntimeThreaded, ARunGoesOutBeforeHostMessagesMonitorsAndDowns)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term silent = rt.spawn([](ProcessContext& ctx) -> Task<void> {
                            auto never = [](const Term& m) { return m.isAtom(atoms::stop); };
                            co_await ctx.receive(never);
                        }).pid;
    ASSERT_TRUE(rt.waitIdle(10'000));
    rt.spawn([silent, hostPid](ProcessContext& ctx) -> Task<void> {
        ctx.send(silent, I(1));
        ctx.send(silent, I(2));
        ctx.send(hostPid, A("sent"));
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the slice goes on
        co_return;
    });
    ASSERT_TRUE(host->receive(10'000));
    EXPECT_EQ(*rt.info(silent, Atom::intern("message_queue_len")), T({ A("message_queue_len"), I(2) }));
    ASSERT_TRUE(rt.waitIdle(10'000));

    // The monitored process looks at who monitors it after its first message: then the second is there too.
    const Term watched = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                             ctx.send(hostPid, A("started"));
                             // Its worker is busy; the watcher runs on the other one and sends everything meanwhile.
                             std::this_thread::sleep_for(std::chrono::milliseconds(50));
                             auto first = co_await ctx.receive();
                             auto by = ctx.info(ctx.self(), Atom::intern("monitored_by"));
                             auto second = co_await ctx.receive(0);
                             ctx.send(hostPid, T({ *first, by ? *by : A("error"), second ? *second : A("none") }));
                         }).pid;
    ASSERT_EQ(host->receive(10'000), A("started"));
    const Term watcher = rt.spawn([watched](ProcessContext& ctx) -> Task<void> {
                             ctx.send(watched, A("m1"));
                             ctx.send(watched, A("m2"));
                             (void)ctx.monitor(watched);
                             std::this_thread::sleep_for(std::chrono::milliseconds(150));
                             co_await ctx.receive();
                         }).pid;
    auto seen = host->receive(10'000);
    ASSERT_TRUE(seen);
    EXPECT_EQ(*seen, T({ A("m1"), T({ A("monitored_by"), L({ watcher }) }), A("m2") }));

    // Messages sent by a destructor as the process is killed come before its DOWN.
    const Term monitor = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                             auto p = co_await ctx.receive();
                             (void)ctx.monitor(*p);
                             ctx.send(*p, A("go"));
                             std::vector<Term> got;
                             for (int i = 0; i < 3; ++i)
                                 got.push_back(*co_await ctx.receive());
                             ctx.send(hostPid, Term::list(got));
                         }).pid;
    struct Farewell {
        ProcessContext* ctx;
        Term to;
        ~Farewell()
        {
            ctx->send(to, A("c1"));
            ctx->send(to, A("c2"));
        }
    };
    const Term dying = rt.spawn([monitor, hostPid](ProcessContext& ctx) -> Task<void> {
                           Farewell f { &ctx, monitor };
                           co_await ctx.receive();
                           ctx.send(hostPid, A("ready"));
                           co_await ctx.receive();
                       }).pid;
    rt.send(monitor, dying);
    ASSERT_TRUE(host->receive(10'000));
    rt.exit(dying, A("kill"));
    auto got = host->receive(10'000);
    ASSERT_TRUE(got);
    ASSERT_NO_FATAL_FAILURE(expectTwoThenDown(*got, A("c1"), A("c2")));

    // A body that is a plain function sends before it returns its coroutine, on the spawner's thread.
    const Term sink = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                          std::vector<Term> got;
                          for (int i = 0; i < 3; ++i)
                              got.push_back(*co_await ctx.receive());
                          ctx.send(hostPid, Term::list(got));
                      }).pid;
    rt.spawn([sink](ProcessContext& ctx) -> Task<void> {
        ctx.send(sink, A("spawner")); // the sink is now this worker's last straight receiver
        ctx.spawn([sink](ProcessContext& c) -> Task<void> {
            c.send(sink, A("pre1"));
            c.send(sink, A("pre2"));
            return [](ProcessContext& c2, Term to) -> Task<void> {
                c2.send(to, A("post"));
                co_return;
            }(c, sink);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the child runs on the other worker meanwhile
        co_return;
    });
    auto fromChild = host->receive(10'000);
    ASSERT_TRUE(fromChild);
    EXPECT_EQ(*fromChild, L({ A("spawner"), A("pre1"), A("pre2") })) << "then post; the child's order is kept";
    ASSERT_TRUE(rt.waitIdle(10'000));

    // ... also when that first part throws: the child dies of it when it first runs, after what it sent.
    rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
        const Term me = ctx.self();
        ctx.spawn(
            [me](ProcessContext& c) -> Task<void> {
                c.send(me, A("m1"));
                c.send(me, A("m2"));
                throw std::runtime_error("boom");
            },
            SpawnOptions { .monitor = true });
        std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the child dies on the other worker meanwhile
        std::vector<Term> got;
        for (int i = 0; i < 3; ++i)
            got.push_back(*co_await ctx.receive());
        ctx.send(hostPid, Term::list(got));
    });
    auto beforeDown = host->receive(10'000);
    ASSERT_TRUE(beforeDown);
    ASSERT_NO_FATAL_FAILURE(expectTwoThenDown(*beforeDown, A("m1"), A("m2")));
}

// Readers on other threads (the inspector's detail, Process.info from a host and from another process) see the
// mailbox as a consistent queue while its owner receives at full speed: every view is an increasing run of what
// was sent, never a torn list, and the owner still gets every message exactly once.
TEST(RuntimeThreaded, ReadersSeeAConsistentMailboxWhileTheOwnerReceives)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    constexpr int64_t kMessages = 200'000;
    Term hostPid = host->pid();
    Term sink = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                      int64_t sum = 0;
                      int64_t expected = 1;
                      bool ordered = true;
                      for (int64_t n = 0; n < kMessages; ++n) {
                          auto m = co_await ctx.receive();
                          ordered = ordered && m->asInteger() == expected;
                          expected = m->asInteger() + 1;
                          sum += m->asInteger();
                      }
                      ctx.send(hostPid, T({ A("sum"), I(sum), Term::boolean(ordered) }));
                  }).pid;
    auto increasing = [](const std::vector<Term>& ms) {
        for (size_t i = 1; i < ms.size(); ++i)
            if (!ms[i].isInteger() || ms[i].asInteger() != ms[i - 1].asInteger() + 1)
                return false;
        return true;
    };
    // A process that reads the sink's messages while it runs, and reports how many torn views it saw.
    rt.spawn([sink, hostPid, increasing](ProcessContext& ctx) -> Task<void> {
        int64_t torn = 0;
        for (int i = 0; i < 300; ++i) {
            auto v = ctx.info(sink, Atom::intern("messages"));
            std::vector<Term> ms;
            if (v && v->isTuple(2) && (!v->element(1).toVector(ms) || !increasing(ms)))
                ++torn;
            co_await ctx.yield();
        }
        ctx.send(hostPid, T({ A("torn"), I(torn) }));
    });
    rt.spawn([sink](ProcessContext& ctx) -> Task<void> {
        for (int64_t i = 1; i <= kMessages; ++i) {
            ctx.send(sink, I(i));
            if (i % 64 == 0)
                co_await ctx.yield();
        }
    });
    int64_t hostTorn = 0;
    int reads = 0;
    for (; reads < 2'000 && rt.isAlive(sink); ++reads) {
        if (auto d = rt.detail(sink, 100)) {
            if (!increasing(d->messages) || d->messages.size() > d->summary.messageQueueLen)
                ++hostTorn;
        }
    }
    std::optional<Term> sum;
    std::optional<Term> torn;
    for (int i = 0; i < 2 && (!sum || !torn); ++i) {
        auto got = host->receive(30'000);
        ASSERT_TRUE(got);
        if (got->element(0).isAtom(Atom::intern("sum")))
            sum = got;
        else
            torn = got;
    }
    ASSERT_TRUE(sum && torn);
    EXPECT_EQ(sum->element(1).asInteger(), kMessages * (kMessages + 1) / 2);
    EXPECT_EQ(sum->element(2), Term::boolean(true));
    EXPECT_EQ(torn->element(1).asInteger(), 0);
    EXPECT_EQ(hostTorn, 0);
    EXPECT_GT(reads, 0);
}

// A process scheduled in just as a message is pushed to it must not go to sleep with the message unseen: the
// sender found it Runnable and left the wake-up to it. Fresh children that wait for one message right after their
// spawner sent it are the densest case (fork-join create); a lost wake-up shows as a reply that never comes.
TEST(RuntimeThreaded, NoLostWakeUpWhenAMessageArrivesAsTheProcessIsScheduledIn)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    constexpr int64_t kChildren = 200'000;
    constexpr int kRounds = 2;
    Term hostPid = host->pid();
    for (int round = 0; round < kRounds; ++round) {
        rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
            const Term self = ctx.self();
            for (int64_t i = 0; i < kChildren; ++i) {
                const Term child = ctx.spawn([self](ProcessContext& ctx) -> Task<void> {
                                          auto v = co_await ctx.receive();
                                          const double s = std::sin(double(v->asInteger()));
                                          ctx.send(self, I(s * s >= 0 ? v->asInteger() : 0));
                                      }).pid;
                ctx.send(child, I(i));
            }
            int64_t sum = 0;
            for (int64_t i = 0; i < kChildren; ++i)
                sum += (co_await ctx.receive())->asInteger();
            ctx.send(hostPid, I(sum));
        });
        auto got = host->receive(120'000);
        ASSERT_TRUE(got) << "round " << round << ": a child never saw its message";
        EXPECT_EQ(got->asInteger(), kChildren * (kChildren - 1) / 2);
    }
}

TEST(RuntimeThreaded, KillStormLeavesSymmetricTablesAndEachMonitorFiresOnce)
{
    const int n = std::getenv("VIGIL_STRESS_N") ? std::atoi(std::getenv("VIGIL_STRESS_N")) : 100'000;
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    std::vector<Term> pids;
    pids.reserve(size_t(n));
    for (int i = 0; i < n; ++i)
        pids.push_back(rt.spawn(commandLoop(hostPid)).pid);
    std::mt19937_64 rng(12345);
    auto pick = [&] { return pids[rng() % pids.size()]; };
    size_t monitorsMade = 0;
    for (int i = 0; i < n; ++i) {
        rt.send(pids[size_t(i)], T({ A("link"), pick() }));
        if (i % 3 == 0) {
            rt.send(pids[size_t(i)], T({ A("monitor"), pick() }));
            ++monitorsMade;
        }
        if (i % 7 == 0)
            rt.send(pids[size_t(i)], T({ A("trap"), Term::boolean(true) }));
    }
    ASSERT_TRUE(rt.waitIdle());
    // Kill at random with a mix of reasons.
    for (int i = 0; i < n / 50; ++i) {
        const Term victim = pick();
        switch (rng() % 3) {
        case 0:
            rt.exit(victim, A("kill"));
            break;
        case 1:
            rt.send(victim, T({ A("exit"), A("boom") }));
            break;
        default:
            rt.send(victim, T({ A("exit"), A("normal") }));
            break;
        }
    }
    ASSERT_TRUE(rt.waitIdle());

    // Collect reports: every monitor made, every DOWN seen.
    std::map<uint64_t, uint64_t> monitorWatcher;
    std::map<uint64_t, int> downs;
    while (auto m = host->receive(0)) {
        if (m->element(0).isAtom(Atom::intern("monitored")))
            monitorWatcher[m->element(1).asReference()] = m->element(2).pidSerial();
        else if (m->element(0).isAtom(Atom::intern("down")))
            ++downs[m->element(1).asReference()];
    }
    EXPECT_EQ(monitorWatcher.size(), monitorsMade);
    for (const auto& [ref, count] : downs)
        EXPECT_EQ(count, 1) << "monitor fired more than once";

    Snapshot snap = rt.snapshot();
    std::map<uint64_t, const ProcessSnapshot*> byPid;
    for (const auto& p : snap.processes)
        byPid[p.pid] = &p;
    size_t alive = 0;
    for (const auto& p : snap.processes) {
        ++alive;
        for (uint64_t l : p.links) {
            auto it = byPid.find(l);
            ASSERT_NE(it, byPid.end()) << "link to a dead process";
            const auto& back = it->second->links;
            EXPECT_NE(std::find(back.begin(), back.end(), p.pid), back.end()) << "asymmetric link";
        }
        for (const auto& [ref, target] : p.monitors) {
            auto it = byPid.find(target);
            ASSERT_NE(it, byPid.end()) << "monitor on a dead process that never fired";
            const auto& mb = it->second->monitoredBy;
            EXPECT_TRUE(std::any_of(mb.begin(), mb.end(), [&](const auto& e) { return e.first == ref && e.second == p.pid; }));
        }
        for (const auto& [ref, watcher] : p.monitoredBy)
            EXPECT_NE(byPid.find(watcher), byPid.end()) << "monitored_by a dead watcher";
    }
    // Every monitor whose watcher is alive and target dead fired exactly once.
    for (const auto& [ref, watcher] : monitorWatcher) {
        auto w = byPid.find(watcher);
        if (w == byPid.end())
            continue;
        const bool stillMonitoring = std::any_of(w->second->monitors.begin(), w->second->monitors.end(),
            [&](const auto& m) { return m.first.asReference() == ref; });
        if (!stillMonitoring) {
            EXPECT_EQ(downs[ref], 1) << "a finished monitor must have delivered its DOWN";
        }
    }
    EXPECT_LT(alive, size_t(n) + 1);
    // Now everything dies; nothing may be left behind.
    for (const auto& p : snap.processes)
        if (p.pid != host->pid().pidSerial())
            rt.exit(*rt.pidFor(p.pid), A("kill"));
    ASSERT_TRUE(rt.waitIdle());
    EXPECT_EQ(rt.processCount(), 1u); // the host probe
}

TEST(RuntimeThreaded, SnapshotPlusEventsEqualsFinalSnapshot)
{
    Runtime rt(RuntimeConfig { .workers = 2, .traceBufferEvents = 1 << 20 });
    auto sub = rt.subscribe();
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    std::mt19937_64 rng(777);
    std::vector<Term> pids;
    for (int i = 0; i < 2000; ++i)
        pids.push_back(rt.spawn(commandLoop(hostPid)).pid);
    auto pick = [&] { return pids[rng() % pids.size()]; };
    Snapshot mid;
    for (int round = 0; round < 4000; ++round) {
        rt.send(pick(), T({ A(rng() % 2 ? "link" : "monitor"), pick() }));
        if (round % 40 == 0)
            rt.exit(pick(), A(rng() % 2 ? "kill" : "boom"));
        if (round == 2000)
            mid = rt.snapshot(); // taken while processes are running
    }
    ASSERT_TRUE(rt.waitIdle());
    Snapshot final = rt.snapshot();
    std::vector<TraceEvent> events;
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(sub->drain(events), 0u);
    Graph fromMid = Graph::fromSnapshot(mid);
    Graph fromStart;
    uint64_t lastSeq = 0;
    for (const auto& e : events) {
        EXPECT_GT(e.seq, lastSeq) << "events out of order";
        lastSeq = e.seq;
        fromStart.apply(e);
        if (e.seq > mid.seq)
            fromMid.apply(e);
    }
    Graph truth = Graph::fromSnapshot(final);
    fromMid.normalise();
    fromStart.normalise();
    truth.normalise();
    EXPECT_EQ(fromMid.alive, truth.alive);
    EXPECT_TRUE(fromMid.links == truth.links);
    EXPECT_TRUE(fromMid.monitors == truth.monitors);
    EXPECT_TRUE(fromStart == truth);
}

// A process's death is one Exited event for its own halves of its links and monitors; each other half ends with
// the ExitSignal event of the signal that reaches it over the link (count 1). A signal not sent over a link, or one
// that finds the link gone, ends nothing (count 0).
TEST(RuntimeThreaded, ADeathEndsItsLinksWithoutAnEventPerLink)
{
    Runtime rt(RuntimeConfig { .workers = 2, .traceBufferEvents = 1 << 16 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term dying = rt.spawn(commandLoop(hostPid)).pid;
    const Term plain = rt.spawn(commandLoop(hostPid)).pid;
    const Term trapper = rt.spawn(commandLoop(hostPid)).pid;
    const Term watched = rt.spawn(commandLoop(hostPid)).pid;
    rt.send(trapper, T({ A("trap"), A("true") }));
    rt.send(dying, T({ A("link"), plain }));
    rt.send(dying, T({ A("link"), trapper }));
    rt.send(dying, T({ A("monitor"), watched }));
    ASSERT_TRUE(host->receive(2000).has_value()); // {:monitored, ...}: the links were made before it
    ASSERT_TRUE(rt.waitIdle());
    auto sub = rt.subscribe();
    rt.exit(trapper, A("shutdown_test")); // not over a link: trapped, ends nothing
    ASSERT_TRUE(rt.waitIdle());
    rt.send(dying, T({ A("exit"), A("boom") }));
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    EXPECT_EQ(sub->drain(events), 0u);
    const uint64_t d = dying.pidSerial();
    int exited = 0;
    std::map<uint64_t, const TraceEvent*> fromDying; // receiver -> exit signal from `dying`
    const TraceEvent* fromHost = nullptr;
    for (const TraceEvent& e : events) {
        EXPECT_FALSE(e.kind == TraceKind::Unlinked || e.kind == TraceKind::Demonitored)
            << traceKindName(e.kind) << " " << e.pid << " " << e.other;
        if (e.kind == TraceKind::Exited && e.pid == d)
            ++exited;
        if (e.kind == TraceKind::ExitSignal && e.pid == d)
            fromDying[e.other] = &e;
        if (e.kind == TraceKind::ExitSignal && e.other == trapper.pidSerial() && e.pid != d)
            fromHost = &e;
    }
    EXPECT_EQ(exited, 1);
    ASSERT_TRUE(fromHost);
    EXPECT_EQ(fromHost->outcome, SignalOutcome::Trapped);
    EXPECT_EQ(fromHost->count, 0u);
    ASSERT_EQ(fromDying.size(), 2u);
    ASSERT_TRUE(fromDying.count(plain.pidSerial()));
    EXPECT_EQ(fromDying[plain.pidSerial()]->outcome, SignalOutcome::Killed);
    EXPECT_EQ(fromDying[plain.pidSerial()]->count, 1u);
    ASSERT_TRUE(fromDying.count(trapper.pidSerial()));
    EXPECT_EQ(fromDying[trapper.pidSerial()]->outcome, SignalOutcome::Trapped);
    EXPECT_EQ(fromDying[trapper.pidSerial()]->count, 1u);
    // And the engine agrees: nobody holds a link or a monitor any more.
    for (const auto& p : rt.snapshot().processes) {
        EXPECT_TRUE(p.links.empty()) << p.pid;
        EXPECT_TRUE(p.monitors.empty()) << p.pid;
        EXPECT_TRUE(p.monitoredBy.empty()) << p.pid;
    }
}

TEST(RuntimeThreaded, TraceOverflowIsReportedNotBlocking)
{
    Runtime rt(RuntimeConfig { .workers = 2, .traceBufferEvents = 64 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
        for (int i = 0; i < 10'000; ++i)
            ctx.send(ctx.self(), I(i));
        for (int i = 0; i < 10'000; ++i)
            co_await ctx.receive();
        ctx.send(hostPid, A("done"));
    });
    ASSERT_TRUE(host->receive(30'000));
    // Idle workers have given their numbering blocks up: no event waits behind a number still to come.
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    uint64_t lost = sub->drain(events);
    EXPECT_GT(lost, 0u);
    EXPECT_LE(events.size(), 64u * 3);
    // Every event is either delivered or counted as lost: 10,000 messages, each sent, queued and received.
    EXPECT_GE(events.size() + lost, 30'000u);
}

namespace {
size_t residentBytes()
{
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long pages = 0, resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &pages, &resident);
    std::fclose(f);
    return n == 2 ? size_t(resident) * size_t(sysconf(_SC_PAGESIZE)) : 0;
}
} // namespace

// The process table has a slot per pid ever issued, in segments of 65,536 (512 KB). Once every pid of a segment has
// been issued and its processes have all gone, a snapshot gives its memory back; a process still alive keeps its
// segment, and everything goes on working: lookups, messages, later spawns, later snapshots.
TEST(RuntimeThreaded, TableSegmentsOfGoneProcessesAreGivenBack)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term keeper = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                             auto m = co_await ctx.receive();
                             ctx.send(hostPid, T({ A("still_here"), *m }));
                         }).pid;
    constexpr int kChildren = 1'300'000; // about 5 segments (10 MB), 3 of them wholly issued and empty
    rt.spawn(spawnShortLived(kChildren, hostPid, 256));
    ASSERT_EQ(host->receive(120'000), A("spawned"));
    ASSERT_TRUE(rt.waitIdle(60'000));
    const size_t before = residentBytes();
    Snapshot first = rt.snapshot();
    const size_t after = residentBytes();
    ASSERT_GT(before, 0u);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    // (The sanitizers keep shadow memory of their own for the pages given back.)
    EXPECT_GE(double(before) - double(after), 4.0 * 1024 * 1024) << "resident before " << before << ", after " << after;
#else
    (void)after;
#endif
    auto alive = [](const Snapshot& s, uint64_t pid) {
        return std::any_of(s.processes.begin(), s.processes.end(), [pid](const ProcessSnapshot& p) { return p.pid == pid; });
    };
    EXPECT_TRUE(alive(first, keeper.pidSerial()));
    EXPECT_LE(first.processes.size(), 4u) << "the keeper, the host and at most the spawner on its way out";
    // Later spawns land in fresh segments; the old ones are still readable (and empty).
    std::vector<Term> later;
    for (int i = 0; i < 100; ++i)
        later.push_back(rt.spawn([](ProcessContext& ctx) -> Task<void> { co_await ctx.receive(); }).pid);
    Snapshot second = rt.snapshot();
    EXPECT_TRUE(alive(second, keeper.pidSerial()));
    for (const Term& p : later)
        EXPECT_TRUE(alive(second, p.pidSerial()));
    EXPECT_FALSE(rt.isAlive(*rt.pidFor(keeper.pidSerial() + 1000, true)));
    host->send(keeper, A("ping"));
    EXPECT_EQ(host->receive(10'000), T({ A("still_here"), A("ping") }));
    for (const Term& p : later)
        host->send(p, A("stop"));
    ASSERT_TRUE(rt.waitIdle(10'000));
}

// Two threads taking snapshots at once: the world stays stopped until both are done (the first one to finish used to
// let the workers run under the other's walk), and a live process is in every snapshot, whatever segments of the
// process table the two give back meanwhile.
TEST(RuntimeThreaded, SnapshotsFromTwoThreadsAtOnce)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term keeper = rt.spawn([](ProcessContext& ctx) -> Task<void> { co_await ctx.receive(); }).pid;
    rt.spawn(spawnShortLived(600'000, hostPid, 256));
    std::atomic<int> missing { 0 };
    std::atomic<int> taken { 0 };
    auto taker = [&] {
        for (int i = 0; i < 40; ++i) {
            const Snapshot s = rt.snapshot();
            ++taken;
            if (std::none_of(s.processes.begin(), s.processes.end(),
                    [&](const ProcessSnapshot& p) { return p.pid == keeper.pidSerial(); }))
                ++missing;
        }
    };
    std::thread a(taker);
    std::thread b(taker);
    a.join();
    b.join();
    EXPECT_EQ(taken.load(), 80);
    EXPECT_EQ(missing.load(), 0);
    ASSERT_EQ(host->receive(120'000), A("spawned"));
    EXPECT_TRUE(rt.isAlive(*rt.pidFor(keeper.pidSerial())));
    host->send(keeper, A("stop"));
    ASSERT_TRUE(rt.waitIdle(30'000));
}

// A subscriber that lost events resynchronises anyway. When even a whole ring could not hold what a worker produced
// between two drains, the ring keeps only an eighth of its size (at least 1,024 events) until a drain finds that the
// whole ring would have held everything again. Whatever is turned away is still counted.
TEST(RuntimeThreaded, TraceRingsKeepFewerEventsWhileEvenAWholeRingOverflows)
{
    Runtime rt(RuntimeConfig { .workers = 1, .traceBufferEvents = 8192 });
    auto sub = rt.subscribe();
    // A process on the worker spawns `children` processes that exit at once: a spawn and an exit event each, all in
    // the worker's ring.
    auto burst = [&rt](int children) {
        rt.spawn(spawnShortLived(children));
        EXPECT_TRUE(rt.waitIdle(30'000));
    };
    auto exits = [](const std::vector<TraceEvent>& events) {
        return std::count_if(events.begin(), events.end(), [](const TraceEvent& e) { return e.kind == TraceKind::Exited; });
    };
    std::vector<TraceEvent> events;
    burst(10'000); // 20,000 events for 8,192 slots
    uint64_t lost = sub->drain(events);
    EXPECT_GT(lost, 0u);
    EXPECT_GE(events.size() + lost, 20'000u);

    // 3,000 events would fit the whole ring, but it now keeps 1,024.
    events.clear();
    burst(1'500);
    lost = sub->drain(events);
    EXPECT_GT(lost, 0u);
    EXPECT_LE(events.size(), 1'024u + 8u) << "the worker ring's limit, plus the host's spawns in the shared ring";
    EXPECT_GE(events.size() + lost, 3'000u);

    // That drain found that the whole ring would have held them: it is whole again.
    events.clear();
    burst(3'500); // 7,000 events
    EXPECT_EQ(sub->drain(events), 0u);
    EXPECT_EQ(exits(events), 3'501);
}

// Small rings wrap around many times while two subscribers watch: one drained all along from its own thread, one
// never drained until the end. The drained one sees every event in order (a process's exit after its spawn, its
// messages between them); both give back every reference their rings held, so the shared payload ends as it began.
TEST(RuntimeThreaded, TraceRingsWrapInOrderAndGiveBackEveryReference)
{
    const Term payload = T({ A("chunk"), Term::binary("a payload that lives on the heap") });
    const uint32_t refsBefore = payload.heapObject()->refs.load();
    {
        Runtime rt(RuntimeConfig { .workers = 2, .traceBufferEvents = 256 });
        auto watched = rt.subscribe(TraceOptions { .allMessages = true });
        auto idle = rt.subscribe(TraceOptions { .allMessages = true });
        BackgroundDrainer drainer(watched, std::chrono::microseconds(200));
        auto host = rt.hostProcess();
        const Term hostPid = host->pid();
        constexpr int kWorkers = 200;
        for (int w = 0; w < kWorkers; ++w) {
            rt.spawn([hostPid, payload](ProcessContext& ctx) -> Task<void> {
                for (int i = 0; i < 20; ++i)
                    ctx.send(ctx.self(), payload);
                for (int i = 0; i < 20; ++i)
                    co_await ctx.receive();
                ctx.send(hostPid, A("done"));
            });
        }
        for (int w = 0; w < kWorkers; ++w)
            ASSERT_TRUE(host->receive(30'000));
        drainer.stop();
        std::vector<TraceEvent>& seen = drainer.seen();
        const uint64_t lost = drainer.lost();
        ASSERT_GT(seen.size(), 0u);
        // In order, and each process's story in order: spawned, then its messages, then its exit.
        std::map<uint64_t, int> stage; // 1 = spawned, 2 = exited
        uint64_t lastSeq = 0;
        size_t checked = 0;
        for (const TraceEvent& e : seen) {
            EXPECT_GT(e.seq, lastSeq) << "events out of order";
            lastSeq = e.seq;
            if (e.kind == TraceKind::Spawned) {
                EXPECT_EQ(stage[e.pid], 0) << "pid " << e.pid << " spawned twice";
                stage[e.pid] = 1;
            } else if (e.kind == TraceKind::Exited) {
                if (stage.count(e.pid)) { // its spawn may have been lost to a full ring
                    EXPECT_EQ(stage[e.pid], 1) << "pid " << e.pid << " exited before it was spawned";
                    ++checked;
                }
                stage[e.pid] = 2;
            } else if (e.kind == TraceKind::MessageQueued && e.data == payload) {
                // find, not operator[]: a message seen after a spawn lost to a full ring must not invent a stage.
                const auto it = stage.find(e.pid);
                if (it != stage.end()) {
                    EXPECT_NE(it->second, 2) << "message queued to pid " << e.pid << " after its exit";
                }
            }
        }
        if (lost == 0) {
            EXPECT_GE(checked, size_t(kWorkers));
        }
        // The undrained subscriber's ring is full of events holding the payload; dropping it must release them.
        rt.unsubscribe(idle);
        rt.unsubscribe(watched);
        seen.clear();
    }
    EXPECT_EQ(payload.heapObject()->refs.load(), refsBefore);
}

// A process that has not run yet is run before older runnable ones (depth first through a fork-join tree), but not
// forever: endless chains of spawns on both workers must not starve processes that only yield.
// Workers number trace events from blocks of sequence numbers they take in turn; a worker must leave its block as
// soon as it takes in another thread's work. Tokens hop between relays (and through short-lived children the relays
// spawn) while both workers steal from each other: every message's sent, queued and received events must come out
// in that order, every process's story must begin with its spawn and end with its exit, and the numbers must run
// without a hole.
TEST(RuntimeThreaded, TraceNumbersPutCausesBeforeEffectsAcrossWorkers)
{
    Runtime rt(RuntimeConfig { .workers = 2, .traceBufferEvents = 1 << 20 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    BackgroundDrainer drainer(sub, std::chrono::microseconds(300));
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    constexpr int kRelays = 48;
    constexpr int kTokens = 24;
    constexpr int kHops = 300;
    // A relay forwards {token, hop, next-relays} to a relay picked by the hop number; every 7th hop goes through a
    // fresh child that forwards it and exits. The last hop reports to the host.
    std::vector<Term> relays;
    for (int i = 0; i < kRelays; ++i) {
        relays.push_back(rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                              for (;;) {
                                  auto m = co_await ctx.receive();
                                  if (!m->isTuple(3))
                                      co_return;
                                  const int64_t token = m->element(0).asInteger();
                                  const int64_t hop = m->element(1).asInteger();
                                  const Term all = m->element(2);
                                  if (hop == kHops) {
                                      ctx.send(hostPid, I(token));
                                      continue;
                                  }
                                  const Term next = all.element(size_t((token * 31 + hop * 17) % kRelays));
                                  const Term msg = T({ I(token), I(hop + 1), all });
                                  if (hop % 7 == 0) {
                                      ctx.spawn([next, msg](ProcessContext& c) -> Task<void> {
                                          c.send(next, msg);
                                          co_return;
                                      });
                                  } else {
                                      ctx.send(next, msg);
                                  }
                              }
                          }).pid);
    }
    const Term all = Term::tuple(std::vector<Term>(relays.begin(), relays.end()));
    for (int t = 0; t < kTokens; ++t)
        host->send(relays[size_t(t % kRelays)], T({ I(t), I(0), all }));
    for (int t = 0; t < kTokens; ++t)
        ASSERT_TRUE(host->receive(60'000));
    for (const Term& r : relays)
        host->send(r, A("stop"));
    ASSERT_TRUE(rt.waitIdle(30'000));
    drainer.stop();
    const std::vector<TraceEvent>& seen = drainer.seen();
    ASSERT_EQ(drainer.lost(), 0u);
    // Without a hole: the subscription started at some number and every later number is one delivered event or a
    // number nobody used; what is checked is strict order, and that no fact comes before its cause.
    uint64_t lastSeq = 0;
    std::map<uint64_t, int> stage; // 1 spawned, 2 exited
    std::map<std::pair<int64_t, int64_t>, int> hops; // (token, hop) -> 1 sent, 2 queued, 3 received
    // A relay takes its messages first come, first served: per process, the received events follow the queued
    // ones in the same order, even when the process's slices ran on different workers.
    std::map<uint64_t, std::vector<std::pair<int64_t, int64_t>>> queuedTo, receivedBy;
    size_t messagesChecked = 0;
    for (const TraceEvent& e : seen) {
        ASSERT_GT(e.seq, lastSeq);
        lastSeq = e.seq;
        const bool ours = e.data.isTuple(3) && e.data.element(0).isInteger();
        const auto key = ours ? std::make_pair(e.data.element(0).asInteger(), e.data.element(1).asInteger())
                              : std::make_pair(int64_t(-1), int64_t(-1));
        switch (e.kind) {
        case TraceKind::Spawned:
            EXPECT_EQ(stage[e.pid], 0) << "pid " << e.pid << " spawned twice";
            stage[e.pid] = 1;
            break;
        case TraceKind::Exited:
            EXPECT_EQ(stage[e.pid], 1) << "pid " << e.pid << " exited before it was spawned";
            stage[e.pid] = 2;
            break;
        case TraceKind::MessageSent:
            if (ours) {
                EXPECT_EQ(hops[key], 0) << "token " << key.first << " hop " << key.second << " sent twice";
                hops[key] = 1;
                if (e.pid != 0) {
                    EXPECT_EQ(stage[e.pid], 1) << "pid " << e.pid << " sent before its spawn or after its exit";
                }
            }
            break;
        case TraceKind::MessageQueued:
            if (ours) {
                EXPECT_EQ(hops[key], 1) << "token " << key.first << " hop " << key.second << " queued before it was sent";
                hops[key] = 2;
                queuedTo[e.pid].push_back(key);
            }
            break;
        case TraceKind::MessageReceived:
            if (ours) {
                EXPECT_EQ(hops[key], 2) << "token " << key.first << " hop " << key.second
                                        << " received before it was queued";
                hops[key] = 3;
                receivedBy[e.pid].push_back(key);
                ++messagesChecked;
            }
            break;
        default:
            break;
        }
    }
    EXPECT_EQ(messagesChecked, size_t(kTokens) * (kHops + 1));
    EXPECT_TRUE(queuedTo == receivedBy) << "a process's messages were received in another order than queued";
    rt.unsubscribe(sub);
}

// A subscriber's notify callback runs on the thread that published the event, often a worker, and may itself emit
// events there: it runs only once that thread has finished with its event's number, so no number is carried twice
// and none is skipped.
TEST(RuntimeThreaded, ANotifyCallbackThatEmitsGetsNumbersOfItsOwn)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto sub = rt.subscribe();
    std::atomic<int> emitted { 0 };
    thread_local bool inCallback = false;
    sub->setNotify([&rt, &emitted] {
        if (inCallback)
            return;
        inCallback = true;
        TraceEvent e;
        e.kind = TraceKind::Label;
        e.pid = 1;
        e.data = A("noticed");
        rt.emit(std::move(e));
        emitted.fetch_add(1);
        inCallback = false;
    });
    std::vector<TraceEvent> seen;
    uint64_t lost = 0;
    for (int round = 0; round < 30; ++round) {
        rt.spawn(spawnShortLived(5));
        ASSERT_TRUE(rt.waitIdle(10'000));
        lost += sub->drain(seen);
    }
    sub->setNotify(nullptr);
    ASSERT_TRUE(rt.waitIdle(10'000));
    lost += sub->drain(seen);
    EXPECT_EQ(lost, 0u);
    uint64_t lastSeq = 0;
    int labels = 0;
    for (const TraceEvent& e : seen) {
        ASSERT_GT(e.seq, lastSeq) << traceKindName(e.kind);
        lastSeq = e.seq;
        labels += e.kind == TraceKind::Label && e.data == A("noticed") ? 1 : 0;
    }
    EXPECT_GT(emitted.load(), 0);
    EXPECT_EQ(labels, emitted.load()) << "every event the callback emitted arrives";
}

// A drain that leaves events in a ring behind a number a busy worker's block may still carry wakes a subscriber that
// waits for notifications: producers only notify when they find a ring empty, so it would otherwise wait for good.
TEST(RuntimeThreaded, ADrainThatLeavesEventsBehindNotifiesAgain)
{
    Runtime rt(RuntimeConfig { .workers = 2, .traceBufferEvents = 1 << 16 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    std::atomic<int> notified { 0 };
    sub->setNotify([&notified] { notified.fetch_add(1); });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    std::atomic<bool> release { false };
    Term hog = rt.spawn([hostPid, &release](ProcessContext& ctx) -> Task<void> {
                     co_await ctx.receive();
                     ctx.send(hostPid, A("busy")); // numbered from this worker's block, which stays open
                     while (!release.load()) {
                     }
                     ctx.send(hostPid, A("done"));
                 }).pid;
    host->send(hog, A("go"));
    ASSERT_EQ(host->receive(10'000), A("busy"));
    constexpr int kChildren = 500;
    rt.spawn(spawnShortLived(kChildren, hostPid));
    ASSERT_EQ(host->receive(10'000), A("spawned"));
    std::vector<TraceEvent> seen;
    uint64_t lost = sub->drain(seen);
    const size_t exitsBefore = size_t(std::count_if(seen.begin(), seen.end(), [](const TraceEvent& e) { return e.kind == TraceKind::Exited; }));
    EXPECT_LT(exitsBefore, size_t(kChildren)) << "the children's exits wait behind the busy worker's numbers";
    const int before = notified.load();
    lost += sub->drain(seen);
    EXPECT_GT(notified.load(), before) << "a drain that left events behind asks to be called again";
    release.store(true);
    ASSERT_EQ(host->receive(10'000), A("done"));
    ASSERT_TRUE(rt.waitIdle(10'000));
    lost += sub->drain(seen);
    EXPECT_EQ(lost, 0u);
    uint64_t lastSeq = 0;
    size_t exits = 0;
    for (const TraceEvent& e : seen) {
        ASSERT_GT(e.seq, lastSeq);
        lastSeq = e.seq;
        exits += e.kind == TraceKind::Exited ? 1 : 0;
    }
    EXPECT_EQ(exits, size_t(kChildren + 2)) << "every child, the spawner and the hog";
}

// A worker that stays in one long slice has numbers of its block unused, and does not hear the drains asking for
// them: drains meanwhile deliver what comes before those numbers and leave the other worker's later events in its
// ring until the slice ends (then its next event gives the block up, or uses the number the drains waited for).
// Nothing is lost, repeated or reordered.
TEST(RuntimeThreaded, DrainsDuringALongSliceLoseAndReorderNothing)
{
    Runtime rt(RuntimeConfig { .workers = 2, .traceBufferEvents = 1 << 18 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    Term hog = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                     co_await ctx.receive();
                     ctx.send(hostPid, A("busy"));
                     // 150 ms in one slice, without a single event.
                     spinFor(std::chrono::milliseconds(150));
                     ctx.send(hostPid, A("done"));
                 }).pid;
    host->send(hog, A("go"));
    ASSERT_EQ(host->receive(10'000), A("busy"));
    // The other worker spawns meanwhile.
    constexpr int kChildren = 500;
    rt.spawn(spawnShortLived(kChildren, hostPid));
    std::vector<TraceEvent> seen;
    uint64_t lost = 0;
    std::vector<Term> replies;
    while (replies.size() < 2) {
        lost += sub->drain(seen);
        if (auto r = host->receive(5))
            replies.push_back(*r);
    }
    ASSERT_TRUE(rt.waitIdle(10'000));
    lost += sub->drain(seen);
    EXPECT_EQ(lost, 0u);
    uint64_t lastSeq = 0;
    bool hogDone = false;
    for (const TraceEvent& e : seen) {
        ASSERT_GT(e.seq, lastSeq) << traceKindName(e.kind);
        lastSeq = e.seq;
        if (e.kind == TraceKind::MessageSent && e.pid == hog.pidSerial() && e.data == A("done"))
            hogDone = true;
    }
    EXPECT_TRUE(hogDone);
    size_t allExits = 0;
    for (const TraceEvent& e : seen)
        allExits += e.kind == TraceKind::Exited ? 1 : 0;
    EXPECT_EQ(allExits, size_t(kChildren + 2)) << "every child, the spawner and the hog";
}

// Event times: a worker reuses a precise clock read for a while (see sliceTimeNs), so events of one slice share a
// time; times still follow real time across a sleep and never run backwards on a worker.
TEST(RuntimeThreaded, EventTimesFollowTheClock)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    // Warm up both workers' clocks with traced slices a moment before: events caused after `before` must not reuse
    // a time read before it.
    std::set<uint64_t> warm;
    for (int i = 0; i < 4; ++i)
        warm.insert(rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                          ctx.send(hostPid, A("warm"));
                          co_return;
                      }).pid.pidSerial());
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(host->receive(10'000));
    std::vector<TraceEvent> events;
    sub->drain(events);
    events.clear();
    const int64_t before = rt.nowNs();
    rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
        ctx.send(hostPid, A("first"));
        co_await ctx.sleep(30);
        ctx.send(hostPid, A("second"));
    });
    ASSERT_TRUE(host->receive(10'000));
    ASSERT_TRUE(host->receive(10'000));
    ASSERT_TRUE(rt.waitIdle(10'000));
    const int64_t after = rt.nowNs();
    EXPECT_EQ(sub->drain(events), 0u);
    int64_t first = -1, second = -1;
    for (const TraceEvent& e : events) {
        // The warm-up processes' events, caused before `before`, may still be on their way: a drain holds events
        // back behind a number a worker's open block may still carry.
        if (e.data == A("warm") || warm.count(e.pid) || e.kind == TraceKind::Exited || e.kind == TraceKind::MailboxStats)
            continue;
        EXPECT_GE(e.timeNs, before) << traceKindName(e.kind) << " pid " << e.pid;
        EXPECT_LE(e.timeNs, after);
        if (e.kind == TraceKind::MessageSent && e.data == A("first"))
            first = e.timeNs;
        if (e.kind == TraceKind::MessageSent && e.data == A("second"))
            second = e.timeNs;
    }
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    EXPECT_GE(second - first, 25'000'000) << "the second send came 30 ms after the first";
    rt.unsubscribe(sub);
}

// A worker reuses a precise clock read for its next slices only while they do little work: slices that use most of
// their reductions each (here 1,500 of 2,000, a millisecond apiece) read the clock again every other slice, where a
// count of slices alone would stamp all twenty with the first one's time.
TEST(RuntimeThreaded, EventTimesAdvanceWithTheWorkSlicesDo)
{
    Runtime rt(RuntimeConfig { .workers = 1 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term sink = rt.spawn(sinkBody()).pid;
    const Term worker = rt.spawn([sink, hostPid](ProcessContext& ctx) -> Task<void> {
                            for (int i = 0; i < 20; ++i) {
                                spinFor(std::chrono::milliseconds(1));
                                ctx.consumeReductions(1500);
                                ctx.send(sink, I(i));
                                co_await ctx.yield();
                            }
                            ctx.send(hostPid, A("done"));
                        }).pid;
    ASSERT_EQ(host->receive(10'000), A("done"));
    ASSERT_TRUE(rt.waitIdle(10'000));
    std::vector<TraceEvent> events;
    sub->drain(events);
    std::vector<int64_t> times;
    for (const TraceEvent& e : events)
        if (e.kind == TraceKind::MessageSent && e.pid == worker.pidSerial() && e.other == sink.pidSerial())
            times.push_back(e.timeNs);
    ASSERT_EQ(times.size(), 20u);
    EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
    EXPECT_GE(times.back() - times.front(), 15'000'000) << "19 ms of work lie between the first send and the last";
    rt.unsubscribe(sub);
}

// A slice may start with the worker's last precise time (read one slice earlier here); once it has used its whole
// budget, what it still emits (here its exit, after 30 ms of work) is stamped afresh.
TEST(RuntimeThreaded, AnExitAfterAWholeBudgetOfWorkIsStampedAfterTheWork)
{
    Runtime rt(RuntimeConfig { .workers = 1 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    auto host = rt.hostProcess();
    const Term sink = rt.spawn(sinkBody()).pid;
    const uint32_t budget = RuntimeConfig {}.sliceReductions;
    const Term worker = rt.spawn([sink, budget](ProcessContext& ctx) -> Task<void> {
                            ctx.send(sink, A("before")); // this slice reads the clock
                            co_await ctx.yield();
                            spinFor(std::chrono::milliseconds(30)); // the next one emits nothing until its exit
                            ctx.consumeReductions(budget);
                        }).pid;
    ASSERT_TRUE(rt.waitIdle(10'000));
    std::vector<TraceEvent> events;
    sub->drain(events);
    int64_t sentNs = -1;
    int64_t exitedNs = -1;
    for (const TraceEvent& e : events) {
        if (e.pid != worker.pidSerial())
            continue;
        if (e.kind == TraceKind::MessageSent)
            sentNs = e.timeNs;
        if (e.kind == TraceKind::Exited)
            exitedNs = e.timeNs;
    }
    ASSERT_GE(sentNs, 0);
    ASSERT_GE(exitedNs, 0);
    EXPECT_GE(exitedNs - sentNs, 25'000'000) << "30 ms of work lie between the send and the exit";
    rt.unsubscribe(sub);
}

TEST(RuntimeThreaded, ChainsOfFreshSpawnsDoNotStarveOlderProcesses)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    std::atomic<bool> stop { false };
    constexpr int kTickers = 4;
    std::array<std::atomic<int64_t>, kTickers> ticks {};
    std::vector<Term> tickers;
    for (int i = 0; i < kTickers; ++i) {
        tickers.push_back(rt.spawn([&ticks, &stop, i](ProcessContext& ctx) -> Task<void> {
                                while (!stop.load()) {
                                    ticks[size_t(i)].fetch_add(1);
                                    ctx.consumeReductions();
                                    co_await ctx.yield(); // suspends once the slice's reductions are spent
                                }
                            }).pid);
    }
    // Each link of a chain spawns the next and exits, until the host says stop.
    struct Chain {
        static NativeBody link(const std::atomic<bool>* stop, Term hostPid)
        {
            return [stop, hostPid](ProcessContext& ctx) -> Task<void> {
                if (stop->load())
                    ctx.send(hostPid, A("chain_done"));
                else
                    ctx.spawn(link(stop, hostPid));
                co_return;
            };
        }
    };
    constexpr int kChains = 6;
    for (int c = 0; c < kChains; ++c)
        rt.spawn(Chain::link(&stop, hostPid));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::array<int64_t, kTickers> before {};
    for (int i = 0; i < kTickers; ++i)
        before[size_t(i)] = ticks[size_t(i)].load();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    int64_t least = INT64_MAX;
    for (int i = 0; i < kTickers; ++i)
        least = std::min(least, ticks[size_t(i)].load() - before[size_t(i)]);
    stop.store(true);
    for (int c = 0; c < kChains; ++c)
        EXPECT_EQ(host->receive(10'000), A("chain_done"));
    for (const Term& t : tickers)
        EXPECT_TRUE(rt.waitExit(t, 10'000).has_value());
    // With a slice for older processes after every 33 fresh ones, each ticker ticks thousands of times in 400 ms.
    EXPECT_GT(least, 100) << "a yielding process was starved by the chains: " << ticks[0].load() << " " << ticks[1].load() << " " << ticks[2].load() << " " << ticks[3].load();
}

// Children run before their spawner continues, but a spawner that yields comes back after the children it
// started, so a loop that spawns short-lived processes does not pile them up faster than they run.
TEST(RuntimeThreaded, ASpawnerThatYieldsDoesNotPileUpItsChildren)
{
    for (unsigned workers : { 1u, 2u }) {
        Runtime rt(RuntimeConfig { .workers = workers });
        auto host = rt.hostProcess();
        const Term hostPid = host->pid();
        Runtime* r = &rt;
        rt.spawn([r, hostPid](ProcessContext& ctx) -> Task<void> {
            size_t most = 0;
            for (int i = 0; i < 200'000; ++i) {
                ctx.spawn([](ProcessContext&) -> Task<void> { co_return; });
                if ((i & 255) == 0) {
                    most = std::max(most, r->processCount());
                    co_await ctx.yield();
                }
            }
            ctx.send(hostPid, I(int64_t(most)));
        });
        auto most = host->receive(60'000);
        ASSERT_TRUE(most.has_value());
        EXPECT_LT(most->asInteger(), 20'000) << "children piled up with " << workers << " worker(s)";
    }
}

TEST(RuntimeThreaded, PauseAndStep)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    rt.pause();
    Term p = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                   ctx.send(hostPid, A("ran"));
                   co_return;
               }).pid;
    EXPECT_FALSE(host->receive(50));
    EXPECT_TRUE(rt.stepPaused());
    EXPECT_EQ(host->receive(1000), A("ran"));
    rt.resume();
    EXPECT_TRUE(rt.waitExit(p, 5000).has_value());
}

TEST(RuntimeThreaded, SampledMessageEventsEndWithExactMailboxStats)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 5, .statsIntervalMs = 20 });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    // A consumer takes 9,500 of 10,000 messages and then sits idle with 500 in its mailbox.
    Term consumer = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                          for (int i = 0; i < 9'500; ++i)
                              co_await ctx.receive();
                          ctx.send(hostPid, A("drained"));
                          co_await ctx.receive([](const Term&) { return false; });
                      }).pid;
    rt.spawn([consumer](ProcessContext& ctx) -> Task<void> {
        for (int i = 0; i < 10'000; ++i) {
            ctx.send(consumer, I(i));
            if (i % 100 == 0)
                co_await ctx.yield();
        }
    });
    ASSERT_EQ(host->receive(30'000), A("drained"));
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    // The idle consumer reports its counters once the stats interval has passed.
    for (int i = 0; i < 100; ++i) {
        sub->drain(events);
        auto it = std::find_if(events.rbegin(), events.rend(), [&](const TraceEvent& e) {
            return e.kind == TraceKind::MailboxStats && e.pid == consumer.pidSerial();
        });
        if (it != events.rend() && it->count == 500u)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    size_t messageEvents = 0;
    const TraceEvent* last = nullptr;
    for (const auto& e : events) {
        if (e.kind == TraceKind::MessageQueued || e.kind == TraceKind::MessageReceived || e.kind == TraceKind::MessageSent)
            ++messageEvents;
        if (e.kind == TraceKind::MailboxStats && e.pid == consumer.pidSerial())
            last = &e;
    }
    EXPECT_LT(messageEvents, 2'000u) << "message events must be sampled under load";
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(last->count, 500u);
    EXPECT_EQ(last->other, 10'000u);
    EXPECT_EQ(*rt.info(consumer, atoms::message_queue_len), T({ A("message_queue_len"), I(500) }));
}

// A process that has never reported its counters and goes idle with an empty mailbox does not report at once (the
// observers' view of its mailbox is right already): its idle reminder brings the counters one interval later.
TEST(RuntimeThreaded, AFirstIdleReportWithAnEmptyMailboxWaitsForTheReminder)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 1, .statsIntervalMs = 1'000 });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    Term idler = rt.spawn(takeThenIdleBody(hostPid, 5, "idle")).pid;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i)
        host->send(idler, I(i));
    ASSERT_EQ(host->receive(30'000), A("idle"));
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    sub->drain(events);
    if (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(900)) {
        EXPECT_EQ(findEvent(events, TraceKind::MailboxStats, idler.pidSerial()), nullptr)
            << "no report before its interval is over";
    }
    const TraceEvent* r = drainUntil(*sub, events, TraceKind::MailboxStats, idler.pidSerial(), 500);
    ASSERT_NE(r, nullptr) << "the reminder brings its counters";
    EXPECT_EQ(r->other, 5u);
    EXPECT_EQ(r->old, 1u);
    EXPECT_EQ(r->count, 0u);
}

// An idle process whose reminder falls due is reported by a worker that takes it over for a moment instead of
// waking it. Messages sent to it meanwhile must still wake it (the worker looks at its inbox once more as it hands it
// back), and its last report must carry its counters as they stand once it has answered them all.
TEST(RuntimeThreaded, RemindersOfIdleProcessesLoseNoWakeUpAndReportTheLastCounters)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    // No message events at all: every message leaves the counters unseen, so each echo below has a reminder due a
    // millisecond after it goes idle, while the next round's messages arrive.
    auto sub = rt.subscribe(
        TraceOptions { .messageEventsPerWindow = 0, .workerMessageEventsPerWindow = 0, .statsIntervalMs = 1 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    constexpr int kEchoes = 1000;
    constexpr int kRounds = 100;
    std::vector<Term> echoes;
    for (int i = 0; i < kEchoes; ++i)
        echoes.push_back(rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                               for (;;)
                                   ctx.send(hostPid, *co_await ctx.receive());
                           }).pid);
    std::vector<TraceEvent> events;
    for (int r = 0; r < kRounds; ++r) {
        for (const Term& e : echoes)
            host->send(e, I(r));
        for (int i = 0; i < kEchoes; ++i)
            ASSERT_EQ(host->receive(10'000), I(r)) << "round " << r << ": an echo was never woken";
        // Pauses of different lengths, so that the next round's messages come while reminders are being handled.
        std::this_thread::sleep_for(std::chrono::microseconds(200 * (r % 12)));
        sub->drain(events);
    }
    std::map<uint64_t, const TraceEvent*> last;
    auto settled = [&] {
        last.clear();
        for (const auto& e : events)
            if (e.kind == TraceKind::MailboxStats)
                last[e.pid] = &e;
        for (const Term& e : echoes) {
            const auto it = last.find(e.pidSerial());
            if (it == last.end() || it->second->other != uint64_t(kRounds) || it->second->old != uint64_t(kRounds))
                return false;
        }
        return true;
    };
    for (int i = 0; i < 500 && !settled(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        sub->drain(events);
    }
    (void)settled(); // `last` points into the events as they are now
    for (const Term& e : echoes) {
        const auto it = last.find(e.pidSerial());
        ASSERT_NE(it, last.end()) << "no report from " << e.pidSerial();
        EXPECT_EQ(it->second->other, uint64_t(kRounds)) << "messages in";
        EXPECT_EQ(it->second->old, uint64_t(kRounds)) << "messages out";
        EXPECT_EQ(it->second->count, 0u) << "left in its mailbox";
    }
    // Each echo's reports come in the order its counters grew, after its spawn.
    std::map<uint64_t, uint64_t> seen;
    for (const auto& e : events) {
        if (e.kind != TraceKind::MailboxStats)
            continue;
        EXPECT_GE(e.other, seen[e.pid]) << "reports of " << e.pid << " out of order";
        seen[e.pid] = e.other;
    }
}

// While every worker is busy, a due reminder waits for a moment with nothing to run (most processes of a storm are
// gone by then) but no longer than Runtime::Impl::kStatsOverdueMs (250 ms): then the busy worker makes the report.
TEST(RuntimeThreaded, ADueReminderWaitsForAnIdleMomentButNotForLong)
{
    Runtime rt(RuntimeConfig { .workers = 1 });
    auto sub = rt.subscribe(
        TraceOptions { .messageEventsPerWindow = 0, .workerMessageEventsPerWindow = 0, .statsIntervalMs = 1 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    // Keeps the only worker busy, one short slice after another, until told to stop.
    Term busy = rt.spawn([](ProcessContext& ctx) -> Task<void> {
                      for (;;) {
                          co_await ctx.yield();
                          if (co_await ctx.receive(0))
                              co_return;
                      }
                  }).pid;
    Term idler = rt.spawn(takeThenIdleBody(hostPid, 3, "took")).pid;
    // The reminder cannot be armed before the first message arrives: its 250 ms count from after this.
    const auto sentAt = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i)
        host->send(idler, I(i));
    ASSERT_EQ(host->receive(10'000), A("took"));
    std::vector<TraceEvent> events;
    const TraceEvent* report = drainUntil(*sub, events, TraceKind::MailboxStats, idler.pidSerial(), 300);
    const auto reportAt = std::chrono::steady_clock::now();
    host->send(busy, A("stop"));
    ASSERT_NE(report, nullptr) << "the busy worker reports it once the reminder is overdue";
    EXPECT_GE(reportAt - sentAt, std::chrono::milliseconds(200)) << "not while the worker had other work to run";
    EXPECT_EQ(report->other, 3u);
    EXPECT_EQ(report->old, 1u);
    EXPECT_EQ(report->count, 0u);
}

// ... unless a snapshot counted messages in its mailbox: observers that resynchronised from it count those until
// the process reports, so once it has taken them (none of them sampled: they were sent before the subscription) and
// goes idle it reports at once, not an interval later.
TEST(RuntimeThreaded, AProcessWhoseMailASnapshotCountedReportsAtOnceWhenItGoesIdle)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    Term waiter = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                        co_await ctx.receive([](const Term& m) { return m == A("go"); });
                        for (int i = 0; i < 5; ++i)
                            co_await ctx.receive();
                        ctx.send(hostPid, A("idle"));
                        co_await ctx.receive([](const Term&) { return false; });
                    }).pid;
    for (int i = 0; i < 5; ++i)
        host->send(waiter, I(i));
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 1, .statsIntervalMs = 30'000 });
    // The five wait in its mailbox once it has looked at them for :go (until then they are on their way, which a
    // snapshot does not count: info's message_queue_len counts both).
    auto queued = [&] {
        const Snapshot snap = rt.snapshot();
        const auto it = std::find_if(snap.processes.begin(), snap.processes.end(),
            [&](const ProcessSnapshot& p) { return p.pid == waiter.pidSerial(); });
        return it == snap.processes.end() ? size_t(0) : it->messageQueueLen;
    };
    for (int i = 0; i < 500 && queued() != 5u; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_EQ(queued(), 5u);
    host->send(waiter, A("go"));
    ASSERT_EQ(host->receive(30'000), A("idle"));
    std::vector<TraceEvent> events;
    const TraceEvent* report = drainUntil(*sub, events, TraceKind::MailboxStats, waiter.pidSerial(), 500);
    ASSERT_NE(report, nullptr) << "it reports without waiting for its 30 s interval";
    EXPECT_EQ(report->count, 0u);
    EXPECT_EQ(report->other, 6u);
}

// A process's Exited event carries its final counters, so that observers of sampled traffic get exact totals for
// one that died before it ever reported them: here it takes 2,000 of 3,000 messages in one go (none sampled after
// the first few), sends one, and exits with 1,000 still in its mailbox.
TEST(RuntimeThreaded, AnExitedEventCarriesTheFinalCounters)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 2, .statsIntervalMs = 10'000 });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    Term worker = rt.spawn([hostPid](ProcessContext& ctx) -> Task<void> {
                        co_await ctx.receive([](const Term& m) { return m == A("go"); });
                        for (int i = 0; i < 2'000; ++i)
                            co_await ctx.receive();
                        ctx.send(hostPid, A("done"));
                        ctx.exitSelf(A("finished"));
                    }).pid;
    for (int i = 0; i < 3'000; ++i)
        host->send(worker, I(i));
    host->send(worker, A("go"));
    ASSERT_EQ(host->receive(30'000), A("done"));
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    const TraceEvent* exited = drainUntil(*sub, events, TraceKind::Exited, worker.pidSerial(), 100);
    ASSERT_NE(exited, nullptr);
    EXPECT_EQ(exited->data, A("finished"));
    EXPECT_EQ(exited->other, 3'001u); // messages in: all 3,000 and :go
    EXPECT_EQ(exited->old, 1u); // messages out
    EXPECT_EQ(exited->count, 1'000u); // left unread
    ASSERT_TRUE(exited->extra.isInteger());
    EXPECT_GT(exited->extra.asInteger(), 2'000);
}

namespace {
// The sampled sends (their event times) of a sender that began at `start`, sent for about 450 ms and may report 3
// per 100 ms window: some in its first window, some again in the later ones, and no more than 5 windows' worth.
void expectSampledInFirstAndLaterWindows(const std::vector<int64_t>& times, int64_t start)
{
    EXPECT_LE(times.size(), 15u) << "windows of 100 ms over about 450 ms: at most 5 of them, 3 events each";
    int early = 0, late = 0;
    for (int64_t t : times) {
        early += t - start < 100'000'000;
        late += t - start >= 250'000'000;
    }
    EXPECT_GE(early, 1) << "sampled in its first window";
    EXPECT_GE(late, 3) << "and again in its later windows, not only once its skipping ran out";
}
} // namespace

// A steady sender that has used its message events for a window looks at the window again only every so many
// messages, but still gets its events in every later window, and never more than its share of one.
TEST(RuntimeThreaded, ASteadySenderIsSampledAgainInEveryWindow)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    // The worker's budget is ample: only the sender's own (3 per 100 ms window) limits its events.
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 3, .workerMessageEventsPerWindow = 100'000 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term sink = rt.spawn(sinkBody()).pid;
    const Term sender = rt.spawn([sink, hostPid](ProcessContext& ctx) -> Task<void> {
                            const int64_t start = ctx.nowMs();
                            int64_t i = 0;
                            while (ctx.nowMs() - start < 450) {
                                ctx.send(sink, I(i));
                                if (++i % 64 == 0)
                                    co_await ctx.yield();
                            }
                            ctx.send(hostPid, I(i));
                        }).pid;
    const auto sent = host->receive(30'000);
    ASSERT_TRUE(sent.has_value());
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    sub->drain(events);
    std::vector<int64_t> times;
    int64_t start = -1;
    for (const TraceEvent& e : events) {
        if (e.kind == TraceKind::Spawned && e.pid == sender.pidSerial())
            start = e.timeNs;
        if (e.kind == TraceKind::MessageSent && e.pid == sender.pidSerial())
            times.push_back(e.timeNs);
    }
    ASSERT_GE(start, 0);
    ASSERT_GT(sent->asInteger(), 10'000) << "the sender must have sent far more than it may report";
    expectSampledInFirstAndLaterWindows(times, start);
    rt.unsubscribe(sub);
}

// Request/reply traffic runs a slice per message, so a process's skipping (which lasts a slice) never spares it a
// look at its window; it finds the window's end on its worker's cached coarse clock instead. A pair that keeps at it
// for 450 ms is sampled in its first window and again in the later ones, and never more than its share of each.
TEST(RuntimeThreaded, ARequestReplyPairIsSampledAgainInEveryWindow)
{
    Runtime rt(RuntimeConfig { .workers = 1 });
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 3, .workerMessageEventsPerWindow = 100'000 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term echo = rt.spawn([](ProcessContext& ctx) -> Task<void> {
                          for (;;) {
                              Term m = *co_await ctx.receive();
                              if (!m.isTuple())
                                  co_return;
                              ctx.send(m.element(0), m.element(1));
                          }
                      }).pid;
    const Term asker = rt.spawn([echo, hostPid](ProcessContext& ctx) -> Task<void> {
                           const int64_t start = ctx.nowMs();
                           int64_t i = 0;
                           while (ctx.nowMs() - start < 450) {
                               ctx.send(echo, T({ ctx.self(), I(i++) }));
                               co_await ctx.receive();
                           }
                           ctx.send(echo, A("stop"));
                           ctx.send(hostPid, I(i));
                       }).pid;
    const auto asked = host->receive(30'000);
    ASSERT_TRUE(asked.has_value());
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    sub->drain(events);
    int64_t start = -1;
    std::vector<int64_t> times;
    for (const TraceEvent& e : events) {
        if (e.kind == TraceKind::Spawned && e.pid == asker.pidSerial())
            start = e.timeNs;
        if (e.kind == TraceKind::MessageSent && e.pid == asker.pidSerial() && e.other == echo.pidSerial()
            && e.data.isTuple()) // its questions, not the stop that comes after them
            times.push_back(e.timeNs);
    }
    ASSERT_GE(start, 0);
    ASSERT_GT(asked->asInteger(), 1'000) << "the pair must have asked far more often than it may report";
    expectSampledInFirstAndLaterWindows(times, start);
    // Its share: no four sampled questions within one window (75 ms, for the coarse clock windows are measured with
    // and the precise one events are stamped with).
    std::sort(times.begin(), times.end());
    for (size_t k = 0; k + 3 < times.size(); ++k)
        EXPECT_GE(times[k + 3] - times[k], 75'000'000) << "sampled questions " << k << " to " << k + 3;
    rt.unsubscribe(sub);
}

// A slow sender (one message a slice, a few hundred a second) that has used its events for the window is sampled
// again in every window: its skipping never carries over from one slice to the next. Checked against the times the
// sender itself took its sends at, so that a loaded machine (fewer sends) cannot make it fail.
TEST(RuntimeThreaded, ASlowSenderIsSampledInEveryWindow)
{
    Runtime rt(RuntimeConfig { .workers = 1 });
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 10, .workerMessageEventsPerWindow = 100'000 });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term sink = rt.spawn(sinkBody()).pid;
    std::vector<std::chrono::steady_clock::time_point> sendTimes; // written by the sender only, read once it is done
    const Term sender = rt.spawn([sink, hostPid, &sendTimes](ProcessContext& ctx) -> Task<void> {
                            const auto start = std::chrono::steady_clock::now();
                            while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(800)) {
                                sendTimes.push_back(std::chrono::steady_clock::now());
                                ctx.send(sink, I(int64_t(sendTimes.size() - 1)));
                                co_await ctx.sleep(3);
                            }
                            ctx.send(hostPid, A("done"));
                        }).pid;
    ASSERT_EQ(host->receive(30'000), A("done"));
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    sub->drain(events);
    std::vector<bool> sampled(sendTimes.size(), false);
    for (const TraceEvent& e : events)
        if (e.kind == TraceKind::MessageSent && e.pid == sender.pidSerial() && e.other == sink.pidSerial())
            sampled.at(size_t(e.data.asInteger())) = true;
    ASSERT_FALSE(sampled.empty());
    EXPECT_TRUE(sampled[0]) << "its first send opens its first window";
    // A window opens with a sampled send; a send 110 ms or more after the window opened starts a new one and must
    // be sampled (10 ms of slack for the coarse clock windows are measured with).
    auto windowStart = sendTimes[0];
    size_t windows = 1;
    for (size_t k = 1; k < sampled.size(); ++k) {
        const auto since = sendTimes[k] - windowStart;
        if (since >= std::chrono::milliseconds(110)) {
            EXPECT_TRUE(sampled[k]) << "send " << k << " came "
                                    << std::chrono::duration_cast<std::chrono::milliseconds>(since).count()
                                    << " ms after its window opened";
        }
        if (sampled[k] && since >= std::chrono::milliseconds(90)) {
            windowStart = sendTimes[k];
            ++windows;
        }
    }
    EXPECT_GE(windows, 4u) << "800 ms of sends span several windows";
    rt.unsubscribe(sub);
}

// A slice that already stamped its events and then takes in a message another worker sent meanwhile stamps what
// follows afresh: the message is not received before it was sent.
TEST(RuntimeThreaded, AReceiveLaterInASliceIsNotStampedBeforeItsSend)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto sub = rt.subscribe(TraceOptions { .allMessages = true });
    auto host = rt.hostProcess();
    const Term hostPid = host->pid();
    const Term echo = rt.spawn([](ProcessContext& ctx) -> Task<void> {
                          for (;;) {
                              Term m = *co_await ctx.receive();
                              ctx.send(m.element(0), A("reply"));
                          }
                      }).pid;
    ASSERT_TRUE(rt.waitIdle());
    std::atomic<int64_t> spinEndNs { 0 };
    rt.spawn([hostPid, &rt, &spinEndNs](ProcessContext& ctx) -> Task<void> {
        // Its first send stamps this slice. The host then has the echo, which runs on the other (idle) worker,
        // reply to it while this one spins.
        ctx.send(hostPid, T({ A("go"), ctx.self() }));
        spinFor(std::chrono::milliseconds(20));
        spinEndNs.store(rt.nowNs());
        co_await ctx.receive();
        ctx.send(hostPid, A("done"));
    });
    const auto go = host->receive(10'000);
    ASSERT_TRUE(go.has_value());
    rt.send(echo, T({ go->element(1), A("ping") }));
    ASSERT_EQ(host->receive(10'000), A("done"));
    ASSERT_TRUE(rt.waitIdle());
    std::vector<TraceEvent> events;
    sub->drain(events);
    int64_t sent = -1, received = -1;
    for (const TraceEvent& e : events) {
        if (e.kind == TraceKind::MessageSent && e.data == A("reply"))
            sent = e.timeNs;
        if (e.kind == TraceKind::MessageReceived && e.data == A("reply"))
            received = e.timeNs;
    }
    ASSERT_GE(sent, 0);
    ASSERT_GE(received, 0);
    if (sent + 1'000'000 > spinEndNs.load())
        GTEST_SKIP() << "the echo did not reply while the receiver spun (a loaded machine): nothing to check";
    EXPECT_GE(received, sent);
    rt.unsubscribe(sub);
}

// A process that goes idle after every message but keeps reporting while its traffic lasts is not woken by the
// idle-stats reminder meanwhile; once the traffic stops for good, the reminder still brings its final counters.
TEST(RuntimeThreaded, IdleStatsReminderOutlastsBurstsOfTraffic)
{
    Runtime rt(RuntimeConfig { .workers = 2 });
    auto sub = rt.subscribe(TraceOptions { .messageEventsPerWindow = 1, .workerMessageEventsPerWindow = 1, .statsIntervalMs = 20 });
    auto host = rt.hostProcess();
    Term hostPid = host->pid();
    constexpr int kBursts = 30;
    constexpr int kPerBurst = 50;
    Term echo = rt.spawn([](ProcessContext& ctx) -> Task<void> {
                      for (;;) {
                          Term m = *co_await ctx.receive();
                          ctx.send(m.element(0), m.element(1));
                      }
                  }).pid;
    // Bursts 7 ms apart for about 200 ms: the echo process reports at the end of some slices (a reminder armed when
    // it first went idle finds it has) and sits idle in between.
    int64_t sum = 0;
    for (int b = 0; b < kBursts; ++b) {
        for (int i = 0; i < kPerBurst; ++i)
            rt.send(echo, T({ hostPid, I(i) }));
        for (int i = 0; i < kPerBurst; ++i) {
            auto r = host->receive(5000);
            ASSERT_TRUE(r.has_value());
            sum += r->asInteger();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(7));
    }
    EXPECT_EQ(sum, int64_t(kBursts) * (kPerBurst * (kPerBurst - 1) / 2));
    std::vector<TraceEvent> events;
    const TraceEvent* last = nullptr;
    size_t reports = 0;
    uint64_t lost = 0;
    for (int i = 0; i < 200; ++i) {
        lost += sub->drain(events);
        last = nullptr;
        reports = 0;
        for (const auto& e : events)
            if (e.kind == TraceKind::MailboxStats && e.pid == echo.pidSerial()) {
                last = &e;
                ++reports;
            }
        if (last && last->other == uint64_t(kBursts * kPerBurst) && last->old == uint64_t(kBursts * kPerBurst)
            && last->count == 0)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(lost, 0u);
    EXPECT_EQ(last->other, uint64_t(kBursts * kPerBurst)) << "the final report counts every message in";
    EXPECT_EQ(last->old, uint64_t(kBursts * kPerBurst)) << "and every message out";
    EXPECT_EQ(last->count, 0u);
    EXPECT_GE(reports, 2u) << "it reported while the traffic lasted too";
}

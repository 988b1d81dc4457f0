// Side-by-side workloads for Vigil's native engine. One workload per run; the result is one line on stdout:
//
//   RESULT system=vigil workload=skynet n=1111111 trace=0 seconds=0.712 ops=1111111 check=499999500000 ...
//
// bench/run.sh runs this alternately with the BEAM (bench/beam/vigil_bench.erl) and CAF (bench/caf/caf_bench.cpp)
// versions of the same workloads and compares the lines. Definitions of every workload are in docs/BENCHMARKS.md;
// the three implementations must agree on `check` for the same n.
//
//   engine_bench WORKLOAD [--n N] [--trace] [--workers W] [--ring EVENTS]
//   bridge_bench WORKLOAD [--n N]          (the same source built with the Qt-Core UI model library)
//
// --trace attaches a trace subscriber and drains it from a separate thread while the workload runs.
// bridge_bench instead attaches the GUI's TraceBridge (ui/model) on a QCoreApplication main thread, offscreen, with
// no widgets: the cost of the bridge draining at its 30 Hz limit and applying events to the graph state.

#include "runtime/runtime.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <span>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#ifdef VIGIL_BENCH_BRIDGE
#include "tracebridge.h"

#include <QCoreApplication>
#include <QMetaObject>
#endif

using namespace vigil;

namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the whole process, every thread (workers, a trace drainer, the host): a run's CPU seconds say what
// observing costs the machine, and vary less from run to run than the wall time on a shared machine.
double processCpuSeconds()
{
    rusage u {};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

Term I(int64_t v) { return Term::integer(v); }

const Atom kPing = Atom::intern("ping");
const Atom kInc = Atom::intern("inc");
const Atom kGet = Atom::intern("get");
const Atom kJunk = Atom::intern("junk");
const Atom kDone = Atom::intern("done");
const Atom kReady = Atom::intern("ready");

struct Outcome {
    int64_t ops = 0; // units of work (round trips, messages, processes)
    int64_t check = 0; // a value every implementation must reproduce
    double seconds = 0; // set by the harness unless the workload times itself
    bool selfTimed = false;
    double cpuAtStart = -1; // a self-timed workload's processCpuSeconds() when its clock started
    std::map<std::string, std::string> extra {};
};

struct Env {
    Runtime& rt;
    HostProcess& host;
    int64_t n;
    // With an observer attached: returns once it has taken in every event so far (the runtime being idle). A
    // workload with an untimed set-up calls it before its clock starts, so that the observer's work on the set-up's
    // events is not counted against what is timed.
    std::function<void()> settle = [] {};
};

int64_t receiveInt(HostProcess& host)
{
    auto m = host.receive(600'000);
    if (!m) {
        std::fprintf(stderr, "timed out waiting for the result\n");
        std::exit(2);
    }
    return m->asInteger();
}

size_t residentBytes()
{
    std::ifstream f("/proc/self/statm");
    size_t size = 0, resident = 0;
    f >> size >> resident;
    return resident * size_t(sysconf(_SC_PAGESIZE));
}

// The Savina fork-join unit of work.
double compute(double theta)
{
    const double s = std::sin(theta);
    return s * s;
}

// ---------------------------------------------------------------------------------------------------------------
// skynet: every process with size > 1 spawns 10 children over its range and sums their answers; leaves answer
// their number. 1,111,111 processes for n = 1,000,000 leaves.

NativeBody skynetNode(Term parent, int64_t num, int64_t size)
{
    return [parent, num, size](ProcessContext& ctx) -> Task<void> {
        if (size == 1) {
            ctx.send(parent, I(num));
            co_return;
        }
        const int64_t sub = size / 10;
        const Term self = ctx.self();
        for (int64_t i = 0; i < 10; ++i)
            ctx.spawn(skynetNode(self, num + i * sub, sub));
        int64_t sum = 0;
        for (int i = 0; i < 10; ++i)
            sum += (co_await ctx.receive())->asInteger();
        ctx.send(parent, I(sum));
    };
}

Outcome skynet(Env& e)
{
    int64_t leaves = 1;
    int64_t procs = 1;
    while (procs < e.n) {
        leaves *= 10;
        procs += leaves;
    }
    e.rt.spawn(skynetNode(e.host.pid(), 0, leaves));
    return { .ops = procs, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// ping-pong: n round trips between two processes. ping sends {self, i}; pong answers i.

Outcome pingPong(Env& e)
{
    const int64_t n = e.n;
    const Term pong = e.rt.spawn([](ProcessContext& ctx) -> Task<void> {
                              for (;;) {
                                  auto m = co_await ctx.receive();
                                  if (!m->isTuple())
                                      co_return;
                                  ctx.send(m->element(0), m->element(1));
                              }
                          }).pid;
    const Term host = e.host.pid();
    e.rt.spawn([pong, host, n](ProcessContext& ctx) -> Task<void> {
        const Term self = ctx.self();
        int64_t sum = 0;
        for (int64_t i = 0; i < n; ++i) {
            ctx.send(pong, Term::tuple(self, I(i)));
            sum += (co_await ctx.receive())->asInteger();
        }
        ctx.send(pong, Term::atom(atoms::stop));
        ctx.send(host, I(sum));
    });
    return { .ops = n, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// counting (Savina): a producer sends n :inc messages to a counter, then {:get, from}; the counter answers its count.

Outcome counting(Env& e)
{
    const int64_t n = e.n;
    const Term counter = e.rt.spawn([](ProcessContext& ctx) -> Task<void> {
                                 int64_t count = 0;
                                 for (;;) {
                                     auto m = co_await ctx.receive();
                                     if (m->isAtom(kInc)) {
                                         ++count;
                                     } else {
                                         ctx.send(m->element(1), I(count));
                                         co_return;
                                     }
                                 }
                             }).pid;
    const Term host = e.host.pid();
    e.rt.spawn([counter, host, n](ProcessContext& ctx) -> Task<void> {
        const Term inc = Term::atom(kInc);
        for (int64_t i = 0; i < n; ++i) {
            ctx.send(counter, inc);
            if ((i & 1023) == 0)
                co_await ctx.yield();
        }
        ctx.send(counter, Term::tuple({ Term::atom(kGet), ctx.self() }));
        ctx.send(host, *co_await ctx.receive());
    });
    return { .ops = n, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// thread ring (Savina): 100 processes in a ring pass a token n times; the one that receives 0 reports its index.

constexpr int64_t kRingSize = 100;

Outcome threadRing(Env& e)
{
    const Term host = e.host.pid();
    std::vector<Term> ring;
    for (int64_t i = 0; i < kRingSize; ++i)
        ring.push_back(e.rt.spawn([host, i](ProcessContext& ctx) -> Task<void> {
                                   const Term next = *co_await ctx.receive([](const Term& m) { return m.isPid(); });
                                   for (;;) {
                                       const int64_t t = (co_await ctx.receive())->asInteger();
                                       if (t == 0) {
                                           ctx.send(host, I(i));
                                           co_return;
                                       }
                                       ctx.send(next, I(t - 1));
                                   }
                               }).pid);
    for (int64_t i = 0; i < kRingSize; ++i)
        e.rt.send(ring[size_t(i)], ring[size_t((i + 1) % kRingSize)]);
    e.rt.send(ring[0], I(e.n));
    return { .ops = e.n, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// fork-join throughput (Savina fjthrput): 60 workers each get n messages round-robin, do the unit of work per
// message and report the count when done.

constexpr int64_t kFjWorkers = 60;

Outcome forkJoinThroughput(Env& e)
{
    const int64_t n = e.n;
    const Term host = e.host.pid();
    e.rt.spawn([host, n](ProcessContext& ctx) -> Task<void> {
        const Term self = ctx.self();
        std::vector<Term> workers;
        for (int64_t w = 0; w < kFjWorkers; ++w)
            workers.push_back(ctx.spawn([self, n](ProcessContext& ctx) -> Task<void> {
                                     double acc = 0;
                                     for (int64_t i = 0; i < n; ++i)
                                         acc += compute(double((co_await ctx.receive())->asInteger()));
                                     ctx.send(self, I(acc >= 0 ? n : -1));
                                 }).pid);
        for (int64_t i = 0; i < n; ++i) {
            for (const Term& w : workers)
                ctx.send(w, I(i));
            co_await ctx.yield();
        }
        int64_t total = 0;
        for (int64_t w = 0; w < kFjWorkers; ++w)
            total += (co_await ctx.receive())->asInteger();
        ctx.send(host, I(total));
    });
    return { .ops = n * kFjWorkers, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// fork-join create (Savina fjcreate): n processes are spawned, each gets one message, does the unit of work,
// reports and exits.

Outcome forkJoinCreate(Env& e)
{
    const int64_t n = e.n;
    const Term host = e.host.pid();
    e.rt.spawn([host, n](ProcessContext& ctx) -> Task<void> {
        const Term self = ctx.self();
        for (int64_t i = 0; i < n; ++i) {
            const Term w = ctx.spawn([self](ProcessContext& ctx) -> Task<void> {
                                  const int64_t v = (co_await ctx.receive())->asInteger();
                                  ctx.send(self, I(compute(double(v)) >= 0 ? 1 : 0));
                              }).pid;
            ctx.send(w, I(i));
        }
        int64_t total = 0;
        for (int64_t i = 0; i < n; ++i)
            total += (co_await ctx.receive())->asInteger();
        ctx.send(host, I(total));
    });
    return { .ops = n, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// big (Savina): 120 processes; each sends n pings, one at a time, to pseudo-random peers (same LCG everywhere)
// and answers every ping it gets with a pong. Each reports once its n pongs are back.

constexpr int64_t kBigActors = 120;

int64_t lcgNext(int64_t x) { return (x * 1103515245 + 12345) & 0x7fffffff; }

Outcome big(Env& e)
{
    const int64_t n = e.n;
    const Term host = e.host.pid();
    e.rt.spawn([host, n](ProcessContext& ctx) -> Task<void> {
        const Term sink = ctx.self();
        std::vector<Term> peers;
        for (int64_t id = 0; id < kBigActors; ++id)
            peers.push_back(ctx.spawn([sink, id, n](ProcessContext& ctx) -> Task<void> {
                                   // A peer may ping before the peer list is here: wait for the list itself.
                                   const Term all = *co_await ctx.receive(
                                       [](const Term& m) { return m.isTuple(size_t(kBigActors)); });
                                   const Term me = I(id);
                                   int64_t seed = id;
                                   int64_t sent = 0;
                                   auto pingSomeone = [&] {
                                       seed = lcgNext(seed);
                                       int64_t to = seed % kBigActors;
                                       if (to == id)
                                           to = (to + 1) % kBigActors;
                                       ctx.send(all.element(size_t(to)), Term::tuple(Term::atom(kPing), me));
                                       ++sent;
                                   };
                                   pingSomeone();
                                   for (;;) {
                                       auto m = co_await ctx.receive();
                                       if (m->isTuple()) { // {:ping, from}
                                           ctx.send(all.element(size_t(m->element(1).asInteger())), I(id));
                                       } else if (m->isInteger()) { // pong
                                           if (sent < n)
                                               pingSomeone();
                                           else
                                               ctx.send(sink, I(sent));
                                       } else {
                                           co_return;
                                       }
                                   }
                               }).pid);
        const Term all = Term::tuple(std::vector<Term>(peers));
        for (const Term& p : peers)
            ctx.send(p, all);
        int64_t total = 0;
        for (int64_t i = 0; i < kBigActors; ++i)
            total += (co_await ctx.receive())->asInteger();
        for (const Term& p : peers)
            ctx.send(p, Term::atom(atoms::stop));
        ctx.send(host, I(total));
    });
    return { .ops = n * kBigActors, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// fib (Savina): fib(n) as a tree of processes; each spawns fib(n-1) and fib(n-2) and adds their answers.

NativeBody fibNode(Term parent, int64_t n)
{
    return [parent, n](ProcessContext& ctx) -> Task<void> {
        if (n < 2) {
            ctx.send(parent, I(n));
            co_return;
        }
        const Term self = ctx.self();
        ctx.spawn(fibNode(self, n - 1));
        ctx.spawn(fibNode(self, n - 2));
        int64_t sum = (co_await ctx.receive())->asInteger();
        sum += (co_await ctx.receive())->asInteger();
        ctx.send(parent, I(sum));
    };
}

Outcome fib(Env& e)
{
    e.rt.spawn(fibNode(e.host.pid(), e.n));
    // Processes in the tree: 2 * fib(n + 1) - 1.
    int64_t a = 0, b = 1;
    for (int64_t i = 0; i < e.n + 1; ++i) {
        const int64_t c = a + b;
        a = b;
        b = c;
    }
    return { .ops = 2 * a - 1, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// fan-in: 100 senders each send 1..n to one mailbox; the receiver sums all 100 * n messages.

constexpr int64_t kFanInSenders = 100;

Outcome fanIn(Env& e)
{
    const int64_t n = e.n;
    const Term host = e.host.pid();
    const Term sink = e.rt.spawn([host, n](ProcessContext& ctx) -> Task<void> {
                              int64_t sum = 0;
                              for (int64_t i = 0; i < n * kFanInSenders; ++i)
                                  sum += (co_await ctx.receive())->asInteger();
                              ctx.send(host, I(sum));
                          }).pid;
    for (int64_t s = 0; s < kFanInSenders; ++s)
        e.rt.spawn([sink, n](ProcessContext& ctx) -> Task<void> {
            for (int64_t i = 1; i <= n; ++i) {
                ctx.send(sink, I(i));
                if ((i & 255) == 0)
                    co_await ctx.yield();
            }
        });
    return { .ops = n * kFanInSenders, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// selective receive: a process holds 10,000 {:junk, i} messages and then does n request/reply rounds with a peer,
// each receive matching only the reply so it must skip the whole backlog. Finally it drains the backlog in order.

constexpr int64_t kBacklog = 10'000;

Outcome selectiveReceive(Env& e)
{
    const int64_t n = e.n;
    const Term host = e.host.pid();
    e.rt.spawn([host, n](ProcessContext& ctx) -> Task<void> {
        const Term self = ctx.self();
        for (int64_t i = 0; i < kBacklog; ++i)
            ctx.send(self, Term::tuple(Term::atom(kJunk), I(i)));
        const Term peer = ctx.spawn([](ProcessContext& ctx) -> Task<void> {
                                 for (;;) {
                                     auto m = co_await ctx.receive();
                                     if (!m->isTuple())
                                         co_return;
                                     ctx.send(m->element(0), I(m->element(1).asInteger()));
                                 }
                             }).pid;
        int64_t sum = 0;
        for (int64_t i = 0; i < n; ++i) {
            ctx.send(peer, Term::tuple(self, I(i)));
            sum += (co_await ctx.receive([](const Term& m) { return m.isInteger(); }))->asInteger();
        }
        ctx.send(peer, Term::atom(atoms::stop));
        // The backlog must still be there, in order.
        for (int64_t i = 0; i < kBacklog; ++i) {
            const int64_t v = (co_await ctx.receive())->element(1).asInteger();
            sum += v == i ? v : -1'000'000'000;
        }
        ctx.send(host, I(sum));
    });
    return { .ops = n, .check = receiveInt(e.host) };
}

// ---------------------------------------------------------------------------------------------------------------
// exit-signal storm: n processes in a link tree (node i spawn_links nodes 10i+1..10i+10 below n). Once all are up
// the host kills the root; timed from the kill until the process count is back where it was.

NativeBody linkTreeNode(Term host, int64_t i, int64_t n)
{
    return [host, i, n](ProcessContext& ctx) -> Task<void> {
        for (int64_t c = 10 * i + 1; c <= 10 * i + 10 && c < n; ++c)
            ctx.spawn(linkTreeNode(host, c, n), SpawnOptions { .link = true });
        ctx.send(host, Term::atom(kReady));
        co_await ctx.receive();
    };
}

Outcome exitStorm(Env& e)
{
    const size_t before = e.rt.processCount();
    const Term root = e.rt.spawn(linkTreeNode(e.host.pid(), 0, e.n)).pid;
    for (int64_t i = 0; i < e.n; ++i)
        (void)e.host.receive(600'000);
    if (!e.rt.waitIdle()) {
        std::fprintf(stderr, "tree never settled\n");
        std::exit(2);
    }
    e.settle(); // the tree's 300,000 spawn and link events are not the storm's
    const size_t alive = e.rt.processCount() - before;
    const double cpu0 = processCpuSeconds();
    const auto t0 = Clock::now();
    e.rt.exit(root, Term::atom(atoms::kill));
    while (e.rt.processCount() > before)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    Outcome o { .ops = e.n, .check = int64_t(alive) };
    o.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    o.selfTimed = true;
    o.cpuAtStart = cpu0;
    return o;
}

// ---------------------------------------------------------------------------------------------------------------
// idle memory: n processes that have started and wait in receive; resident-set growth per process.

Outcome idleMemory(Env& e)
{
    const int64_t n = e.n;
    const size_t rssBefore = residentBytes();
    const Term host = e.host.pid();
    const auto t0 = Clock::now();
    e.rt.spawn([host, n](ProcessContext& ctx) -> Task<void> {
        const Term self = ctx.self();
        for (int64_t i = 0; i < n; ++i) {
            ctx.spawn([self](ProcessContext& ctx) -> Task<void> {
                ctx.send(self, Term::atom(kReady));
                co_await ctx.receive();
            });
            if ((i & 255) == 0)
                co_await ctx.yield();
        }
        for (int64_t i = 0; i < n; ++i)
            co_await ctx.receive();
        ctx.send(host, I(n));
    });
    Outcome o { .ops = n, .check = receiveInt(e.host) };
    o.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    o.selfTimed = true;
    e.rt.waitIdle();
    const size_t rssAfter = residentBytes();
    o.extra["bytes_per_process"] = std::to_string((double(rssAfter) - double(rssBefore)) / double(n));
    // The same once the observer has caught up (a bare subscriber drained, the GUI bridge's graph state resynced
    // with every process): the first figure depends on how far it had got, this one includes all it keeps.
    e.settle();
    malloc_trim(0); // what the catching up allocated only for a while (a snapshot) is not counted as kept
    o.extra["bytes_per_process_settled"] =
        std::to_string((double(residentBytes()) - double(rssBefore)) / double(n));
    o.check = int64_t(e.rt.processCount()) >= n ? n : -1;
    return o;
}

// ---------------------------------------------------------------------------------------------------------------
// spawn+exit: a driver spawns n processes with empty bodies; timed until every one of them has exited.

Outcome spawnExit(Env& e)
{
    const int64_t n = e.n;
    const size_t before = e.rt.processCount();
    const Term host = e.host.pid();
    const double cpu0 = processCpuSeconds();
    const auto t0 = Clock::now();
    e.rt.spawn([host, n](ProcessContext& ctx) -> Task<void> {
        for (int64_t i = 0; i < n; ++i) {
            ctx.spawn([](ProcessContext&) -> Task<void> { co_return; });
            if ((i & 255) == 0)
                co_await ctx.yield();
        }
        ctx.send(host, I(n));
    });
    Outcome o { .ops = n, .check = receiveInt(e.host) };
    while (e.rt.processCount() > before)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    o.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    o.selfTimed = true;
    o.cpuAtStart = cpu0;
    return o;
}

struct Workload {
    const char* name;
    Outcome (*run)(Env&);
    int64_t defaultN;
};

const Workload kWorkloads[] = {
    { "skynet", skynet, 1'111'111 },
    { "pingpong", pingPong, 1'000'000 },
    { "counting", counting, 1'000'000 },
    { "threadring", threadRing, 1'000'000 },
    { "fjthroughput", forkJoinThroughput, 10'000 },
    { "fjcreate", forkJoinCreate, 200'000 },
    { "big", big, 10'000 },
    { "fib", fib, 25 },
    { "fanin", fanIn, 10'000 },
    { "selective", selectiveReceive, 2'000 },
    { "exitstorm", exitStorm, 100'000 },
    { "idlememory", idleMemory, 1'000'000 },
    { "spawnexit", spawnExit, 1'000'000 },
};

// Drains a trace subscription from its own thread, as the GUI bridge would (but far more often).
class TraceDrainer {
public:
    explicit TraceDrainer(Runtime& rt)
        : m_rt(rt)
        , m_sub(rt.subscribe())
    {
        m_thread = std::thread([this] { loop(); });
    }
    ~TraceDrainer() { stop(); }
    void stop()
    {
        if (!m_thread.joinable())
            return;
        m_stop.store(true);
        m_thread.join();
        drainOnce();
        m_rt.unsubscribe(m_sub);
    }
    // Returns once a drain that began after the call found nothing new (see Env::settle).
    void catchUp()
    {
        std::unique_lock g(m_catchUpMutex);
        const uint64_t asked = ++m_catchUpAsked;
        m_catchUpCv.wait(g, [&] { return m_catchUpDone >= asked; });
    }
    uint64_t events() const { return m_events; }
    uint64_t lost() const { return m_lost; }
    uint64_t outOfOrder() const { return m_outOfOrder; } // events numbered at or below the one before (none, ever)
    double cpuMs() const { return m_cpuMs; } // the drain thread's own CPU time, once stopped

private:
    // A recorder's view of the stream: every event is looked at once, where the drain hands it over (see
    // TraceSubscription::drain with a visitor), and its numbering checked.
    size_t drainOnce()
    {
        size_t n = 0;
        m_lost += m_sub->drain([this, &n](std::span<const TraceEvent> batch) {
            for (const TraceEvent& e : batch) {
                m_outOfOrder += e.seq <= m_lastSeq ? 1 : 0;
                m_lastSeq = e.seq;
            }
            n += batch.size();
        });
        m_events += n;
        return n;
    }
    // A recorder's pace: after a small batch it waits a millisecond (the rings hold 65,536 events per worker, tens
    // of milliseconds of the busiest workload), so each drain takes a batch instead of racing the producers event
    // by event; after a big one it goes again at once so as not to fall behind.
    void loop()
    {
        while (!m_stop.load(std::memory_order_relaxed)) {
            uint64_t asked = 0;
            {
                std::lock_guard g(m_catchUpMutex);
                asked = m_catchUpAsked;
            }
            const size_t n = drainOnce();
            if (n == 0 && asked > 0) {
                std::lock_guard g(m_catchUpMutex);
                m_catchUpDone = asked;
                m_catchUpCv.notify_all();
            }
            if (n < 4096)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        timespec ts {};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        m_cpuMs = double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
    }
    Runtime& m_rt;
    std::shared_ptr<TraceSubscription> m_sub;
    uint64_t m_lastSeq = 0;
    uint64_t m_outOfOrder = 0;
    uint64_t m_events = 0;
    uint64_t m_lost = 0;
    double m_cpuMs = 0;
    std::atomic<bool> m_stop { false };
    std::mutex m_catchUpMutex;
    std::condition_variable m_catchUpCv;
    uint64_t m_catchUpAsked = 0;
    uint64_t m_catchUpDone = 0;
    std::thread m_thread;
};

// CPU milliseconds the run took, from the workload's own start when it times itself (the idle-memory workload
// starts its clock before the harness's and needs none).
std::string cpuMs(const Outcome& o, double harnessStart)
{
    const double start = o.cpuAtStart >= 0 ? o.cpuAtStart : harnessStart;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", (processCpuSeconds() - start) * 1e3);
    return buf;
}

int usage()
{
    std::fprintf(stderr, "usage: engine_bench WORKLOAD [--n N] [--trace] [--workers W] [--ring EVENTS]\nworkloads:");
    for (const auto& w : kWorkloads)
        std::fprintf(stderr, " %s", w.name);
    std::fprintf(stderr, "\n");
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage();
    const Workload* workload = nullptr;
    for (const auto& w : kWorkloads)
        if (std::strcmp(argv[1], w.name) == 0)
            workload = &w;
    if (!workload)
        return usage();
    int64_t n = workload->defaultN;
    bool trace = false;
    unsigned workers = 2;
    size_t ring = RuntimeConfig {}.traceBufferEvents;
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            n = std::atoll(argv[++i]);
        else if (std::strcmp(argv[i], "--trace") == 0)
            trace = true;
        else if (std::strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = unsigned(std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--ring") == 0 && i + 1 < argc)
            ring = size_t(std::atoll(argv[++i]));
        else
            return usage();
    }

    Runtime rt(RuntimeConfig { .workers = workers, .traceBufferEvents = ring });
    auto host = rt.hostProcess();
    Env env { rt, *host, n };
    Outcome o;
#ifdef VIGIL_BENCH_BRIDGE
    // The bridge lives on the main (GUI) thread; the host side of the workload runs on another thread.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    int qargc = 1;
    QCoreApplication app(qargc, argv);
    // The snapshots it resyncs from stop the workers: their time is reported.
    double snapshotMs = 0;
    int snapshots = 0;
    TraceBridge bridge(rt.subscribe(), [&rt, &snapshotMs, &snapshots] {
        const auto t0 = Clock::now();
        Snapshot s = rt.snapshot();
        snapshotMs += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        ++snapshots;
        return s;
    });
    bridge.start();
    env.settle = [&bridge] {
        QMetaObject::invokeMethod(
            &bridge,
            [&bridge] {
                bridge.drainNow();
                if (bridge.resyncPending())
                    bridge.resync();
            },
            Qt::BlockingQueuedConnection);
    };
    std::thread runner([&] {
        const double cpu0 = processCpuSeconds();
        const auto t0 = Clock::now();
        o = workload->run(env);
        if (!o.selfTimed)
            o.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        o.extra["cpu_ms"] = cpuMs(o, cpu0);
        QMetaObject::invokeMethod(&app, &QCoreApplication::quit, Qt::QueuedConnection);
    });
    app.exec();
    runner.join();
    trace = true;
    o.extra.insert_or_assign("bridge", std::string(1, '1')); // not = "1": GCC 12 warns falsely (-Wrestrict) there
    o.extra["events"] = std::to_string(bridge.eventsApplied());
    o.extra["lost"] = std::to_string(bridge.eventsDropped());
    o.extra["drains"] = std::to_string(bridge.drains());
    o.extra["snapshots"] = std::to_string(snapshots);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", snapshotMs);
    o.extra["snapshot_ms"] = ms;
#else
    std::unique_ptr<TraceDrainer> drainer;
    if (trace) {
        drainer = std::make_unique<TraceDrainer>(rt);
        env.settle = [&drainer] { drainer->catchUp(); };
    }
    const double cpu0 = processCpuSeconds();
    const auto t0 = Clock::now();
    o = workload->run(env);
    const auto t1 = Clock::now();
    if (!o.selfTimed)
        o.seconds = std::chrono::duration<double>(t1 - t0).count();
    o.extra["cpu_ms"] = cpuMs(o, cpu0);
    if (drainer) {
        drainer->stop();
        o.extra["events"] = std::to_string(drainer->events());
        o.extra["lost"] = std::to_string(drainer->lost());
        if (drainer->outOfOrder() > 0) {
            std::fprintf(stderr, "trace events out of order: %llu\n", (unsigned long long)drainer->outOfOrder());
            std::exit(3);
        }
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", drainer->cpuMs());
        o.extra["drain_cpu_ms"] = buf;
    }
#endif
    std::printf("RESULT system=%s workload=%s n=%lld trace=%d seconds=%.6f ops=%lld check=%lld",
#ifdef VIGIL_BENCH_BRIDGE
        "vigil-bridge",
#else
        "vigil",
#endif
        workload->name,
        static_cast<long long>(n), trace ? 1 : 0, o.seconds, static_cast<long long>(o.ops),
        static_cast<long long>(o.check));
    for (const auto& [k, v] : o.extra)
        std::printf(" %s=%s", k.c_str(), v.c_str());
    std::printf("\n");
    std::fflush(stdout);
    // Tearing down a million processes is not part of any workload.
    std::_Exit(0);
}

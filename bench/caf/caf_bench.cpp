// The workloads of bench/engine_bench.cpp on CAF 0.17 (event-based actors), one per run:
//
//   caf_bench WORKLOAD [--n N] --caf.scheduler.max-threads=2
//
// prints one line in the same format as engine_bench:
//
//   RESULT system=caf workload=skynet n=1111111 trace=0 seconds=0.9 ops=1111111 check=499999500000
//
// Each workload must produce the same check value as the other implementations for the same n.

#include "caf/all.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace caf;

namespace {

using Clock = std::chrono::steady_clock;

using inc_atom_t = atom_constant<atom("inc")>;
using count_atom_t = atom_constant<atom("count")>;
using ping_atom_t = atom_constant<atom("ping")>;
using junk_atom_t = atom_constant<atom("junk")>;
using ready_atom_t = atom_constant<atom("ready")>;
using stop_atom_t = atom_constant<atom("stop")>;

constexpr int64_t kRingSize = 100;
constexpr int64_t kFjWorkers = 60;
constexpr int64_t kBigActors = 120;
constexpr int64_t kFanInSenders = 100;
constexpr int64_t kBacklog = 10'000;

double compute(double theta)
{
    const double s = std::sin(theta);
    return s * s;
}

int64_t lcgNext(int64_t x) { return (x * 1103515245 + 12345) & 0x7fffffff; }

size_t residentBytes()
{
    std::ifstream f("/proc/self/statm");
    size_t size = 0, resident = 0;
    f >> size >> resident;
    return resident * size_t(sysconf(_SC_PAGESIZE));
}

struct Outcome {
    int64_t ops = 0;
    int64_t check = 0;
    double seconds = 0;
    bool selfTimed = false;
    std::map<std::string, std::string> extra;
};

struct Env {
    actor_system& sys;
    scoped_actor& host;
    int64_t n;
};

int64_t receiveInt(scoped_actor& host)
{
    int64_t v = 0;
    host->receive([&](int64_t x) { v = x; });
    return v;
}

void waitRunningAtMost(actor_system& sys, size_t count)
{
    while (sys.registry().running() > count)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
}

// CAF 0.17 queues an actor spawned inside another actor on the spawning worker's queue, and the other worker steals
// from that queue with double_ended_queue::take_tail, which walks the whole queue: draining 10^5 fresh actors that
// way takes quadratic time (100,000 empty actors: 6.1 s, 73% of it in take_tail). Workloads whose driver spawns
// 10^5+ actors (fork-join create, idle memory, spawn+exit) therefore spawn from the host thread, which CAF spreads
// round-robin over the workers. Skynet and fib spawn from actors by definition and pay this cost.

// --- skynet ----------------------------------------------------------------------------------------------------

struct SumState {
    int64_t sum = 0;
    int64_t got = 0;
};

behavior skynetNode(stateful_actor<SumState>* self, actor parent, int64_t num, int64_t size)
{
    if (size == 1) {
        self->send(parent, num);
        return {};
    }
    const int64_t sub = size / 10;
    for (int64_t i = 0; i < 10; ++i)
        self->spawn(skynetNode, actor_cast<actor>(self), num + i * sub, sub);
    return { [=](int64_t v) {
        self->state.sum += v;
        if (++self->state.got == 10) {
            self->send(parent, self->state.sum);
            self->quit();
        }
    } };
}

Outcome skynet(Env& e)
{
    int64_t leaves = 1, procs = 1;
    while (procs < e.n) {
        leaves *= 10;
        procs += leaves;
    }
    e.sys.spawn(skynetNode, actor_cast<actor>(e.host), int64_t(0), leaves);
    return { .ops = procs, .check = receiveInt(e.host) };
}

// --- ping-pong -------------------------------------------------------------------------------------------------

behavior pongActor(event_based_actor* self)
{
    return {
        [=](const actor& from, int64_t i) { self->send(from, i); },
        [=](stop_atom_t) { self->quit(); },
    };
}

struct PingState {
    int64_t i = 0;
    int64_t sum = 0;
};

behavior pingActor(stateful_actor<PingState>* self, actor pong, actor host, int64_t n)
{
    self->send(pong, actor_cast<actor>(self), int64_t(0));
    return { [=](int64_t v) {
        auto& s = self->state;
        s.sum += v;
        if (++s.i < n) {
            self->send(pong, actor_cast<actor>(self), s.i);
        } else {
            self->send(pong, stop_atom_t::value);
            self->send(host, s.sum);
            self->quit();
        }
    } };
}

Outcome pingPong(Env& e)
{
    auto pong = e.sys.spawn(pongActor);
    e.sys.spawn(pingActor, pong, actor_cast<actor>(e.host), e.n);
    return { .ops = e.n, .check = receiveInt(e.host) };
}

// --- counting --------------------------------------------------------------------------------------------------

behavior counterActor(stateful_actor<int64_t>* self)
{
    return {
        [=](inc_atom_t) { ++self->state; },
        [=](count_atom_t, const actor& from) {
            self->send(from, self->state);
            self->quit();
        },
    };
}

behavior producerActor(event_based_actor* self, actor counter, actor host, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        self->send(counter, inc_atom_t::value);
    self->send(counter, count_atom_t::value, actor_cast<actor>(self));
    return { [=](int64_t count) {
        self->send(host, count);
        self->quit();
    } };
}

Outcome counting(Env& e)
{
    auto counter = e.sys.spawn(counterActor);
    e.sys.spawn(producerActor, counter, actor_cast<actor>(e.host), e.n);
    return { .ops = e.n, .check = receiveInt(e.host) };
}

// --- thread ring -----------------------------------------------------------------------------------------------

behavior ringNode(event_based_actor* self, actor host, int64_t index)
{
    self->set_default_handler(skip); // the token may overtake the ring link
    return { [=](const actor& next) {
        self->become([=](int64_t t) {
            if (t == 0) {
                self->send(host, index);
                self->quit();
            } else {
                self->send(next, t - 1);
            }
        });
    } };
}

Outcome threadRing(Env& e)
{
    std::vector<actor> ring;
    for (int64_t i = 0; i < kRingSize; ++i)
        ring.push_back(e.sys.spawn(ringNode, actor_cast<actor>(e.host), i));
    for (int64_t i = 0; i < kRingSize; ++i)
        e.host->send(ring[size_t(i)], ring[size_t((i + 1) % kRingSize)]);
    e.host->send(ring[0], e.n);
    return { .ops = e.n, .check = receiveInt(e.host) };
}

// --- fork-join throughput --------------------------------------------------------------------------------------

struct FjState {
    int64_t got = 0;
    double acc = 0;
};

behavior fjWorker(stateful_actor<FjState>* self, actor sink, int64_t n)
{
    return { [=](int64_t i) {
        auto& s = self->state;
        s.acc += compute(double(i));
        if (++s.got == n) {
            self->send(sink, s.acc >= 0 ? n : int64_t(-1));
            self->quit();
        }
    } };
}

behavior fjThroughputDriver(stateful_actor<SumState>* self, actor host, int64_t n)
{
    std::vector<actor> workers;
    for (int64_t w = 0; w < kFjWorkers; ++w)
        workers.push_back(self->spawn(fjWorker, actor_cast<actor>(self), n));
    for (int64_t i = 0; i < n; ++i)
        for (const auto& w : workers)
            self->send(w, i);
    return { [=](int64_t v) {
        self->state.sum += v;
        if (++self->state.got == kFjWorkers) {
            self->send(host, self->state.sum);
            self->quit();
        }
    } };
}

Outcome forkJoinThroughput(Env& e)
{
    e.sys.spawn(fjThroughputDriver, actor_cast<actor>(e.host), e.n);
    return { .ops = e.n * kFjWorkers, .check = receiveInt(e.host) };
}

// A sink that sums `total` integers and reports the sum.
behavior fanInSinkFor(stateful_actor<SumState>* self, actor host, int64_t total)
{
    return { [=](int64_t v) {
        self->state.sum += v;
        if (++self->state.got == total) {
            self->send(host, self->state.sum);
            self->quit();
        }
    } };
}

// --- fork-join create ------------------------------------------------------------------------------------------

behavior fjCreateWorker(event_based_actor* self, actor sink)
{
    return { [=](int64_t v) {
        self->send(sink, compute(double(v)) >= 0 ? int64_t(1) : int64_t(0));
        self->quit();
    } };
}

Outcome forkJoinCreate(Env& e)
{
    auto sink = e.sys.spawn(fanInSinkFor, actor_cast<actor>(e.host), e.n);
    for (int64_t i = 0; i < e.n; ++i) {
        auto w = e.sys.spawn(fjCreateWorker, sink);
        e.host->send(w, i);
    }
    return { .ops = e.n, .check = receiveInt(e.host) };
}

// --- big -------------------------------------------------------------------------------------------------------

struct BigState {
    std::vector<actor> all;
    int64_t seed = 0;
    int64_t sent = 0;
};

behavior bigActor(stateful_actor<BigState>* self, actor sink, int64_t id, int64_t n)
{
    auto pingSomeone = [=] {
        auto& s = self->state;
        s.seed = lcgNext(s.seed);
        int64_t to = s.seed % kBigActors;
        if (to == id)
            to = (to + 1) % kBigActors;
        self->send(s.all[size_t(to)], ping_atom_t::value, id);
        ++s.sent;
    };
    // A peer may ping before this actor has the peer list: keep such pings for later.
    self->set_default_handler(skip);
    return { [=](const std::vector<actor>& all) {
        self->state.all = all;
        self->state.seed = id;
        pingSomeone();
        self->become(
            [=](ping_atom_t, int64_t from) { self->send(self->state.all[size_t(from)], id); },
            [=](int64_t) { // pong
                if (self->state.sent < n)
                    pingSomeone();
                else
                    self->send(sink, self->state.sent);
            },
            [=](stop_atom_t) { self->quit(); });
    } };
}

struct BigDriverState {
    std::vector<actor> peers;
    int64_t sum = 0;
    int64_t got = 0;
};

behavior bigDriver(stateful_actor<BigDriverState>* self, actor host, int64_t n)
{
    for (int64_t id = 0; id < kBigActors; ++id)
        self->state.peers.push_back(self->spawn(bigActor, actor_cast<actor>(self), id, n));
    for (const auto& p : self->state.peers)
        self->send(p, self->state.peers);
    return { [=](int64_t v) {
        auto& s = self->state;
        s.sum += v;
        if (++s.got == kBigActors) {
            for (const auto& p : s.peers)
                self->send(p, stop_atom_t::value);
            self->send(host, s.sum);
            self->quit();
        }
    } };
}

Outcome big(Env& e)
{
    e.sys.spawn(bigDriver, actor_cast<actor>(e.host), e.n);
    return { .ops = e.n * kBigActors, .check = receiveInt(e.host) };
}

// --- fib -------------------------------------------------------------------------------------------------------

behavior fibNode(stateful_actor<SumState>* self, actor parent, int64_t n)
{
    if (n < 2) {
        self->send(parent, n);
        return {};
    }
    self->spawn(fibNode, actor_cast<actor>(self), n - 1);
    self->spawn(fibNode, actor_cast<actor>(self), n - 2);
    return { [=](int64_t v) {
        self->state.sum += v;
        if (++self->state.got == 2) {
            self->send(parent, self->state.sum);
            self->quit();
        }
    } };
}

Outcome fib(Env& e)
{
    e.sys.spawn(fibNode, actor_cast<actor>(e.host), e.n);
    int64_t a = 0, b = 1;
    for (int64_t i = 0; i < e.n + 1; ++i) {
        const int64_t c = a + b;
        a = b;
        b = c;
    }
    return { .ops = 2 * a - 1, .check = receiveInt(e.host) };
}

// --- fan-in ----------------------------------------------------------------------------------------------------

behavior fanInSink(stateful_actor<SumState>* self, actor host, int64_t total)
{
    return { [=](int64_t v) {
        self->state.sum += v;
        if (++self->state.got == total) {
            self->send(host, self->state.sum);
            self->quit();
        }
    } };
}

void fanInSender(event_based_actor* self, actor sink, int64_t n)
{
    for (int64_t i = 1; i <= n; ++i)
        self->send(sink, i);
}

Outcome fanIn(Env& e)
{
    auto sink = e.sys.spawn(fanInSink, actor_cast<actor>(e.host), e.n * kFanInSenders);
    for (int64_t s = 0; s < kFanInSenders; ++s)
        e.sys.spawn(fanInSender, sink, e.n);
    return { .ops = e.n * kFanInSenders, .check = receiveInt(e.host) };
}

// --- selective receive -----------------------------------------------------------------------------------------
// The natural CAF form: a behaviour that handles only the reply and skips everything else. Skipped messages stay
// in the mailbox in order and are handled once the behaviour changes.

struct SelectiveState {
    actor peer;
    int64_t i = 0;
    int64_t sum = 0;
    int64_t drained = 0;
};

behavior selectiveActor(stateful_actor<SelectiveState>* self, actor host, int64_t n)
{
    for (int64_t i = 0; i < kBacklog; ++i)
        self->send(self, junk_atom_t::value, i);
    self->state.peer = self->spawn(pongActor);
    self->set_default_handler(skip);
    self->send(self->state.peer, actor_cast<actor>(self), int64_t(0));
    return { [=](int64_t v) {
        auto& s = self->state;
        s.sum += v;
        if (++s.i < n) {
            self->send(s.peer, actor_cast<actor>(self), s.i);
            return;
        }
        self->send(s.peer, stop_atom_t::value);
        self->become([=](junk_atom_t, int64_t v) {
            auto& s = self->state;
            s.sum += v == s.drained ? v : -1'000'000'000;
            if (++s.drained == kBacklog) {
                self->send(host, s.sum);
                self->quit();
            }
        });
    } };
}

Outcome selectiveReceive(Env& e)
{
    e.sys.spawn(selectiveActor, actor_cast<actor>(e.host), e.n);
    return { .ops = e.n, .check = receiveInt(e.host) };
}

// --- exit-signal storm -----------------------------------------------------------------------------------------

// CAF terminates actors that nobody refers to any more, so every parent keeps its children's handles (the BEAM
// and Vigil keep idle processes alive regardless).
behavior linkTreeNode(stateful_actor<std::vector<actor>>* self, actor host, int64_t i, int64_t n)
{
    for (int64_t c = 10 * i + 1; c <= 10 * i + 10 && c < n; ++c)
        self->state.push_back(self->spawn<linked>(linkTreeNode, host, c, n));
    self->send(host, ready_atom_t::value);
    return { [](int64_t) { } };
}

Outcome exitStorm(Env& e)
{
    const size_t before = e.sys.registry().running();
    auto root = e.sys.spawn(linkTreeNode, actor_cast<actor>(e.host), int64_t(0), e.n);
    for (int64_t i = 0; i < e.n; ++i)
        e.host->receive([](ready_atom_t) { });
    const size_t alive = e.sys.registry().running() - before;
    const auto t0 = Clock::now();
    anon_send_exit(root, exit_reason::kill);
    root = nullptr;
    waitRunningAtMost(e.sys, before);
    Outcome o { .ops = e.n, .check = int64_t(alive) };
    o.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    o.selfTimed = true;
    return o;
}

// --- idle memory -----------------------------------------------------------------------------------------------

behavior idleActor(event_based_actor* self, actor driver)
{
    self->send(driver, ready_atom_t::value);
    return { [](int64_t) { } };
}

Outcome idleMemory(Env& e)
{
    const size_t rssBefore = residentBytes();
    const size_t before = e.sys.registry().running();
    const auto t0 = Clock::now();
    static std::vector<actor> keep; // CAF destroys actors nobody refers to; never freed (the run ends with _Exit)
    keep.reserve(size_t(e.n));
    for (int64_t i = 0; i < e.n; ++i)
        keep.push_back(e.sys.spawn(idleActor, actor_cast<actor>(e.host)));
    for (int64_t i = 0; i < e.n; ++i)
        e.host->receive([](ready_atom_t) { });
    Outcome o { .ops = e.n, .check = 0 };
    o.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    o.selfTimed = true;
    const size_t rssAfter = residentBytes();
    o.extra["bytes_per_process"] = std::to_string((double(rssAfter) - double(rssBefore)) / double(e.n));
    o.check = int64_t(e.sys.registry().running() - before) >= e.n ? e.n : -1;
    return o;
}

// --- spawn+exit ------------------------------------------------------------------------------------------------

void emptyActor(event_based_actor*) { }

Outcome spawnExit(Env& e)
{
    const size_t before = e.sys.registry().running();
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < e.n; ++i)
        e.sys.spawn(emptyActor);
    waitRunningAtMost(e.sys, before);
    Outcome o { .ops = e.n, .check = e.n };
    o.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    o.selfTimed = true;
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

int usage()
{
    std::fprintf(stderr, "usage: caf_bench WORKLOAD [--n N] [--caf.scheduler.max-threads=2 ...]\n");
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
    std::vector<std::string> cafArgs;
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            n = std::atoll(argv[++i]);
        else if (std::strncmp(argv[i], "--caf.", 6) == 0)
            cafArgs.push_back("--" + std::string(argv[i] + 6)); // CAF 0.18+ spelling; 0.17 has no "caf." prefix
        else if (std::strncmp(argv[i], "--", 2) == 0 && std::strchr(argv[i], '.'))
            cafArgs.emplace_back(argv[i]);
        else
            return usage();
    }
    actor_system_config cfg;
    if (auto err = cfg.parse(cafArgs)) {
        std::fprintf(stderr, "bad CAF option: %s\n", cfg.render(err).c_str());
        return 1;
    }
    actor_system sys { cfg };
    scoped_actor host { sys };
    Env env { sys, host, n };
    const auto t0 = Clock::now();
    Outcome o = workload->run(env);
    const auto t1 = Clock::now();
    if (!o.selfTimed)
        o.seconds = std::chrono::duration<double>(t1 - t0).count();
    std::printf("RESULT system=caf workload=%s n=%lld trace=0 seconds=%.6f ops=%lld check=%lld", workload->name,
        static_cast<long long>(n), o.seconds, static_cast<long long>(o.ops), static_cast<long long>(o.check));
    for (const auto& [k, v] : o.extra)
        std::printf(" %s=%s", k.c_str(), v.c_str());
    std::printf(" threads=%zu\n", get_or(sys.config(), "scheduler.max-threads", size_t(0)));
    std::fflush(stdout);
    std::_Exit(0);
}

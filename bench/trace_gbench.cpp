// Micro-benchmarks of the trace pipeline on its own: what one event costs to publish into a subscriber's ring and
// to drain from it, without a runtime around it.
//
//   build/bench/bench/trace_gbench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// BM_PublishThenDrain: one thread publishes a batch and drains it (no cache line changes cores).
// BM_PublishDrainAcrossCores: a producer thread publishes a batch, the benchmark thread drains it; the slots, the
//   events' data and the ring positions travel between cores, as they do between a worker and a subscriber.
// BM_PublishTwoWorkers: two producer threads publish at once into their own rings (the sequence counter is shared),
//   the benchmark thread drains and merges both.
// BM_DrainAcrossCores, BM_DrainTwoWorkers: the same, timing the drain alone (what a subscriber's thread spends per
//   event, the clearing of its vector included).

#include "runtime/tracehub.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

using namespace vigil;

namespace {

constexpr size_t kRing = 1 << 16;

TraceEvent sampleEvent(uint64_t i)
{
    TraceEvent e;
    e.kind = (i & 1) ? TraceKind::Exited : TraceKind::Spawned;
    e.pid = 100 + i;
    e.other = 99 + i;
    e.timeNs = int64_t(i);
    static const Term normal = Term::atom("normal");
    e.data = normal;
    return e;
}

void BM_PublishThenDrain(benchmark::State& state)
{
    const auto batch = uint64_t(state.range(0));
    TraceHub hub;
    auto sub = hub.subscribe(2, kRing);
    std::vector<TraceEvent> out;
    uint64_t i = 0;
    for (auto _ : state) {
        for (uint64_t k = 0; k < batch; ++k)
            hub.publish(0, sampleEvent(i++));
        out.clear();
        sub->drain(out);
        benchmark::DoNotOptimize(out.data());
    }
    if (out.size() != batch)
        state.SkipWithError("events were lost");
    state.SetItemsProcessed(int64_t(state.iterations() * batch));
}
BENCHMARK(BM_PublishThenDrain)->Arg(4096);

// Producer threads publish `batch` events each per round; the benchmark thread waits for the round and drains it.
class Producers {
public:
    Producers(TraceHub& hub, int count, uint64_t batch)
        : m_hub(hub)
        , m_batch(batch)
    {
        for (int w = 0; w < count; ++w)
            m_threads.emplace_back([this, w] { run(w); });
    }
    ~Producers()
    {
        m_stop.store(true);
        m_round.fetch_add(1);
        for (auto& t : m_threads)
            t.join();
    }
    void round()
    {
        m_done.store(0);
        m_round.fetch_add(1);
        while (m_done.load(std::memory_order_acquire) != int(m_threads.size()))
            std::this_thread::yield();
    }

private:
    void run(int worker)
    {
        uint64_t seen = 0;
        uint64_t i = 0;
        for (;;) {
            while (m_round.load() == seen) // spinning: a futex wake-up would cost more than the round
                std::this_thread::yield();
            seen = m_round.load();
            if (m_stop.load())
                return;
            for (uint64_t k = 0; k < m_batch; ++k)
                m_hub.publish(worker, sampleEvent(i++));
            m_done.fetch_add(1, std::memory_order_release);
        }
    }
    TraceHub& m_hub;
    const uint64_t m_batch;
    std::atomic<uint64_t> m_round { 0 };
    std::atomic<int> m_done { 0 };
    std::atomic<bool> m_stop { false };
    std::vector<std::thread> m_threads;
};

void publishDrainWith(benchmark::State& state, int producers, bool drainOnly = false)
{
    const auto batch = uint64_t(state.range(0));
    TraceHub hub;
    auto sub = hub.subscribe(2, kRing);
    std::vector<TraceEvent> out;
    Producers p(hub, producers, batch);
    uint64_t lost = 0;
    for (auto _ : state) {
        if (drainOnly)
            state.PauseTiming();
        p.round();
        if (drainOnly)
            state.ResumeTiming();
        out.clear();
        lost += sub->drain(out);
        benchmark::DoNotOptimize(out.data());
    }
    if (lost > 0)
        state.SkipWithError("events were lost");
    state.SetItemsProcessed(int64_t(state.iterations() * batch * uint64_t(producers)));
}

void BM_PublishDrainAcrossCores(benchmark::State& state) { publishDrainWith(state, 1); }
BENCHMARK(BM_PublishDrainAcrossCores)->Arg(64)->Arg(4096)->UseRealTime();

void BM_PublishTwoWorkers(benchmark::State& state) { publishDrainWith(state, 2); }
BENCHMARK(BM_PublishTwoWorkers)->Arg(4096)->UseRealTime();

void BM_DrainAcrossCores(benchmark::State& state) { publishDrainWith(state, 1, true); }
BENCHMARK(BM_DrainAcrossCores)->Arg(4096);

void BM_DrainTwoWorkers(benchmark::State& state) { publishDrainWith(state, 2, true); }
BENCHMARK(BM_DrainTwoWorkers)->Arg(4096);

} // namespace

BENCHMARK_MAIN();

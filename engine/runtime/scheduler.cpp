// Scheduling: per-worker run queues with stealing (threaded mode), one queue with virtual time (deterministic
// mode), slices, timers, stop-the-world for snapshots and pause/step.

#include "runtime/impl.h"

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include <sys/mman.h>

namespace vigil {

constinit thread_local Worker* tlsWorker = nullptr;
constinit thread_local Runtime::Impl* tlsRuntime = nullptr;
constinit thread_local bool tlsOrdered = false;


// ---------------------------------------------------------------------------------------------------------------
// Process table

namespace {
constexpr size_t kSegmentBytes = ProcessTable::kSegmentSize * sizeof(std::atomic<Process*>);

void* mapZeroed(size_t bytes)
{
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        throw std::bad_alloc();
    return p;
}

// A segment, aligned to its size (2 MiB) and advised to be a transparent huge page.
void* mapSegment()
{
    const size_t total = 2 * kSegmentBytes;
    void* raw = mapZeroed(total);
    const auto begin = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t start = (begin + kSegmentBytes - 1) & ~uintptr_t(kSegmentBytes - 1);
    if (start > begin)
        ::munmap(raw, start - begin);
    if (begin + total > start + kSegmentBytes)
        ::munmap(reinterpret_cast<void*>(start + kSegmentBytes), begin + total - (start + kSegmentBytes));
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(start), kSegmentBytes, MADV_HUGEPAGE); // advice only: fine if refused
#endif
    return reinterpret_cast<void*>(start);
}
} // namespace

ProcessTable::ProcessTable()
    : m_segments(static_cast<std::atomic<std::atomic<Process*>*>*>(mapZeroed(kSegments * sizeof(void*))))
    , m_released(static_cast<std::atomic<uint8_t>*>(mapZeroed(kSegments)))
    , m_live(static_cast<std::atomic<int64_t>*>(mapZeroed(kSegments * sizeof(int64_t))))
{
    static_assert(sizeof(std::atomic<int64_t>) == sizeof(int64_t));
    // Zero bytes are null pointers and zero counts, which is what a fresh mapping holds.
    static_assert(sizeof(std::atomic<std::atomic<Process*>*>) == sizeof(void*));
    static_assert(sizeof(std::atomic<uint8_t>) == 1);
}

ProcessTable::~ProcessTable()
{
    const uint64_t high = m_high.load();
    for (uint64_t i = 0; i < high; ++i)
        if (auto* s = m_segments[i].load(std::memory_order_relaxed))
            ::munmap(s, kSegmentBytes);
    ::munmap(m_segments, kSegments * sizeof(void*));
    ::munmap(m_released, kSegments);
    ::munmap(m_live, kSegments * sizeof(int64_t));
}

std::atomic<Process*>& ProcessTable::slot(uint64_t serial)
{
    const uint64_t seg = serial >> kSegmentBits;
    if (seg >= kSegments)
        throw std::length_error("every pid has been issued");
    std::atomic<Process*>* s = m_segments[seg].load(std::memory_order_acquire);
    if (!s) {
        auto* fresh = static_cast<std::atomic<Process*>*>(mapSegment());
        if (m_segments[seg].compare_exchange_strong(s, fresh, std::memory_order_acq_rel))
            s = fresh;
        else
            ::munmap(fresh, kSegmentBytes);
    }
    // Walks look up to m_high: raised before the slot is written, by whichever thread gets there first (the one that
    // mapped the segment may not have raised it yet). A read of a line that rarely changes, as a rule.
    if (uint64_t high = m_high.load(std::memory_order_acquire); high <= seg) {
        while (high <= seg && !m_high.compare_exchange_weak(high, seg + 1, std::memory_order_acq_rel)) {
        }
    }
    return s[serial & (kSegmentSize - 1)];
}

std::atomic<Process*>* ProcessTable::slotIfAny(uint64_t serial) const
{
    const uint64_t seg = serial >> kSegmentBits;
    if (seg >= kSegments)
        return nullptr;
    std::atomic<Process*>* s = m_segments[seg].load(std::memory_order_acquire);
    return s ? &s[serial & (kSegmentSize - 1)] : nullptr;
}

void ProcessTable::release(const std::vector<uint64_t>& segments)
{
    for (uint64_t seg : segments) {
        if (m_released[seg].load(std::memory_order_relaxed))
            continue;
        // Its pages go back and read as zeros (empty slots) from now on; the addresses stay valid.
        if (std::atomic<Process*>* s = m_segments[seg].load(std::memory_order_acquire))
            ::madvise(s, kSegmentBytes, MADV_DONTNEED);
        m_released[seg].store(1, std::memory_order_release);
    }
    const uint64_t high = m_high.load(std::memory_order_acquire);
    uint64_t low = m_low.load(std::memory_order_relaxed);
    while (low < high && m_released[low].load(std::memory_order_relaxed))
        ++low;
    m_low.store(low, std::memory_order_release);
}

void ProcessTable::insert(Process* p)
{
    // No stripe lock: serials are never reused, so nobody else writes this slot, and a reader that sees the
    // pointer sees a process whose reference the table already owns.
    slot(p->serial).store(p, std::memory_order_release);
    stripe(p->serial).count.fetch_add(1, std::memory_order_relaxed);
}

void ProcessTable::erase(uint64_t serial, TableUncount* batch)
{
    {
        std::lock_guard g(stripe(serial));
        // (Looked at first: a slot in a segment given back reads as empty without being written back into memory.)
        auto* s = slotIfAny(serial);
        if (!s || !s->load(std::memory_order_relaxed) || !s->exchange(nullptr, std::memory_order_acq_rel))
            return;
        stripe(serial).count.fetch_sub(1, std::memory_order_relaxed);
    }
    const uint64_t seg = serial >> kSegmentBits;
    if (!batch) {
        m_live[seg].fetch_sub(1, std::memory_order_release);
        return;
    }
    if (batch->seg != seg) {
        flush(*batch);
        batch->seg = seg;
    }
    if (++batch->pending == 64)
        flush(*batch);
}

void ProcessTable::countIssued(uint64_t first, uint64_t n)
{
    while (n > 0) {
        const uint64_t seg = first >> kSegmentBits;
        if (seg >= kSegments)
            return; // inserting them will fail (see slot)
        const uint64_t inSeg = std::min(n, ((seg + 1) << kSegmentBits) - first);
        m_live[seg].fetch_add(int64_t(inSeg), std::memory_order_relaxed);
        first += inSeg;
        n -= inSeg;
    }
}

Process* ProcessTable::find(uint64_t serial) const
{
    auto* s = slotIfAny(serial);
    return s ? s->load(std::memory_order_acquire) : nullptr;
}

Term ProcessTable::pidFor(uint64_t serial) const
{
    // The stripe lock keeps the process from being erased and released while we take our reference.
    std::lock_guard g(stripe(serial));
    Process* p = find(serial);
    return p ? p->pidTerm() : Term();
}

// ---------------------------------------------------------------------------------------------------------------
// Construction

Runtime::Impl::Impl(Runtime* owner, RuntimeConfig cfg)
    : owner(owner)
    , config(cfg)
    , deterministic(cfg.mode == RuntimeConfig::Mode::Deterministic)
    , start(std::chrono::steady_clock::now())
    , startEpochNs(std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count())
    , nextSerial(cfg.firstPidSerial)
{
    if (config.workers == 0)
        config.workers = std::max(1u, std::thread::hardware_concurrency());
    config.workers = std::min(config.workers, Worker::kMax);
    if (deterministic)
        config.workers = 1;
    // The host's own pseudo-process: the sender of host messages and exit signals. It is never scheduled.
    system = new Process(this, nextSerial.fetch_add(1));
    system->isHost = true;
    system->trapExit = true;
    system->state.store(Process::Waiting);
    system->extras().hostWait = std::make_unique<HostWait>();
    if (!deterministic) {
        for (unsigned i = 0; i < config.workers; ++i) {
            auto w = std::make_unique<Worker>();
            w->id = i;
            w->tag = uint16_t(i + 1);
            workers.push_back(std::move(w));
        }
    }
    trace.setWorkers(workers.size());
    for (size_t i = 0; i <= workers.size(); ++i) {
        timerSets.push_back(std::make_unique<TimerSet>());
        timerSets.back()->index = uint32_t(i);
    }
    if (!deterministic) {
        for (auto& w : workers)
            w->thread = std::thread([this, wp = w.get()] { workerLoop(wp); });
        timerThread = std::thread([this] { timerLoop(); });
    }
}

Runtime::Impl::~Impl()
{
    stopping.store(true);
    {
        std::lock_guard g(parkMutex);
        parkCv.notify_all();
    }
    for (auto& w : workers)
        if (w->thread.joinable())
            w->thread.join();
    {
        std::lock_guard g(timerMutex);
        timerStop = true;
        timerCv.notify_all();
    }
    if (timerThread.joinable())
        timerThread.join();
    for (auto& set : timerSets) {
        for (auto& [k, e] : set->timers) {
            if (e.process)
                e.process->releaseRef();
        }
        set->timers.clear();
        set->deadlines.clear();
    }
    for (auto& w : workers)
        w->statsBatch.clear();

    // Tear down without exit semantics: first every body and mailbox (they may hold pids), then the processes.
    std::vector<Process*> all;
    table.forEach([&](Process* p) { all.push_back(p); });
    for (Process* p : all) {
        destroyBody(p);
        std::lock_guard g(p->lock);
        p->takeRel();
        p->received = Term();
        if (auto* x = p->extrasIfAny())
            x->stateReader = nullptr;
    }
    for (Process* p : all) {
        Signal* rest = p->inbox.exchange(closedInbox());
        while (rest && rest != closedInbox()) {
            Signal* n = rest->next;
            delete rest;
            rest = n;
        }
        p->state.store(Process::Dead);
    }
    for (Process* p : all) {
        table.erase(p->serial);
        p->releaseRef();
    }
    system->inbox.exchange(closedInbox());
    system->releaseRef();
}

int64_t Runtime::Impl::nowNs() const
{
    if (deterministic)
        return virtualNs.load(std::memory_order_relaxed);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
}

// Events of one slice share one timestamp, read when the slice emits its first event: -1 outside a traced slice,
// kSliceTimeUnread inside one until then (and again after the slice took in another thread's work). Slices that emit
// nothing read no clock.
constinit thread_local int64_t t_sliceNs = -1;
constinit thread_local uint64_t t_sliceCount = 0; // slices this thread began (see coarseMs)

// A precise clock read costs about 26 ns on a virtual machine's paravirtual clock, more than a short slice's
// events cost otherwise, and even the coarse clock (the kernel's last tick, about 6 ns) was a twentieth of a traced
// spawn-heavy workload when read once per slice. A busy worker therefore reuses its last precise read for the events
// of the slices it runs until they have used one slice's budget of reductions since (a slice that used its whole
// budget reads again at once) or 32 slices have begun. It reads again sooner after it slept, or took in work from a
// thread that is not a worker (forgetPreciseTime); work from another worker raises its time to the one that worker
// published instead (Worker::stampNs, see tookForeignWork). So a slice's events are stamped at most about one
// budget's worth of counted work early, or 32 slices' worth for bodies that work without counting reductions, and
// never before the other thread's action that led to them.
thread_local int64_t t_preciseNs = -1; // the worker's last precise read (-1: read again)
thread_local uint32_t t_slicesSincePrecise = 0; // slices this worker began since that read
thread_local uint32_t t_reductionsSincePrecise = 0; // reductions its slices used since then
// The worker's coarse clock (see coarseMs): t_sliceCount at its last read (UINT64_MAX: read it afresh).
constinit thread_local uint64_t t_coarseSlice = UINT64_MAX;
constexpr uint32_t kPreciseReuseSlices = 32;

void forgetPreciseTime()
{
    t_preciseNs = -1;
    t_coarseSlice = UINT64_MAX; // whatever made the precise read stale (a timer, the host's work) dates the coarse one
}

// A worker's stamps only move forward: stampNs is stored before any event carries the time.
static void publishStampNs(Worker* w, int64_t ns)
{
    if (ns > w->stampNs.load(std::memory_order_relaxed))
        w->stampNs.store(ns, std::memory_order_relaxed);
}

void adoptStampNs(Worker* w, int64_t ns)
{
    if (t_preciseNs >= 0 && ns > t_preciseNs)
        t_preciseNs = ns;
    if (t_sliceNs >= 0 && ns > t_sliceNs)
        t_sliceNs = ns;
    // Also when this worker has no time of its own to raise: work it takes in and hands on without stamping anything
    // (a process stolen from it, a signal it forwards) must still carry the time of what caused it.
    publishStampNs(w, ns);
}
static bool preciseTimeReusable() { return t_preciseNs >= 0 && t_slicesSincePrecise < kPreciseReuseSlices; }

int64_t Runtime::Impl::sliceTimeNsSlow()
{
    if (tlsRuntime != this || t_sliceNs == -1) {
        const int64_t now = nowNs();
        if (tlsRuntime == this && tlsWorker && !deterministic)
            publishStampNs(tlsWorker, now); // a worker's event outside its slices
        return now;
    }
    if (t_sliceNs == kSliceTimeUnread) {
        if (deterministic || !tlsWorker) {
            t_sliceNs = nowNs();
        } else {
            if (!preciseTimeReusable()) {
                t_preciseNs = nowNs();
                t_slicesSincePrecise = 0;
                t_reductionsSincePrecise = 0;
                t_coarseSlice = UINT64_MAX; // the coarse clock's next use takes this read (see readCachedCoarseMs)
                publishStampNs(tlsWorker, t_preciseNs);
            }
            t_sliceNs = t_preciseNs;
        }
    }
    return t_sliceNs;
}

void Runtime::Impl::emit(
    TraceKind kind, uint64_t pid, uint64_t other, Term data, Term extra, SignalOutcome outcome, uint32_t count)
{
    emitInline(kind, pid, other, data, extra, outcome, count);
}

// Every case but the common one (see TraceHub::claimDirect): out of line, so that emit needs no room on its stack
// for an event, nor for a fill function.
void Runtime::Impl::emitLongWay(int worker, TraceKind kind, uint64_t pid, uint64_t other, Term& data, Term& extra,
    SignalOutcome outcome, uint32_t count, uint64_t old)
{
    const bool direct = trace.publishDirect(
        worker, [&](TraceSlot& s) { s.set(sliceTimeNs(), kind, outcome, count, pid, other, old, data, extra); });
    if (direct)
        return;
    if (!trace.wants(worker))
        return; // every subscriber is behind: counted as lost, nothing built
    TraceEvent e;
    e.timeNs = sliceTimeNs();
    e.kind = kind;
    e.outcome = outcome;
    e.count = count;
    e.pid = pid;
    e.other = other;
    e.old = old;
    e.data = std::move(data);
    e.extra = std::move(extra);
    trace.publish(worker, std::move(e));
}

namespace {
uint32_t readCoarseMs()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return uint32_t(int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000);
}
} // namespace

// Sampling windows and stats intervals are tens of milliseconds: a worker reads the clock at its first use once
// kCoarseSlices slices have begun since the last read, and at every 16th use within a slice; and afresh after its
// slices used one slice's budget of reductions, after it read the precise clock (whose reading it then takes, see
// readCachedCoarseMs), after anything else that makes it forget its precise read (a timer's signal, work from the
// host), and after it slept or went without work. That keeps clock reads off the per-message path (request/reply
// traffic runs a slice per message, and a clock read per slice was a fifth of what tracing cost it) while the time it
// uses is at most 16 short slices or 16 uses old.
constinit thread_local uint32_t t_coarseMs = 0;
constinit thread_local uint32_t t_coarseUses = 0; // uses since the last read

namespace {
thread_local bool t_coarseKnown = false; // t_coarseMs was set once (from then on it does not step back)
thread_local int64_t t_workerStartEpochNs = 0; // the start (see nowNs) of the runtime this worker thread belongs to

// A worker's cached clock may lag another's by up to a slice: a process-level time (written by whichever worker ran
// the process) that lies at most this far ahead counts as not yet passed.
constexpr uint32_t kMaxClockLagMs = 60'000;

// Whether `interval` ms have passed since `since` (0: never, so yes).
bool msElapsed(uint32_t now, uint32_t since, uint32_t interval)
{
    if (since == 0)
        return true;
    const uint32_t d = now - since;
    return d >= interval && d <= UINT32_MAX - kMaxClockLagMs;
}
// How many ms are left until msElapsed: 0 once it is, a whole interval while `since` lies ahead of `now`.
uint32_t msLeft(uint32_t now, uint32_t since, uint32_t interval)
{
    if (msElapsed(now, since, interval))
        return 0;
    const uint32_t d = now - since;
    return d < interval ? interval - d : interval;
}

// The worker's cached coarse clock, read again (or off a worker thread, where nothing is cached). Right after the
// worker read the precise clock (afterPrecise), while that read may be reused for event times (see sliceTimeNs), the
// time is taken from it instead, at no cost: the clocks are one (CLOCK_MONOTONIC, the coarse one its last tick), and
// the read is no older than the slice's event times are allowed to be. The cached time does not step back: one taken
// from a precise read may lie up to a tick ahead of the kernel's coarse clock, and a window measured on a clock that
// went back would start over. (Only small steps are refused: after a sleep of weeks, a reading more than kMaxClockLagMs
// "behind" has wrapped around.)
[[gnu::noinline]] uint32_t readCachedCoarseMs(bool afterPrecise)
{
    if (!tlsWorker)
        return readCoarseMs();
    const uint32_t now = afterPrecise && preciseTimeReusable()
        ? uint32_t(uint64_t(t_workerStartEpochNs + t_preciseNs) / 1'000'000)
        : readCoarseMs();
    if (!t_coarseKnown || int32_t(now - t_coarseMs) > 0 || t_coarseMs - now > kMaxClockLagMs)
        t_coarseMs = now;
    t_coarseKnown = true;
    t_coarseSlice = t_sliceCount;
    t_coarseUses = 0;
    return t_coarseMs;
}
uint32_t coarseMs()
{
    if (tlsWorker && coarseClockCurrent() && takeCachedCoarseUse())
        return t_coarseMs;
    return readCachedCoarseMs(t_coarseSlice == UINT64_MAX);
}

// The same clock for the worker's own bookkeeping between slices (when to hand its batch of idle-stats reminders to
// the timer), read afresh: that check runs after every 16th slice while a batch waits, and a batch is handed over
// anyway before the worker sleeps.
uint32_t coarseMsBetweenSlices() { return readCachedCoarseMs(false); }

// After the worker slept (or waited while the world was stopped or paused): its cached clocks and its sampling skip
// are stale, and a step may come seconds later.
void forgetAfterSleep(Worker* w)
{
    forgetPreciseTime(); // and with it the coarse clock
    w->samplingSkip = 0;
}
} // namespace

void Runtime::Impl::emitFull(TraceEvent e)
{
    const int worker = traceWorker();
    if (!trace.wants(worker))
        return;
    e.timeNs = sliceTimeNs();
    trace.publish(worker, std::move(e));
}

bool Runtime::Impl::messageDetailAtWindow(Process* p)
{
    if (deterministic || allMessages.load(std::memory_order_relaxed))
        return true;
    Worker* w = currentWorker();
    const bool spent = w && w->messageTokens == 0;
    if (spent) {
        // The budget is spent. Messages take well under a microsecond each and a window is 100 ms: the clock is
        // looked at every 64th message only (messageDetail skips the others).
        w->samplingSkip = 63;
        w->samplingSkipSlice = t_sliceCount;
    }
    const uint32_t now = coarseMs();
    if (spent && now - w->messageWindowMs < 100) {
        // This worker's budget for the window is spent: nothing to sample until the window turns.
        p->markStatsDirty();
        return false;
    }
    if (msElapsed(now, p->traceWindowMs, 100)) {
        p->traceWindowMs = now;
        p->traceTokens = uint16_t(std::min<uint32_t>(messageEventsPerWindow.load(std::memory_order_relaxed), 0xFFFF));
    }
    // Once a process has reported MailboxStats, observers take its counters from those alone: every change, even
    // one with its own event, must reach them in a later MailboxStats.
    if (p->lastStatsMs.load(std::memory_order_relaxed) != 0)
        p->markStatsDirty();
    if (p->traceTokens > 0) {
        if (!w) {
            --p->traceTokens;
            return true;
        }
        if (now - w->messageWindowMs >= 100) {
            w->messageWindowMs = now;
            w->messageTokens = workerMessageEventsPerWindow.load(std::memory_order_relaxed);
        }
        if (w->messageTokens > 0) {
            --w->messageTokens;
            --p->traceTokens;
            return true;
        }
    }
    if (p->traceTokens == 0 && w)
        p->traceSkip = 63; // its own events for the window are spent: see messageDetail
    p->markStatsDirty();
    return false;
}

void Runtime::Impl::emitStats(Process* p)
{
    p->statsDirty = false;
    p->mailSeenBySnapshot = false;
    p->lastStatsMs.store(coarseMs(), std::memory_order_relaxed);
    const uint32_t depth = uint32_t(std::min<size_t>(p->mailLen, UINT32_MAX));
    Term reductions = Term::integer(int64_t(p->reductions));
    Term none;
    // (If every subscriber is behind, the counters go out with the next report, or a resync.)
    emitInline(TraceKind::MailboxStats, p->serial, p->messagesIn, reductions, none, SignalOutcome::None, depth,
        p->messagesOut);
}

void Runtime::Impl::afterSlice(Process* p, bool idle)
{
    const uint32_t now = coarseMs();
    const uint32_t interval = statsIntervalMs.load(std::memory_order_relaxed);
    const uint32_t last = p->lastStatsMs.load(std::memory_order_relaxed);
    if (msElapsed(now, last, interval) && !firstReportWaits(p, idle)) {
        emitStats(p);
        return;
    }
    if (!idle || p->statsTimerArmed)
        return;
    // The process goes idle with counters nobody has seen: it reports them itself when the interval is over.
    // Workers collect such processes for a few milliseconds and set one timer for the lot: a storm of short-lived
    // processes then costs a vector entry each, not a timer each.
    p->statsTimerArmed = true;
    Worker* w = currentWorker();
    if (!w) {
        TimerEntry e;
        e.kind = TimerEntry::Kind::Stats;
        e.batch.push_back(p->serial);
        const uint32_t left = msLeft(now, last, interval);
        addTimer(int64_t(left > 0 ? left : interval), std::move(e));
        return;
    }
    if (w->statsBatch.empty())
        w->statsBatchStartMs = now;
    w->statsBatch.push_back(p->serial);
    if (now - w->statsBatchStartMs >= 5)
        flushStatsBatch(w);
}

void Runtime::Impl::flushStatsBatch(Worker* w)
{
    if (w->statsBatch.empty())
        return;
    TimerEntry e;
    e.kind = TimerEntry::Kind::Stats;
    // Copied, not moved: the worker's batch keeps its capacity, so collecting the next one does not grow a fresh
    // vector (reallocating and faulting in new memory) all over again.
    e.batch.assign(w->statsBatch.begin(), w->statsBatch.end());
    w->statsBatch.clear();
    const uint32_t waited = coarseMs() - w->statsBatchStartMs;
    const uint32_t interval = statsIntervalMs.load(std::memory_order_relaxed);
    addTimer(waited >= interval ? 0 : int64_t(interval - waited), std::move(e));
}

// ---------------------------------------------------------------------------------------------------------------
// Spawning and delivery

Process* Runtime::Impl::newProcess(uint64_t parent)
{
    // A worker takes serials in blocks, so that two workers spawning at once neither fight over the counter nor write
    // neighbouring slots of the process table. Serials still grow with each spawner's spawns, and never repeat.
    uint64_t serial;
    if (Worker* w = currentWorker()) {
        if (w->serialNext == w->serialEnd) {
            w->serialNext = nextSerial.fetch_add(ProcessTable::kSerialBlock, std::memory_order_relaxed);
            w->serialEnd = w->serialNext + ProcessTable::kSerialBlock;
            table.countIssued(w->serialNext, ProcessTable::kSerialBlock);
        }
        serial = w->serialNext++;
    } else {
        // Counted until inserted, so that a snapshot does not give back the table segment it is about to land in.
        hostSerials.fetch_add(1, std::memory_order_seq_cst);
        serial = nextSerial.fetch_add(1, std::memory_order_seq_cst);
        table.countIssued(serial, 1);
    }
    Process* p = nullptr;
    try {
        p = new Process(this, serial);
    } catch (...) {
        table.uncountUninserted(serial);
        if (!currentWorker())
            hostSerials.fetch_sub(1, std::memory_order_seq_cst);
        throw;
    }
    p->parent = parent;
    return p;
}

void Runtime::Impl::insertProcess(Process* p)
{
    struct Done {
        Runtime::Impl* rt;
        ~Done()
        {
            if (!rt->currentWorker())
                rt->hostSerials.fetch_sub(1, std::memory_order_seq_cst);
        }
    } done { this };
    table.insert(p);
}

SpawnResult Runtime::Impl::spawn(
    Process* spawner, NativeBody body, std::unique_ptr<ProcessBody> pbody, SpawnOptions& options)
{
    // What the spawner sent goes out first: the new process might send to the same receivers and must not overtake
    // it. A body that is a plain function then runs its first part right here, as the new process, starting runs of
    // its own.
    endOfBodyRun();
    Process* c = newProcess(spawner && spawner != system ? spawner->serial : 0);
    // Should anything below throw, a pid taken by a thread without a block of its own is no longer on its way in.
    struct NotInserted {
        Runtime::Impl* rt;
        uint64_t serial;
        bool armed = true;
        ~NotInserted()
        {
            if (!armed)
                return;
            rt->table.uncountUninserted(serial);
            if (!rt->currentWorker())
                rt->hostSerials.fetch_sub(1, std::memory_order_seq_cst);
        }
    } notInserted { this, c->serial };
    if (pbody) {
        c->extras().body = std::move(pbody);
    } else {
        // The body object lives in the process, so the coroutine's captures outlive every suspension.
        c->body = std::move(body);
        try {
            // What that first part sends goes out before the process can run elsewhere.
            auto task = c->body(c->context());
            endOfBodyRun();
            c->root = task.release();
            c->resumePoint = c->root;
        } catch (const ProcessException& e) {
            // A body that is a plain function (not a coroutine) ran up to its throw right here: the process
            // exists and dies with that reason the first time it runs (after what it sent).
            endOfBodyRun();
            c->exitReason = e.exitReason();
            c->exitPending = true;
            c->started = true;
        } catch (const std::exception& e) {
            endOfBodyRun();
            c->exitReason = Term::tuple({ Term::atom("error"), Term::binary(e.what()) });
            c->exitPending = true;
            c->started = true;
        }
    }
    c->trapExit = options.trapExit;
    if (!options.label.isNilAtom() || !(options.behaviour == atoms::nil) || !options.initialCall.isNilAtom()) {
        auto& x = c->extras();
        x.label = options.label;
        x.behaviour = options.behaviour;
        x.initialCall = options.initialCall;
    }
    SpawnResult result;
    result.pid = c->pidTerm();
    // The spawner's pid is only needed for a link or monitor (each copy is a reference-count operation).
    Term spawnerPid = spawner && (options.link || options.monitor) ? spawner->pidTerm() : Term();
    if (options.link && spawner) {
        c->rel().links.push_back(spawnerPid);
        std::lock_guard g(spawner->lock);
        spawner->rel().links.push_back(result.pid);
    }
    if (options.monitor && spawner) {
        result.monitorRef = Term::makeRef();
        c->rel().monitoredBy.push_back({ result.monitorRef, spawnerPid, Term() });
        std::lock_guard g(spawner->lock);
        spawner->rel().monitors.push_back({ result.monitorRef, result.pid, Term() });
    }
    if (options.registerAs) {
        std::unique_lock g(registryMutex);
        if (registry.emplace(options.registerAs->index(), c).second)
            c->registeredName = *options.registerAs;
    }
    // Its spawn event is numbered by this thread: running it here needs no new block (see runSlice), nor does
    // running it on another worker whose block is past this one's position (recorded below, after its events).
    c->lastWorker = workerTag();
    notInserted.armed = false;
    insertProcess(c); // the table owns the initial reference
    if (tracing()) {
        if (auto* x = c->extrasIfAny()) {
            Term label = x->label;
            Term initialCall = x->initialCall;
            emitInline(TraceKind::Spawned, c->serial, c->parent, label, initialCall, SignalOutcome::None, 0);
            if (!(x->behaviour == atoms::nil))
                emit(TraceKind::Label, c->serial, 0, x->label, Term::atom(x->behaviour));
        } else {
            // The usual process has neither: two empty terms, which the compiler folds into constants.
            Term label;
            Term initialCall;
            emitInline(TraceKind::Spawned, c->serial, c->parent, label, initialCall, SignalOutcome::None, 0);
        }
        if (!(c->registeredName == atoms::nil))
            emit(TraceKind::Registered, c->serial, 0, Term::atom(c->registeredName));
        if (options.link && spawner) {
            emit(TraceKind::Linked, spawner->serial, c->serial);
            emit(TraceKind::Linked, c->serial, spawner->serial);
        }
        if (options.monitor && spawner)
            emit(TraceKind::Monitored, spawner->serial, c->serial, result.monitorRef);
        if (c->trapExit)
            emit(TraceKind::TrapExit, c->serial, 0, Term(), Term(), SignalOutcome::None, 1);
        recordTracePosition(c);
    }
    enqueue(c, false, true);
    return result;
}

void Runtime::Impl::wake(Process* p)
{
    if (p->isHost) {
        if (HostWait* hw = p->hostWait()) {
            std::lock_guard g(hw->mutex);
            ++hw->signals;
            hw->cv.notify_all();
        }
        return;
    }
    // Sequentially consistent with the push before it and with the owner's fence in runSlice: a sender that finds the
    // process Runnable or Running leaves the wake-up to it, and the owner's last look at the inbox sees the push.
    uint32_t s = p->state.load(std::memory_order_seq_cst);
    for (;;) {
        if (s == Process::Waiting) {
            if (p->state.compare_exchange_weak(s, Process::Runnable, std::memory_order_acq_rel)) {
                enqueue(p, true);
                return;
            }
        } else if (s == Process::Running) {
            if (p->state.compare_exchange_weak(s, Process::RunningNotified, std::memory_order_acq_rel))
                return;
        } else {
            return; // Runnable, already notified, or dead
        }
    }
}

bool Runtime::Impl::deliver(Process* target, Signal* s, bool neutral)
{
    if (!target->push(s, neutral)) {
        delete s;
        return false;
    }
    wake(target);
    return true;
}

namespace {
Signal* newMessage(Process* from, Term& msg)
{
    Signal* s = new Signal;
    s->kind = Signal::Kind::Message;
    s->payload = std::move(msg);
    if (from)
        ++from->messagesOut;
    return s;
}
} // namespace

// Each message into the receiver's inbox is a locked compare-and-swap on the inbox's head, which waits for every
// store before it (the message's own included) and, when the receiver runs on another core, takes the line from it.
// A producer streaming to one receiver paid that per message. Here the second and later messages of a run to one
// receiver within the sender's slice are linked up on this thread and go in together: when the run reaches
// Outbox::kMax, when the sender sends elsewhere, signals anyone, spawns or looks at another process, and when its
// body returns to the scheduler. Messages between one pair stay in order, and the receiver sees them at the latest
// when the sender's slice ends, before the sender can wait or die; a message to itself or to a host thread, and
// the first of a run, go straight in.
void Runtime::Impl::sendFromProcess(Process* from, Process* to, Term msg)
{
    Worker* w = currentWorker();
    if (!w || to == from || to->isHost || deterministic) {
        sendMessage(from, to, std::move(msg));
        return;
    }
    Outbox& o = w->outbox;
    if (o.count == 0 || o.to != to) {
        if (o.count)
            flushOutbox(w);
        if (o.lastDirect != to) {
            o.lastDirect = to;
            sendMessage(from, to, std::move(msg));
            return;
        }
    }
    Signal* s = newMessage(from, msg);
    if (tracing()) {
        traceSend(from, to, s);
        s->setPosition(trace.position(int(w->id)));
    }
    s->origin = w->tag;
    if (o.count == 0) {
        to->retain();
        o.to = to;
        o.oldest = s;
        s->next = nullptr;
    } else {
        s->next = o.newest;
    }
    o.newest = s;
    if (++o.count == Outbox::kMax)
        flushOutbox(w);
}

void Runtime::Impl::flushOutbox(Worker* w)
{
    Outbox& o = w->outbox;
    Process* to = o.to;
    Signal* s = o.newest;
    Signal* oldest = o.oldest;
    o.to = nullptr;
    o.newest = o.oldest = nullptr;
    o.count = 0;
    o.lastDirect = to; // the next message to it joins a new run at once
    if (to->pushChain(s, oldest)) {
        wake(to);
    } else {
        while (s) { // the receiver is gone: so are the messages, as they would have been one by one
            Signal* n = s->next;
            delete s;
            s = n;
        }
    }
    to->releaseRef();
}

void Runtime::Impl::traceSent(Process* from, Process* to, Signal* s)
{
    // The sender only matters to observers, in the message's queued event (it names the edge the message travels
    // along). Its serial is enough, kept as an integer: no reference-count traffic on the sender.
    if (from)
        s->from = Term::integer(int64_t(from->serial));
    emit(TraceKind::MessageSent, from ? (from == system ? 0 : from->serial) : 0, to->serial, s->payload);
}

void Runtime::Impl::sendMessage(Process* from, Process* to, Term msg)
{
    Signal* s = newMessage(from, msg);
    if (tracing())
        traceSend(from, to, s);
    deliver(to, s);
}

void Runtime::Impl::sendSignal(
    Process* from, Process* to, Signal::Kind kind, Term payload, Term ref, bool viaLink)
{
    Signal* s = new Signal;
    s->kind = kind;
    s->from = from->pidTerm();
    s->payload = std::move(payload);
    s->ref = std::move(ref);
    s->viaLink = viaLink;
    if (from == to)
        to->selfSignalled = true; // only the process itself runs this
    deliver(to, s);
}

// ---------------------------------------------------------------------------------------------------------------
// Running a slice

void Runtime::Impl::finishBody(Process* p)
{
    std::exception_ptr ex;
    if (p->root) {
        auto h = std::coroutine_handle<Task<void>::promise_type>::from_address(p->root.address());
        ex = h.promise().exception;
    }
    p->exitReason = Term::atom(atoms::normal);
    if (ex) {
        try {
            std::rethrow_exception(ex);
        } catch (const ProcessException& e) {
            p->exitReason = e.exitReason();
        } catch (const std::exception& e) {
            p->exitReason = Term::tuple({ Term::atom("error"), Term::binary(e.what()) });
        } catch (...) {
            p->exitReason = Term::atom("unknown_exception");
        }
    }
    p->exitPending = true;
}

void Runtime::Impl::resumeBody(Process* p)
{
    p->yieldRequested = false;
    if (auto* x = p->extrasIfAny(); x && x->body) {
        try {
            switch (x->body->resume(p->context())) {
            case ProcessBody::Yield::Done:
                p->exitReason = Term::atom(atoms::normal);
                p->exitPending = true;
                break;
            case ProcessBody::Yield::Receive:
                break;
            case ProcessBody::Yield::Reschedule:
                p->yieldRequested = true;
                break;
            }
        } catch (const ProcessException& e) {
            p->exitReason = e.exitReason();
            p->exitPending = true;
        } catch (const std::exception& e) {
            p->exitReason = Term::tuple({ Term::atom("error"), Term::binary(e.what()) });
            p->exitPending = true;
        }
        endOfBodyRun();
        return;
    }
    auto h = p->resumePoint;
    p->resumePoint = {};
    h.resume();
    endOfBodyRun();
    if (p->root.done())
        finishBody(p);
}

void Runtime::Impl::endOfBodyRun()
{
    // What the body sent goes into the inboxes before the process can wait, yield or die, and a run of messages
    // starts afresh in its next slice.
    if (Worker* w = currentWorker()) {
        if (w->outbox.count)
            flushOutbox(w);
        w->outbox.lastDirect = nullptr;
    }
}

namespace {
// Whether a locked instruction has run on this thread since the process's state was stored. Only x86 gives a locked
// read-modify-write the strength of a full fence; elsewhere the fence is always taken.
bool sliceOrdered()
{
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__SANITIZE_THREAD__)
    return tlsOrdered;
#else
    return false;
#endif
}
} // namespace

void Runtime::Impl::runSlice(Process* p)
{
    tlsRuntime = this;
    if (Worker* w = tlsWorker; w && p->lastWorker != w->tag) {
        // The process's earlier events were numbered by another thread (it was stolen, or woken by a process on
        // another worker, or started by the host): number this slice's after them, and stamp them no earlier.
        tookForeignWork(trace.positionFrom(p->tracePosition, 32), p->lastWorker);
        p->lastWorker = w->tag;
    }
    p->state.store(Process::Running, std::memory_order_release);
    tlsOrdered = false;
    p->budget = config.sliceReductions;
    ++t_sliceCount;
    ++t_slicesSincePrecise;
    // A traced slice takes the worker's last precise read at once while that may be reused (see sliceTimeNs), so
    // that its first event finds its time inline; otherwise the first event reads the clock.
    if (!tracing())
        t_sliceNs = -1;
    else if (preciseTimeReusable())
        t_sliceNs = t_preciseNs;
    else
        t_sliceNs = kSliceTimeUnread;
    p->traceSkip = 0; // its sampling skips messages within a slice only (see messageDetail)
    struct SliceEnd {
        ~SliceEnd() { t_sliceNs = -1; }
    } sliceEnd;
    // The reductions a slice used count towards reading the precise clock again (see sliceTimeNs), and the coarse
    // one (see coarseMs); p may be gone after die, so each way out charges them before.
    const uint32_t budget = config.sliceReductions;
    auto charge = [p, budget] {
        t_reductionsSincePrecise += budget - std::min(p->budget, budget);
        if (t_reductionsSincePrecise >= budget) {
            forgetPreciseTime(); // and the coarse clock: a slice's worth of work was done since
            t_reductionsSincePrecise = 0; // counted again from here: this branch runs once per budget's worth
            // The events this slice still emits (its stats, its exit) are stamped afresh too.
            if (t_sliceNs >= 0)
                t_sliceNs = kSliceTimeUnread;
        }
    };
    for (;;) {
        // Signals are handled whenever a process is scheduled in, before its body runs (also the first time).
        bool held = false;
        if (processSignals(p, &held) || p->exitPending) {
            if (held)
                p->lock.unlock();
            charge();
            die(p);
            return;
        }
        const bool matching = p->started && p->receiving && !p->hasReceived && !p->timedOut;
        if (held && !matching) {
            p->lock.unlock();
            held = false;
        }
        if (!p->started) {
            p->started = true;
            resumeBody(p);
        } else if (p->receiving) {
            if (matching && !tryMatch(p, held) && !p->timedOut) {
                if (!sliceOrdered()) {
                    // A sender that found this process Runnable (or Running, then notified) leaves the wake-up to
                    // it, but the Running store may still sit in this core's store buffer while the inbox was read:
                    // order the two, then look once more. Slices that sent something are ordered already.
                    std::atomic_thread_fence(std::memory_order_seq_cst);
                    tlsOrdered = true;
                    if (p->inbox.load(std::memory_order_seq_cst))
                        continue;
                }
                if (p->statsDirty && tracing())
                    statsAtSliceEnd(p, true);
                charge();
                recordTracePosition(p);
                uint32_t s = Process::Running;
                if (p->state.compare_exchange_strong(s, Process::Waiting, std::memory_order_seq_cst))
                    return; // another thread may own it from here on
                p->state.store(Process::Running, std::memory_order_relaxed);
                tlsOrdered = false;
                continue;
            }
            if (p->budget == 0)
                p->budget = 1;
            resumeBody(p);
        } else {
            resumeBody(p);
        }
        if (p->exitPending) {
            charge();
            die(p);
            return;
        }
        if (p->yieldRequested || p->budget == 0) {
            charge(); // a slice that used its whole budget: the next one's events get a fresh time
            if (p->statsDirty && tracing())
                statsAtSliceEnd(p, false);
            recordTracePosition(p);
            p->state.store(Process::Runnable, std::memory_order_release);
            enqueue(p, false);
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Queues

void Runtime::Impl::enqueue(Process* p, bool wokenBySender, bool spawned)
{
    if (deterministic) {
        detQueue.push_back(p);
        return;
    }
    Worker* w = currentWorker();
    if (w) {
        if (wokenBySender) {
            // Run the woken process next on this worker: a request/reply pair then stays on one core.
            Process* displaced = w->next;
            w->next = p;
            if (!displaced)
                return;
            p = displaced;
        }
        std::lock_guard g(w->mutex);
        if (spawned)
            w->fresh.push_back(p);
        else {
            if (w->queue.empty()) {
                w->freshStreak = 0;
                w->queueDue = std::max(Worker::kFreshStreak, w->fresh.size());
            }
            w->queue.push_back(p);
        }
    } else {
        std::lock_guard g(injectMutex);
        inject.push_back(p);
    }
    notifyWorkers();
}

void Runtime::Impl::notifyWorkers()
{
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (spinning.load(std::memory_order_seq_cst) > 0)
        return; // a spinning worker will find the work
    if (sleepers.load(std::memory_order_seq_cst) > 0) {
        std::lock_guard g(parkMutex);
        parkCv.notify_one();
    }
}

Process* Runtime::Impl::steal(Worker* self)
{
    for (auto& other : workers) {
        if (other.get() == self)
            continue;
        Process* p = nullptr;
        // This worker's own buffers, which keep their capacity: allocating under the other worker's queue lock
        // (a malloc that may consolidate its free lists) would hold that worker up.
        std::vector<Process*>& extra = self->stolen;
        std::vector<Process*>& extraFresh = self->stolenFresh;
        extra.clear();
        extraFresh.clear();
        {
            std::lock_guard g(other->mutex);
            if (other->queue.empty() && other->fresh.empty())
                continue;
            std::deque<Process*>& from = other->queue.empty() ? other->fresh : other->queue;
            p = from.front();
            from.pop_front();
            // Take up to half of the rest as well (the oldest of both queues); never hold two queue locks at once
            // (two thieves would deadlock).
            auto takeOldestHalf = [](std::deque<Process*>& q, std::vector<Process*>& out) {
                const auto half = q.begin() + std::ptrdiff_t(q.size() / 2);
                out.assign(q.begin(), half);
                q.erase(q.begin(), half);
            };
            takeOldestHalf(other->queue, extra);
            takeOldestHalf(other->fresh, extraFresh);
        }
        if (!extra.empty() || !extraFresh.empty()) {
            std::lock_guard g(self->mutex);
            if (self->queue.empty() && !extra.empty()) {
                // The stolen processes start to wait here now: under a limit computed for them (see enqueue).
                self->freshStreak = 0;
                self->queueDue = std::max(Worker::kFreshStreak, self->fresh.size() + extraFresh.size());
            }
            self->queue.insert(self->queue.end(), extra.begin(), extra.end());
            self->fresh.insert(self->fresh.begin(), extraFresh.begin(), extraFresh.end());
        }
        return p;
    }
    return nullptr;
}

Process* Runtime::Impl::takeInjected()
{
    std::lock_guard g(injectMutex);
    if (inject.empty())
        return nullptr;
    Process* p = inject.front();
    inject.pop_front();
    return p;
}

Process* Runtime::Impl::findWork(Worker* w)
{
    if (w->next)
        return std::exchange(w->next, nullptr);
    // Processes the host started or woke wait in the shared queue, which a busy worker would otherwise never look
    // at: it looks there first on every 61st pick.
    if (++w->picks % 61 == 0)
        if (Process* p = takeInjected())
            return p;
    {
        std::lock_guard g(w->mutex);
        if (!w->fresh.empty() && (w->freshStreak < w->queueDue || w->queue.empty())) {
            Process* p = w->fresh.back();
            w->fresh.pop_back();
            ++w->freshStreak;
            return p;
        }
        if (!w->queue.empty()) {
            Process* p = w->queue.front();
            w->queue.pop_front();
            w->freshStreak = 0;
            w->queueDue = std::max(Worker::kFreshStreak, w->fresh.size());
            return p;
        }
    }
    if (Process* p = takeInjected())
        return p;
    return steal(w);
}

bool Runtime::Impl::hasAnyWork()
{
    if (dueStatsWaiting.load(std::memory_order_seq_cst))
        return true;
    {
        std::lock_guard g(injectMutex);
        if (!inject.empty())
            return true;
    }
    for (auto& w : workers) {
        std::lock_guard g(w->mutex);
        if (!w->queue.empty() || !w->fresh.empty())
            return true;
    }
    return false;
}

void Runtime::Impl::workerLoop(Worker* w)
{
    tlsWorker = w;
    tlsRuntime = this;
    t_workerStartEpochNs = startEpochNs;
    int idleSpins = 0;
    while (!stopping.load(std::memory_order_acquire)) {
        if (worldStopped.load(std::memory_order_acquire) || pausedFlag.load(std::memory_order_acquire)) {
            if (idleSpins > 0) {
                idleSpins = 0;
                spinning.fetch_sub(1, std::memory_order_seq_cst);
            }
            leaveSlices(w);
            std::unique_lock g(parkMutex);
            sleepers.fetch_add(1);
            parkCv.wait(g, [&] {
                return stopping.load() || (!worldStopped.load() && !pausedFlag.load())
                    || (!worldStopped.load() && pausedFlag.load() && stepPermits.load() > 0);
            });
            sleepers.fetch_sub(1);
            forgetAfterSleep(w);
            if (pausedFlag.load() && !worldStopped.load() && stepPermits.load() > 0) {
                g.unlock();
                // One step while paused: run exactly one slice.
                Process* p = findWork(w);
                if (p) {
                    if (stepPermits.fetch_sub(1) > 0) {
                        w->inSlice.store(true, std::memory_order_seq_cst);
                        if (worldStopped.load(std::memory_order_seq_cst)) {
                            // The world was stopped meanwhile and counts this worker as out of its slices: the step
                            // is taken once it runs again.
                            leaveSlices(w);
                            stepPermits.fetch_add(1);
                            std::lock_guard q(w->mutex);
                            w->queue.push_front(p);
                            continue;
                        }
                        runSlice(p);
                        if (w->outbox.count)
                            flushOutbox(w);
                        leaveSlices(w);
                    } else {
                        std::lock_guard q(w->mutex);
                        w->queue.push_front(p);
                    }
                } else {
                    stepPermits.store(0);
                }
                stepsDone.fetch_add(1);
                std::lock_guard g2(parkMutex);
                stepDoneCv.notify_all();
            }
            continue;
        }
        Process* p = findWork(w);
        if (!p && dueStatsWaiting.load(std::memory_order_relaxed)) {
            // Nothing else to run: the reminders the timer found due, handled as a slice is (a stopped world waits
            // for them).
            if (enterSlices(w))
                remindDueStats(w);
            continue;
        }
        if (!p) {
            // Spin a little before parking; while a worker spins, senders need not wake anyone (no syscall).
            if (idleSpins == 0)
                spinning.fetch_add(1, std::memory_order_seq_cst);
            if (++idleSpins < 64) {
                trace.closeOwnBlockIfWanted(int(w->id));
                std::this_thread::yield();
                continue;
            }
            idleSpins = 0;
            spinning.fetch_sub(1, std::memory_order_seq_cst);
            flushStatsBatch(w); // nothing may wait in the batch while this worker sleeps
            leaveSlices(w);
            std::unique_lock g(parkMutex);
            sleepers.fetch_add(1, std::memory_order_seq_cst);
            std::atomic_thread_fence(std::memory_order_seq_cst);
            if (!hasAnyWork() && !stopping.load() && !worldStopped.load() && !pausedFlag.load()) {
                idleCv.notify_all();
                parkCv.wait(g);
                forgetAfterSleep(w);
            }
            sleepers.fetch_sub(1, std::memory_order_seq_cst);
            continue;
        }
        if (idleSpins > 0) {
            idleSpins = 0;
            t_coarseSlice = UINT64_MAX; // it went without work for a while: its coarse clock is read afresh
            // The last spinner found work: if there is more, someone else should look for it.
            if (spinning.fetch_sub(1, std::memory_order_seq_cst) == 1 && hasAnyWork())
                notifyWorkers();
        }
        if (!enterSlices(w)) {
            std::lock_guard q(w->mutex);
            w->queue.push_front(p);
            continue;
        }
        // Busy: due reminders wait for a moment with nothing to run, unless they have waited too long (looked at
        // every 16th slice: a clock read per slice would cost a storm more than the reminders).
        if (++w->overdueCheck == 16) {
            w->overdueCheck = 0;
            if (dueStatsWaiting.load(std::memory_order_relaxed) && dueStatsOverdue())
                remindDueStats(w);
        }
        runSlice(p);
        if (w->outbox.count)
            flushOutbox(w); // (a body's sends went out as it returned; this catches any other sender)
        trace.closeOwnBlockIfWanted(int(w->id)); // a drain may be waiting for the numbers this worker has not used
        if (!w->statsBatch.empty() && (t_sliceCount & 15) == 0
            && coarseMsBetweenSlices() - w->statsBatchStartMs >= 5)
            flushStatsBatch(w);
    }
    leaveSlices(w);
}

void Runtime::Impl::leaveSlices(Worker* w)
{
    // No drain or subscriber is to wait on this worker's numbering block while it sleeps or the world is stopped.
    trace.closeOwnBlock(int(w->id));
    table.flush(w->tableUncount); // so that a snapshot finds its segments' counts up to date
    w->inSlice.store(false, std::memory_order_seq_cst);
}

uint64_t Runtime::Impl::tableSealedBelow() const
{
    // Pids below every block a worker still holds and below the counter, with no other thread between taking one and
    // inserting it (read after the counter: such a thread counts itself before taking its pid), will not be
    // inserted any more. The workers are stopped, so their blocks hold still.
    uint64_t sealedBelow = nextSerial.load(std::memory_order_seq_cst);
    if (hostSerials.load(std::memory_order_seq_cst) != 0)
        return 0;
    for (auto& w : workers)
        if (w->serialNext < w->serialEnd)
            sealedBelow = std::min(sealedBelow, w->serialNext);
    return sealedBelow;
}

void Runtime::Impl::stopWorld()
{
    if (deterministic)
        return;
    {
        std::lock_guard s(stopMutex);
        if (stopCount++ == 0)
            worldStopped.store(true, std::memory_order_seq_cst);
    }
    {
        std::lock_guard g(parkMutex);
        parkCv.notify_all();
    }
    for (auto& w : workers) {
        if (tlsWorker == w.get())
            continue;
        while (w->inSlice.load(std::memory_order_seq_cst))
            std::this_thread::yield();
    }
}

void Runtime::Impl::resumeWorld()
{
    if (deterministic)
        return;
    std::lock_guard s(stopMutex);
    if (--stopCount > 0)
        return; // another thread still needs the world stopped
    worldStopped.store(false, std::memory_order_seq_cst);
    std::lock_guard g(parkMutex);
    parkCv.notify_all();
}

// ---------------------------------------------------------------------------------------------------------------
// Timers

TimerSet& Runtime::Impl::currentTimerSet()
{
    Worker* w = currentWorker();
    return w ? *timerSets[w->id] : *timerSets.back();
}

TimerSet* Runtime::Impl::earliestTimerSet(int64_t& deadline)
{
    TimerSet* best = nullptr;
    deadline = INT64_MAX;
    for (auto& set : timerSets) {
        std::lock_guard l(set->lock);
        if (!set->timers.empty() && set->timers.begin()->first.first < deadline) {
            deadline = set->timers.begin()->first.first;
            best = set.get();
        }
    }
    return best;
}

uint64_t Runtime::Impl::addTimer(int64_t delayMs, TimerEntry entry)
{
    const int64_t deadline = nowNs() + std::max<int64_t>(0, delayMs) * 1'000'000;
    TimerSet& set = currentTimerSet();
    uint64_t id = 0;
    {
        std::lock_guard l(set.lock);
        id = (set.nextId++ << 16) | set.index;
        set.timers.emplace(std::make_pair(deadline, id), std::move(entry));
        set.deadlines.emplace(id, deadline);
    }
    // The timer thread publishes when it will wake before it looks at the sets (under their locks), so either it
    // saw this timer or this load sees a wake-up time it has to beat.
    if (!deterministic && deadline < timerWakeAt.load(std::memory_order_seq_cst)) {
        std::lock_guard g(timerMutex);
        if (deadline < timerWakeAt.load(std::memory_order_relaxed)) {
            timerWakeAt.store(deadline, std::memory_order_relaxed);
            timerCv.notify_all();
        }
    }
    return id;
}

int64_t Runtime::Impl::cancelTimer(uint64_t id)
{
    const size_t index = size_t(id & 0xffff);
    if (index >= timerSets.size())
        return -1;
    TimerSet& set = *timerSets[index];
    std::optional<decltype(set.timers)::node_type> node;
    int64_t deadline = 0;
    {
        std::lock_guard l(set.lock);
        auto it = set.deadlines.find(id);
        if (it == set.deadlines.end())
            return -1;
        deadline = it->second;
        set.deadlines.erase(it);
        if (auto t = set.timers.find({ deadline, id }); t != set.timers.end())
            node = set.timers.extract(t);
    }
    if (node) {
        // The process it kept is released outside the set's lock (a release may free it).
        if (Process* p = node->mapped().process)
            p->releaseRef();
    }
    return std::max<int64_t>(0, (deadline - nowNs()) / 1'000'000);
}

void Runtime::Impl::remindStats(std::vector<uint64_t>& batch, Worker* w)
{
    // A process that has reported since it was put here is running again (it reports only at the end of a slice): it
    // stays on the list, without a wake-up, until one interval after its last report. So a process that goes idle
    // after every message, as most do, is not reminded of what it will say anyway.
    const uint32_t now = readCoarseMs();
    const uint32_t interval = statsIntervalMs.load(std::memory_order_relaxed);
    TimerEntry again;
    again.kind = TimerEntry::Kind::Stats;
    uint32_t againIn = 0;
    // The reports made here are stamped as a slice's events are: this worker's last precise read while it may be
    // reused, raised by the hand-overs below.
    const bool stamping = w && tracing();
    if (stamping)
        t_sliceNs = preciseTimeReusable() ? t_preciseNs : kSliceTimeUnread;
    for (uint64_t serial : batch) {
        // One that died meanwhile is gone from the table: its exit said all there is to say (a storm of short-lived
        // processes puts many of them here).
        if (!table.find(serial))
            continue; // (looked at without the stripe lock first: most are gone)
        const Term keep = table.pidFor(serial);
        if (!keep.isPid())
            continue;
        Process* p = asProcess(keep);
        if (p->state.load(std::memory_order_acquire) == Process::Dead)
            continue;
        // (One that never reported is due; a report stamped by a worker's clock up to a tick ahead of this read
        // counts as just made.)
        if (const uint32_t left = msLeft(now, p->lastStatsMs.load(std::memory_order_relaxed), interval); left > 0) {
            // Checked again when the last of these is due: each is reminded at most one interval late.
            againIn = std::max(againIn, left);
            again.batch.push_back(serial);
            continue;
        }
        uint32_t idle = Process::Waiting;
        if (w && !p->isHost && p->state.compare_exchange_strong(idle, Process::Runnable, std::memory_order_acq_rel)) {
            // This thread owns it now, as a waker does before it queues the process; everything its last owner wrote
            // before it went idle is visible. Senders that find it Runnable leave the wake-up to this thread.
            p->statsTimerArmed = false;
            if (p->statsDirty && stamping) {
                if (p->lastWorker != w->tag) {
                    // Its earlier events were numbered elsewhere: this report comes after them (as in runSlice).
                    tookForeignWork(trace.positionFrom(p->tracePosition, 32), p->lastWorker);
                    p->lastWorker = w->tag;
                }
                emitStats(p);
                recordTracePosition(p);
            }
            const bool pending = p->pendingHead != nullptr;
            // Back to Waiting, then one more look at the inbox, ordered with a sender's push and its look at the state
            // (see wake): a signal that came meanwhile wakes it here or by its sender, never by nobody.
            p->state.store(Process::Waiting, std::memory_order_seq_cst);
            if (pending || p->inbox.load(std::memory_order_seq_cst))
                wake(p);
            continue;
        }
        // Running or about to run (or no worker here): it reports when it handles the signal.
        Signal* s = new Signal;
        s->kind = Signal::Kind::Stats;
        deliver(p, s, true); // the process's report follows its own events only
    }
    if (stamping)
        t_sliceNs = -1;
    batch.clear();
    if (!again.batch.empty())
        addTimer(againIn, std::move(again));
}

bool Runtime::Impl::dueStatsOverdue() const
{
    const uint32_t since = dueStatsSinceMs.load(std::memory_order_relaxed); // before the clock: never ahead of it
    return readCoarseMs() - since >= kStatsOverdueMs;
}

bool Runtime::Impl::enterSlices(Worker* w)
{
    if (w->inSlice.load(std::memory_order_relaxed))
        return true;
    w->inSlice.store(true, std::memory_order_seq_cst);
    if (worldStopped.load(std::memory_order_seq_cst) || pausedFlag.load(std::memory_order_seq_cst)) {
        leaveSlices(w);
        return false;
    }
    return true;
}

void Runtime::Impl::remindDueStats(Worker* w)
{
    std::vector<std::vector<uint64_t>> batches;
    {
        std::lock_guard g(dueStatsMutex);
        batches.swap(dueStats);
        dueStatsWaiting.store(false, std::memory_order_relaxed);
    }
    for (auto& batch : batches)
        remindStats(batch, w);
}

void Runtime::Impl::fireTimer(TimerEntry& e)
{
    if (e.kind == TimerEntry::Kind::Stats) {
        if (deterministic || workers.empty()) {
            remindStats(e.batch, nullptr);
            return;
        }
        // For a worker: an idle process is reminded there without being woken (see remindStats).
        {
            std::lock_guard g(dueStatsMutex);
            if (dueStats.empty())
                dueStatsSinceMs.store(readCoarseMs(), std::memory_order_relaxed);
            dueStats.push_back(std::move(e.batch));
            dueStatsWaiting.store(true, std::memory_order_seq_cst);
        }
        notifyWorkers(); // a sleeping worker has nothing else to do
        return;
    }
    if (e.kind == TimerEntry::Kind::ReceiveTimeout) {
        Signal* s = new Signal;
        s->kind = Signal::Kind::Timeout;
        s->ref = Term::integer(int64_t(e.generation));
        deliver(e.process, s, true); // what the process does next follows its own events only
        e.process->releaseRef();
        e.process = nullptr;
    } else {
        Process* to = nullptr;
        Term keep;
        if (e.dest.isPid()) {
            to = asProcess(e.dest);
        } else if (e.dest.isAtom()) {
            std::shared_lock g(registryMutex);
            auto it = registry.find(e.dest.asAtom().index());
            if (it != registry.end()) {
                keep = it->second->pidTerm();
                to = it->second;
            }
        }
        if (to)
            sendMessage(nullptr, to, std::move(e.message));
    }
}

void Runtime::Impl::timerLoop()
{
    std::unique_lock g(timerMutex);
    while (!timerStop) {
        timerWakeAt.store(INT64_MAX, std::memory_order_seq_cst); // from here on, whoever adds a timer says so
        int64_t deadline = 0;
        TimerSet* set = earliestTimerSet(deadline);
        if (!set) {
            timerCv.wait(g);
            continue;
        }
        const int64_t now = nowNs();
        if (deadline > now) {
            timerWakeAt.store(deadline, std::memory_order_seq_cst);
            timerCv.wait_for(g, std::chrono::nanoseconds(deadline - now));
            continue;
        }
        timerWakeAt.store(now, std::memory_order_seq_cst); // awake: it looks again after firing
        std::optional<decltype(set->timers)::node_type> node;
        {
            std::lock_guard l(set->lock);
            if (!set->timers.empty() && set->timers.begin()->first.first <= now) {
                node = set->timers.extract(set->timers.begin());
                set->deadlines.erase(node->key().second);
            }
        }
        if (!node)
            continue; // cancelled meanwhile
        g.unlock();
        fireTimer(node->mapped());
        g.lock();
    }
}

size_t Runtime::Impl::fireDueTimers()
{
    size_t fired = 0;
    for (;;) {
        int64_t deadline = 0;
        TimerSet* set = earliestTimerSet(deadline);
        if (!set || deadline > nowNs())
            return fired;
        std::optional<decltype(set->timers)::node_type> node;
        {
            std::lock_guard l(set->lock);
            if (!set->timers.empty() && set->timers.begin()->first.first == deadline) {
                node = set->timers.extract(set->timers.begin());
                set->deadlines.erase(node->key().second);
            }
        }
        if (node) {
            fireTimer(node->mapped());
            ++fired;
        }
    }
}

std::optional<int64_t> Runtime::Impl::nextTimerDeadline()
{
    int64_t deadline = 0;
    if (!earliestTimerSet(deadline))
        return std::nullopt;
    return deadline;
}

} // namespace vigil

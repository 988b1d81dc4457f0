#pragma once

// Runtime internals shared by the runtime's translation units.

#include "runtime/process.h"
#include "runtime/tracehub.h"

#include <array>
#include <deque>
#include <map>
#include <shared_mutex>
#include <unordered_map>

namespace vigil {

extern constinit thread_local uint64_t t_sliceCount; // slices this thread began (see runSlice)
// The worker's cached coarse clock (see coarseMs in scheduler.cpp): its value in ms, and t_sliceCount when it was
// read (UINT64_MAX: it must be read afresh). It is current for kCoarseSlices slices.
extern constinit thread_local uint32_t t_coarseMs;
extern constinit thread_local uint64_t t_coarseSlice;
extern constinit thread_local uint32_t t_coarseUses; // uses of it since (every 16th reads it again)
constexpr uint64_t kCoarseSlices = 16;
// Whether the cached coarse clock is still current by the slices begun since it was read.
inline bool coarseClockCurrent() { return t_coarseSlice != UINT64_MAX && t_sliceCount - t_coarseSlice < kCoarseSlices; }
// Counts a use of the current cached clock; false for every 16th, which reads it again instead.
inline bool takeCachedCoarseUse()
{
    if ((t_coarseUses & 15) == 15)
        return false;
    ++t_coarseUses;
    return true;
}

// Erases a worker has not yet uncounted from a process table segment (see ProcessTable::erase).
struct TableUncount {
    uint64_t seg = ~uint64_t(0);
    int64_t pending = 0;
};

// Messages the running process sent to one receiver and this worker has not yet put into the receiver's inbox, newest
// first (see Runtime::Impl::sendFromProcess).
struct Outbox {
    static constexpr uint32_t kMax = 64;
    Process* to = nullptr; // retained while messages wait here
    Signal* newest = nullptr;
    Signal* oldest = nullptr;
    uint32_t count = 0;
    const Process* lastDirect = nullptr; // the receiver of the last message sent straight; only compared, never used
};

struct Worker {
    static constexpr unsigned kMax = 4096; // so that a worker's tag fits a process's and a signal's 16 bits
    unsigned id = 0;
    uint16_t tag = 0; // id + 1: names this worker in Signal::origin and Process::lastWorker (0: no worker)
    std::thread thread;
    TinySpinLock mutex; // held for a few instructions at a time
    std::deque<Process*> queue; // FIFO; thieves take from the front too
    // Processes spawned on this worker that have not run yet, newest last. The worker runs the newest first (a
    // fork-join tree is then walked depth first and only a path of it is alive at a time, instead of every node);
    // thieves take the oldest (the biggest subtrees). The front of `queue` is run after at most queueDue picks
    // from here: 32, or as many as were waiting here when it was queued, so processes that keep spawning cannot
    // starve the others, and a spawner that yields continues after the children it started (as it would in
    // first-in-first-out order) instead of piling up new ones faster than they run.
    std::deque<Process*> fresh;
    size_t freshStreak = 0; // picks from `fresh` since the front of `queue` began to wait
    size_t queueDue = 32;
    uint32_t picks = 0; // processes this worker has taken to run (see findWork)
    uint32_t overdueCheck = 0; // slices since it last looked whether due stats reminders waited too long (see dueStats)
    uint64_t serialNext = 0; // this worker's block of pid serials: [serialNext, serialEnd)
    uint64_t serialEnd = 0;
    static constexpr size_t kFreshStreak = 32;
    Process* next = nullptr; // the process this worker just woke; only the owner touches it
    uint32_t messageWindowMs = 0; // message-event budget of this worker (see TraceOptions)
    uint32_t messageTokens = 0;
    uint32_t samplingSkip = 0; // messages before a spent budget's window is looked at again (see messageDetail)
    uint64_t samplingSkipSlice = 0; // t_sliceCount when that skipping began: it lasts at most 64 slices
    // Processes that went idle with unreported counters; one timer reminds them all (see afterSlice).
    std::vector<uint64_t> statsBatch; // their serials
    uint32_t statsBatchStartMs = 0;
    Outbox outbox; // only the owner touches it
    std::vector<Process*> stolen, stolenFresh; // steal()'s buffers; only the owner touches them
    alignas(64) std::atomic<bool> inSlice { false };
    TableUncount tableUncount; // its erases not yet uncounted from the process table (handed over as it stops)
    // While tracing: a time at or after every event time this worker has stamped (its precise reads, and times it
    // took over from other workers), stored before it stamps with it. A worker that takes in this one's work reads
    // it instead of the clock (see tookForeignWork). On a line of its own, written only when it changes.
    alignas(64) std::atomic<int64_t> stampNs { -1 };
};

// Live processes by serial number. Serials are never reused, so a flat, segmented array indexed by serial needs no
// hashing. Inserts need no lock (a slot is written once); erasing takes one of a few striped locks, which keep a
// reader's reference valid while it takes one. A segment whose serials have all been handed out and whose processes
// have all gone is given back to the system (its pages, not its addresses: readers may still look at it and see
// empty slots) and skipped by every later walk, so memory and walks follow the live processes, not every pid ever
// issued.
class ProcessTable {
public:
    // A segment is 2 MiB of slots, mapped as one transparent huge page where the system allows: a storm of
    // short-lived processes then costs a page fault per 262,144 spawns, and giving a segment back drops one page.
    static constexpr uint64_t kSegmentBits = 18;
    static constexpr uint64_t kSegmentSize = uint64_t(1) << kSegmentBits;
    static constexpr uint64_t kSegments = uint64_t(1) << 18; // 2^36 pids
    static constexpr size_t kLocks = 64;
    ProcessTable();
    ~ProcessTable();
    ProcessTable(const ProcessTable&) = delete;
    ProcessTable& operator=(const ProcessTable&) = delete;
    void insert(Process* p); // throws std::length_error once every pid has been issued
    // batch: a worker's erases, uncounted from their segment's count (see countIssued) in batches, so that a storm
    // of exits on two workers does not fight over the count's cache line; flush() hands a batch over.
    void erase(uint64_t serial, TableUncount* batch = nullptr);
    void flush(TableUncount& batch)
    {
        if (batch.pending != 0)
            m_live[batch.seg].fetch_sub(batch.pending, std::memory_order_release);
        batch.pending = 0;
    }
    // Each segment counts the pids of it that may still be in use: counted as they are issued, before they are
    // inserted, and uncounted as their processes are erased (or when one is dropped without being inserted). So the
    // count is never below the truth, and a segment whose count is 0 and whose pids will not be inserted any more
    // holds no process: a snapshot gives it back without reading its slots.
    void countIssued(uint64_t first, uint64_t n);
    void uncountUninserted(uint64_t serial) { m_live[serial >> kSegmentBits].fetch_sub(1, std::memory_order_release); }
    Process* find(uint64_t serial) const; // not retained
    Term pidFor(uint64_t serial) const; // retained pid, or a non-pid term if unknown
    template <typename F>
    void forEach(F&& f) const
    {
        forEach(std::forward<F>(f), 0, nullptr);
    }
    // The same, noting in `empty` every segment lying wholly below `sealedBelow` (no pid under it will be inserted
    // any more: the caller makes sure no thread is about to) in which it found no process. release() gives those
    // back; it need not run while the walk's conditions hold, since nothing writes to such a segment again.
    template <typename F>
    void forEach(F&& f, uint64_t sealedBelow, std::vector<uint64_t>* empty) const
    {
        const uint64_t high = m_high.load(std::memory_order_acquire);
        for (uint64_t seg = m_low.load(std::memory_order_acquire); seg < high; ++seg) {
            if (m_released[seg].load(std::memory_order_acquire))
                continue;
            const bool sealed = empty && ((seg + 1) << kSegmentBits) <= sealedBelow;
            if (sealed && m_live[seg].load(std::memory_order_acquire) == 0) {
                empty->push_back(seg); // every pid of it issued and every process gone: nothing to read
                continue;
            }
            std::atomic<Process*>* s = m_segments[seg].load(std::memory_order_acquire);
            bool found = false;
            for (uint64_t i = 0; s && i < kSegmentSize; i += 8) {
                // Eight slots (one cache line) at a time: in a segment of short-lived processes most lines are empty.
                uintptr_t any = 0;
                for (uint64_t j = 0; j < 8; ++j)
                    any |= reinterpret_cast<uintptr_t>(s[i + j].load(std::memory_order_relaxed));
                if (!any)
                    continue;
                found = true;
                for (uint64_t j = i; j < i + 8; ++j) {
                    if (!s[j].load(std::memory_order_relaxed))
                        continue;
                    const uint64_t serial = (seg << kSegmentBits) | j;
                    std::lock_guard g(stripe(serial));
                    if (Process* p = s[j].load(std::memory_order_acquire))
                        f(p);
                }
            }
            if (sealed && !found)
                empty->push_back(seg);
        }
    }
    // Gives back segments a walk found empty and sealed (see above).
    void release(const std::vector<uint64_t>& segments);
    size_t size() const
    {
        int64_t n = 0;
        for (const Stripe& s : m_locks)
            n += s.count.load(std::memory_order_relaxed);
        return n > 0 ? size_t(n) : 0;
    }

    // Workers take serials in blocks of this many (see Runtime::Impl::newProcess).
    static constexpr uint64_t kSerialBlock = 64;

private:
    std::atomic<Process*>& slot(uint64_t serial);
    std::atomic<Process*>* slotIfAny(uint64_t serial) const;
    // One cache line per stripe: its lock and its share of the process count, so workers spawning and exiting
    // at once do not fight over one counter.
    struct alignas(64) Stripe {
        TinySpinLock l;
        std::atomic<int64_t> count { 0 };
        void lock() { l.lock(); }
        void unlock() { l.unlock(); }
    };
    mutable std::array<Stripe, kLocks> m_locks;
    // A block of serials shares one stripe: a worker spawning and reaping its own processes then works on its own
    // stripe's line, as it writes its own lines of the slot array.
    Stripe& stripe(uint64_t serial) const { return m_locks[(serial / kSerialBlock) % kLocks]; }
    // Both arrays are mapped, not allocated: their pages cost memory only once touched.
    std::atomic<std::atomic<Process*>*>* m_segments = nullptr;
    std::atomic<uint8_t>* m_released = nullptr; // given back (1); read by walks on any thread
    std::atomic<int64_t>* m_live = nullptr; // per segment: pids that may still be in use (see countIssued)
    std::atomic<uint64_t> m_low { 0 }; // every segment below this one is given back
    std::atomic<uint64_t> m_high { 0 }; // no segment from this one on has been mapped
};

struct TimerEntry {
    enum class Kind : uint8_t { ReceiveTimeout, SendAfter, Stats };
    Kind kind = Kind::SendAfter;
    Process* process = nullptr; // retained, for ReceiveTimeout
    // For Stats: the serials of the processes to remind. Not references: a process that dies meanwhile is simply not
    // found, and its memory is not kept from reuse until the timer fires.
    std::vector<uint64_t> batch;
    uint64_t generation = 0;
    Term dest;
    Term message;
};

// Pending timers of one worker (a receive timeout is usually added and cancelled by the worker running the process,
// so workers do not contend), or of every other thread. A timer id carries its set's index in the low 16 bits.
struct alignas(64) TimerSet {
    uint32_t index = 0;
    TinySpinLock lock;
    uint64_t nextId = 1;
    std::map<std::pair<int64_t, uint64_t>, TimerEntry> timers;
    std::unordered_map<uint64_t, int64_t> deadlines;
};

struct Runtime::Impl {
    explicit Impl(Runtime* owner, RuntimeConfig cfg);
    ~Impl();

    Runtime* owner;
    RuntimeConfig config;
    bool deterministic;
    std::chrono::steady_clock::time_point start;
    int64_t startEpochNs; // start, in nanoseconds of the steady clock (CLOCK_MONOTONIC)
    std::atomic<int64_t> virtualNs { 0 };

    std::atomic<uint64_t> nextSerial;
    std::atomic<int> hostSerials { 0 }; // serials taken by threads without a block of their own, not yet inserted
    void insertProcess(Process* p); // into the table, by the thread that took its serial (newProcess)
    // Below which pids will not be inserted any more, as far as the world stopped can tell (0 when a thread that is
    // not a worker is between taking a pid and inserting it).
    uint64_t tableSealedBelow() const;
    ProcessTable table;
    Process* system = nullptr; // the host's pseudo-process: sender of host exits and messages

    // Registry
    mutable std::shared_mutex registryMutex;
    std::unordered_map<uint32_t, Process*> registry;

    // Scheduler
    std::vector<std::unique_ptr<Worker>> workers;
    std::mutex injectMutex;
    std::deque<Process*> inject;
    std::mutex parkMutex;
    std::condition_variable parkCv;
    std::atomic<int> sleepers { 0 };
    std::atomic<int> spinning { 0 }; // workers looking for work before they park
    std::atomic<bool> stopping { false };
    std::atomic<bool> worldStopped { false };
    std::atomic<bool> pausedFlag { false };
    std::atomic<int> stepPermits { 0 };
    // Threads between stopWorld() and resumeWorld() (snapshots may be taken by two threads at once): the world runs
    // again only when the last of them resumes it. Both under stopMutex.
    std::mutex stopMutex;
    int stopCount = 0;
    std::condition_variable stepDoneCv;
    std::condition_variable idleCv; // signalled when a worker parks
    std::atomic<uint64_t> stepsDone { 0 };
    std::deque<Process*> detQueue; // deterministic mode run queue

    // Timers
    std::mutex timerMutex; // the timer thread's, held except while it waits or fires
    std::condition_variable timerCv;
    std::thread timerThread;
    std::vector<std::unique_ptr<TimerSet>> timerSets; // one per worker, then one for every other thread
    bool timerStop = false;
    // When the timer thread wakes up by itself next (INT64_MAX: whenever a timer is added). A timer that falls due
    // later needs no notification, so the usual receive timeout (added, then cancelled by the reply) costs none.
    std::atomic<int64_t> timerWakeAt { INT64_MAX };
    TimerSet& currentTimerSet();
    TimerSet* earliestTimerSet(int64_t& deadline); // null if no timer is pending

    TraceHub trace;

    // Time
    int64_t nowNs() const;

    // Processes
    Process* newProcess(uint64_t parent);
    SpawnResult spawn(Process* spawner, NativeBody body, std::unique_ptr<ProcessBody> pbody, SpawnOptions& options);
    void wake(Process* p); // after a successful push
    // push + wake; false (and s deleted) if target is dead. neutral: see Signal::kNeutralOrigin.
    bool deliver(Process* target, Signal* s, bool neutral = false);
    void sendMessage(Process* from, Process* to, Term msg);
    // A send by the process running on this thread: a run of messages to one receiver within a slice goes into its
    // inbox in one step (see Outbox).
    void sendFromProcess(Process* from, Process* to, Term msg);
    void flushOutbox(Worker* w);
    // A message's sent event, if it is one observers see (decided by messageDetail for a process's message).
    void traceSend(Process* from, Process* to, Signal* s)
    {
        s->detailed = !from || from == system || messageDetail(from);
        if (s->detailed)
            traceSent(from, to, s);
    }
    void traceSent(Process* from, Process* to, Signal* s);
    void endOfBodyRun();
    // Before anything that lets the sender's messages be overtaken or looked for (a signal, a spawn, a look at
    // another process): what the running process has sent goes into the inboxes now.
    void flushOutbox()
    {
        if (Worker* w = currentWorker(); w && w->outbox.count)
            flushOutbox(w);
    }
    void sendSignal(Process* from, Process* to, Signal::Kind kind, Term payload, Term ref = Term(), bool viaLink = false);

    // Signal processing in the process's own context; returns true when the process must die.
    // Handles the signals that arrived. Returns true if the process must die. With `held`, a lock taken for the
    // work stays held on return (and *held says so), so that a following tryMatch needs no second acquisition.
    bool processSignals(Process* p, bool* held = nullptr);
    void handleExitSignal(Process* p, Signal* s);
    void enqueueMessage(Process* p, Signal* s);
    // Scans the mailbox from the last position for a message the current receive accepts. The owner reads its
    // own mailbox without the lock (only the owner writes it); the lock is taken to unlink the match. `held`: the
    // caller holds the lock; it is released on return either way.
    bool tryMatch(Process* p, bool held = false);
    void die(Process* p);
    void finishBody(Process* p); // the body returned or threw: set exit reason
    void resumeBody(Process* p);
    void destroyBody(Process* p);

    // Scheduling
    void enqueue(Process* p, bool wokenBySender, bool spawned = false);
    Process* takeInjected();
    void notifyWorkers();
    void runSlice(Process* p);
    void workerLoop(Worker* w);
    Process* findWork(Worker* w);
    Process* steal(Worker* self);
    bool hasAnyWork();
    void stopWorld();
    void resumeWorld();

    // Timers
    uint64_t addTimer(int64_t delayMs, TimerEntry entry);
    int64_t cancelTimer(uint64_t id); // remaining ms or -1
    void timerLoop();
    void fireTimer(TimerEntry& e);
    size_t fireDueTimers(); // deterministic: fire those due at the current virtual time
    std::optional<int64_t> nextTimerDeadline();

    // Tracing helpers
    bool tracing() const { return trace.enabled(); }
    void emitFull(TraceEvent e);
    // The current slice's event time (read on first use), or now outside slices. Inline once the slice has its time,
    // which is the usual case: a spawn-heavy workload asks for it with every event.
    int64_t sliceTimeNs();
    int64_t sliceTimeNsSlow();
    // Whether a message event for p should be emitted now; otherwise marks p's counters for a MailboxStats event.
    // Inline, the usual answer under heavy traffic: this worker's budget for the window is spent and the clock is
    // not due to be looked at.
    // (The worker's skipping also ends after 64 slices, so that light traffic after a burst is not left unsampled
    // for long.) The same holds for a process that has used its own events for the window (a steady sender while the worker's
    // budget lasts): it looks at the window every 64th message of a slice (and at the first of each slice, so that
    // a slow sender does not skip whole windows).
    bool messageDetail(Process* p)
    {
        if (Worker* w = currentWorker(); w && !deterministic && !allMessages.load(std::memory_order_relaxed)) {
            if (w->messageTokens == 0 && w->samplingSkip > 0 && t_sliceCount - w->samplingSkipSlice < 64) {
                --w->samplingSkip;
                p->markStatsDirty();
                return false;
            }
            if (p->traceTokens == 0) {
                if (p->traceSkip > 0) {
                    --p->traceSkip;
                    p->markStatsDirty();
                    return false;
                }
                // Its events for the window are spent and the worker's clock, where coarseMs would use it without
                // reading it again (a use counts; the 16th goes the long way, which reads it), says the window has
                // not turned: what messageDetailAtWindow would find, without the call. (A process sending one
                // message per slice, request/reply traffic, comes here for every message: its skipping lasts a
                // slice.)
                const uint32_t since = p->traceWindowMs;
                if (since != 0 && coarseClockCurrent() && t_coarseMs - since < 100 && takeCachedCoarseUse()) {
                    p->traceSkip = 63; // as messageDetailAtWindow would
                    p->markStatsDirty();
                    return false;
                }
            }
        }
        return messageDetailAtWindow(p);
    }
    bool messageDetailAtWindow(Process* p); // the rest of messageDetail
    // Whether a message's queued / received events go out; a change observers do not see marks the stats dirty.
    bool queuedDetail(Process* p, const Signal* s) { return tracing() && markUnseen(p, s->detailed); }
    bool receivedDetail(Process* p, const Signal* s) { return tracing() && markUnseen(p, s->detailed); }
    // Once a process has reported MailboxStats, observers take its counters from those alone (see messageDetail).
    static bool markUnseen(Process* p, bool detailed)
    {
        if (!detailed || p->lastStatsMs.load(std::memory_order_relaxed) != 0)
            p->markStatsDirty();
        return detailed;
    }
    void emitStats(Process* p);
    void afterSlice(Process* p, bool idle); // MailboxStats bookkeeping when a slice ends
    // One that has never reported and goes idle with nothing in its mailbox leaves its first report to the idle
    // reminder: observers' view of its mailbox is right already (each message they know of came with its queued and
    // its received event), unless a snapshot counted messages in it. Most such processes exit before the reminder,
    // their Exited event carrying the counters (a tree of short-lived processes sends each parent to sleep between
    // its children's answers).
    static bool firstReportWaits(const Process* p, bool idle)
    {
        return idle && p->lastStatsMs.load(std::memory_order_relaxed) == 0 && p->mailLen == 0 && !p->mailSeenBySnapshot;
    }
    // At a slice end with unreported counters. A process that goes idle after every message ends millions of
    // slices a second: only every 16th looks at the clock (to report if the interval is over); arming the idle
    // reminder needs no clock and is never skipped.
    void statsAtSliceEnd(Process* p, bool idle)
    {
        if (p->statsCheckIn > 0 && (!idle || p->statsTimerArmed)) {
            --p->statsCheckIn;
            return;
        }
        p->statsCheckIn = 15;
        // The usual case in a tree of short-lived processes, inline: its first report waits for the reminder, so it
        // only joins the worker's open batch of reminders (afterSlice would do just that, and look at the clock
        // first; the worker loop hands the batch over once it is a few milliseconds old).
        if (!p->statsTimerArmed && firstReportWaits(p, idle)) {
            if (Worker* w = currentWorker(); w && !w->statsBatch.empty()) {
                p->statsTimerArmed = true;
                w->statsBatch.push_back(p->serial);
                return;
            }
        }
        afterSlice(p, idle);
    }
    void flushStatsBatch(Worker* w); // hands the worker's batch of idle-stats reminders to one timer
    // The reminders of a batch whose interval is over. A process that is still idle is not woken for them: the worker
    // holding `w` takes it over as a waker would (Waiting to Runnable), reports its counters itself and puts it back.
    // Only one that is running or about to run gets a Stats signal, and one that reported meanwhile is put on the
    // next batch. w null: every one gets the signal (the deterministic scheduler, or no worker to do it).
    void remindStats(std::vector<uint64_t>& batch, Worker* w);
    // Batches the timer found due, for the workers (see remindStats). A worker takes them when it has nothing else to
    // run, or between two slices once they have waited kStatsOverdueMs: while every worker is busy, reports of idle
    // processes wait for a quiet moment (most of a storm's short-lived processes are gone by then) but not for long.
    std::mutex dueStatsMutex;
    std::vector<std::vector<uint64_t>> dueStats;
    std::atomic<bool> dueStatsWaiting { false };
    std::atomic<uint32_t> dueStatsSinceMs { 0 }; // coarse clock when the oldest waiting batch fell due
    static constexpr uint32_t kStatsOverdueMs = 250;
    void remindDueStats(Worker* w);
    bool dueStatsOverdue() const;
    // The worker is about to run slices (or reminders): false, having left again, when the world is stopped or paused.
    bool enterSlices(Worker* w);
    std::atomic<bool> allMessages { false };
    std::atomic<uint32_t> messageEventsPerWindow { 20 };
    std::atomic<uint32_t> workerMessageEventsPerWindow { 500 };
    std::atomic<uint32_t> statsIntervalMs { 50 };

    // The calling worker took in work another thread handed over (see TraceHub): its next event is numbered after
    // everything numbered before the hand-over, that is from `numberFrom` on where that is known (see
    // TraceHub::numberFrom; ~0: from past every number handed out so far).
    // fromTag: the tag of the worker whose work it is, when that is one worker (0: another thread, or not known).
    void tookForeignWork(uint64_t numberFrom = ~uint64_t(0), uint16_t fromTag = 0);
    // The calling worker's numbering position while tracing (see TraceHub::position; 0 for other threads).
    uint64_t tracePosition() const;
    // Records it in p (see Process::tracePosition) once p's events of this slice are numbered, while tracing.
    void recordTracePosition(Process* p)
    {
        if (tracing())
            p->tracePosition = uint32_t(tracePosition());
    }
    void leaveSlices(Worker* w); // the worker stops running slices (to sleep, or for a stopped world)
    Worker* currentWorker() const; // the calling thread's worker of this runtime, or null
    int traceWorker() const; // its index for the trace hub, -1 for any other thread
    uint16_t workerTag() const; // its tag, 0 for any other thread

    void emit(TraceKind kind, uint64_t pid, uint64_t other = 0, Term data = Term(), Term extra = Term(),
        SignalOutcome outcome = SignalOutcome::None, uint32_t count = 0);
    // emit's body, inline where every process passes (its spawn and its exit): data and extra are taken over.
    void emitInline(TraceKind kind, uint64_t pid, uint64_t other, Term& data, Term& extra, SignalOutcome outcome,
        uint32_t count, uint64_t old = 0);
    [[gnu::noinline]] void emitLongWay(int worker, TraceKind kind, uint64_t pid, uint64_t other, Term& data, Term& extra,
        SignalOutcome outcome, uint32_t count, uint64_t old);

    Snapshot snapshot();
    ProcessSnapshot describe(Process* p, bool self);
    Term infoItem(Process* p, Atom key, bool self, bool& ok);
};

// constinit: none of these has a dynamic initializer, so their uses need no check for one.
extern constinit thread_local Worker* tlsWorker;
// Set when this thread has pushed a signal since the running process's state was last stored: the push was a locked
// instruction, which on x86 orders that store before every later load (see runSlice).
extern constinit thread_local bool tlsOrdered;
extern constinit thread_local Runtime::Impl* tlsRuntime;
// The running slice's event time: -1 outside a traced slice, kSliceTimeUnread while not read yet (see sliceTimeNs).
extern constinit thread_local int64_t t_sliceNs;
constexpr int64_t kSliceTimeUnread = -2;

inline int64_t Runtime::Impl::sliceTimeNs()
{
    if (const int64_t t = t_sliceNs; t >= 0 && tlsRuntime == this)
        return t;
    return sliceTimeNsSlow();
}

[[gnu::always_inline]] inline void Runtime::Impl::emitInline(TraceKind kind, uint64_t pid, uint64_t other, Term& data,
    Term& extra, SignalOutcome outcome, uint32_t count, uint64_t old)
{
    // Taken as plain values first: a term whose address reached the long way's call would live in memory on the
    // common way too (the usual spawn's two empty terms then fold into constants).
    const Term::Taken d = data.take();
    const Term::Taken x = extra.take();
    const int worker = traceWorker();
    TraceHub::DirectClaim c;
    if (TraceSlot* s = trace.claimDirect(worker, c)) [[likely]] {
        // A slot is only claimed on one of this runtime's workers, so sliceTimeNs's test of the thread is passed.
        const int64_t t = t_sliceNs;
        s->setTaken(t >= 0 ? t : sliceTimeNsSlow(), kind, outcome, count, pid, other, old, d, x);
        trace.commitDirect(s, c);
        return;
    }
    Term longData = Term::adopt(d.type, d.bits);
    Term longExtra = Term::adopt(x.type, x.bits);
    emitLongWay(worker, kind, pid, other, longData, longExtra, outcome, count, old);
}

void forgetPreciseTime(); // the worker's next traced slice reads the precise clock (see sliceTimeNs)
void adoptStampNs(Worker* w, int64_t ns); // the worker stamps on from at least ns (see tookForeignWork)

inline Worker* Runtime::Impl::currentWorker() const { return tlsRuntime == this ? tlsWorker : nullptr; }
inline int Runtime::Impl::traceWorker() const
{
    const Worker* w = currentWorker();
    return w ? int(w->id) : -1;
}
inline uint16_t Runtime::Impl::workerTag() const
{
    const Worker* w = currentWorker();
    return w ? w->tag : 0;
}

inline uint64_t Runtime::Impl::tracePosition() const
{
    const Worker* w = currentWorker();
    return w ? trace.position(int(w->id)) : 0;
}

inline void Runtime::Impl::tookForeignWork(uint64_t numberFrom, uint16_t fromTag)
{
    if (Worker* w = currentWorker()) {
        trace.numberFrom(int(w->id), numberFrom);
        if (fromTag == 0 || fromTag > workers.size()) {
            forgetPreciseTime();
            // The rest of a slice that already has its time is stamped afresh too: its next events may be caused by
            // what the other thread did after that time.
            if (t_sliceNs >= 0)
                t_sliceNs = kSliceTimeUnread;
            return;
        }
        // Another worker's work: every time it stamped is at or before its stampNs, which it stored before the
        // hand-over this thread has just taken in. Stamping on from the later of the two times keeps this worker's
        // next events after their causes, without a clock read.
        adoptStampNs(w, workers[fromTag - 1]->stampNs.load(std::memory_order_relaxed));
    }
}

inline Process* asProcess(const Term& pid) { return static_cast<Process*>(pid.asPidObject()); }

} // namespace vigil

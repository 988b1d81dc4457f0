#pragma once

// Internal process representation. Not part of the public API.

#include "runtime/pool.h"
#include "runtime/runtime.h"

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <mutex>
#include <thread>

// ThreadSanitizer cannot see the ordering membarrier(2) gives, so sanitized builds use read-modify-writes on both
// sides of a process gate.
#if defined(__SANITIZE_THREAD__)
#define VIGIL_GATE_SYMMETRIC 1
#else
#define VIGIL_GATE_SYMMETRIC 0
#endif

namespace vigil {

// One entry of a process inbox: a message or a signal. Signals from one sender to one receiver keep their order
// because they travel through the same FIFO.
struct Signal : pool::Pooled {
    enum class Kind : uint8_t {
        Message,
        Exit, // payload = reason, viaLink says whether it comes from a link
        Link,
        Unlink,
        Monitor, // ref = monitor reference, payload = name monitored by (or nil)
        Demonitor, // ref
        Down, // ref, payload = reason
        Timeout, // generation in ref (integer)
        Control, // a host request executed in the process's context
        Stats, // report MailboxStats now if the counters changed (the idle-stats timer fired)
    };
    using Control = std::function<void(Process&)>;
    Signal* next = nullptr;
    Kind kind = Kind::Message;
    bool viaLink = false;
    bool detailed = false; // Message: observers see its queued and received events (decided once, when it is sent)
    // While tracing: the low 24 bits of the pushing worker's numbering position (TraceHub::position; 0: not known),
    // so that the receiver's worker numbers what the signal causes after it without always taking a new block.
    uint8_t position[3] = {};
    // The tag of the worker thread that pushed it; 0 for any other thread, kNeutralOrigin for a neutral signal (set
    // by push).
    uint16_t origin = 0;
    // The origin of a signal that hands nothing over: its pusher numbered no event for it and its receiver's events
    // need not follow any of the pusher's (the timer's stats reminders and receive timeouts). Taking one in is not
    // taking in another thread's work (see Runtime::Impl::tookForeignWork).
    static constexpr uint16_t kNeutralOrigin = 0xFFFF;
    Term from; // sender pid (nil atom for the host)
    Term payload; // Monitor: the registered name monitored by, or nil
    Term ref; // Control: the request, owned (see setControl); 64 bytes in all, one pool granule class
    ~Signal() { delete takeControl(); }

    static constexpr unsigned kPositionBits = 24;
    void setPosition(uint64_t p)
    {
        position[0] = uint8_t(p);
        position[1] = uint8_t(p >> 8);
        position[2] = uint8_t(p >> 16);
    }
    uint64_t positionBits() const { return position[0] | uint64_t(position[1]) << 8 | uint64_t(position[2]) << 16; }

    void setControl(Control* fn)
    {
        kind = Kind::Control;
        ref = Term::integer(int64_t(reinterpret_cast<intptr_t>(fn)));
    }
    Control* takeControl()
    {
        if (kind != Kind::Control || !ref.isInteger())
            return nullptr;
        auto* fn = reinterpret_cast<Control*>(intptr_t(ref.asInteger()));
        ref = Term();
        return fn;
    }
};

class TinySpinLock {
public:
    void lock() noexcept
    {
        for (int spins = 0; m_flag.exchange(true, std::memory_order_acquire); ++spins) {
            while (m_flag.load(std::memory_order_relaxed)) {
                if (++spins > 64)
                    std::this_thread::yield();
            }
        }
    }
    void unlock() noexcept { m_flag.store(false, std::memory_order_release); }

private:
    std::atomic<bool> m_flag { false };
};

// Guards a process's mailbox and tables against readers on other threads (the inspector, Process.info of another
// process). The thread running the process enters on every receive, so its side is two plain stores: readers are
// rare, name the gate they read in one shared word and pay for a process-wide memory barrier (membarrier(2)) that
// orders them against every owner's store-then-load. Without membarrier both sides use read-modify-writes.
class OwnerGate;
namespace gate {
extern std::atomic<const OwnerGate*> readTarget; // the gate being read, allGates(), or null
extern bool asymmetric;
inline const OwnerGate* allGates() { return reinterpret_cast<const OwnerGate*>(uintptr_t(1)); }
void waitForReader(const OwnerGate* g) noexcept;
} // namespace gate

class OwnerGate {
public:
    // The owner's side (the thread running the process, or the host thread of a host process).
    void lock() noexcept
    {
        for (;;) {
#if VIGIL_GATE_SYMMETRIC
            m_busy.exchange(true, std::memory_order_seq_cst);
            const OwnerGate* t = gate::readTarget.load(std::memory_order_seq_cst);
#else
            if (gate::asymmetric) {
                m_busy.store(true, std::memory_order_relaxed);
                std::atomic_signal_fence(std::memory_order_seq_cst);
            } else {
                m_busy.exchange(true, std::memory_order_seq_cst);
            }
            const OwnerGate* t = gate::readTarget.load(std::memory_order_acquire);
#endif
            if (t != this && t != gate::allGates())
                return;
            m_busy.store(false, std::memory_order_release);
            gate::waitForReader(this);
        }
    }
    void unlock() noexcept { m_busy.store(false, std::memory_order_release); }
    bool busy() const noexcept { return m_busy.load(std::memory_order_acquire); }

private:
    std::atomic<bool> m_busy { false };
};

// A reader's hold on one process's gate (waits until its owner has left it), or on every gate at once (then
// waitFor(g) before reading behind g). One reader at a time; owners of other gates are not held up.
class GateReader {
public:
    GateReader(); // every gate
    explicit GateReader(const OwnerGate& g);
    ~GateReader();
    GateReader(const GateReader&) = delete;
    GateReader& operator=(const GateReader&) = delete;
    void waitFor(const OwnerGate& g) const noexcept;

private:
    void enter(const OwnerGate* target);
};

// A statistic only its process writes (so an increment needs no read-modify-write) that readers on other threads
// may read at any time.
class OwnedCounter {
public:
    void add(uint64_t n) noexcept { m_v.store(m_v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    OwnedCounter& operator++() noexcept
    {
        add(1);
        return *this;
    }
    operator uint64_t() const noexcept { return m_v.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> m_v { 0 };
};

struct MonitorEntry {
    Term ref;
    Term pid; // target (in monitors) or watcher (in monitoredBy)
    Term name; // the registered name it was monitored by, or nil
};

struct HostWait {
    std::mutex mutex;
    std::condition_variable cv;
    uint64_t signals = 0; // bumped on each arrival
};

// Rarely used per-process data, allocated on first use to keep idle processes small.
struct ProcessExtras {
    Term label;
    Atom behaviour = atoms::nil;
    Term initialCall;
    std::function<Term()> stateReader;
    std::unique_ptr<ProcessBody> body; // for non-coroutine bodies
    std::unique_ptr<HostWait> hostWait; // host pseudo-processes: how their thread waits for arrivals
};

// Links and monitors, allocated when a process first has any.
struct Relations {
    std::vector<Term> links;
    std::vector<MonitorEntry> monitors;
    std::vector<MonitorEntry> monitoredBy;
};

// A process is its own context (ProcessContext is a data-free base), which keeps idle processes small.
class Process final : public PidObject, public ProcessContext {
public:
    enum State : uint32_t { Waiting = 0, Runnable = 1, Running = 2, RunningNotified = 3, Dead = 4 };

    Process(Runtime::Impl* rt, uint64_t serial)
        : PidObject(serial)
        , rt(rt)
    {
    }
    ~Process() override;

    Term pidTerm() { return Term::pid(this); }
    void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
    void releaseRef()
    {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
            delete this;
    }

    // Inbox (multi-producer, lock-free). Returns false if the process is dead (inbox closed). neutral: the signal
    // hands nothing over (see Signal::kNeutralOrigin).
    bool push(Signal* s, bool neutral = false);
    // The same for a chain of signals linked newest first (newest->next ... oldest), each already carrying its origin.
    bool pushChain(Signal* newest, Signal* oldest);
    // Moves the inbox into the pending list, oldest first. Caller holds lock.
    // Moves the inbox to the pending list; true if a signal in it was pushed by another thread than the caller's. Then
    // numberFrom is raised to the number the caller's events must be numbered from (see Signal::position), and
    // fromTag names the worker that pushed them when that is one worker (0: another thread, or several).
    bool takeInbox(uint64_t& numberFrom, uint16_t& fromTag);
    bool inboxClosed() const;
    void markStatsDirty()
    {
        if (!statsDirty)
            statsDirty = true;
    }

    ProcessExtras& extras()
    {
        if (!m_extras)
            m_extras = std::make_unique<ProcessExtras>();
        return *m_extras;
    }
    ProcessExtras* extrasIfAny() const { return m_extras.get(); }

    ProcessContext& context() { return *this; }
    HostWait* hostWait() const
    {
        auto* x = extrasIfAny();
        return x ? x->hostWait.get() : nullptr;
    }

    // Field order packs the object into as few 16-byte pool granules as possible.
    Runtime::Impl* rt;
    std::atomic<Signal*> inbox { nullptr };
    std::atomic<uint32_t> state { Runnable };
    OwnerGate lock; // guards pending, mailbox and tables against readers on other threads
    bool trapExit = false;
    bool isHost = false;
    bool started = false;
    bool exiting = false;
    bool receiving = false; // suspended in (or about to suspend in) a receive
    bool exitPending = false;
    // Set per message while tracing, on the cache line the senders write the inbox on: set it only when it is not
    // set yet (markStatsDirty), so that a receiver under a stream of messages does not take that line from them.
    bool statsDirty = false;
    // Flags only the process's own slices read and write, packed.
    bool yieldRequested : 1 = false;
    bool timedOut : 1 = false;
    bool hasReceived : 1 = false;
    bool statsTimerArmed : 1 = false;
    bool selfSignalled : 1 = false; // a signal to itself waits in the inbox (handled before the next receive)
    // A snapshot counted messages in its mailbox and it has not reported its counters since: observers may count
    // those messages until it does (see afterSlice). Set by a snapshot with the workers stopped, and never on a host
    // process, whose thread does not stop.
    bool mailSeenBySnapshot : 1 = false;
    uint8_t statsCheckIn : 4 = 0; // slice ends before the next one looks at the clock for MailboxStats (see runSlice)
    uint16_t lastWorker = 0; // the tag of the worker thread that last ran it (0: none yet); see runSlice
    // While tracing: the low 32 bits of the numbering position (TraceHub::position) of the worker that ran its last
    // slice, taken as that slice ended; 0 when not known. A worker that runs it next numbers its events after that,
    // in a new block only if its own is not that far yet (see runSlice).
    uint32_t tracePosition = 0;
    Atom registeredName = atoms::nil;

    Signal* pendingHead = nullptr;
    Signal* pendingTail = nullptr;
    Signal* mailHead = nullptr;
    Signal* mailTail = nullptr;
    Signal* scanPos = nullptr; // last message already tested by the current receive
    uint32_t mailLen = 0;
    uint32_t receiveGen = 0;

    ReceiveMatcher matcher;
    uint64_t receiveTimer = 0;
    Term received;

    Relations& rel()
    {
        if (!m_rel)
            m_rel = std::make_unique<Relations>();
        return *m_rel;
    }
    bool hasRel() const { return m_rel != nullptr; }
    std::unique_ptr<Relations> takeRel() { return std::move(m_rel); }

    Term exitReason;

    NativeBody body;
    std::coroutine_handle<> root;
    std::coroutine_handle<> resumePoint;

    // Trace sampling state (see TraceOptions)
    uint32_t traceWindowMs = 0;
    // When it last reported MailboxStats (0: never). Written only by the process's own slices; the timer thread reads
    // it to tell whether a process it is about to remind has reported meanwhile.
    std::atomic<uint32_t> lastStatsMs { 0 };
    uint16_t traceTokens = 0; // message events left in its window (TraceOptions::messageEventsPerWindow, at most 65,535)
    uint16_t traceSkip = 0; // its messages before a spent window is looked at again (see Runtime::Impl::messageDetail)
    uint32_t budget = 0; // reductions left in this slice (here it fills the gap before the 64-bit fields)

    uint64_t parent = 0;
    OwnedCounter reductions;
    OwnedCounter messagesIn;
    OwnedCounter messagesOut;

    static void* operator new(std::size_t size) { return pool::allocate(size); }
    static void operator delete(void* p, std::size_t size) noexcept { pool::deallocate(p, size); }

private:
    std::unique_ptr<ProcessExtras> m_extras;
    std::unique_ptr<Relations> m_rel;
};

inline Process* ProcessContext::proc() const { return static_cast<Process*>(const_cast<ProcessContext*>(this)); }
inline Process& ProcessContext::process() const { return *proc(); }

// Sentinel marking a closed inbox.
inline Signal* closedInbox() { return reinterpret_cast<Signal*>(uintptr_t(1)); }

} // namespace vigil

#pragma once

// The actor runtime: lightweight processes with BEAM semantics (see SEMANTICS.md), scheduled M:N over a few
// worker threads (or on one thread with virtual time in deterministic mode).
//
// Two ways in:
//  - ProcessContext: what a running process sees (send, receive, link, monitor, exit, ...). Only the process's
//    own body may use it, on whatever worker thread currently runs it.
//  - Runtime (and HostProcess): thread-safe API for threads that are not processes (the GUI, a test, main()).

#include "runtime/bodyfn.h"
#include "runtime/task.h"
#include "term/result.h"
#include "term/term.h"
#include "trace/event.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace vigil {

class Runtime;
class Process;
class ProcessContext;

// Raised inside a process body (C++ exception) for exit/1, errors and throws. Uncaught, it ends the process:
// Exit → reason as given; Error → {reason, stacktrace}; Throw → {{:nocatch, value}, stacktrace}.
struct ProcessException {
    enum class Kind : uint8_t { Exit, Error, Throw };
    Kind kind = Kind::Exit;
    Term reason;
    Term stacktrace = Term::emptyList();
    // The exit reason of a process that does not catch this.
    Term exitReason() const;
};

[[noreturn]] void raiseExit(Term reason);
[[noreturn]] void raiseError(Term reason, Term stacktrace = Term::emptyList());

// A body that is not a C++ coroutine (the script interpreter's processes). The runtime calls resume() when the
// process should run; the body returns what it waits for. Between calls it holds no native stack.
class ProcessBody {
public:
    enum class Yield : uint8_t {
        Done, // finished normally
        Receive, // wants a message: ctx.setReceive() was called
        Reschedule, // used up its slice, run again later
    };
    virtual ~ProcessBody() = default;
    // May throw ProcessException to exit.
    virtual Yield resume(ProcessContext& ctx) = 0;
    // Current function for Process.info(pid, :current_function), e.g. {Mod, :fun, 1}.
    virtual Term currentFunction() const { return Term::nil(); }
};

using NativeBody = BodyFn;

struct SpawnOptions {
    bool link = false; // link to the spawner atomically (spawn_link)
    bool monitor = false; // monitor from the spawner atomically (spawn_monitor)
    bool trapExit = false;
    Term label {}; // what the UI shows for the process (e.g. "Cache" or {Cache, :init, 1}); nil = none
    Atom behaviour = atoms::nil; // :supervisor, :gen_server, :task, :agent, ... (nil = plain process)
    Term initialCall {}; // {M, F, A} for Process.info(:initial_call); nil = none
    std::optional<Atom> registerAs {}; // registered before the body first runs
};

struct SpawnResult {
    Term pid;
    Term monitorRef; // set when SpawnOptions::monitor
};

// A receive request: a predicate tried on each message from the oldest, and a timeout.
struct ReceiveMatcher {
    bool (*fn)(void* ctx, const Term& msg) = nullptr; // nullptr matches any message
    void* ctx = nullptr;
};
constexpr int64_t kInfinity = -1;

struct MonitorInfo {
    Term ref;
    Term target; // pid
    Term name; // the name when monitored by name, else nil
};

struct ProcessSnapshot {
    uint64_t pid = 0;
    uint64_t parent = 0;
    Term label;
    Atom behaviour = atoms::nil;
    Term initialCall;
    Atom registeredName = atoms::nil; // nil = none
    Atom status = atoms::waiting;
    bool trapExit = false;
    size_t messageQueueLen = 0;
    uint64_t reductions = 0;
    uint64_t messagesIn = 0;
    uint64_t messagesOut = 0;
    std::vector<uint64_t> links;
    std::vector<std::pair<Term, uint64_t>> monitors; // (ref, target)
    std::vector<std::pair<Term, uint64_t>> monitoredBy; // (ref, watcher)
};

struct Snapshot {
    uint64_t seq = 0; // every event with seq <= this is already reflected
    int64_t timeNs = 0;
    std::vector<ProcessSnapshot> processes;
};

// Full detail of one process (the inspector's view).
struct ProcessDetail {
    ProcessSnapshot summary;
    std::vector<Term> messages; // first `limit` messages in queue order
    size_t memoryBytes = 0;
    Term currentFunction;
    Term state; // behaviour state when the body exposes it, else nil
};

// A trace subscription. Events are buffered per producing thread; the engine never waits for a subscriber.
class TraceSubscription {
public:
    virtual ~TraceSubscription() = default;
    // Appends every available event in sequence order and returns how many were lost since the last drain
    // because buffers were full (when non-zero, resync from Runtime::snapshot()). After a drain that lost events the
    // engine keeps fewer events for this subscriber (they would be superseded by the resync anyway) until drains
    // come back lossless; what it turns away is counted as lost all the same.
    virtual uint64_t drain(std::vector<TraceEvent>& out) = 0;
    // The same, handing the events to `visit` in sequence order, a batch of at most kVisitBatch at a time; a batch
    // is valid only during its call. For a subscriber that looks at each event once (a recorder, a counter): the
    // events go through a small buffer that stays in the cache instead of one the size of everything drained, which
    // is written and read again. `visit` must not drain this subscription, nor throw (the program ends if it does).
    static constexpr size_t kVisitBatch = 256;
    virtual uint64_t drain(const std::function<void(std::span<const TraceEvent>)>& visit);
    // Called (from any thread, possibly often) when new events are available; keep it cheap.
    virtual void setNotify(std::function<void()> notify) = 0;
};

// What the body of a running process uses. Not thread-safe; valid only inside the process.
class ProcessContext {
public:
    Term self() const;
    Runtime& runtime() const;

    // Messages
    // Returns false when dest is a name that is not registered (the caller raises badarg).
    bool send(const Term& dest, Term msg);

    struct ReceiveAwaiter;
    // co_await ctx.receive(): the oldest message. With a timeout (ms, kInfinity), an empty optional on timeout.
    ReceiveAwaiter receive(int64_t timeoutMs = kInfinity);
    // A predicate that owns resources (captures a Term, a std::function, ...) must be a named variable: GCC 12
    // destroys such temporaries twice when they appear inside a co_await expression.
    template <typename Pred>
        requires std::is_invocable_r_v<bool, std::remove_reference_t<Pred>&, const Term&>
    auto receive(Pred&& pred, int64_t timeoutMs = kInfinity);
    ReceiveAwaiter sleep(int64_t ms);
    // Gives up the worker if the slice is used up.
    struct YieldAwaiter;
    YieldAwaiter yield();

    // For ProcessBody implementations: ask for a message; after the next resume(), takeReceived() holds it
    // (nullopt on timeout).
    void setReceive(ReceiveMatcher matcher, int64_t timeoutMs);
    std::optional<Term> takeReceived();

    // Counts work; a body should yield when it returns true.
    bool consumeReductions(uint32_t n = 1);
    // True when a signal (e.g. Process.exit(self(), :kill)) has decided this process dies: stop doing work and
    // suspend (any receive or yield ends the process).
    bool exitPending() const;

    // Processes
    SpawnResult spawn(NativeBody body, SpawnOptions options = {});
    SpawnResult spawn(std::unique_ptr<ProcessBody> body, SpawnOptions options = {});

    // Links: errors are returned as the reason to raise (:noproc).
    Expected<bool, Term> link(const Term& pid);
    void unlink(const Term& pid);
    std::vector<Term> links() const;
    bool trapExit(bool on); // returns the previous value
    bool trapsExits() const;

    // Monitors
    Expected<Term, Term> monitor(const Term& pidOrName); // -> reference, or reason (badarg) to raise
    Expected<Term, Term> monitorWithRef(const Term& pidOrName, Term ref);
    bool demonitor(const Term& ref, bool flush = false, bool info = false);

    // Exit signals
    void exit(const Term& pid, const Term& reason); // Process.exit/2
    [[noreturn]] void exitSelf(Term reason) { raiseExit(std::move(reason)); }

    // Names
    Expected<bool, Term> registerName(Atom name, const Term& pid); // error: badarg reason
    bool unregister(Atom name);
    Term whereis(Atom name) const; // pid or nil

    // Timers: send msg to dest after ms. Returns a timer reference.
    Term sendAfter(const Term& dest, Term msg, int64_t ms);
    // Returns remaining ms, or -1 if the timer had already fired or was cancelled.
    int64_t cancelTimer(const Term& timerRef);

    // Process.info(pid, key): {key, value}, or nil for a dead pid. Error reason (badarg) for unknown keys.
    Expected<Term, Term> info(const Term& pid, Atom key);
    std::optional<ProcessDetail> detail(const Term& pid, size_t messageLimit = 100);
    bool isAlive(const Term& pid) const;
    std::vector<Term> processes() const;

    // UI label of this process.
    void setLabel(Term label, Atom behaviour);
    void setInitialCall(Term mfa);
    // Lets the inspector read the behaviour's state: a function called in this process between slices.
    void setStateReader(std::function<Term()> reader);

    // Messages in this process's mailbox right now (for flush() and the like), oldest first.
    std::vector<Term> takeAllMessages();

    // The process this context belongs to (a context is the public face of its process; it holds no data).
    Process& process() const;
    int64_t nowMs() const;

    // Awaiter types
    struct ReceiveAwaiter {
        ProcessContext* ctx;
        ReceiveMatcher matcher;
        int64_t timeoutMs;
        bool await_ready();
        void await_suspend(std::coroutine_handle<> h);
        std::optional<Term> await_resume();
    };
    struct YieldAwaiter {
        ProcessContext* ctx;
        bool await_ready();
        void await_suspend(std::coroutine_handle<> h);
        void await_resume() { }
    };

protected:
    ProcessContext() = default;
    ProcessContext(const ProcessContext&) = delete;
    ProcessContext& operator=(const ProcessContext&) = delete;

private:
    Process* proc() const;
};

template <typename Pred>
    requires std::is_invocable_r_v<bool, std::remove_reference_t<Pred>&, const Term&>
auto ProcessContext::receive(Pred&& pred, int64_t timeoutMs)
{
    using P = std::remove_reference_t<Pred>;
    static_assert(std::is_lvalue_reference_v<Pred> || std::is_trivially_destructible_v<P>,
        "name this receive predicate in a local variable first (GCC 12 destroys capturing temporaries inside "
        "co_await twice)");
    // A named predicate is referred to (it lives in the coroutine frame across the wait); a trivial one is copied.
    using Held = std::conditional_t<std::is_lvalue_reference_v<Pred>, P*, P>;
    struct PredAwaiter : ReceiveAwaiter {
        Held p;
        PredAwaiter(ProcessContext* c, Held pr, int64_t t)
            : ReceiveAwaiter { c, {}, t }
            , p(pr)
        {
        }
        bool await_ready()
        {
            matcher = { [](void* self, const Term& m) {
                           auto& held = static_cast<PredAwaiter*>(self)->p;
                           if constexpr (std::is_pointer_v<Held>)
                               return bool((*held)(m));
                           else
                               return bool(held(m));
                       },
                this };
            return ReceiveAwaiter::await_ready();
        }
    };
    if constexpr (std::is_lvalue_reference_v<Pred>)
        return PredAwaiter(this, &pred, timeoutMs);
    else
        return PredAwaiter(this, pred, timeoutMs);
}

// A pseudo-process driven by a non-process thread: it has a pid, a mailbox, can link and monitor (it always
// traps exits) and its owner blocks in receive(). Thread-safe.
class HostProcess {
public:
    ~HostProcess();
    Term pid() const;
    // Waits up to timeoutMs (kInfinity = forever) for a message matching pred (nullptr = any). In deterministic
    // mode this runs the scheduler until a match arrives or nothing is left to run before the deadline.
    std::optional<Term> receive(int64_t timeoutMs = kInfinity, std::function<bool(const Term&)> pred = nullptr);
    bool send(const Term& dest, Term msg);
    Expected<bool, Term> link(const Term& pid);
    void unlink(const Term& pid);
    Expected<Term, Term> monitor(const Term& pidOrName);
    bool demonitor(const Term& ref, bool flush = false);
    void exit(const Term& pid, const Term& reason);
    SpawnResult spawn(NativeBody body, SpawnOptions options = {});
    SpawnResult spawn(std::unique_ptr<ProcessBody> body, SpawnOptions options = {});
    std::vector<Term> messages(); // what is queued now, without removing it
    size_t queueLength();

private:
    friend class Runtime;
    explicit HostProcess(Runtime& rt, Process* p);
    Runtime& m_runtime;
    Process* m_process;
};

struct RuntimeConfig {
    enum class Mode : uint8_t { Threaded, Deterministic };
    Mode mode = Mode::Threaded;
    unsigned workers = 0; // 0 = one per hardware thread; at most 4096
    uint32_t sliceReductions = 2000;
    size_t traceBufferEvents = 1 << 16; // per producer thread and subscriber
    uint64_t firstPidSerial = 80;
};

class Runtime {
public:
    explicit Runtime(RuntimeConfig config = {});
    ~Runtime(); // kills every process and stops the workers
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    const RuntimeConfig& config() const;
    bool deterministic() const;

    // Host API (thread-safe)
    SpawnResult spawn(NativeBody body, SpawnOptions options = {});
    SpawnResult spawn(std::unique_ptr<ProcessBody> body, SpawnOptions options = {});
    bool send(const Term& dest, Term msg); // false: unregistered name
    void exit(const Term& pid, const Term& reason); // from the host pseudo-pid
    // Makes process a link to / unlink from / monitor b, as if a had called link(b) etc. Errors: noproc for a dead a.
    Expected<bool, Term> link(const Term& a, const Term& b);
    Expected<bool, Term> unlink(const Term& a, const Term& b);
    Expected<Term, Term> monitor(const Term& watcher, const Term& target);
    std::unique_ptr<HostProcess> hostProcess();

    Term whereis(Atom name) const;
    // A live or dead pid that was issued; nullopt if never. With anySerial, a pid for any serial (like iex's
    // pid(0, 999, 0)): one never issued behaves as a dead process.
    std::optional<Term> pidFor(uint64_t serial, bool anySerial = false) const;
    bool isAlive(const Term& pid) const;
    size_t processCount() const;
    std::optional<ProcessDetail> detail(const Term& pid, size_t messageLimit = 100);
    Expected<Term, Term> info(const Term& pid, Atom key);

    // A consistent view of every process, links and monitors (threaded mode stops the workers briefly).
    Snapshot snapshot();

    // Trace stream
    std::shared_ptr<TraceSubscription> subscribe(TraceOptions options = {});
    void unsubscribe(const std::shared_ptr<TraceSubscription>& sub);
    // Emits an event on behalf of a library layer (supervisors); fields other than seq/timeNs as given.
    void emit(TraceEvent event);
    bool tracing() const;

    // Deterministic mode
    bool step(); // runs one process slice; false when nothing is runnable (timers not advanced)
    size_t runUntilIdle(size_t maxSlices = SIZE_MAX); // runs slices, firing due timers; virtual time does not move
    bool advanceToNextTimer(); // moves virtual time to the next timer and fires it; false if none
    // Runs until nothing is runnable and no timer is due within ms of virtual time, advancing time as it goes.
    void runFor(int64_t ms);
    // Runs until idle and no timers are left (bounded by maxVirtualMs).
    void runToCompletion(int64_t maxVirtualMs = 3'600'000);

    // Threaded mode: pause the workers (processes stay as they are), step one slice, resume.
    void pause();
    void resume();
    bool paused() const;
    bool stepPaused();

    int64_t nowNs() const;
    int64_t nowMs() const { return nowNs() / 1'000'000; }

    // Threaded mode: blocks until every worker is parked with nothing runnable (for tests and tools).
    bool waitIdle(int64_t timeoutMs = 60'000);

    // Blocks until the process with this pid has exited (threaded) or runs until it has (deterministic).
    // Returns its exit reason, or nullopt on timeout.
    std::optional<Term> waitExit(const Term& pid, int64_t timeoutMs = 10'000);

    struct Impl;
    Impl& impl() { return *m_impl; }

private:
    std::unique_ptr<Impl> m_impl;
};

// Elixir-style reason text for uncaught errors, e.g. "** (EXIT) :boom".
std::string formatExitReason(const Term& reason);

} // namespace vigil

#pragma once

// One lifecycle fact of the runtime. Every event carries a sequence number, unique across the runtime and delivered to
// each subscriber in strictly increasing order, and a monotonic timestamp. The numbering respects cause and effect:
// an event numbered lower cannot have been caused by one numbered higher (a process's own events, a message's sent,
// queued and received events, a spawn and what the new process does). Events of different threads with no such path
// between them may be numbered in either order. Pids are given by serial number (the N of #PID<0.N.0>).

#include "term/term.h"

#include <cstdint>

namespace vigil {

enum class TraceKind : uint8_t {
    Spawned, // pid, other = parent (0 for the host), data = label term, extra = initial call {M, F, A} or nil
    Exited, // pid, data = reason, and its final counters: other = messages in, old = messages out, count = messages
            // left in its mailbox, extra = reductions (an integer). Its links and monitors end with it (no
            // Unlinked or Demonitored events of its own for those; see ExitSignal for the other halves of its links)
    ExitSignal, // pid = from, other = to, data = reason, outcome says what the receiver did; count = 1 when the
                // signal came over a link the receiver still held, which ended the receiver's half of it
    Linked, // pid added other to its links (one half of a link; each side reports its own half)
    Unlinked, // pid removed other from its links
    Monitored, // pid = watcher, other = target, data = reference
    Demonitored, // pid = watcher, other = target, data = reference
    DownDelivered, // pid = dead target, other = watcher, data = reason, extra = reference
    MessageSent, // pid = sender (0 for the host), other = receiver, data = message
    MessageQueued, // pid = receiver, other = sender, data = message (entered the receiver's mailbox)
    MessageReceived, // pid = receiver, data = message (left the mailbox: received or flushed)
    TrapExit, // pid, count = 1 when trapping, 0 when not
    Registered, // pid, data = name atom
    Unregistered, // pid, data = name atom
    ChildStarted, // pid = supervisor, other = child, data = child id, extra = strategy
    ChildRestarted, // pid = supervisor, other = new child, old = old child, data = child id, extra = strategy,
                    // count = restarts of this child so far
    ChildTerminated, // pid = supervisor, other = child, data = child id, extra = reason
    SupervisorGaveUp, // pid = supervisor, data = child id that exceeded the intensity, count = max_restarts
    Label, // pid changed its label (behaviour/name shown in the UI): data = label term, extra = behaviour atom
    MailboxStats, // pid's counters: count = mailbox depth, other = messages in, old = messages out,
                  // data = reductions. Sent when message events were sampled (see TraceOptions).
};

enum class SignalOutcome : uint8_t {
    None,
    Trapped, // converted to an {:EXIT, from, reason} message
    Killed, // the receiver died of it
    Ignored, // dropped (normal reason, or stale link)
};

// How much message traffic a subscriber sees. Structural events (spawn, exit, links, monitors, signals, names,
// supervisors) are never sampled.
struct TraceOptions {
    // Every message sent, queued and received is an event. Costly under heavy traffic; tests and recordings use it.
    bool allMessages = false;
    // Otherwise each process reports up to this many message events per 100 ms window, and its exact counters in
    // MailboxStats events: at most every statsIntervalMs while busy, and once more when it goes idle (at once while
    // its mailbox holds messages, otherwise within an interval; while every worker is busy, when one has a moment
    // with nothing to run, or about 250 ms later; not while the runtime is paused). Its Exited event carries its
    // final counters.
    uint32_t messageEventsPerWindow = 20;
    // ... and each worker thread reports at most this many per 100 ms window over all its processes, so that a
    // storm of short-lived chatty processes costs counters, not events.
    uint32_t workerMessageEventsPerWindow = 500;
    uint32_t statsIntervalMs = 50;
};

struct TraceEvent {
    TraceEvent() = default;
    // Every field at once, the terms adopted from their plain-data form (see Term::take): how the trace rings hand
    // an event out, built in place with no field written twice.
    TraceEvent(uint64_t seq, int64_t timeNs, TraceKind kind, SignalOutcome outcome, uint32_t count, uint64_t pid,
        uint64_t other, uint64_t old, Term::Taken data, Term::Taken extra) noexcept
        : seq(seq)
        , timeNs(timeNs)
        , kind(kind)
        , outcome(outcome)
        , count(count)
        , pid(pid)
        , other(other)
        , old(old)
        , data(Term::adopt(data.type, data.bits))
        , extra(Term::adopt(extra.type, extra.bits))
    {
    }

    uint64_t seq = 0;
    int64_t timeNs = 0; // runtime clock (virtual time in deterministic mode)
    TraceKind kind = TraceKind::Spawned;
    SignalOutcome outcome = SignalOutcome::None;
    uint32_t count = 0;
    uint64_t pid = 0;
    uint64_t other = 0;
    uint64_t old = 0;
    Term data;
    Term extra;
};

const char* traceKindName(TraceKind kind);
const char* signalOutcomeName(SignalOutcome outcome);

} // namespace vigil

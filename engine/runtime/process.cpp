// Per-process signal handling: the inbox, the exit-signal decision table (SEMANTICS §3), monitors, and death.

#include "runtime/impl.h"

#include <algorithm>
#include <mutex>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace vigil {

namespace {

void freeChain(Signal* s)
{
    while (s) {
        Signal* n = s->next;
        delete s;
        s = n;
    }
}

Term downObject(const Term& pid, const Term& name)
{
    if (name.isAtom() && !name.isNilAtom())
        return Term::tuple({ name, Term::atom(atoms::nonode) });
    return pid;
}

std::mutex& readerMutex()
{
    static std::mutex m;
    return m;
}

// Registers for private expedited membarrier once; afterwards a reader's barrier interrupts only the threads of
// this program that are running at that moment.
bool registerMembarrier()
{
#if defined(__linux__) && !VIGIL_GATE_SYMMETRIC && defined(__NR_membarrier)
    const long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
        return false;
    return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
}

#if !VIGIL_GATE_SYMMETRIC
void heavyBarrier()
{
#if defined(__linux__) && !VIGIL_GATE_SYMMETRIC && defined(__NR_membarrier)
    if (gate::asymmetric) {
        syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
        return;
    }
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
}
#endif

} // namespace

namespace gate {
std::atomic<const OwnerGate*> readTarget { nullptr };
// Decided before main runs, so every owner sees one value for the life of the program.
bool asymmetric = registerMembarrier();

void waitForReader(const OwnerGate* g) noexcept
{
    for (;;) {
        const OwnerGate* t = readTarget.load(std::memory_order_acquire);
        if (t != g && t != allGates())
            return;
        std::this_thread::yield();
    }
}
} // namespace gate

GateReader::GateReader() { enter(gate::allGates()); }

GateReader::GateReader(const OwnerGate& g)
{
    enter(&g);
    waitFor(g);
}

void GateReader::enter(const OwnerGate* target)
{
    readerMutex().lock();
#if VIGIL_GATE_SYMMETRIC
    gate::readTarget.exchange(target, std::memory_order_seq_cst);
#else
    gate::readTarget.store(target, std::memory_order_seq_cst);
    heavyBarrier();
#endif
}

GateReader::~GateReader()
{
    gate::readTarget.store(nullptr, std::memory_order_release);
    readerMutex().unlock();
}

void GateReader::waitFor(const OwnerGate& g) const noexcept
{
    while (g.busy())
        std::this_thread::yield();
}

#if defined(__x86_64__) && defined(__GLIBCXX__)
// Every idle process pays for each byte here (the idle-memory target is 512 bytes per process in all).
static_assert(sizeof(Process) <= 288, "Process grew: pack the new field into existing padding");
#endif

Process::~Process()
{
    Signal* in = inbox.load(std::memory_order_acquire);
    if (in != closedInbox())
        freeChain(in);
    freeChain(pendingHead);
    freeChain(mailHead);
}

bool Process::push(Signal* s, bool neutral)
{
    // Whatever the process running on this thread pushes (a message straight in, a link, a monitor, a DOWN, an
    // exit signal) goes in after the run of messages it has waiting in the outbox.
    rt->flushOutbox();
    if (neutral) {
        s->origin = Signal::kNeutralOrigin;
    } else {
        s->origin = rt->workerTag();
        if (rt->tracing())
            s->setPosition(rt->tracePosition());
    }
    return pushChain(s, s);
}

bool Process::pushChain(Signal* newest, Signal* oldest)
{
    Signal* head = inbox.load(std::memory_order_relaxed);
    do {
        if (head == closedInbox())
            return false;
        oldest->next = head;
    } while (!inbox.compare_exchange_weak(head, newest, std::memory_order_seq_cst, std::memory_order_relaxed));
    tlsOrdered = true;
    return true;
}

bool Process::inboxClosed() const { return inbox.load(std::memory_order_acquire) == closedInbox(); }

bool Process::takeInbox(uint64_t& numberFrom, uint16_t& fromTag)
{
    Signal* head = inbox.load(std::memory_order_relaxed);
    if (!head || head == closedInbox())
        return false;
    head = inbox.exchange(nullptr, std::memory_order_acquire);
    if (!head || head == closedInbox()) {
        if (head == closedInbox())
            inbox.store(closedInbox(), std::memory_order_release);
        return false;
    }
    // The inbox is a stack; reverse it into arrival order.
    const uint16_t mine = rt->workerTag();
    const bool tracing = rt->tracing();
    bool foreign = false;
    uint32_t from = UINT32_MAX; // the tag of the one other thread the foreign signals came from (0: several)
    Signal* reversed = nullptr;
    Signal* last = head;
    while (head) {
        Signal* n = head->next;
        if (head->origin != mine && head->origin != Signal::kNeutralOrigin) {
            foreign = true;
            from = from == UINT32_MAX || from == head->origin ? head->origin : 0;
            if (tracing)
                numberFrom = std::max(numberFrom, rt->trace.positionFrom(head->positionBits(), Signal::kPositionBits));
        }
        head->next = reversed;
        reversed = head;
        head = n;
    }
    if (foreign && !tracing)
        numberFrom = ~uint64_t(0);
    fromTag = foreign ? uint16_t(from) : 0;
    if (pendingTail)
        pendingTail->next = reversed;
    else
        pendingHead = reversed;
    pendingTail = last;
    return foreign;
}

void Runtime::Impl::enqueueMessage(Process* p, Signal* s)
{
    s->next = nullptr;
    if (p->mailTail)
        p->mailTail->next = s;
    else
        p->mailHead = s;
    p->mailTail = s;
    ++p->mailLen;
    ++p->messagesIn;
    if (queuedDetail(p, s)) {
        // Plain messages carry the sender's serial as an integer; EXIT and DOWN messages carry a pid.
        const uint64_t from = s->from.isPid() ? s->from.pidSerial() : s->from.isInteger() ? uint64_t(s->from.asInteger()) : 0;
        emit(TraceKind::MessageQueued, p->serial, from, s->payload);
    }
}

void Runtime::Impl::handleExitSignal(Process* p, Signal* s)
{
    const Term& from = s->from;
    const Term& reason = s->payload;
    const uint64_t fromSerial = from.isPid() ? from.pidSerial() : 0;
    SignalOutcome outcome = SignalOutcome::Ignored;
    uint32_t endedLink = 0;
    if (s->viaLink) {
        auto it = std::find(p->rel().links.begin(), p->rel().links.end(), from);
        if (it == p->rel().links.end()) {
            // Rule 1: the link is gone; the signal is stale.
            if (tracing())
                emit(TraceKind::ExitSignal, fromSerial, p->serial, reason, Term(), SignalOutcome::Ignored);
            delete s;
            return;
        }
        p->rel().links.erase(it); // the ExitSignal event says so (count 1): no Unlinked event of its own
        endedLink = 1;
    }
    if (!s->viaLink && reason.isAtom(atoms::kill)) {
        p->exitPending = true;
        p->exitReason = Term::atom(atoms::killed);
        outcome = SignalOutcome::Killed;
    } else if (p->trapExit) {
        Signal* m = s;
        Term msg = Term::tuple(Term::atom(atoms::EXIT), from, reason);
        m->kind = Signal::Kind::Message;
        m->payload = std::move(msg);
        m->detailed = tracing() && messageDetail(p);
        if (tracing())
            emit(TraceKind::ExitSignal, fromSerial, p->serial, m->payload.element(2), Term(), SignalOutcome::Trapped,
                endedLink);
        enqueueMessage(p, m);
        return;
    } else if (reason.isAtom(atoms::normal)) {
        if (from.isPid() && from.pidSerial() == p->serial) {
            p->exitPending = true;
            p->exitReason = reason;
            outcome = SignalOutcome::Killed;
        }
    } else {
        p->exitPending = true;
        p->exitReason = reason;
        outcome = SignalOutcome::Killed;
    }
    if (tracing()) {
        // Inline, as a process's spawn and exit are: in a storm of exits each process takes one of these. The event
        // takes the signal's own reason (already copied where it is kept).
        Term none;
        emitInline(TraceKind::ExitSignal, fromSerial, p->serial, s->payload, none, outcome, endedLink);
    }
    delete s;
}

bool Runtime::Impl::processSignals(Process* p, bool* held)
{
    // Only the owner takes the inbox and handles pending signals, so this check needs no lock.
    if (!p->pendingHead && !p->inbox.load(std::memory_order_acquire))
        return p->exitPending;
    p->lock.lock();
    uint16_t tag = 0;
    if (uint64_t from = 0; p->takeInbox(from, tag))
        tookForeignWork(from, tag); // signals another thread pushed
    while (p->pendingHead && !p->exitPending) {
        Signal* s = p->pendingHead;
        p->pendingHead = s->next;
        if (!p->pendingHead)
            p->pendingTail = nullptr;
        s->next = nullptr;
        const uint64_t fromSerial = s->from.isPid() ? s->from.pidSerial() : 0;
        switch (s->kind) {
        case Signal::Kind::Message:
            enqueueMessage(p, s);
            break;
        case Signal::Kind::Exit:
            handleExitSignal(p, s);
            break;
        case Signal::Kind::Link:
            if (std::find(p->rel().links.begin(), p->rel().links.end(), s->from) == p->rel().links.end()) {
                p->rel().links.push_back(s->from);
                if (tracing())
                    emit(TraceKind::Linked, p->serial, fromSerial);
            }
            delete s;
            break;
        case Signal::Kind::Unlink: {
            auto it = std::find(p->rel().links.begin(), p->rel().links.end(), s->from);
            if (it != p->rel().links.end()) {
                p->rel().links.erase(it);
                if (tracing())
                    emit(TraceKind::Unlinked, p->serial, fromSerial);
            }
            delete s;
            break;
        }
        case Signal::Kind::Monitor:
            p->rel().monitoredBy.push_back({ s->ref, s->from, s->payload });
            delete s;
            break;
        case Signal::Kind::Demonitor: {
            auto it = std::find_if(
                p->rel().monitoredBy.begin(), p->rel().monitoredBy.end(), [&](const MonitorEntry& m) { return m.ref == s->ref; });
            if (it != p->rel().monitoredBy.end())
                p->rel().monitoredBy.erase(it);
            delete s;
            break;
        }
        case Signal::Kind::Down: {
            auto it = std::find_if(
                p->rel().monitors.begin(), p->rel().monitors.end(), [&](const MonitorEntry& m) { return m.ref == s->ref; });
            if (it == p->rel().monitors.end()) {
                delete s; // demonitored meanwhile
                break;
            }
            Term object = downObject(s->from, it->name);
            p->rel().monitors.erase(it);
            Term reason = s->payload;
            if (tracing())
                emit(TraceKind::DownDelivered, fromSerial, p->serial, reason, s->ref);
            s->payload = Term::tuple(Term::atom(atoms::DOWN), std::move(s->ref), Term::atom(atoms::process), std::move(object), std::move(reason));
            s->kind = Signal::Kind::Message;
            s->detailed = tracing() && messageDetail(p);
            enqueueMessage(p, s);
            break;
        }
        case Signal::Kind::Timeout:
            if (p->receiving && uint64_t(s->ref.asInteger()) == p->receiveGen) {
                p->timedOut = true;
                // What the process does next follows the deadline: its events are stamped afresh, not with a time
                // this worker read before the timer fired (the signal itself hands nothing over to be numbered after).
                if (tracing()) {
                    forgetPreciseTime();
                    if (t_sliceNs >= 0)
                        t_sliceNs = kSliceTimeUnread;
                }
            }
            delete s;
            break;
        case Signal::Kind::Stats:
            p->statsTimerArmed = false;
            if (p->statsDirty && tracing())
                emitStats(p);
            delete s;
            break;
        case Signal::Kind::Control: {
            // Host requests run as the process itself, outside the lock (they may link, monitor, send).
            Signal::Control* fn = s->takeControl();
            delete s;
            p->lock.unlock();
            (*fn)(*p);
            delete fn;
            endOfBodyRun(); // what the request sent goes out now, as a body's sends do
            p->lock.lock();
            if (uint64_t from = 0; p->takeInbox(from, tag))
                tookForeignWork(from, tag);
            break;
        }
        }
    }
    if (held && !p->exitPending)
        *held = true;
    else
        p->lock.unlock();
    return p->exitPending;
}

bool Runtime::Impl::tryMatch(Process* p, bool held)
{
    Signal* prev = p->scanPos;
    Signal* cur = prev ? prev->next : p->mailHead;
    while (cur) {
        if (!p->matcher.fn || p->matcher.fn(p->matcher.ctx, cur->payload)) {
            if (!held)
                p->lock.lock();
            if (prev)
                prev->next = cur->next;
            else
                p->mailHead = cur->next;
            if (p->mailTail == cur)
                p->mailTail = prev;
            --p->mailLen;
            p->received = std::move(cur->payload);
            p->hasReceived = true;
            p->scanPos = nullptr;
            p->lock.unlock();
            if (receivedDetail(p, cur))
                emit(TraceKind::MessageReceived, p->serial, 0, p->received);
            delete cur;
            return true;
        }
        prev = cur;
        cur = cur->next;
    }
    if (held)
        p->lock.unlock();
    p->scanPos = prev;
    return false;
}

void Runtime::Impl::destroyBody(Process* p)
{
    if (p->root) {
        auto h = p->root;
        p->root = {};
        p->resumePoint = {};
        h.destroy();
    }
    // The closure may hold pids (even its own process's): drop it with the frame, or it would keep them alive.
    p->body.reset();
    if (auto* x = p->extrasIfAny())
        x->body.reset();
}

void Runtime::Impl::die(Process* p)
{
    Term reason = p->exitReason;
    p->exiting = true;
    if (p->receiveTimer) {
        cancelTimer(p->receiveTimer);
        p->receiveTimer = 0;
    }
    destroyBody(p);

    // The name goes first, so that nobody linked or monitoring can reach the dead process by name (rule 2.3).
    if (!(p->registeredName == atoms::nil)) {
        Atom name = p->registeredName;
        tookForeignWork(); // another process may have registered this one
        {
            std::unique_lock g(registryMutex);
            auto it = registry.find(name.index());
            if (it != registry.end() && it->second == p)
                registry.erase(it);
        }
        p->registeredName = atoms::nil;
        if (tracing())
            emit(TraceKind::Unregistered, p->serial, 0, Term::atom(name));
    }

    // Its Exited event comes after the signals below go out, but observers take it for their cause: its time is
    // fixed (and published, see Worker::stampNs) before any of them can reach another worker.
    if (tracing())
        (void)sliceTimeNs();
    std::vector<Term> links;
    std::vector<MonitorEntry> monitors;
    std::vector<MonitorEntry> monitoredBy;
    Signal* leftovers = nullptr;
    Signal* mail = nullptr;
    const size_t mailAtDeath = p->mailLen; // only this thread changes it
    {
        std::lock_guard g(p->lock);
        Signal* rest = p->inbox.exchange(closedInbox(), std::memory_order_acq_rel);
        // Append what was still in the inbox (in arrival order) to the pending signals.
        Signal* reversed = nullptr;
        while (rest && rest != closedInbox()) {
            Signal* n = rest->next;
            rest->next = reversed;
            reversed = rest;
            rest = n;
        }
        if (p->pendingTail)
            p->pendingTail->next = reversed;
        else
            p->pendingHead = reversed;
        leftovers = p->pendingHead;
        p->pendingHead = p->pendingTail = nullptr;
        mail = p->mailHead;
        p->mailHead = p->mailTail = nullptr;
        p->mailLen = 0;
        if (auto rel = p->takeRel()) {
            links.swap(rel->links);
            monitors.swap(rel->monitors);
            monitoredBy.swap(rel->monitoredBy);
        }
        p->state.store(Process::Dead, std::memory_order_release);
    }

    // Signals not handled before the process began to exit find it exiting, as on the BEAM: a link request is
    // answered with an exit signal :noproc, a monitor request with DOWN :noproc.
    for (Signal* s = leftovers; s;) {
        Signal* n = s->next;
        if (s->kind == Signal::Kind::Link && s->from.isPid()) {
            if (std::find(links.begin(), links.end(), s->from) == links.end())
                sendSignal(p, asProcess(s->from), Signal::Kind::Exit, Term::atom(atoms::noproc), Term(), true);
        } else if (s->kind == Signal::Kind::Unlink && s->from.isPid()) {
            std::erase(links, s->from);
        } else if (s->kind == Signal::Kind::Monitor && s->from.isPid()) {
            Signal* d = new Signal;
            d->kind = Signal::Kind::Down;
            d->from = p->pidTerm();
            d->payload = Term::atom(atoms::noproc);
            d->ref = s->ref;
            deliver(asProcess(s->from), d);
        } else if (s->kind == Signal::Kind::Demonitor) {
            std::erase_if(monitoredBy, [&](const MonitorEntry& m) { return m.ref == s->ref; });
        }
        delete s;
        s = n;
    }
    freeChain(mail);

    // Its Exited event ends its halves of these links; the other halves end as the signals arrive (ExitSignal
    // events with count 1).
    for (const Term& l : links)
        sendSignal(p, asProcess(l), Signal::Kind::Exit, reason, Term(), true);
    for (const MonitorEntry& m : monitoredBy) {
        Signal* d = new Signal;
        d->kind = Signal::Kind::Down;
        d->from = p->pidTerm();
        d->payload = reason;
        d->ref = m.ref;
        deliver(asProcess(m.pid), d);
    }
    for (const MonitorEntry& m : monitors) // these end with its Exited event too
        if (m.pid.isPid())
            sendSignal(p, asProcess(m.pid), Signal::Kind::Demonitor, Term(), m.ref);
    if (tracing()) {
        // Its final counters go with it: an observer of sampled traffic gets exact totals for a process that died
        // before it reported them (most short-lived processes do).
        Term reductions = Term::integer(int64_t(p->reductions));
        emitInline(TraceKind::Exited, p->serial, p->messagesIn, reason, reductions, SignalOutcome::None,
            uint32_t(std::min<size_t>(mailAtDeath, UINT32_MAX)), p->messagesOut);
    }
    if (auto* x = p->extrasIfAny())
        x->stateReader = nullptr;
    p->received = Term();
    Worker* w = currentWorker();
    table.erase(p->serial, w ? &w->tableUncount : nullptr);
    p->releaseRef(); // the table's reference
}

} // namespace vigil

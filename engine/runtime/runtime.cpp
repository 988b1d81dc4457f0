// The Runtime host API, HostProcess, snapshots and Process.info.

#include "runtime/impl.h"

#include <algorithm>
#include <optional>

namespace vigil {

namespace {

Term pidList(const std::vector<Term>& pids) { return Term::list(std::vector<Term>(pids.begin(), pids.end())); }

Atom statusOf(Process* p, bool self)
{
    if (self)
        return atoms::running;
    if (p->exiting)
        return atoms::exiting;
    switch (p->state.load(std::memory_order_acquire)) {
    case Process::Waiting:
        return atoms::waiting;
    case Process::Runnable:
        return atoms::runnable;
    case Process::Running:
    case Process::RunningNotified:
        return atoms::running;
    default:
        return atoms::exiting;
    }
}

// Signals sent to p but not handled yet, oldest first. Caller holds p's gate, which keeps the owner from taking the
// inbox meanwhile; senders only ever prepend, so walking it is safe and changes nothing.
std::vector<const Signal*> unhandledSignals(Process* p)
{
    std::vector<const Signal*> out;
    for (const Signal* s = p->pendingHead; s; s = s->next)
        out.push_back(s);
    const size_t pending = out.size();
    const Signal* head = p->inbox.load(std::memory_order_acquire);
    if (head != closedInbox())
        for (const Signal* s = head; s; s = s->next)
            out.push_back(s);
    std::reverse(out.begin() + long(pending), out.end());
    return out;
}

// Messages queued or still on their way in, oldest first. Caller holds p's gate.
void collectMessages(Process* p, std::vector<Term>* out, size_t limit, size_t& count)
{
    count = p->mailLen;
    if (out)
        for (Signal* s = p->mailHead; s && out->size() < limit; s = s->next)
            out->push_back(s->payload);
    for (const Signal* s : unhandledSignals(p)) {
        if (s->kind != Signal::Kind::Message)
            continue;
        ++count;
        if (out && out->size() < limit)
            out->push_back(s->payload);
    }
}

// What another process observes, in signal order: the tables as they will be once the signals already sent to p
// (and still in its queue) are handled. Caller holds p's gate and has moved the inbox into pending.
void effectiveTables(Process* p, std::vector<Term>& links, std::vector<MonitorEntry>& monitoredBy)
{
    if (p->hasRel()) {
        links = p->rel().links;
        monitoredBy = p->rel().monitoredBy;
    }
    for (const Signal* s : unhandledSignals(p)) {
        switch (s->kind) {
        case Signal::Kind::Link:
            if (std::find(links.begin(), links.end(), s->from) == links.end())
                links.push_back(s->from);
            break;
        case Signal::Kind::Unlink:
            std::erase(links, s->from);
            break;
        case Signal::Kind::Exit:
            if (s->viaLink)
                std::erase(links, s->from);
            break;
        case Signal::Kind::Monitor:
            monitoredBy.push_back({ s->ref, s->from, s->payload });
            break;
        case Signal::Kind::Demonitor:
            std::erase_if(monitoredBy, [&](const MonitorEntry& m) { return m.ref == s->ref; });
            break;
        default:
            break;
        }
    }
}

} // namespace

ProcessSnapshot Runtime::Impl::describe(Process* p, bool self)
{
    ProcessSnapshot s;
    s.pid = p->serial;
    s.parent = p->parent;
    if (auto* x = p->extrasIfAny()) {
        s.label = x->label;
        s.behaviour = x->behaviour;
        s.initialCall = x->initialCall;
    }
    s.registeredName = p->registeredName;
    s.status = statusOf(p, self);
    s.trapExit = p->trapExit;
    s.messageQueueLen = p->mailLen;
    s.reductions = p->reductions;
    s.messagesIn = p->messagesIn;
    s.messagesOut = p->messagesOut;
    if (!p->hasRel())
        return s;
    for (const Term& l : p->rel().links)
        s.links.push_back(l.pidSerial());
    for (const auto& m : p->rel().monitors)
        s.monitors.emplace_back(m.ref, m.pid.isPid() ? m.pid.pidSerial() : 0);
    for (const auto& m : p->rel().monitoredBy)
        s.monitoredBy.emplace_back(m.ref, m.pid.isPid() ? m.pid.pidSerial() : 0);
    return s;
}

Snapshot Runtime::Impl::snapshot()
{
    stopWorld();
    Snapshot snap;
    // The workers gave their numbering blocks up as they stopped; so does this thread if it is one: every event
    // numbered up to snap.seq is then out (or covered by a gap marker).
    if (Worker* w = currentWorker())
        trace.closeOwnBlock(int(w->id));
    snap.seq = trace.currentSeq();
    snap.timeNs = nowNs();
    // The same walk finds the table segments whose processes have all gone, which are given back once the workers
    // run again (nothing writes to them any more).
    std::vector<uint64_t> emptySegments;
    {
        // Workers are stopped; host threads may still be inside their own process's gate.
        GateReader reader;
        table.forEach(
            [&](Process* p) {
                if (p == system || p->state.load() == Process::Dead)
                    return;
                reader.waitFor(p->lock);
                snap.processes.push_back(describe(p, false));
                if (p->mailLen > 0 && !p->isHost)
                    p->mailSeenBySnapshot = true;
            },
            tableSealedBelow(), &emptySegments);
    }
    resumeWorld();
    table.release(emptySegments);
    std::sort(snap.processes.begin(), snap.processes.end(),
        [](const ProcessSnapshot& a, const ProcessSnapshot& b) { return a.pid < b.pid; });
    return snap;
}

Term Runtime::Impl::infoItem(Process* p, Atom key, bool self, bool& ok)
{
    ok = true;
    // A process reading itself is the owner of its gate; any other reader waits for the owner to leave it.
    std::optional<GateReader> reader;
    std::optional<std::lock_guard<OwnerGate>> owner;
    if (self)
        owner.emplace(p->lock);
    else
        reader.emplace(p->lock);
    if (p->state.load() == Process::Dead)
        return Term::nil();
    Term value;
    const uint32_t k = key.index();
    std::vector<Term> links;
    std::vector<MonitorEntry> monitoredBy;
    effectiveTables(p, links, monitoredBy);
    if (k == atoms::links_index) {
        value = pidList(links);
    } else if (k == atoms::monitors_index) {
        std::vector<Term> items;
        static const std::vector<MonitorEntry> none;
        for (const auto& m : p->hasRel() ? p->rel().monitors : none)
            items.push_back(Term::tuple({ Term::atom(atoms::process),
                m.name.isAtom() && !m.name.isNilAtom() ? Term::tuple({ m.name, Term::atom(atoms::nonode) }) : m.pid }));
        value = Term::list(std::move(items));
    } else if (k == atoms::monitored_by_index) {
        std::vector<Term> items;
        for (const auto& m : monitoredBy)
            items.push_back(m.pid);
        value = Term::list(std::move(items));
    } else if (k == atoms::message_queue_len_index) {
        size_t count = 0;
        collectMessages(p, nullptr, 0, count);
        value = Term::integer(int64_t(count));
    } else if (k == atoms::messages_index) {
        std::vector<Term> msgs;
        size_t count = 0;
        collectMessages(p, &msgs, SIZE_MAX, count);
        value = Term::list(std::move(msgs));
    } else if (k == atoms::status_index) {
        value = Term::atom(statusOf(p, self));
    } else if (k == atoms::trap_exit_index) {
        value = Term::boolean(p->trapExit);
    } else if (k == atoms::registered_name_index) {
        value = p->registeredName == atoms::nil ? Term::emptyList() : Term::atom(p->registeredName);
    } else if (k == atoms::memory_index) {
        value = Term::integer(int64_t(sizeof(Process) + p->mailLen * sizeof(Signal) + 256));
    } else if (k == atoms::reductions_index) {
        value = Term::integer(int64_t(p->reductions));
    } else if (k == atoms::current_function_index) {
        Term cf;
        if (auto* x = p->extrasIfAny(); x && x->body)
            cf = x->body->currentFunction();
        if (cf.isNilAtom()) {
            auto* x = p->extrasIfAny();
            cf = x && x->initialCall.isTuple() ? x->initialCall
                                               : Term::tuple({ Term::atom("erlang"), Term::atom("apply"), Term::integer(2) });
        }
        value = cf;
    } else if (k == atoms::initial_call_index) {
        auto* x = p->extrasIfAny();
        value = x && x->initialCall.isTuple() ? x->initialCall
                                              : Term::tuple({ Term::atom("erlang"), Term::atom("apply"), Term::integer(2) });
    } else if (k == atoms::dictionary_index) {
        value = Term::emptyList();
    } else {
        ok = false;
        return Term();
    }
    return Term::tuple({ Term::atom(key), value });
}

// ---------------------------------------------------------------------------------------------------------------
// Runtime

Runtime::Runtime(RuntimeConfig config)
    : m_impl(std::make_unique<Impl>(this, config))
{
}

Runtime::~Runtime() = default;

const RuntimeConfig& Runtime::config() const { return m_impl->config; }

bool Runtime::deterministic() const { return m_impl->deterministic; }

SpawnResult Runtime::spawn(NativeBody body, SpawnOptions options)
{
    options.link = false;
    options.monitor = false;
    return m_impl->spawn(nullptr, std::move(body), nullptr, options);
}

SpawnResult Runtime::spawn(std::unique_ptr<ProcessBody> body, SpawnOptions options)
{
    options.link = false;
    options.monitor = false;
    return m_impl->spawn(nullptr, {}, std::move(body), options);
}

bool Runtime::send(const Term& dest, Term msg)
{
    Process* to = nullptr;
    Term keep;
    if (dest.isPid()) {
        to = asProcess(dest);
    } else if (dest.isAtom()) {
        std::shared_lock g(m_impl->registryMutex);
        auto it = m_impl->registry.find(dest.asAtom().index());
        if (it == m_impl->registry.end())
            return false;
        keep = it->second->pidTerm();
        to = it->second;
    } else {
        return false;
    }
    m_impl->sendMessage(m_impl->system, to, std::move(msg));
    return true;
}

void Runtime::exit(const Term& pid, const Term& reason)
{
    if (!pid.isPid())
        return;
    m_impl->sendSignal(m_impl->system, asProcess(pid), Signal::Kind::Exit, reason);
}

namespace {

// Runs fn inside process a as a control signal. Returns false if a is dead.
bool runInside(Runtime::Impl* rt, const Term& a, std::function<void(Process&)> fn)
{
    if (!a.isPid())
        return false;
    Signal* s = new Signal;
    s->setControl(new Signal::Control(std::move(fn)));
    return rt->deliver(asProcess(a), s);
}

} // namespace

Expected<bool, Term> Runtime::link(const Term& a, const Term& b)
{
    if (!b.isPid() || !isAlive(b))
        return unexpected(Term::atom(atoms::noproc));
    if (!runInside(m_impl.get(), a, [b](Process& p) { (void)p.context().link(b); }))
        return unexpected(Term::atom(atoms::noproc));
    return true;
}

Expected<bool, Term> Runtime::unlink(const Term& a, const Term& b)
{
    if (!runInside(m_impl.get(), a, [b](Process& p) { p.context().unlink(b); }))
        return unexpected(Term::atom(atoms::noproc));
    return true;
}

Expected<Term, Term> Runtime::monitor(const Term& watcher, const Term& target)
{
    Term ref = Term::makeRef();
    if (!runInside(m_impl.get(), watcher, [target, ref](Process& p) { (void)p.context().monitorWithRef(target, ref); }))
        return unexpected(Term::atom(atoms::noproc));
    return ref;
}

std::unique_ptr<HostProcess> Runtime::hostProcess()
{
    Process* p = m_impl->newProcess(0);
    p->isHost = true;
    p->trapExit = true;
    p->started = true;
    p->extras().hostWait = std::make_unique<HostWait>();
    p->state.store(Process::Waiting);
    p->extras().label = Term::atom("host");
    m_impl->insertProcess(p);
    if (m_impl->tracing()) {
        m_impl->emit(TraceKind::Spawned, p->serial, 0, p->extras().label, Term());
        m_impl->emit(TraceKind::TrapExit, p->serial, 0, Term(), Term(), SignalOutcome::None, 1);
    }
    return std::unique_ptr<HostProcess>(new HostProcess(*this, p));
}

Term Runtime::whereis(Atom name) const
{
    std::shared_lock g(m_impl->registryMutex);
    auto it = m_impl->registry.find(name.index());
    return it == m_impl->registry.end() ? Term::nil() : it->second->pidTerm();
}

std::optional<Term> Runtime::pidFor(uint64_t serial, bool anySerial) const
{
    Term t = m_impl->table.pidFor(serial);
    if (t.isPid())
        return t;
    if (anySerial || (serial >= m_impl->config.firstPidSerial && serial < m_impl->nextSerial.load())) {
        // Issued but dead: a detached, dead process object stands for it.
        auto* ghost = new Process(m_impl.get(), serial);
        ghost->inbox.store(closedInbox());
        ghost->state.store(Process::Dead);
        ghost->started = true;
        return Term::pid(ghost, true);
    }
    return std::nullopt;
}

bool Runtime::isAlive(const Term& pid) const
{
    if (!pid.isPid())
        return false;
    Process* t = asProcess(pid);
    return t->state.load(std::memory_order_acquire) != Process::Dead && !t->exiting;
}

size_t Runtime::processCount() const { return m_impl->table.size(); }

std::optional<ProcessDetail> Runtime::detail(const Term& pid, size_t messageLimit)
{
    if (!pid.isPid())
        return std::nullopt;
    Process* p = asProcess(pid);
    std::function<Term()> reader;
    ProcessDetail d;
    {
        GateReader gateReader(p->lock);
        if (p->state.load() == Process::Dead)
            return std::nullopt;
        d.summary = m_impl->describe(p, false);
        size_t count = 0;
        collectMessages(p, &d.messages, messageLimit, count);
        d.summary.messageQueueLen = count;
        d.memoryBytes = sizeof(Process) + count * sizeof(Signal) + 256;
        if (auto* x = p->extrasIfAny()) {
            d.currentFunction = x->body ? x->body->currentFunction() : x->initialCall;
            reader = x->stateReader;
        }
    }
    if (reader)
        d.state = reader();
    return d;
}

Expected<Term, Term> Runtime::info(const Term& pid, Atom key)
{
    if (!pid.isPid())
        return unexpected(Term::atom(atoms::badarg));
    bool ok = true;
    Term v = m_impl->infoItem(asProcess(pid), key, false, ok);
    if (!ok)
        return unexpected(Term::atom(atoms::badarg));
    return v;
}

Snapshot Runtime::snapshot() { return m_impl->snapshot(); }

std::shared_ptr<TraceSubscription> Runtime::subscribe(TraceOptions options)
{
    // Sampling settings are shared by all subscribers; any subscriber asking for every message gets it for all.
    if (options.allMessages)
        m_impl->allMessages.store(true);
    m_impl->messageEventsPerWindow.store(options.messageEventsPerWindow);
    m_impl->workerMessageEventsPerWindow.store(options.workerMessageEventsPerWindow);
    m_impl->statsIntervalMs.store(std::max<uint32_t>(1, options.statsIntervalMs));
    const Worker* w = m_impl->currentWorker();
    return m_impl->trace.subscribe(m_impl->workers.size(), m_impl->config.traceBufferEvents, w ? int(w->id) : -1);
}

void Runtime::unsubscribe(const std::shared_ptr<TraceSubscription>& sub) { m_impl->trace.unsubscribe(sub); }

void Runtime::emit(TraceEvent event)
{
    if (!m_impl->tracing())
        return;
    m_impl->emitFull(std::move(event));
}

bool Runtime::tracing() const { return m_impl->tracing(); }

bool Runtime::step()
{
    auto& q = m_impl->detQueue;
    if (!m_impl->deterministic || q.empty())
        return false;
    Process* p = q.front();
    q.pop_front();
    m_impl->runSlice(p);
    return true;
}

size_t Runtime::runUntilIdle(size_t maxSlices)
{
    size_t n = 0;
    while (n < maxSlices) {
        m_impl->fireDueTimers();
        if (!step())
            break;
        ++n;
    }
    return n;
}

bool Runtime::advanceToNextTimer()
{
    auto next = m_impl->nextTimerDeadline();
    if (!next)
        return false;
    if (*next > m_impl->virtualNs.load())
        m_impl->virtualNs.store(*next);
    m_impl->fireDueTimers();
    return true;
}

void Runtime::runFor(int64_t ms)
{
    const int64_t end = m_impl->virtualNs.load() + ms * 1'000'000;
    for (;;) {
        runUntilIdle();
        auto next = m_impl->nextTimerDeadline();
        if (!next || *next > end)
            break;
        advanceToNextTimer();
    }
    if (m_impl->virtualNs.load() < end)
        m_impl->virtualNs.store(end);
    runUntilIdle();
}

void Runtime::runToCompletion(int64_t maxVirtualMs)
{
    const int64_t end = m_impl->virtualNs.load() + maxVirtualMs * 1'000'000;
    for (;;) {
        runUntilIdle();
        auto next = m_impl->nextTimerDeadline();
        if (!next || *next > end)
            break;
        advanceToNextTimer();
    }
}

void Runtime::pause()
{
    if (m_impl->deterministic)
        return;
    m_impl->pausedFlag.store(true, std::memory_order_seq_cst);
    for (auto& w : m_impl->workers)
        while (w->inSlice.load(std::memory_order_seq_cst))
            std::this_thread::yield();
}

void Runtime::resume()
{
    m_impl->pausedFlag.store(false, std::memory_order_seq_cst);
    std::lock_guard g(m_impl->parkMutex);
    m_impl->parkCv.notify_all();
}

bool Runtime::paused() const { return m_impl->pausedFlag.load(); }

bool Runtime::stepPaused()
{
    if (m_impl->deterministic)
        return step();
    if (!m_impl->pausedFlag.load())
        return false;
    std::unique_lock g(m_impl->parkMutex);
    const uint64_t before = m_impl->stepsDone.load();
    m_impl->stepPermits.store(1);
    m_impl->parkCv.notify_one();
    return m_impl->stepDoneCv.wait_for(g, std::chrono::seconds(2), [&] { return m_impl->stepsDone.load() != before; });
}

int64_t Runtime::nowNs() const { return m_impl->nowNs(); }

bool Runtime::waitIdle(int64_t timeoutMs)
{
    if (m_impl->deterministic) {
        runUntilIdle();
        return true;
    }
    auto& impl = *m_impl;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    std::unique_lock g(impl.parkMutex);
    return impl.idleCv.wait_until(g, deadline, [&] {
        return size_t(impl.sleepers.load()) == impl.workers.size() && !impl.hasAnyWork();
    });
}

std::optional<Term> Runtime::waitExit(const Term& pid, int64_t timeoutMs)
{
    auto host = hostProcess();
    auto ref = host->monitor(pid);
    if (!ref)
        return std::nullopt;
    Term r = *ref;
    auto msg = host->receive(timeoutMs, [&](const Term& m) {
        return m.isTuple(5) && m.element(0).isAtom(atoms::DOWN) && m.element(1) == r;
    });
    if (!msg) {
        host->demonitor(r, true);
        return std::nullopt;
    }
    return msg->element(4);
}

// ---------------------------------------------------------------------------------------------------------------
// HostProcess

HostProcess::HostProcess(Runtime& rt, Process* p)
    : m_runtime(rt)
    , m_process(p)
{
}

HostProcess::~HostProcess()
{
    auto* impl = &m_runtime.impl();
    Process* p = m_process;
    p->exitReason = Term::atom(atoms::normal);
    impl->die(p);
}

Term HostProcess::pid() const { return m_process->pidTerm(); }

std::optional<Term> HostProcess::receive(int64_t timeoutMs, std::function<bool(const Term&)> pred)
{
    auto* impl = &m_runtime.impl();
    Process* p = m_process;
    const int64_t deadline = timeoutMs < 0 ? INT64_MAX : impl->nowNs() + timeoutMs * 1'000'000;
    for (;;) {
        uint64_t seen = 0;
        {
            std::lock_guard g(p->hostWait()->mutex);
            seen = p->hostWait()->signals;
        }
        impl->processSignals(p);
        {
            std::lock_guard g(p->lock);
            Signal* prev = nullptr;
            for (Signal* cur = p->mailHead; cur; prev = cur, cur = cur->next) {
                if (!pred || pred(cur->payload)) {
                    if (prev)
                        prev->next = cur->next;
                    else
                        p->mailHead = cur->next;
                    if (p->mailTail == cur)
                        p->mailTail = prev;
                    --p->mailLen;
                    Term m = std::move(cur->payload);
                    if (impl->receivedDetail(p, cur))
                        impl->emit(TraceKind::MessageReceived, p->serial, 0, m);
                    delete cur;
                    return m;
                }
            }
        }
        if (impl->deterministic) {
            if (m_runtime.step())
                continue;
            auto next = impl->nextTimerDeadline();
            if (!next || *next > deadline) {
                if (deadline != INT64_MAX && impl->virtualNs.load() < deadline)
                    impl->virtualNs.store(deadline);
                return std::nullopt;
            }
            m_runtime.advanceToNextTimer();
            continue;
        }
        std::unique_lock g(p->hostWait()->mutex);
        if (p->hostWait()->signals != seen)
            continue;
        const int64_t now = impl->nowNs();
        if (now >= deadline)
            return std::nullopt;
        if (deadline == INT64_MAX)
            p->hostWait()->cv.wait(g, [&] { return p->hostWait()->signals != seen; });
        else
            p->hostWait()->cv.wait_for(g, std::chrono::nanoseconds(deadline - now), [&] { return p->hostWait()->signals != seen; });
    }
}

bool HostProcess::send(const Term& dest, Term msg) { return m_process->context().send(dest, std::move(msg)); }

Expected<bool, Term> HostProcess::link(const Term& pid) { return m_process->context().link(pid); }

void HostProcess::unlink(const Term& pid) { m_process->context().unlink(pid); }

Expected<Term, Term> HostProcess::monitor(const Term& pidOrName) { return m_process->context().monitor(pidOrName); }

bool HostProcess::demonitor(const Term& ref, bool flush) { return m_process->context().demonitor(ref, flush, false); }

void HostProcess::exit(const Term& pid, const Term& reason)
{
    if (!pid.isPid())
        return;
    m_runtime.impl().sendSignal(m_process, asProcess(pid), Signal::Kind::Exit, reason);
}

SpawnResult HostProcess::spawn(NativeBody body, SpawnOptions options)
{
    return m_runtime.impl().spawn(m_process, std::move(body), nullptr, options);
}

SpawnResult HostProcess::spawn(std::unique_ptr<ProcessBody> body, SpawnOptions options)
{
    return m_runtime.impl().spawn(m_process, {}, std::move(body), options);
}

std::vector<Term> HostProcess::messages()
{
    std::vector<Term> out;
    size_t count = 0;
    m_runtime.impl().processSignals(m_process);
    std::lock_guard g(m_process->lock);
    collectMessages(m_process, &out, SIZE_MAX, count);
    return out;
}

size_t HostProcess::queueLength()
{
    m_runtime.impl().processSignals(m_process);
    std::lock_guard g(m_process->lock);
    size_t count = 0;
    collectMessages(m_process, nullptr, 0, count);
    return count;
}

std::string formatExitReason(const Term& reason) { return "** (EXIT) " + reason.inspect(); }

} // namespace vigil

// ProcessContext: the operations a process performs on itself and on others.

#include "runtime/impl.h"

#include <algorithm>

namespace vigil {

Term ProcessException::exitReason() const
{
    switch (kind) {
    case Kind::Exit:
        return reason;
    case Kind::Error:
        return Term::tuple({ reason, stacktrace });
    case Kind::Throw:
        return Term::tuple({ Term::tuple({ Term::atom("nocatch"), reason }), stacktrace });
    }
    return reason;
}

void raiseExit(Term reason) { throw ProcessException { ProcessException::Kind::Exit, std::move(reason) }; }

void raiseError(Term reason, Term stacktrace)
{
    throw ProcessException { ProcessException::Kind::Error, std::move(reason), std::move(stacktrace) };
}

Term ProcessContext::self() const { return proc()->pidTerm(); }

Runtime& ProcessContext::runtime() const { return *proc()->rt->owner; }

int64_t ProcessContext::nowMs() const { return proc()->rt->nowNs() / 1'000'000; }

bool ProcessContext::exitPending() const { return proc()->exitPending; }

bool ProcessContext::consumeReductions(uint32_t n)
{
    proc()->reductions.add(n);
    proc()->budget = proc()->budget > n ? proc()->budget - n : 0;
    return proc()->budget == 0;
}

bool ProcessContext::send(const Term& dest, Term msg)
{
    auto* rt = proc()->rt;
    consumeReductions();
    Process* to = nullptr;
    if (dest.isPid()) {
        to = asProcess(dest);
        rt->sendFromProcess(proc(), to, std::move(msg));
        return true;
    }
    if (dest.isAtom()) {
        rt->tookForeignWork(); // the registry is written by every thread
        std::shared_lock g(rt->registryMutex);
        auto it = rt->registry.find(dest.asAtom().index());
        if (it == rt->registry.end())
            return false;
        to = it->second;
        to->retain();
    } else if (dest.isTuple(2) && dest.element(0).isAtom()) {
        // {name, node}: only the local node exists.
        return send(dest.element(0), std::move(msg));
    } else {
        return false;
    }
    rt->sendFromProcess(proc(), to, std::move(msg));
    to->releaseRef();
    return true;
}

ProcessContext::ReceiveAwaiter ProcessContext::receive(int64_t timeoutMs) { return ReceiveAwaiter { this, {}, timeoutMs }; }

ProcessContext::ReceiveAwaiter ProcessContext::sleep(int64_t ms)
{
    static auto never = [](void*, const Term&) { return false; };
    return ReceiveAwaiter { this, { +never, nullptr }, ms };
}

ProcessContext::YieldAwaiter ProcessContext::yield() { return YieldAwaiter { this }; }

bool ProcessContext::YieldAwaiter::await_ready() { return ctx->proc()->budget > 0; }

void ProcessContext::YieldAwaiter::await_suspend(std::coroutine_handle<> h)
{
    ctx->proc()->yieldRequested = true;
    ctx->proc()->resumePoint = h;
}

void ProcessContext::setReceive(ReceiveMatcher matcher, int64_t timeoutMs)
{
    Process* p = proc();
    p->matcher = matcher;
    p->scanPos = nullptr;
    p->timedOut = false;
    p->hasReceived = false;
    ++p->receiveGen;
    auto* rt = p->rt;
    consumeReductions();
    // Everything still in the inbox arrived after the messages already in the mailbox, so a match there is the
    // answer whatever the inbox holds; leaving the inbox alone keeps its cache line with the senders. Signals are
    // still handled at every schedule-in, and at once when the process signalled itself (exit(self(), reason)).
    if (p->mailHead && !p->selfSignalled && !p->exitPending && rt->tryMatch(p, false))
        return;
    p->selfSignalled = false;
    bool held = false;
    if (rt->processSignals(p, &held))
        return; // exit pending; the lock was not kept
    if (rt->tryMatch(p, held))
        return;
    if (p->exitPending)
        return;
    if (timeoutMs == 0) {
        p->timedOut = true;
        return;
    }
    p->receiving = true;
    if (timeoutMs > 0) {
        TimerEntry e;
        e.kind = TimerEntry::Kind::ReceiveTimeout;
        e.process = p;
        p->retain();
        e.generation = p->receiveGen;
        p->receiveTimer = rt->addTimer(timeoutMs, std::move(e));
    }
}

std::optional<Term> ProcessContext::takeReceived()
{
    Process* p = proc();
    p->receiving = false;
    if (p->receiveTimer) {
        p->rt->cancelTimer(p->receiveTimer);
        p->receiveTimer = 0;
    }
    if (p->hasReceived) {
        p->hasReceived = false;
        return std::move(p->received);
    }
    return std::nullopt;
}

bool ProcessContext::ReceiveAwaiter::await_ready()
{
    Process* p = ctx->proc();
    const bool sliceLeft = p->budget > 1;
    ctx->setReceive(matcher, timeoutMs);
    if (p->exitPending) {
        p->receiving = true;
        return false; // suspend so the scheduler can end the process
    }
    if (p->hasReceived || p->timedOut) {
        if (sliceLeft)
            return true;
        p->receiving = true; // ready, but the slice is used up: let others run first
        return false;
    }
    return false;
}

void ProcessContext::ReceiveAwaiter::await_suspend(std::coroutine_handle<> h) { ctx->proc()->resumePoint = h; }

std::optional<Term> ProcessContext::ReceiveAwaiter::await_resume() { return ctx->takeReceived(); }

SpawnResult ProcessContext::spawn(NativeBody body, SpawnOptions options)
{
    consumeReductions();
    return proc()->rt->spawn(proc(), std::move(body), nullptr, options);
}

SpawnResult ProcessContext::spawn(std::unique_ptr<ProcessBody> body, SpawnOptions options)
{
    consumeReductions();
    return proc()->rt->spawn(proc(), {}, std::move(body), options);
}

Expected<bool, Term> ProcessContext::link(const Term& pid)
{
    Process* p = proc();
    auto* rt = p->rt;
    if (!pid.isPid())
        return unexpected(Term::atom(atoms::badarg));
    if (pid.pidSerial() == p->serial)
        return true;
    if (std::find(p->rel().links.begin(), p->rel().links.end(), pid) != p->rel().links.end())
        return true;
    Process* t = asProcess(pid);
    auto noproc = [&]() -> Expected<bool, Term> {
        if (p->trapExit) {
            // Rule 2.4: a trapping caller gets true, then {:EXIT, pid, :noproc}.
            Signal* s = new Signal;
            s->kind = Signal::Kind::Exit;
            s->from = pid;
            s->payload = Term::atom(atoms::noproc);
            s->viaLink = false;
            p->selfSignalled = true;
            rt->deliver(p, s);
            return true;
        }
        return unexpected(Term::atom(atoms::noproc));
    };
    if (t->state.load(std::memory_order_acquire) == Process::Dead || t->inboxClosed())
        return noproc();
    {
        std::lock_guard g(p->lock);
        p->rel().links.push_back(pid);
    }
    if (rt->tracing())
        rt->emit(TraceKind::Linked, p->serial, t->serial);
    Signal* s = new Signal;
    s->kind = Signal::Kind::Link;
    s->from = self();
    if (!t->push(s)) {
        delete s;
        {
            std::lock_guard g(p->lock);
            std::erase(p->rel().links, pid);
        }
        if (rt->tracing())
            rt->emit(TraceKind::Unlinked, p->serial, t->serial);
        return noproc();
    }
    rt->wake(t);
    return true;
}

void ProcessContext::unlink(const Term& pid)
{
    Process* p = proc();
    if (!pid.isPid())
        return;
    bool had = false;
    {
        std::lock_guard g(p->lock);
        auto it = std::find(p->rel().links.begin(), p->rel().links.end(), pid);
        if (it != p->rel().links.end()) {
            p->rel().links.erase(it);
            had = true;
        }
    }
    if (had && p->rt->tracing())
        p->rt->emit(TraceKind::Unlinked, p->serial, pid.pidSerial());
    // Send even when we had no link: the other side may still hold its half.
    p->rt->sendSignal(p, asProcess(pid), Signal::Kind::Unlink, Term());
}

std::vector<Term> ProcessContext::links() const { return proc()->rel().links; }

bool ProcessContext::trapExit(bool on)
{
    Process* p = proc();
    const bool old = p->trapExit;
    p->trapExit = on;
    if (old != on && p->rt->tracing())
        p->rt->emit(TraceKind::TrapExit, p->serial, 0, Term(), Term(), SignalOutcome::None, on ? 1 : 0);
    return old;
}

bool ProcessContext::trapsExits() const { return proc()->trapExit; }

Expected<Term, Term> ProcessContext::monitor(const Term& pidOrName)
{
    return monitorWithRef(pidOrName, Term::makeRef());
}

Expected<Term, Term> ProcessContext::monitorWithRef(const Term& pidOrName, Term ref)
{
    Process* p = proc();
    auto* rt = p->rt;
    Term target;
    Term name;
    if (pidOrName.isPid()) {
        target = pidOrName;
    } else if (pidOrName.isAtom() || (pidOrName.isTuple(2) && pidOrName.element(0).isAtom())) {
        name = pidOrName.isAtom() ? pidOrName : pidOrName.element(0);
        rt->tookForeignWork(); // the registry is written by every thread
        std::shared_lock g(rt->registryMutex);
        auto it = rt->registry.find(name.asAtom().index());
        if (it != rt->registry.end())
            target = it->second->pidTerm(); // taken under the lock: the process cannot be freed meanwhile
    } else {
        return unexpected(Term::atom(atoms::badarg));
    }
    {
        std::lock_guard g(p->lock);
        p->rel().monitors.push_back({ ref, target, name });
    }
    if (rt->tracing())
        rt->emit(TraceKind::Monitored, p->serial, target.isPid() ? target.pidSerial() : 0, ref);
    auto downNoproc = [&] {
        // Delivered asynchronously, as the BEAM does (rule 4.2).
        Signal* d = new Signal;
        d->kind = Signal::Kind::Down;
        d->from = target.isPid() ? target : name;
        d->payload = Term::atom(atoms::noproc);
        d->ref = ref;
        rt->deliver(p, d);
    };
    if (!target.isPid()) {
        downNoproc();
        return ref;
    }
    Signal* s = new Signal;
    s->kind = Signal::Kind::Monitor;
    s->from = self();
    s->ref = ref;
    s->payload = name;
    Process* t = asProcess(target);
    if (!t->push(s)) {
        delete s;
        downNoproc();
    } else {
        rt->wake(t);
    }
    return ref;
}

bool ProcessContext::demonitor(const Term& ref, bool flush, bool info)
{
    Process* p = proc();
    auto* rt = p->rt;
    bool removed = false;
    Term target;
    {
        std::lock_guard g(p->lock);
        auto it = std::find_if(p->rel().monitors.begin(), p->rel().monitors.end(), [&](const MonitorEntry& m) { return m.ref == ref; });
        if (it != p->rel().monitors.end()) {
            target = it->pid;
            p->rel().monitors.erase(it);
            removed = true;
        }
    }
    if (removed) {
        if (rt->tracing())
            rt->emit(TraceKind::Demonitored, p->serial, target.isPid() ? target.pidSerial() : 0, ref);
        if (target.isPid())
            rt->sendSignal(p, asProcess(target), Signal::Kind::Demonitor, Term(), ref);
    }
    if (flush) {
        rt->processSignals(p);
        std::lock_guard g(p->lock);
        Signal* prev = nullptr;
        for (Signal* cur = p->mailHead; cur;) {
            Signal* next = cur->next;
            const Term& m = cur->payload;
            if (m.isTuple(5) && m.element(0).isAtom(atoms::DOWN) && m.element(1) == ref) {
                if (prev)
                    prev->next = next;
                else
                    p->mailHead = next;
                if (p->mailTail == cur)
                    p->mailTail = prev;
                --p->mailLen;
                if (rt->receivedDetail(p, cur))
                    rt->emit(TraceKind::MessageReceived, p->serial, 0, m);
                delete cur;
            } else {
                prev = cur;
            }
            cur = next;
        }
    }
    return info ? removed : true;
}

void ProcessContext::exit(const Term& pid, const Term& reason)
{
    Process* p = proc();
    auto* rt = p->rt;
    if (!pid.isPid())
        return;
    rt->sendSignal(p, asProcess(pid), Signal::Kind::Exit, reason);
    if (pid.pidSerial() == p->serial)
        rt->processSignals(p); // a signal to oneself takes effect at once
}

Expected<bool, Term> ProcessContext::registerName(Atom name, const Term& pid)
{
    proc()->rt->flushOutbox(); // what this process sent is in the inboxes it looks at or names
    auto* rt = proc()->rt;
    if (!pid.isPid() || name == atoms::undefined)
        return unexpected(Term::atom(atoms::badarg));
    Process* t = asProcess(pid);
    {
        rt->tookForeignWork(); // the registry is written by every thread
        std::unique_lock g(rt->registryMutex);
        if (t->state.load() == Process::Dead || t->exiting || !(t->registeredName == atoms::nil)
            || rt->registry.count(name.index()))
            return unexpected(Term::atom(atoms::badarg));
        rt->registry.emplace(name.index(), t);
        t->registeredName = name;
    }
    if (rt->tracing())
        rt->emit(TraceKind::Registered, t->serial, 0, Term::atom(name));
    return true;
}

bool ProcessContext::unregister(Atom name)
{
    proc()->rt->flushOutbox(); // what this process sent is in the inboxes it looks at or names
    auto* rt = proc()->rt;
    Process* t = nullptr;
    {
        rt->tookForeignWork(); // the registry is written by every thread
        std::unique_lock g(rt->registryMutex);
        auto it = rt->registry.find(name.index());
        if (it == rt->registry.end())
            return false;
        t = it->second;
        t->registeredName = atoms::nil;
        rt->registry.erase(it);
    }
    if (rt->tracing())
        rt->emit(TraceKind::Unregistered, t->serial, 0, Term::atom(name));
    return true;
}

Term ProcessContext::whereis(Atom name) const
{
    auto* rt = proc()->rt;
    rt->tookForeignWork(); // the registry is written by every thread
    std::shared_lock g(rt->registryMutex);
    auto it = rt->registry.find(name.index());
    return it == rt->registry.end() ? Term::nil() : it->second->pidTerm();
}

Term ProcessContext::sendAfter(const Term& dest, Term msg, int64_t ms)
{
    TimerEntry e;
    e.kind = TimerEntry::Kind::SendAfter;
    e.dest = dest;
    e.message = std::move(msg);
    const uint64_t id = proc()->rt->addTimer(ms, std::move(e));
    // Timer references are references whose id is the timer id, offset so they never equal make_ref() values.
    return Term::reference((uint64_t(1) << 63) | id);
}

int64_t ProcessContext::cancelTimer(const Term& timerRef)
{
    if (!timerRef.isReference() || !(timerRef.asReference() >> 63))
        return -1;
    return proc()->rt->cancelTimer(timerRef.asReference() & ~(uint64_t(1) << 63));
}

Expected<Term, Term> ProcessContext::info(const Term& pid, Atom key)
{
    proc()->rt->flushOutbox(); // what this process sent is in the inboxes it looks at or names
    if (!pid.isPid())
        return unexpected(Term::atom(atoms::badarg));
    Process* t = asProcess(pid);
    const bool self = t == proc();
    if (self)
        proc()->rt->processSignals(proc());
    bool ok = true;
    Term v = proc()->rt->infoItem(t, key, self, ok);
    if (!ok)
        return unexpected(Term::atom(atoms::badarg));
    return v;
}

std::optional<ProcessDetail> ProcessContext::detail(const Term& pid, size_t messageLimit)
{
    proc()->rt->flushOutbox(); // what this process sent is in the inboxes it looks at or names
    return proc()->rt->owner->detail(pid, messageLimit);
}

bool ProcessContext::isAlive(const Term& pid) const
{
    if (!pid.isPid())
        return false;
    Process* t = asProcess(pid);
    return t->state.load(std::memory_order_acquire) != Process::Dead && !t->exiting;
}

std::vector<Term> ProcessContext::processes() const
{
    std::vector<std::pair<uint64_t, Term>> all;
    proc()->rt->tookForeignWork();
    proc()->rt->table.forEach([&](Process* p) {
        if (!p->isHost || p->hostWait() == nullptr || p != p->rt->system)
            all.emplace_back(p->serial, p->pidTerm());
    });
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Term> out;
    out.reserve(all.size());
    for (auto& [s, t] : all)
        out.push_back(std::move(t));
    return out;
}

void ProcessContext::setLabel(Term label, Atom behaviour)
{
    Process* p = proc();
    {
        std::lock_guard g(p->lock);
        auto& x = p->extras();
        x.label = label;
        x.behaviour = behaviour;
    }
    if (p->rt->tracing())
        p->rt->emit(TraceKind::Label, p->serial, 0, std::move(label), Term::atom(behaviour));
}

void ProcessContext::setInitialCall(Term mfa)
{
    std::lock_guard g(proc()->lock);
    proc()->extras().initialCall = std::move(mfa);
}

void ProcessContext::setStateReader(std::function<Term()> reader)
{
    std::lock_guard g(proc()->lock);
    proc()->extras().stateReader = std::move(reader);
}

std::vector<Term> ProcessContext::takeAllMessages()
{
    Process* p = proc();
    p->rt->processSignals(p);
    std::vector<Term> out;
    std::lock_guard g(p->lock);
    for (Signal* s = p->mailHead; s;) {
        Signal* n = s->next;
        if (p->rt->receivedDetail(p, s))
            p->rt->emit(TraceKind::MessageReceived, p->serial, 0, s->payload);
        out.push_back(std::move(s->payload));
        delete s;
        s = n;
    }
    p->mailHead = p->mailTail = nullptr;
    p->mailLen = 0;
    return out;
}

} // namespace vigil

#include "otp/childspec.h"

#include "otp/otpatoms.h"

#include <mutex>

namespace vigil::otp {

namespace {

Term atomTerm(Atom a) { return Term::atom(a); }

bool isExitFrom(const Term& m, const Term& pid)
{
    return m.isTuple(3) && m.element(0).isAtom(atoms::EXIT) && m.element(1) == pid;
}

bool isDownFor(const Term& m, const Term& ref)
{
    return m.isTuple(5) && m.element(0).isAtom(atoms::DOWN) && m.element(1) == ref;
}

// A StartFun carried inside a term.
struct StartFunObject final : FunObject {
    explicit StartFunObject(StartWithArgsFun f)
        : fn(std::move(f))
    {
    }
    int arity() const override { return 0; }
    std::string describe() const override { return "child_start/0"; }
    StartWithArgsFun fn;
};

std::mutex g_resolverMutex;
StartResolver g_resolver;

Term shutdownTerm(const Shutdown& s)
{
    switch (s.kind) {
    case Shutdown::Kind::BrutalKill:
        return atomTerm(atoms::brutal_kill);
    case Shutdown::Kind::Infinity:
        return atomTerm(atoms::infinity);
    default:
        return Term::integer(s.ms);
    }
}

} // namespace

Shutdown ChildSpec::effectiveShutdown() const
{
    if (shutdown.kind != Shutdown::Kind::Default)
        return shutdown;
    return type == atoms::supervisor ? Shutdown::infinity() : Shutdown::timeout(5000);
}

Term ChildSpec::modulesTerm() const
{
    if (!modules.isNilAtom())
        return modules;
    return id.isAtom() ? Term::list({ id }) : Term::emptyList();
}

bool shouldRestart(Atom restart, const Term& reason)
{
    if (restart == atoms::permanent)
        return true;
    if (restart == atoms::temporary)
        return false;
    // transient
    if (reason.isAtom(atoms::normal) || reason.isAtom(atoms::shutdown))
        return false;
    if (reason.isTuple(2) && reason.element(0).isAtom(atoms::shutdown))
        return false;
    return true;
}

Term childSpecToTerm(const ChildSpec& spec)
{
    StartWithArgsFun fn = spec.startWithArgs;
    if (!fn) {
        StartFun plain = spec.start;
        fn = [plain](ProcessContext& ctx, std::vector<Term>) { return plain(ctx); };
    }
    const Shutdown sd = spec.effectiveShutdown();
    return Term::map({
        { atomTerm(atom::id()), spec.id },
        { Term::atom("start"), Term::fun(new StartFunObject(std::move(fn))) },
        { atomTerm(atom::restart()), atomTerm(spec.restart) },
        { atomTerm(atom::shutdownKey()), shutdownTerm(sd) },
        { atomTerm(atom::type()), atomTerm(spec.type) },
        { Term::atom("significant"), Term::boolean(spec.significant) },
        { Term::atom("modules"), spec.modulesTerm() },
    });
}

void setStartResolver(StartResolver resolver)
{
    std::lock_guard lock(g_resolverMutex);
    g_resolver = std::move(resolver);
}

Expected<ChildSpec, Term> childSpecFromTerm(const Term& t)
{
    auto invalid = [&](const char* what) {
        return unexpected(Term::tuple({ atomTerm(atom::invalidChildSpec()), Term::atom(what), t }));
    };
    if (!t.isMap())
        return invalid("not_a_map");
    ChildSpec spec;
    if (const Term* id = t.mapGet(atomTerm(atom::id())))
        spec.id = *id;
    const Term* start = t.mapGet(Term::atom("start"));
    if (!start)
        return invalid("missing_start");
    if (start->isFun()) {
        if (auto* f = dynamic_cast<StartFunObject*>(start->asFun()))
            spec.startWithArgs = f->fn;
    }
    if (!spec.startWithArgs) {
        StartResolver resolver;
        {
            std::lock_guard lock(g_resolverMutex);
            resolver = g_resolver;
        }
        if (resolver) {
            if (auto fn = resolver(*start))
                spec.startWithArgs = std::move(*fn);
        }
    }
    if (!spec.startWithArgs)
        return invalid("start");
    if (const Term* r = t.mapGet(atomTerm(atom::restart()))) {
        if (!(r->isAtom(atoms::permanent) || r->isAtom(atoms::transient) || r->isAtom(atoms::temporary)))
            return invalid("restart");
        spec.restart = r->asAtom();
    }
    if (const Term* ty = t.mapGet(atomTerm(atom::type()))) {
        if (!(ty->isAtom(atoms::worker) || ty->isAtom(atoms::supervisor)))
            return invalid("type");
        spec.type = ty->asAtom();
    }
    if (const Term* s = t.mapGet(atomTerm(atom::shutdownKey()))) {
        if (s->isAtom(atoms::brutal_kill))
            spec.shutdown = Shutdown::brutalKill();
        else if (s->isAtom(atoms::infinity))
            spec.shutdown = Shutdown::infinity();
        else if (s->isInteger() && s->asInteger() >= 0)
            spec.shutdown = Shutdown::timeout(s->asInteger());
        else
            return invalid("shutdown");
    }
    if (const Term* sig = t.mapGet(Term::atom("significant")))
        spec.significant = sig->isAtom(atoms::true_);
    if (const Term* m = t.mapGet(Term::atom("modules")))
        spec.modules = *m;
    return spec;
}

namespace detail {

Task<Term> startChildProcess(ProcessContext& ctx, ChildSpec spec, std::vector<Term> extraArgs)
{
    Term result;
    std::optional<Term> caught;
    try {
        if (spec.startWithArgs)
            result = co_await spec.startWithArgs(ctx, std::move(extraArgs));
        else
            result = co_await spec.start(ctx);
    } catch (const ProcessException& e) {
        // `catch apply(M, F, A)`: a throw is the value itself, exits and errors become {:EXIT, reason}.
        if (e.kind == ProcessException::Kind::Throw)
            result = e.reason;
        else
            caught = Term::tuple({ atomTerm(atoms::EXIT), e.exitReason() });
    }
    if (caught)
        co_return errorTuple(*caught);
    if ((result.isTuple(2) || result.isTuple(3)) && result.element(0).isAtom(atoms::ok) && result.element(1).isPid())
        co_return okTuple(result.element(1));
    if (result.isAtom(atoms::ignore))
        co_return okTuple(atomTerm(atoms::undefined));
    if (result.isTuple(2) && result.element(0).isAtom(atoms::error))
        co_return result;
    co_return errorTuple(result);
}

Task<Term> shutdownChild(ProcessContext& ctx, Term pid, Shutdown shutdown)
{
    auto mref = ctx.monitor(pid);
    const Term ref = mref ? *mref : Term();
    ctx.unlink(pid);
    // It may have died already: its exit signal is then queued and says why.
    auto receivePred1 = [pid](const Term& m) { return isExitFrom(m, pid); };
    std::optional<Term> queued = co_await ctx.receive(receivePred1, 0);
    if (queued) {
        if (mref) {
            auto receivePred2 = [ref](const Term& m) { return isDownFor(m, ref); };
            co_await ctx.receive(receivePred2);
        }
        co_return queued->element(2);
    }
    if (!mref)
        co_return atomTerm(atoms::noproc);
    auto isDown = [ref](const Term& m) { return isDownFor(m, ref); };
    auto waitDown = [&](int64_t ms) { return ctx.receive(isDown, ms); };
    std::optional<Term> down;
    switch (shutdown.kind) {
    case Shutdown::Kind::BrutalKill:
        ctx.exit(pid, atomTerm(atoms::kill));
        down = co_await waitDown(kInfinity);
        break;
    case Shutdown::Kind::Infinity:
        ctx.exit(pid, atomTerm(atoms::shutdown));
        down = co_await waitDown(kInfinity);
        break;
    default:
        ctx.exit(pid, atomTerm(atoms::shutdown));
        down = co_await waitDown(shutdown.ms);
        if (!down) {
            ctx.exit(pid, atomTerm(atoms::kill));
            down = co_await waitDown(kInfinity);
        }
        break;
    }
    if (!down)
        co_return atomTerm(atoms::noproc);
    co_return down->element(4);
}

Task<std::vector<std::pair<Term, Term>>> shutdownChildrenConcurrently(
    ProcessContext& ctx, std::vector<std::pair<Term, Shutdown>> children)
{
    struct Pending {
        Term pid;
        Term ref;
        int64_t deadline; // kInfinity = none
    };
    std::vector<Pending> pending;
    std::vector<std::pair<Term, Term>> done;
    for (auto& [pid, sd] : children) {
        auto mref = ctx.monitor(pid);
        ctx.unlink(pid);
        if (!mref)
            continue;
        const Term p = pid;
        auto receivePred3 = [p](const Term& m) { return isExitFrom(m, p); };
        std::optional<Term> queued = co_await ctx.receive(receivePred3, 0);
        int64_t deadline = kInfinity;
        if (queued) {
            const Term ref = *mref;
            auto receivePred4 = [ref](const Term& m) { return isDownFor(m, ref); };
            co_await ctx.receive(receivePred4);
            done.emplace_back(pid, queued->element(2));
            continue;
        }
        {
            if (sd.kind == Shutdown::Kind::BrutalKill) {
                ctx.exit(pid, atomTerm(atoms::kill));
            } else {
                ctx.exit(pid, atomTerm(atoms::shutdown));
                if (sd.kind != Shutdown::Kind::Infinity)
                    deadline = ctx.nowMs() + sd.ms;
            }
        }
        pending.push_back({ pid, *mref, deadline });
    }
    while (!pending.empty()) {
        int64_t next = kInfinity;
        for (const auto& p : pending)
            if (p.deadline != kInfinity && (next == kInfinity || p.deadline < next))
                next = p.deadline;
        const int64_t wait = next == kInfinity ? kInfinity : std::max<int64_t>(0, next - ctx.nowMs());
        std::vector<Term> refs;
        for (const auto& p : pending)
            refs.push_back(p.ref);
        auto receivePred5 = [refs](const Term& m) {
                if (!(m.isTuple(5) && m.element(0).isAtom(atoms::DOWN)))
                    return false;
                for (const auto& r : refs)
                    if (m.element(1) == r)
                        return true;
                return false;
            };
        std::optional<Term> down = co_await ctx.receive(
            receivePred5,
            wait);
        if (down) {
            std::erase_if(pending, [&](const Pending& p) { return p.ref == down->element(1); });
            done.emplace_back(down->element(3), down->element(4));
            continue;
        }
        const int64_t now = ctx.nowMs();
        for (auto& p : pending) {
            if (p.deadline != kInfinity && p.deadline <= now) {
                ctx.exit(p.pid, atomTerm(atoms::kill));
                p.deadline = kInfinity;
            }
        }
    }
    co_return done;
}

namespace {
TraceEvent supervisorEvent(ProcessContext& ctx, TraceKind kind)
{
    TraceEvent ev;
    ev.kind = kind;
    ev.pid = ctx.self().pidSerial();
    return ev;
}
uint64_t serialOf(const Term& pid) { return pid.isPid() ? pid.pidSerial() : 0; }
} // namespace

void emitChildStarted(ProcessContext& ctx, const Term& child, const Term& id, Atom strategy)
{
    if (!ctx.runtime().tracing())
        return;
    TraceEvent ev = supervisorEvent(ctx, TraceKind::ChildStarted);
    ev.other = serialOf(child);
    ev.data = id;
    ev.extra = atomTerm(strategy);
    ctx.runtime().emit(std::move(ev));
}

void emitChildRestarted(ProcessContext& ctx, const Term& oldPid, const Term& newPid, const Term& id, Atom strategy,
    uint32_t count)
{
    if (!ctx.runtime().tracing())
        return;
    TraceEvent ev = supervisorEvent(ctx, TraceKind::ChildRestarted);
    ev.other = serialOf(newPid);
    ev.old = serialOf(oldPid);
    ev.data = id;
    ev.extra = atomTerm(strategy);
    ev.count = count;
    ctx.runtime().emit(std::move(ev));
}

void emitChildTerminated(ProcessContext& ctx, const Term& child, const Term& id, const Term& reason)
{
    if (!ctx.runtime().tracing())
        return;
    TraceEvent ev = supervisorEvent(ctx, TraceKind::ChildTerminated);
    ev.other = serialOf(child);
    ev.data = id;
    ev.extra = reason;
    ctx.runtime().emit(std::move(ev));
}

void emitGaveUp(ProcessContext& ctx, const Term& id, uint32_t maxRestarts)
{
    if (!ctx.runtime().tracing())
        return;
    TraceEvent ev = supervisorEvent(ctx, TraceKind::SupervisorGaveUp);
    ev.data = id;
    ev.count = maxRestarts;
    ctx.runtime().emit(std::move(ev));
}

bool RestartIntensity::add(int64_t nowMs)
{
    const int64_t now = nowMs >= 0 ? nowMs / 1000 : -((-nowMs + 999) / 1000);
    const int64_t threshold = now - m_period;
    std::erase_if(m_times, [threshold](int64_t t) { return t < threshold; });
    m_times.push_back(now);
    return int64_t(m_times.size()) <= m_max;
}

} // namespace detail

} // namespace vigil::otp

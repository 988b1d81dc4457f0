#include "otp/dynamicsupervisor.h"

#include "otp/otpatoms.h"

namespace vigil::otp {

namespace {

Term atomTerm(Atom a) { return Term::atom(a); }

class DynamicSupervisorServer final : public GenServer {
public:
    explicit DynamicSupervisorServer(DynamicSupervisorFlags flags)
        : m_flags(std::move(flags))
        , m_intensity(m_flags.maxRestarts, m_flags.maxSeconds)
    {
    }

    Task<Term> init(ProcessContext& ctx, Term) override
    {
        ctx.trapExit(true);
        co_return okTuple(summary());
    }
    Task<Term> handleCall(ProcessContext& ctx, Term request, Term from, Term state) override;
    Task<Term> handleCast(ProcessContext& ctx, Term request, Term state) override;
    Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state) override;
    Task<Term> terminate(ProcessContext& ctx, Term reason, Term state) override;

private:
    struct Child {
        Term key; // the pid it was started with (stays the key while :restarting)
        Term pid; // current pid, or :restarting
        ChildSpec spec;
        uint32_t restarts = 0;
    };
    static constexpr Atom kStrategy = atoms::one_for_one;

    Term summary() const;
    Term noreply() const { return Term::tuple({ atomTerm(atoms::noreply), summary() }); }
    Term replyTerm(Term r) const { return Term::tuple({ atomTerm(atoms::reply), std::move(r), summary() }); }
    int findByPid(const Term& pid) const;
    Task<Term> restart(ProcessContext& ctx, Term key, Term oldPid);

    DynamicSupervisorFlags m_flags;
    detail::RestartIntensity m_intensity;
    std::vector<Child> m_children; // in start order
};

int DynamicSupervisorServer::findByPid(const Term& pid) const
{
    for (size_t i = 0; i < m_children.size(); ++i)
        if (m_children[i].pid == pid)
            return int(i);
    return -1;
}

Term DynamicSupervisorServer::summary() const
{
    std::vector<Term> children;
    for (const Child& c : m_children)
        children.push_back(Term::map({ { atomTerm(atom::id()), c.spec.id }, { atomTerm(atom::pid()), c.pid },
            { atomTerm(atom::restarts()), Term::integer(c.restarts) } }));
    return Term::map({ { atomTerm(atom::strategy()), atomTerm(kStrategy) },
        { atomTerm(atom::maxRestarts()), Term::integer(m_flags.maxRestarts) },
        { atomTerm(atom::maxSeconds()), Term::integer(m_flags.maxSeconds) },
        { atomTerm(atom::maxChildren()),
            m_flags.maxChildren < 0 ? atomTerm(atoms::infinity) : Term::integer(m_flags.maxChildren) },
        { atomTerm(atom::children()), Term::list(std::move(children)) } });
}

Task<Term> DynamicSupervisorServer::restart(ProcessContext& ctx, Term key, Term oldPid)
{
    int i = -1;
    for (size_t k = 0; k < m_children.size(); ++k)
        if (m_children[k].key == key)
            i = int(k);
    if (i < 0)
        co_return noreply();
    if (!m_intensity.add(ctx.nowMs())) {
        detail::emitGaveUp(ctx, m_children[size_t(i)].spec.id, uint32_t(m_flags.maxRestarts));
        m_children.erase(m_children.begin() + i);
        co_return Term::tuple({ atomTerm(atoms::stop), atomTerm(atoms::shutdown), summary() });
    }
    Term r = co_await detail::startChildProcess(ctx, m_children[size_t(i)].spec, m_flags.extraArguments);
    Child& c = m_children[size_t(i)];
    if (r.element(0).isAtom(atoms::error)) {
        c.pid = atomTerm(atom::restarting());
        ctx.send(ctx.self(),
            Term::tuple({ atomTerm(atoms::cast), Term::tuple({ atomTerm(atom::tryAgainRestart()), key }) }));
        co_return noreply();
    }
    if (!r.element(1).isPid()) {
        m_children.erase(m_children.begin() + i);
        co_return noreply();
    }
    c.pid = r.element(1);
    ++c.restarts;
    if (oldPid.isPid())
        detail::emitChildRestarted(ctx, oldPid, c.pid, c.spec.id, kStrategy, c.restarts);
    else
        detail::emitChildStarted(ctx, c.pid, c.spec.id, kStrategy);
    co_return noreply();
}

Task<Term> DynamicSupervisorServer::handleInfo(ProcessContext& ctx, Term message, Term)
{
    if (message.isTuple(3) && message.element(0).isAtom(atoms::EXIT)) {
        const int i = findByPid(message.element(1));
        if (i >= 0) {
            Child& c = m_children[size_t(i)];
            if (!shouldRestart(c.spec.restart, message.element(2))) {
                m_children.erase(m_children.begin() + i);
                co_return noreply();
            }
            const Term key = c.key;
            co_return co_await restart(ctx, key, message.element(1));
        }
    }
    co_return noreply();
}

Task<Term> DynamicSupervisorServer::handleCast(ProcessContext& ctx, Term request, Term)
{
    if (request.isTuple(2) && request.element(0).isAtom(atom::tryAgainRestart()))
        co_return co_await restart(ctx, request.element(1), Term::nil());
    co_return noreply();
}

Task<Term> DynamicSupervisorServer::handleCall(ProcessContext& ctx, Term request, Term, Term)
{
    if (request.isAtom(atom::whichChildren())) {
        std::vector<Term> out;
        for (const Child& c : m_children)
            out.push_back(
                Term::tuple({ atomTerm(atoms::undefined), c.pid, atomTerm(c.spec.type), c.spec.modulesTerm() }));
        co_return replyTerm(Term::list(std::move(out)));
    }
    if (request.isAtom(atom::countChildren())) {
        int64_t active = 0, supervisors = 0, workers = 0;
        for (const Child& c : m_children) {
            active += c.pid.isPid() ? 1 : 0;
            (c.spec.type == atoms::supervisor ? supervisors : workers) += 1;
        }
        co_return replyTerm(Term::map({ { atomTerm(atom::specs()), Term::integer(int64_t(m_children.size())) },
            { atomTerm(atom::active()), Term::integer(active) },
            { atomTerm(atom::supervisors()), Term::integer(supervisors) },
            { atomTerm(atom::workers()), Term::integer(workers) } }));
    }
    if (request.isTuple(2) && request.element(0).isAtom(atom::terminateChild())) {
        const Term pid = request.element(1);
        const int i = pid.isPid() ? findByPid(pid) : -1;
        if (i < 0)
            co_return replyTerm(errorTuple(atomTerm(atom::notFound())));
        const Term id = m_children[size_t(i)].spec.id;
        Term reason = co_await detail::shutdownChild(ctx, pid, m_children[size_t(i)].spec.effectiveShutdown());
        detail::emitChildTerminated(ctx, pid, id, reason);
        const int j = findByPid(pid);
        if (j >= 0)
            m_children.erase(m_children.begin() + j);
        co_return replyTerm(atomTerm(atoms::ok));
    }
    if (request.isTuple(2) && request.element(0).isAtom(atom::startChild())) {
        auto parsed = childSpecFromTerm(request.element(1));
        if (!parsed)
            co_return replyTerm(errorTuple(parsed.error()));
        if (m_flags.maxChildren >= 0 && int64_t(m_children.size()) >= m_flags.maxChildren)
            co_return replyTerm(errorTuple(atomTerm(atom::maxChildren())));
        ChildSpec spec = std::move(*parsed);
        Term r = co_await detail::startChildProcess(ctx, spec, m_flags.extraArguments);
        if (r.element(0).isAtom(atoms::error))
            co_return replyTerm(r);
        const Term pid = r.element(1);
        if (!pid.isPid())
            co_return replyTerm(atomTerm(atoms::ignore));
        const Term id = spec.id;
        m_children.push_back({ pid, pid, std::move(spec), 0 });
        detail::emitChildStarted(ctx, pid, id, kStrategy);
        co_return replyTerm(r);
    }
    co_return replyTerm(errorTuple(Term::tuple({ Term::atom("unknown_call"), request })));
}

Task<Term> DynamicSupervisorServer::terminate(ProcessContext& ctx, Term, Term)
{
    std::vector<std::pair<Term, Shutdown>> running;
    for (const Child& c : m_children)
        if (c.pid.isPid())
            running.emplace_back(c.pid, c.spec.effectiveShutdown());
    auto downs = co_await detail::shutdownChildrenConcurrently(ctx, std::move(running));
    for (const auto& [pid, reason] : downs) {
        const int i = findByPid(pid);
        detail::emitChildTerminated(ctx, pid, i >= 0 ? m_children[size_t(i)].spec.id : Term::nil(), reason);
    }
    m_children.clear();
    co_return atomTerm(atoms::ok);
}

GenServerOptions serverOptions(const DynamicSupervisorOptions& o)
{
    GenServerOptions g;
    g.name = o.name;
    g.label = o.label;
    g.module = o.module.isNilAtom() ? atomTerm(atom::dynamicSupervisorModule()) : o.module;
    g.behaviour = atom::dynamicSupervisor();
    return g;
}

Task<Term> countCall(ProcessContext& ctx, Term sup)
{
    co_return co_await GenServer::call(ctx, std::move(sup), atomTerm(atom::countChildren()), kInfinity);
}

} // namespace

Task<Term> DynamicSupervisor::startLink(ProcessContext& ctx, DynamicSupervisorFlags flags,
    DynamicSupervisorOptions options)
{
    return GenServer::startLink(
        ctx, std::make_shared<DynamicSupervisorServer>(std::move(flags)), Term::nil(), serverOptions(options));
}

Expected<Term, Term> DynamicSupervisor::start(Runtime& rt, DynamicSupervisorFlags flags,
    DynamicSupervisorOptions options)
{
    return GenServer::start(
        rt, std::make_shared<DynamicSupervisorServer>(std::move(flags)), Term::nil(), serverOptions(options));
}

ChildSpec DynamicSupervisor::childSpec(Term id, DynamicSupervisorFlags flags, DynamicSupervisorOptions options)
{
    ChildSpec spec;
    spec.id = std::move(id);
    spec.type = atoms::supervisor;
    spec.shutdown = Shutdown::infinity();
    spec.start = [flags = std::move(flags), options = std::move(options)](ProcessContext& ctx) {
        return DynamicSupervisor::startLink(ctx, flags, options);
    };
    return spec;
}

Task<Term> DynamicSupervisor::startChild(ProcessContext& ctx, Term sup, const ChildSpec& spec)
{
    return GenServer::call(
        ctx, std::move(sup), Term::tuple({ atomTerm(atom::startChild()), childSpecToTerm(spec) }), kInfinity);
}

Task<Term> DynamicSupervisor::terminateChild(ProcessContext& ctx, Term sup, Term pid)
{
    return GenServer::call(
        ctx, std::move(sup), Term::tuple({ atomTerm(atom::terminateChild()), std::move(pid) }), kInfinity);
}

Task<Term> DynamicSupervisor::whichChildren(ProcessContext& ctx, Term sup)
{
    return GenServer::call(ctx, std::move(sup), atomTerm(atom::whichChildren()), kInfinity);
}

Task<Term> DynamicSupervisor::countChildren(ProcessContext& ctx, Term sup) { return countCall(ctx, std::move(sup)); }

Expected<Term, Term> DynamicSupervisor::startChild(Runtime& rt, const Term& sup, const ChildSpec& spec)
{
    return GenServer::call(rt, sup, Term::tuple({ atomTerm(atom::startChild()), childSpecToTerm(spec) }), kInfinity);
}

Expected<Term, Term> DynamicSupervisor::terminateChild(Runtime& rt, const Term& sup, Term pid)
{
    return GenServer::call(rt, sup, Term::tuple({ atomTerm(atom::terminateChild()), std::move(pid) }), kInfinity);
}

Expected<Term, Term> DynamicSupervisor::whichChildren(Runtime& rt, const Term& sup)
{
    return GenServer::call(rt, sup, atomTerm(atom::whichChildren()), kInfinity);
}

Expected<Term, Term> DynamicSupervisor::countChildren(Runtime& rt, const Term& sup)
{
    return GenServer::call(rt, sup, atomTerm(atom::countChildren()), kInfinity);
}

} // namespace vigil::otp

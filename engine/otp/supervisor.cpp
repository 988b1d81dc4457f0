#include "otp/supervisor.h"

#include "otp/otpatoms.h"

#include <map>

namespace vigil::otp {

namespace {

Term atomTerm(Atom a) { return Term::atom(a); }

Task<std::optional<SupervisorSpec>> fixedSpec(SupervisorSpec spec) { co_return spec; }

class SupervisorServer final : public GenServer {
public:
    explicit SupervisorServer(SupervisorInit init)
        : m_initFn(std::move(init))
    {
    }

    Task<Term> init(ProcessContext& ctx, Term arg) override;
    Task<Term> handleCall(ProcessContext& ctx, Term request, Term from, Term state) override;
    Task<Term> handleCast(ProcessContext& ctx, Term request, Term state) override;
    Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state) override;
    Task<Term> terminate(ProcessContext& ctx, Term reason, Term state) override;

private:
    struct Child {
        ChildSpec spec;
        Term pid; // a pid, :undefined (not running) or :restarting (a restart failed; retrying)
        uint32_t restarts = 0;
    };

    Term summary() const;
    Term noreply() const { return Term::tuple({ atomTerm(atoms::noreply), summary() }); }
    Term stopShutdown() const { return Term::tuple({ atomTerm(atoms::stop), atomTerm(atoms::shutdown), summary() }); }
    Term replyTerm(Term r) const { return Term::tuple({ atomTerm(atoms::reply), std::move(r), summary() }); }
    int findById(const Term& id) const;
    int findByPid(const Term& pid) const;
    std::optional<Term> validate(const ChildSpec& spec) const;

    Task<void> stopChild(ProcessContext& ctx, Term id);
    Task<Term> onChildExit(ProcessContext& ctx, int index, Term reason);
    Task<Term> restartFrom(ProcessContext& ctx, Term id, Term oldPid);

    SupervisorInit m_initFn;
    SupervisorFlags m_flags;
    std::vector<Child> m_children; // in start order
    std::optional<detail::RestartIntensity> m_intensity;
};

int SupervisorServer::findById(const Term& id) const
{
    for (size_t i = 0; i < m_children.size(); ++i)
        if (m_children[i].spec.id == id)
            return int(i);
    return -1;
}

int SupervisorServer::findByPid(const Term& pid) const
{
    if (!pid.isPid())
        return -1;
    for (size_t i = 0; i < m_children.size(); ++i)
        if (m_children[i].pid == pid)
            return int(i);
    return -1;
}

Term SupervisorServer::summary() const
{
    std::vector<Term> children;
    for (const Child& c : m_children)
        children.push_back(Term::map({ { atomTerm(atom::id()), c.spec.id }, { atomTerm(atom::pid()), c.pid },
            { atomTerm(atom::restart()), atomTerm(c.spec.restart) }, { atomTerm(atom::type()), atomTerm(c.spec.type) },
            { atomTerm(atom::restarts()), Term::integer(c.restarts) } }));
    return Term::map({ { atomTerm(atom::strategy()), atomTerm(m_flags.strategy) },
        { atomTerm(atom::maxRestarts()), Term::integer(m_flags.maxRestarts) },
        { atomTerm(atom::maxSeconds()), Term::integer(m_flags.maxSeconds) },
        { Term::atom("auto_shutdown"), atomTerm(m_flags.autoShutdown) },
        { Term::atom("recent_restarts"), Term::integer(int64_t(m_intensity ? m_intensity->recent() : 0)) },
        { atomTerm(atom::children()), Term::list(std::move(children)) } });
}

std::optional<Term> SupervisorServer::validate(const ChildSpec& spec) const
{
    auto bad = [&](const char* what) {
        return Term::tuple({ atomTerm(atom::invalidChildSpec()), Term::atom(what), spec.id });
    };
    if (!spec.start && !spec.startWithArgs)
        return bad("start");
    if (!(spec.restart == atoms::permanent || spec.restart == atoms::transient || spec.restart == atoms::temporary))
        return bad("restart");
    if (!(spec.type == atoms::worker || spec.type == atoms::supervisor))
        return bad("type");
    // OTP's supervisor:check_childspec: {bad_combination, [{auto_shutdown, never}, {significant, true}]} first,
    // then {bad_combination, [{restart, permanent}, {significant, true}]}.
    auto badCombination = [](Term first) {
        return Term::tuple({ Term::atom("bad_combination"),
            Term::list({ std::move(first), Term::tuple({ Term::atom("significant"), atomTerm(atoms::true_) }) }) });
    };
    if (spec.significant && m_flags.autoShutdown == atom::never())
        return badCombination(Term::tuple({ Term::atom("auto_shutdown"), atomTerm(atom::never()) }));
    if (spec.significant && spec.restart == atoms::permanent)
        return badCombination(Term::tuple({ Term::atom("restart"), atomTerm(atoms::permanent) }));
    return std::nullopt;
}

Task<Term> SupervisorServer::init(ProcessContext& ctx, Term)
{
    ctx.trapExit(true);
    std::optional<SupervisorSpec> spec = co_await m_initFn(ctx);
    if (!spec)
        co_return atomTerm(atoms::ignore);
    m_flags = spec->flags;
    const Atom s = m_flags.strategy;
    const Atom a = m_flags.autoShutdown;
    if (!(s == atoms::one_for_one || s == atoms::one_for_all || s == atoms::rest_for_one) || m_flags.maxRestarts < 0
        || m_flags.maxSeconds <= 0 || !(a == atom::never() || a == atom::anySignificant() || a == atom::allSignificant()))
        co_return Term::tuple({ atomTerm(atoms::stop), Term::tuple({ Term::atom("supervisor_data"), atomTerm(s) }) });
    m_intensity.emplace(m_flags.maxRestarts, m_flags.maxSeconds);

    for (size_t i = 0; i < spec->children.size(); ++i) {
        const ChildSpec& c = spec->children[i];
        if (auto err = validate(c))
            co_return Term::tuple({ atomTerm(atoms::stop), Term::tuple({ atomTerm(atom::startSpec()), *err }) });
        for (size_t j = 0; j < i; ++j)
            if (spec->children[j].id == c.id)
                co_return Term::tuple({ atomTerm(atoms::stop),
                    Term::tuple({ atomTerm(atom::startSpec()),
                        Term::tuple({ Term::atom("duplicate_child_name"), c.id }) }) });
    }

    for (ChildSpec& c : spec->children) {
        Term r = co_await detail::startChildProcess(ctx, c, {});
        if (r.element(0).isAtom(atoms::error)) {
            // Stop the ones already started, right to left, and fail the whole start (§6.3).
            while (!m_children.empty()) {
                co_await stopChild(ctx, m_children.back().spec.id);
                m_children.pop_back();
            }
            co_return Term::tuple({ atomTerm(atoms::stop),
                Term::tuple({ atomTerm(atoms::shutdown),
                    Term::tuple({ atomTerm(atom::failedToStartChild()), c.id, r.element(1) }) }) });
        }
        const Term pid = r.element(1);
        if (!pid.isPid() && c.restart == atoms::temporary)
            continue;
        m_children.push_back({ std::move(c), pid, 0 });
        if (pid.isPid())
            detail::emitChildStarted(ctx, pid, m_children.back().spec.id, m_flags.strategy);
    }
    co_return okTuple(summary());
}

Task<void> SupervisorServer::stopChild(ProcessContext& ctx, Term id)
{
    int i = findById(id);
    if (i < 0 || !m_children[size_t(i)].pid.isPid())
        co_return;
    const Term pid = m_children[size_t(i)].pid;
    const Shutdown sd = m_children[size_t(i)].spec.effectiveShutdown();
    Term reason = co_await detail::shutdownChild(ctx, pid, sd);
    detail::emitChildTerminated(ctx, pid, id, reason);
    i = findById(id);
    if (i >= 0)
        m_children[size_t(i)].pid = atomTerm(atoms::undefined);
}

Task<Term> SupervisorServer::onChildExit(ProcessContext& ctx, int index, Term reason)
{
    Child& c = m_children[size_t(index)];
    const Term oldPid = c.pid;
    c.pid = atomTerm(atoms::undefined);
    if (!shouldRestart(c.spec.restart, reason)) {
        const bool significant = c.spec.significant;
        if (c.spec.restart == atoms::temporary)
            m_children.erase(m_children.begin() + index);
        if (significant) {
            if (m_flags.autoShutdown == atom::anySignificant())
                co_return stopShutdown();
            if (m_flags.autoShutdown == atom::allSignificant()) {
                bool anyLeft = false;
                for (const Child& other : m_children)
                    anyLeft = anyLeft || (other.spec.significant && other.pid.isPid());
                if (!anyLeft)
                    co_return stopShutdown();
            }
        }
        co_return noreply();
    }
    co_return co_await restartFrom(ctx, c.spec.id, oldPid);
}

Task<Term> SupervisorServer::restartFrom(ProcessContext& ctx, Term id, Term oldPid)
{
    const int index = findById(id);
    if (index < 0)
        co_return noreply();
    if (!m_intensity->add(ctx.nowMs())) {
        detail::emitGaveUp(ctx, id, uint32_t(m_flags.maxRestarts));
        co_return stopShutdown();
    }

    // The children this restart concerns, in start order (§6.7).
    size_t first = size_t(index);
    size_t last = size_t(index) + 1;
    if (m_flags.strategy == atoms::one_for_all)
        first = 0, last = m_children.size();
    else if (m_flags.strategy == atoms::rest_for_one)
        last = m_children.size();
    std::vector<Term> ids;
    for (size_t i = first; i < last; ++i)
        ids.push_back(m_children[i].spec.id);

    // Stop the others right to left; temporary ones are stopped and forgotten.
    std::map<size_t, Term> oldPids; // position in ids → pid before the restart
    for (size_t k = ids.size(); k-- > 0;) {
        if (ids[k] == id)
            continue;
        const int i = findById(ids[k]);
        if (i >= 0 && m_children[size_t(i)].pid.isPid()) {
            oldPids[k] = m_children[size_t(i)].pid;
            co_await stopChild(ctx, ids[k]);
        }
    }
    for (size_t k = 0; k < ids.size(); ++k) {
        const int i = findById(ids[k]);
        if (i >= 0 && !(ids[k] == id) && m_children[size_t(i)].spec.restart == atoms::temporary)
            m_children.erase(m_children.begin() + i);
    }
    for (size_t k = 0; k < ids.size(); ++k)
        if (ids[k] == id)
            oldPids[k] = oldPid;

    // Start them left to right.
    for (size_t k = 0; k < ids.size(); ++k) {
        int i = findById(ids[k]);
        if (i < 0)
            continue;
        Term r = co_await detail::startChildProcess(ctx, m_children[size_t(i)].spec, {});
        i = findById(ids[k]);
        if (i < 0)
            continue;
        Child& c = m_children[size_t(i)];
        if (r.element(0).isAtom(atoms::error)) {
            // Retry later; each attempt counts against the intensity, as in OTP.
            c.pid = atomTerm(atom::restarting());
            ctx.send(ctx.self(),
                Term::tuple({ atomTerm(atoms::cast), Term::tuple({ atomTerm(atom::tryAgainRestart()), ids[k] }) }));
            break;
        }
        c.pid = r.element(1);
        if (!c.pid.isPid())
            continue;
        ++c.restarts;
        auto old = oldPids.find(k);
        if (old != oldPids.end() && old->second.isPid())
            detail::emitChildRestarted(ctx, old->second, c.pid, c.spec.id, m_flags.strategy, c.restarts);
        else
            detail::emitChildStarted(ctx, c.pid, c.spec.id, m_flags.strategy);
    }
    co_return noreply();
}

Task<Term> SupervisorServer::handleInfo(ProcessContext& ctx, Term message, Term)
{
    if (message.isTuple(3) && message.element(0).isAtom(atoms::EXIT)) {
        const int i = findByPid(message.element(1));
        if (i >= 0)
            co_return co_await onChildExit(ctx, i, message.element(2));
    }
    co_return noreply();
}

Task<Term> SupervisorServer::handleCast(ProcessContext& ctx, Term request, Term)
{
    if (request.isTuple(2) && request.element(0).isAtom(atom::tryAgainRestart())) {
        const int i = findById(request.element(1));
        if (i >= 0 && m_children[size_t(i)].pid.isAtom(atom::restarting()))
            co_return co_await restartFrom(ctx, request.element(1), Term::nil());
    }
    co_return noreply();
}

Task<Term> SupervisorServer::handleCall(ProcessContext& ctx, Term request, Term, Term)
{
    if (request.isAtom(atom::whichChildren())) {
        std::vector<Term> out;
        for (auto it = m_children.rbegin(); it != m_children.rend(); ++it)
            out.push_back(Term::tuple({ it->spec.id, it->pid, atomTerm(it->spec.type), it->spec.modulesTerm() }));
        co_return replyTerm(Term::list(std::move(out)));
    }
    if (request.isAtom(atom::countChildren())) {
        int64_t active = 0, supervisors = 0, workers = 0;
        for (const Child& c : m_children) {
            active += c.pid.isPid() ? 1 : 0;
            (c.spec.type == atoms::supervisor ? supervisors : workers) += 1;
        }
        co_return replyTerm(Term::list({
            Term::tuple({ atomTerm(atom::specs()), Term::integer(int64_t(m_children.size())) }),
            Term::tuple({ atomTerm(atom::active()), Term::integer(active) }),
            Term::tuple({ atomTerm(atom::supervisors()), Term::integer(supervisors) }),
            Term::tuple({ atomTerm(atom::workers()), Term::integer(workers) }),
        }));
    }
    auto notFound = errorTuple(atomTerm(atom::notFound()));
    if (request.isTuple(2) && request.element(0).isAtom(atom::terminateChild())) {
        const Term id = request.element(1);
        int i = findById(id);
        if (i < 0)
            co_return replyTerm(notFound);
        co_await stopChild(ctx, id);
        i = findById(id);
        if (i >= 0) {
            m_children[size_t(i)].pid = atomTerm(atoms::undefined);
            if (m_children[size_t(i)].spec.restart == atoms::temporary)
                m_children.erase(m_children.begin() + i);
        }
        co_return replyTerm(atomTerm(atoms::ok));
    }
    if (request.isTuple(2) && request.element(0).isAtom(atom::restartChild())) {
        const Term id = request.element(1);
        int i = findById(id);
        if (i < 0)
            co_return replyTerm(notFound);
        if (m_children[size_t(i)].pid.isPid())
            co_return replyTerm(errorTuple(atomTerm(atom::running())));
        if (m_children[size_t(i)].pid.isAtom(atom::restarting()))
            co_return replyTerm(errorTuple(atomTerm(atom::restarting())));
        Term r = co_await detail::startChildProcess(ctx, m_children[size_t(i)].spec, {});
        i = findById(id);
        if (r.element(0).isAtom(atoms::ok) && i >= 0) {
            m_children[size_t(i)].pid = r.element(1);
            if (r.element(1).isPid())
                detail::emitChildStarted(ctx, r.element(1), id, m_flags.strategy);
        }
        co_return replyTerm(r);
    }
    if (request.isTuple(2) && request.element(0).isAtom(atom::deleteChild())) {
        const int i = findById(request.element(1));
        if (i < 0)
            co_return replyTerm(notFound);
        if (m_children[size_t(i)].pid.isPid())
            co_return replyTerm(errorTuple(atomTerm(atom::running())));
        if (m_children[size_t(i)].pid.isAtom(atom::restarting()))
            co_return replyTerm(errorTuple(atomTerm(atom::restarting())));
        m_children.erase(m_children.begin() + i);
        co_return replyTerm(atomTerm(atoms::ok));
    }
    if (request.isTuple(2) && request.element(0).isAtom(atom::startChild())) {
        auto parsed = childSpecFromTerm(request.element(1));
        if (!parsed)
            co_return replyTerm(errorTuple(parsed.error()));
        ChildSpec spec = std::move(*parsed);
        if (auto err = validate(spec))
            co_return replyTerm(errorTuple(*err));
        if (const int i = findById(spec.id); i >= 0) {
            const Term& pid = m_children[size_t(i)].pid;
            co_return replyTerm(errorTuple(
                pid.isPid() ? Term::tuple({ atomTerm(atom::alreadyStarted()), pid }) : atomTerm(atom::alreadyPresent())));
        }
        Term r = co_await detail::startChildProcess(ctx, spec, {});
        if (r.element(0).isAtom(atoms::error))
            co_return replyTerm(r);
        const Term pid = r.element(1);
        if (pid.isPid() || spec.restart != atoms::temporary) {
            const Term id = spec.id;
            m_children.push_back({ std::move(spec), pid, 0 });
            if (pid.isPid())
                detail::emitChildStarted(ctx, pid, id, m_flags.strategy);
        }
        co_return replyTerm(r);
    }
    co_return replyTerm(errorTuple(Term::tuple({ Term::atom("unknown_call"), request })));
}

Task<Term> SupervisorServer::terminate(ProcessContext& ctx, Term, Term)
{
    // Right to left (§6.4).
    for (size_t k = m_children.size(); k-- > 0;) {
        if (k < m_children.size() && m_children[k].pid.isPid())
            co_await stopChild(ctx, m_children[k].spec.id);
    }
    co_return atomTerm(atoms::ok);
}

GenServerOptions serverOptions(const SupervisorOptions& o)
{
    GenServerOptions g;
    g.name = o.name;
    g.label = o.label;
    g.module = o.module.isNilAtom() ? atomTerm(atom::supervisorModule()) : o.module;
    g.behaviour = atoms::supervisor;
    return g;
}

SupervisorInit initFrom(std::vector<ChildSpec> children, SupervisorFlags flags)
{
    SupervisorSpec spec { flags, std::move(children) };
    return [spec = std::move(spec)](ProcessContext&) { return fixedSpec(spec); };
}

Term toMapResult(Term kw) { return Supervisor::countsToMap(kw); }

Task<Term> countCall(ProcessContext& ctx, Term sup)
{
    Term kw = co_await GenServer::call(ctx, sup, atomTerm(atom::countChildren()), kInfinity);
    co_return toMapResult(kw);
}

} // namespace

Task<Term> Supervisor::startLink(ProcessContext& ctx, std::vector<ChildSpec> children, SupervisorFlags flags,
    SupervisorOptions options)
{
    return startLink(ctx, initFrom(std::move(children), flags), std::move(options));
}

Task<Term> Supervisor::startLink(ProcessContext& ctx, SupervisorInit init, SupervisorOptions options)
{
    return GenServer::startLink(
        ctx, std::make_shared<SupervisorServer>(std::move(init)), Term::nil(), serverOptions(options));
}

Expected<Term, Term> Supervisor::start(Runtime& rt, std::vector<ChildSpec> children, SupervisorFlags flags,
    SupervisorOptions options)
{
    return start(rt, initFrom(std::move(children), flags), std::move(options));
}

Expected<Term, Term> Supervisor::start(Runtime& rt, SupervisorInit init, SupervisorOptions options)
{
    return GenServer::start(rt, std::make_shared<SupervisorServer>(std::move(init)), Term::nil(), serverOptions(options));
}

SpawnResult Supervisor::spawnSupervisor(ProcessContext& ctx, SupervisorInit init, SupervisorOptions options, bool link)
{
    return GenServer::spawnServer(
        ctx, std::make_shared<SupervisorServer>(std::move(init)), Term::nil(), serverOptions(options), link, false);
}

ChildSpec Supervisor::childSpec(Term id, std::vector<ChildSpec> children, SupervisorFlags flags,
    SupervisorOptions options)
{
    ChildSpec spec;
    spec.id = std::move(id);
    spec.type = atoms::supervisor;
    spec.shutdown = Shutdown::infinity();
    spec.start = [children = std::move(children), flags, options = std::move(options)](ProcessContext& ctx) {
        return Supervisor::startLink(ctx, children, flags, options);
    };
    return spec;
}

Term Supervisor::countsToMap(const Term& keywordList)
{
    std::vector<Term> items;
    if (!keywordList.toVector(items))
        return keywordList;
    std::vector<std::pair<Term, Term>> entries;
    for (const Term& t : items)
        if (t.isTuple(2))
            entries.emplace_back(t.element(0), t.element(1));
    return Term::map(std::move(entries));
}

Task<Term> Supervisor::whichChildren(ProcessContext& ctx, Term sup)
{
    return GenServer::call(ctx, std::move(sup), atomTerm(atom::whichChildren()), kInfinity);
}

Task<Term> Supervisor::countChildren(ProcessContext& ctx, Term sup) { return countCall(ctx, std::move(sup)); }

Task<Term> Supervisor::terminateChild(ProcessContext& ctx, Term sup, Term id)
{
    return GenServer::call(
        ctx, std::move(sup), Term::tuple({ atomTerm(atom::terminateChild()), std::move(id) }), kInfinity);
}

Task<Term> Supervisor::restartChild(ProcessContext& ctx, Term sup, Term id)
{
    return GenServer::call(ctx, std::move(sup), Term::tuple({ atomTerm(atom::restartChild()), std::move(id) }), kInfinity);
}

Task<Term> Supervisor::deleteChild(ProcessContext& ctx, Term sup, Term id)
{
    return GenServer::call(ctx, std::move(sup), Term::tuple({ atomTerm(atom::deleteChild()), std::move(id) }), kInfinity);
}

Task<Term> Supervisor::startChild(ProcessContext& ctx, Term sup, const ChildSpec& spec)
{
    return GenServer::call(
        ctx, std::move(sup), Term::tuple({ atomTerm(atom::startChild()), childSpecToTerm(spec) }), kInfinity);
}

Expected<Term, Term> Supervisor::whichChildren(Runtime& rt, const Term& sup)
{
    return GenServer::call(rt, sup, atomTerm(atom::whichChildren()), kInfinity);
}

Expected<Term, Term> Supervisor::countChildren(Runtime& rt, const Term& sup)
{
    auto r = GenServer::call(rt, sup, atomTerm(atom::countChildren()), kInfinity);
    if (!r)
        return r;
    return countsToMap(*r);
}

Expected<Term, Term> Supervisor::terminateChild(Runtime& rt, const Term& sup, Term id)
{
    return GenServer::call(rt, sup, Term::tuple({ atomTerm(atom::terminateChild()), std::move(id) }), kInfinity);
}

Expected<Term, Term> Supervisor::restartChild(Runtime& rt, const Term& sup, Term id)
{
    return GenServer::call(rt, sup, Term::tuple({ atomTerm(atom::restartChild()), std::move(id) }), kInfinity);
}

Expected<Term, Term> Supervisor::deleteChild(Runtime& rt, const Term& sup, Term id)
{
    return GenServer::call(rt, sup, Term::tuple({ atomTerm(atom::deleteChild()), std::move(id) }), kInfinity);
}

Expected<Term, Term> Supervisor::startChild(Runtime& rt, const Term& sup, const ChildSpec& spec)
{
    return GenServer::call(rt, sup, Term::tuple({ atomTerm(atom::startChild()), childSpecToTerm(spec) }), kInfinity);
}

} // namespace vigil::otp

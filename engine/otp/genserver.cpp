#include "otp/genserver.h"

#include "otp/otpatoms.h"

namespace vigil::otp {

namespace {

Term atomTerm(Atom a) { return Term::atom(a); }

bool isTupleTagged(const Term& t, size_t size, Atom tag)
{
    return t.isTuple(size) && t.element(0).isAtom(tag);
}

bool isAckFrom(const Term& m, const Term& pid)
{
    return isTupleTagged(m, 3, atom::ack()) && m.element(1) == pid;
}

bool isExitFrom(const Term& m, const Term& pid)
{
    return isTupleTagged(m, 3, atoms::EXIT) && m.element(1) == pid;
}

bool isDownFor(const Term& m, const Term& ref)
{
    return isTupleTagged(m, 5, atoms::DOWN) && m.element(1) == ref;
}

bool isReplyFor(const Term& m, const Term& ref) { return m.isTuple(2) && m.element(0) == ref; }

Term ackMessage(const Term& self, Term result) { return Term::tuple({ atomTerm(atom::ack()), self, std::move(result) }); }

Term noClauseError(const char* callback, const Term& self)
{
    std::string text = std::string("attempted to ") + callback + " GenServer " + self.inspect() + " but no "
        + (std::string(callback) == "call" ? "handle_call/3" : "handle_cast/2") + " clause was provided";
    return Term::map({ { atomTerm(atoms::struct_), Term::atom("Elixir.RuntimeError") },
        { atomTerm(atoms::exception_), Term::boolean(true) }, { atomTerm(atoms::message), Term::binary(text) } });
}

// Result of running one callback: its return value, or the exception that ended it. A throw is a return value,
// as in gen_server.
struct Outcome {
    Term value;
    std::optional<ProcessException> failure;
};

Task<Outcome> guarded(Task<Term> callback)
{
    Outcome out;
    try {
        out.value = co_await std::move(callback);
    } catch (const ProcessException& e) {
        if (e.kind == ProcessException::Kind::Throw)
            out.value = e.reason;
        else
            out.failure = e;
    }
    co_return out;
}

} // namespace

Term wrapExitReason(Term reason, Atom module, Atom fun, std::vector<Term> args)
{
    return Term::tuple({ std::move(reason), Term::tuple({ atomTerm(module), atomTerm(fun), Term::list(std::move(args)) }) });
}

Term timeoutTerm(int64_t timeoutMs)
{
    return timeoutMs == kInfinity ? atomTerm(atoms::infinity) : Term::integer(timeoutMs);
}

// --- default callbacks -----------------------------------------------------------------------------------------

Task<Term> GenServer::init(ProcessContext&, Term arg) { co_return okTuple(std::move(arg)); }

Task<Term> GenServer::handleCall(ProcessContext& ctx, Term, Term, Term)
{
    raiseError(noClauseError("call", ctx.self()));
    co_return Term();
}

Task<Term> GenServer::handleCast(ProcessContext& ctx, Term, Term)
{
    raiseError(noClauseError("cast", ctx.self()));
    co_return Term();
}

Task<Term> GenServer::handleInfo(ProcessContext&, Term, Term state)
{
    co_return Term::tuple({ atomTerm(atoms::noreply), std::move(state) });
}

Task<Term> GenServer::handleContinue(ProcessContext& ctx, Term, Term)
{
    raiseError(Term::tuple({ atomTerm(atoms::undef), ctx.self() }));
    co_return Term();
}

Task<Term> GenServer::terminate(ProcessContext&, Term, Term) { co_return atomTerm(atoms::ok); }

// --- starting ----------------------------------------------------------------------------------------------------

Term GenServer::readState() const
{
    if (!m_hasState)
        return Term::tuple({ atomTerm(atom::stateUnavailable()), Term::binary("initializing") });
    try {
        return formatStatus(m_state);
    } catch (...) {
        return Term::tuple({ atomTerm(atom::stateUnavailable()), Term::binary("format_status failed") });
    }
}

SpawnResult GenServer::spawnServer(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term arg,
    GenServerOptions options, bool link, bool monitor)
{
    SpawnOptions so;
    so.link = link;
    so.monitor = monitor;
    Term module = options.module.isNilAtom() ? atomTerm(atom::genServerModule()) : options.module;
    so.label = !options.label.isNilAtom() ? options.label
        : options.name                    ? atomTerm(*options.name)
                                          : module;
    so.behaviour = options.behaviour == atoms::nil ? atom::genServer() : options.behaviour;
    so.initialCall = Term::tuple({ module, atomTerm(atom::init()), Term::integer(1) });
    Term starter = ctx.self();
    return ctx.spawn(
        [server = std::move(server), starter, arg = std::move(arg), options = std::move(options), link](
            ProcessContext& c) { return serve(c, server, starter, arg, options, link); },
        std::move(so));
}

Task<void> GenServer::serve(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term starter, Term arg,
    GenServerOptions options, bool linked)
{
    GenServer& self = *server;
    const Term me = ctx.self();
    // No strong references from the process to itself: the reader holds the server weakly, and an unlinked server
    // (its own parent) does not keep its own pid.
    if (linked)
        self.m_parent = starter;
    std::weak_ptr<GenServer> weak = server;
    ctx.setStateReader([weak] {
        auto s = weak.lock();
        return s ? s->readState() : Term::tuple({ Term::atom(atom::stateUnavailable()), Term::binary("exited") });
    });

    if (options.name) {
        if (!ctx.registerName(*options.name, me)) {
            Term holder = ctx.whereis(*options.name);
            ctx.send(starter, ackMessage(me, errorTuple(Term::tuple({ atomTerm(atom::alreadyStarted()), holder }))));
            co_return;
        }
    }
    auto unregister = [&] {
        if (options.name)
            ctx.unregister(*options.name);
    };

    Outcome init = co_await guarded(self.init(ctx, arg));
    if (init.failure) {
        unregister();
        ctx.send(starter, ackMessage(me, errorTuple(init.failure->exitReason())));
        throw *init.failure;
    }
    const Term& r = init.value;
    if ((r.isTuple(2) || r.isTuple(3)) && r.element(0).isAtom(atoms::ok)) {
        self.m_state = r.element(1);
        self.m_hasState = true;
        ctx.send(starter, ackMessage(me, okTuple(me)));
        // (Computed outside the co_await: GCC 12 evaluates both arms of a ?: inside one.)
        Term first = atomTerm(atoms::infinity);
        if (r.isTuple(3))
            first = r.element(2);
        co_await self.loop(ctx, std::move(first));
        co_return;
    }
    if (r.isAtom(atoms::ignore)) {
        unregister();
        ctx.send(starter, ackMessage(me, atomTerm(atoms::ignore)));
        co_return;
    }
    Term reason = isTupleTagged(r, 2, atoms::stop) ? r.element(1)
                                                   : Term::tuple({ atomTerm(atom::badReturnValue()), r });
    unregister();
    ctx.send(starter, ackMessage(me, errorTuple(reason)));
    raiseExit(reason);
}

Task<void> GenServer::terminateAndExit(ProcessContext& ctx, Term reason, std::optional<ProcessException> cause)
{
    // An exception from terminate/2 itself replaces the reason, as in gen_server.
    Outcome t = co_await guarded(terminate(ctx, reason, m_state));
    if (t.failure)
        throw *t.failure;
    if (cause)
        throw *cause;
    raiseExit(std::move(reason));
}

Task<void> GenServer::loop(ProcessContext& ctx, Term timeout)
{
    for (;;) {
        Outcome out;
        Term from; // set for calls
        bool isCall = false;
        if (isTupleTagged(timeout, 2, atom::continue_())) {
            out = co_await guarded(handleContinue(ctx, timeout.element(1), m_state));
        } else {
            const int64_t ms = timeout.isInteger() ? timeout.asInteger() : kInfinity;
            std::optional<Term> msg = co_await ctx.receive(ms);
            if (!msg) {
                out = co_await guarded(handleInfo(ctx, atomTerm(atoms::timeout), m_state));
            } else if (isTupleTagged(*msg, 3, atoms::call)) {
                isCall = true;
                from = msg->element(1);
                out = co_await guarded(handleCall(ctx, msg->element(2), from, m_state));
            } else if (isTupleTagged(*msg, 2, atoms::cast)) {
                out = co_await guarded(handleCast(ctx, msg->element(1), m_state));
            } else if (isTupleTagged(*msg, 3, atoms::EXIT) && isParent(ctx, msg->element(1))) {
                co_await terminateAndExit(ctx, msg->element(2), std::nullopt);
                co_return;
            } else if (isTupleTagged(*msg, 3, atom::system())) {
                const Term& sysFrom = msg->element(1);
                const Term& req = msg->element(2);
                if (isTupleTagged(req, 2, atom::terminate())) {
                    co_await terminateAndExit(ctx, req.element(1), std::nullopt);
                    co_return;
                }
                if (req.isAtom(atom::getState()))
                    reply(ctx, sysFrom, m_state);
                else
                    reply(ctx, sysFrom, errorTuple(Term::atom("unknown_system_msg")));
                continue;
            } else {
                out = co_await guarded(handleInfo(ctx, *msg, m_state));
            }
        }
        if (out.failure) {
            co_await terminateAndExit(ctx, out.failure->exitReason(), out.failure);
            co_return;
        }

        const Term& r = out.value;
        if (isCall && (r.isTuple(3) || r.isTuple(4)) && r.element(0).isAtom(atoms::reply)) {
            reply(ctx, from, r.element(1));
            m_state = r.element(2);
            timeout = r.isTuple(4) ? r.element(3) : atomTerm(atoms::infinity);
        } else if ((r.isTuple(2) || r.isTuple(3)) && r.element(0).isAtom(atoms::noreply)) {
            m_state = r.element(1);
            timeout = r.isTuple(3) ? r.element(2) : atomTerm(atoms::infinity);
        } else if (isCall && isTupleTagged(r, 4, atoms::stop)) {
            // gen_server replies after terminate/2 has run.
            m_state = r.element(3);
            Outcome t = co_await guarded(terminate(ctx, r.element(1), m_state));
            reply(ctx, from, r.element(2));
            if (t.failure)
                throw *t.failure;
            raiseExit(r.element(1));
        } else if (isTupleTagged(r, 3, atoms::stop)) {
            m_state = r.element(2);
            co_await terminateAndExit(ctx, r.element(1), std::nullopt);
            co_return;
        } else {
            Term bad = Term::tuple({ atomTerm(atom::badReturnValue()), r });
            co_await terminateAndExit(ctx, std::move(bad), std::nullopt);
            co_return;
        }
    }
}

Task<Term> GenServer::startLink(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term arg,
    GenServerOptions options)
{
    const int64_t timeout = options.startTimeoutMs;
    const Term pid = spawnServer(ctx, std::move(server), std::move(arg), std::move(options), true, false).pid;
    auto receivePred1 = [pid](const Term& msg) { return isAckFrom(msg, pid) || isExitFrom(msg, pid); };
    std::optional<Term> m = co_await ctx.receive(
        receivePred1, timeout);
    if (!m) {
        ctx.unlink(pid);
        ctx.exit(pid, atomTerm(atoms::kill));
        auto receivePred2 = [pid](const Term& msg) { return isExitFrom(msg, pid); };
        co_await ctx.receive(receivePred2, 0);
        co_return errorTuple(atomTerm(atoms::timeout));
    }
    if (isAckFrom(*m, pid))
        co_return m->element(2);
    co_return errorTuple(m->element(2));
}

Task<Term> GenServer::start(ProcessContext& ctx, std::shared_ptr<GenServer> server, Term arg,
    GenServerOptions options)
{
    const int64_t timeout = options.startTimeoutMs;
    SpawnResult sr = spawnServer(ctx, std::move(server), std::move(arg), std::move(options), false, true);
    const Term pid = sr.pid;
    const Term ref = sr.monitorRef;
    auto receivePred3 = [pid, ref](const Term& msg) { return isAckFrom(msg, pid) || isDownFor(msg, ref); };
    std::optional<Term> m = co_await ctx.receive(
        receivePred3, timeout);
    if (!m) {
        ctx.demonitor(ref, true);
        ctx.exit(pid, atomTerm(atoms::kill));
        co_return errorTuple(atomTerm(atoms::timeout));
    }
    ctx.demonitor(ref, true);
    if (isAckFrom(*m, pid))
        co_return m->element(2);
    co_return errorTuple(m->element(4));
}

Expected<Term, Term> GenServer::start(Runtime& rt, std::shared_ptr<GenServer> server, Term arg,
    GenServerOptions options)
{
    auto host = rt.hostProcess();
    const Term starter = host->pid();
    const int64_t timeout = options.startTimeoutMs;
    SpawnOptions so;
    so.monitor = true;
    Term module = options.module.isNilAtom() ? atomTerm(atom::genServerModule()) : options.module;
    so.label = !options.label.isNilAtom() ? options.label : options.name ? atomTerm(*options.name) : module;
    so.behaviour = options.behaviour == atoms::nil ? atom::genServer() : options.behaviour;
    so.initialCall = Term::tuple({ module, atomTerm(atom::init()), Term::integer(1) });
    SpawnResult sr = host->spawn(
        [server = std::move(server), starter, arg = std::move(arg), options = std::move(options)](
            ProcessContext& c) { return serve(c, server, starter, arg, options, false); },
        std::move(so));
    const Term pid = sr.pid;
    const Term ref = sr.monitorRef;
    std::optional<Term> m
        = host->receive(timeout, [&](const Term& msg) { return isAckFrom(msg, pid) || isDownFor(msg, ref); });
    host->demonitor(ref, true);
    if (!m) {
        rt.exit(pid, atomTerm(atoms::kill));
        return unexpected(atomTerm(atoms::timeout));
    }
    if (isDownFor(*m, ref))
        return unexpected(m->element(4));
    const Term& result = m->element(2);
    if (isTupleTagged(result, 2, atoms::ok))
        return result.element(1);
    if (isTupleTagged(result, 2, atoms::error))
        return unexpected(result.element(1));
    return unexpected(result);
}

// --- talking to a server -------------------------------------------------------------------------------------------

Term GenServer::whereis(ProcessContext& ctx, const Term& server)
{
    if (server.isPid())
        return server;
    if (server.isAtom())
        return ctx.whereis(server.asAtom());
    return Term::nil();
}

Task<Term> GenServer::call(ProcessContext& ctx, Term server, Term request, int64_t timeoutMs)
{
    auto fail = [&](Term reason) {
        raiseExit(wrapExitReason(std::move(reason), atom::genServerModule(), atom::callFn(),
            { server, request, timeoutTerm(timeoutMs) }));
    };
    const Term pid = whereis(ctx, server);
    if (!pid.isPid())
        fail(atomTerm(atoms::noproc));
    if (pid == ctx.self())
        fail(atomTerm(atom::callingSelf()));
    auto mref = ctx.monitor(pid);
    if (!mref)
        fail(atomTerm(atoms::noproc));
    const Term ref = *mref;
    ctx.send(pid, Term::tuple({ atomTerm(atoms::call), Term::tuple({ ctx.self(), ref }), request }));
    auto receivePred4 = [ref](const Term& msg) { return isReplyFor(msg, ref) || isDownFor(msg, ref); };
    std::optional<Term> m = co_await ctx.receive(
        receivePred4, timeoutMs);
    if (!m) {
        ctx.demonitor(ref, true);
        fail(atomTerm(atoms::timeout));
    }
    if (isDownFor(*m, ref))
        fail(m->element(4));
    ctx.demonitor(ref, true);
    co_return m->element(1);
}

void GenServer::cast(ProcessContext& ctx, const Term& server, Term message)
{
    const Term pid = whereis(ctx, server);
    if (pid.isPid())
        ctx.send(pid, Term::tuple({ atomTerm(atoms::cast), std::move(message) }));
}

void GenServer::reply(ProcessContext& ctx, const Term& from, Term reply)
{
    if (from.isTuple(2))
        ctx.send(from.element(0), Term::tuple({ from.element(1), std::move(reply) }));
}

Task<Term> GenServer::stop(ProcessContext& ctx, Term server, Term reason, int64_t timeoutMs)
{
    auto fail = [&](Term why) {
        raiseExit(wrapExitReason(std::move(why), atom::genServerModule(), atom::stopFn(),
            { server, reason, timeoutTerm(timeoutMs) }));
    };
    const Term pid = whereis(ctx, server);
    if (!pid.isPid())
        fail(atomTerm(atoms::noproc));
    if (pid == ctx.self())
        fail(atomTerm(atom::callingSelf()));
    auto mref = ctx.monitor(pid);
    if (!mref)
        fail(atomTerm(atoms::noproc));
    const Term ref = *mref;
    ctx.send(pid,
        Term::tuple({ atomTerm(atom::system()), Term::tuple({ ctx.self(), ref }),
            Term::tuple({ atomTerm(atom::terminate()), reason }) }));
    auto receivePred5 = [ref](const Term& msg) { return isDownFor(msg, ref); };
    std::optional<Term> m = co_await ctx.receive(receivePred5, timeoutMs);
    if (!m) {
        ctx.demonitor(ref, true);
        fail(atomTerm(atoms::timeout));
    }
    if (m->element(4) != reason)
        fail(m->element(4));
    co_return atomTerm(atoms::ok);
}

Expected<Term, Term> GenServer::call(Runtime& rt, const Term& server, Term request, int64_t timeoutMs)
{
    auto wrap = [&](Term reason) {
        return unexpected(wrapExitReason(
            std::move(reason), atom::genServerModule(), atom::callFn(), { server, request, timeoutTerm(timeoutMs) }));
    };
    const Term pid = server.isAtom() ? rt.whereis(server.asAtom()) : server;
    if (!pid.isPid())
        return wrap(atomTerm(atoms::noproc));
    auto host = rt.hostProcess();
    auto mref = host->monitor(pid);
    if (!mref)
        return wrap(atomTerm(atoms::noproc));
    const Term ref = *mref;
    host->send(pid, Term::tuple({ atomTerm(atoms::call), Term::tuple({ host->pid(), ref }), request }));
    std::optional<Term> m
        = host->receive(timeoutMs, [&](const Term& msg) { return isReplyFor(msg, ref) || isDownFor(msg, ref); });
    host->demonitor(ref, true);
    if (!m)
        return wrap(atomTerm(atoms::timeout));
    if (isDownFor(*m, ref))
        return wrap(m->element(4));
    return m->element(1);
}

void GenServer::cast(Runtime& rt, const Term& server, Term message)
{
    const Term pid = server.isAtom() ? rt.whereis(server.asAtom()) : server;
    if (pid.isPid())
        rt.send(pid, Term::tuple({ atomTerm(atoms::cast), std::move(message) }));
}

Expected<Term, Term> GenServer::stop(Runtime& rt, const Term& server, Term reason, int64_t timeoutMs)
{
    auto wrap = [&](Term why) {
        return unexpected(wrapExitReason(
            std::move(why), atom::genServerModule(), atom::stopFn(), { server, reason, timeoutTerm(timeoutMs) }));
    };
    const Term pid = server.isAtom() ? rt.whereis(server.asAtom()) : server;
    if (!pid.isPid())
        return wrap(atomTerm(atoms::noproc));
    auto host = rt.hostProcess();
    auto mref = host->monitor(pid);
    if (!mref)
        return wrap(atomTerm(atoms::noproc));
    const Term ref = *mref;
    host->send(pid,
        Term::tuple({ atomTerm(atom::system()), Term::tuple({ host->pid(), ref }),
            Term::tuple({ atomTerm(atom::terminate()), reason }) }));
    std::optional<Term> m = host->receive(timeoutMs, [&](const Term& msg) { return isDownFor(msg, ref); });
    if (!m) {
        host->demonitor(ref, true);
        return wrap(atomTerm(atoms::timeout));
    }
    if (m->element(4) != reason)
        return wrap(m->element(4));
    return atomTerm(atoms::ok);
}

} // namespace vigil::otp

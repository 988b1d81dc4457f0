#include "otp/agent.h"

#include "otp/otpatoms.h"

namespace vigil::otp {

namespace {

Term atomTerm(Atom a) { return Term::atom(a); }

// (Built outside the co_await expression: GCC 12 mishandles braced lists there.)
std::vector<Term> oneArg(const Term& t) { return std::vector<Term>(1, t); }

class AgentServer final : public GenServer {
public:
    // initIsFun: arg is a function to run for the state; otherwise it is the state itself.
    explicit AgentServer(bool initIsFun)
        : m_initIsFun(initIsFun)
    {
    }

    Task<Term> init(ProcessContext& ctx, Term arg) override
    {
        if (!m_initIsFun)
            co_return okTuple(arg);
        Term state = co_await applyFun(ctx, arg, std::vector<Term>());
        co_return okTuple(state);
    }

    Task<Term> handleCall(ProcessContext& ctx, Term request, Term, Term state) override
    {
        if (request.isTuple(2)) {
            const Term& tag = request.element(0);
            const Term& fun = request.element(1);
            if (tag.isAtom(atom::get())) {
                Term value = co_await applyFun(ctx, fun, oneArg(state));
                co_return Term::tuple({ atomTerm(atoms::reply), value, state });
            }
            if (tag.isAtom(atom::update())) {
                Term next = co_await applyFun(ctx, fun, oneArg(state));
                co_return Term::tuple({ atomTerm(atoms::reply), atomTerm(atoms::ok), next });
            }
            if (tag.isAtom(atom::getAndUpdate())) {
                Term r = co_await applyFun(ctx, fun, oneArg(state));
                if (!r.isTuple(2))
                    raiseExit(Term::tuple({ atomTerm(atom::badReturnValue()), r }));
                co_return Term::tuple({ atomTerm(atoms::reply), r.element(0), r.element(1) });
            }
        }
        co_return co_await GenServer::handleCall(ctx, request, Term(), state);
    }

    Task<Term> handleCast(ProcessContext& ctx, Term request, Term state) override
    {
        if (request.isTuple(2) && request.element(0).isAtom(atom::castTag())) {
            Term next = co_await applyFun(ctx, request.element(1), oneArg(state));
            co_return Term::tuple({ atomTerm(atoms::noreply), next });
        }
        co_return co_await GenServer::handleCast(ctx, request, state);
    }

private:
    bool m_initIsFun;
};

GenServerOptions agentOptions(GenServerOptions o)
{
    if (o.module.isNilAtom())
        o.module = atomTerm(atom::agentModule());
    o.behaviour = atom::agent();
    return o;
}

Term req(Atom tag, Term fun) { return Term::tuple({ atomTerm(tag), std::move(fun) }); }

} // namespace

Task<Term> Agent::startLink(ProcessContext& ctx, Term initFun, GenServerOptions options)
{
    return GenServer::startLink(ctx, std::make_shared<AgentServer>(true), std::move(initFun), agentOptions(options));
}

Task<Term> Agent::start(ProcessContext& ctx, Term initFun, GenServerOptions options)
{
    return GenServer::start(ctx, std::make_shared<AgentServer>(true), std::move(initFun), agentOptions(options));
}

Expected<Term, Term> Agent::start(Runtime& rt, Term initialState, GenServerOptions options)
{
    return GenServer::start(rt, std::make_shared<AgentServer>(false), std::move(initialState), agentOptions(options));
}

ChildSpec Agent::childSpec(Term id, Term initialState, GenServerOptions options)
{
    ChildSpec spec;
    spec.id = std::move(id);
    spec.start = [initialState = std::move(initialState), options = agentOptions(options)](ProcessContext& ctx) {
        return GenServer::startLink(ctx, std::make_shared<AgentServer>(false), initialState, options);
    };
    return spec;
}

Task<Term> Agent::get(ProcessContext& ctx, Term agent, Term fun, int64_t timeoutMs)
{
    return GenServer::call(ctx, std::move(agent), req(atom::get(), std::move(fun)), timeoutMs);
}

Task<Term> Agent::update(ProcessContext& ctx, Term agent, Term fun, int64_t timeoutMs)
{
    return GenServer::call(ctx, std::move(agent), req(atom::update(), std::move(fun)), timeoutMs);
}

Task<Term> Agent::getAndUpdate(ProcessContext& ctx, Term agent, Term fun, int64_t timeoutMs)
{
    return GenServer::call(ctx, std::move(agent), req(atom::getAndUpdate(), std::move(fun)), timeoutMs);
}

void Agent::cast(ProcessContext& ctx, const Term& agent, Term fun)
{
    GenServer::cast(ctx, agent, req(atom::castTag(), std::move(fun)));
}

Task<Term> Agent::stop(ProcessContext& ctx, Term agent, Term reason, int64_t timeoutMs)
{
    return GenServer::stop(ctx, std::move(agent), std::move(reason), timeoutMs);
}

Expected<Term, Term> Agent::get(Runtime& rt, const Term& agent, Term fun, int64_t timeoutMs)
{
    return GenServer::call(rt, agent, req(atom::get(), std::move(fun)), timeoutMs);
}

Expected<Term, Term> Agent::update(Runtime& rt, const Term& agent, Term fun, int64_t timeoutMs)
{
    return GenServer::call(rt, agent, req(atom::update(), std::move(fun)), timeoutMs);
}

Expected<Term, Term> Agent::getAndUpdate(Runtime& rt, const Term& agent, Term fun, int64_t timeoutMs)
{
    return GenServer::call(rt, agent, req(atom::getAndUpdate(), std::move(fun)), timeoutMs);
}

} // namespace vigil::otp

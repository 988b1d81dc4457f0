#include "otp/demo.h"

#include "otp/agent.h"
#include "otp/dynamicsupervisor.h"
#include "otp/otp_task.h"
#include "otp/otpatoms.h"

#include <algorithm>

namespace vigil::otp {

namespace {

Term A(std::string_view s) { return Term::atom(s); }
Term I(int64_t v) { return Term::integer(v); }
Atom name(std::string_view alias) { return Atom::intern(std::string("Elixir.") + std::string(alias)); }
Term nameTerm(std::string_view alias) { return Term::atom(name(alias)); }
Term noreply(Term s) { return Term::tuple({ A("noreply"), std::move(s) }); }
Term replyWith(Term r, Term s) { return Term::tuple({ A("reply"), std::move(r), std::move(s) }); }

// Small per-process pseudo-random numbers (no shared state between threads).
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed)
        : s(seed * 6364136223846793005ULL + 1442695040888963407ULL)
    {
    }
    int64_t range(int64_t lo, int64_t hi)
    {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return lo + int64_t((s >> 33) % uint64_t(hi - lo + 1));
    }
};

int64_t scaled(int64_t ms, const DemoOptions& o) { return std::max<int64_t>(1, int64_t(double(ms) / o.speed)); }

GenServerOptions named(std::string_view alias)
{
    GenServerOptions o;
    o.name = name(alias);
    o.module = nameTerm(alias);
    return o;
}

template <typename Server, typename... Args>
ChildSpec worker(std::string_view alias, Term arg, Args... args)
{
    ChildSpec spec;
    spec.id = nameTerm(alias);
    spec.start = [alias = std::string(alias), arg, args...](ProcessContext& ctx) {
        return GenServer::startLink(ctx, std::make_shared<Server>(args...), arg, named(alias));
    };
    return spec;
}

// --- Demo.Cache: the seed article's CashMan.Cache ---------------------------------------------------------------

class Cache final : public GenServer {
public:
    Task<Term> init(ProcessContext&, Term) override { co_return okTuple(Term::map({})); }

    Task<Term> handleCall(ProcessContext& ctx, Term request, Term, Term state) override
    {
        // {:fetch, key, expiry} → value, or :missing (and the stale entry is dropped)
        if (request.isTuple(3) && request.element(0).isAtom(Atom::intern("fetch"))) {
            const Term* entry = state.mapGet(request.element(1));
            if (!entry)
                co_return replyWith(A("missing"), state);
            if (expired(ctx, entry->element(0)))
                co_return replyWith(A("missing"), state.mapRemove(request.element(1)));
            co_return replyWith(entry->element(1), state);
        }
        if (request.isTuple(2) && request.element(0).isAtom(atom::get())) {
            const Term* entry = state.mapGet(request.element(1));
            if (!entry)
                co_return replyWith(Term::nil(), state);
            co_return replyWith(entry->element(1), state);
        }
        if (request.isAtom(Atom::intern("current")))
            co_return replyWith(state, state);
        co_return co_await GenServer::handleCall(ctx, request, Term(), state);
    }

    Task<Term> handleCast(ProcessContext& ctx, Term request, Term state) override
    {
        if (request.isTuple(4) && request.element(0).isAtom(Atom::intern("store"))) {
            const int64_t expiry = request.element(3).isInteger() ? request.element(3).asInteger() : 60;
            co_return noreply(state.mapPut(request.element(1),
                Term::tuple({ I(ctx.nowMs() / 1000 + expiry), request.element(2) })));
        }
        if (request.isAtom(Atom::intern("prune")))
            co_return noreply(prune(ctx, state));
        co_return co_await GenServer::handleCast(ctx, request, state);
    }

    Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state) override
    {
        // Plain messages a user can type into the send box.
        if (message.isTuple(3) && message.element(0).isAtom(Atom::intern("put")))
            co_return noreply(state.mapPut(message.element(1), Term::tuple({ A("infinity"), message.element(2) })));
        if (message.isTuple(2) && message.element(0).isAtom(Atom::intern("delete")))
            co_return noreply(state.mapRemove(message.element(1)));
        if (message.isAtom(Atom::intern("prune")))
            co_return noreply(prune(ctx, state));
        co_return noreply(state);
    }

private:
    static bool expired(ProcessContext& ctx, const Term& at) { return at.isInteger() && ctx.nowMs() / 1000 > at.asInteger(); }
    static Term prune(ProcessContext& ctx, const Term& state)
    {
        Term out = state;
        for (size_t i = 0; i < state.mapSize(); ++i) {
            const auto& [k, v] = state.mapBegin()[i];
            if (expired(ctx, v.element(0)))
                out = out.mapRemove(k);
        }
        return out;
    }
};

// --- Demo.Producer / Demo.Consumer ---------------------------------------------------------------------------------

class Producer final : public GenServer {
public:
    explicit Producer(DemoOptions o)
        : m_o(o)
    {
    }
    Task<Term> init(ProcessContext& ctx, Term) override
    {
        ctx.sendAfter(ctx.self(), A("produce"), scaled(50, m_o));
        co_return okTuple(Term::map({ { A("sent"), I(0) } }));
    }
    Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state) override
    {
        if (!message.isAtom(Atom::intern("produce")))
            co_return noreply(state);
        int64_t sent = state.mapGet(A("sent"))->asInteger();
        for (int i = 0; i < 3; ++i)
            ctx.send(nameTerm("Demo.Consumer"), Term::tuple({ A("job"), I(++sent) }));
        ctx.sendAfter(ctx.self(), A("produce"), scaled(50, m_o));
        co_return noreply(state.mapPut(A("sent"), I(sent)));
    }

private:
    DemoOptions m_o;
};

// Slow for 6 s (one job per 100 ms, while ~60 jobs/s arrive), then at full speed for 4 s: the mailbox badge
// climbs and falls.
class Consumer final : public GenServer {
public:
    explicit Consumer(DemoOptions o)
        : m_o(o)
    {
    }
    Task<Term> init(ProcessContext& ctx, Term) override
    {
        m_start = ctx.nowMs();
        co_return okTuple(Term::map({ { A("done"), I(0) }, { A("mode"), A("slow") } }));
    }
    Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state) override
    {
        if (message.isTuple(2) && message.element(0).isAtom(Atom::intern("job"))) {
            // The mode follows the clock, not a message: a message would wait behind the very backlog it should end.
            const int64_t phase = (ctx.nowMs() - m_start) % scaled(10000, m_o);
            const bool slow = phase < scaled(6000, m_o);
            state = state.mapPut(A("mode"), A(slow ? "slow" : "catching_up"));
            if (slow)
                co_await ctx.sleep(scaled(100, m_o));
            const int64_t done = state.mapGet(A("done"))->asInteger() + 1;
            if (done % 50 == 0)
                Agent::cast(ctx, nameTerm("Demo.Stats"), makeFun1([](const Term& s) {
                    const Term* n = s.mapGet(A("jobs"));
                    return s.mapPut(A("jobs"), I((n ? n->asInteger() : 0) + 50));
                }));
            co_return noreply(state.mapPut(A("done"), I(done)));
        }
        co_return noreply(state);
    }

private:
    DemoOptions m_o;
    int64_t m_start = 0;
};

// --- Demo.Worker.N ---------------------------------------------------------------------------------------------------

class Worker final : public GenServer {
public:
    explicit Worker(DemoOptions o)
        : m_o(o)
    {
    }
    Task<Term> init(ProcessContext& ctx, Term arg) override
    {
        m_rng = Rng(ctx.self().pidSerial());
        ctx.sendAfter(ctx.self(), A("work"), scaled(m_rng.range(150, 300), m_o));
        co_return okTuple(Term::map({ { A("id"), arg }, { A("hits"), I(0) }, { A("misses"), I(0) } }));
    }
    Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state) override
    {
        if (!message.isAtom(Atom::intern("work")))
            co_return noreply(state);
        ctx.sendAfter(ctx.self(), A("work"), scaled(m_rng.range(150, 300), m_o));
        const Term key = A(keys[m_rng.range(0, 4)]);
        const Term cache = nameTerm("Demo.Cache");
        Term answer;
        bool reachable = true;
        try {
            Term request = Term::tuple({ A("fetch"), key, I(5) });
            answer = co_await GenServer::call(ctx, cache, std::move(request), 1000);
        } catch (const ProcessException&) {
            reachable = false; // the cache is restarting; try again next round
        }
        if (!reachable)
            co_return noreply(state);
        if (answer.isAtom(Atom::intern("missing"))) {
            // As in the article: compute the value in a Task, then store it.
            AsyncTask t = tasks::async(ctx, [](ProcessContext& c) -> Task<Term> {
                co_return Term::integer(int64_t(c.self().pidSerial() % 97));
            });
            Term value = co_await tasks::await(ctx, t);
            GenServer::cast(ctx, cache, Term::tuple({ A("store"), key, value, I(5) }));
            co_return noreply(state.mapPut(A("misses"), I(state.mapGet(A("misses"))->asInteger() + 1)));
        }
        co_return noreply(state.mapPut(A("hits"), I(state.mapGet(A("hits"))->asInteger() + 1)));
    }

private:
    static constexpr const char* keys[] = { "total", "users", "orders", "answer", "weather" };
    DemoOptions m_o;
    Rng m_rng { 1 };
};

// --- Demo.Ticker, sessions, Demo.Flaky -------------------------------------------------------------------------------

class Session final : public GenServer {
public:
    Task<Term> init(ProcessContext& ctx, Term arg) override
    {
        Rng rng(ctx.self().pidSerial());
        ctx.sendAfter(ctx.self(), A("done"), rng.range(3000, 8000));
        co_return okTuple(Term::map({ { A("user"), arg } }));
    }
    Task<Term> handleInfo(ProcessContext&, Term message, Term state) override
    {
        if (message.isAtom(Atom::intern("done")))
            co_return Term::tuple({ A("stop"), A("normal"), state });
        co_return noreply(state);
    }
};

Task<Term> fibTask(ProcessContext&, int64_t n)
{
    int64_t a = 0, b = 1;
    for (int64_t i = 0; i < n; ++i)
        b = std::exchange(a, b) + b;
    co_return Term::integer(a);
}

class Ticker final : public GenServer {
public:
    explicit Ticker(DemoOptions o)
        : m_o(o)
    {
    }
    Task<Term> init(ProcessContext& ctx, Term) override
    {
        ctx.sendAfter(ctx.self(), A("tick"), scaled(1000, m_o));
        co_return okTuple(Term::map({ { A("ticks"), I(0) }, { A("last_result"), Term::nil() } }));
    }
    Task<Term> handleInfo(ProcessContext& ctx, Term message, Term state) override
    {
        if (!message.isAtom(Atom::intern("tick")))
            co_return noreply(state);
        ctx.sendAfter(ctx.self(), A("tick"), scaled(1000, m_o));
        const int64_t ticks = state.mapGet(A("ticks"))->asInteger() + 1;
        const int64_t n = 30 + ticks % 40;
        AsyncTask t = tasks::async(ctx, [n](ProcessContext& c) { return fibTask(c, n); });
        Term result = co_await tasks::await(ctx, t);
        if (ticks % 2 == 0) {
            ChildSpec session;
            session.id = A("session");
            session.restart = atoms::temporary;
            const Term user = I(ticks);
            session.start = [user](ProcessContext& c) {
                GenServerOptions o;
                o.module = nameTerm("Demo.Session");
                return GenServer::startLink(c, std::make_shared<Session>(), user, o);
            };
            try {
                co_await DynamicSupervisor::startChild(ctx, nameTerm("Demo.Sessions"), session);
            } catch (const ProcessException&) {
                // Demo.Sessions is restarting: skip this one.
            }
        }
        co_return noreply(state.mapPut(A("ticks"), I(ticks)).mapPut(A("last_result"), result));
    }

private:
    DemoOptions m_o;
};

class Flaky final : public GenServer {
public:
    explicit Flaky(DemoOptions o)
        : m_o(o)
    {
    }
    Task<Term> init(ProcessContext& ctx, Term) override
    {
        Rng rng(ctx.self().pidSerial());
        ctx.sendAfter(ctx.self(), A("fail"), scaled(rng.range(15000, 25000), m_o));
        co_return okTuple(Term::map({ { A("status"), A("ok") } }));
    }
    Task<Term> handleInfo(ProcessContext&, Term message, Term state) override
    {
        if (message.isAtom(Atom::intern("fail")))
            raiseError(Term::map({ { A("__struct__"), A("Elixir.RuntimeError") }, { A("__exception__"), A("true") },
                { A("message"), Term::binary("simulated failure") } }));
        co_return noreply(state);
    }

private:
    DemoOptions m_o;
};

SupervisorOptions supName(std::string_view alias)
{
    SupervisorOptions o;
    o.name = name(alias);
    o.module = nameTerm(alias);
    return o;
}

ChildSpec statsSpec()
{
    GenServerOptions o = named("Demo.Stats");
    return Agent::childSpec(nameTerm("Demo.Stats"), Term::map({ { A("jobs"), I(0) } }), o);
}

DynamicSupervisorFlags sessionFlags()
{
    DynamicSupervisorFlags f;
    f.maxChildren = 4;
    return f;
}

DynamicSupervisorOptions sessionOptions()
{
    DynamicSupervisorOptions d;
    d.name = name("Demo.Sessions");
    d.module = nameTerm("Demo.Sessions");
    return d;
}

std::vector<ChildSpec> rootChildren(const DemoOptions& o)
{
    std::vector<ChildSpec> jobs { worker<Ticker>("Demo.Ticker", Term::nil(), o),
        DynamicSupervisor::childSpec(nameTerm("Demo.Sessions"), sessionFlags(), sessionOptions()) };
    if (o.flaky)
        jobs.push_back(worker<Flaky>("Demo.Flaky", Term::nil(), o));

    std::vector<ChildSpec> workers { worker<Worker>("Demo.Worker.1", I(1), o), worker<Worker>("Demo.Worker.2", I(2), o),
        Supervisor::childSpec(nameTerm("Demo.Jobs"), std::move(jobs), SupervisorFlags {}, supName("Demo.Jobs")) };

    std::vector<ChildSpec> pipeline { worker<Producer>("Demo.Producer", Term::nil(), o),
        worker<Consumer>("Demo.Consumer", Term::nil(), o) };

    std::vector<ChildSpec> root { worker<Cache>("Demo.Cache", Term::nil()), statsSpec(),
        Supervisor::childSpec(nameTerm("Demo.Pipeline"), std::move(pipeline),
            SupervisorFlags { .strategy = atoms::rest_for_one }, supName("Demo.Pipeline")),
        Supervisor::childSpec(nameTerm("Demo.Workers"), std::move(workers),
            SupervisorFlags { .strategy = atoms::one_for_all }, supName("Demo.Workers")) };

    return root;
}

} // namespace

ChildSpec demoChildSpec(DemoOptions options)
{
    return Supervisor::childSpec(nameTerm("Demo.Root"), rootChildren(options), SupervisorFlags {}, supName("Demo.Root"));
}

Expected<Term, Term> startDemo(Runtime& rt, DemoOptions options)
{
    return Supervisor::start(rt, rootChildren(options), SupervisorFlags {}, supName("Demo.Root"));
}

} // namespace vigil::otp

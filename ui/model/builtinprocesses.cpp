#include "builtinprocesses.h"

#include "otp/genserver.h"
#include "otp/supervisor.h"

#include <algorithm>

namespace vigil {

namespace {

Term a(std::string_view name) { return Term::atom(name); }

SpawnOptions labelled(std::string_view label, std::string_view fun, bool trap = false)
{
    SpawnOptions o;
    o.label = Term::binary(label);
    o.initialCall = Term::tuple({ a("Vigil.Builtin"), a(fun), Term::integer(0) });
    o.trapExit = trap;
    return o;
}

// Replies {:echo, msg} to {from, msg}; anything else is taken and dropped.
Task<void> echoBody(ProcessContext& ctx)
{
    for (;;) {
        auto m = co_await ctx.receive();
        if (m && m->isTuple(2) && m->element(0).isPid())
            ctx.send(m->element(0), Term::tuple({ a("echo"), m->element(1) }));
    }
}

// Never receives: everything sent to it stays in its mailbox, so the inspector shows it. Traps exits, so linked
// deaths arrive as {:EXIT, pid, reason} messages instead of killing it.
Task<void> keeperBody(ProcessContext& ctx)
{
    co_await ctx.sleep(kInfinity);
}

// Does nothing until told: lives and dies by its links.
Task<void> idleBody(ProcessContext& ctx)
{
    co_await ctx.sleep(kInfinity);
}

// Counts :inc messages, replies to {:get, from}.
Task<void> counterBody(ProcessContext& ctx)
{
    int64_t n = 0;
    for (;;) {
        auto m = co_await ctx.receive();
        if (!m)
            continue;
        if (m->isAtom() && m->asAtom().name() == "inc")
            ++n;
        else if (m->isTuple(2) && m->element(0).isAtom() && m->element(0).asAtom().name() == "get")
            ctx.send(m->element(1), Term::tuple({ a("count"), Term::integer(n) }));
    }
}

// Crashes with :boom a few seconds after it starts.
Task<void> crasherBody(ProcessContext& ctx, int64_t afterMs)
{
    co_await ctx.sleep(afterMs);
    raiseExit(a("boom"));
}

// Sends :tick to a target every periodMs.
Task<void> tickerBody(ProcessContext& ctx, Term target, int64_t periodMs)
{
    for (;;) {
        co_await ctx.sleep(periodMs);
        ctx.send(target, a("inc"));
    }
}

// Takes one message every periodMs: a slow consumer whose mailbox grows under a faster producer.
Task<void> slowConsumerBody(ProcessContext& ctx, int64_t periodMs)
{
    for (;;) {
        co_await ctx.sleep(periodMs);
        (void)co_await ctx.receive(0);
    }
}

Task<void> producerBody(ProcessContext& ctx, Term target, int64_t periodMs, int64_t batch)
{
    int64_t n = 0;
    for (;;) {
        co_await ctx.sleep(periodMs);
        for (int64_t i = 0; i < batch; ++i)
            ctx.send(target, Term::tuple({ a("job"), Term::integer(++n) }));
    }
}

// The flood: sends `total` {:job, n} messages to target in bursts of `burst`, pausing pauseMs between bursts so the
// engine's other processes keep their turns, then exits :normal.
Task<void> floodProducerBody(ProcessContext& ctx, Term target, int64_t total, int64_t burst, int64_t pauseMs)
{
    int64_t n = 0;
    while (n < total) {
        const int64_t end = std::min(total, n + burst);
        while (n < end)
            ctx.send(target, Term::tuple({ a("job"), Term::integer(++n) }));
        co_await ctx.sleep(pauseMs);
    }
}

// A plain process that keeps a few children: spawn_link'ed workers and a monitored one.
Task<void> demoRootBody(ProcessContext& ctx)
{
    ctx.trapExit(true);
    auto counter = ctx.spawn([](ProcessContext& c) { return counterBody(c); }, labelled("counter", "counter", false));
    SpawnOptions tick = labelled("ticker", "ticker");
    tick.link = true;
    const Term target = counter.pid;
    ctx.spawn([target](ProcessContext& c) { return tickerBody(c, target, 250); }, tick);

    SpawnOptions cons = labelled("slow consumer", "slow_consumer");
    cons.link = true;
    auto consumer = ctx.spawn([](ProcessContext& c) { return slowConsumerBody(c, 400); }, cons);
    SpawnOptions prod = labelled("producer", "producer");
    prod.link = true;
    const Term sink = consumer.pid;
    ctx.spawn([sink](ProcessContext& c) { return producerBody(c, sink, 300, 2); }, prod);

    SpawnOptions keeper = labelled("keeper (traps exits)", "keeper", true);
    keeper.link = true;
    auto k = ctx.spawn([](ProcessContext& c) { return keeperBody(c); }, keeper);
    SpawnOptions worker = labelled("linked worker", "idle");
    auto w = ctx.spawn([](ProcessContext& c) { return idleBody(c); }, worker);
    (void)ctx.runtime().link(k.pid, w.pid);
    (void)ctx.runtime().monitor(counter.pid, w.pid);

    // Restart the crasher whenever it dies, like a tiny hand-written supervisor.
    SpawnOptions crash = labelled("crasher", "crasher");
    crash.link = true;
    ctx.spawn([](ProcessContext& c) { return crasherBody(c, 6000); }, crash);
    for (;;) {
        auto m = co_await ctx.receive();
        if (m && m->isTuple(3) && m->element(0).isAtom(atoms::EXIT)) {
            co_await ctx.sleep(500);
            ctx.spawn([](ProcessContext& c) { return crasherBody(c, 6000); }, crash);
        }
    }
}

// A key-value GenServer: {:put, k, v} / {:get, k} / {:delete, k} as calls, casts or plain messages.
class KvServer : public otp::GenServer {
public:
    Task<Term> init(ProcessContext&, Term) override { co_return okTuple(Term::map({})); }
    Task<Term> handleCall(ProcessContext&, Term req, Term, Term state) override
    {
        if (req.isTuple(2) && req.element(0).isAtom() && req.element(0).asAtom().name() == "get") {
            const Term* v = state.mapGet(req.element(1));
            co_return Term::tuple({ Term::atom(atoms::reply), v ? *v : Term::nil(), state });
        }
        co_return Term::tuple({ Term::atom(atoms::reply), Term::atom(atoms::ok), apply(req, state) });
    }
    Task<Term> handleCast(ProcessContext&, Term req, Term state) override
    {
        co_return Term::tuple({ Term::atom(atoms::noreply), apply(req, state) });
    }
    Task<Term> handleInfo(ProcessContext&, Term msg, Term state) override
    {
        co_return Term::tuple({ Term::atom(atoms::noreply), apply(msg, state) });
    }

private:
    static Term apply(const Term& req, const Term& state)
    {
        if (req.isTuple(3) && req.element(0).isAtom() && req.element(0).asAtom().name() == "put")
            return state.mapPut(req.element(1), req.element(2));
        if (req.isTuple(2) && req.element(0).isAtom() && req.element(0).asAtom().name() == "delete")
            return state.mapRemove(req.element(1));
        return state;
    }
};

// Starts builtin `id` linked to the calling process (a supervisor): {:ok, pid} | {:error, reason}.
Task<Term> startLinkedBuiltin(ProcessContext& ctx, std::string id)
{
    if (id == "kv_server") {
        otp::GenServerOptions o;
        o.module = a("Vigil.KV");
        co_return co_await otp::GenServer::startLink(ctx, std::make_shared<KvServer>(), Term::nil(), o);
    }
    SpawnOptions o = labelled(id, id, id == "keeper");
    o.link = true;
    NativeBody body;
    if (id == "idle")
        body = [](ProcessContext& c) { return idleBody(c); };
    else if (id == "keeper")
        body = [](ProcessContext& c) { return keeperBody(c); };
    else if (id == "echo")
        body = [](ProcessContext& c) { return echoBody(c); };
    else if (id == "counter")
        body = [](ProcessContext& c) { return counterBody(c); };
    else if (id == "crasher")
        body = [](ProcessContext& c) { return crasherBody(c, 5000); };
    else if (id == "slow_consumer")
        body = [](ProcessContext& c) { return slowConsumerBody(c, 400); };
    else
        co_return errorTuple(a("unknown_builtin"));
    co_return okTuple(ctx.spawn(std::move(body), o).pid);
}

otp::ChildSpec specFor(const std::string& id, Term childId)
{
    otp::ChildSpec spec;
    spec.id = std::move(childId);
    spec.start = [id](ProcessContext& c) { return startLinkedBuiltin(c, id); };
    return spec;
}

} // namespace

std::optional<otp::ChildSpec> builtinChildSpec(const std::string& id, Term childId)
{
    for (const BuiltinProcess& b : builtinProcesses()) {
        if (b.id == id && b.id.rfind("sup_", 0) != 0 && b.id != "task" && b.id != "flood")
            return specFor(id, std::move(childId));
    }
    return std::nullopt;
}

const std::vector<BuiltinProcess>& builtinProcesses()
{
    static const std::vector<BuiltinProcess> list = {
        { "idle", "Idle process", "Waits forever; lives and dies by its links" },
        { "keeper", "Mailbox keeper (traps exits)",
            "Traps exits and never receives: every message, including {:EXIT, ...}, stays in its mailbox" },
        { "echo", "Echo", "Replies {:echo, msg} to {from, msg}" },
        { "counter", "Counter", "Counts :inc messages, replies {:count, n} to {:get, from}" },
        { "crasher", "Crasher (5 s)", "Exits with :boom five seconds after it starts" },
        { "slow_consumer", "Slow consumer", "Takes one message every 400 ms" },
        { "flood", "Flood: producer → slow consumer (1,000,000 messages)",
            "A producer sends a million {:job, n} messages, in bursts, to a consumer that takes one every 5 ms: "
            "watch its mailbox badge and the mailbox chart climb. The two are linked: kill either to stop both" },
        { "kv_server", "GenServer: key-value store",
            "Handles {:put, k, v}, {:delete, k} (call, cast or plain message) and {:get, k} calls" },
        { "sup_one_for_one", "Supervisor one_for_one (3 workers)", "Restarts only the child that died" },
        { "sup_one_for_all", "Supervisor one_for_all (3 workers)", "Restarts every child when one dies" },
        { "sup_rest_for_one", "Supervisor rest_for_one (3 workers)",
            "Restarts the child that died and the ones started after it" },
    };
    return list;
}

std::optional<SpawnResult> spawnBuiltin(Runtime& rt, const std::string& id)
{
    if (id == "idle")
        return rt.spawn([](ProcessContext& c) { return idleBody(c); }, labelled("idle", "idle"));
    if (id == "keeper")
        return rt.spawn([](ProcessContext& c) { return keeperBody(c); }, labelled("keeper", "keeper", true));
    if (id == "echo")
        return rt.spawn([](ProcessContext& c) { return echoBody(c); }, labelled("echo", "echo"));
    if (id == "counter")
        return rt.spawn([](ProcessContext& c) { return counterBody(c); }, labelled("counter", "counter"));
    if (id == "crasher")
        return rt.spawn([](ProcessContext& c) { return crasherBody(c, 5000); }, labelled("crasher", "crasher"));
    if (id == "kv_server") {
        otp::GenServerOptions o;
        o.module = a("Vigil.KV");
        auto r = otp::GenServer::start(rt, std::make_shared<KvServer>(), Term::nil(), o);
        if (!r)
            return std::nullopt;
        return SpawnResult { *r, Term() };
    }
    if (id.rfind("sup_", 0) == 0) {
        otp::SupervisorFlags flags;
        flags.strategy = Atom::intern(id.substr(4));
        std::vector<otp::ChildSpec> children;
        children.push_back(specFor("kv_server", a("kv")));
        children.push_back(specFor("counter", a("counter")));
        children.push_back(specFor("echo", a("echo")));
        otp::SupervisorOptions o;
        o.label = Term::binary("Supervisor " + id.substr(4));
        auto r = otp::Supervisor::start(rt, std::move(children), flags, o);
        if (!r)
            return std::nullopt;
        return SpawnResult { *r, Term() };
    }
    if (id == "slow_consumer")
        return rt.spawn(
            [](ProcessContext& c) { return slowConsumerBody(c, 400); }, labelled("slow consumer", "slow_consumer"));
    if (id == "flood") {
        // The consumer is what a user watches: it is the one returned. Its producer is linked to it.
        auto consumer = rt.spawn(
            [](ProcessContext& c) { return slowConsumerBody(c, 5); }, labelled("flood consumer", "slow_consumer"));
        const Term target = consumer.pid;
        auto producer = rt.spawn(
            [target](ProcessContext& c) { return floodProducerBody(c, target, kFloodMessages, 10000, 20); },
            labelled("flood producer", "flood_producer"));
        (void)rt.link(producer.pid, consumer.pid);
        return consumer;
    }
    return std::nullopt;
}

Term startPlainDemo(Runtime& rt)
{
    SpawnOptions o = labelled("demo root", "demo_root", true);
    o.registerAs = Atom::intern("demo_root");
    return rt.spawn([](ProcessContext& c) { return demoRootBody(c); }, o).pid;
}

} // namespace vigil

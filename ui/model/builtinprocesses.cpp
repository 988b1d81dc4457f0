#include "builtinprocesses.h"

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

} // namespace

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
    if (id == "slow_consumer")
        return rt.spawn(
            [](ProcessContext& c) { return slowConsumerBody(c, 400); }, labelled("slow consumer", "slow_consumer"));
    return std::nullopt;
}

Term startPlainDemo(Runtime& rt)
{
    SpawnOptions o = labelled("demo root", "demo_root", true);
    o.registerAs = Atom::intern("demo_root");
    return rt.spawn([](ProcessContext& c) { return demoRootBody(c); }, o).pid;
}

} // namespace vigil

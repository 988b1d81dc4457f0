// Scripted supervisors are the engine's native supervisors (engine/otp): one implementation of supervisor
// semantics. Child start functions are scripted {M, F, A} calls run by a machine inside the supervisor process;
// module-based supervisors run Mod.init/1 there too.

#include "otp/dynamicsupervisor.h"
#include "otp/supervisor.h"
#include "script/machine.h"
#include "script/process.h"

namespace vigil::script {

namespace {

using Args = std::span<const Term>;

Term field(const Term& map, const char* key, Term def = Term::nil())
{
    const Term* v = map.isMap() ? map.mapGet(mkAtom(key)) : nullptr;
    return v ? *v : def;
}

Task<Term> runMfa(ProcessContext& ctx, std::shared_ptr<ScriptEngine> engine, Atom module, Atom function, std::vector<Term> args)
{
    auto machine = std::make_unique<Machine>(*engine, &ctx);
    machine->startMfa(module, function, std::move(args));
    co_return co_await runMachine(ctx, *machine);
}

[[noreturn]] void badSpec(const Term& spec)
{
    raiseArgumentError("invalid child specification: " + inspectTerm(spec));
}

// A normalised script child spec (Supervisor.normalize_spec/1) as a native one.
otp::ChildSpec toChildSpec(const std::shared_ptr<ScriptEngine>& engine, const Term& spec)
{
    otp::ChildSpec c;
    c.id = field(spec, "id");
    Term start = field(spec, "start");
    if (!start.isTuple(3) || !start.element(0).isAtom() || !start.element(1).isAtom() || !start.element(2).isList())
        badSpec(spec);
    Atom m = start.element(0).asAtom();
    Atom f = start.element(1).asAtom();
    std::vector<Term> args;
    start.element(2).toVector(args);
    c.startWithArgs = [engine, m, f, args](ProcessContext& ctx, std::vector<Term> extra) {
        std::vector<Term> all = std::move(extra);
        all.insert(all.end(), args.begin(), args.end());
        return runMfa(ctx, engine, m, f, std::move(all));
    };
    Term restart = field(spec, "restart", Term::atom(atoms::permanent));
    if (!restart.isAtom())
        badSpec(spec);
    c.restart = restart.asAtom();
    Term shutdown = field(spec, "shutdown");
    if (shutdown.isAtom(atoms::brutal_kill))
        c.shutdown = otp::Shutdown::brutalKill();
    else if (shutdown.isAtom(atoms::infinity))
        c.shutdown = otp::Shutdown::infinity();
    else if (shutdown.isInteger())
        c.shutdown = otp::Shutdown::timeout(shutdown.asInteger());
    Term type = field(spec, "type", Term::atom(atoms::worker));
    c.type = type.isAtom() ? type.asAtom() : atoms::worker;
    c.significant = field(spec, "significant").isAtom(atoms::true_);
    c.modules = Term::list({ Term::atom(m) });
    return c;
}

otp::SupervisorFlags toFlags(const Term& flags)
{
    otp::SupervisorFlags f;
    Term strategy = field(flags, "strategy", Term::atom(atoms::one_for_one));
    if (!strategy.isAtom())
        raiseArgumentError("invalid supervisor strategy: " + inspectTerm(strategy));
    f.strategy = strategy.asAtom();
    Term intensity = field(flags, "intensity", Term::integer(3));
    Term period = field(flags, "period", Term::integer(5));
    f.maxRestarts = intensity.isInteger() ? int(intensity.asInteger()) : 3;
    f.maxSeconds = period.isInteger() ? int(period.asInteger()) : 5;
    Term autoShutdown = field(flags, "auto_shutdown", mkAtom("never"));
    if (autoShutdown.isAtom())
        f.autoShutdown = autoShutdown.asAtom();
    return f;
}

std::vector<otp::ChildSpec> toChildSpecs(const std::shared_ptr<ScriptEngine>& engine, const Term& specs)
{
    std::vector<Term> items;
    if (!specs.toVector(items))
        raiseArgumentError("expected a list of child specifications");
    std::vector<otp::ChildSpec> out;
    for (const Term& s : items)
        out.push_back(toChildSpec(engine, s));
    return out;
}

otp::SupervisorOptions supOptions(const Term& name, const Term& module)
{
    otp::SupervisorOptions o;
    if (name.isAtom() && !name.isNilAtom())
        o.name = name.asAtom();
    if (module.isAtom() && !module.isNilAtom())
        o.module = module;
    return o;
}

// :vigil.sup_start_link(normalised_specs, flags, name)
Term supStartLink(Machine& m, Args a)
{
    std::shared_ptr<ScriptEngine> engine = m.engine().shared_from_this();
    m.requestAwait(otp::Supervisor::startLink(m.ctx(), toChildSpecs(engine, a[0]), toFlags(a[1]), supOptions(a[2], Term::nil())));
    return Term::nil();
}

Task<std::optional<otp::SupervisorSpec>> moduleInit(ProcessContext& ctx, std::shared_ptr<ScriptEngine> engine, Term mod, Term arg)
{
    std::vector<Term> args;
    args.push_back(mod);
    args.push_back(arg);
    Term r = co_await runMfa(ctx, engine, Atom::intern("Elixir.Supervisor"), Atom::intern("module_init_spec"), std::move(args));
    if (r.isAtom(atoms::ignore))
        co_return std::nullopt;
    otp::SupervisorSpec spec;
    spec.flags = toFlags(r.element(1));
    spec.children = toChildSpecs(engine, r.element(2));
    co_return spec;
}

// :vigil.sup_start_link_module(mod, arg, name)
Term supStartLinkModule(Machine& m, Args a)
{
    std::shared_ptr<ScriptEngine> engine = m.engine().shared_from_this();
    Term mod = a[0], arg = a[1];
    otp::SupervisorInit init = [engine, mod, arg](ProcessContext& ctx) { return moduleInit(ctx, engine, mod, arg); };
    m.requestAwait(otp::Supervisor::startLink(m.ctx(), std::move(init), supOptions(a[2], mod)));
    return Term::nil();
}

// The native start_child operations take the spec by reference: keep it in this coroutine's frame.
Task<Term> startChildOwned(ProcessContext& ctx, Term sup, otp::ChildSpec spec, bool dynamic)
{
    if (dynamic)
        co_return co_await otp::DynamicSupervisor::startChild(ctx, sup, spec);
    co_return co_await otp::Supervisor::startChild(ctx, sup, spec);
}

// :vigil.sup_op(op, sup, arg)
Term supOp(Machine& m, Args a)
{
    std::string_view op = a[0].isAtom() ? a[0].asAtom().name() : "";
    ProcessContext& ctx = m.ctx();
    if (op == "which_children")
        m.requestAwait(otp::Supervisor::whichChildren(ctx, a[1]));
    else if (op == "count_children")
        m.requestAwait(otp::Supervisor::countChildren(ctx, a[1]));
    else if (op == "terminate_child")
        m.requestAwait(otp::Supervisor::terminateChild(ctx, a[1], a[2]));
    else if (op == "restart_child")
        m.requestAwait(otp::Supervisor::restartChild(ctx, a[1], a[2]));
    else if (op == "delete_child")
        m.requestAwait(otp::Supervisor::deleteChild(ctx, a[1], a[2]));
    else if (op == "start_child")
        m.requestAwait(startChildOwned(ctx, a[1], toChildSpec(m.engine().shared_from_this(), a[2]), false));
    else if (op == "dyn_start_child")
        m.requestAwait(startChildOwned(ctx, a[1], toChildSpec(m.engine().shared_from_this(), a[2]), true));
    else if (op == "dyn_terminate_child")
        m.requestAwait(otp::DynamicSupervisor::terminateChild(ctx, a[1], a[2]));
    else if (op == "dyn_which_children")
        m.requestAwait(otp::DynamicSupervisor::whichChildren(ctx, a[1]));
    else if (op == "dyn_count_children")
        m.requestAwait(otp::DynamicSupervisor::countChildren(ctx, a[1]));
    else
        raiseArgumentError("unknown supervisor operation " + inspectTerm(a[0]));
    return Term::nil();
}

// :vigil.dynsup_start_link(flags_map, name, module)
Term dynsupStartLink(Machine& m, Args a)
{
    otp::DynamicSupervisorFlags f;
    Term intensity = field(a[0], "intensity", Term::integer(3));
    Term period = field(a[0], "period", Term::integer(5));
    Term maxChildren = field(a[0], "max_children", Term::atom(atoms::infinity));
    Term extra = field(a[0], "extra_arguments", Term::emptyList());
    f.maxRestarts = intensity.isInteger() ? int(intensity.asInteger()) : 3;
    f.maxSeconds = period.isInteger() ? int(period.asInteger()) : 5;
    f.maxChildren = maxChildren.isInteger() ? maxChildren.asInteger() : -1;
    extra.toVector(f.extraArguments);
    otp::DynamicSupervisorOptions o;
    if (a[1].isAtom() && !a[1].isNilAtom())
        o.name = a[1].asAtom();
    if (a[2].isAtom() && !a[2].isNilAtom())
        o.module = a[2];
    m.requestAwait(otp::DynamicSupervisor::startLink(m.ctx(), std::move(f), std::move(o)));
    return Term::nil();
}

struct Registrar {
    Registrar()
    {
        registerNative("vigil", "sup_start_link", 3, supStartLink);
        registerNative("vigil", "sup_start_link_module", 3, supStartLinkModule);
        registerNative("vigil", "sup_op", 3, supOp);
        registerNative("vigil", "dynsup_start_link", 3, dynsupStartLink);
    }
};

} // namespace

void registerOtpBridge()
{
    static Registrar registrar;
}

} // namespace vigil::script

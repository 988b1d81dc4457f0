// Native functions of the subset: Kernel, Process, IO, and the data-structure modules (Enum, Map, List,
// Keyword, String, Integer, Tuple, ...). Higher-order functions live in the prelude (prelude.cpp), written in
// the subset itself, so that callbacks may receive messages without a native stack.

#include "script/machine.h"
#include "script/unicode.h"
#include "script/pretty.h"
#include "script/process.h"
#include "term/print.h"
#include "term/syntax.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <mutex>
#include <unordered_map>

namespace vigil::script {

bool isRange(const Term& t);
bool memberOf(const Term& x, const Term& coll);

namespace {

struct KeyHash {
    size_t operator()(const NativeKey& k) const { return (size_t(k.module) * 1000003u) ^ (size_t(k.name) * 131u) ^ size_t(k.arity); }
};

std::unordered_map<NativeKey, NativeFn, KeyHash>& table()
{
    static std::unordered_map<NativeKey, NativeFn, KeyHash> t;
    return t;
}
std::unordered_map<uint32_t, bool>& modules()
{
    static std::unordered_map<uint32_t, bool> m;
    return m;
}

using Args = std::span<const Term>;

[[noreturn]] void throwExitUncatchable(Machine& m, Term reason);

Atom atomArg(const Term& t)
{
    if (!t.isAtom())
        throwError(Term::atom(atoms::badarg));
    return t.asAtom();
}

int64_t toInt(const Term& t)
{
    if (!t.isInteger())
        throwError(Term::atom(atoms::badarg));
    return t.asInteger();
}

std::vector<Term> toList(const Term& t)
{
    std::vector<Term> out;
    if (t.toVector(out))
        return out;
    if (isRange(t)) {
        int64_t f = t.mapGet(mkAtom("first"))->asInteger(), l = t.mapGet(mkAtom("last"))->asInteger();
        const Term* st = t.mapGet(mkAtom("step"));
        int64_t step = st && st->isInteger() ? st->asInteger() : (l >= f ? 1 : -1);
        if (step > 0)
            for (int64_t i = f; i <= l; i += step)
                out.push_back(Term::integer(i));
        else
            for (int64_t i = f; i >= l; i += step)
                out.push_back(Term::integer(i));
        return out;
    }
    if (t.isMap()) {
        for (const auto* e = t.mapBegin(); e != t.mapBegin() + t.mapSize(); ++e)
            out.push_back(Term::tuple({ e->first, e->second }));
        return out;
    }
    throwError(exceptionStruct("Protocol.UndefinedError", { { "protocol", mkAtom("Elixir.Enumerable") }, { "value", t }, { "description", Term::binary("") }, { "message", Term::binary("protocol Enumerable not implemented for " + inspect(t) + " of type " + (t.isTuple() ? "Tuple" : t.isAtom() ? "Atom" : t.isBinary() ? "BitString" : t.isInteger() ? "Integer" : "Term")) } }));
}

Term boolT(bool b) { return Term::boolean(b); }

std::string bin(const Term& t)
{
    if (!t.isBinary())
        throwError(Term::atom(atoms::badarg));
    return std::string(t.asBinary());
}

Term kwGet(const Term& kw, std::string_view key, Term def = Term::nil())
{
    std::vector<Term> items;
    if (!kw.toVector(items))
        return def;
    for (const Term& i : items)
        if (i.isTuple(2) && i.element(0).isAtom() && i.element(0).asAtom().name() == key)
            return i.element(1);
    return def;
}

// ------------------------------------------------------------------ Kernel

Term k_self(Machine& m, Args) { return m.ctx().self(); }

Term k_send(Machine& m, Args a)
{
    const Term& dest = a[0];
    if (!(dest.isPid() || dest.isAtom() || (dest.isTuple(2) && dest.element(0).isAtom())))
        bifBadarg("send", { a[0], a[1] });
    const Term& target = dest.isTuple(2) ? dest.element(0) : dest;
    if (!m.ctx().send(target, a[1]) && !dest.isTuple(2))
        bifBadarg("send", { a[0], a[1] }); // {name, node} to a name nobody has: dropped, as on the BEAM
    return a[1];
}

Term spawnGeneric(Machine& m, Args a, bool link, bool monitor)
{
    SpawnResult r;
    if (a.size() == 1) {
        const char* bif = monitor ? "spawn_monitor" : link ? "spawn_link" : "spawn";
        // spawn_monitor checks the arity itself; spawn and spawn_link start a process that fails with BadArityError
        if (!a[0].isFun() || (monitor && a[0].asFun()->arity() != 0))
            bifBadarg(bif, { a[0] });
        if (a[0].asFun()->arity() != 0)
            r = spawnScriptMfa(
                m, Atom::intern("erlang"), Atom::intern("apply"), { a[0], Term::emptyList() }, link, monitor);
        else
            r = spawnScriptFun(m, a[0], {}, link, monitor);
    } else {
        if (!a[0].isAtom() || !a[1].isAtom() || !a[2].isList())
            throwError(Term::atom(atoms::badarg));
        r = spawnScriptMfa(m, a[0].asAtom(), a[1].asAtom(), toList(a[2]), link, monitor);
    }
    if (monitor)
        return Term::tuple({ r.pid, r.monitorRef });
    return r.pid;
}
Term k_spawn(Machine& m, Args a) { return spawnGeneric(m, a, false, false); }
Term k_spawn_link(Machine& m, Args a) { return spawnGeneric(m, a, true, false); }
Term k_spawn_monitor(Machine& m, Args a) { return spawnGeneric(m, a, false, true); }

Term k_exit(Machine&, Args a) { throwExit(a[0]); }
Term k_throw(Machine&, Args a) { throwThrow(a[0]); }

Term exceptionFor(const Term& mod, const Term& arg)
{
    if (!mod.isAtom())
        throwError(Term::atom(atoms::badarg));
    std::string name(mod.asAtom().name());
    if (name.substr(0, 7) != "Elixir.")
        throwError(Term::atom(atoms::badarg));
    std::string shortName = name.substr(7);
    static const std::unordered_map<std::string, std::string> defaults = {
        { "RuntimeError", "runtime error" },
        { "ArgumentError", "argument error" },
        { "ArithmeticError", "bad argument in arithmetic expression" },
        { "SystemLimitError", "a system limit has been reached" },
        { "KeyError", "key not found" },
        { "Enum.EmptyError", "empty error" },
        { "Enum.OutOfBoundsError", "out of bounds error" },
    };
    auto it = defaults.find(shortName);
    if (it == defaults.end())
        throwError(exceptionStruct("UndefinedFunctionError", { { "module", mod }, { "function", mkAtom("exception") }, { "arity", Term::integer(1) }, { "reason", Term::nil() }, { "message", Term::binary("function " + shortName + ".exception/1 is undefined (module " + shortName + " is not available)") } }));
    Term msg = Term::binary(it->second);
    if (arg.isBinary())
        msg = arg;
    else if (arg.isList()) {
        Term m = kwGet(arg, "message");
        if (!m.isNilAtom())
            msg = m;
    }
    return exceptionStruct(shortName, { { "message", msg } });
}

Term k_raise1(Machine&, Args a)
{
    if (a[0].isBinary()) {
        setRaiseErrorInfo();
        throwError(exceptionStruct("RuntimeError", { { "message", a[0] } }));
    }
    if (a[0].isMap() && a[0].mapGet(Term::atom(atoms::exception_)))
        throwError(a[0]);
    if (a[0].isAtom())
        throwError(exceptionFor(a[0], Term::emptyList()));
    throwError(exceptionStruct("ArgumentError", { { "message", Term::binary("raise/1 and reraise/2 expect a module name, string or exception as the first argument, got: " + inspect(a[0])) } }));
}
Term k_raise2(Machine&, Args a) { throwError(exceptionFor(a[0], a[1])); }
Term k_reraise2(Machine&, Args a)
{
    ProcessException e;
    e.kind = ProcessException::Kind::Error;
    e.reason = a[0].isBinary() ? exceptionStruct("RuntimeError", { { "message", a[0] } }) : a[0];
    e.stacktrace = a[1].isList() ? a[1] : Term::emptyList();
    throw e;
}
// :erlang.raise/3: raises `reason` of `kind` (:error, :exit, :throw) with the given stack trace; with another kind
// or a stack trace that is no list it returns :badarg, as OTP 25 does.
Term erl_raise3(Machine&, Args a)
{
    ProcessException e;
    if (a[0].isAtom(Atom::intern("error")))
        e.kind = ProcessException::Kind::Error;
    else if (a[0].isAtom(Atom::intern("exit")))
        e.kind = ProcessException::Kind::Exit;
    else if (a[0].isAtom(Atom::intern("throw")))
        e.kind = ProcessException::Kind::Throw;
    else
        return Term::atom(atoms::badarg);
    if (!a[2].isList())
        return Term::atom(atoms::badarg);
    e.reason = a[1];
    e.stacktrace = a[2];
    throw e;
}
Term rand_uniform(Machine&, Args a)
{
    static thread_local uint64_t state = 0x9E3779B97F4A7C15ull ^ uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    if (a.empty())
        return Term::floating(double(state >> 11) / double(1ull << 53));
    int64_t n = toInt(a[0]);
    if (n < 1)
        throwError(Term::atom(atoms::badarg));
    return Term::integer(int64_t(state % uint64_t(n)) + 1);
}
Term sys_unique_integer(Machine&, Args)
{
    static std::atomic<int64_t> counter { 1 };
    return Term::integer(counter.fetch_add(1));
}

Term k_elem(Machine&, Args a)
{
    if (!a[0].isTuple() || !a[1].isInteger() || a[1].asInteger() < 0 || size_t(a[1].asInteger()) >= a[0].tupleSize())
        bifBadarg("element", { a[1].isInteger() ? Term::integer(a[1].asInteger() + 1) : a[1], a[0] }); // 1-based
    return a[0].element(size_t(a[1].asInteger()));
}
Term k_put_elem(Machine&, Args a)
{
    if (!a[0].isTuple() || !a[1].isInteger() || a[1].asInteger() < 0 || size_t(a[1].asInteger()) >= a[0].tupleSize())
        throwError(Term::atom(atoms::badarg));
    std::vector<Term> items(a[0].tupleBegin(), a[0].tupleBegin() + a[0].tupleSize());
    items[size_t(a[1].asInteger())] = a[2];
    return Term::tuple(std::move(items));
}
Term k_tuple_size(Machine&, Args a)
{
    if (!a[0].isTuple())
        bifBadarg("tuple_size", { a[0] });
    return Term::integer(int64_t(a[0].tupleSize()));
}
Term k_length(Machine&, Args a)
{
    if (!a[0].isProperList())
        bifBadarg("length", { a[0] });
    return Term::integer(int64_t(a[0].listLength()));
}
Term k_hd(Machine&, Args a)
{
    if (!a[0].isCons())
        bifBadarg("hd", { a[0] });
    return a[0].head();
}
Term k_tl(Machine&, Args a)
{
    if (!a[0].isCons())
        bifBadarg("tl", { a[0] });
    return a[0].tail();
}
#define VIGIL_IS(name, expr)                                                                                           \
    Term k_##name(Machine&, Args a)                                                                                  \
    {                                                                                                                \
        const Term& x = a[0];                                                                                        \
        return boolT(expr);                                                                                          \
    }
VIGIL_IS(is_atom, x.isAtom())
VIGIL_IS(is_integer, x.isInteger())
VIGIL_IS(is_float, x.isFloat())
VIGIL_IS(is_number, x.isNumber())
VIGIL_IS(is_binary, x.isBinary())
VIGIL_IS(is_list, x.isList())
VIGIL_IS(is_tuple, x.isTuple())
VIGIL_IS(is_map, x.isMap())
VIGIL_IS(is_pid, x.isPid())
VIGIL_IS(is_reference, x.isReference())
VIGIL_IS(is_function, x.isFun())
VIGIL_IS(is_boolean, x.isBool())
VIGIL_IS(is_nil, x.isNilAtom())
#undef VIGIL_IS
Term k_is_function2(Machine&, Args a) { return boolT(a[0].isFun() && a[1].isInteger() && a[0].asFun()->arity() == a[1].asInteger()); }
Term k_is_map_key(Machine&, Args a)
{
    if (!a[0].isMap())
        throwError(Term::tuple({ mkAtom("badmap"), a[0] }));
    return boolT(a[0].mapGet(a[1]) != nullptr);
}
Term k_map_size(Machine&, Args a)
{
    if (!a[0].isMap()) {
        setErrorTopFrame(Term::tuple({ mkAtom("erlang"), mkAtom("map_size"), Term::list({ a[0] }),
            Term::list({ Term::tuple(
                { mkAtom("error_info"), Term::map({ { mkAtom("module"), mkAtom("erl_erts_errors") } }) }) }) }));
        throwError(Term::tuple({ mkAtom("badmap"), a[0] }));
    }
    return Term::integer(int64_t(a[0].mapSize()));
}
Term k_abs(Machine&, Args a)
{
    if (a[0].isInteger())
        return Term::integer(std::llabs(a[0].asInteger()));
    if (a[0].isFloat())
        return Term::floating(std::fabs(a[0].asFloat()));
    bifBadarg("abs", { a[0] });
}
Term k_div(Machine&, Args a)
{
    if (!a[0].isInteger() || !a[1].isInteger() || a[1].asInteger() == 0)
        throwError(Term::atom(atoms::badarith));
    return Term::integer(a[0].asInteger() / a[1].asInteger());
}
Term k_rem(Machine&, Args a)
{
    if (!a[0].isInteger() || !a[1].isInteger() || a[1].asInteger() == 0)
        throwError(Term::atom(atoms::badarith));
    return Term::integer(a[0].asInteger() % a[1].asInteger());
}
Term k_max(Machine&, Args a) { return compareTerms(a[0], a[1]) >= 0 ? a[0] : a[1]; }
Term k_min(Machine&, Args a) { return compareTerms(a[0], a[1]) <= 0 ? a[0] : a[1]; }
Term k_round(Machine&, Args a)
{
    if (a[0].isInteger())
        return a[0];
    if (!a[0].isFloat())
        throwError(Term::atom(atoms::badarg));
    return Term::integer(int64_t(std::llround(a[0].asFloat())));
}
Term k_trunc(Machine&, Args a)
{
    if (a[0].isInteger())
        return a[0];
    if (!a[0].isFloat())
        throwError(Term::atom(atoms::badarg));
    return Term::integer(int64_t(std::trunc(a[0].asFloat())));
}
Term k_to_string(Machine&, Args a) { return Term::binary(toStringChars(a[0])); }
Term k_to_charlist(Machine&, Args a)
{
    std::string s = toStringChars(a[0]);
    std::vector<Term> cps;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = s[i];
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        int64_t v = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (int j = 1; j < len && i + j < s.size(); ++j)
            v = (v << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
        i += len;
        cps.push_back(Term::integer(v));
    }
    return Term::list(std::move(cps));
}

InspectOptions inspectOptions(const Term& opts)
{
    InspectOptions o;
    Term charlists = kwGet(opts, "charlists");
    if (charlists.isAtom() && charlists.asAtom().name() == "as_lists")
        o.charlists = false;
    Term limit = kwGet(opts, "limit");
    if (limit.isInteger())
        o.limit = size_t(limit.asInteger());
    if (limit.isAtom(atoms::infinity))
        o.limit = InspectOptions::infinity;
    return o;
}

Term k_inspect1(Machine&, Args a) { return Term::binary(inspect(a[0])); }
Term k_inspect2(Machine&, Args a)
{
    Term pretty = kwGet(a[1], "pretty");
    if (pretty.isAtom(atoms::true_)) {
        Term width = kwGet(a[1], "width");
        return Term::binary(prettyInspect(a[0], width.isInteger() ? int(width.asInteger()) : 80, inspectOptions(a[1])));
    }
    return Term::binary(inspect(a[0], inspectOptions(a[1])));
}
Term k_make_ref(Machine& m, Args)
{
    size_t queued = m.mailboxLength();
    Term ref = Term::makeRef();
    m.markMailbox(ref, queued);
    return ref;
}
Term k_node0(Machine&, Args) { return Term::atom(atoms::nonode); }
Term k_node1(Machine&, Args) { return Term::atom(atoms::nonode); }
Term k_apply2(Machine& m, Args a)
{
    if (!a[1].isList())
        throwError(Term::atom(atoms::badarg));
    if (m.atEntry() && a[0].isFun() && a[0].asFun()->arity() != int(a[1].listLength())) {
        // a process spawned with a fun of the wrong arity: the BEAM reports its initial apply as where it failed
        setErrorTopFrame(Term::tuple({ mkAtom("erlang"), mkAtom("apply"), Term::integer(2), Term::emptyList() }));
        throwError(Term::tuple({ mkAtom("badarity"), Term::tuple({ a[0], a[1] }) }));
    }
    m.requestApply(a[0], toList(a[1]));
    return Term::nil();
}
Term k_apply3(Machine& m, Args a)
{
    if (!a[0].isAtom() || !a[1].isAtom() || !a[2].isList())
        throwError(Term::atom(atoms::badarg));
    m.requestApplyMfa(a[0].asAtom(), a[1].asAtom(), toList(a[2]));
    return Term::nil();
}
Term k_function_exported(Machine& m, Args a)
{
    if (!a[0].isAtom() || !a[1].isAtom() || !a[2].isInteger())
        throwError(Term::atom(atoms::badarg));
    ModuleDef* md = m.engine().module(a[0].asAtom());
    if (md) {
        FunctionDef* fd = md->find(a[1].asAtom(), int(a[2].asInteger()));
        return boolT(fd && !fd->priv);
    }
    return boolT(findNative(a[0].asAtom(), a[1].asAtom(), int(a[2].asInteger())) != nullptr);
}
Term k_byte_size(Machine&, Args a) { return Term::integer(int64_t(bin(a[0]).size())); }
Term k_binding(Machine&, Args) { raiseUnsupported("binding/0"); }

// ------------------------------------------------------------------ shell helpers

Term h_flush(Machine& m, Args)
{
    for (const Term& msg : m.ctx().takeAllMessages())
        m.engine().write(inspect(msg) + "\n");
    return Term::atom(atoms::ok);
}
Term h_pid3(Machine& m, Args a)
{
    if (!a[1].isInteger())
        throwError(Term::atom(atoms::badarg));
    if (a[1].asInteger() < 0)
        throwError(Term::atom(atoms::badarg));
    // Like iex: any number names a pid; one that was never issued behaves as a dead process.
    return *m.ctx().runtime().pidFor(uint64_t(a[1].asInteger()), true);
}
Term h_pid1(Machine& m, Args a)
{
    std::string s = toStringChars(a[0]);
    auto dot1 = s.find('.');
    auto dot2 = s.find('.', dot1 + 1);
    if (dot1 == std::string::npos || dot2 == std::string::npos)
        throwError(Term::atom(atoms::badarg));
    Term n = Term::integer(std::stoll(s.substr(dot1 + 1, dot2 - dot1 - 1)));
    Term args[3] = { Term::integer(0), n, Term::integer(0) };
    return h_pid3(m, Args(args, 3));
}
Term h_i(Machine& m, Args a)
{
    auto d = m.ctx().detail(a[0]);
    if (!d) {
        m.engine().write("Process " + inspect(a[0]) + " is not alive\n");
        return Term::atom(atoms::ok);
    }
    std::string out = "Term\n  " + inspect(a[0]) + "\nData type\n  PID\nAlive\n  true\n";
    out += "Name\n  " + (d->summary.registeredName == atoms::nil ? std::string("not registered") : inspectAtom(d->summary.registeredName)) + "\n";
    out += "Links\n  ";
    std::string links;
    for (uint64_t l : d->summary.links)
        links += (links.empty() ? "" : ", ") + std::string("#PID<0.") + std::to_string(l) + ".0>";
    out += (links.empty() ? "none" : links) + "\n";
    out += "Message queue length\n  " + std::to_string(d->summary.messageQueueLen) + "\n";
    out += "Trap exit\n  " + std::string(d->summary.trapExit ? "true" : "false") + "\n";
    out += "Current function\n  " + inspect(d->currentFunction) + "\n";
    out += "Memory\n  " + std::to_string(d->memoryBytes) + " bytes\n";
    m.engine().write(out);
    return Term::atom(atoms::ok);
}

// ------------------------------------------------------------------ Process

Term p_exit(Machine& m, Args a)
{
    if (!a[0].isPid())
        bifBadarg("exit", { a[0], a[1] });
    if (a[0] == m.ctx().self()) {
        // a signal to oneself takes effect before the next expression, as on the BEAM
        bool kill = a[1].isAtom(atoms::kill);
        if (kill || !m.ctx().trapsExits()) {
            if (!kill && a[1].isAtom(atoms::normal))
                throwExitUncatchable(m, Term::atom(atoms::normal));
            throwExitUncatchable(m, kill ? Term::atom(atoms::killed) : a[1]);
        }
    }
    m.ctx().exit(a[0], a[1]);
    return Term::boolean(true);
}
[[noreturn]] void throwExitUncatchable(Machine& m, Term reason)
{
    m.ctx().exit(m.ctx().self(), reason.isAtom(atoms::killed) ? Term::atom(atoms::kill) : reason);
    ProcessException e;
    e.kind = ProcessException::Kind::Exit;
    e.reason = std::move(reason);
    e.stacktrace = Term::atom(Atom::intern("$vigil_uncatchable")); // see diedOfOwnSignal
    throw e;
}

Term p_link(Machine& m, Args a)
{
    if (!a[0].isPid())
        bifBadarg("link", { a[0] });
    auto r = m.ctx().link(a[0]);
    if (!r)
        throwError(r.error());
    return Term::boolean(true);
}
Term p_unlink(Machine& m, Args a)
{
    if (!a[0].isPid())
        bifBadarg("unlink", { a[0] });
    m.ctx().unlink(a[0]);
    return Term::boolean(true);
}
Term p_monitor(Machine& m, Args a)
{
    if (!a[0].isPid() && !a[0].isAtom() && !(a[0].isTuple(2) && a[0].element(0).isAtom()))
        bifBadarg("monitor", { Term::atom(Atom::intern("process")), a[0] });
    size_t queued = m.mailboxLength();
    auto r = m.ctx().monitor(a[0]);
    if (!r)
        throwError(r.error());
    m.markMailbox(*r, queued);
    return *r;
}
Term p_demonitor1(Machine& m, Args a)
{
    if (!a[0].isReference())
        bifBadarg("demonitor", { a[0] });
    m.ctx().demonitor(a[0]);
    return Term::boolean(true);
}
Term p_demonitor2(Machine& m, Args a)
{
    if (!a[0].isReference())
        bifBadarg("demonitor", { a[0], a[1] });
    bool flush = false, info = false;
    for (const Term& o : toList(a[1])) {
        if (o.isAtom() && o.asAtom().name() == "flush")
            flush = true;
        else if (o.isAtom() && o.asAtom().name() == "info")
            info = true;
        else
            throwError(Term::atom(atoms::badarg));
    }
    // A DOWN message is in the mailbox only once its monitor is gone: when demonitor removes an active monitor
    // there is nothing to flush (and no reason to scan a long mailbox), as on the BEAM.
    bool removed = m.ctx().demonitor(a[0], false, true);
    if (flush && !removed) {
        m.dropMailboxMark();
        m.ctx().demonitor(a[0], true, false);
    }
    return Term::boolean(info ? removed : true);
}
Term p_flag(Machine& m, Args a)
{
    if (a[0].isAtom(atoms::trap_exit)) {
        if (!a[1].isBool())
            bifBadarg("process_flag", { a[0], a[1] });
        return Term::boolean(m.ctx().trapExit(a[1].isAtom(atoms::true_)));
    }
    // the BEAM's other flags are real, and not kept by Vigil; anything else is no flag at all
    static const char* const beamFlags[] = { "error_handler", "fullsweep_after", "min_heap_size",
        "min_bin_vheap_size", "max_heap_size", "message_queue_data", "priority", "save_calls", "sensitive",
        "async_dist" };
    if (a[0].isAtom())
        for (const char* known : beamFlags)
            if (a[0].asAtom().name() == known)
                raiseUnsupported("Process.flag(" + inspect(a[0]) + ", ...)");
    bifBadarg("process_flag", { a[0], a[1] }, "badopt");
}
// An item process_info/2 does not answer: one the BEAM has but Vigil does not keep is unsupported; anything else
// is a bad argument, as on the BEAM.
[[noreturn]] void badInfoItem(const Term& pid, const Term& items, const Term& item)
{
    static const char* const beamItems[] = { "backtrace", "binary", "catchlevel", "current_location",
        "current_stacktrace", "error_handler", "garbage_collection", "garbage_collection_info", "group_leader",
        "heap_size", "last_calls", "memory", "message_queue_data", "min_bin_vheap_size", "min_heap_size",
        "monitored_by", "monitors", "priority", "sequential_trace_token", "stack_size", "total_heap_size",
        "trace", "suspending", "parent", "messages", "registered_name", "status", "links", "dictionary",
        "trap_exit", "reductions", "message_queue_len", "initial_call", "current_function", "fullsweep_after",
        "max_heap_size", "async_dist", "label" };
    if (item.isAtom())
        for (const char* known : beamItems)
            if (item.asAtom().name() == known)
                raiseUnsupported("Process.info(pid, " + inspect(item) + ")");
    bifBadarg("process_info", { pid, items });
}

Term p_info2(Machine& m, Args a)
{
    if (!a[0].isPid())
        bifBadarg("process_info", { a[0], a[1] });
    if (a[1].isList()) {
        std::vector<Term> out;
        for (const Term& k : toList(a[1])) {
            if (!k.isAtom())
                bifBadarg("process_info", { a[0], a[1] });
            auto r = m.ctx().info(a[0], k.asAtom());
            if (!r)
                badInfoItem(a[0], a[1], k);
            if (r->isNilAtom())
                return Term::nil();
            out.push_back(*r);
        }
        return Term::list(std::move(out));
    }
    if (!a[1].isAtom())
        bifBadarg("process_info", { a[0], a[1] });
    if (a[1].isAtom(atoms::current_function) && a[0] == m.ctx().self())
        return Term::tuple({ a[1], m.currentFunction() });
    auto r = m.ctx().info(a[0], a[1].asAtom());
    if (!r)
        badInfoItem(a[0], a[1], a[1]);
    return *r;
}
Term p_info1(Machine& m, Args a)
{
    if (!a[0].isPid())
        bifBadarg("process_info", { a[0] });
    static const Atom keys[] = { atoms::current_function, atoms::initial_call, atoms::status, atoms::message_queue_len,
        atoms::links, atoms::dictionary, atoms::trap_exit, atoms::reductions };
    std::vector<Term> out;
    for (Atom k : keys) {
        auto r = m.ctx().info(a[0], k);
        if (!r)
            continue;
        if (r->isNilAtom())
            return Term::nil();
        out.push_back(*r);
    }
    return Term::list(std::move(out));
}
Term p_alive(Machine& m, Args a)
{
    if (!a[0].isPid())
        bifBadarg("is_process_alive", { a[0] });
    return boolT(m.ctx().isAlive(a[0]));
}
Term charlistOf(std::string_view text)
{
    std::vector<Term> codes;
    for (char c : text)
        codes.push_back(Term::integer(static_cast<unsigned char>(c)));
    return Term::list(std::move(codes));
}

// Elixir's Process.register/2: its guard refuses nil, booleans and :undefined (FunctionClauseError), and it turns
// :erlang.register/2's badarg into an ArgumentError that lists what may be wrong.
Term p_register(Machine& m, Args a)
{
    const Term& name = a[1];
    if (!name.isAtom() || name.isNilAtom() || name.isBool() || name.isAtom(Atom::intern("undefined"))) {
        setErrorTopFrame(Term::tuple({ mkAtom("Elixir.Process"), mkAtom("register"), Term::list({ a[0], a[1] }),
            Term::list({ Term::tuple({ mkAtom("file"), charlistOf("lib/process.ex") }),
                Term::tuple({ mkAtom("line"), Term::integer(597) }) }) }));
        throwError(Term::atom(atoms::function_clause));
    }
    auto r = m.ctx().registerName(name.asAtom(), a[0]);
    if (!r) {
        setErrorTopFrame(Term::tuple({ mkAtom("Elixir.Process"), mkAtom("register"), Term::list({ a[0], a[1] }),
            Term::list({ Term::tuple({ mkAtom("file"), charlistOf("lib/process.ex") }),
                Term::tuple({ mkAtom("line"), Term::integer(611) }) }) }));
        raiseArgumentError("could not register " + inspect(a[0]) + " with name " + inspect(name)
            + " because it is not alive, the name is already taken, or it has already been given another name");
    }
    return Term::boolean(true);
}
Term p_whereis(Machine& m, Args a)
{
    if (!a[0].isAtom())
        bifBadarg("whereis", { a[0] });
    return m.ctx().whereis(a[0].asAtom());
}
Term p_unregister(Machine& m, Args a)
{
    if (!a[0].isAtom() || !m.ctx().unregister(a[0].asAtom()))
        bifBadarg("unregister", { a[0] });
    return Term::boolean(true);
}
Term p_sleep(Machine& m, Args a)
{
    int64_t ms = a[0].isAtom(atoms::infinity) ? kInfinity : toInt(a[0]);
    m.requestSleep(ms);
    return Term::atom(atoms::ok);
}
Term p_list(Machine& m, Args) { return Term::list(m.ctx().processes()); }
Term p_send_after(Machine& m, Args a)
{
    if (!a[2].isInteger() || a[2].asInteger() < 0)
        bifBadarg("send_after", { a[2], a[0], a[1] }, "time");
    return m.ctx().sendAfter(a[0], a[1], a[2].asInteger());
}
Term p_cancel_timer(Machine& m, Args a)
{
    int64_t left = m.ctx().cancelTimer(a[0]);
    return left < 0 ? Term::boolean(false) : Term::integer(left);
}
Term p_send3(Machine& m, Args a)
{
    Term args[2] = { a[0], a[1] };
    k_send(m, Args(args, 2));
    return Term::atom(atoms::ok);
}
Term p_registered(Machine& m, Args)
{
    std::vector<Term> out;
    for (const Term& p : m.ctx().processes()) {
        auto r = m.ctx().info(p, atoms::registered_name);
        if (r && r->isTuple(2) && r->element(1).isAtom())
            out.push_back(r->element(1));
    }
    return Term::list(std::move(out));
}
Term p_get_dict(Machine& m, Args a) { return processDictGet(m, a[0], a.size() > 1 ? a[1] : Term::nil()); }
Term p_put_dict(Machine& m, Args a) { return processDictPut(m, a[0], a[1]); }
Term p_delete_dict(Machine& m, Args a) { return processDictDelete(m, a[0]); }
Term p_get_keys(Machine& m, Args) { return processDictKeys(m); }

// ------------------------------------------------------------------ IO

Term io_puts(Machine& m, Args a)
{
    if (a.size() == 2) {
        std::string s = toStringChars(a[1]) + "\n";
        if (a[0].isAtom() && a[0].asAtom().name() == "stderr")
            std::cerr << s << std::flush;
        else
            m.engine().write(s);
        return Term::atom(atoms::ok);
    }
    m.engine().write(toStringChars(a[0]) + "\n");
    return Term::atom(atoms::ok);
}
Term io_write(Machine& m, Args a)
{
    m.engine().write(toStringChars(a[a.size() - 1]));
    return Term::atom(atoms::ok);
}
Term io_inspect1(Machine& m, Args a)
{
    m.engine().write(prettyInspect(a[0]) + "\n");
    return a[0];
}
Term io_inspect2(Machine& m, Args a)
{
    if (!a[1].isList())
        throwError(Term::atom(atoms::badarg));
    Term label = kwGet(a[1], "label");
    std::string prefix = label.isNilAtom() ? "" : toStringChars(label) + ": ";
    Term width = kwGet(a[1], "width");
    m.engine().write(prefix + prettyInspect(a[0], width.isInteger() ? int(width.asInteger()) : 80, inspectOptions(a[1])) + "\n");
    return a[0];
}

// ------------------------------------------------------------------ Enum (first-order)

Term e_count(Machine&, Args a) { return Term::integer(int64_t(toList(a[0]).size())); }
Term e_sum(Machine&, Args a)
{
    Term acc = Term::integer(0);
    for (const Term& x : toList(a[0]))
        acc = binaryOp(OpAdd, acc, x);
    return acc;
}
Term e_reverse(Machine&, Args a)
{
    auto v = toList(a[0]);
    std::reverse(v.begin(), v.end());
    return Term::list(std::move(v));
}
Term e_sort(Machine&, Args a)
{
    auto v = toList(a[0]);
    std::stable_sort(v.begin(), v.end(), [](const Term& x, const Term& y) { return compareTerms(x, y) < 0; });
    return Term::list(std::move(v));
}
Term e_member(Machine&, Args a) { return boolT(memberOf(a[1], a[0].isList() || isRange(a[0]) || a[0].isMap() ? a[0] : Term::list(toList(a[0])))); }
Term e_to_list(Machine&, Args a) { return Term::list(toList(a[0])); }
Term e_at(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t i = toInt(a[1]);
    if (i < 0)
        i += int64_t(v.size());
    if (i < 0 || i >= int64_t(v.size()))
        return a.size() > 2 ? a[2] : Term::nil();
    return v[size_t(i)];
}
Term e_join(Machine&, Args a)
{
    std::string sep = a.size() > 1 ? bin(a[1]) : "";
    std::string out;
    bool first = true;
    for (const Term& x : toList(a[0])) {
        if (!first)
            out += sep;
        first = false;
        out += toStringChars(x);
    }
    return Term::binary(out);
}
Term e_uniq(Machine&, Args a)
{
    std::vector<Term> out;
    for (const Term& x : toList(a[0]))
        if (std::find(out.begin(), out.end(), x) == out.end())
            out.push_back(x);
    return Term::list(std::move(out));
}
Term emptyError()
{
    return exceptionStruct("Enum.EmptyError", { { "message", Term::binary("empty error") } });
}
Term e_max(Machine&, Args a)
{
    auto v = toList(a[0]);
    if (v.empty())
        throwError(emptyError());
    Term best = v[0];
    for (const Term& x : v)
        if (compareTerms(x, best) > 0)
            best = x;
    return best;
}
Term e_min(Machine&, Args a)
{
    auto v = toList(a[0]);
    if (v.empty())
        throwError(emptyError());
    Term best = v[0];
    for (const Term& x : v)
        if (compareTerms(x, best) < 0)
            best = x;
    return best;
}
Term e_take(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t n = toInt(a[1]);
    if (n >= 0)
        v.resize(std::min<size_t>(v.size(), size_t(n)));
    else
        v.erase(v.begin(), v.end() - std::min<int64_t>(int64_t(v.size()), -n));
    return Term::list(std::move(v));
}
Term e_drop(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t n = toInt(a[1]);
    if (n >= 0)
        v.erase(v.begin(), v.begin() + std::min<int64_t>(int64_t(v.size()), n));
    else
        v.resize(v.size() - std::min<size_t>(v.size(), size_t(-n)));
    return Term::list(std::move(v));
}
Term e_empty(Machine&, Args a) { return boolT(toList(a[0]).empty()); }
Term e_zip(Machine&, Args a)
{
    auto x = toList(a[0]), y = toList(a[1]);
    std::vector<Term> out;
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i)
        out.push_back(Term::tuple({ x[i], y[i] }));
    return Term::list(std::move(out));
}
Term e_concat2(Machine&, Args a)
{
    auto x = toList(a[0]), y = toList(a[1]);
    x.insert(x.end(), y.begin(), y.end());
    return Term::list(std::move(x));
}
Term e_concat1(Machine&, Args a)
{
    std::vector<Term> out;
    for (const Term& l : toList(a[0])) {
        auto v = toList(l);
        out.insert(out.end(), v.begin(), v.end());
    }
    return Term::list(std::move(out));
}
Term e_into(Machine&, Args a)
{
    auto v = toList(a[0]);
    if (a[1].isMap()) {
        Term m = a[1];
        for (const Term& x : v) {
            if (!x.isTuple(2))
                throwError(Term::atom(atoms::badarg));
            m = m.mapPut(x.element(0), x.element(1));
        }
        return m;
    }
    if (a[1].isList()) {
        auto base = toList(a[1]);
        base.insert(base.end(), v.begin(), v.end());
        return Term::list(std::move(base));
    }
    raiseUnsupported("Enum.into/2 with " + inspect(a[1]));
}
Term e_with_index(Machine&, Args a)
{
    std::vector<Term> out;
    int64_t i = a.size() > 1 ? toInt(a[1]) : 0;
    for (const Term& x : toList(a[0]))
        out.push_back(Term::tuple({ x, Term::integer(i++) }));
    return Term::list(std::move(out));
}
Term e_slice(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t start = toInt(a[1]), len = toInt(a[2]);
    if (start < 0)
        start += int64_t(v.size());
    std::vector<Term> out;
    for (int64_t i = start; i < start + len && i < int64_t(v.size()); ++i)
        if (i >= 0)
            out.push_back(v[size_t(i)]);
    return Term::list(std::move(out));
}
Term e_split(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t n = std::min<int64_t>(toInt(a[1]), int64_t(v.size()));
    std::vector<Term> x(v.begin(), v.begin() + n), y(v.begin() + n, v.end());
    return Term::tuple({ Term::list(std::move(x)), Term::list(std::move(y)) });
}
Term e_frequencies(Machine&, Args a)
{
    Term m = Term::map({});
    for (const Term& x : toList(a[0])) {
        const Term* c = m.mapGet(x);
        m = m.mapPut(x, Term::integer(c ? c->asInteger() + 1 : 1));
    }
    return m;
}
Term e_chunk_every(Machine&, Args a)
{
    auto v = toList(a[0]);
    size_t n = size_t(toInt(a[1]));
    std::vector<Term> out;
    for (size_t i = 0; i < v.size(); i += n)
        out.push_back(Term::list(std::vector<Term>(v.begin() + i, v.begin() + std::min(v.size(), i + n))));
    return Term::list(std::move(out));
}
Term e_random(Machine&, Args a)
{
    auto v = toList(a[0]);
    if (v.empty())
        throwError(emptyError());
    return v[size_t(std::rand()) % v.size()];
}
Term e_fetch(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t i = toInt(a[1]);
    if (i < 0)
        i += int64_t(v.size());
    if (i < 0 || i >= int64_t(v.size()))
        return Term::atom(atoms::error);
    return okTuple(v[size_t(i)]);
}
Term e_dedup(Machine&, Args a)
{
    std::vector<Term> out;
    for (const Term& x : toList(a[0]))
        if (out.empty() || !(out.back() == x))
            out.push_back(x);
    return Term::list(std::move(out));
}

// ------------------------------------------------------------------ Map

Term needMap(const Term& m)
{
    if (!m.isMap())
        throwError(Term::tuple({ mkAtom("badmap"), m }));
    return m;
}
Term m_get(Machine&, Args a)
{
    needMap(a[0]);
    const Term* v = a[0].mapGet(a[1]);
    return v ? *v : (a.size() > 2 ? a[2] : Term::nil());
}
Term m_put(Machine&, Args a) { return needMap(a[0]).mapPut(a[1], a[2]); }
Term m_fetch(Machine&, Args a)
{
    needMap(a[0]);
    const Term* v = a[0].mapGet(a[1]);
    return v ? okTuple(*v) : Term::atom(atoms::error);
}
Term m_fetch_bang(Machine&, Args a)
{
    needMap(a[0]);
    const Term* v = a[0].mapGet(a[1]);
    if (!v)
        throwError(Term::tuple({ mkAtom("badkey"), a[1], a[0] }));
    return *v;
}
// :vigil.bin_build([{type, flags, value, size}, ...]): the value of a <<...>> expression (see compile.cpp)
Term v_bin_build(Machine&, Args a)
{
    std::string out;
    int index = 0;
    for (const Term& seg : toList(a[0])) {
        ++index;
        const int64_t type = seg.element(0).asInteger();
        const int64_t flags = seg.element(1).asInteger();
        const Term& value = seg.element(2);
        const Term& sizeT = seg.element(3);
        auto fail = [&](const char* typeName, const std::string& what) {
            throwError(exceptionStruct("ArgumentError", { { "message", Term::binary("construction of binary failed: segment " + std::to_string(index) + " of type '" + typeName + "': " + what + inspect(value)) } }));
        };
        if (!sizeT.isNilAtom() && (!sizeT.isInteger() || sizeT.asInteger() < 0))
            throwError(exceptionStruct("ArgumentError", { { "message", Term::binary("construction of binary failed: segment " + std::to_string(index) + ": the size is not a non-negative integer: " + inspect(sizeT)) } }));
        switch (type) {
        case BinInteger: {
            if (!value.isInteger())
                fail("integer", "expected an integer but got: ");
            const size_t n = size_t(sizeT.isInteger() ? sizeT.asInteger() : 8) / 8;
            const uint64_t x = uint64_t(value.asInteger());
            for (size_t k = 0; k < n; ++k) {
                const size_t shift = (flags & kBinLittle) ? k * 8 : (n - 1 - k) * 8;
                out += char(shift < 64 ? (x >> shift) & 0xFF : 0);
            }
            break;
        }
        case BinFloat: {
            if (!value.isNumber())
                fail("float", "expected a float or an integer but got: ");
            const double d = value.isFloat() ? value.asFloat() : double(value.asInteger());
            const size_t n = size_t(sizeT.isInteger() ? sizeT.asInteger() : 64) / 8;
            uint64_t x;
            if (n == 8) {
                std::memcpy(&x, &d, 8);
            } else {
                float f = float(d);
                uint32_t x32;
                std::memcpy(&x32, &f, 4);
                x = x32;
            }
            for (size_t k = 0; k < n; ++k) {
                const size_t shift = (flags & kBinLittle) ? k * 8 : (n - 1 - k) * 8;
                out += char((x >> shift) & 0xFF);
            }
            break;
        }
        case BinUtf8: {
            if (value.isBinary()) { // <<"text"::utf8>>: a literal string is its characters
                out += value.asBinary();
                break;
            }
            if (!value.isInteger() || value.asInteger() < 0 || value.asInteger() > 0x10FFFF || (value.asInteger() >= 0xD800 && value.asInteger() <= 0xDFFF))
                fail("utf8", "expected a non-negative integer encodable as utf8 but got: ");
            syntax::appendUtf8(out, uint32_t(value.asInteger()));
            break;
        }
        default: {
            if (!value.isBinary())
                fail("binary", "expected a binary but got: ");
            std::string_view v = value.asBinary();
            if (sizeT.isInteger()) {
                if (size_t(sizeT.asInteger()) > v.size())
                    fail("binary", "the value is shorter than the size " + std::to_string(sizeT.asInteger()) + ": ");
                v = v.substr(0, size_t(sizeT.asInteger()));
            }
            out += v;
            break;
        }
        }
    }
    return Term::binary(out);
}
Term m_delete(Machine&, Args a) { return needMap(a[0]).mapRemove(a[1]); }
Term m_from_struct(Machine&, Args a) { return needMap(a[0]).mapRemove(Term::atom(atoms::struct_)); }
Term m_keys(Machine&, Args a)
{
    needMap(a[0]);
    std::vector<Term> out;
    for (const auto* e = a[0].mapBegin(); e != a[0].mapBegin() + a[0].mapSize(); ++e)
        out.push_back(e->first);
    return Term::list(std::move(out));
}
Term m_values(Machine&, Args a)
{
    needMap(a[0]);
    std::vector<Term> out;
    for (const auto* e = a[0].mapBegin(); e != a[0].mapBegin() + a[0].mapSize(); ++e)
        out.push_back(e->second);
    return Term::list(std::move(out));
}
Term m_has_key(Machine&, Args a) { return boolT(needMap(a[0]).mapGet(a[1]) != nullptr); }
Term m_merge(Machine&, Args a)
{
    Term m = needMap(a[0]);
    needMap(a[1]);
    for (const auto* e = a[1].mapBegin(); e != a[1].mapBegin() + a[1].mapSize(); ++e)
        m = m.mapPut(e->first, e->second);
    return m;
}
Term m_new0(Machine&, Args) { return Term::map({}); }
Term m_new1(Machine&, Args a)
{
    std::vector<std::pair<Term, Term>> e;
    for (const Term& x : toList(a[0])) {
        if (!x.isTuple(2))
            throwError(Term::atom(atoms::badarg));
        e.push_back({ x.element(0), x.element(1) });
    }
    return Term::map(std::move(e));
}
Term m_to_list(Machine&, Args a) { return Term::list(toList(needMap(a[0]))); }
Term m_put_new(Machine&, Args a)
{
    needMap(a[0]);
    return a[0].mapGet(a[1]) ? a[0] : a[0].mapPut(a[1], a[2]);
}
Term m_drop(Machine&, Args a)
{
    Term m = needMap(a[0]);
    for (const Term& k : toList(a[1]))
        m = m.mapRemove(k);
    return m;
}
Term m_take(Machine&, Args a)
{
    needMap(a[0]);
    std::vector<std::pair<Term, Term>> e;
    for (const Term& k : toList(a[1]))
        if (const Term* v = a[0].mapGet(k))
            e.push_back({ k, *v });
    return Term::map(std::move(e));
}
Term m_pop(Machine&, Args a)
{
    needMap(a[0]);
    const Term* v = a[0].mapGet(a[1]);
    Term val = v ? *v : (a.size() > 2 ? a[2] : Term::nil());
    return Term::tuple({ val, a[0].mapRemove(a[1]) });
}

// ------------------------------------------------------------------ List / Keyword / Tuple

Term l_first(Machine&, Args a)
{
    if (!a[0].isList())
        throwError(Term::atom(atoms::badarg));
    return a[0].isCons() ? a[0].head() : Term::nil();
}
Term l_last(Machine&, Args a)
{
    auto v = toList(a[0]);
    return v.empty() ? Term::nil() : v.back();
}
void flattenInto(const Term& t, std::vector<Term>& out)
{
    // iterative: nesting depth is the user's, not bounded by the native stack
    std::vector<Term> stack { t };
    while (!stack.empty()) {
        Term cur = std::move(stack.back());
        stack.pop_back();
        if (!cur.isList()) {
            out.push_back(std::move(cur));
            continue;
        }
        std::vector<Term> items = toList(cur);
        for (size_t i = items.size(); i-- > 0;)
            stack.push_back(std::move(items[i]));
    }
}
Term l_flatten(Machine&, Args a)
{
    std::vector<Term> out;
    flattenInto(a[0], out);
    return Term::list(std::move(out));
}
Term l_delete(Machine&, Args a)
{
    auto v = toList(a[0]);
    auto it = std::find(v.begin(), v.end(), a[1]);
    if (it != v.end())
        v.erase(it);
    return Term::list(std::move(v));
}
Term l_duplicate(Machine&, Args a) { return Term::list(std::vector<Term>(size_t(toInt(a[1])), a[0])); }
Term l_wrap(Machine&, Args a)
{
    if (a[0].isList())
        return a[0];
    if (a[0].isNilAtom())
        return Term::emptyList();
    return Term::list({ a[0] });
}
Term l_keyfind(Machine&, Args a)
{
    size_t pos = size_t(toInt(a[2]));
    for (const Term& x : toList(a[0]))
        if (x.isTuple() && x.tupleSize() > pos && looseEquals(x.element(pos), a[1]))
            return x;
    return a.size() > 3 ? a[3] : Term::nil();
}
Term l_insert_at(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t i = toInt(a[1]);
    if (i < 0)
        i += int64_t(v.size()) + 1;
    i = std::clamp<int64_t>(i, 0, int64_t(v.size()));
    v.insert(v.begin() + i, a[2]);
    return Term::list(std::move(v));
}
Term l_to_tuple(Machine&, Args a) { return Term::tuple(toList(a[0])); }
Term l_delete_at(Machine&, Args a)
{
    auto v = toList(a[0]);
    int64_t i = toInt(a[1]);
    if (i < 0)
        i += int64_t(v.size());
    if (i >= 0 && i < int64_t(v.size()))
        v.erase(v.begin() + i);
    return Term::list(std::move(v));
}

Term kw_get(Machine&, Args a) { return kwGet(a[0], atomArg(a[1]).name(), a.size() > 2 ? a[2] : Term::nil()); }
Term kw_put(Machine&, Args a)
{
    std::vector<Term> out { Term::tuple({ a[1], a[2] }) };
    for (const Term& x : toList(a[0]))
        if (!(x.isTuple(2) && x.element(0) == a[1]))
            out.push_back(x);
    return Term::list(std::move(out));
}
Term kw_keys(Machine&, Args a)
{
    std::vector<Term> out;
    for (const Term& x : toList(a[0]))
        out.push_back(x.element(0));
    return Term::list(std::move(out));
}
Term kw_has_key(Machine&, Args a)
{
    for (const Term& x : toList(a[0]))
        if (x.isTuple(2) && x.element(0) == a[1])
            return Term::boolean(true);
    return Term::boolean(false);
}
Term kw_fetch(Machine&, Args a)
{
    for (const Term& x : toList(a[0]))
        if (x.isTuple(2) && x.element(0) == a[1])
            return okTuple(x.element(1));
    return Term::atom(atoms::error);
}
Term kw_delete(Machine&, Args a)
{
    std::vector<Term> out;
    for (const Term& x : toList(a[0]))
        if (!(x.isTuple(2) && x.element(0) == a[1]))
            out.push_back(x);
    return Term::list(std::move(out));
}

Term t_to_list(Machine&, Args a)
{
    if (!a[0].isTuple())
        throwError(Term::atom(atoms::badarg));
    return Term::list(std::vector<Term>(a[0].tupleBegin(), a[0].tupleBegin() + a[0].tupleSize()));
}
Term t_append(Machine&, Args a)
{
    if (!a[0].isTuple())
        throwError(Term::atom(atoms::badarg));
    std::vector<Term> v(a[0].tupleBegin(), a[0].tupleBegin() + a[0].tupleSize());
    v.push_back(a[1]);
    return Term::tuple(std::move(v));
}
Term t_duplicate(Machine&, Args a) { return Term::tuple(std::vector<Term>(size_t(toInt(a[1])), a[0])); }

// ------------------------------------------------------------------ String / Integer / Atom

Term s_length(Machine&, Args a) { return Term::integer(int64_t(unicode::graphemeCount(bin(a[0])))); }
Term s_upcase(Machine&, Args a) { return Term::binary(unicode::upcase(bin(a[0]))); }
Term s_downcase(Machine&, Args a) { return Term::binary(unicode::downcase(bin(a[0]))); }
Term s_capitalize(Machine&, Args a) { return Term::binary(unicode::capitalize(bin(a[0]))); }
Term s_split1(Machine&, Args a)
{
    std::string s = bin(a[0]);
    std::vector<Term> out;
    std::string cur;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty())
                out.push_back(Term::binary(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty())
        out.push_back(Term::binary(cur));
    return Term::list(std::move(out));
}
Term s_split2(Machine&, Args a)
{
    std::string s = bin(a[0]), sep = bin(a[1]);
    std::vector<Term> out;
    if (sep.empty()) {
        // every grapheme, between an empty string at each end
        out.push_back(Term::binary(""));
        for (std::string_view g : unicode::graphemes(s))
            out.push_back(Term::binary(std::string(g)));
        out.push_back(Term::binary(""));
        return Term::list(std::move(out));
    }
    size_t pos = 0;
    for (;;) {
        size_t f = s.find(sep, pos);
        if (f == std::string::npos) {
            out.push_back(Term::binary(s.substr(pos)));
            break;
        }
        out.push_back(Term::binary(s.substr(pos, f - pos)));
        pos = f + sep.size();
    }
    return Term::list(std::move(out));
}
Term s_trim(Machine&, Args a)
{
    std::string s = bin(a[0]);
    size_t b = s.find_first_not_of(" \t\n\r");
    if (b == std::string::npos)
        return Term::binary("");
    size_t e = s.find_last_not_of(" \t\n\r");
    return Term::binary(s.substr(b, e - b + 1));
}
Term s_to_integer(Machine&, Args a)
{
    if (!a[0].isBinary())
        bifBadarg("binary_to_integer", { a[0] });
    std::string s = bin(a[0]);
    size_t i = (s.size() > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i >= s.size())
        bifBadarg("binary_to_integer", { a[0] });
    for (size_t k = i; k < s.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(s[k])))
            bifBadarg("binary_to_integer", { a[0] });
    return Term::integer(std::stoll(s));
}
Term s_to_atom(Machine&, Args a)
{
    if (!a[0].isBinary())
        bifBadarg("binary_to_atom", { a[0], Term::atom(Atom::intern("utf8")) });
    return mkAtom(bin(a[0]));
}
Term l_to_atom(Machine&, Args a)
{
    std::string text;
    std::vector<Term> codes;
    if (!a[0].toVector(codes))
        bifBadarg("list_to_atom", { a[0] });
    for (const Term& c : codes) {
        if (!c.isInteger() || c.asInteger() < 0 || c.asInteger() > 0x10FFFF)
            bifBadarg("list_to_atom", { a[0] });
        syntax::appendUtf8(text, uint32_t(c.asInteger()));
    }
    return mkAtom(text);
}
// String.to_existing_atom/1: only atoms that exist already (any the program or the runtime has made)
Term s_to_existing_atom(Machine&, Args a)
{
    if (!a[0].isBinary())
        bifBadarg("binary_to_existing_atom", { a[0], Term::atom(Atom::intern("utf8")) });
    Atom existing;
    if (!Atom::lookup(bin(a[0]), existing))
        bifBadarg("binary_to_existing_atom", { a[0], Term::atom(Atom::intern("utf8")) });
    return Term::atom(existing);
}
Term s_contains(Machine&, Args a)
{
    std::string s = bin(a[0]);
    if (a[1].isList()) {
        for (const Term& p : toList(a[1]))
            if (s.find(bin(p)) != std::string::npos)
                return Term::boolean(true);
        return Term::boolean(false);
    }
    return boolT(s.find(bin(a[1])) != std::string::npos);
}
Term s_starts_with(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    if (a[1].isList()) { // any of several prefixes
        for (const Term& p : toList(a[1]))
            if (s.compare(0, bin(p).size(), bin(p)) == 0)
                return Term::boolean(true);
        return Term::boolean(false);
    }
    const std::string p = bin(a[1]);
    return boolT(s.compare(0, p.size(), p) == 0);
}
Term s_ends_with(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    auto endsWith = [&](const std::string& p) {
        return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
    };
    if (a[1].isList()) { // any of several suffixes
        for (const Term& p : toList(a[1]))
            if (endsWith(bin(p)))
                return Term::boolean(true);
        return Term::boolean(false);
    }
    return boolT(endsWith(bin(a[1])));
}
Term s_replace(Machine&, Args a)
{
    std::string s = bin(a[0]), from = bin(a[1]), to = bin(a[2]);
    if (from.empty())
        return a[0];
    std::string out;
    size_t pos = 0;
    for (;;) {
        size_t f = s.find(from, pos);
        if (f == std::string::npos) {
            out += s.substr(pos);
            break;
        }
        out += s.substr(pos, f - pos) + to;
        pos = f + from.size();
    }
    return Term::binary(out);
}
Term s_duplicate(Machine&, Args a)
{
    std::string s = bin(a[0]), out;
    for (int64_t i = 0; i < toInt(a[1]); ++i)
        out += s;
    return Term::binary(out);
}
Term s_reverse(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const std::vector<std::string_view> parts = unicode::graphemes(s);
    std::string out;
    out.reserve(s.size());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        out += *it;
    return Term::binary(out);
}
Term s_first(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const std::vector<std::string_view> parts = unicode::graphemes(s);
    return parts.empty() ? Term::nil() : Term::binary(std::string(parts.front()));
}
Term s_last(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const std::vector<std::string_view> parts = unicode::graphemes(s);
    return parts.empty() ? Term::nil() : Term::binary(std::string(parts.back()));
}
Term s_codepoints(Machine&, Args a)
{
    // each code point on its own (a grapheme's combining marks too); a byte that is not UTF-8 stays a byte
    const std::string s = bin(a[0]);
    std::vector<Term> out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
        if (i + len > s.size())
            len = 1;
        out.push_back(Term::binary(s.substr(i, len)));
        i += len;
    }
    return Term::list(std::move(out));
}
Term s_split_at(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const std::vector<std::string_view> parts = unicode::graphemes(s);
    int64_t at = toInt(a[1]);
    if (at < 0)
        at = std::max<int64_t>(int64_t(parts.size()) + at, 0);
    size_t bytes = 0;
    for (size_t i = 0; i < parts.size() && int64_t(i) < at; ++i)
        bytes += parts[i].size();
    return Term::tuple({ Term::binary(s.substr(0, bytes)), Term::binary(s.substr(bytes)) });
}
Term s_trim_leading(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const size_t start = s.find_first_not_of(" \t\n\r\v\f");
    return Term::binary(start == std::string::npos ? std::string() : s.substr(start));
}
Term s_trim_trailing(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const size_t end = s.find_last_not_of(" \t\n\r\v\f");
    return Term::binary(end == std::string::npos ? std::string() : s.substr(0, end + 1));
}
Term s_graphemes(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    std::vector<Term> out;
    for (std::string_view g : unicode::graphemes(s))
        out.push_back(Term::binary(std::string(g)));
    return Term::list(std::move(out));
}
Term pad(Args a, bool leading)
{
    std::string s = bin(a[0]);
    int64_t width = toInt(a[1]);
    std::string fill = a.size() > 2 ? bin(a[2]) : " ";
    // the fill's graphemes, over and over, until the text is `width` graphemes long
    int64_t len = int64_t(unicode::graphemeCount(s));
    const std::vector<std::string_view> filler = unicode::graphemes(fill);
    if (filler.empty()) { // no clause of String.pad_leading/pad_trailing takes an empty padding
        std::vector<Term> args(a.begin(), a.end());
        setErrorTopFrame(Term::tuple({ mkAtom("Elixir.String"), mkAtom(leading ? "pad_leading" : "pad_trailing"),
            Term::list(std::move(args)), Term::emptyList() }));
        throwError(Term::atom(atoms::function_clause));
    }
    std::string padding;
    for (size_t i = 0; len < width && !filler.empty(); ++i, ++len)
        padding += filler[i % filler.size()];
    return Term::binary(leading ? padding + s : s + padding);
}
Term s_pad_leading(Machine&, Args a) { return pad(a, true); }
Term s_pad_trailing(Machine&, Args a) { return pad(a, false); }
// String.slice/3 and String.at/2 count graphemes, from the end when negative.
Term s_slice(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const std::vector<std::string_view> parts = unicode::graphemes(s);
    int64_t start = toInt(a[1]), len = toInt(a[2]);
    if (start < 0)
        start += int64_t(parts.size());
    if (start < 0 || start >= int64_t(parts.size()) || len <= 0)
        return Term::binary("");
    std::string out;
    for (int64_t i = start; i < int64_t(parts.size()) && i - start < len; ++i)
        out += parts[size_t(i)];
    return Term::binary(out);
}
Term s_to_charlist(Machine& m, Args a) { return k_to_charlist(m, a); }
Term s_at(Machine&, Args a)
{
    const std::string s = bin(a[0]);
    const std::vector<std::string_view> parts = unicode::graphemes(s);
    int64_t i = toInt(a[1]);
    if (i < 0)
        i += int64_t(parts.size());
    if (i < 0 || i >= int64_t(parts.size()))
        return Term::nil();
    return Term::binary(std::string(parts[size_t(i)]));
}
Term s_to_float(Machine&, Args a) { return Term::floating(std::stod(bin(a[0]))); }

Term i_to_string(Machine&, Args a) { return Term::binary(std::to_string(toInt(a[0]))); }
Term i_parse(Machine&, Args a)
{
    std::string s = bin(a[0]);
    size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+'))
        ++i;
    size_t digits = i;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits])))
        ++digits;
    if (digits == i)
        return Term::atom(atoms::error);
    return Term::tuple({ Term::integer(std::stoll(s.substr(0, digits))), Term::binary(s.substr(digits)) });
}
Term i_is_even(Machine&, Args a) { return boolT(a[0].isInteger() && a[0].asInteger() % 2 == 0); }
Term i_is_odd(Machine&, Args a) { return boolT(a[0].isInteger() && a[0].asInteger() % 2 != 0); }
Term a_to_string(Machine&, Args a)
{
    if (!a[0].isAtom())
        throwError(Term::atom(atoms::badarg));
    return Term::binary(std::string(a[0].asAtom().name()));
}

// ------------------------------------------------------------------ time, timer, misc

Term timer_sleep(Machine& m, Args a) { return p_sleep(m, a); }
Term dt_utc_now(Machine&, Args)
{
    auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return Term::map({ { Term::atom(atoms::struct_), mkAtom("Elixir.DateTime") }, { mkAtom("unix"), Term::integer(s) } });
}
Term dt_to_unix(Machine&, Args a)
{
    const Term* u = a[0].isMap() ? a[0].mapGet(mkAtom("unix")) : nullptr;
    if (!u)
        raiseUnsupported("DateTime.to_unix/1 on " + inspect(a[0]));
    return *u;
}
Term sys_monotonic(Machine& m, Args a)
{
    // System.monotonic_time/0,1: native units are nanoseconds (as on Linux).
    int64_t ns = m.hasContext() ? m.ctx().runtime().nowNs() : 0;
    if (a.empty())
        return Term::integer(ns);
    int64_t perSecond = 0;
    if (a[0].isAtom()) {
        std::string_view u = a[0].asAtom().name();
        if (u == "second")
            perSecond = 1;
        else if (u == "millisecond")
            perSecond = 1000;
        else if (u == "microsecond")
            perSecond = 1000000;
        else if (u == "nanosecond" || u == "native")
            perSecond = 1000000000;
    } else if (a[0].isInteger() && a[0].asInteger() > 0) {
        perSecond = a[0].asInteger();
    }
    if (perSecond == 0)
        throwError(Term::atom(atoms::badarg));
    if (perSecond >= 1000000000)
        return Term::integer(ns * (perSecond / 1000000000));
    // floor division, as erlang:convert_time_unit does
    int64_t div = 1000000000 / perSecond;
    if (1000000000 % perSecond == 0)
        return Term::integer(ns >= 0 ? ns / div : -((-ns + div - 1) / div));
    return Term::integer(int64_t((__int128(ns) * perSecond) / 1000000000));
}
Term sys_halt(Machine& m, Args a)
{
    int code = a.empty() ? 0 : a[0].isInteger() ? int(a[0].asInteger()) : 1;
    m.engine().requestHalt(code);
    throwExitUncatchable(m, Term::atom(atoms::kill));
}
// ------------------------------------------------------------------ :math and number conversions

double mathArg(const Term& t)
{
    if (!t.isNumber())
        throwError(Term::atom(atoms::badarg));
    return t.asNumber();
}

// Erlang's :math functions return floats and fail with badarith where the result is not a finite number.
Term mathResult(double r)
{
    if (!std::isfinite(r))
        throwError(Term::atom(atoms::badarith));
    return Term::floating(r);
}

template <double (*F)(double)>
Term mathUnary(Machine&, Args a)
{
    return mathResult(F(mathArg(a[0])));
}

template <double (*F)(double, double)>
Term mathBinary(Machine&, Args a)
{
    return mathResult(F(mathArg(a[0]), mathArg(a[1])));
}

double mathSin(double x) { return std::sin(x); }
double mathCos(double x) { return std::cos(x); }
double mathTan(double x) { return std::tan(x); }
double mathAsin(double x) { return std::asin(x); }
double mathAcos(double x) { return std::acos(x); }
double mathAtan(double x) { return std::atan(x); }
double mathSinh(double x) { return std::sinh(x); }
double mathCosh(double x) { return std::cosh(x); }
double mathTanh(double x) { return std::tanh(x); }
double mathExp(double x) { return std::exp(x); }
double mathLog(double x) { return std::log(x); }
double mathLog2(double x) { return std::log2(x); }
double mathLog10(double x) { return std::log10(x); }
double mathSqrt(double x) { return std::sqrt(x); }
double mathFloor(double x) { return std::floor(x); }
double mathCeil(double x) { return std::ceil(x); }
double mathPow(double x, double y) { return std::pow(x, y); }
double mathAtan2(double y, double x) { return std::atan2(y, x); }
double mathFmod(double x, double y) { return std::fmod(x, y); }

Term math_pi(Machine&, Args) { return Term::floating(3.141592653589793); }

Term erl_float(Machine&, Args a)
{
    if (!a[0].isNumber())
        throwError(Term::atom(atoms::badarg));
    return Term::floating(a[0].asNumber());
}

// :erlang.system_info/1 for the keys a script can ask about.
Term erl_system_info(Machine& m, Args a)
{
    if (a[0].isAtom(Atom::intern("process_count")))
        return Term::integer(int64_t(m.ctx().runtime().processCount()));
    if (a[0].isAtom(Atom::intern("schedulers")) || a[0].isAtom(Atom::intern("schedulers_online")))
        return Term::integer(int64_t(m.ctx().runtime().config().workers));
    raiseUnsupported(":erlang.system_info(" + inspect(a[0]) + ")");
}

Term sys_system_time(Machine&, Args a)
{
    auto now = std::chrono::system_clock::now().time_since_epoch();
    if (a.size() == 1 && a[0].isAtom() && a[0].asAtom().name() == "millisecond")
        return Term::integer(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    if (a.size() == 1 && a[0].isAtom() && a[0].asAtom().name() == "second")
        return Term::integer(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    return Term::integer(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}
Term logger(Machine& m, const char* level, const Term& msg)
{
    m.engine().log(level, toStringChars(msg));
    return Term::atom(atoms::ok);
}
Term log_info(Machine& m, Args a) { return logger(m, "info", a[0]); }
Term log_debug(Machine& m, Args a) { return logger(m, "debug", a[0]); }
Term log_warning(Machine& m, Args a) { return logger(m, "warning", a[0]); }
Term log_error(Machine& m, Args a) { return logger(m, "error", a[0]); }

// Internal helpers for the prelude (module :vigil)
Term v_label(Machine& m, Args a)
{
    m.ctx().setLabel(a[0], a[1].isAtom() ? a[1].asAtom() : atoms::nil);
    return Term::atom(atoms::ok);
}
Term v_log_error(Machine& m, Args a)
{
    m.engine().logReport(toStringChars(a[0]));
    return Term::atom(atoms::ok);
}
Term v_format_exit(Machine&, Args a)
{
    // the text Elixir's logger shows for an exit reason in a GenServer report
    const Term& r = a[0];
    if (r.isTuple(2) && r.element(1).isList()) {
        const Term& e = r.element(0);
        if (e.isMap() && e.mapGet(Term::atom(atoms::exception_)))
            return Term::binary(formatBanner(ProcessException::Kind::Error, e) + "\n" + formatStacktrace(r.element(1)));
        return Term::binary(formatBanner(ProcessException::Kind::Error, e) + "\n" + formatStacktrace(r.element(1)));
    }
    return Term::binary("** (stop) " + inspect(r) + "\n");
}
Term v_raise_exit(Machine&, Args a) { throwExit(a[0]); }
Term otpFrame(const char* mod, const char* fun, int arity, const char* file, int line)
{
    std::vector<Term> cps;
    for (const char* c = file; *c; ++c)
        cps.push_back(Term::integer(*c));
    return Term::tuple({ mkAtom(mod), mkAtom(fun), Term::integer(arity),
        Term::list({ Term::tuple({ mkAtom("file"), Term::list(std::move(cps)) }), Term::tuple({ mkAtom("line"), Term::integer(line) }) }) });
}
// The frames of OTP's own code that Elixir 1.14 / OTP 25 show below a callback in crash reports.
Term v_otp_frames(Machine&, Args a)
{
    std::string_view k = atomArg(a[0]).name();
    Term procLib = otpFrame("proc_lib", "init_p_do_apply", 3, "proc_lib.erl", 240);
    if (k == "call")
        return Term::list({ otpFrame("gen_server", "try_handle_call", 4, "gen_server.erl", 1149), otpFrame("gen_server", "handle_msg", 6, "gen_server.erl", 1178), procLib });
    if (k == "dispatch")
        return Term::list({ otpFrame("gen_server", "try_dispatch", 4, "gen_server.erl", 1123), otpFrame("gen_server", "handle_msg", 6, "gen_server.erl", 1200), procLib });
    if (k == "init")
        return Term::list({ otpFrame("gen_server", "init_it", 2, "gen_server.erl", 851), otpFrame("gen_server", "init_it", 6, "gen_server.erl", 814), procLib });
    if (k == "task_async")
        return Term::list({ otpFrame("Elixir.Task.Supervised", "invoke_mfa", 2, "lib/task/supervised.ex", 89), otpFrame("Elixir.Task.Supervised", "reply", 4, "lib/task/supervised.ex", 34), procLib });
    if (k == "task")
        return Term::list({ otpFrame("Elixir.Task.Supervised", "invoke_mfa", 2, "lib/task/supervised.ex", 89), procLib });
    return Term::emptyList();
}
Term v_format_report(Machine&, Args a)
{
    std::string_view kind = atomArg(a[0]).name();
    const Term& r = a[1];
    const Term& stack = a[2];
    if (kind == "error")
        return Term::binary(formatBanner(ProcessException::Kind::Error, r, stack) + "\n" + formatStacktrace(stack));
    if (kind == "throw")
        return Term::binary(formatBanner(ProcessException::Kind::Error, Term::tuple({ mkAtom("nocatch"), r }), stack) + "\n" + formatStacktrace(stack));
    if (r.isTuple(2) && r.element(1).isList() && r.element(0).isMap() && r.element(0).mapGet(Term::atom(atoms::exception_)))
        return Term::binary(formatBanner(ProcessException::Kind::Error, r.element(0), r.element(1)) + "\n" + formatStacktrace(r.element(1)));
    // Exception.format_exit's words for the reasons gen_server makes itself
    std::string text = inspect(r);
    if (r.isTuple(2) && r.element(0).isAtom(Atom::intern("bad_return_value")))
        text = "bad return value: " + inspect(r.element(1));
    else if (r.isTuple(2) && r.element(0).isAtom(Atom::intern("bad_call")))
        text = "bad call: " + inspect(r.element(1));
    else if (r.isTuple(2) && r.element(0).isAtom(Atom::intern("bad_cast")))
        text = "bad cast: " + inspect(r.element(1));
    return Term::binary("** (stop) " + text + "\n" + formatStacktrace(stack));
}
Term v_now_ms(Machine& m, Args) { return Term::integer(m.hasContext() ? m.ctx().nowMs() : 0); }
Term v_fun_arity(Machine&, Args a) { return Term::integer(a[0].isFun() ? a[0].asFun()->arity() : -1); }
Term v_receive_any(Machine& m, Args a)
{
    m.requestReceiveAny(a[0].isAtom(atoms::infinity) ? kInfinity : toInt(a[0]));
    return Term::nil();
}
Term v_set_state(Machine& m, Args a)
{
    setBehaviourState(m, a[0]);
    return Term::atom(atoms::ok);
}
Term v_spawn_opts(Machine& m, Args a)
{
    // :vigil.spawn_opts(fun, link?, label, behaviour) -> pid
    SpawnResult r = spawnScriptFun(m, a[0], {}, a[1].isAtom(atoms::true_), false, a[2], a[3].isAtom() ? a[3].asAtom() : atoms::nil);
    return r.pid;
}
Term v_behaviours(Machine& m, Args a)
{
    std::vector<Term> out;
    if (a[0].isAtom())
        if (ModuleDef* md = m.engine().module(a[0].asAtom()))
            for (Atom b : md->behaviours)
                out.push_back(Term::atom(b));
    return Term::list(std::move(out));
}
Term v_spawn_task(Machine& m, Args a)
{
    SpawnResult r = spawnScriptFun(m, a[0], {}, a[1].isAtom(atoms::true_), a[2].isAtom(atoms::true_), Term::nil(), Atom::intern("task"));
    return Term::tuple({ r.pid, a[2].isAtom(atoms::true_) ? r.monitorRef : Term::nil() });
}
Term v_runtime_error(Machine&, Args a) { return exceptionStruct("RuntimeError", { { "message", a[0] } }); }
Term erl_error(Machine&, Args a) { throwError(a[0]); }
Term ex_message(Machine&, Args a) { return Term::binary(exceptionMessage(normalizeError(a[0]))); }
Term ex_format_banner(Machine&, Args a)
{
    std::string_view k = atomArg(a[0]).name();
    ProcessException::Kind kind = k == "error" ? ProcessException::Kind::Error : k == "throw" ? ProcessException::Kind::Throw : ProcessException::Kind::Exit;
    return Term::binary(formatBanner(kind, a[1], a.size() > 2 ? a[2] : Term()));
}
Term v_trap(Machine& m, Args) { return Term::boolean(m.ctx().trapsExits()); }
Term v_exception_banner(Machine&, Args a) { return Term::binary(formatBanner(ProcessException::Kind::Error, a[0])); }
Term v_exception_message(Machine&, Args a) { return Term::binary(exceptionMessage(normalizeError(a[0]))); }
Term v_stacktrace(Machine& m, Args) { return m.lastStacktrace(); }
} // namespace

void registerNative(std::string_view module, std::string_view name, int arity, NativeFn fn)
{
    std::string mod = (module[0] >= 'A' && module[0] <= 'Z') ? "Elixir." + std::string(module) : std::string(module);
    Atom m = Atom::intern(mod);
    table()[{ m.index(), Atom::intern(name).index(), arity }] = fn;
    modules()[m.index()] = true;
}

NativeFn findNative(Atom module, Atom name, int arity)
{
    auto& t = table();
    auto it = t.find({ module.index(), name.index(), arity });
    return it == t.end() ? nullptr : it->second;
}

bool nativeModuleKnown(Atom module) { return modules().count(module.index()) > 0; }

void registerBuiltins()
{
    static std::once_flag once;
    std::call_once(once, [] {
        registerOtpBridge();
        auto r = registerNative;
        r("Kernel", "self", 0, k_self);
        r("Kernel", "send", 2, k_send);
        r("Kernel", "spawn", 1, k_spawn);
        r("Kernel", "spawn", 3, k_spawn);
        r("Kernel", "spawn_link", 1, k_spawn_link);
        r("Kernel", "spawn_link", 3, k_spawn_link);
        r("Kernel", "spawn_monitor", 1, k_spawn_monitor);
        r("Kernel", "spawn_monitor", 3, k_spawn_monitor);
        r("Kernel", "exit", 1, k_exit);
        r("Kernel", "throw", 1, k_throw);
        r("Kernel", "raise", 1, k_raise1);
        r("Kernel", "raise", 2, k_raise2);
        r("Kernel", "reraise", 2, k_reraise2);
        r("rand", "uniform", 0, rand_uniform);
        r("rand", "uniform", 1, rand_uniform);
        r("System", "unique_integer", 0, sys_unique_integer);
        r("System", "unique_integer", 1, sys_unique_integer);
        r("Kernel", "elem", 2, k_elem);
        r("Kernel", "put_elem", 3, k_put_elem);
        r("Kernel", "tuple_size", 1, k_tuple_size);
        r("Kernel", "length", 1, k_length);
        r("Kernel", "hd", 1, k_hd);
        r("Kernel", "tl", 1, k_tl);
        r("Kernel", "is_atom", 1, k_is_atom);
        r("Kernel", "is_integer", 1, k_is_integer);
        r("Kernel", "is_float", 1, k_is_float);
        r("Kernel", "is_number", 1, k_is_number);
        r("Kernel", "is_binary", 1, k_is_binary);
        r("Kernel", "is_list", 1, k_is_list);
        r("Kernel", "is_tuple", 1, k_is_tuple);
        r("Kernel", "is_map", 1, k_is_map);
        r("Kernel", "is_pid", 1, k_is_pid);
        r("Kernel", "is_reference", 1, k_is_reference);
        r("Kernel", "is_function", 1, k_is_function);
        r("Kernel", "is_function", 2, k_is_function2);
        r("Kernel", "is_boolean", 1, k_is_boolean);
        r("Kernel", "is_nil", 1, k_is_nil);
        r("Kernel", "is_map_key", 2, k_is_map_key);
        r("Kernel", "map_size", 1, k_map_size);
        r("Kernel", "abs", 1, k_abs);
        r("Kernel", "div", 2, k_div);
        r("Kernel", "rem", 2, k_rem);
        r("Kernel", "max", 2, k_max);
        r("Kernel", "min", 2, k_min);
        r("Kernel", "round", 1, k_round);
        r("Kernel", "trunc", 1, k_trunc);
        r("Kernel", "to_string", 1, k_to_string);
        r("Kernel", "to_charlist", 1, k_to_charlist);
        r("Kernel", "inspect", 1, k_inspect1);
        r("Kernel", "inspect", 2, k_inspect2);
        r("Kernel", "make_ref", 0, k_make_ref);
        r("Kernel", "node", 0, k_node0);
        r("Kernel", "node", 1, k_node1);
        r("Kernel", "apply", 2, k_apply2);
        r("Kernel", "apply", 3, k_apply3);
        r("Kernel", "function_exported?", 3, k_function_exported);
        r("Kernel", "byte_size", 1, k_byte_size);
        r("Kernel", "binding", 0, k_binding);

        r("IEx.Helpers", "flush", 0, h_flush);
        r("IEx.Helpers", "pid", 3, h_pid3);
        r("IEx.Helpers", "pid", 1, h_pid1);
        r("IEx.Helpers", "i", 1, h_i);

        r("Process", "exit", 2, p_exit);
        r("Process", "link", 1, p_link);
        r("Process", "unlink", 1, p_unlink);
        r("Process", "monitor", 1, p_monitor);
        r("Process", "demonitor", 1, p_demonitor1);
        r("Process", "demonitor", 2, p_demonitor2);
        r("Process", "flag", 2, p_flag);
        r("Process", "info", 1, p_info1);
        r("Process", "info", 2, p_info2);
        r("Process", "alive?", 1, p_alive);
        r("Process", "register", 2, p_register);
        r("Process", "whereis", 1, p_whereis);
        r("Process", "unregister", 1, p_unregister);
        r("Process", "sleep", 1, p_sleep);
        r("Process", "list", 0, p_list);
        r("Process", "send_after", 3, p_send_after);
        r("Process", "cancel_timer", 1, p_cancel_timer);
        r("Process", "send", 3, p_send3);
        r("Process", "registered", 0, p_registered);
        r("Process", "get", 1, p_get_dict);
        r("Process", "get", 2, p_get_dict);
        r("Process", "put", 2, p_put_dict);
        r("Process", "delete", 1, p_delete_dict);
        r("Process", "get_keys", 0, p_get_keys);
        r("erlang", "self", 0, k_self);
        r("erlang", "send", 2, k_send);
        r("erlang", "exit", 2, p_exit);
        r("erlang", "make_ref", 0, k_make_ref);
        r("erlang", "monitor", 2, [](Machine& m, Args a) { Term x[1] = { a[1] }; return p_monitor(m, Args(x, 1)); });
        r("erlang", "system_time", 1, sys_system_time);
        r("timer", "sleep", 1, timer_sleep);
        r("erlang", "error", 1, erl_error);
        r("erlang", "apply", 2, k_apply2);
        r("erlang", "raise", 3, erl_raise3);
        r("erlang", "apply", 3, k_apply3);
        r("erlang", "float", 1, erl_float);
        r("erlang", "system_info", 1, erl_system_info);
        r("math", "pi", 0, math_pi);
        r("math", "sin", 1, mathUnary<mathSin>);
        r("math", "cos", 1, mathUnary<mathCos>);
        r("math", "tan", 1, mathUnary<mathTan>);
        r("math", "asin", 1, mathUnary<mathAsin>);
        r("math", "acos", 1, mathUnary<mathAcos>);
        r("math", "atan", 1, mathUnary<mathAtan>);
        r("math", "sinh", 1, mathUnary<mathSinh>);
        r("math", "cosh", 1, mathUnary<mathCosh>);
        r("math", "tanh", 1, mathUnary<mathTanh>);
        r("math", "exp", 1, mathUnary<mathExp>);
        r("math", "log", 1, mathUnary<mathLog>);
        r("math", "log2", 1, mathUnary<mathLog2>);
        r("math", "log10", 1, mathUnary<mathLog10>);
        r("math", "sqrt", 1, mathUnary<mathSqrt>);
        r("math", "floor", 1, mathUnary<mathFloor>);
        r("math", "ceil", 1, mathUnary<mathCeil>);
        r("math", "pow", 2, mathBinary<mathPow>);
        r("math", "atan2", 2, mathBinary<mathAtan2>);
        r("math", "fmod", 2, mathBinary<mathFmod>);
        r("vigil", "behaviours", 1, v_behaviours);
        r("vigil", "spawn_task", 3, v_spawn_task);
        r("vigil", "runtime_error", 1, v_runtime_error);

        r("IO", "puts", 1, io_puts);
        r("IO", "puts", 2, io_puts);
        r("IO", "write", 1, io_write);
        r("IO", "write", 2, io_write);
        r("IO", "inspect", 1, io_inspect1);
        r("IO", "inspect", 2, io_inspect2);

        r("Enum", "count", 1, e_count);
        r("Enum", "sum", 1, e_sum);
        r("Enum", "reverse", 1, e_reverse);
        r("Enum", "sort", 1, e_sort);
        r("Enum", "member?", 2, e_member);
        r("Enum", "to_list", 1, e_to_list);
        r("Enum", "at", 2, e_at);
        r("Enum", "at", 3, e_at);
        r("Enum", "join", 1, e_join);
        r("Enum", "join", 2, e_join);
        r("Enum", "uniq", 1, e_uniq);
        r("Enum", "max", 1, e_max);
        r("Enum", "min", 1, e_min);
        r("Enum", "take", 2, e_take);
        r("Enum", "drop", 2, e_drop);
        r("Enum", "empty?", 1, e_empty);
        r("Enum", "zip", 2, e_zip);
        r("Enum", "concat", 1, e_concat1);
        r("Enum", "concat", 2, e_concat2);
        r("Enum", "into", 2, e_into);
        r("Enum", "with_index", 1, e_with_index);
        r("Enum", "with_index", 2, e_with_index);
        r("Enum", "slice", 3, e_slice);
        r("Enum", "split", 2, e_split);
        r("Enum", "frequencies", 1, e_frequencies);
        r("Enum", "chunk_every", 2, e_chunk_every);
        r("Enum", "random", 1, e_random);
        r("Enum", "fetch", 2, e_fetch);
        r("Enum", "dedup", 1, e_dedup);

        r("Map", "get", 2, m_get);
        r("Map", "get", 3, m_get);
        r("Map", "put", 3, m_put);
        r("Map", "fetch", 2, m_fetch);
        r("Map", "fetch!", 2, m_fetch_bang);
        r("Map", "delete", 2, m_delete);
        r("Map", "from_struct", 1, m_from_struct);
        r("vigil", "bin_build", 1, v_bin_build);
        r("Map", "keys", 1, m_keys);
        r("Map", "values", 1, m_values);
        r("Map", "has_key?", 2, m_has_key);
        r("Map", "merge", 2, m_merge);
        r("Map", "new", 0, m_new0);
        r("Map", "new", 1, m_new1);
        r("Map", "to_list", 1, m_to_list);
        r("Map", "put_new", 3, m_put_new);
        r("Map", "drop", 2, m_drop);
        r("Map", "take", 2, m_take);
        r("Map", "pop", 2, m_pop);
        r("Map", "pop", 3, m_pop);

        r("List", "first", 1, l_first);
        r("List", "to_atom", 1, l_to_atom);
        r("List", "last", 1, l_last);
        r("List", "flatten", 1, l_flatten);
        r("List", "delete", 2, l_delete);
        r("List", "duplicate", 2, l_duplicate);
        r("List", "wrap", 1, l_wrap);
        r("List", "keyfind", 3, l_keyfind);
        r("List", "keyfind", 4, l_keyfind);
        r("List", "insert_at", 3, l_insert_at);
        r("List", "to_tuple", 1, l_to_tuple);
        r("List", "delete_at", 2, l_delete_at);

        r("Keyword", "get", 2, kw_get);
        r("Keyword", "get", 3, kw_get);
        r("Keyword", "put", 3, kw_put);
        r("Keyword", "keys", 1, kw_keys);
        r("Keyword", "has_key?", 2, kw_has_key);
        r("Keyword", "fetch", 2, kw_fetch);
        r("Keyword", "delete", 2, kw_delete);

        r("Tuple", "to_list", 1, t_to_list);
        r("Tuple", "append", 2, t_append);
        r("Tuple", "duplicate", 2, t_duplicate);

        r("String", "length", 1, s_length);
        r("String", "upcase", 1, s_upcase);
        r("String", "downcase", 1, s_downcase);
        r("String", "capitalize", 1, s_capitalize);
        r("String", "split", 1, s_split1);
        r("String", "split", 2, s_split2);
        r("String", "trim", 1, s_trim);
        r("String", "to_integer", 1, s_to_integer);
        r("String", "to_atom", 1, s_to_atom);
        r("String", "to_existing_atom", 1, s_to_existing_atom);
        r("String", "contains?", 2, s_contains);
        r("String", "starts_with?", 2, s_starts_with);
        r("String", "ends_with?", 2, s_ends_with);
        r("String", "replace", 3, s_replace);
        r("String", "duplicate", 2, s_duplicate);
        r("String", "reverse", 1, s_reverse);
        r("String", "graphemes", 1, s_graphemes);
        r("String", "first", 1, s_first);
        r("String", "last", 1, s_last);
        r("String", "codepoints", 1, s_codepoints);
        r("String", "split_at", 2, s_split_at);
        r("String", "trim_leading", 1, s_trim_leading);
        r("String", "trim_trailing", 1, s_trim_trailing);
        r("String", "pad_leading", 2, s_pad_leading);
        r("String", "pad_leading", 3, s_pad_leading);
        r("String", "pad_trailing", 2, s_pad_trailing);
        r("String", "pad_trailing", 3, s_pad_trailing);
        r("String", "slice", 3, s_slice);
        r("String", "to_charlist", 1, s_to_charlist);
        r("String", "at", 2, s_at);
        r("String", "to_float", 1, s_to_float);
        r("Integer", "to_string", 1, i_to_string);
        r("Integer", "parse", 1, i_parse);
        r("Integer", "is_even", 1, i_is_even);
        r("Integer", "is_odd", 1, i_is_odd);
        r("Atom", "to_string", 1, a_to_string);

        r("DateTime", "utc_now", 0, dt_utc_now);
        r("DateTime", "to_unix", 1, dt_to_unix);
        r("System", "monotonic_time", 0, sys_monotonic);
        r("System", "monotonic_time", 1, sys_monotonic);
        r("System", "system_time", 0, sys_system_time);
        r("System", "halt", 0, sys_halt);
        r("System", "halt", 1, sys_halt);
        r("System", "system_time", 1, sys_system_time);
        r("Logger", "info", 1, log_info);
        r("Logger", "debug", 1, log_debug);
        r("Logger", "warning", 1, log_warning);
        r("Logger", "warn", 1, log_warning);
        r("Logger", "error", 1, log_error);

        r("vigil", "label", 2, v_label);
        r("vigil", "log_error", 1, v_log_error);
        r("vigil", "format_exit", 1, v_format_exit);
        r("vigil", "raise_exit", 1, v_raise_exit);
        r("vigil", "otp_frames", 1, v_otp_frames);
        r("Exception", "message", 1, ex_message);
        r("Exception", "format_banner", 2, ex_format_banner);
        r("Exception", "format_banner", 3, ex_format_banner);
        r("vigil", "format_report", 3, v_format_report);
        r("vigil", "now_ms", 0, v_now_ms);
        r("vigil", "fun_arity", 1, v_fun_arity);
        r("vigil", "receive_any", 1, v_receive_any);
        r("vigil", "set_state", 1, v_set_state);
        r("vigil", "spawn_opts", 4, v_spawn_opts);
        r("vigil", "trapping", 0, v_trap);
        r("vigil", "exception_banner", 1, v_exception_banner);
        r("vigil", "exception_message", 1, v_exception_message);
        r("vigil", "stacktrace", 0, v_stacktrace);
    });
}

} // namespace vigil::script

#include "script/machine.h"

#include "script/parser.h"
#include "term/print.h"
#include "term/syntax.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_set>
#include <cmath>
#include <cstring>

namespace vigil::script {

Atom atomOf(std::string_view s) { return Atom::intern(s); }
void setErrorTopFrame(Term frame);
void setRaiseErrorInfo();
void clearRaiseErrorInfo();
Term mkAtom(std::string_view s) { return Term::atom(Atom::intern(s)); }

// ---------------------------------------------------------------------------------------------- errors

[[noreturn]] void throwError(Term reason)
{
    ProcessException e;
    e.kind = ProcessException::Kind::Error;
    e.reason = std::move(reason);
    throw e;
}

[[noreturn]] void throwExit(Term reason)
{
    ProcessException e;
    e.kind = ProcessException::Kind::Exit;
    e.reason = std::move(reason);
    throw e;
}

[[noreturn]] void throwThrow(Term value)
{
    ProcessException e;
    e.kind = ProcessException::Kind::Throw;
    e.reason = std::move(value);
    throw e;
}

Term exceptionStruct(std::string_view module, std::vector<std::pair<std::string, Term>> fields)
{
    std::vector<std::pair<Term, Term>> entries;
    entries.push_back({ Term::atom(atoms::struct_), mkAtom(std::string("Elixir.") + std::string(module)) });
    entries.push_back({ Term::atom(atoms::exception_), Term::boolean(true) });
    for (auto& [k, v] : fields)
        entries.push_back({ mkAtom(k), std::move(v) });
    return Term::map(std::move(entries));
}

[[noreturn]] void raiseArgumentError(const std::string& msg)
{
    throwError(exceptionStruct("ArgumentError", { { "message", Term::binary(msg) } }));
}

[[noreturn]] void raiseRuntime(const std::string& msg)
{
    throwError(exceptionStruct("RuntimeError", { { "message", Term::binary(msg) } }));
}

[[noreturn]] void raiseUnsupported(const std::string& what)
{
    throwError(exceptionStruct("RuntimeError", { { "message", Term::binary(what + " is not supported by Vigil's Elixir subset") } }));
}

namespace {

std::string moduleName(Atom a)
{
    std::string_view n = a.name();
    if (n.substr(0, 7) == "Elixir.")
        return std::string(n.substr(7));
    return inspectAtom(a);
}

Term field(const Term& map, const char* key)
{
    if (!map.isMap())
        return Term::nil();
    const Term* v = map.mapGet(mkAtom(key));
    return v ? *v : Term::nil();
}

bool isException(const Term& t)
{
    if (!t.isMap())
        return false;
    const Term* e = t.mapGet(Term::atom(atoms::exception_));
    return e && e->isAtom(atoms::true_);
}

} // namespace

bool moduleEverDefined(Atom mod);

[[noreturn]] void bifBadarg(const char* fun, std::vector<Term> args, const char* cause)
{
    std::vector<std::pair<Term, Term>> info { { mkAtom("module"), mkAtom("erl_erts_errors") } };
    if (cause)
        info.push_back({ mkAtom("cause"), mkAtom(cause) });
    setErrorTopFrame(Term::tuple({ mkAtom("erlang"), mkAtom(fun), Term::list(std::move(args)),
        Term::list({ Term::tuple({ mkAtom("error_info"), Term::map(std::move(info)) }) }) }));
    throwError(Term::atom(atoms::badarg));
}

// What OTP 25's erl_erts_errors says about a BIF's bad argument, for the BIFs that raise through bifBadarg: the
// message of the ArgumentError, or "" when the innermost frame is not such a call.
static std::string bifArgumentError(const Term& stack)
{
    if (!stack.isCons() || !stack.head().isTuple(4))
        return "";
    const Term& top = stack.head();
    std::vector<Term> args;
    if (!top.element(0).isAtom(Atom::intern("erlang")) || !top.element(1).isAtom() || !top.element(2).toVector(args))
        return "";
    Term cause;
    bool fromErts = false;
    std::vector<Term> items;
    if (top.element(3).toVector(items))
        for (const Term& kv : items)
            if (kv.isTuple(2) && kv.element(0).isAtom(Atom::intern("error_info")) && kv.element(1).isMap()) {
                const Term* mod = kv.element(1).mapGet(mkAtom("module"));
                fromErts = mod && mod->isAtom(Atom::intern("erl_erts_errors"));
                if (const Term* c = kv.element(1).mapGet(mkAtom("cause")))
                    cause = *c;
            }
    if (!fromErts)
        return "";
    const std::string_view f = top.element(1).asAtom().name();
    auto arg = [&](size_t i) { return i < args.size() ? args[i] : Term::nil(); };
    int which = 1;
    std::string why;
    if (f == "send") {
        why = "invalid destination";
    } else if (f == "is_process_alive" || f == "link" || f == "unlink" || f == "exit" || f == "unregister") {
        why = "not a pid";
    } else if (f == "process_info") {
        which = arg(0).isPid() ? 2 : 1;
        why = which == 1 ? "not a pid" : "invalid item or item list";
    } else if (f == "process_flag") {
        which = cause.isAtom(Atom::intern("badopt")) ? 1 : 2;
        why = which == 1 ? "invalid process flag" : "invalid value for this process flag";
    } else if (f == "register") {
        if (!arg(0).isAtom())
            why = "not an atom";
        else if (cause.isAtom(Atom::intern("notalive")))
            which = 2, why = "the pid does not refer to an existing process";
        else if (!arg(1).isPid())
            which = 2, why = "not a pid";
        else
            why = "name is in use";
    } else if (f == "whereis" || f == "list_to_existing_atom" || f == "binary_to_existing_atom") {
        why = f == "whereis" ? "not an atom" : "not an already existing atom";
    } else if (f == "monitor") {
        which = 2, why = "not a pid";
    } else if (f == "send_after" || f == "start_timer") {
        why = "out of range";
    } else if (f == "spawn" || f == "spawn_link" || f == "spawn_monitor") {
        why = "not a fun";
    } else if (f == "demonitor") {
        why = "not a reference";
    } else if (f == "hd" || f == "tl") {
        why = "not a nonempty list";
    } else if (f == "element") {
        if (!arg(1).isTuple())
            which = 2, why = "not a tuple";
        else
            why = "out of range";
    } else if (f == "binary_to_atom" || f == "binary_to_integer" || f == "binary_to_float") {
        why = !arg(0).isBinary() ? "not a binary"
            : f == "binary_to_integer" ? "not a textual representation of an integer"
            : f == "binary_to_float"   ? "not a textual representation of a float"
                                       : "invalid UTF-8 encoding";
    } else if (f == "list_to_atom" || f == "length") {
        why = f == "list_to_atom" && arg(0).isList() ? "not a list of characters" : "not a list";
    } else if (f == "tuple_size") {
        why = "not a tuple";
    } else if (f == "abs") {
        why = "not a number";
    } else {
        return "";
    }
    static const char* const ordinals[] = { "1st", "2nd", "3rd", "4th" };
    return "errors were found at the given arguments:\n\n  * " + std::string(ordinals[std::clamp(which, 1, 4) - 1])
        + " argument: " + why + "\n";
}

Term normalizeError(const Term& reason, const Term& stack)
{
    if (isException(reason))
        return reason;
    if (reason.isAtom(atoms::function_clause) && stack.isCons() && stack.head().isTuple(4) && stack.head().element(2).isList()) {
        const Term& top = stack.head();
        return exceptionStruct("FunctionClauseError", { { "module", top.element(0) }, { "function", top.element(1) }, { "arity", Term::integer(int64_t(top.element(2).listLength())) }, { "kind", Term::nil() }, { "args", Term::nil() }, { "clauses", Term::nil() } });
    }
    auto ex = [](const char* mod, std::vector<std::pair<std::string, Term>> f) { return exceptionStruct(mod, std::move(f)); };
    if (reason.isAtom()) {
        std::string_view n = reason.asAtom().name();
        if (n == "badarith")
            return ex("ArithmeticError", { { "message", Term::binary("bad argument in arithmetic expression") } });
        if (n == "badarg") {
            const std::string why = bifArgumentError(stack);
            return ex("ArgumentError", { { "message", Term::binary(why.empty() ? "argument error" : why) } });
        }
        if (n == "function_clause")
            return ex("FunctionClauseError", { { "module", Term::nil() }, { "function", Term::nil() }, { "arity", Term::nil() }, { "kind", Term::nil() }, { "args", Term::nil() }, { "clauses", Term::nil() } });
        if (n == "undef") {
            if (stack.isCons() && stack.head().isTuple(4) && stack.head().element(0).isAtom() && stack.head().element(1).isAtom()) {
                const Term& top = stack.head();
                Atom mod = top.element(0).asAtom();
                int64_t arity = top.element(2).isList() ? int64_t(top.element(2).listLength()) : top.element(2).isInteger() ? top.element(2).asInteger() : 0;
                std::string mn = moduleName(mod);
                std::string msg = "function " + mn + "." + std::string(top.element(1).asAtom().name()) + "/" + std::to_string(arity) + " is undefined";
                if (moduleEverDefined(mod))
                    msg += " or private";
                else if (nativeModuleKnown(mod))
                    msg += " or private (or not supported by Vigil's Elixir subset)";
                else
                    msg += " (module " + mn + " is not available)";
                return ex("UndefinedFunctionError", { { "module", top.element(0) }, { "function", top.element(1) }, { "arity", Term::integer(arity) }, { "reason", Term::nil() }, { "message", Term::binary(msg) } });
            }
            return ex("UndefinedFunctionError", { { "module", Term::nil() }, { "function", Term::nil() }, { "arity", Term::nil() }, { "reason", Term::nil() }, { "message", Term::nil() } });
        }
        if (n == "system_limit")
            return ex("SystemLimitError", { { "message", Term::binary("a system limit has been reached") } });
    }
    if (reason.isTuple() && reason.tupleSize() >= 2 && reason.element(0).isAtom()) {
        std::string_view n = reason.element(0).asAtom().name();
        const Term& v = reason.element(1);
        if (n == "badmatch")
            return ex("MatchError", { { "term", v } });
        if (n == "case_clause")
            return ex("CaseClauseError", { { "term", v } });
        if (n == "with_clause")
            return ex("WithClauseError", { { "term", v } });
        if (n == "try_clause")
            return ex("TryClauseError", { { "term", v } });
        if (n == "badfun")
            return ex("BadFunctionError", { { "term", v } });
        if (n == "badmap")
            return ex("BadMapError", { { "term", v } });
        if (n == "badkey")
            return ex("KeyError", { { "key", v }, { "term", reason.tupleSize() > 2 ? reason.element(2) : Term::nil() }, { "message", Term::nil() } });
        if (n == "badarity")
            return ex("BadArityError", { { "function", v.isTuple(2) ? v.element(0) : v }, { "args", v.isTuple(2) ? v.element(1) : Term::nil() } });
    }
    return ex("ErlangError", { { "original", reason }, { "reason", Term::nil() } });
}

std::string exceptionMessage(const Term& e)
{
    Term mod = field(e, "__struct__");
    std::string m = mod.isAtom() ? moduleName(mod.asAtom()) : "";
    Term msg = field(e, "message");
    if (msg.isBinary())
        return std::string(msg.asBinary());
    if (m == "MatchError")
        return "no match of right hand side value: " + inspect(field(e, "term"));
    if (m == "CaseClauseError")
        return "no case clause matching: " + inspect(field(e, "term"));
    if (m == "WithClauseError")
        return "no with clause matching: " + inspect(field(e, "term"));
    if (m == "TryClauseError")
        return "no try clause matching: " + inspect(field(e, "term"));
    if (m == "BadFunctionError")
        return "expected a function, got: " + inspect(field(e, "term"));
    if (m == "BadMapError")
        return "expected a map, got: " + inspect(field(e, "term"));
    if (m == "KeyError") {
        Term t = field(e, "term");
        if (t.isNilAtom())
            return "key " + inspect(field(e, "key")) + " not found";
        return "key " + inspect(field(e, "key")) + " not found in: " + inspect(t);
    }
    if (m == "BadArityError") {
        Term f = field(e, "function");
        Term args = field(e, "args");
        size_t n = args.isList() ? args.listLength() : 0;
        std::string a = inspect(args);
        return inspect(f) + " with arity " + std::to_string(f.isFun() ? f.asFun()->arity() : 0) + " called with "
            + (n == 0 ? "no arguments" : std::to_string(n) + (n == 1 ? " argument (" : " arguments (") + a.substr(1, a.size() - 2) + ")");
    }
    if (m == "FunctionClauseError") {
        Term mo = field(e, "module"), fu = field(e, "function"), ar = field(e, "arity");
        if (mo.isAtom() && !mo.isNilAtom())
            return "no function clause matching in " + moduleName(mo.asAtom()) + "." + std::string(fu.asAtom().name()) + "/" + inspect(ar);
        return "no function clause matches";
    }
    if (m == "UndefinedFunctionError") {
        Term mo = field(e, "module"), fu = field(e, "function"), ar = field(e, "arity");
        if (mo.isAtom() && !mo.isNilAtom())
            return "function " + moduleName(mo.asAtom()) + "." + std::string(fu.asAtom().name()) + "/" + inspect(ar) + " is undefined or private";
        return "undefined function";
    }
    if (m == "ErlangError")
        return "Erlang error: " + inspect(field(e, "original"));
    if (m == "CondClauseError")
        return "no cond clause evaluated to a truthy value";
    return inspect(e);
}

std::string formatBanner(ProcessException::Kind kind, const Term& reason, const Term& stack)
{
    switch (kind) {
    case ProcessException::Kind::Error: {
        Term e = normalizeError(reason, stack);
        return "** (" + moduleName(field(e, "__struct__").asAtom()) + ") " + exceptionMessage(e);
    }
    case ProcessException::Kind::Throw: return "** (throw) " + inspect(reason);
    case ProcessException::Kind::Exit: return "** (exit) " + inspect(reason);
    }
    return "";
}

namespace {
struct UserModules {
    std::mutex mutex;
    std::unordered_set<uint32_t> atoms;
};
UserModules& userModules()
{
    static UserModules modules;
    return modules;
}
} // namespace

void markUserModule(Atom module)
{
    UserModules& m = userModules();
    std::lock_guard g(m.mutex);
    m.atoms.insert(module.index());
}

bool isUserModule(Atom module)
{
    UserModules& m = userModules();
    std::lock_guard g(m.mutex);
    return m.atoms.count(module.index()) != 0;
}

bool diedOfOwnSignal(const ProcessException& e)
{
    // the mark throwExitUncatchable (builtins.cpp) puts in place of a stack trace
    return e.kind == ProcessException::Kind::Exit && e.stacktrace.isAtom(Atom::intern("$vigil_uncatchable"));
}

static std::string formatEntry(const Term& entry)
{
    if (!entry.isTuple(4))
        return inspect(entry);
    Atom mod = entry.element(0).asAtom();
    std::string fun(entry.element(1).isAtom() ? entry.element(1).asAtom().name() : "?");
    const Term& ar = entry.element(2);
    std::string arity = ar.isInteger() ? std::to_string(ar.asInteger()) : std::to_string(ar.isList() ? ar.listLength() : 0);
    std::string loc;
    const Term& info = entry.element(3);
    std::string file;
    int64_t line = 0;
    std::vector<Term> items;
    if (info.toVector(items)) {
        for (const Term& kv : items) {
            if (!kv.isTuple(2))
                continue;
            if (kv.element(0).isAtom(Atom::intern("file"))) {
                const Term& f = kv.element(1);
                std::vector<Term> cps;
                if (f.toVector(cps))
                    for (const Term& c : cps)
                        file += char(c.asInteger());
                else if (f.isBinary())
                    file = std::string(f.asBinary());
            }
            if (kv.element(0).isAtom(Atom::intern("line")))
                line = kv.element(1).asInteger();
        }
    }
    if (!file.empty())
        loc = file + ":" + std::to_string(line) + ": ";
    std::string_view mn = mod.name();
    if (mn == "gen_server" || mn == "proc_lib" || mn == "gen" || mn == "gen_event" || mn == "supervisor")
        loc = "(stdlib 4.2) " + loc;
    else if (mn.substr(0, 7) == "Elixir." && file.rfind("lib/", 0) == 0 && !isUserModule(mod))
        loc = "(elixir 1.14.0) " + loc;
    std::string modText = moduleName(mod);
    if (fun.size() > 1 && fun[0] == '-' && fun.find("-fun-") != std::string::npos) {
        // -name/arity-fun-N-
        std::string inner = fun.substr(1, fun.find("-fun-") - 1);
        return loc + "anonymous fn/" + arity + " in " + modText + "." + inner;
    }
    if (mod == Atom::intern("elixir_compiler_0") && fun == "__FILE__")
        return loc + "(file)";
    if (!ar.isInteger()) {
        std::string args = inspect(ar);
        return loc + modText + "." + fun + "(" + args.substr(1, args.size() - 2) + ")";
    }
    return loc + modText + "." + fun + "/" + arity;
}

std::string formatStacktrace(const Term& stacktrace, const std::string& indent)
{
    std::string out;
    std::vector<Term> entries;
    if (!stacktrace.toVector(entries))
        return out;
    for (const Term& e : entries)
        out += indent + formatEntry(e) + "\n";
    return out;
}

std::string toStringChars(const Term& t)
{
    switch (t.type()) {
    case Term::Type::Binary: return std::string(t.asBinary());
    case Term::Type::Atom: return t.isNilAtom() ? std::string() : std::string(t.asAtom().name().substr(t.asAtom().name().substr(0, 7) == "Elixir." ? 7 : 0));
    case Term::Type::Integer: return std::to_string(t.asInteger());
    case Term::Type::Float: return formatFloat(t.asFloat());
    case Term::Type::Nil:
    case Term::Type::Cons: {
        // chardata: code points, binaries and nested lists (walked iteratively)
        std::string out;
        std::vector<Term> stack { t };
        while (!stack.empty()) {
            Term x = std::move(stack.back());
            stack.pop_back();
            if (x.isInteger()) {
                int64_t cp = x.asInteger();
                if (cp < 0 || cp > 0x10FFFF)
                    throwError(Term::atom(atoms::badarg));
                syntax::appendUtf8(out, uint32_t(cp));
            } else if (x.isBinary()) {
                out += x.asBinary();
            } else if (x.isCons()) {
                std::vector<Term> items;
                Term cur = x;
                while (cur.isCons()) {
                    items.push_back(cur.head());
                    cur = Term(cur.tail());
                }
                if (!cur.isEmptyList())
                    stack.push_back(cur);
                for (size_t i = items.size(); i-- > 0;)
                    stack.push_back(std::move(items[i]));
            } else if (!x.isEmptyList()) {
                throwError(exceptionStruct("ArgumentError", { { "message", Term::binary("cannot convert the given list to a string.\n\nTo be converted to a string, a list must either be empty or only contain the following elements:\n\n  * strings\n  * integers representing Unicode code points\n  * a list containing one of these three elements\n\nPlease check the given list or call inspect/1 to get the list representation, got:\n\n" + inspect(t) + "\n") } }));
            }
        }
        return out;
    }
    default:
        throwError(exceptionStruct("Protocol.UndefinedError",
            { { "protocol", mkAtom("Elixir.String.Chars") }, { "value", t }, { "description", Term::binary("") },
                { "message", Term::binary("protocol String.Chars not implemented for " + inspect(t) + " of type "
                                  + (t.isPid() ? "PID" : t.isTuple() ? "Tuple" : t.isMap() ? "Map" : t.isFun() ? "Function" : t.isReference() ? "Reference" : "Term")) } }));
    }
}

std::string inspectTerm(const Term& t) { return inspect(t); }

// ---------------------------------------------------------------------------------------------- functions

int ScriptFun::arity() const { return fn->slot; }

std::string ScriptFun::describe() const
{
    std::string mod = moduleName(module);
    return std::to_string(fn->fnIndex) + "." + std::to_string((reinterpret_cast<uintptr_t>(fn) >> 4) % 100000000) + "/"
        + std::to_string(fn->slot) + " in " + mod + "." + std::string(enclosing.name()) + "/" + std::to_string(enclosingArity);
}

std::string ExternalFun::describe() const
{
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) at -O3 about "literal" + std::string.
    std::string s = "&";
    s += moduleName(module);
    s += '.';
    s += name.name();
    s += '/';
    s += std::to_string(ar);
    return s;
}

// ---------------------------------------------------------------------------------------------- arithmetic

namespace {


[[noreturn]] void badarg() { throwError(Term::atom(atoms::badarg)); }

int64_t checkedInt(bool overflow, int64_t v)
{
    if (overflow)
        raiseUnsupported("an integer beyond 64 bits (bignum arithmetic)");
    return v;
}

Term rangeTerm(const Term& a, const Term& b)
{
    if (!a.isInteger() || !b.isInteger())
        raiseArgumentError("ranges (first..last) expect both sides to be integers, got: " + inspect(a) + ".." + inspect(b));
    int64_t step = b.asInteger() >= a.asInteger() ? 1 : -1;
    return Term::map({ { Term::atom(atoms::struct_), mkAtom("Elixir.Range") }, { mkAtom("first"), a }, { mkAtom("last"), b }, { mkAtom("step"), Term::integer(step) } });
}

} // namespace

bool isRange(const Term& t)
{
    if (!t.isMap())
        return false;
    const Term* s = t.mapGet(Term::atom(atoms::struct_));
    return s && s->isAtom(Atom::intern("Elixir.Range"));
}

bool memberOf(const Term& x, const Term& coll)
{
    if (coll.isList()) {
        Term cur = coll;
        while (cur.isCons()) {
            if (cur.head() == x)
                return true;
            cur = cur.tail();
        }
        return false;
    }
    if (isRange(coll)) {
        if (!x.isInteger())
            return false;
        int64_t f = coll.mapGet(mkAtom("first"))->asInteger(), l = coll.mapGet(mkAtom("last"))->asInteger();
        int64_t v = x.asInteger();
        return f <= l ? (v >= f && v <= l) : (v <= f && v >= l);
    }
    if (coll.isMap()) {
        if (!x.isTuple(2))
            return false;
        const Term* v = coll.mapGet(x.element(0));
        return v && *v == x.element(1);
    }
    throwError(exceptionStruct("Protocol.UndefinedError", { { "protocol", mkAtom("Elixir.Enumerable") }, { "value", coll }, { "description", Term::binary("") }, { "message", Term::binary("protocol Enumerable not implemented for " + inspect(coll)) } }));
}

// The common integer cases of binaryOp without its general dispatch; false when the general way must decide
// (other types, overflow, other operators).
static inline bool integerOp(int op, const Term& a, const Term& b, Term& out)
{
    if (!a.isInteger() || !b.isInteger())
        return false;
    const int64_t x = a.asInteger(), y = b.asInteger();
    int64_t r;
    switch (op) {
    case OpAdd:
        if (__builtin_add_overflow(x, y, &r))
            return false;
        out = Term::integer(r);
        return true;
    case OpSub:
        if (__builtin_sub_overflow(x, y, &r))
            return false;
        out = Term::integer(r);
        return true;
    case OpEq:
    case OpStrictEq: out = Term::boolean(x == y); return true;
    case OpNe:
    case OpStrictNe: out = Term::boolean(x != y); return true;
    case OpLt: out = Term::boolean(x < y); return true;
    case OpGt: out = Term::boolean(x > y); return true;
    case OpLe: out = Term::boolean(x <= y); return true;
    case OpGe: out = Term::boolean(x >= y); return true;
    default: return false;
    }
}

// Compiled code fails inside the function that does the arithmetic (the BEAM inlines the operators): no frame of
// the operator's own.
[[noreturn]] void badarith() { throwError(Term::atom(atoms::badarith)); }

Term binaryOp(int op, const Term& a, const Term& b)
{
    switch (op) {
    case OpAdd:
    case OpSub:
    case OpMul: {
        if (!a.isNumber() || !b.isNumber())
            badarith();
        if (a.isInteger() && b.isInteger()) {
            int64_t r;
            bool o = op == OpAdd ? __builtin_add_overflow(a.asInteger(), b.asInteger(), &r)
                : op == OpSub    ? __builtin_sub_overflow(a.asInteger(), b.asInteger(), &r)
                                 : __builtin_mul_overflow(a.asInteger(), b.asInteger(), &r);
            return Term::integer(checkedInt(o, r));
        }
        double x = a.asNumber(), y = b.asNumber();
        return Term::floating(op == OpAdd ? x + y : op == OpSub ? x - y : x * y);
    }
    case OpDiv: {
        if (!a.isNumber() || !b.isNumber() || b.asNumber() == 0)
            badarith();
        return Term::floating(a.asNumber() / b.asNumber());
    }
    case OpPow: {
        // Kernel.**/2: an integer to a non-negative integer power is an integer, anything else a float; its clauses
        // take numbers only
        if (!a.isNumber() || !b.isNumber()) {
            setErrorTopFrame(
                Term::tuple({ mkAtom("Elixir.Kernel"), mkAtom("**"), Term::list({ a, b }), Term::emptyList() }));
            throwError(Term::atom(atoms::function_clause));
        }
        if (a.isInteger() && b.isInteger() && b.asInteger() >= 0) {
            int64_t result = 1, base = a.asInteger();
            bool overflow = false;
            for (int64_t e = b.asInteger(); e > 0; e >>= 1) {
                if (e & 1)
                    overflow |= __builtin_mul_overflow(result, base, &result);
                if (e > 1)
                    overflow |= __builtin_mul_overflow(base, base, &base);
            }
            return Term::integer(checkedInt(overflow, result));
        }
        const double r = std::pow(a.asNumber(), b.asNumber());
        if (!std::isfinite(r))
            badarith();
        return Term::floating(r);
    }
    case OpConcat:
        if (!a.isBinary() || !b.isBinary())
            raiseArgumentError("expected binary argument in <> operator but got: " + inspect(a.isBinary() ? b : a));
        return Term::binary(std::string(a.asBinary()) + std::string(b.asBinary()));
    case OpListAppend: {
        std::vector<Term> items;
        if (!a.toVector(items))
            badarg();
        return Term::list(std::move(items), b);
    }
    case OpListSubtract: {
        std::vector<Term> items, rm;
        if (!a.toVector(items) || !b.toVector(rm))
            badarg();
        for (const Term& r : rm) {
            auto it = std::find(items.begin(), items.end(), r);
            if (it != items.end())
                items.erase(it);
        }
        return Term::list(std::move(items));
    }
    case OpRange: return rangeTerm(a, b);
    case OpEq: return Term::boolean(compareTerms(a, b) == 0);
    case OpNe: return Term::boolean(compareTerms(a, b) != 0);
    case OpStrictEq: return Term::boolean(a == b);
    case OpStrictNe: return Term::boolean(a != b);
    case OpLt: return Term::boolean(compareTerms(a, b) < 0);
    case OpGt: return Term::boolean(compareTerms(a, b) > 0);
    case OpLe: return Term::boolean(compareTerms(a, b) <= 0);
    case OpGe: return Term::boolean(compareTerms(a, b) >= 0);
    case OpIn: return Term::boolean(memberOf(a, b));
    case OpNotIn: return Term::boolean(!memberOf(a, b));
    case OpAnd:
    case OpOr:
        if (!a.isBool())
            throwError(Term::tuple({ mkAtom("badbool"), mkAtom(op == OpAnd ? "and" : "or"), a }));
        return op == OpAnd ? (a.isAtom(atoms::true_) ? b : a) : (a.isAtom(atoms::true_) ? a : b);
    case OpAndAlso: return a.isTruthy() ? b : a;
    case OpOrElse: return a.isTruthy() ? a : b;
    default: raiseUnsupported("this operator");
    }
}

Term unaryOp(int op, const Term& a)
{
    switch (op) {
    case OpNeg:
        if (a.isInteger())
            return Term::integer(checkedInt(a.asInteger() == INT64_MIN, -a.asInteger()));
        if (a.isFloat())
            return Term::floating(-a.asFloat());
        badarith();
    case OpPlus:
        if (!a.isNumber())
            badarith();
        return a;
    case OpNot:
        if (!a.isBool())
            throwError(Term::tuple({ mkAtom("badarg"), a }));
        return Term::boolean(a.isAtom(atoms::false_));
    case OpBang: return Term::boolean(!a.isTruthy());
    default: raiseUnsupported("this unary operator");
    }
}

// ---------------------------------------------------------------------------------------------- patterns

namespace {
Term evalPure(const Node* n, Term* slots);
}

namespace {

// <<...>> in a pattern: each segment takes its bytes from the front and is matched against its own pattern.
bool matchBinary(const Node* p, const Term& v, Term* slots)
{
    if (!v.isBinary())
        return false;
    std::string_view b = v.asBinary();
    size_t pos = 0;
    for (const Node* seg : p->kids) {
        int64_t size = -1;
        if (seg->b) {
            const Term& sz = seg->b->kind == NodeKind::Lit ? seg->b->lit : slots[seg->b->slot];
            if (!sz.isInteger() || sz.asInteger() < 0)
                return false;
            size = sz.asInteger();
        }
        const size_t left = b.size() - pos;
        Term piece;
        switch (seg->op) {
        case BinInteger: {
            const size_t n = size_t(size < 0 ? 8 : size) / 8;
            if (left < n)
                return false;
            uint64_t x = 0;
            for (size_t k = 0; k < n; ++k) {
                const size_t at = (seg->flags & kBinLittle) ? pos + n - 1 - k : pos + k;
                x = (x << 8) | static_cast<unsigned char>(b[at]);
            }
            int64_t value = int64_t(x);
            if ((seg->flags & kBinSigned) && n < 8 && (x >> (n * 8 - 1)) & 1)
                value = int64_t(x) - (int64_t(1) << (n * 8));
            piece = Term::integer(value);
            pos += n;
            break;
        }
        case BinFloat: {
            const size_t n = size_t(size < 0 ? 64 : size) / 8;
            if (left < n)
                return false;
            unsigned char raw[8];
            for (size_t k = 0; k < n; ++k)
                raw[k] = static_cast<unsigned char>(b[(seg->flags & kBinLittle) ? pos + n - 1 - k : pos + k]);
            uint64_t x = 0;
            for (size_t k = 0; k < n; ++k)
                x = (x << 8) | raw[k];
            double d;
            if (n == 8) {
                std::memcpy(&d, &x, 8);
            } else {
                uint32_t x32 = uint32_t(x);
                float f;
                std::memcpy(&f, &x32, 4);
                d = f;
            }
            if (!std::isfinite(d))
                return false;
            piece = Term::floating(d);
            pos += n;
            break;
        }
        case BinUtf8: {
            if (left == 0)
                return false;
            const auto c0 = static_cast<unsigned char>(b[pos]);
            size_t n = c0 < 0x80 ? 1 : (c0 >> 5) == 6 ? 2 : (c0 >> 4) == 14 ? 3 : (c0 >> 3) == 30 ? 4 : 0;
            if (n == 0 || left < n)
                return false;
            uint32_t cp = n == 1 ? c0 : n == 2 ? (c0 & 0x1F) : n == 3 ? (c0 & 0x0F) : (c0 & 0x07);
            for (size_t k = 1; k < n; ++k) {
                const auto c = static_cast<unsigned char>(b[pos + k]);
                if ((c & 0xC0) != 0x80)
                    return false;
                cp = (cp << 6) | (c & 0x3F);
            }
            if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return false;
            piece = Term::integer(cp);
            pos += n;
            break;
        }
        default: { // bytes
            size_t n = left;
            if (size >= 0)
                n = size_t(size);
            else if (seg->a->kind == NodeKind::Lit && seg->a->lit.isBinary())
                n = seg->a->lit.asBinary().size();
            if (left < n)
                return false;
            piece = Term::binary(b.substr(pos, n));
            pos += n;
            break;
        }
        }
        if (!matchPattern(seg->a, piece, slots))
            return false;
    }
    return pos == b.size();
}

} // namespace

bool matchPattern(const Node* p, const Term& v, Term* slots)
{
    switch (p->kind) {
    case NodeKind::Lit:
        if (p->lit.isAtom() || p->lit.isInteger())
            return p->lit.type() == v.type() && p->lit == v;
        return looseEquals(p->lit, v) && p->lit.isFloat() == v.isFloat() ? true : p->lit == v;
    case NodeKind::Var:
        if (p->slot < 0)
            return true;
        if (p->flags & kCheck)
            return slots[p->slot] == v;
        slots[p->slot] = v;
        return true;
    case NodeKind::Pin: return slots[p->slot] == v;
    case NodeKind::Tuple: {
        if (!v.isTuple() || v.tupleSize() != p->kids.size())
            return false;
        for (size_t i = 0; i < p->kids.size(); ++i)
            if (!matchPattern(p->kids[i], v.element(i), slots))
                return false;
        return true;
    }
    case NodeKind::List: {
        Term cur = v;
        for (const Node* k : p->kids) {
            if (!cur.isCons())
                return false;
            if (!matchPattern(k, cur.head(), slots))
                return false;
            Term next = cur.tail();
            cur = std::move(next);
        }
        if (p->tail)
            return matchPattern(p->tail, cur, slots);
        return cur.isEmptyList();
    }
    case NodeKind::Map: {
        if (!v.isMap())
            return false;
        for (size_t i = 0; i < p->kids.size(); i += 2) {
            const Node* k = p->kids[i];
            Term key = k->kind == NodeKind::Pin ? slots[k->slot] : k->lit;
            const Term* got = v.mapGet(key);
            if (!got || !matchPattern(p->kids[i + 1], *got, slots))
                return false;
        }
        return true;
    }
    case NodeKind::Match: return matchPattern(p->a, v, slots) && matchPattern(p->b, v, slots);
    case NodeKind::Binary: return matchBinary(p, v, slots);
    case NodeKind::BinOp: {
        // "prefix" <> rest
        if (!v.isBinary())
            return false;
        std::string_view s = v.asBinary();
        std::string_view pre = p->a->lit.asBinary();
        if (s.substr(0, pre.size()) != pre)
            return false;
        return matchPattern(p->b, Term::binary(s.substr(pre.size())), slots);
    }
    default: return false;
    }
}

namespace {

thread_local Machine* t_guardMachine = nullptr; // the machine whose guard is being evaluated on this worker

Term evalPure(const Node* n, Term* slots)
{
    switch (n->kind) {
    case NodeKind::Lit: return n->lit;
    case NodeKind::Var: return slots[n->slot];
    case NodeKind::Tuple: {
        std::vector<Term> items;
        for (const Node* k : n->kids)
            items.push_back(evalPure(k, slots));
        return Term::tuple(std::move(items));
    }
    case NodeKind::List: {
        std::vector<Term> items;
        for (const Node* k : n->kids)
            items.push_back(evalPure(k, slots));
        return Term::list(std::move(items), n->tail ? evalPure(n->tail, slots) : Term::emptyList());
    }
    case NodeKind::Map: {
        std::vector<std::pair<Term, Term>> e;
        for (size_t i = 0; i < n->kids.size(); i += 2)
            e.push_back({ evalPure(n->kids[i], slots), evalPure(n->kids[i + 1], slots) });
        return Term::map(std::move(e));
    }
    case NodeKind::BinOp: {
        if (n->op == OpAndAlso || n->op == OpOrElse || n->op == OpAnd || n->op == OpOr) {
            Term a = evalPure(n->a, slots);
            if (n->op == OpAnd || n->op == OpOr) {
                if (!a.isBool())
                    throwError(Term::atom(atoms::badarg));
                if (n->op == OpAnd && a.isAtom(atoms::false_))
                    return a;
                if (n->op == OpOr && a.isAtom(atoms::true_))
                    return a;
                return evalPure(n->b, slots);
            }
            if (n->op == OpAndAlso)
                return a.isTruthy() ? evalPure(n->b, slots) : a;
            return a.isTruthy() ? a : evalPure(n->b, slots);
        }
        Term a = evalPure(n->a, slots);
        Term b = evalPure(n->b, slots);
        Term r;
        if (integerOp(n->op, a, b, r))
            return r;
        return binaryOp(n->op, a, b);
    }
    case NodeKind::UnOp: return unaryOp(n->op, evalPure(n->a, slots));
    case NodeKind::Interp: {
        std::string s;
        for (const Node* k : n->kids)
            s += toStringChars(evalPure(k, slots));
        return Term::binary(s);
    }
    case NodeKind::RemoteCall: {
        if (!n->native)
            throw std::runtime_error("not a guard");
        if (!t_guardMachine)
            throw std::runtime_error("no machine");
        const size_t k = n->kids.size();
        if (k <= 4) {
            Term args[4];
            for (size_t i = 0; i < k; ++i)
                args[i] = evalPure(n->kids[i], slots);
            return reinterpret_cast<NativeFn>(n->native)(*t_guardMachine, std::span<const Term>(args, k));
        }
        std::vector<Term> args;
        for (const Node* c : n->kids)
            args.push_back(evalPure(c, slots));
        return reinterpret_cast<NativeFn>(n->native)(*t_guardMachine, args);
    }
    default: throw std::runtime_error("not a guard expression");
    }
}

} // namespace

bool evalGuard(const Node* guard, Term* slots)
{
    try {
        return evalPure(guard, slots).isAtom(atoms::true_);
    } catch (...) {
        // an error in a guard only makes it fail: forget any stack decoration it set
        setErrorTopFrame(Term::nil());
        clearRaiseErrorInfo();
        return false;
    }
}

bool evalConst(const Node* n, Term& out)
{
    try {
        switch (n->kind) {
        case NodeKind::Lit:
        case NodeKind::Tuple:
        case NodeKind::List:
        case NodeKind::Map:
        case NodeKind::BinOp:
        case NodeKind::UnOp:
        case NodeKind::Interp:
            break;
        default:
            return false;
        }
        Term dummy[1];
        std::function<bool(const Node*)> pure = [&](const Node* x) -> bool {
            if (!x)
                return true;
            if (x->kind == NodeKind::Var || x->kind == NodeKind::RemoteCall || x->kind == NodeKind::LocalCall || x->kind == NodeKind::Pin)
                return false;
            for (const Node* k : x->kids)
                if (!pure(k))
                    return false;
            return pure(x->a) && pure(x->b) && pure(x->tail);
        };
        if (!pure(n))
            return false;
        out = evalPure(n, dummy);
        return true;
    } catch (...) {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------- structs

namespace {

std::shared_mutex g_structMutex;
std::unordered_map<uint32_t, const std::vector<Atom>*> g_structFields;
// Every distinct definition registered, kept for the life of the program: a printer on another thread may still
// be walking a previous definition's fields.
std::vector<std::unique_ptr<const std::vector<Atom>>> g_structDefinitions;

const std::vector<Atom>* lookupStructFields(Atom module)
{
    std::shared_lock lock(g_structMutex);
    auto it = g_structFields.find(module.index());
    return it == g_structFields.end() ? nullptr : it->second;
}

} // namespace

void registerStructFields(Atom module, std::vector<Atom> fields)
{
    std::unique_lock lock(g_structMutex);
    setStructFieldsLookup(lookupStructFields);
    auto it = g_structFields.find(module.index());
    if (it != g_structFields.end() && *it->second == fields)
        return; // the same definition again (every engine's prelude, a reloaded script)
    g_structDefinitions.push_back(std::make_unique<const std::vector<Atom>>(std::move(fields)));
    g_structFields[module.index()] = g_structDefinitions.back().get();
}

// ---------------------------------------------------------------------------------------------- engine

// Bumped whenever a module is (re)defined or an engine goes away: the call-site caches (Exec::staticDef) hold only
// entries of the current generation, so they never call replaced or freed code.
static std::atomic<uint64_t> g_codeGeneration { 1 };

ScriptEngine::ScriptEngine(std::function<void(const std::string&)> output)
    : m_output(std::move(output))
{
    registerBuiltins();
    m_prelude = std::make_shared<Program>();
    m_prelude->file = "prelude";
    m_prelude->prelude = true;
    m_prelude->text = preludeText();
    m_prelude->top = parseProgram(m_prelude->arena, m_prelude->text);
    compileProgram(*this, *m_prelude, false, nullptr);
}

ScriptEngine::~ScriptEngine()
{
    g_codeGeneration.fetch_add(1, std::memory_order_acq_rel);
    stopLogger();
}

std::shared_ptr<Program> ScriptEngine::load(const std::string& text, const std::string& file, bool consoleMode)
{
    auto prog = std::make_shared<Program>();
    prog->file = file;
    prog->top = parseProgram(prog->arena, text);
    compileProgram(*this, *prog, consoleMode, nullptr);
    std::unique_lock lock(m_mutex);
    m_programs.push_back(prog);
    return prog;
}

void ScriptEngine::requestHalt(int code)
{
    std::function<void()> cb;
    {
        std::lock_guard lock(m_haltMutex);
        if (!m_haltCode)
            m_haltCode = code;
        cb = m_onHalt;
    }
    if (cb)
        cb();
}

void ScriptEngine::setOnHalt(std::function<void()> fn)
{
    std::lock_guard lock(m_haltMutex);
    m_onHalt = std::move(fn);
}

std::optional<int> ScriptEngine::haltCode() const
{
    std::lock_guard lock(m_haltMutex);
    return m_haltCode;
}

void ScriptEngine::adopt(std::shared_ptr<Program> program)
{
    std::unique_lock lock(m_mutex);
    m_programs.push_back(std::move(program));
}

ModuleDef* ScriptEngine::module(Atom name) const
{
    std::shared_lock lock(m_mutex);
    auto it = m_modules.find(name.index());
    return it == m_modules.end() ? nullptr : it->second;
}

namespace {
std::mutex g_everMutex;
std::unordered_set<uint32_t> g_everDefined;
}

bool moduleEverDefined(Atom mod)
{
    std::lock_guard lock(g_everMutex);
    return g_everDefined.count(mod.index()) > 0;
}

void ScriptEngine::registerModule(ModuleDef* m)
{
    {
        std::lock_guard lock(g_everMutex);
        g_everDefined.insert(m->name.index());
    }
    {
        std::unique_lock lock(m_mutex);
        m_modules[m->name.index()] = m;
    }
    // after the table holds the new definition: a cache entry made under the new generation looked it up there
    g_codeGeneration.fetch_add(1, std::memory_order_acq_rel);
}

void ScriptEngine::silence()
{
    std::lock_guard lock(m_outMutex);
    m_silent = true;
}

void ScriptEngine::write(const std::string& text)
{
    std::lock_guard lock(m_outMutex);
    if (m_output && !m_silent)
        m_output(text);
}

void ScriptEngine::logError(const std::string& text, bool durable) { log("error", text, durable); }

void ScriptEngine::logReport(const std::string& text) { log("error", text, true, true); }

void ScriptEngine::log(const char* level, const std::string& text, bool durable) { log(level, text, durable, false); }

void ScriptEngine::log(const char* level, const std::string& text, bool durable, bool atOnce)
{
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm {};
    localtime_r(&t, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms));
    std::string line = "\n"; // (appended piece by piece, as in ExternalFun::describe)
    line += buf;
    line += " [";
    line += level;
    line += "] ";
    line += text;
    line += '\n';
    std::lock_guard lock(m_logMutex);
    if (m_logStop)
        return;
    if (atOnce && m_log.empty() && !m_logWriting) {
        write(line);
        return;
    }
    if (!m_logThread.joinable())
        m_logThread = std::thread([this] { logLoop(); });
    m_log.push_back({ std::chrono::steady_clock::now() + std::chrono::milliseconds(loggerDelayMs), std::move(line), durable });
    m_logCv.notify_all();
}

void ScriptEngine::logLoop()
{
    std::unique_lock lock(m_logMutex);
    for (;;) {
        if (m_logStop)
            return;
        if (m_log.empty()) {
            m_logCv.wait(lock);
            continue;
        }
        auto due = m_log.front().due;
        if (std::chrono::steady_clock::now() < due) {
            m_logCv.wait_until(lock, due);
            continue;
        }
        std::string text = std::move(m_log.front().text);
        m_log.pop_front();
        m_logWriting = true; // a report written at once must not overtake this line
        lock.unlock();
        write(text);
        lock.lock();
        m_logWriting = false;
    }
}

void ScriptEngine::stopLogger()
{
    std::thread t;
    {
        std::lock_guard lock(m_logMutex);
        // what is already due has been handed to the console; the rest is lost as in a halting VM
        auto now = std::chrono::steady_clock::now();
        while (!m_log.empty()) {
            if (m_log.front().due <= now || m_log.front().durable)
                write(m_log.front().text);
            m_log.pop_front();
        }
        m_logStop = true;
        m_log.clear();
        t = std::move(m_logThread);
        m_logCv.notify_all();
    }
    if (t.joinable())
        t.join();
}

// ---------------------------------------------------------------------------------------------- machine

Machine::Machine(ScriptEngine& engine, ProcessContext* ctx)
    : m_engine(engine)
    , m_keepAlive(engine.weak_from_this().lock())
    , m_ctx(ctx)
{
}

Machine::~Machine() = default;

ProcessContext& Machine::ctx()
{
    if (!m_ctx)
        raiseRuntime("process operations need a running process");
    return *m_ctx;
}

static Node* returnMarkNode()
{
    static Node n = [] {
        Node x;
        x.kind = NodeKind::ReturnMark;
        return x;
    }();
    return &n;
}

static Node* sleepNode()
{
    static Node n = [] {
        Node x;
        x.kind = NodeKind::ResumeAfterSleep;
        return x;
    }();
    return &n;
}

void Machine::startProgram(std::shared_ptr<Program> program, std::vector<Term>* persistentSlots)
{
    Activation act {};
    act.program = program.get();
    act.module = Atom::intern("elixir_compiler_0");
    act.name = Atom::intern("__FILE__");
    act.arity = 1;
    act.slotBase = uint32_t(m_slots.size());
    act.frameBase = uint32_t(m_frames.size());
    act.line = 1;
    act.program = program.get();
    act.isProgram = true;
    m_slots.resize(act.slotBase + std::max(program->topSlots, 1));
    if (persistentSlots)
        for (size_t i = 0; i < persistentSlots->size() && i < size_t(program->topSlots); ++i)
            m_slots[act.slotBase + i] = (*persistentSlots)[i];
    m_acts.push_back(act);
    m_frames.push_back({ returnMarkNode(), 0, 0 });
    Node* top = program->top;
    if (top->kids.empty()) {
        m_vals.push_back(Term::nil());
    } else {
        m_frames.push_back({ top, 0, 0 });
    }
    m_programs.push_back(std::move(program));
}

// Non-tail recursion lives on the machine's own stacks; this bounds one process's depth (about 400 MB).
constexpr size_t kMaxActivations = 4'000'000;

struct Exec {
    Machine& m;

    using Frame = Machine::Frame;

    Term* slots() { return m.m_slots.data() + m.m_acts.back().slotBase; }

    // Pushes the value of a simple node directly, or a frame. Returns true when the value is already pushed.
    bool eval(const Node* n)
    {
        switch (n->kind) {
        case NodeKind::Lit: m.m_vals.push_back(n->lit); return true;
        case NodeKind::Var: pushVar(n); return true;
        case NodeKind::LocalCall:
        case NodeKind::RemoteCall:
            if (n->flags & kSimpleArgs)
                return callDirect(n);
            m.m_frames.push_back({ n, 0, 0 });
            return false;
        default:
            if (n->flags & kSimple) {
                m.m_vals.push_back(evalSimple(n));
                return true;
            }
            m.m_frames.push_back({ n, 0, 0 });
            return false;
        }
    }
    // Pushes a frame for n, evaluating nothing yet (never throws: used while handling an exception).
    void push(const Node* n)
    {
        m.m_frames.push_back({ n, 0, 0 });
    }
    void ret(Term v)
    {
        m.m_frames.pop_back();
        m.m_vals.push_back(std::move(v));
    }
    // Replaces the current frame with the evaluation of n (tail position within the node).
    void become(const Node* n)
    {
        m.m_frames.pop_back();
        eval(n);
    }
    Term pop()
    {
        Term v = std::move(m.m_vals.back());
        m.m_vals.pop_back();
        return v;
    }
    // Evaluates kids[pc..] in order; true when all values are on the stack.
    bool kids(const std::vector<Node*>& ks)
    {
        for (;;) {
            Frame& f = m.m_frames.back();
            if (f.pc >= ks.size())
                return true;
            const Node* k = ks[f.pc++];
            if (!eval(k))
                return false;
        }
    }
    void setLine(const Node* n)
    {
        if (n->line > 0)
            m.m_acts.back().line = n->line;
    }

    // ------------------------------------------------------------------ calls

    bool selectClause(const std::vector<Clause*>& clauses, const Term* args, size_t nargs, Term* base, size_t& chosen)
    {
        Machine* saved = t_guardMachine;
        t_guardMachine = &m;
        for (size_t i = 0; i < clauses.size(); ++i) {
            Clause* c = clauses[i];
            bool ok = true;
            for (size_t k = 0; k < nargs && ok; ++k)
                ok = matchPattern(c->pats[k], args[k], base);
            if (ok && c->guard)
                ok = evalGuard(c->guard, base);
            if (ok) {
                chosen = i;
                t_guardMachine = saved;
                return true;
            }
        }
        t_guardMachine = saved;
        return false;
    }

    // Calls with the args that are the top nargs values of the value stack (they are consumed).
    void invokeDef(FunctionDef* fd, size_t nargs, bool tail)
    {
        enter(fd->clauses, fd->numSlots, nargs, tail, fd->module, fd->name, fd->arity, false, 0, nullptr, fd->program);
    }

    void dropArgs(size_t nargs)
    {
        for (size_t i = 0; i < nargs; ++i)
            m.m_vals.pop_back();
    }

    std::vector<Term> copyArgs(size_t nargs) const
    {
        return std::vector<Term>(m.m_vals.end() - ptrdiff_t(nargs), m.m_vals.end());
    }

    void pushArgs(std::vector<Term>& argv)
    {
        for (Term& a : argv)
            m.m_vals.push_back(std::move(a));
    }

    void enter(const std::vector<Clause*>& clauses, int numSlots, size_t nargs, bool tail, Atom mod, Atom name,
        int arity, bool anon, int anonIndex, const ScriptFun* closure, const Program* prog)
    {
        if (tail && !m.m_acts.empty() && !m.m_acts.back().isProgram) {
            // reuse the activation: frames above its return mark are pass-through
            Machine::Activation& act = m.m_acts.back();
            m.m_frames.resize(act.frameBase + 1);
            m.m_slots.resize(act.slotBase);
        } else {
            if (m.m_acts.size() >= kMaxActivations)
                throwError(exceptionStruct("SystemLimitError", { { "message", Term::binary("a system limit has been reached: more than " + std::to_string(kMaxActivations) + " nested (non-tail) calls") } }));
            Machine::Activation act {};
            act.slotBase = uint32_t(m.m_slots.size());
            act.frameBase = uint32_t(m.m_frames.size());
            m.m_acts.push_back(act);
            m.m_frames.push_back({ returnMarkNode(), 0, 0 });
        }
        Machine::Activation& act = m.m_acts.back();
        act.module = mod;
        act.name = name;
        act.arity = arity;
        act.anonymous = anon;
        act.anonIndex = anonIndex;
        act.program = prog;
        m.m_slots.resize(act.slotBase + std::max(numSlots, 1));
        Term* base = m.m_slots.data() + act.slotBase;
        if (closure)
            for (size_t i = 0; i < closure->captured.size(); ++i)
                base[i] = closure->captured[i];
        Term* args = m.m_vals.data() + (m.m_vals.size() - nargs);
        size_t chosen = 0;
        bool found = false;
        Machine* saved = t_guardMachine;
        t_guardMachine = &m;
        for (size_t i = 0; i < clauses.size(); ++i) {
            const Clause* c = clauses[i];
            if (c->irrefutable && c->pats.size() == nargs) {
                // binds for sure: the arguments move into their slots
                for (size_t k = 0; k < nargs; ++k)
                    if (c->pats[k]->slot >= 0)
                        base[c->pats[k]->slot] = std::move(args[k]);
                chosen = i;
                found = true;
                break;
            }
            // plain variables take their argument by moving it, and give it back if the clause does not match
            uint64_t moved = 0;
            bool ok = true;
            for (size_t k = 0; k < nargs && ok; ++k) {
                const Node* p = c->pats[k];
                if (k < 64 && p->kind == NodeKind::Var && p->slot >= 0 && !(p->flags & kCheck)) {
                    base[p->slot] = std::move(args[k]);
                    moved |= uint64_t(1) << k;
                    continue;
                }
                ok = matchPattern(p, args[k], base);
            }
            if (ok && c->guard)
                ok = evalGuard(c->guard, base);
            if (ok) {
                chosen = i;
                found = true;
                break;
            }
            for (size_t k = 0; moved; ++k, moved >>= 1)
                if (moved & 1)
                    args[k] = std::move(base[c->pats[k]->slot]);
        }
        t_guardMachine = saved;
        if (!found) {
            // BEAM reports the failed call with its arguments as the innermost frame
            int line = clauses.empty() ? 0 : clauses[0]->line;
            std::string file = prog ? prog->file : m.m_file;
            std::vector<Term> cps;
            for (char c : file)
                cps.push_back(Term::integer(static_cast<unsigned char>(c)));
            Term loc = Term::list({ Term::tuple({ mkAtom("file"), Term::list(std::move(cps)) }), Term::tuple({ mkAtom("line"), Term::integer(line) }) });
            bool hidden = prog && prog->prelude;
            std::vector<Term> argv = copyArgs(nargs);
            dropArgs(nargs);
            m.m_slots.resize(act.slotBase);
            m.m_frames.resize(act.frameBase);
            m.m_acts.pop_back();
            if (!hidden)
                setErrorTopFrame(Term::tuple({ Term::atom(mod), Term::atom(name), Term::list(std::move(argv)), loc }));
            throwError(Term::atom(atoms::function_clause));
        }
        dropArgs(nargs);
        act.line = clauses[chosen]->line;
        const Node* body = clauses[chosen]->body;
        if (body->kind == NodeKind::Lit) {
            m.m_vals.push_back(body->lit);
        } else if (body->kind == NodeKind::Var) {
            m.m_vals.push_back(base[body->slot]);
        } else if (body->flags & kSimple) {
            m.m_vals.push_back(evalSimple(body));
        } else {
            m.m_frames.push_back({ body, 0, 0 });
        }
    }

    // Calls fun with the top nargs values.
    void applyValueTop(const Term& fun, size_t nargs, bool tail)
    {
        if (!fun.isFun())
            throwError(Term::tuple({ mkAtom("badfun"), fun }));
        FunObject* fo = fun.asFun();
        if (auto* sf = dynamic_cast<ScriptFun*>(fo)) {
            if (int(nargs) != sf->fn->slot)
                throwError(Term::tuple({ mkAtom("badarity"), Term::tuple({ fun, Term::list(copyArgs(nargs)) }) }));
            const Node* fn = sf->fn;
            enter(fn->clauses, fn->numSlots, nargs, tail, fn->mod, fn->label, fn->slot, true, fn->fnIndex, sf, sf->program);
            return;
        }
        if (auto* ef = dynamic_cast<ExternalFun*>(fo)) {
            if (int(nargs) != ef->ar)
                throwError(Term::tuple({ mkAtom("badarity"), Term::tuple({ fun, Term::list(copyArgs(nargs)) }) }));
            applyMfaTop(ef->module, ef->name, nargs, tail, ef->local);
            return;
        }
        raiseUnsupported("calling this kind of function");
    }

    void applyValue(const Term& fun, std::vector<Term>& argv, bool tail)
    {
        const size_t nargs = argv.size();
        pushArgs(argv);
        applyValueTop(fun, nargs, tail);
    }

    void applyMfaTop(Atom mod, Atom name, size_t nargs, bool tail, bool allowPrivate = false)
    {
        if (NativeFn nat = findNative(mod, name, int(nargs))) {
            callNativeTop(nat, nargs, tail);
            return;
        }
        ModuleDef* md = m.m_engine.module(mod);
        if (md) {
            FunctionDef* fd = md->find(name, int(nargs));
            if (fd && (!fd->priv || allowPrivate)) {
                enter(fd->clauses, fd->numSlots, nargs, tail, fd->module, fd->name, fd->arity, false, 0, nullptr, fd->program);
                return;
            }
        }
        std::vector<Term> argv = copyArgs(nargs);
        undefinedFunction(mod, name, int(nargs), md != nullptr, &argv);
    }

    void applyMfa(Atom mod, Atom name, std::vector<Term>& argv, bool tail, bool allowPrivate = false)
    {
        const size_t nargs = argv.size();
        pushArgs(argv);
        applyMfaTop(mod, name, nargs, tail, allowPrivate);
    }

    [[noreturn]] void undefinedFunction(Atom mod, Atom name, int arity, bool /*moduleExists*/, const std::vector<Term>* args = nullptr)
    {
        // as on the BEAM: the reason is :undef and the failed call (with its arguments) is the innermost frame
        std::vector<Term> argv = args ? *args : std::vector<Term>(size_t(arity), Term::nil());
        setErrorTopFrame(Term::tuple({ Term::atom(mod), Term::atom(name), Term::list(argv), Term::emptyList() }));
        throwError(Term::atom(atoms::undef));
    }

    // Calls a native with the top nargs values (a span over the value stack, which the native does not grow).
    // Returns true when the value is pushed (the native neither calls back nor waits).
    bool callNativeTop(NativeFn nat, size_t nargs, bool tail)
    {
        m.m_pending = Machine::Pending::None;
        Term r = nat(m, std::span<const Term>(m.m_vals.data() + (m.m_vals.size() - nargs), nargs));
        dropArgs(nargs);
        return finishNative(std::move(r), tail);
    }

    // A native call with simple arguments (callDirect). Natives only read their arguments, so a variable is lent
    // to it as is (a bitwise view of its slot, never released) instead of being copied onto the value stack and
    // dropped again: no reference-count traffic for heap values such as the pid of a send.
    bool callNativeLending(const Node* n, bool tail)
    {
        constexpr size_t kMax = 6;
        const size_t k = n->kids.size();
        if (k > kMax) {
            for (const Node* c : n->kids)
                pushSimple(c);
            setLine(n);
            return callNativeTop(reinterpret_cast<NativeFn>(n->native), k, tail);
        }
        struct Lent {
            alignas(Term) unsigned char raw[kMax][sizeof(Term)];
            unsigned owned = 0; // arguments constructed here (destroyed here)
            Term* at(size_t i) { return reinterpret_cast<Term*>(raw[i]); }
            ~Lent()
            {
                for (size_t i = 0; i < kMax; ++i)
                    if (owned & (1u << i))
                        at(i)->~Term();
            }
        } args;
        for (size_t i = 0; i < k; ++i) {
            const Node* c = n->kids[i];
            if (c->kind == NodeKind::Var && !(c->flags & kLastUse)) {
                std::memcpy(args.raw[i], static_cast<const void*>(&slots()[c->slot]), sizeof(Term));
                continue;
            }
            if (c->kind == NodeKind::Var) {
                new (args.raw[i]) Term(std::move(slots()[c->slot]));
            } else if (c->kind == NodeKind::Lit) {
                new (args.raw[i]) Term(c->lit);
            } else {
                Term v = evalSimple(c);
                new (args.raw[i]) Term(std::move(v));
            }
            args.owned |= 1u << i;
        }
        setLine(n);
        m.m_pending = Machine::Pending::None;
        Term r = reinterpret_cast<NativeFn>(n->native)(m, std::span<const Term>(args.at(0), k));
        return finishNative(std::move(r), tail);
    }

    bool finishNative(Term r, bool tail)
    {
        switch (m.m_pending) {
        case Machine::Pending::None: m.m_vals.push_back(std::move(r)); return true;
        case Machine::Pending::Apply: {
            m.m_pending = Machine::Pending::None;
            Term f = std::move(m.m_pendFun);
            std::vector<Term> args = std::move(m.m_pendArgs);
            applyValue(f, args, tail);
            return false;
        }
        case Machine::Pending::ApplyMfa: {
            m.m_pending = Machine::Pending::None;
            std::vector<Term> args = std::move(m.m_pendArgs);
            applyMfa(m.m_pendMod, m.m_pendName, args, tail);
            return false;
        }
        case Machine::Pending::Sleep:
        case Machine::Pending::ReceiveAny:
            // the value r is the result once the wait is over
            m.m_vals.push_back(std::move(r));
            m.m_frames.push_back({ sleepNode(), 0, m.m_pending == Machine::Pending::Sleep ? 0u : 1u });
            m.m_recv = {};
            m.m_recv.timeoutMs = m.m_pendMs;
            m.m_recv.sleepOnly = m.m_pending == Machine::Pending::Sleep;
            m.m_recv.any = m.m_pending == Machine::Pending::ReceiveAny;
            m.clearRecvFilter();
            m.m_pending = Machine::Pending::None;
            return false;
        case Machine::Pending::Await:
            m.m_vals.push_back(std::move(r));
            m.m_frames.push_back({ sleepNode(), 0, 2u });
            m.m_recv = {};
            m.m_recv.await = true;
            m.m_pending = Machine::Pending::None;
            return false;
        }
        return false;
    }

    // The function a static remote call to a scripted module reaches, from a per-worker cache of call sites (no
    // engine lock, no name lookups); nullptr when the general way must decide (natives, private or missing
    // functions).
    FunctionDef* staticDef(const Node* n, size_t nargs)
    {
        struct Entry {
            const Node* node = nullptr;
            const ScriptEngine* engine = nullptr;
            uint64_t generation = 0;
            FunctionDef* fd = nullptr;
        };
        static thread_local Entry cache[256];
        const uint64_t generation = g_codeGeneration.load(std::memory_order_acquire);
        Entry& e = cache[(reinterpret_cast<uintptr_t>(n) >> 4) & 255];
        if (e.node == n && e.engine == &m.m_engine && e.generation == generation && e.fd->module == n->mod
            && e.fd->name == n->fname && size_t(e.fd->arity) == nargs)
            return e.fd;
        if (findNative(n->mod, n->fname, int(nargs)))
            return nullptr;
        ModuleDef* md = m.m_engine.module(n->mod);
        FunctionDef* fd = md ? md->find(n->fname, int(nargs)) : nullptr;
        if (!fd || fd->priv)
            return nullptr;
        e = { n, &m.m_engine, generation, fd };
        return fd;
    }

    // A remote call with a static module and its arguments on the stack.
    void callStatic(const Node* n, size_t nargs, bool tail)
    {
        if (FunctionDef* fd = staticDef(n, nargs)) {
            enter(fd->clauses, fd->numSlots, nargs, tail, fd->module, fd->name, fd->arity, false, 0, nullptr, fd->program);
            return;
        }
        applyMfaTop(n->mod, n->fname, nargs, tail);
    }

    // A call whose arguments are all simple (kSimpleArgs), made without a frame of its own: evaluates the
    // arguments and calls, as the LocalCall/RemoteCall steps do once their arguments are on the stack. Returns
    // true when the value is already pushed (a native that neither calls back nor waits).
    bool callDirect(const Node* n)
    {
        if (n->kind == NodeKind::RemoteCall && n->native)
            return callNativeLending(n, n->flags & kTail);
        for (const Node* k : n->kids)
            pushSimple(k);
        setLine(n);
        const bool tail = n->flags & kTail;
        if (n->kind == NodeKind::LocalCall) {
            if (!n->fun)
                undefinedFunction(n->mod, n->fname, int(n->kids.size()), true);
            invokeDef(n->fun, n->kids.size(), tail);
            return false;
        }
        if (n->native)
            return callNativeTop(reinterpret_cast<NativeFn>(n->native), n->kids.size(), tail);
        callStatic(n, n->kids.size(), tail);
        return false;
    }

    // Pushes the value of a simple node (Lit, Var or kSimple).
    void pushSimple(const Node* n)
    {
        switch (n->kind) {
        case NodeKind::Lit: m.m_vals.push_back(n->lit); return;
        case NodeKind::Var: pushVar(n); return;
        default: m.m_vals.push_back(evalSimple(n)); return;
        }
    }

    void pushVar(const Node* n)
    {
        Term& v = slots()[n->slot];
        if ((n->flags & kLastUse) && !m.m_acts.back().isProgram)
            m.m_vals.push_back(std::move(v));
        else
            m.m_vals.push_back(v);
    }

    // The value of a kSimple expression, computed by native recursion (the same steps, lines and errors as the
    // frame-by-frame evaluation).
    Term evalSimple(const Node* n)
    {
        switch (n->kind) {
        case NodeKind::Lit: return n->lit;
        case NodeKind::Var: return slots()[n->slot];
        case NodeKind::BinOp: {
            Term a = evalSimple(n->a);
            switch (n->op) {
            case OpAndAlso:
                if (!a.isTruthy())
                    return a;
                return evalSimple(n->b);
            case OpOrElse:
                if (a.isTruthy())
                    return a;
                return evalSimple(n->b);
            case OpAnd:
            case OpOr:
                if (!a.isBool()) {
                    setLine(n);
                    throwError(Term::tuple({ mkAtom("badbool"), mkAtom(n->op == OpAnd ? "and" : "or"), a }));
                }
                if (n->op == OpAnd ? a.isAtom(atoms::false_) : a.isAtom(atoms::true_))
                    return a;
                return evalSimple(n->b);
            default: break;
            }
            Term b = evalSimple(n->b);
            setLine(n);
            Term r;
            if (integerOp(n->op, a, b, r))
                return r;
            return binaryOp(n->op, a, b);
        }
        case NodeKind::UnOp: {
            Term a = evalSimple(n->a);
            setLine(n);
            return unaryOp(n->op, a);
        }
        case NodeKind::Tuple: {
            const size_t k = n->kids.size();
            if (k <= 8) {
                Term items[8];
                for (size_t i = 0; i < k; ++i)
                    items[i] = evalSimple(n->kids[i]);
                return Term::tupleMoving(items, k);
            }
            std::vector<Term> items;
            items.reserve(k);
            for (const Node* c : n->kids)
                items.push_back(evalSimple(c));
            return Term::tuple(std::move(items));
        }
        case NodeKind::List: {
            std::vector<Term> items;
            items.reserve(n->kids.size());
            for (const Node* c : n->kids)
                items.push_back(evalSimple(c));
            Term tail = n->tail ? evalSimple(n->tail) : Term::emptyList();
            return Term::list(std::move(items), std::move(tail));
        }
        case NodeKind::Map: {
            std::vector<std::pair<Term, Term>> e;
            e.reserve(n->kids.size() / 2);
            for (size_t i = 0; i + 1 < n->kids.size(); i += 2) {
                Term key = evalSimple(n->kids[i]);
                e.push_back({ std::move(key), evalSimple(n->kids[i + 1]) });
            }
            return Term::map(std::move(e));
        }
        default: raiseUnsupported("this construct");
        }
    }

    // ------------------------------------------------------------------ step

    // Returns false when the machine must stop (receive).
    bool step()
    {
        Frame& f = m.m_frames.back();
        const Node* n = f.n;
        switch (n->kind) {
        case NodeKind::Lit: ret(n->lit); return true;
        case NodeKind::Var: ret(slots()[n->slot]); return true;
        case NodeKind::Block: {
            // all but the last: evaluate and drop
            if (f.pc > 0 && f.aux == 1) {
                m.m_vals.pop_back();
                f.aux = 0;
            }
            const size_t self = m.m_frames.size() - 1;
            while (m.m_frames[self].pc + 1 < n->kids.size()) {
                const Node* k = n->kids[m.m_frames[self].pc++];
                if (eval(k)) {
                    m.m_vals.pop_back();
                    continue;
                }
                m.m_frames[self].aux = 1;
                return true;
            }
            become(n->kids.back());
            return true;
        }
        case NodeKind::Tuple: {
            if (!kids(n->kids))
                return true;
            size_t k = n->kids.size();
            std::vector<Term> items(std::make_move_iterator(m.m_vals.end() - k), std::make_move_iterator(m.m_vals.end()));
            m.m_vals.resize(m.m_vals.size() - k);
            ret(Term::tuple(std::move(items)));
            return true;
        }
        case NodeKind::List: {
            if (!kids(n->kids))
                return true;
            if (n->tail && f.pc == n->kids.size()) {
                f.pc++;
                if (!eval(n->tail))
                    return true;
            }
            Term tail = Term::emptyList();
            if (n->tail)
                tail = pop();
            size_t k = n->kids.size();
            std::vector<Term> items(std::make_move_iterator(m.m_vals.end() - k), std::make_move_iterator(m.m_vals.end()));
            m.m_vals.resize(m.m_vals.size() - k);
            ret(Term::list(std::move(items), std::move(tail)));
            return true;
        }
        case NodeKind::Map: {
            if (!kids(n->kids))
                return true;
            size_t k = n->kids.size();
            std::vector<std::pair<Term, Term>> e;
            for (size_t i = m.m_vals.size() - k; i < m.m_vals.size(); i += 2)
                e.push_back({ m.m_vals[i], m.m_vals[i + 1] });
            m.m_vals.resize(m.m_vals.size() - k);
            ret(Term::map(std::move(e)));
            return true;
        }
        case NodeKind::MapUpdate: {
            if (f.pc == 0) {
                f.pc = 1;
                f.aux = 0;
                if (!eval(n->a))
                    return true;
            }
            // kids evaluated with pc offset by one
            for (;;) {
                Frame& g = m.m_frames.back();
                if (g.pc - 1 >= n->kids.size())
                    break;
                const Node* k = n->kids[g.pc - 1];
                g.pc++;
                if (!eval(k))
                    return true;
            }
            size_t k = n->kids.size();
            Term base = m.m_vals[m.m_vals.size() - k - 1];
            if (!base.isMap())
                throwError(Term::tuple({ mkAtom("badmap"), base }));
            for (size_t i = m.m_vals.size() - k; i < m.m_vals.size(); i += 2) {
                if (!base.mapGet(m.m_vals[i])) {
                    Term key = m.m_vals[i];
                    throwError(Term::tuple({ mkAtom("badkey"), key, base }));
                }
                base = base.mapPut(m.m_vals[i], m.m_vals[i + 1]);
            }
            m.m_vals.resize(m.m_vals.size() - k - 1);
            ret(std::move(base));
            return true;
        }
        case NodeKind::Interp: {
            if (!kids(n->kids))
                return true;
            size_t k = n->kids.size();
            std::string s;
            for (size_t i = m.m_vals.size() - k; i < m.m_vals.size(); ++i)
                s += toStringChars(m.m_vals[i]);
            m.m_vals.resize(m.m_vals.size() - k);
            if (n->flags & kCheck) {
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
                ret(Term::list(std::move(cps)));
                return true;
            }
            ret(Term::binary(s));
            return true;
        }
        case NodeKind::BinOp: {
            if (f.pc == 0) {
                f.pc = 1;
                if (!eval(n->a))
                    return true;
            }
            if (f.pc == 1) {
                f.pc = 2;
                if (n->op == OpAndAlso || n->op == OpOrElse || n->op == OpAnd || n->op == OpOr) {
                    const Term& a = m.m_vals.back();
                    if (n->op == OpAnd || n->op == OpOr) {
                        if (!a.isBool()) {
                            setLine(n);
                            throwError(Term::tuple({ mkAtom("badbool"), mkAtom(n->op == OpAnd ? "and" : "or"), a }));
                        }
                    }
                    bool shortCircuit = n->op == OpAndAlso ? !a.isTruthy()
                        : n->op == OpOrElse                ? a.isTruthy()
                        : n->op == OpAnd                   ? a.isAtom(atoms::false_)
                                                           : a.isAtom(atoms::true_);
                    if (shortCircuit) {
                        Term v = pop();
                        ret(std::move(v));
                        return true;
                    }
                    m.m_vals.pop_back();
                    become(n->b);
                    return true;
                }
                if (!eval(n->b))
                    return true;
            }
            Term b = pop();
            Term a = pop();
            setLine(n);
            Term r;
            if (integerOp(n->op, a, b, r)) {
                ret(std::move(r));
                return true;
            }
            ret(binaryOp(n->op, a, b));
            return true;
        }
        case NodeKind::UnOp: {
            if (f.pc == 0) {
                f.pc = 1;
                if (!eval(n->a))
                    return true;
            }
            Term a = pop();
            setLine(n);
            ret(unaryOp(n->op, a));
            return true;
        }
        case NodeKind::Match: {
            if (f.pc == 0) {
                f.pc = 1;
                if (!eval(n->b))
                    return true;
            }
            const Term& v = m.m_vals.back();
            Machine* saved = t_guardMachine;
            t_guardMachine = &m;
            bool ok = matchPattern(n->a, v, slots());
            t_guardMachine = saved;
            if (!ok) {
                setLine(n);
                Term val = v;
                throwError(Term::tuple({ Term::atom(atoms::badmatch), val }));
            }
            Term val = pop();
            ret(std::move(val));
            return true;
        }
        case NodeKind::If: {
            if (f.pc == 0) {
                f.pc = 1;
                if (!eval(n->a))
                    return true;
            }
            Term c = pop();
            bool truthy = c.isTruthy();
            if (n->flags & kUnless)
                truthy = !truthy;
            const Node* branch = truthy ? n->b : n->c;
            if (!branch) {
                ret(Term::nil());
                return true;
            }
            become(branch);
            return true;
        }
        case NodeKind::Case: {
            if (f.pc == 0) {
                f.pc = 1;
                if (!eval(n->a))
                    return true;
            }
            Term v = pop();
            size_t chosen;
            if (!selectClause(n->clauses, &v, 1, slots(), chosen)) {
                setLine(n);
                throwError(Term::tuple({ Term::atom(atoms::case_clause), v }));
            }
            become(n->clauses[chosen]->body);
            return true;
        }
        case NodeKind::Cond: {
            // pc even: evaluate condition pc/2; pc odd: check it
            for (;;) {
                Frame& g = m.m_frames.back();
                size_t idx = g.pc / 2;
                if (idx >= n->clauses.size()) {
                    setLine(n);
                    throwError(exceptionStruct("CondClauseError", { { "message", Term::binary("no cond clause evaluated to a truthy value") } }));
                }
                if (g.pc % 2 == 0) {
                    g.pc++;
                    if (!eval(n->clauses[idx]->pats[0]))
                        return true;
                    continue;
                }
                Term c = pop();
                if (c.isTruthy()) {
                    become(n->clauses[idx]->body);
                    return true;
                }
                m.m_frames.back().pc++;
            }
        }
        case NodeKind::Receive: {
            if (f.pc == 0) {
                f.pc = 1;
                if (n->b && !eval(n->b))
                    return true;
            }
            if (f.pc == 1) {
                int64_t timeout = kInfinity;
                if (n->b) {
                    Term t = pop();
                    if (t.isInteger() && t.asInteger() >= 0 && t.asInteger() <= 4294967295LL)
                        timeout = t.asInteger();
                    else if (!t.isAtom(atoms::infinity)) {
                        setLine(n);
                        throwError(Term::tuple({ mkAtom("timeout_value") }));
                    }
                }
                m.m_frames.back().pc = 2;
                m.m_recv = {};
                m.m_recv.timeoutMs = timeout;
                m.m_recv.sleepOnly = n->clauses.empty();
                m.startReceive(n);
                return false;
            }
            // pc == 2: delivered
            std::optional<Term> msg = std::move(m.m_delivered);
            m.m_delivered.reset();
            m.m_recvNode = nullptr;
            if (!msg) {
                become(n->c);
                return true;
            }
            // the clause that accepted the message binds its variables (its guard held when it was tested)
            const int accepted = m.m_recvClause;
            m.m_recvClause = -1;
            if (accepted >= 0 && size_t(accepted) < n->clauses.size()) {
                Machine* saved = t_guardMachine;
                t_guardMachine = &m;
                const bool ok = matchPattern(n->clauses[size_t(accepted)]->pats[0], *msg, slots());
                t_guardMachine = saved;
                if (ok) {
                    become(n->clauses[size_t(accepted)]->body);
                    return true;
                }
            }
            size_t chosen;
            if (!selectClause(n->clauses, &*msg, 1, slots(), chosen)) {
                // cannot happen: the runtime only hands over matching messages
                throwError(Term::tuple({ mkAtom("receive_clause"), *msg }));
            }
            become(n->clauses[chosen]->body);
            return true;
        }
        case NodeKind::ResumeAfterSleep: {
            if (f.pc == 0) {
                f.pc = 1;
                return false; // wait
            }
            uint32_t kind = f.aux;
            std::optional<Term> msg = std::move(m.m_delivered);
            m.m_delivered.reset();
            m.m_frames.pop_back();
            if (kind == 1) {
                // receive-any: the result is {:ok, msg} or :timeout
                m.m_vals.back() = msg ? Term::tuple({ Term::atom(atoms::ok), *msg }) : Term::atom(atoms::timeout);
            } else if (kind == 2) {
                if (m.m_awaitError) {
                    ProcessException e = std::move(*m.m_awaitError);
                    m.m_awaitError.reset();
                    m.m_vals.pop_back();
                    throw e;
                }
                m.m_vals.back() = msg ? *msg : Term::nil();
            }
            return true;
        }
        case NodeKind::Fn: {
            auto* sf = new ScriptFun();
            sf->fn = n;
            sf->module = n->mod;
            sf->enclosing = n->fname;
            sf->enclosingArity = n->op;
            for (auto& [outer, inner] : n->captures) {
                (void)inner;
                sf->captured.push_back(slots()[outer]);
            }
            sf->program = m.m_acts.back().program;
            ret(Term::fun(sf));
            return true;
        }
        case NodeKind::FunRef: {
            auto* ef = new ExternalFun();
            ef->module = n->mod;
            ef->name = n->fname;
            ef->ar = n->slot;
            ef->local = n->flags & kCheck;
            ret(Term::fun(ef));
            return true;
        }
        case NodeKind::LocalCall: {
            if (!kids(n->kids))
                return true;
            setLine(n);
            m.m_frames.pop_back();
            if (!n->fun)
                undefinedFunction(n->mod, n->fname, int(n->kids.size()), true);
            invokeDef(n->fun, n->kids.size(), n->flags & kTail);
            return true;
        }
        case NodeKind::RemoteCall: {
            bool dynamic = !(n->a->kind == NodeKind::Lit);
            if (dynamic && f.pc == 0) {
                f.pc = 1;
                f.aux = 1;
                if (!eval(n->a))
                    return true;
            }
            // kids with pc offset when dynamic
            for (;;) {
                Frame& g = m.m_frames.back();
                size_t i = g.pc - g.aux;
                if (i >= n->kids.size())
                    break;
                g.pc++;
                if (!eval(n->kids[i]))
                    return true;
            }
            setLine(n);
            size_t nargs = n->kids.size();
            Atom mod = n->mod;
            if (dynamic) {
                // the module is under the arguments
                Term& mv = m.m_vals[m.m_vals.size() - nargs - 1];
                if (!mv.isAtom()) {
                    if (nargs == 0 && mv.isMap())
                        raiseArgumentError("invalid call " + inspect(mv) + "." + n->name + "()");
                    throwError(Term::tuple({ mkAtom("badarg") }));
                }
                mod = mv.asAtom();
                m.m_vals.erase(m.m_vals.end() - ptrdiff_t(nargs) - 1);
            }
            bool tail = n->flags & kTail;
            m.m_frames.pop_back();
            if (!dynamic && n->native) {
                callNativeTop(reinterpret_cast<NativeFn>(n->native), nargs, tail);
                return true;
            }
            if (!dynamic) {
                callStatic(n, nargs, tail);
                return true;
            }
            applyMfaTop(mod, n->fname, nargs, tail);
            return true;
        }
        case NodeKind::AnonCall: {
            if (f.pc == 0) {
                f.pc = 1;
                f.aux = 1;
                if (!eval(n->a))
                    return true;
            }
            for (;;) {
                Frame& g = m.m_frames.back();
                size_t i = g.pc - 1;
                if (i >= n->kids.size())
                    break;
                g.pc++;
                if (!eval(n->kids[i]))
                    return true;
            }
            setLine(n);
            size_t nargs = n->kids.size();
            // the function is under the arguments
            Term fun = std::move(m.m_vals[m.m_vals.size() - nargs - 1]);
            m.m_vals.erase(m.m_vals.end() - ptrdiff_t(nargs) - 1);
            bool tail = n->flags & kTail;
            m.m_frames.pop_back();
            applyValueTop(fun, nargs, tail);
            return true;
        }
        case NodeKind::DotField: {
            if (f.pc == 0) {
                f.pc = 1;
                if (!eval(n->a))
                    return true;
            }
            Term v = pop();
            setLine(n);
            if (v.isMap()) {
                const Term* got = v.mapGet(Term::atom(n->fname));
                if (!got)
                    throwError(Term::tuple({ mkAtom("badkey"), Term::atom(n->fname), v }));
                ret(*got);
                return true;
            }
            if (v.isAtom()) {
                m.m_frames.pop_back();
                std::vector<Term> none;
                applyMfa(v.asAtom(), n->fname, none, false);
                return true;
            }
            throwError(Term::tuple({ mkAtom("badmap"), v }));
        }
        case NodeKind::Access: {
            if (f.pc == 0) {
                f.pc = 1;
                if (!eval(n->a))
                    return true;
            }
            if (f.pc == 1) {
                m.m_frames.back().pc = 2;
                if (!eval(n->b))
                    return true;
            }
            Term key = pop();
            Term v = pop();
            if (v.isMap()) {
                const Term* got = v.mapGet(key);
                ret(got ? *got : Term::nil());
                return true;
            }
            if (v.isList()) {
                Term cur = v;
                while (cur.isCons()) {
                    const Term& h = cur.head();
                    if (h.isTuple(2) && h.element(0) == key) {
                        ret(h.element(1));
                        return true;
                    }
                    cur = Term(cur.tail());
                }
                ret(Term::nil());
                return true;
            }
            if (v.isNilAtom()) {
                ret(Term::nil());
                return true;
            }
            setLine(n);
            raiseUnsupported("the Access protocol for " + inspect(v));
        }
        case NodeKind::Try: return stepTry(f, n);
        case NodeKind::With: return stepWith(n);
        case NodeKind::Defmodule: {
            ret(Term::tuple({ mkAtom("module"), n->lit, Term::nil(), Term::nil() }));
            return true;
        }
        case NodeKind::ReturnMark: {
            // the activation's value is on top of the stack
            Machine::Activation& act = m.m_acts.back();
            if (m.m_acts.size() == 1 && m.consoleSlots)
                m.consoleSlots->assign(m.m_slots.begin() + act.slotBase, m.m_slots.end());
            m.m_slots.resize(act.slotBase);
            m.m_acts.pop_back();
            m.m_frames.pop_back();
            return true;
        }
        default:
            raiseUnsupported("this construct");
        }
    }

    // Try frame: pc 0 start; 1 body done; 2 handler body running; 3 after running (value saved); 4 after then rethrow
    bool stepTry(Frame& f, const Node* n)
    {
        switch (f.pc) {
        case 0: {
            f.pc = 1;
            Machine::Handler h { uint32_t(m.m_frames.size() - 1), uint32_t(m.m_vals.size()), uint32_t(m.m_acts.size()), uint32_t(m.m_slots.size()) };
            m.m_handlers.push_back(h);
            eval(n->a);
            return true;
        }
        case 1: {
            m.m_handlers.pop_back();
            if (!n->clauses3.empty()) {
                Term v = pop();
                size_t chosen;
                if (!selectClause(n->clauses3, &v, 1, slots(), chosen))
                    throwError(Term::tuple({ mkAtom("try_clause"), v }));
                f.pc = 2;
                eval(n->clauses3[chosen]->body);
                return true;
            }
            [[fallthrough]];
        }
        case 2: {
            // value on the stack; run after
            Frame& g = m.m_frames.back();
            if (n->b) {
                g.pc = 3;
                eval(n->b);
                return true;
            }
            Term v = pop();
            ret(std::move(v));
            return true;
        }
        case 3: {
            m.m_vals.pop_back(); // after's value
            Term v = pop();
            ret(std::move(v));
            return true;
        }
        case 4: {
            m.m_vals.pop_back();
            ProcessException e = takePendingException();
            m.m_frames.pop_back();
            throw e;
        }
        default: return true;
        }
    }

    ProcessException takePendingException()
    {
        auto& store = m.m_tryExceptions;
        ProcessException e = std::move(store.back());
        store.pop_back();
        return e;
    }

    // Handles an exception at the innermost handler. Returns false when no handler exists.
    bool handle(ProcessException& e)
    {
        if (m.m_handlers.empty())
            return false;
        Machine::Handler h = m.m_handlers.back();
        m.m_handlers.pop_back();
        m.m_frames.resize(h.frame + 1);
        m.m_vals.resize(h.vals);
        m.m_acts.resize(h.acts);
        m.m_slots.resize(h.slots);
        Frame& f = m.m_frames.back();
        const Node* n = f.n;
        Term* s = slots();
        Machine* saved = t_guardMachine;
        t_guardMachine = &m;
        // rescue
        if (e.kind == ProcessException::Kind::Error) {
            Term ex = normalizeError(e.reason, e.stacktrace);
            const Term* mod = ex.mapGet(Term::atom(atoms::struct_));
            for (Clause* c : n->clauses) {
                const Node* mods = c->pats[1];
                bool ok = mods->kids.empty();
                for (const Node* k : mods->kids)
                    if (mod && k->lit == *mod)
                        ok = true;
                if (!ok)
                    continue;
                if (c->pats[0]->kind != NodeKind::Lit && !matchPattern(c->pats[0], ex, s))
                    continue;
                t_guardMachine = saved;
                f.pc = 2;
                m.m_lastStacktrace = e.stacktrace;
                push(c->body);
                return true;
            }
        }
        Term kind = mkAtom(e.kind == ProcessException::Kind::Error ? "error" : e.kind == ProcessException::Kind::Exit ? "exit" : "throw");
        for (Clause* c : n->clauses2) {
            if (!matchPattern(c->pats[0], kind, s) || !matchPattern(c->pats[1], e.reason, s))
                continue;
            if (c->guard && !evalGuard(c->guard, s))
                continue;
            t_guardMachine = saved;
            f.pc = 2;
            m.m_lastStacktrace = e.stacktrace;
            push(c->body);
            return true;
        }
        t_guardMachine = saved;
        if (n->b) {
            // run after, then rethrow
            m.m_tryExceptions.push_back(std::move(e));
            f.pc = 4;
            push(n->b);
            return true;
        }
        m.m_frames.pop_back();
        return handleAgain(e);
    }

    bool handleAgain(ProcessException& e) { return handle(e); }

    // With: pc = 2*i evaluate step i; 2*i+1 check it; aux = 1 when running the else/do part
    bool stepWith(const Node* n)
    {
        for (;;) {
            Frame& f = m.m_frames.back();
            if (f.aux == 1) {
                Term v = pop();
                ret(std::move(v));
                return true;
            }
            size_t i = f.pc / 2;
            if (i >= n->clauses.size()) {
                f.aux = 1;
                eval(n->a);
                return true;
            }
            Clause* c = n->clauses[i];
            if (f.pc % 2 == 0) {
                f.pc++;
                if (!eval(c->body))
                    return true;
                continue;
            }
            f.pc++;
            Term v = pop();
            if (c->pats.empty())
                continue;
            Term* s = slots();
            Machine* saved = t_guardMachine;
            t_guardMachine = &m;
            bool ok = matchPattern(c->pats[0], v, s) && (!c->guard || evalGuard(c->guard, s));
            t_guardMachine = saved;
            if (ok)
                continue;
            if (n->clauses2.empty()) {
                ret(std::move(v));
                return true;
            }
            size_t chosen;
            if (!selectClause(n->clauses2, &v, 1, s, chosen)) {
                setLine(n);
                throwError(Term::tuple({ mkAtom("with_clause"), v }));
            }
            f.aux = 1;
            m.m_frames.back().aux = 1;
            eval(n->clauses2[chosen]->body);
            return true;
        }
    }
};

RunStatus Machine::run()
{
    Exec ex { *this };
    uint32_t budget = 0;
    for (;;) {
        try {
            if (m_hasStartError) {
                m_hasStartError = false;
                throw m_startError;
            }
            while (!m_frames.empty()) {
                if (++budget >= 64) {
                    budget = 0;
                    if (m_ctx && m_ctx->consumeReductions(64))
                        return RunStatus::Yield;
                }
                if (!ex.step())
                    return RunStatus::Receive;
            }
            m_result = m_vals.empty() ? Term::nil() : m_vals.back();
            m_vals.clear();
            return RunStatus::Done;
        } catch (ProcessException& e) {
            if (e.stacktrace.isAtom())
                throw; // the process is already dying of a signal to itself (see diedOfOwnSignal), past every catch
            if (e.stacktrace.isEmptyList())
                e.stacktrace = stacktrace();
            if (!ex.handle(e))
                throw;
        }
    }
}

// ---------------------------------------------------------------------------------------------- receive matching
//
// A receive tests its clauses against every message it skips, so that test must be cheap. When a receive is
// compiled, each clause whose pattern and guard use only the common forms becomes a RecvCode clause: the pattern
// as a flat preorder op list that binds nothing (variables it binds are remembered as pointers into the message),
// the guard as a small tree of type tests, comparisons and boolean operators over those pointers, literals and
// the receiving function's variables. Testing a message then copies no term, allocates nothing and never enters
// the machine. Other clauses are tested the general way (matchPattern + evalGuard); the outcome is the same.

namespace {

enum class TypeTest : uint8_t { None, Atom, Integer, Float, Number, Binary, List, Tuple, Map, Pid, Reference, Function, Boolean, Nil };

TypeTest typeTestOf(const Node* call)
{
    static const std::vector<std::pair<NativeFn, TypeTest>> table = [] {
        std::vector<std::pair<NativeFn, TypeTest>> t;
        const std::pair<const char*, TypeTest> names[] = { { "is_atom", TypeTest::Atom }, { "is_integer", TypeTest::Integer },
            { "is_float", TypeTest::Float }, { "is_number", TypeTest::Number }, { "is_binary", TypeTest::Binary },
            { "is_list", TypeTest::List }, { "is_tuple", TypeTest::Tuple }, { "is_map", TypeTest::Map },
            { "is_pid", TypeTest::Pid }, { "is_reference", TypeTest::Reference }, { "is_function", TypeTest::Function },
            { "is_boolean", TypeTest::Boolean }, { "is_nil", TypeTest::Nil } };
        registerBuiltins();
        Atom kernel = Atom::intern("Elixir.Kernel");
        for (auto& [name, tt] : names)
            if (NativeFn f = findNative(kernel, Atom::intern(name), 1))
                t.push_back({ f, tt });
        return t;
    }();
    if (call->kids.size() != 1 || !call->native)
        return TypeTest::None;
    auto fn = reinterpret_cast<NativeFn>(call->native);
    for (auto& [f, tt] : table)
        if (f == fn)
            return tt;
    return TypeTest::None;
}

bool typeTest(TypeTest t, const Term& x)
{
    switch (t) {
    case TypeTest::Atom: return x.isAtom();
    case TypeTest::Integer: return x.isInteger();
    case TypeTest::Float: return x.isFloat();
    case TypeTest::Number: return x.isNumber();
    case TypeTest::Binary: return x.isBinary();
    case TypeTest::List: return x.isList();
    case TypeTest::Tuple: return x.isTuple();
    case TypeTest::Map: return x.isMap();
    case TypeTest::Pid: return x.isPid();
    case TypeTest::Reference: return x.isReference();
    case TypeTest::Function: return x.isFun();
    case TypeTest::Boolean: return x.isBool();
    case TypeTest::Nil: return x.isNilAtom();
    case TypeTest::None: break;
    }
    return false;
}

} // namespace

struct RecvCode {
    static constexpr int kMaxLocals = 32;
    enum class P : uint8_t { Any, Bind, Check, Atom, Lit, Pin, Tuple, List, Map, MapKeyLit, MapKeyPin, Match, Prefix };
    struct POp {
        P k = P::Any;
        bool tail = false; // List: a tail pattern follows the elements
        uint16_t local = 0; // Bind/Check: the pointer slot
        uint32_t n = 0; // Tuple/List/Map: element or pair count
        int slot = -1; // Pin, MapKeyPin: the machine slot
        Term lit; // Atom, Lit, MapKeyLit, Prefix
    };
    struct Operand {
        enum Src : uint8_t { Local, Slot, Lit } src = Lit;
        int idx = 0;
        Term lit;
    };
    enum class G : uint8_t { True, False, Type, Cmp, And, Or, Not };
    struct GOp {
        G k = G::True;
        TypeTest tt = TypeTest::None;
        int16_t op = 0;
        Operand x, y;
        int a = -1, b = -1;
    };
    // The outer shape of every message a clause can accept, from its pattern and the type tests its guard
    // requires of the whole message (shapeOf): tested before the clause, it turns down most messages a selective
    // receive skips without running the clause.
    static constexpr uint32_t kAnyArity = ~0u;
    struct Shape {
        uint32_t types = ~0u; // bit per Term::Type
        uint32_t arity = kAnyArity; // a tuple's size
        bool hasAtom = false;
        Atom atom; // a tuple's first element, or the atom itself
        bool admits(const Term& v) const
        {
            if (!(types >> unsigned(v.type()) & 1))
                return false;
            if (v.isTuple()) {
                if (arity == kAnyArity && !hasAtom)
                    return true;
                const auto* t = static_cast<const TupleObject*>(v.heapObject());
                return (arity == kAnyArity || t->count == arity) && (!hasAtom || (t->count > 0 && t->elems[0].isAtom(atom)));
            }
            return !hasAtom || !v.isAtom() || v.asAtom() == atom;
        }
    };
    std::vector<Shape> shapes; // one per clause
    uint32_t types = 0; // union of the clauses' types
    // The (size, first element) pairs of the clauses accepting tuples, when each of them requires both (at most
    // Machine::kMaxRecvTags; otherwise empty).
    std::vector<Machine::RecvTag> tags;
    struct ClauseCode {
        bool fast = false;
        std::vector<int> pins; // machine slots whose values the pattern requires (pins, pinned map keys)
        std::vector<POp> pat;
        std::vector<GOp> guard;
        int guardRoot = -1;
    };
    std::vector<ClauseCode> clauses;
};

namespace {

struct RecvBuilder {
    RecvCode::ClauseCode& cc;
    std::vector<std::pair<int, int>> locals; // machine slot -> pointer slot

    int localOf(int slot) const
    {
        for (auto& [s, l] : locals)
            if (s == slot)
                return l;
        return -1;
    }

    bool pattern(const Node* p)
    {
        using P = RecvCode::P;
        RecvCode::POp op;
        switch (p->kind) {
        case NodeKind::Lit:
            op.k = p->lit.isAtom() ? P::Atom : P::Lit;
            op.lit = p->lit;
            cc.pat.push_back(op);
            return true;
        case NodeKind::Var:
            if (p->slot < 0) {
                op.k = P::Any;
            } else if (p->flags & kCheck) {
                int l = localOf(p->slot);
                if (l < 0)
                    return false;
                op.k = P::Check;
                op.local = uint16_t(l);
            } else {
                if (int(locals.size()) >= RecvCode::kMaxLocals)
                    return false;
                op.k = P::Bind;
                op.local = uint16_t(locals.size());
                locals.push_back({ p->slot, int(locals.size()) });
            }
            cc.pat.push_back(op);
            return true;
        case NodeKind::Pin:
            op.k = P::Pin;
            op.slot = p->slot;
            cc.pat.push_back(op);
            cc.pins.push_back(p->slot);
            return true;
        case NodeKind::Tuple:
            op.k = P::Tuple;
            op.n = uint32_t(p->kids.size());
            cc.pat.push_back(op);
            for (const Node* k : p->kids)
                if (!pattern(k))
                    return false;
            return true;
        case NodeKind::List:
            op.k = P::List;
            op.n = uint32_t(p->kids.size());
            op.tail = p->tail != nullptr;
            cc.pat.push_back(op);
            for (const Node* k : p->kids)
                if (!pattern(k))
                    return false;
            return !p->tail || pattern(p->tail);
        case NodeKind::Map:
            op.k = P::Map;
            op.n = uint32_t(p->kids.size() / 2);
            cc.pat.push_back(op);
            for (size_t i = 0; i + 1 < p->kids.size(); i += 2) {
                const Node* k = p->kids[i];
                RecvCode::POp key;
                if (k->kind == NodeKind::Pin) {
                    key.k = P::MapKeyPin;
                    key.slot = k->slot;
                    cc.pins.push_back(k->slot);
                } else {
                    key.k = P::MapKeyLit;
                    key.lit = k->lit;
                }
                cc.pat.push_back(key);
                if (!pattern(p->kids[i + 1]))
                    return false;
            }
            return true;
        case NodeKind::Match:
            op.k = P::Match;
            cc.pat.push_back(op);
            return pattern(p->a) && pattern(p->b);
        case NodeKind::BinOp:
            // "prefix" <> _ (a bound rest would need a new term: the general way does that)
            if (!p->a || p->a->kind != NodeKind::Lit || !p->a->lit.isBinary() || !p->b || p->b->kind != NodeKind::Var || p->b->slot >= 0)
                return false;
            op.k = P::Prefix;
            op.lit = p->a->lit;
            cc.pat.push_back(op);
            return true;
        default: return false;
        }
    }

    bool operand(const Node* n, RecvCode::Operand& o)
    {
        if (n->kind == NodeKind::Lit) {
            o.src = RecvCode::Operand::Lit;
            o.lit = n->lit;
            return true;
        }
        if (n->kind == NodeKind::Var && n->slot >= 0) {
            int l = localOf(n->slot);
            o.src = l >= 0 ? RecvCode::Operand::Local : RecvCode::Operand::Slot;
            o.idx = l >= 0 ? l : n->slot;
            return true;
        }
        return false;
    }

    // Index of the guard node, or -1 when the form is not one of the simple ones.
    int guard(const Node* g)
    {
        using G = RecvCode::G;
        RecvCode::GOp op;
        switch (g->kind) {
        case NodeKind::Lit:
            if (g->lit.isAtom(atoms::true_))
                op.k = G::True;
            else if (g->lit.isAtom(atoms::false_))
                op.k = G::False;
            else
                return -1;
            break;
        case NodeKind::RemoteCall:
            op.k = G::Type;
            op.tt = typeTestOf(g);
            if (op.tt == TypeTest::None || !operand(g->kids[0], op.x))
                return -1;
            break;
        case NodeKind::UnOp:
            if (g->op != OpNot)
                return -1;
            op.k = G::Not;
            if ((op.a = guard(g->a)) < 0)
                return -1;
            break;
        case NodeKind::BinOp:
            switch (g->op) {
            case OpAnd:
            case OpAndAlso:
            case OpOr:
            case OpOrElse:
                op.k = g->op == OpAnd || g->op == OpAndAlso ? G::And : G::Or;
                if ((op.a = guard(g->a)) < 0 || (op.b = guard(g->b)) < 0)
                    return -1;
                break;
            case OpEq:
            case OpNe:
            case OpStrictEq:
            case OpStrictNe:
            case OpLt:
            case OpGt:
            case OpLe:
            case OpGe:
                op.k = G::Cmp;
                op.op = g->op;
                if (!operand(g->a, op.x) || !operand(g->b, op.y))
                    return -1;
                break;
            default: return -1;
            }
            break;
        default: return -1;
        }
        cc.guard.push_back(std::move(op));
        return int(cc.guard.size()) - 1;
    }
};

using Locals = const Term* [RecvCode::kMaxLocals];

bool runPattern(const RecvCode::POp* ops, uint32_t& i, const Term& v, Locals& loc, const Term* slots)
{
    using P = RecvCode::P;
    const RecvCode::POp& o = ops[i++];
    switch (o.k) {
    case P::Any: return true;
    case P::Bind: loc[o.local] = &v; return true;
    case P::Check: return *loc[o.local] == v;
    case P::Atom: return v.isAtom() && v.asAtom() == o.lit.asAtom();
    case P::Lit: return looseEquals(o.lit, v) && o.lit.isFloat() == v.isFloat() ? true : o.lit == v;
    case P::Pin: return slots[o.slot] == v;
    case P::Tuple:
        if (!v.isTuple() || v.tupleSize() != o.n)
            return false;
        for (uint32_t k = 0; k < o.n; ++k)
            if (!runPattern(ops, i, v.element(k), loc, slots))
                return false;
        return true;
    case P::List: {
        const Term* cur = &v;
        for (uint32_t k = 0; k < o.n; ++k) {
            if (!cur->isCons() || !runPattern(ops, i, cur->head(), loc, slots))
                return false;
            cur = &cur->tail();
        }
        return o.tail ? runPattern(ops, i, *cur, loc, slots) : cur->isEmptyList();
    }
    case P::Map:
        if (!v.isMap())
            return false;
        for (uint32_t k = 0; k < o.n; ++k) {
            const RecvCode::POp& key = ops[i++];
            const Term* got = v.mapGet(key.k == P::MapKeyPin ? slots[key.slot] : key.lit);
            if (!got || !runPattern(ops, i, *got, loc, slots))
                return false;
        }
        return true;
    case P::Match: return runPattern(ops, i, v, loc, slots) && runPattern(ops, i, v, loc, slots);
    case P::Prefix: {
        if (!v.isBinary())
            return false;
        std::string_view pre = o.lit.asBinary();
        return v.asBinary().substr(0, pre.size()) == pre;
    }
    case P::MapKeyLit:
    case P::MapKeyPin: break;
    }
    return false;
}

const Term& operandValue(const RecvCode::Operand& o, const Locals& loc, const Term* slots)
{
    switch (o.src) {
    case RecvCode::Operand::Local: return *loc[o.idx];
    case RecvCode::Operand::Slot: return slots[o.idx];
    case RecvCode::Operand::Lit: break;
    }
    return o.lit;
}

bool runGuard(const RecvCode::GOp* g, int idx, const Locals& loc, const Term* slots)
{
    using G = RecvCode::G;
    const RecvCode::GOp& o = g[idx];
    switch (o.k) {
    case G::True: return true;
    case G::False: return false;
    case G::Type: return typeTest(o.tt, operandValue(o.x, loc, slots));
    case G::Not: return !runGuard(g, o.a, loc, slots);
    case G::And: return runGuard(g, o.a, loc, slots) && runGuard(g, o.b, loc, slots);
    case G::Or: return runGuard(g, o.a, loc, slots) || runGuard(g, o.b, loc, slots);
    case G::Cmp: {
        const Term& x = operandValue(o.x, loc, slots);
        const Term& y = operandValue(o.y, loc, slots);
        switch (o.op) {
        case OpEq: return compareTerms(x, y) == 0;
        case OpNe: return compareTerms(x, y) != 0;
        case OpStrictEq: return x == y;
        case OpStrictNe: return !(x == y);
        case OpLt: return compareTerms(x, y) < 0;
        case OpGt: return compareTerms(x, y) > 0;
        case OpLe: return compareTerms(x, y) <= 0;
        default: return compareTerms(x, y) >= 0;
        }
    }
    }
    return false;
}

constexpr uint32_t typeBit(Term::Type t)
{
    return 1u << unsigned(t);
}

uint32_t typesOf(TypeTest t)
{
    using T = Term::Type;
    switch (t) {
    case TypeTest::Atom:
    case TypeTest::Boolean:
    case TypeTest::Nil: return typeBit(T::Atom);
    case TypeTest::Integer: return typeBit(T::Integer);
    case TypeTest::Float: return typeBit(T::Float);
    case TypeTest::Number: return typeBit(T::Integer) | typeBit(T::Float);
    case TypeTest::Binary: return typeBit(T::Binary);
    case TypeTest::List: return typeBit(T::Nil) | typeBit(T::Cons);
    case TypeTest::Tuple: return typeBit(T::Tuple);
    case TypeTest::Map: return typeBit(T::Map);
    case TypeTest::Pid: return typeBit(T::Pid);
    case TypeTest::Reference: return typeBit(T::Reference);
    case TypeTest::Function: return typeBit(T::Fun);
    case TypeTest::None: break;
    }
    return ~0u;
}

void requireArity(RecvCode::Shape& s, uint32_t n)
{
    if (s.arity != RecvCode::kAnyArity && s.arity != n)
        s.types = 0; // both sides of a match pattern: no tuple has both sizes
    s.arity = n;
}

void requireAtom(RecvCode::Shape& s, Atom a)
{
    if (s.hasAtom && !(s.atom == a))
        s.types = 0;
    s.hasAtom = true;
    s.atom = a;
}

// Narrows s to the values pattern p can match (conservatively: a form not handled here says nothing). `whole`
// collects the slots the pattern binds to the whole value.
void shapeOf(const Node* p, RecvCode::Shape& s, std::vector<int>& whole)
{
    using T = Term::Type;
    switch (p->kind) {
    case NodeKind::Lit:
        if (p->lit.isNumber()) {
            s.types &= typeBit(T::Integer) | typeBit(T::Float);
        } else {
            s.types &= typeBit(p->lit.type());
            if (p->lit.isAtom())
                requireAtom(s, p->lit.asAtom());
        }
        return;
    case NodeKind::Var:
        if (p->slot >= 0 && !(p->flags & kCheck))
            whole.push_back(p->slot);
        return;
    case NodeKind::Tuple:
        s.types &= typeBit(T::Tuple);
        requireArity(s, uint32_t(p->kids.size()));
        if (!p->kids.empty() && p->kids[0]->kind == NodeKind::Lit && p->kids[0]->lit.isAtom())
            requireAtom(s, p->kids[0]->lit.asAtom());
        return;
    case NodeKind::List:
        if (!p->kids.empty())
            s.types &= typeBit(T::Cons);
        else if (!p->tail)
            s.types &= typeBit(T::Nil);
        return;
    case NodeKind::Map: s.types &= typeBit(T::Map); return;
    case NodeKind::Binary: s.types &= typeBit(T::Binary); return;
    case NodeKind::BinOp:
        if (p->op == OpConcat)
            s.types &= typeBit(T::Binary);
        return;
    case NodeKind::Match:
        shapeOf(p->a, s, whole);
        shapeOf(p->b, s, whole);
        return;
    default: return;
    }
}

// Narrows s by the type tests guard g requires of the whole message (those joined by and / &&).
void guardShape(const Node* g, const std::vector<int>& whole, RecvCode::Shape& s)
{
    if (g->kind == NodeKind::BinOp && (g->op == OpAnd || g->op == OpAndAlso)) {
        guardShape(g->a, whole, s);
        guardShape(g->b, whole, s);
        return;
    }
    if (g->kind != NodeKind::RemoteCall)
        return;
    const TypeTest tt = typeTestOf(g);
    if (tt == TypeTest::None || g->kids[0]->kind != NodeKind::Var)
        return;
    for (int slot : whole)
        if (slot == g->kids[0]->slot) {
            s.types &= typesOf(tt);
            return;
        }
}

} // namespace

std::shared_ptr<const RecvCode> compileReceive(const Node* receive)
{
    auto code = std::make_shared<RecvCode>();
    bool untagged = false; // some clause accepts a tuple whatever its size or first element
    for (const Clause* c : receive->clauses) {
        RecvCode::Shape& shape = code->shapes.emplace_back();
        if (c->pats.size() == 1) {
            std::vector<int> whole;
            shapeOf(c->pats[0], shape, whole);
            if (c->guard)
                guardShape(c->guard, whole, shape);
        }
        code->types |= shape.types;
        if (shape.types & typeBit(Term::Type::Tuple)) {
            if (shape.hasAtom && shape.arity != RecvCode::kAnyArity)
                code->tags.push_back({ shape.arity, shape.atom });
            else
                untagged = true;
        }
        RecvCode::ClauseCode& cc = code->clauses.emplace_back();
        RecvBuilder b { cc, {} };
        cc.fast = c->pats.size() == 1 && b.pattern(c->pats[0]);
        if (cc.fast && c->guard)
            cc.fast = (cc.guardRoot = b.guard(c->guard)) >= 0;
        if (!cc.fast) {
            cc.pat.clear();
            cc.guard.clear();
            cc.pins.clear();
            cc.guardRoot = -1;
        }
    }
    if (untagged || code->tags.size() > size_t(Machine::kMaxRecvTags))
        code->tags.clear();
    return code;
}

size_t Machine::mailboxLength()
{
    if (!m_ctx)
        return 0;
    auto r = m_ctx->info(m_ctx->self(), atoms::message_queue_len);
    if (!r || !r->isTuple(2) || !r->element(1).isInteger())
        return 0;
    return size_t(r->element(1).asInteger());
}

void Machine::markMailbox(const Term& ref, size_t count)
{
    // The count was taken before the reference existed: none of those messages can hold it. Messages that arrive
    // later (even a DOWN for a monitor of a dead process, delivered right away) come after them.
    m_markRef = ref;
    m_markCount = count;
    m_markValid = count > 0;
}

void Machine::startReceive(const Node* receive)
{
    m_recvNode = receive;
    m_recvSkip = 0;
    m_recvClause = -1;
    clearRecvFilter();
    if (const RecvCode* code = receive->recv.get()) {
        m_recvTypes = code->types;
        for (const RecvTag& t : code->tags)
            m_recvTags[m_recvTagCount++] = t;
    }
    if (!m_markValid)
        return;
    m_markValid = false; // a marker serves the receive that follows it
    const RecvCode* code = receive->recv.get();
    if (!code || code->clauses.empty() || m_markCount == 0)
        return;
    const Term* s = m_slots.data() + m_acts.back().slotBase;
    for (const RecvCode::ClauseCode& cc : code->clauses) {
        if (!cc.fast)
            return;
        bool requiresRef = false;
        for (int slot : cc.pins)
            if (s[slot] == m_markRef) {
                requiresRef = true;
                break;
            }
        if (!requiresRef)
            return;
    }
    m_recvSkip = m_markCount;
}

bool Machine::testMessage(const Term& msg)
{
    if (m_recv.any)
        return true;
    if (m_recv.sleepOnly || !m_recvNode)
        return false;
    if (m_recvSkip) {
        // older than the reference every clause requires (the runtime tests messages oldest first, once each)
        --m_recvSkip;
        return false;
    }
    Term* s = m_slots.data() + m_acts.back().slotBase;
    const RecvCode* code = m_recvNode->recv.get();
    const std::vector<Clause*>& clauses = m_recvNode->clauses;
    for (size_t ci = 0; ci < clauses.size(); ++ci) {
        if (code && !code->shapes[ci].admits(msg))
            continue;
        if (code && code->clauses[ci].fast) {
            const RecvCode::ClauseCode& cc = code->clauses[ci];
            Locals loc;
            uint32_t i = 0;
            if (runPattern(cc.pat.data(), i, msg, loc, s) && (cc.guardRoot < 0 || runGuard(cc.guard.data(), cc.guardRoot, loc, s))) {
                m_recvClause = int(ci);
                return true;
            }
            continue;
        }
        // the general way (binds into the slots; the clause is selected again when the message is delivered)
        const Clause* c = clauses[ci];
        Machine* saved = t_guardMachine;
        t_guardMachine = this;
        bool ok = matchPattern(c->pats[0], msg, s) && (!c->guard || evalGuard(c->guard, s));
        t_guardMachine = saved;
        if (ok) {
            m_recvClause = int(ci);
            return true;
        }
    }
    return false;
}

void Machine::deliver(std::optional<Term> msg)
{
    m_delivered = std::move(msg);
    m_recvSkip = 0;
    clearRecvFilter();
    m_markValid = false;
}

void Machine::startApply(const Term& fun, std::vector<Term> args)
{
    Exec ex { *this };
    try {
        ex.applyValue(fun, args, false);
    } catch (ProcessException& e) {
        // raised before anything ran (bad fun / arity): rethrow from run()
        m_startError = std::move(e);
        m_hasStartError = true;
    }
}

void Machine::startMfa(Atom module, Atom name, std::vector<Term> args)
{
    Exec ex { *this };
    try {
        ex.applyMfa(module, name, args, false);
    } catch (ProcessException& e) {
        if (e.kind != ProcessException::Kind::Exit && e.stacktrace.isEmptyList())
            e.stacktrace = stacktrace();
        m_startError = std::move(e);
        m_hasStartError = true;
    }
}

void Machine::requestApply(Term fun, std::vector<Term> args)
{
    m_pending = Pending::Apply;
    m_pendFun = std::move(fun);
    m_pendArgs = std::move(args);
}

void Machine::requestApplyMfa(Atom module, Atom name, std::vector<Term> args)
{
    m_pending = Pending::ApplyMfa;
    m_pendMod = module;
    m_pendName = name;
    m_pendArgs = std::move(args);
}

void Machine::requestSleep(int64_t ms)
{
    m_pending = Pending::Sleep;
    m_pendMs = ms;
}

void Machine::requestAwait(Task<Term> task)
{
    m_markValid = false; // the native operation may take messages
    m_pending = Pending::Await;
    m_awaitTask.emplace(std::move(task));
}

Task<Term> Machine::takeAwait()
{
    Task<Term> t = std::move(*m_awaitTask);
    m_awaitTask.reset();
    return t;
}

void Machine::deliverError(ProcessException e)
{
    m_awaitError = std::move(e);
    m_markValid = false;
}

void Machine::requestReceiveAny(int64_t timeoutMs)
{
    m_pending = Pending::ReceiveAny;
    m_pendMs = timeoutMs;
}

thread_local Term t_topFrame; // an extra innermost frame for the error being thrown (e.g. an undefined call)
thread_local bool t_errorInfo = false; // raise/1 with a message: the innermost frame carries error_info

void setErrorTopFrame(Term frame) { t_topFrame = std::move(frame); }
void setRaiseErrorInfo() { t_errorInfo = true; }
void clearRaiseErrorInfo() { t_errorInfo = false; }

Term Machine::stacktrace(const Node*)
{
    std::vector<Term> frames;
    Term fileKey = mkAtom("file"), lineKey = mkAtom("line");
    bool errorInfo = t_errorInfo;
    t_errorInfo = false;
    if (!t_topFrame.isNilAtom()) {
        frames.push_back(t_topFrame);
        t_topFrame = Term::nil();
        if (frames.back().isTuple(4) && frames.back().element(3).isEmptyList())
            return Term::list(std::move(frames)); // an undefined function: BEAM shows only the failed call
    }
    for (size_t i = m_acts.size(); i-- > 0;) {
        const Activation& a = m_acts[i];
        const Program* prog = a.program;
        if (!prog) {
            ModuleDef* md = m_engine.module(a.module);
            (void)md;
        }
        bool prelude = prog ? prog->prelude : isPreludeModule(a.module);
        if (prelude)
            continue;
        std::string file = prog ? prog->file : m_file;
        std::vector<Term> cps;
        for (char c : file)
            cps.push_back(Term::integer(static_cast<unsigned char>(c)));
        std::vector<Term> locItems { Term::tuple({ fileKey, Term::list(std::move(cps)) }), Term::tuple({ lineKey, Term::integer(a.line) }) };
        if (errorInfo && frames.empty())
            locItems.push_back(Term::tuple({ mkAtom("error_info"), Term::map({ { mkAtom("module"), mkAtom("Elixir.Exception") } }) }));
        errorInfo = false;
        Term loc = Term::list(std::move(locItems));
        frames.push_back(Term::tuple({ Term::atom(a.module), Term::atom(a.name), Term::integer(a.arity), loc }));
    }
    return Term::list(std::move(frames));
}

bool Machine::isPreludeModule(Atom mod) const
{
    const auto& p = m_engine.prelude();
    if (!p)
        return false;
    for (auto& md : p->modules)
        if (md->name == mod)
            return true;
    return false;
}

Term Machine::currentFunction() const
{
    for (size_t i = m_acts.size(); i-- > 0;) {
        const Activation& a = m_acts[i];
        if (!isPreludeModule(a.module))
            return Term::tuple({ Term::atom(a.module), Term::atom(a.name), Term::integer(a.arity) });
    }
    return Term::nil();
}

} // namespace vigil::script

// Compiler: resolves variables to slots, special forms to their nodes, calls to their targets, folds module
// attributes, marks tail calls and builds the module tables.

#include "script/machine.h"
#include "script/parser.h"
#include "term/print.h"

#include <functional>
#include <set>
#include <unordered_set>

namespace vigil::script {

namespace {

struct FnCtx {
    int numSlots = 0;
};

struct Scope {
    std::unordered_map<std::string, int> vars;
    FnCtx* fn = nullptr;
};

struct ModuleCtx {
    ModuleDef* def = nullptr;
    std::set<std::pair<std::string, int>> locals; // name/arity defined in the module
    std::vector<Node*> localCalls;
};

class Compiler {
public:
    Compiler(ScriptEngine& engine, Program& program, bool console)
        : m_engine(engine)
        , m_prog(program)
        , m_console(console)
    {
    }

    void compileTop(std::vector<std::string>* consoleVars)
    {
        FnCtx fn;
        Scope scope;
        scope.fn = &fn;
        if (consoleVars) {
            for (size_t i = 0; i < consoleVars->size(); ++i)
                scope.vars[(*consoleVars)[i]] = int(i);
            fn.numSlots = int(consoleVars->size());
        }
        m_moduleAtom = Atom::intern("elixir_compiler_0");
        m_funName = Atom::intern("__FILE__");
        m_funArity = 1;
        Node* top = m_prog.top;
        for (Node*& k : top->kids)
            expr(k, scope, false);
        m_prog.topSlots = fn.numSlots;
        if (consoleVars) {
            // final bindings, compacted by the session: name -> slot
            std::vector<std::pair<int, std::string>> named;
            for (auto& [name, slot] : scope.vars)
                named.push_back({ slot, name });
            consoleVars->clear();
            m_consoleSlots.clear();
            std::sort(named.begin(), named.end());
            for (auto& [slot, name] : named) {
                consoleVars->push_back(name);
                m_consoleSlots.push_back(slot);
            }
        }
    }
    std::vector<int> m_consoleSlots;

private:
    [[noreturn]] void fail(const Node* n, const std::string& msg) { throw CompileError(n ? n->line : 0, msg); }

    Node* mk(NodeKind k, const Node* at)
    {
        return m_prog.arena.node(k, at->line, at->col);
    }

    // ------------------------------------------------------------ binaries

    // Turns the parser's raw segments (value or value :: spec) into BinSeg nodes. Supported: integer (sizes in
    // whole bytes, big/little, signed/unsigned), binary/bytes (optionally size(n) bytes), utf8, float (64 or 32).
    void binSegments(Node* n)
    {
        for (Node*& raw : n->kids) {
            if (raw->kind == NodeKind::BinSeg)
                continue;
            Node* seg = mk(NodeKind::BinSeg, raw);
            Node* value = raw;
            Node* spec = nullptr;
            if (raw->kind == NodeKind::BinOp && raw->op == OpTypeAnn) {
                value = raw->a;
                spec = raw->b;
            }
            seg->a = value;
            seg->op = (value->kind == NodeKind::Lit && value->lit.isBinary()) || value->kind == NodeKind::Interp ? BinBytes : BinInteger;
            std::vector<Node*> items;
            std::function<void(Node*)> flatten = [&](Node* x) {
                if (x->kind == NodeKind::BinOp && x->op == OpSub) {
                    flatten(x->a);
                    flatten(x->b);
                } else {
                    items.push_back(x);
                }
            };
            if (spec)
                flatten(spec);
            for (Node* it : items) {
                if (it->kind == NodeKind::Lit && it->lit.isInteger()) {
                    seg->b = it;
                    continue;
                }
                std::string name;
                if (it->kind == NodeKind::Var || (it->kind == NodeKind::LocalCall && it->kids.empty()))
                    name = it->name;
                if (it->kind == NodeKind::LocalCall && it->name == "size" && it->kids.size() == 1) {
                    seg->b = it->kids[0];
                    continue;
                }
                if (name == "integer")
                    seg->op = BinInteger;
                else if (name == "binary" || name == "bytes")
                    seg->op = BinBytes;
                else if (name == "utf8")
                    seg->op = BinUtf8;
                else if (name == "float")
                    seg->op = BinFloat;
                else if (name == "big" || name == "unsigned")
                    continue;
                else if (name == "little")
                    seg->flags |= kBinLittle;
                else if (name == "signed")
                    seg->flags |= kBinSigned;
                else if (name == "bitstring" || name == "bits" || name == "utf16" || name == "utf32" || name == "native" || name == "unit")
                    fail(it, "binary segment type " + name + " is not supported by Vigil's Elixir subset");
                else
                    fail(it, "unknown binary segment specification (only integer, binary, bytes, utf8, float, size, big, little, signed, unsigned are supported by Vigil's Elixir subset)");
            }
            if (seg->b && seg->b->kind == NodeKind::Lit) {
                int64_t sz = seg->b->lit.asInteger();
                if (seg->op == BinInteger && (sz <= 0 || sz % 8 != 0 || sz > 64))
                    fail(seg->b, "integer segments of " + std::to_string(sz) + " bits are not supported by Vigil's Elixir subset (whole bytes up to 64 bits)");
                if (seg->op == BinFloat && sz != 32 && sz != 64)
                    fail(seg->b, "float segments must be 32 or 64 bits");
                if (seg->op == BinUtf8)
                    fail(seg->b, "size and unit are not supported on utf8 segments");
                if (seg->op == BinBytes && sz < 0)
                    fail(seg->b, "negative binary size");
            } else if (seg->b && seg->op != BinBytes) {
                fail(seg->b, "a variable size is only supported on binary segments in Vigil's Elixir subset");
            }
            raw = seg;
        }
    }

    // ------------------------------------------------------------ patterns

    void pattern(Node*& n, Scope& s, std::unordered_map<std::string, int>& bound)
    {
        switch (n->kind) {
        case NodeKind::Lit:
        case NodeKind::Alias:
            if (n->kind == NodeKind::Alias) {
                n->lit = resolveAlias(n);
                n->kind = NodeKind::Lit;
            }
            return;
        case NodeKind::Module__:
            n->kind = NodeKind::Lit;
            n->lit = m_module ? Term::atom(m_module->def->name) : Term::nil();
            return;
        case NodeKind::Var: {
            if (n->name == "_") {
                n->slot = -1;
                return;
            }
            auto it = bound.find(n->name);
            if (it != bound.end()) {
                n->slot = it->second;
                n->flags |= kCheck;
                return;
            }
            n->slot = s.fn->numSlots++;
            n->flags |= kBind;
            bound[n->name] = n->slot;
            return;
        }
        case NodeKind::Pin: {
            auto it = s.vars.find(n->name);
            if (it == s.vars.end())
                fail(n, "undefined variable ^" + n->name);
            n->slot = it->second;
            return;
        }
        case NodeKind::Tuple:
            for (Node*& k : n->kids)
                pattern(k, s, bound);
            return;
        case NodeKind::List:
            for (Node*& k : n->kids)
                pattern(k, s, bound);
            if (n->tail)
                pattern(n->tail, s, bound);
            return;
        case NodeKind::KwList: {
            Node* list = mk(NodeKind::List, n);
            for (size_t i = 0; i + 1 < n->kids.size(); i += 2) {
                Node* t = mk(NodeKind::Tuple, n->kids[i]);
                t->kids = { n->kids[i], n->kids[i + 1] };
                list->kids.push_back(t);
            }
            n = list;
            pattern(n, s, bound);
            return;
        }
        case NodeKind::Map:
        case NodeKind::Struct: {
            if (n->kind == NodeKind::Struct) {
                if (n->a)
                    fail(n, "struct update is not allowed in a pattern");
                Node* name = n->b;
                Term mod = name->kind == NodeKind::Module__ ? Term::atom(m_module ? m_module->def->name : Atom::intern("nil"))
                                                            : resolveAlias(name);
                checkStruct(n, mod);
                Node* key = mk(NodeKind::Lit, n);
                key->lit = Term::atom(atoms::struct_);
                Node* val = mk(NodeKind::Lit, n);
                val->lit = mod;
                n->kids.insert(n->kids.begin(), { key, val });
                n->kind = NodeKind::Map;
            }
            for (size_t i = 0; i < n->kids.size(); i += 2) {
                Node*& key = n->kids[i];
                if (key->kind == NodeKind::Pin) {
                    pattern(key, s, bound);
                } else if (key->kind == NodeKind::Alias) {
                    key->lit = resolveAlias(key);
                    key->kind = NodeKind::Lit;
                } else if (key->kind != NodeKind::Lit) {
                    Term v;
                    if (!evalConst(key, v))
                        fail(key, "cannot use a variable or call as a map key inside a pattern (use ^ to pin)");
                    key->kind = NodeKind::Lit;
                    key->lit = v;
                }
                pattern(n->kids[i + 1], s, bound);
            }
            return;
        }
        case NodeKind::Binary: {
            binSegments(n);
            for (size_t i = 0; i < n->kids.size(); ++i) {
                Node* seg = n->kids[i];
                if (seg->b && seg->b->kind == NodeKind::Var) {
                    // size(v): bound earlier in this pattern or outside it
                    auto it = bound.find(seg->b->name);
                    if (it != bound.end()) {
                        seg->b->slot = it->second;
                    } else {
                        auto ot = s.vars.find(seg->b->name);
                        if (ot == s.vars.end())
                            fail(seg->b, "undefined variable \"" + seg->b->name + "\" in binary size");
                        seg->b->slot = ot->second;
                    }
                } else if (seg->b && seg->b->kind != NodeKind::Lit) {
                    fail(seg->b, "binary sizes in patterns must be integers or variables");
                }
                const bool literalBytes = seg->a->kind == NodeKind::Lit && seg->a->lit.isBinary();
                if (seg->op == BinBytes && !seg->b && !literalBytes && i + 1 != n->kids.size())
                    fail(seg, "a binary field without size is only allowed at the end of a binary pattern");
                Node*& v = seg->a;
                if (v->kind == NodeKind::Lit && seg->op == BinBytes && !v->lit.isBinary())
                    fail(v, "a binary segment of a pattern must be a string or a variable");
                if (v->kind != NodeKind::Lit && v->kind != NodeKind::Var && v->kind != NodeKind::Pin)
                    fail(v, "binary pattern segments must be literals, variables or pins in Vigil's Elixir subset");
                pattern(v, s, bound);
            }
            return;
        }
        case NodeKind::Match:
            pattern(n->a, s, bound);
            pattern(n->b, s, bound);
            return;
        case NodeKind::BinOp:
            if (n->op == OpConcat && n->a->kind == NodeKind::Lit && n->a->lit.isBinary()) {
                pattern(n->b, s, bound);
                return;
            }
            if (n->op == OpConcat && n->a->kind == NodeKind::Interp) {
                Term v;
                if (evalConst(n->a, v)) {
                    n->a->kind = NodeKind::Lit;
                    n->a->lit = v;
                    pattern(n->b, s, bound);
                    return;
                }
            }
            fail(n, "cannot use operator " + n->name + " in a pattern");
        case NodeKind::UnOp:
        case NodeKind::Interp: {
            Term v;
            if (evalConst(n, v)) {
                n->kind = NodeKind::Lit;
                n->lit = v;
                return;
            }
            fail(n, "invalid pattern");
        }
        case NodeKind::Attr:
            attrRef(n);
            return;
        case NodeKind::LocalCall:
            fail(n, "cannot invoke " + n->name + "/" + std::to_string(n->kids.size()) + " inside a pattern");
        default:
            fail(n, "invalid pattern");
        }
    }

    // Binds the pattern's variables into the scope.
    static void commit(Scope& s, const std::unordered_map<std::string, int>& bound)
    {
        for (auto& [name, slot] : bound)
            s.vars[name] = slot;
    }

    // ------------------------------------------------------------ expressions

    Term resolveAlias(const Node* n)
    {
        std::string name = n->name;
        auto dot = name.find('.');
        std::string first = name.substr(0, dot);
        auto it = m_aliases.find(first);
        if (it != m_aliases.end())
            name = it->second + (dot == std::string::npos ? "" : name.substr(dot));
        return Term::atom(name == "Elixir" ? name : "Elixir." + name);
    }

    void attrRef(Node*& n)
    {
        if (n->a)
            fail(n, "module attribute @" + n->name + " can only be set in the module body");
        if (!m_module)
            fail(n, "module attribute @" + n->name + " used outside a module");
        auto it = m_module->def->attrs.find(n->name);
        Node* l = mk(NodeKind::Lit, n);
        if (it == m_module->def->attrs.end())
            l->lit = Term::nil();
        else
            l->lit = it->second;
        n = l;
    }

    void exprs(std::vector<Node*>& v, Scope& s)
    {
        for (Node*& k : v)
            expr(k, s, false);
    }

    void block(Node*& n, Scope& s, bool tail)
    {
        if (n->kind != NodeKind::Block) {
            expr(n, s, tail);
            return;
        }
        if (n->kids.empty()) {
            Node* l = mk(NodeKind::Lit, n);
            l->lit = Term::nil();
            n = l;
            return;
        }
        for (size_t i = 0; i < n->kids.size(); ++i)
            expr(n->kids[i], s, tail && i + 1 == n->kids.size());
        if (n->kids.size() == 1)
            n = n->kids[0];
    }

    void clauseBody(Clause* c, Scope& outer, bool tail, bool bindPatterns = true)
    {
        Scope s = outer;
        std::unordered_map<std::string, int> bound;
        if (bindPatterns)
            for (Node*& p : c->pats)
                pattern(p, s, bound);
        commit(s, bound);
        if (c->guard)
            expr(c->guard, s, false);
        block(c->body, s, tail);
    }

    const Node* doSection(Node* call, int i) { return call->a ? call->a->kids[i] : nullptr; }

    // Extracts do:/else: from keyword args when there is no do-block.
    void kwDoBlock(Node* call)
    {
        if (call->a || call->kids.empty())
            return;
        Node* last = call->kids.back();
        if (last->kind != NodeKind::KwList)
            return;
        bool hasDo = false;
        for (size_t i = 0; i < last->kids.size(); i += 2)
            if (last->kids[i]->lit.isAtom() && last->kids[i]->lit.asAtom().name() == "do")
                hasDo = true;
        if (!hasDo)
            return;
        Node* blk = mk(NodeKind::DoBlock, call);
        blk->kids.assign(5, nullptr);
        std::vector<Node*> others;
        for (size_t i = 0; i < last->kids.size(); i += 2) {
            std::string_view k = last->kids[i]->lit.asAtom().name();
            int idx = k == "do" ? 0 : k == "else" ? 1 : k == "after" ? 2 : k == "rescue" ? 3 : k == "catch" ? 4 : -1;
            if (idx < 0) {
                others.push_back(last->kids[i]);
                others.push_back(last->kids[i + 1]);
                continue;
            }
            blk->kids[idx] = last->kids[i + 1];
        }
        if (!others.empty()) {
            last->kids = others;
            call->a = blk;
            return;
        }
        call->kids.pop_back();
        call->a = blk;
    }

    std::vector<Clause*> stabClauses(Node* section, const char* what, const Node* at)
    {
        if (!section)
            return {};
        if (section->kind == NodeKind::Stab)
            return section->clauses;
        if (section->kind == NodeKind::Block && section->kids.empty())
            return {};
        fail(at, std::string("expected -> clauses for ") + what);
    }

    Node* nilNode(const Node* at)
    {
        Node* l = mk(NodeKind::Lit, at);
        l->lit = Term::nil();
        return l;
    }

    void expr(Node*& n, Scope& s, bool tail)
    {
        switch (n->kind) {
        case NodeKind::Lit:
        case NodeKind::CaptureArg:
            if (n->kind == NodeKind::CaptureArg)
                fail(n, "capture argument &" + std::to_string(n->slot) + " must be used within the capture operator &");
            return;
        case NodeKind::Module__:
            n->kind = NodeKind::Lit;
            n->lit = m_module ? Term::atom(m_module->def->name) : Term::nil();
            return;
        case NodeKind::Alias:
            n->kind = NodeKind::Lit;
            n->lit = resolveAlias(n);
            return;
        case NodeKind::Var: {
            auto it = s.vars.find(n->name);
            if (it != s.vars.end()) {
                n->slot = it->second;
                return;
            }
            if (n->name == "__STACKTRACE__") {
                n->kind = NodeKind::RemoteCall;
                n->name = "stacktrace";
                Node* m = mk(NodeKind::Lit, n);
                m->lit = mkAtom("vigil");
                n->a = m;
                expr(n, s, tail);
                return;
            }
            if (n->name[0] == '_')
                fail(n, "invalid use of _. \"" + n->name + "\" represents a value to be ignored in a pattern and cannot be used in expressions");
            // a zero-arity call written without parentheses
            n->kind = NodeKind::LocalCall;
            expr(n, s, tail);
            return;
        }
        case NodeKind::Pin:
            fail(n, "misplaced operator ^" + n->name + "; the pin operator can only be used in patterns");
        case NodeKind::Binary: {
            binSegments(n);
            Node* list = mk(NodeKind::List, n);
            for (Node* seg : n->kids) {
                Node* t = mk(NodeKind::Tuple, seg);
                Node* type = mk(NodeKind::Lit, seg);
                type->lit = Term::integer(seg->op);
                Node* flags = mk(NodeKind::Lit, seg);
                flags->lit = Term::integer(seg->flags & (kBinLittle | kBinSigned));
                Node* size = seg->b;
                if (!size) {
                    size = mk(NodeKind::Lit, seg);
                    size->lit = Term::nil();
                }
                t->kids = { type, flags, seg->a, size };
                list->kids.push_back(t);
            }
            Node* call = mk(NodeKind::RemoteCall, n);
            Node* mod = mk(NodeKind::Lit, n);
            mod->lit = Term::atom("vigil");
            call->a = mod;
            call->name = "bin_build";
            call->kids = { list };
            n = call;
            expr(n, s, tail);
            return;
        }
        case NodeKind::Tuple:
        case NodeKind::Interp:
            exprs(n->kids, s);
            return;
        case NodeKind::List:
            exprs(n->kids, s);
            if (n->tail)
                expr(n->tail, s, false);
            return;
        case NodeKind::KwList: {
            Node* list = mk(NodeKind::List, n);
            for (size_t i = 0; i + 1 < n->kids.size(); i += 2) {
                Node* t = mk(NodeKind::Tuple, n->kids[i]);
                t->kids = { n->kids[i], n->kids[i + 1] };
                list->kids.push_back(t);
            }
            n = list;
            expr(n, s, tail);
            return;
        }
        case NodeKind::Map:
            exprs(n->kids, s);
            return;
        case NodeKind::MapUpdate:
            expr(n->a, s, false);
            exprs(n->kids, s);
            return;
        case NodeKind::Struct: {
            Node* name = n->b;
            Term mod = name->kind == NodeKind::Module__ ? Term::atom(m_module ? m_module->def->name : atoms::nil)
                                                        : resolveAlias(name);
            Node* key = mk(NodeKind::Lit, n);
            key->lit = Term::atom(atoms::struct_);
            Node* val = mk(NodeKind::Lit, n);
            val->lit = mod;
            const ModuleDef* sd = checkStruct(n, mod);
            if (n->a) {
                n->kind = NodeKind::MapUpdate;
                expr(n->a, s, false);
                exprs(n->kids, s);
                return;
            }
            if (sd) {
                // the fields not given take their defaults
                for (const auto& [field, def] : *sd->structFields) {
                    bool given = false;
                    for (size_t i = 0; i + 1 < n->kids.size(); i += 2)
                        if (n->kids[i]->kind == NodeKind::Lit && n->kids[i]->lit.isAtom() && n->kids[i]->lit.asAtom() == field)
                            given = true;
                    if (given)
                        continue;
                    Node* fk = mk(NodeKind::Lit, n);
                    fk->lit = Term::atom(field);
                    Node* fv = mk(NodeKind::Lit, n);
                    fv->lit = def;
                    n->kids.push_back(fk);
                    n->kids.push_back(fv);
                }
            }
            n->kids.insert(n->kids.begin(), { key, val });
            std::string_view sn = mod.asAtom().name();
            if (sn.size() > 5 && sn.substr(sn.size() - 5) == "Error") {
                Node* ek = mk(NodeKind::Lit, n);
                ek->lit = Term::atom(atoms::exception_);
                Node* ev = mk(NodeKind::Lit, n);
                ev->lit = Term::boolean(true);
                n->kids.insert(n->kids.begin() + 2, { ek, ev });
            }
            n->kind = NodeKind::Map;
            exprs(n->kids, s);
            return;
        }
        case NodeKind::UnOp:
            if (n->op == OpNeg || n->op == OpPlus) {
                expr(n->a, s, false);
                if (n->a->kind == NodeKind::Lit && n->a->lit.isNumber()) {
                    Term v = unaryOp(n->op, n->a->lit);
                    n->kind = NodeKind::Lit;
                    n->lit = v;
                }
                return;
            }
            expr(n->a, s, false);
            return;
        case NodeKind::BinOp:
            binop(n, s, tail);
            return;
        case NodeKind::Match: {
            expr(n->b, s, false);
            std::unordered_map<std::string, int> bound;
            pattern(n->a, s, bound);
            commit(s, bound);
            return;
        }
        case NodeKind::Block: {
            if (n->flags & kParens) {
                block(n, s, tail);
                return;
            }
            block(n, s, tail);
            return;
        }
        case NodeKind::Fn:
            fn(n, s);
            return;
        case NodeKind::Capture:
            capture(n, s);
            return;
        case NodeKind::AnonCall:
            expr(n->a, s, false);
            exprs(n->kids, s);
            if (tail)
                n->flags |= kTail;
            return;
        case NodeKind::DotField:
            expr(n->a, s, false);
            n->fname = Atom::intern(n->name);
            return;
        case NodeKind::Access:
            expr(n->a, s, false);
            expr(n->b, s, false);
            return;
        case NodeKind::Attr:
            attrRef(n);
            return;
        case NodeKind::RemoteCall:
            remoteCall(n, s, tail);
            return;
        case NodeKind::LocalCall:
            localCall(n, s, tail);
            return;
        case NodeKind::Stab:
            fail(n, "unexpected -> clauses");
        case NodeKind::DoBlock:
            fail(n, "unexpected do block");
        default:
            return; // already compiled
        }
    }

    void binop(Node*& n, Scope& s, bool tail)
    {
        switch (n->op) {
        case OpPipe: {
            Node* target = n->b;
            if (target->kind == NodeKind::Var) {
                target->kind = NodeKind::LocalCall;
                target->flags |= kParens;
            }
            if (target->kind != NodeKind::LocalCall && target->kind != NodeKind::RemoteCall && target->kind != NodeKind::AnonCall)
                fail(target, "cannot pipe into an expression that is not a call");
            target->kids.insert(target->kids.begin(), n->a);
            n = target;
            expr(n, s, tail);
            return;
        }
        case OpWhen:
            fail(n, "misplaced operator when/2: guards are only allowed in clause heads");
        case OpBar:
            fail(n, "misplaced operator |/2: the | operator can only be used in lists and map updates");
        case OpArrow:
            fail(n, "misplaced operator =>/2: only allowed in maps");
        case OpLeftArrow:
            fail(n, "misplaced operator <-/2: only allowed in for and with");
        case OpDefault:
            fail(n, "misplaced operator \\\\/2: default arguments are only allowed in def heads");
        case OpTypeAnn:
            fail(n, "type annotations (::) are not supported by this Elixir subset");
        case OpMatchRegex:
            fail(n, "regular expressions (=~) are not supported by this Elixir subset");
        default:
            break;
        }
        expr(n->a, s, false);
        expr(n->b, s, false);
        if (n->op == OpIn || n->op == OpNotIn || n->op == OpAnd || n->op == OpOr || n->op == OpAndAlso || n->op == OpOrElse)
            return;
        if (n->a->kind == NodeKind::Lit && n->b->kind == NodeKind::Lit && n->op != OpRange) {
            try {
                Term v = binaryOp(n->op, n->a->lit, n->b->lit);
                n->kind = NodeKind::Lit;
                n->lit = v;
            } catch (...) {
                // leave it to fail at run time, as Elixir does; the frame the failure noted for its report is not
                // this thread's next error's
                setErrorTopFrame(Term::nil());
            }
        }
    }

    void collectNames(const Node* n, std::unordered_set<std::string>& out)
    {
        if (!n)
            return;
        if (n->kind == NodeKind::Var || n->kind == NodeKind::Pin)
            out.insert(n->name);
        for (const Node* k : n->kids)
            collectNames(k, out);
        collectNames(n->a, out);
        collectNames(n->b, out);
        collectNames(n->c, out);
        collectNames(n->tail, out);
        for (auto* cl : { &n->clauses, &n->clauses2, &n->clauses3 })
            for (const Clause* c : *cl) {
                for (const Node* p : c->pats)
                    collectNames(p, out);
                collectNames(c->guard, out);
                collectNames(c->body, out);
            }
    }

    void fn(Node* n, Scope& s)
    {
        std::unordered_set<std::string> names;
        collectNames(n, names);
        n->captures.clear();
        Scope base;
        int ncap = 0;
        std::vector<std::string> sorted(names.begin(), names.end());
        std::sort(sorted.begin(), sorted.end());
        for (const std::string& name : sorted) {
            auto it = s.vars.find(name);
            if (it == s.vars.end())
                continue;
            n->captures.push_back({ it->second, ncap });
            base.vars[name] = ncap++;
        }
        int arity = n->clauses.empty() ? 0 : int(n->clauses[0]->pats.size());
        for (Clause* c : n->clauses)
            if (int(c->pats.size()) != arity)
                fail(n, "cannot mix clauses with different arities in anonymous functions");
        int maxSlots = ncap;
        n->fnIndex = m_anonCounter++;
        for (Clause* c : n->clauses) {
            FnCtx ctx;
            ctx.numSlots = ncap;
            Scope cs = base;
            cs.fn = &ctx;
            clauseBody(c, cs, true);
            c->numSlots = ctx.numSlots;
            maxSlots = std::max(maxSlots, ctx.numSlots);
        }
        n->numSlots = maxSlots;
        n->slot = arity;
        n->mod = m_moduleAtom;
        n->fname = m_funName;
        n->op = int16_t(m_funArity);
    }

    void replaceCaptureArgs(Node*& n, int& maxArg)
    {
        if (!n)
            return;
        if (n->kind == NodeKind::CaptureArg) {
            maxArg = std::max(maxArg, n->slot);
            Node* v = mk(NodeKind::Var, n);
            v->name = "&" + std::to_string(n->slot);
            n = v;
            return;
        }
        if (n->kind == NodeKind::Capture || n->kind == NodeKind::Fn)
            return; // nested captures are their own functions
        for (Node*& k : n->kids)
            replaceCaptureArgs(k, maxArg);
        replaceCaptureArgs(n->a, maxArg);
        replaceCaptureArgs(n->b, maxArg);
        replaceCaptureArgs(n->c, maxArg);
        replaceCaptureArgs(n->tail, maxArg);
    }

    void capture(Node*& n, Scope& s)
    {
        Node* body = n->a;
        // &name/arity, &Mod.name/arity
        if (body->kind == NodeKind::BinOp && body->op == OpDiv && body->b->kind == NodeKind::Lit && body->b->lit.isInteger()) {
            Node* target = body->a;
            int arity = int(body->b->lit.asInteger());
            if (target->kind == NodeKind::Var || (target->kind == NodeKind::LocalCall && target->kids.empty())) {
                // local or imported function
                std::string name = target->name;
                Node* ref = mk(NodeKind::FunRef, n);
                ref->slot = arity;
                ref->fname = Atom::intern(name);
                if (m_module && m_module->locals.count({ name, arity })) {
                    ref->mod = m_module->def->name;
                    ref->flags |= kCheck; // a local capture may name a private function
                } else if (findNative(Atom::intern("Elixir.Kernel"), Atom::intern(name), arity)) {
                    ref->mod = Atom::intern("Elixir.Kernel");
                } else {
                    fail(n, "undefined function " + name + "/" + std::to_string(arity) + " (there is no such import)");
                }
                n = ref;
                return;
            }
            if (target->kind == NodeKind::RemoteCall && target->kids.empty()) {
                Node* ref = mk(NodeKind::FunRef, n);
                ref->slot = arity;
                ref->fname = Atom::intern(target->name);
                Node* m = target->a;
                expr(m, s, false);
                if (m->kind != NodeKind::Lit || !m->lit.isAtom())
                    fail(n, "invalid function capture: the module must be known at compile time");
                ref->mod = m->lit.asAtom();
                n = ref;
                return;
            }
        }
        int maxArg = 0;
        replaceCaptureArgs(n->a, maxArg);
        if (maxArg == 0)
            fail(n, "invalid args for &, expected one of: &Mod.fun/arity, &fun/arity or an expression using &1");
        Node* f = mk(NodeKind::Fn, n);
        Clause* c = m_prog.arena.clause();
        c->line = n->line;
        for (int i = 1; i <= maxArg; ++i) {
            Node* v = mk(NodeKind::Var, n);
            v->name = "&" + std::to_string(i);
            c->pats.push_back(v);
        }
        c->body = n->a;
        f->clauses.push_back(c);
        n = f;
        fn(n, s);
    }

    // ------------------------------------------------------------ calls

    void remoteCall(Node*& n, Scope& s, bool tail)
    {
        kwDoBlock(n);
        if (n->a && n->a->kind == NodeKind::DoBlock)
            fail(n, "unexpected do block after " + n->name);
        Node* m = n->a;
        expr(m, s, false);
        n->a = m;
        exprs(n->kids, s);
        n->fname = Atom::intern(n->name);
        if (m->kind == NodeKind::Lit && m->lit.isAtom()) {
            n->mod = m->lit.asAtom();
            n->native = reinterpret_cast<void*>(findNative(n->mod, n->fname, int(n->kids.size())));
            std::string_view mod = n->mod.name();
            if (!n->native && nativeModuleKnown(n->mod) && !m_engine.module(n->mod) && !preludeDefines(n->mod, n->fname, int(n->kids.size())))
                fail(n, std::string(mod.substr(mod.rfind('.') == std::string_view::npos ? 0 : 7)) + "." + n->name + "/"
                        + std::to_string(n->kids.size()) + " is not supported by Vigil's Elixir subset");
        }
        if (tail)
            n->flags |= kTail;
    }

    bool preludeDefines(Atom mod, Atom name, int arity)
    {
        ModuleDef* m = m_engine.module(mod);
        if (m && m->find(name, arity))
            return true;
        if (m_module && m_module->def->name == mod)
            return m_module->locals.count({ std::string(name.name()), arity }) > 0;
        return false;
    }

    void localCall(Node*& n, Scope& s, bool tail)
    {
        const std::string& name = n->name;
        kwDoBlock(n);
        if (name == "if" || name == "unless")
            return ifForm(n, s, tail);
        if (name == "case")
            return caseForm(n, s, tail);
        if (name == "match?" && n->kids.size() == 2 && !n->a)
            return matchForm(n, s);
        if (name == "cond")
            return condForm(n, s, tail);
        if (name == "receive")
            return receiveForm(n, s, tail);
        if (name == "try")
            return tryForm(n, s);
        if (name == "with")
            return withForm(n, s);
        if (name == "for")
            return forForm(n, s, tail);
        if (name == "defmodule")
            return defmodule(n, s);
        if (name == "def" || name == "defp")
            fail(n, "cannot invoke " + name + "/2 outside module");
        if (name == "alias" || name == "require" || name == "import" || name == "use") {
            directive(n);
            Node* l = mk(NodeKind::Lit, n);
            l->lit = Term::nil();
            n = l;
            return;
        }
        if (name == "defstruct")
            fail(n, "defstruct must be called inside a module body");
        static const char* const unsupported[] = { "defmacro", "defmacrop", "defexception", "defprotocol",
            "defimpl", "defdelegate", "defguard", "defguardp", "quote", "unquote", "super", "binding", "import_file" };
        for (const char* u : unsupported)
            if (name == u)
                fail(n, name + " is not supported by Vigil's Elixir subset");
        if (n->a && n->a->kind == NodeKind::DoBlock)
            fail(n, "unexpected do block after " + name);
        exprs(n->kids, s);
        int arity = int(n->kids.size());
        n->fname = Atom::intern(name);
        if (m_module && m_module->locals.count({ name, arity })) {
            n->mod = m_module->def->name;
            m_module->localCalls.push_back(n);
            n->kind = NodeKind::LocalCall;
            if (tail)
                n->flags |= kTail;
            return;
        }
        static const Atom kernel = Atom::intern("Elixir.Kernel");
        static const Atom helpers = Atom::intern("Elixir.IEx.Helpers");
        NativeFn nat = findNative(kernel, n->fname, arity);
        Atom mod = kernel;
        if (!nat && m_console) {
            nat = findNative(helpers, n->fname, arity);
            mod = helpers;
        }
        if (!nat) {
            // `use Supervisor` imports Supervisor.Spec (deprecated, but what older articles use: worker/2, supervise/2)
            static const Atom spec = Atom::intern("Elixir.Supervisor.Spec");
            const bool usesSupervisor = m_module
                && std::find(m_module->def->behaviours.begin(), m_module->def->behaviours.end(), atoms::supervisor)
                    != m_module->def->behaviours.end();
            ModuleDef* k = m_engine.module(kernel);
            ModuleDef* specs = usesSupervisor ? m_engine.module(spec) : nullptr;
            const Atom from = specs && specs->find(n->fname, arity) ? spec : kernel;
            if (from == spec || (k && k->find(n->fname, arity))) {
                n->kind = NodeKind::RemoteCall;
                n->mod = from;
                Node* m = mk(NodeKind::Lit, n);
                m->lit = Term::atom(from);
                n->a = m;
                if (tail)
                    n->flags |= kTail;
                return;
            }
            fail(n, "undefined function " + name + "/" + std::to_string(arity) + " (there is no such import)");
        }
        n->kind = NodeKind::RemoteCall;
        n->mod = mod;
        n->native = reinterpret_cast<void*>(nat);
        Node* m = mk(NodeKind::Lit, n);
        m->lit = Term::atom(mod);
        n->a = m;
        if (tail)
            n->flags |= kTail;
    }

    void directive(Node* n)
    {
        if (n->name == "alias" && !n->kids.empty() && n->kids[0]->kind == NodeKind::Alias) {
            std::string full = n->kids[0]->name;
            std::string as = full.substr(full.rfind('.') == std::string::npos ? 0 : full.rfind('.') + 1);
            if (n->kids.size() > 1 && n->kids[1]->kind == NodeKind::KwList) {
                Node* kw = n->kids[1];
                for (size_t i = 0; i + 1 < kw->kids.size(); i += 2)
                    if (kw->kids[i]->lit.asAtom().name() == "as" && kw->kids[i + 1]->kind == NodeKind::Alias)
                        as = kw->kids[i + 1]->name;
            }
            auto resolved = resolveAlias(n->kids[0]);
            std::string r(resolved.asAtom().name());
            m_aliases[as] = r.substr(7);
            return;
        }
        if (n->name == "use") {
            if (!m_module)
                fail(n, "use is only supported inside a module");
            if (n->kids.empty() || n->kids[0]->kind != NodeKind::Alias)
                fail(n, "use expects a module");
            std::string what = n->kids[0]->name;
            if (what == "GenServer")
                m_module->def->behaviours.push_back(Atom::intern("gen_server"));
            else if (what == "Supervisor")
                m_module->def->behaviours.push_back(Atom::intern("supervisor"));
            else if (what == "Agent")
                m_module->def->behaviours.push_back(Atom::intern("agent"));
            else if (what == "Task")
                m_module->def->behaviours.push_back(Atom::intern("task"));
            else if (what == "DynamicSupervisor")
                m_module->def->behaviours.push_back(Atom::intern("dynamic_supervisor"));
            else if (what == "Application")
                m_module->def->behaviours.push_back(Atom::intern("application"));
            else
                fail(n, "use " + what + " is not supported by Vigil's Elixir subset");
            // child_spec/1 comes from the behaviour unless the module defines it (see addUseDefinitions)
            return;
        }
        // require/import: accepted, nothing to do for the subset's modules
    }

    Node* section(Node* call, int i) { return call->a ? call->a->kids[i] : nullptr; }

    void ifForm(Node*& n, Scope& s, bool tail)
    {
        if (n->kids.size() != 1 || !n->a)
            fail(n, n->name + " expects a condition and a do block");
        Node* r = mk(NodeKind::If, n);
        if (n->name == "unless")
            r->flags |= kUnless;
        r->a = n->kids[0];
        r->b = section(n, 0);
        r->c = section(n, 1);
        expr(r->a, s, false);
        {
            Scope inner = s;
            block(r->b, inner, tail);
        }
        if (r->c) {
            Scope inner = s;
            block(r->c, inner, tail);
        }
        n = r;
    }

    void caseForm(Node*& n, Scope& s, bool tail)
    {
        if (n->kids.size() != 1 || !n->a)
            fail(n, "case expects an expression and a do block with clauses");
        Node* r = mk(NodeKind::Case, n);
        r->a = n->kids[0];
        r->clauses = stabClauses(section(n, 0), "case", n);
        expr(r->a, s, false);
        for (Clause* c : r->clauses) {
            if (c->pats.size() != 1)
                fail(n, "case clauses take exactly one pattern");
            clauseBody(c, s, tail);
        }
        n = r;
    }

    // match?(pattern, expr): a case with the pattern (and its guard) giving true and anything else false. The
    // pattern's variables stay inside it, as in Elixir.
    void matchForm(Node*& n, Scope& s)
    {
        Node* r = mk(NodeKind::Case, n);
        r->a = n->kids[1];
        auto clause = [&](Node* pat, Node* guard, bool value) {
            Clause* c = m_prog.arena.clause();
            c->line = n->line;
            c->pats = { pat };
            c->guard = guard;
            Node* lit = mk(NodeKind::Lit, n);
            lit->lit = Term::atom(value ? atoms::true_ : atoms::false_);
            c->body = mk(NodeKind::Block, n);
            c->body->kids.push_back(lit);
            return c;
        };
        Node* pat = n->kids[0];
        Node* guard = nullptr;
        if (pat->kind == NodeKind::BinOp && pat->op == OpWhen) {
            guard = pat->b;
            pat = pat->a;
        }
        Node* any = mk(NodeKind::Var, n);
        any->name = "_";
        r->clauses = { clause(pat, guard, true), clause(any, nullptr, false) };
        expr(r->a, s, false);
        for (Clause* c : r->clauses)
            clauseBody(c, s, false);
        n = r;
    }

    void condForm(Node*& n, Scope& s, bool tail)
    {
        if (!n->a)
            fail(n, "cond expects a do block with clauses");
        Node* r = mk(NodeKind::Cond, n);
        r->clauses = stabClauses(section(n, 0), "cond", n);
        for (Clause* c : r->clauses) {
            if (c->pats.size() != 1)
                fail(n, "cond clauses take exactly one condition");
            Scope inner = s;
            expr(c->pats[0], inner, false);
            block(c->body, inner, tail);
        }
        n = r;
    }

    void receiveForm(Node*& n, Scope& s, bool tail)
    {
        if (!n->a)
            fail(n, "receive expects a do block");
        Node* r = mk(NodeKind::Receive, n);
        r->clauses = stabClauses(section(n, 0), "receive", n);
        for (Clause* c : r->clauses) {
            if (c->pats.size() != 1)
                fail(n, "receive clauses take exactly one pattern");
            clauseBody(c, s, tail);
        }
        Node* after = section(n, 2);
        if (after) {
            auto cl = stabClauses(after, "after", n);
            if (cl.size() != 1 || cl[0]->pats.size() != 1)
                fail(n, "expected a single -> clause for :after in \"receive\"");
            r->b = cl[0]->pats[0];
            expr(r->b, s, false);
            Scope inner = s;
            r->c = cl[0]->body;
            block(r->c, inner, tail);
        }
        if (section(n, 1) || section(n, 3) || section(n, 4))
            fail(n, "unexpected else/rescue/catch in receive");
        r->recv = compileReceive(r);
        n = r;
    }

    void tryForm(Node*& n, Scope& s)
    {
        if (!n->a)
            fail(n, "try expects a do block");
        Node* r = mk(NodeKind::Try, n);
        r->a = section(n, 0);
        {
            Scope inner = s;
            block(r->a, inner, false);
        }
        // rescue clauses: "e in Mod", "Mod", "e", "e in [A, B]"
        r->clauses = stabClauses(section(n, 3), "rescue", n);
        for (Clause* c : r->clauses) {
            if (c->pats.size() != 1)
                fail(n, "rescue clauses take exactly one pattern");
            Scope inner = s;
            Node* p = c->pats[0];
            Node* var = nullptr;
            Node* mods = nullptr;
            if (p->kind == NodeKind::BinOp && p->op == OpIn) {
                var = p->a;
                mods = p->b;
            } else if (p->kind == NodeKind::Var) {
                var = p;
            } else if (p->kind == NodeKind::Alias || p->kind == NodeKind::List) {
                mods = p;
            } else {
                fail(p, "invalid rescue clause; expected a variable, an exception module or \"var in Module\"");
            }
            Node* rc = mk(NodeKind::List, p);
            if (mods) {
                if (mods->kind == NodeKind::Alias)
                    rc->kids.push_back(mods);
                else if (mods->kind == NodeKind::List)
                    rc->kids = mods->kids;
                else
                    fail(mods, "invalid rescue clause");
                for (Node*& m : rc->kids) {
                    if (m->kind != NodeKind::Alias)
                        fail(m, "invalid rescue clause: expected an exception module");
                    m->lit = resolveAlias(m);
                    m->kind = NodeKind::Lit;
                }
            }
            if (var) {
                std::unordered_map<std::string, int> bound;
                pattern(var, inner, bound);
                commit(inner, bound);
            }
            c->pats = { var ? var : nilNode(p), rc };
            block(c->body, inner, false);
        }
        // catch clauses: "kind, value" or "value" (kind :throw)
        r->clauses2 = stabClauses(section(n, 4), "catch", n);
        for (Clause* c : r->clauses2) {
            if (c->pats.size() == 1) {
                Node* k = mk(NodeKind::Lit, c->pats[0]);
                k->lit = Term::atom("throw");
                c->pats.insert(c->pats.begin(), k);
            }
            if (c->pats.size() != 2)
                fail(n, "catch clauses take one or two patterns");
            clauseBody(c, s, false);
        }
        Node* els = section(n, 1);
        if (els) {
            r->clauses3 = stabClauses(els, "else", n);
            for (Clause* c : r->clauses3)
                clauseBody(c, s, false);
        }
        r->b = section(n, 2);
        if (r->b) {
            Scope inner = s;
            block(r->b, inner, false);
        }
        n = r;
    }

    void withForm(Node*& n, Scope& s)
    {
        if (!n->a)
            fail(n, "with expects a do block");
        Node* r = mk(NodeKind::With, n);
        Scope inner = s;
        for (Node* step : n->kids) {
            Clause* c = m_prog.arena.clause();
            c->line = step->line;
            if (step->kind == NodeKind::BinOp && step->op == OpLeftArrow) {
                Node* pat = step->a;
                if (pat->kind == NodeKind::BinOp && pat->op == OpWhen) {
                    c->guard = pat->b;
                    pat = pat->a;
                }
                expr(step->b, inner, false);
                c->body = step->b;
                std::unordered_map<std::string, int> bound;
                pattern(pat, inner, bound);
                commit(inner, bound);
                c->pats = { pat };
                if (c->guard)
                    expr(c->guard, inner, false);
            } else {
                expr(step, inner, false);
                c->body = step; // bare expression (including x = y)
            }
            r->clauses.push_back(c);
        }
        r->a = section(n, 0);
        block(r->a, inner, false);
        r->clauses2 = stabClauses(section(n, 1), "else", n);
        for (Clause* c : r->clauses2)
            clauseBody(c, s, false);
        n = r;
    }

    // for g <- src, filter, do: body  =>  nested Enum.flat_map calls
    void forForm(Node*& n, Scope& s, bool tail)
    {
        if (!n->a)
            fail(n, "for expects a do block");
        Node* body = section(n, 0);
        Node* into = nullptr;
        std::vector<Node*> items = n->kids;
        if (!items.empty() && items.back()->kind == NodeKind::KwList) {
            Node* kw = items.back();
            items.pop_back();
            for (size_t i = 0; i + 1 < kw->kids.size(); i += 2) {
                std::string_view k = kw->kids[i]->lit.asAtom().name();
                if (k == "into")
                    into = kw->kids[i + 1];
                else
                    fail(kw, "for option " + std::string(k) + ": is not supported by Vigil's Elixir subset");
            }
        }
        if (items.empty())
            fail(n, "for expects at least one generator");
        Node* inner = mk(NodeKind::List, n);
        inner->kids.push_back(body);
        Node* acc = inner;
        for (size_t i = items.size(); i-- > 0;) {
            Node* it = items[i];
            if (it->kind == NodeKind::BinOp && it->op == OpLeftArrow) {
                Node* f = mk(NodeKind::Fn, it);
                Clause* c = m_prog.arena.clause();
                c->line = it->line;
                Node* pat = it->a;
                if (pat->kind == NodeKind::BinOp && pat->op == OpWhen) {
                    c->guard = pat->b;
                    pat = pat->a;
                }
                c->pats = { pat };
                c->body = acc;
                f->clauses.push_back(c);
                Clause* skip = m_prog.arena.clause();
                Node* us = mk(NodeKind::Var, it);
                us->name = "_";
                skip->pats = { us };
                skip->body = mk(NodeKind::List, it);
                f->clauses.push_back(skip);
                Node* call = mk(NodeKind::RemoteCall, it);
                call->a = mk(NodeKind::Alias, it);
                call->a->name = "Enum";
                call->name = "flat_map";
                call->kids = { it->b, f };
                acc = call;
            } else {
                Node* iff = mk(NodeKind::LocalCall, it);
                iff->name = "if";
                iff->kids = { it };
                Node* blk = mk(NodeKind::DoBlock, it);
                blk->kids.assign(5, nullptr);
                blk->kids[0] = acc;
                blk->kids[1] = mk(NodeKind::List, it);
                iff->a = blk;
                acc = iff;
            }
        }
        if (into) {
            Node* call = mk(NodeKind::RemoteCall, n);
            call->a = mk(NodeKind::Alias, n);
            call->a->name = "Enum";
            call->name = "into";
            call->kids = { acc, into };
            acc = call;
        }
        n = acc;
        expr(n, s, tail);
    }

    // ------------------------------------------------------------ modules

    struct DefInfo {
        Node* call;
        bool priv;
        std::string name;
        std::vector<Node*> params;
        Node* guard;
        Node* body;
    };

    bool parseDef(Node* call, DefInfo& out)
    {
        if (call->kind != NodeKind::LocalCall || (call->name != "def" && call->name != "defp"))
            return false;
        kwDoBlock(call);
        out.call = call;
        out.priv = call->name == "defp";
        if (call->kids.size() != 1)
            fail(call, call->name + " expects a function head");
        Node* head = call->kids[0];
        out.guard = nullptr;
        if (head->kind == NodeKind::BinOp && head->op == OpWhen) {
            out.guard = head->b;
            head = head->a;
        }
        if (head->kind == NodeKind::Var) {
            out.name = head->name;
            out.params.clear();
        } else if (head->kind == NodeKind::LocalCall) {
            out.name = head->name;
            out.params = head->kids;
        } else {
            fail(head, "invalid function head in " + call->name);
        }
        if (!call->a)
            fail(call, "missing do block in " + call->name + " " + out.name);
        Node* blk = call->a;
        if (blk->kids[1] || blk->kids[2] || blk->kids[3] || blk->kids[4]) {
            // def f do ... rescue ... end: an implicit try
            Node* t = mk(NodeKind::LocalCall, call);
            t->name = "try";
            t->a = blk;
            Node* b = mk(NodeKind::Block, call);
            b->kids.push_back(t);
            out.body = b;
        } else {
            out.body = blk->kids[0];
        }
        if (!out.body || out.body->kind == NodeKind::Stab)
            fail(call, "invalid body in " + call->name + " " + out.name);
        return true;
    }

    // The struct definition a %Mod{} refers to (nullptr for modules outside the script, e.g. exception structs).
    // Keys must be fields of the struct.
    const ModuleDef* checkStruct(Node* n, const Term& mod)
    {
        if (!mod.isAtom())
            fail(n, "expected a module name for a struct");
        const ModuleDef* sd = (m_module && m_module->def->name == mod.asAtom()) ? m_module->def : m_engine.module(mod.asAtom());
        if (!sd)
            return nullptr;
        if (!sd->structFields)
            fail(n, inspect(mod) + ".__struct__/1 is undefined, cannot expand struct " + inspect(mod)
                    + ". Make sure the struct name is correct. If the struct name exists and is correct but it still cannot be found, you likely have cyclic module usage in your code");
        for (size_t i = 0; i + 1 < n->kids.size(); i += 2) {
            const Node* k = n->kids[i];
            if (k->kind != NodeKind::Lit || !k->lit.isAtom())
                fail(k, "struct keys must be atoms in Vigil's Elixir subset");
            bool known = false;
            for (const auto& f : *sd->structFields)
                known = known || f.first == k->lit.asAtom();
            if (!known)
                fail(k, "unknown key " + inspect(k->lit) + " for struct " + inspect(mod));
        }
        return sd;
    }

    // defstruct [:a, :b] / defstruct [a: 1, b: 2] / defstruct a: 1, b: 2 / defstruct [:a, b: 2]
    void defstruct(Node* st)
    {
        ModuleDef* def = m_module->def;
        if (def->structFields)
            fail(st, "defstruct has already been called for " + inspect(Term::atom(def->name)) + ", defstruct can only be called once per module");
        if (st->kids.size() != 1)
            fail(st, "defstruct expects a list of fields");
        std::vector<std::pair<Atom, Term>> fields;
        auto add = [&](Node* key, Node* value) {
            if (key->kind != NodeKind::Lit || !key->lit.isAtom())
                fail(key, "struct fields must be atoms");
            Term v;
            if (value) {
                Scope dummy;
                FnCtx f;
                dummy.fn = &f;
                expr(value, dummy, false);
                if (!evalConst(value, v))
                    fail(value, "struct field defaults must be constants in Vigil's Elixir subset");
            }
            for (const auto& f : fields)
                if (f.first == key->lit.asAtom())
                    fail(key, "duplicate key " + inspect(key->lit) + " found in struct");
            fields.push_back({ key->lit.asAtom(), v });
        };
        std::function<void(Node*)> items = [&](Node* arg) {
            if (arg->kind == NodeKind::KwList) {
                for (size_t i = 0; i + 1 < arg->kids.size(); i += 2)
                    add(arg->kids[i], arg->kids[i + 1]);
            } else if (arg->kind == NodeKind::List && !arg->tail) {
                for (Node* k : arg->kids) {
                    if (k->kind == NodeKind::Lit)
                        add(k, nullptr);
                    else if (k->kind == NodeKind::Tuple && k->kids.size() == 2)
                        add(k->kids[0], k->kids[1]);
                    else if (k->kind == NodeKind::KwList)
                        items(k);
                    else
                        fail(k, "struct fields must be atoms or keyword pairs");
                }
            } else {
                fail(arg, "defstruct expects a list of fields in Vigil's Elixir subset");
            }
        };
        items(st->kids[0]);
        std::vector<Atom> order;
        for (const auto& f : fields)
            order.push_back(f.first);
        registerStructFields(def->name, std::move(order));
        def->structFields = std::move(fields);
    }

    // What `use Behaviour, opts` defines in the module unless the module defines it itself (Elixir's __using__ marks
    // them overridable): child_spec/1, with the options as overrides of the behaviour's default spec, and for
    // Application, stop/1. Appended to the module body as ordinary definitions.
    void addUseDefinitions(std::vector<Node*>& stmts)
    {
        std::set<std::pair<std::string, int>> defined;
        for (Node* st : stmts) {
            DefInfo d;
            if (!parseDef(st, d))
                continue;
            int defaults = 0;
            for (Node* p : d.params)
                if (p->kind == NodeKind::BinOp && p->op == OpDefault)
                    ++defaults;
            for (int k = 0; k <= defaults; ++k)
                defined.insert({ d.name, int(d.params.size()) - k });
        }
        std::vector<Node*> added;
        for (Node* st : stmts) {
            if (st->kind != NodeKind::LocalCall || st->name != "use" || st->kids.empty()
                || st->kids[0]->kind != NodeKind::Alias)
                continue;
            static const std::map<std::string, std::string> kinds = { { "GenServer", "gen_server" },
                { "Supervisor", "supervisor" }, { "Agent", "agent" }, { "Task", "task" },
                { "DynamicSupervisor", "dynamic_supervisor" }, { "Application", "application" } };
            const auto kind = kinds.find(st->kids[0]->name);
            if (kind == kinds.end())
                continue; // directive() says it is not supported
            std::string text;
            if (kind->second == "application") {
                if (!defined.count({ "stop", 1 }))
                    text = "def stop(_state), do: :ok";
            } else if (!defined.count({ "child_spec", 1 })) {
                text = "def child_spec(init_arg), do: Supervisor.__use_child_spec__(__MODULE__, :" + kind->second
                    + ", init_arg, " + useOptionsText(st) + ")";
            }
            if (text.empty())
                continue;
            Node* parsed = parseProgram(m_prog.arena, text, st->line);
            if (parsed->kind == NodeKind::Block)
                added.insert(added.end(), parsed->kids.begin(), parsed->kids.end());
            else
                added.push_back(parsed);
        }
        stmts.insert(stmts.end(), added.begin(), added.end());
    }

    // The options of a `use` as Elixir source: a keyword list of literals and module names.
    std::string useOptionsText(Node* use)
    {
        if (use->kids.size() < 2)
            return "[]";
        Node* kw = use->kids[1];
        // use X, a: 1 or use X, [a: 1]
        std::vector<std::pair<Node*, Node*>> pairs;
        if (use->kids.size() == 2 && kw->kind == NodeKind::KwList) {
            for (size_t i = 0; i + 1 < kw->kids.size(); i += 2)
                pairs.push_back({ kw->kids[i], kw->kids[i + 1] });
        } else if (use->kids.size() == 2 && kw->kind == NodeKind::List && !kw->tail) {
            for (Node* t : kw->kids) {
                if (t->kind != NodeKind::Tuple || t->kids.size() != 2 || t->kids[0]->kind != NodeKind::Lit
                    || !t->kids[0]->lit.isAtom())
                    fail(use, "use expects a keyword list of options");
                pairs.push_back({ t->kids[0], t->kids[1] });
            }
        } else {
            fail(use, "use expects a keyword list of options");
        }
        std::string out = "[";
        for (size_t i = 0; i < pairs.size(); ++i) {
            Node* key = pairs[i].first;
            Node* value = pairs[i].second;
            std::string v;
            if (value->kind == NodeKind::Lit)
                v = inspect(value->lit);
            else if (value->kind == NodeKind::Alias)
                v = value->name;
            else
                fail(value, "the options of use must be literals in Vigil's Elixir subset");
            out += (i ? ", {" : "{") + inspect(key->lit) + ", " + v + "}";
        }
        return out + "]";
    }

    void defmodule(Node*& n, Scope& s)
    {
        if (n->kids.size() != 1 || n->kids[0]->kind != NodeKind::Alias || !n->a)
            fail(n, "defmodule expects a module name and a do block");
        std::string name = n->kids[0]->name;
        if (m_module) {
            std::string outer(m_module->def->name.name());
            name = outer.substr(7) + "." + name;
            m_aliases[n->kids[0]->name] = name;
        }
        auto def = std::make_unique<ModuleDef>();
        def->name = Atom::intern("Elixir." + name);
        ModuleCtx mctx;
        mctx.def = def.get();
        ModuleCtx* savedModule = m_module;
        auto savedAliases = m_aliases;
        Atom savedMod = m_moduleAtom, savedFun = m_funName;
        int savedArity = m_funArity, savedAnon = m_anonCounter;
        m_module = &mctx;
        m_moduleAtom = def->name;
        m_anonCounter = 0;
        Node* body = n->a->kids[0];
        std::vector<Node*> stmts;
        if (body && body->kind == NodeKind::Block)
            stmts = body->kids;
        else if (body)
            stmts.push_back(body);
        addUseDefinitions(stmts);
        // pass 1: names of the functions
        for (Node* st : stmts) {
            DefInfo d;
            if (!parseDef(st, d))
                continue;
            int arity = int(d.params.size());
            int defaults = 0;
            for (Node* p : d.params)
                if (p->kind == NodeKind::BinOp && p->op == OpDefault)
                    ++defaults;
            for (int k = 0; k <= defaults; ++k)
                mctx.locals.insert({ d.name, arity - k });
        }
        // pass 2: attributes and definitions in order
        std::map<std::pair<std::string, int>, FunctionDef*> funs;
        for (Node* st : stmts) {
            if (st->kind == NodeKind::Attr) {
                if (!st->a)
                    fail(st, "module attribute @" + st->name + " used without a value in the module body");
                if (st->name == "impl" || st->name == "moduledoc" || st->name == "doc" || st->name == "spec"
                    || st->name == "behaviour" || st->name == "typedoc" || st->name == "type")
                    continue;
                Node* v = st->a;
                Scope dummy;
                FnCtx f;
                dummy.fn = &f;
                expr(v, dummy, false);
                Term value;
                if (!evalConst(v, value))
                    fail(st, "module attribute @" + st->name + " must be a constant in Vigil's Elixir subset");
                def->attrs[st->name] = value;
                continue;
            }
            if (st->kind == NodeKind::LocalCall && st->name == "defstruct") {
                defstruct(st);
                continue;
            }
            if (st->kind == NodeKind::LocalCall && st->name == "defmodule") {
                Scope inner;
                FnCtx f;
                inner.fn = &f;
                defmodule(st, inner);
                continue;
            }
            if (st->kind == NodeKind::LocalCall && (st->name == "alias" || st->name == "require" || st->name == "import" || st->name == "use")) {
                directive(st);
                continue;
            }
            DefInfo d;
            if (!parseDef(st, d)) {
                static const char* const unsupportedDefs[] = { "defmacro", "defmacrop", "defexception", "defprotocol", "defimpl", "defdelegate", "defguard", "defguardp" };
                for (const char* u : unsupportedDefs)
                    if (st->kind == NodeKind::LocalCall && st->name == u)
                        fail(st, st->name + " is not supported by Vigil's Elixir subset");
                if (st->kind == NodeKind::LocalCall)
                    fail(st, st->name + " is not supported in a module body by Vigil's Elixir subset");
                fail(st, "only definitions, attributes and directives are supported in a module body");
            }
            int arity = int(d.params.size());
            FunctionDef*& fd = funs[{ d.name, arity }];
            if (!fd) {
                auto owned = std::make_unique<FunctionDef>();
                owned->module = def->name;
                owned->name = Atom::intern(d.name);
                owned->arity = arity;
                owned->priv = d.priv;
                owned->line = st->line;
                owned->program = &m_prog;
                fd = owned.get();
                m_prog.functions.push_back(std::move(owned));
            }
            // defaults: f(a, b \\ 1) also defines f/1 calling f/2
            std::vector<Node*> defaults(arity, nullptr);
            for (int i = 0; i < arity; ++i) {
                Node* p = d.params[i];
                if (p->kind == NodeKind::BinOp && p->op == OpDefault) {
                    defaults[i] = p->b;
                    d.params[i] = p->a;
                }
            }
            m_funName = fd->name;
            m_funArity = arity;
            Clause* c = m_prog.arena.clause();
            c->line = st->line;
            c->pats = d.params;
            c->guard = d.guard;
            c->body = d.body;
            FnCtx ctx;
            Scope cs;
            cs.fn = &ctx;
            clauseBody(c, cs, true);
            c->numSlots = ctx.numSlots;
            fd->clauses.push_back(c);
            fd->numSlots = std::max(fd->numSlots, ctx.numSlots);
            int nd = 0;
            for (Node* dv : defaults)
                nd += dv != nullptr;
            for (int k = 1; k <= nd; ++k) {
                // the variant of arity - k fills the last k defaults
                int ar = arity - k;
                FunctionDef*& wd = funs[{ d.name, ar }];
                if (wd)
                    continue;
                auto owned = std::make_unique<FunctionDef>();
                owned->module = def->name;
                owned->name = fd->name;
                owned->arity = ar;
                owned->priv = d.priv;
                owned->line = st->line;
                owned->program = &m_prog;
                wd = owned.get();
                m_prog.functions.push_back(std::move(owned));
                Clause* wc = m_prog.arena.clause();
                wc->line = st->line;
                Node* call = mk(NodeKind::LocalCall, st);
                call->name = d.name;
                int skipped = 0;
                int given = 0;
                // which parameters are filled: the last k parameters that have defaults
                std::vector<bool> filled(arity, false);
                for (int i = arity - 1; i >= 0 && skipped < k; --i)
                    if (defaults[i]) {
                        filled[i] = true;
                        ++skipped;
                    }
                for (int i = 0; i < arity; ++i) {
                    if (filled[i]) {
                        call->kids.push_back(defaults[i]);
                    } else {
                        Node* v = mk(NodeKind::Var, st);
                        v->name = "arg" + std::to_string(given++) + "@";
                        Node* pv = mk(NodeKind::Var, st);
                        pv->name = v->name;
                        wc->pats.push_back(pv);
                        call->kids.push_back(v);
                    }
                }
                Node* b = mk(NodeKind::Block, st);
                b->kids.push_back(call);
                wc->body = b;
                FnCtx wctx;
                Scope ws;
                ws.fn = &wctx;
                m_funArity = ar;
                clauseBody(wc, ws, true);
                wc->numSlots = wctx.numSlots;
                wd->clauses.push_back(wc);
                wd->numSlots = wctx.numSlots;
            }
        }
        for (auto& [key, fd] : funs)
            def->funs[(uint64_t(fd->name.index()) << 8) | uint64_t(fd->arity)] = fd;
        ModuleDef* raw = def.get();
        for (Node* call : mctx.localCalls)
            call->fun = raw->find(call->fname, int(call->kids.size()));
        m_prog.modules.push_back(std::move(def));
        m_engine.registerModule(raw);
        if (!m_prog.prelude)
            markUserModule(raw->name);
        m_module = savedModule;
        m_aliases = savedAliases;
        if (m_module)
            m_aliases[n->kids[0]->name] = name;
        m_moduleAtom = savedMod;
        m_funName = savedFun;
        m_funArity = savedArity;
        m_anonCounter = savedAnon;
        Node* r = mk(NodeKind::Defmodule, n);
        r->lit = Term::atom(raw->name);
        // {:module, Name, binary, last} is what defmodule returns; the subset returns the first three with nil
        n = r;
        (void)s;
    }

    ScriptEngine& m_engine;
    Program& m_prog;
    bool m_console;
    ModuleCtx* m_module = nullptr;
    std::unordered_map<std::string, std::string> m_aliases;
    Atom m_moduleAtom;
    Atom m_funName;
    int m_funArity = 0;
    int m_anonCounter = 0;
};

} // namespace

namespace {

// After compilation: marks what the machine can take a shorter way.
//  - kSimple: expressions without calls or bindings (literals, variables, operators, tuple/list/map construction)
//    are evaluated by one native recursion instead of a frame per node;
//  - kSimpleArgs: calls whose arguments are all simple are made at once, without a frame for the call;
//  - kLastUse: a variable passed directly to a tail call whose slot nothing evaluated after it reads is moved, not
//    copied (the tail call discards the activation's slots), which spares a reference-count round trip per call
//    for heap values such as pids;
//  - Clause::irrefutable: a clause whose patterns are plain variables binds its arguments by moving them;
//  - Fn nodes get the name their activations show.
class FastPaths {
public:
    explicit FastPaths(Program& program)
        : m_prog(program)
    {
    }

    void run()
    {
        std::vector<Node*> nodes;
        m_prog.arena.forEachNode([&](Node* n) { nodes.push_back(n); });
        for (Node* n : nodes)
            simple(n);
        for (Node* n : nodes) {
            switch (n->kind) {
            case NodeKind::LocalCall:
            case NodeKind::RemoteCall:
                if (n->kind == NodeKind::LocalCall || (n->a && n->a->kind == NodeKind::Lit)) {
                    bool all = true;
                    for (Node* k : n->kids)
                        all = all && simple(k);
                    if (all)
                        n->flags |= kSimpleArgs;
                }
                break;
            case NodeKind::Fn:
                n->label = Atom::intern("-" + std::string(n->fname.name()) + "/" + std::to_string(n->op) + "-fun-"
                    + std::to_string(n->fnIndex) + "-");
                break;
            default: break;
            }
            if ((n->flags & kTail) && (n->kind == NodeKind::LocalCall || n->kind == NodeKind::RemoteCall || n->kind == NodeKind::AnonCall))
                lastUses(n);
        }
        m_prog.arena.forEachClause([](Clause* c) {
            bool plain = !c->guard && !c->pats.empty();
            for (const Node* p : c->pats)
                plain = plain && p->kind == NodeKind::Var && (p->slot < 0 || !(p->flags & kCheck));
            c->irrefutable = plain;
        });
    }

private:
    Program& m_prog;
    std::unordered_map<const Node*, bool> m_simple;

    static bool simpleOp(int op)
    {
        switch (op) {
        case OpAdd: case OpSub: case OpMul: case OpDiv: case OpConcat: case OpListAppend: case OpListSubtract:
        case OpRange: case OpEq: case OpNe: case OpStrictEq: case OpStrictNe: case OpLt: case OpGt: case OpLe:
        case OpGe: case OpIn: case OpNotIn: case OpAnd: case OpOr: case OpAndAlso: case OpOrElse:
            return true;
        default: return false;
        }
    }

    bool simple(Node* n)
    {
        if (!n)
            return true;
        auto it = m_simple.find(n);
        if (it != m_simple.end())
            return it->second;
        m_simple[n] = false; // cycles cannot occur, but never loop
        bool s = false;
        switch (n->kind) {
        case NodeKind::Lit: s = true; break;
        case NodeKind::Var: s = n->slot >= 0; break;
        case NodeKind::BinOp: s = simpleOp(n->op) && simple(n->a) && simple(n->b); break;
        case NodeKind::UnOp:
            s = (n->op == OpNeg || n->op == OpPlus || n->op == OpNot || n->op == OpBang) && simple(n->a);
            break;
        case NodeKind::Tuple:
        case NodeKind::Map:
        case NodeKind::List:
            s = n->kind != NodeKind::List || simple(n->tail);
            for (Node* k : n->kids)
                s = s && simple(k);
            break;
        default: break;
        }
        m_simple[n] = s;
        if (s && n->kind != NodeKind::Lit && n->kind != NodeKind::Var)
            n->flags |= kSimple;
        return s;
    }

    // Every slot a subtree may read (variables, pins, captures of closures); conservative.
    static void slotsRead(const Node* n, std::vector<int>& out)
    {
        if (!n)
            return;
        if (n->kind == NodeKind::Var || n->kind == NodeKind::Pin)
            out.push_back(n->slot);
        for (auto& [outer, inner] : n->captures)
            out.push_back(outer);
        for (const Node* k : n->kids)
            slotsRead(k, out);
        slotsRead(n->a, out);
        slotsRead(n->b, out);
        slotsRead(n->c, out);
        slotsRead(n->tail, out);
        for (const auto* cs : { &n->clauses, &n->clauses2, &n->clauses3 })
            for (const Clause* c : *cs) {
                for (const Node* p : c->pats)
                    slotsRead(p, out);
                slotsRead(c->guard, out);
                slotsRead(c->body, out);
            }
    }

    void lastUses(Node* call)
    {
        for (size_t i = 0; i < call->kids.size(); ++i) {
            Node* k = call->kids[i];
            if (k->kind != NodeKind::Var || k->slot < 0)
                continue;
            std::vector<int> later;
            for (size_t j = i + 1; j < call->kids.size(); ++j)
                slotsRead(call->kids[j], later);
            if (std::find(later.begin(), later.end(), k->slot) != later.end())
                continue;
            // a node of its own, in case the tree shares this one elsewhere
            Node* moved = m_prog.arena.node(NodeKind::Var, k->line, k->col);
            moved->slot = k->slot;
            moved->name = k->name;
            moved->flags = uint16_t(k->flags | kLastUse);
            call->kids[i] = moved;
        }
    }
};

} // namespace

void compileProgram(ScriptEngine& engine, Program& program, bool console, std::vector<std::string>* consoleVars)
{
    Compiler c(engine, program, console);
    c.compileTop(consoleVars);
    FastPaths(program).run();
    if (consoleVars) {
        // the session needs the slot of each name: encode as "name@slot"
        for (size_t i = 0; i < consoleVars->size(); ++i)
            ((*consoleVars)[i] += '\x01') += std::to_string(c.m_consoleSlots[i]);
    }
}

} // namespace vigil::script

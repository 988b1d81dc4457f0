#pragma once

// Syntax tree of the Elixir subset. The parser builds it; the compiler (compile.cpp) resolves variables to
// slots, marks tail positions and folds module attributes in place, after which the machine executes it.

#include "term/term.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace vigil::script {

enum class NodeKind : uint8_t {
    Lit, // lit
    Var, // name; slot after compile; flags: Bind in patterns
    Pin, // ^name
    Tuple, // kids
    List, // kids, tail (nullable)
    Map, // kids = key, value, key, value...
    MapUpdate, // a = base, kids = key, value pairs
    Struct, // name = module alias, kids = key/value pairs, a = base for update (nullable)
    BinOp, // op, a, b
    UnOp, // op, a
    Match, // a = pattern, b = expr
    Block, // kids
    LocalCall, // name, kids = args (before compile; resolved to Call or Var)
    RemoteCall, // a = module expr (Lit atom when static), name, kids = args
    AnonCall, // a = fun expr, kids = args
    DotField, // a = expr, name: map.field or zero-arity remote call on an atom value
    Access, // a = expr, b = key
    Fn, // clauses
    Case, // a = subject, clauses
    Cond, // clauses (pats[0] is the condition)
    If, // a = cond, b = then, c = else (nullable); flags: Unless
    Receive, // clauses, b = after timeout, c = after body
    Try, // a = body, clauses = rescue, clauses2 = catch, b = after body, c = else (clauses3)
    With, // clauses = the <- steps (pats[0] pattern, guard, body = expr), a = do body, clauses2 = else
    For, // clauses = generators/filters, a = body, b = into (nullable)
    Capture, // a = body with CaptureArg nodes, arity in slot
    CaptureArg, // slot = index (1-based)
    FunRef, // &name/arity or &Mod.name/arity: a = module (nullable), name, arity in slot
    Interp, // kids = parts (Lit binaries and expressions)
    Attr, // @name (a = value when it is a definition)
    Alias, // name = "Foo.Bar" (lit = atom Elixir.Foo.Bar)
    KwList, // kids = key, value pairs (a keyword list literal)
    DoBlock, // internal: kids = [do, else, after, rescue, catch] bodies
    Stab, // internal: a clause list (clauses)
    Raise, // compiled forms of special calls
    Defmodule, // name, a = body
    Def, // name, flags Private, clauses (one), kids = defaults
    Module__, // __MODULE__
    Binary, // <<...>>: kids = segments (raw expressions from the parser; BinSeg nodes after compile)
    BinSeg, // a = value, b = size (nullable), op = BinType, flags kBinLittle/kBinSigned
    ReturnMark, // machine-internal: end of a function activation
    ResumeAfterSleep, // machine-internal
};

enum NodeFlags : uint16_t {
    kTail = 1,
    kBind = 2, // a Var in a pattern binding a fresh slot
    kUnless = 4,
    kPrivate = 8,
    kParens = 16, // written with parentheses
    kNoParensCall = 32,
    kCheck = 64, // Var in a pattern whose name is already bound earlier in the same pattern
    kCaptureArity = 128,
    kBinLittle = 256,
    kBinSigned = 512,
    kSimple = 1024, // a pure expression the machine evaluates without frames (set by markFastPaths)
    kSimpleArgs = 2048, // a call whose arguments are all simple (LocalCall, static RemoteCall)
    kLastUse = 4096, // Var: an argument of a tail call whose slot is dead afterwards; reading it moves the value
};

// BinSeg types
enum BinType : int16_t { BinInteger, BinBytes, BinUtf8, BinFloat };

struct Node;
struct RecvCode; // a receive's compiled matcher (machine.cpp)

struct Clause {
    std::vector<Node*> pats;
    Node* guard = nullptr;
    Node* body = nullptr;
    int line = 0;
    int numSlots = 0; // for function clauses: slots used
    bool irrefutable = false; // every pattern is a plain variable (or _) and there is no guard (markFastPaths)
};

struct Node {
    NodeKind kind = NodeKind::Lit;
    uint16_t flags = 0;
    int16_t op = 0;
    int line = 0;
    int col = 0;
    int slot = -1;
    Term lit;
    std::string name;
    std::vector<Node*> kids;
    Node* a = nullptr;
    Node* b = nullptr;
    Node* c = nullptr;
    Node* tail = nullptr;
    std::vector<Clause*> clauses;
    std::vector<Clause*> clauses2;
    std::vector<Clause*> clauses3;
    // Fn: captured outer slots (outer slot -> inner slot), own slot count; set by the compiler.
    std::vector<std::pair<int, int>> captures;
    int numSlots = 0;
    int fnIndex = 0; // per-module index of anonymous functions (for describe())
    struct FunctionDef* fun = nullptr; // resolved target of a local call
    Atom mod; // calls: the callee module (after compile)
    Atom fname; // calls: the callee function name
    void* native = nullptr; // calls: the native implementation, when there is one
    std::shared_ptr<const RecvCode> recv; // Receive: the clauses compiled for testing skipped messages
    Atom label; // Fn: the function name an activation of it shows ("-name/arity-fun-N-"), set by markFastPaths
};

// Owns every node of one parsed text.
class Arena {
public:
    Node* node(NodeKind k, int line, int col)
    {
        Node& n = m_nodes.emplace_back();
        n.kind = k;
        n.line = line;
        n.col = col;
        return &n;
    }
    Clause* clause()
    {
        return &m_clauses.emplace_back();
    }
    template <typename F>
    void forEachNode(F&& f)
    {
        for (Node& n : m_nodes)
            f(&n);
    }
    template <typename F>
    void forEachClause(F&& f)
    {
        for (Clause& c : m_clauses)
            f(&c);
    }

private:
    std::deque<Node> m_nodes;
    std::deque<Clause> m_clauses;
};

// Binary operator codes.
enum Op : int16_t {
    OpNone,
    OpAdd,
    OpSub,
    OpMul,
    OpDiv,
    OpConcat, // <>
    OpListAppend, // ++
    OpListSubtract, // --
    OpRange, // ..
    OpEq, // ==
    OpNe,
    OpStrictEq,
    OpStrictNe,
    OpLt,
    OpGt,
    OpLe,
    OpGe,
    OpAnd, // and (strict)
    OpOr,
    OpAndAlso, // &&
    OpOrElse, // ||
    OpIn,
    OpNotIn,
    OpPipe, // |>
    OpMatch, // =
    OpWhen,
    OpBar, // |
    OpArrow, // =>
    OpLeftArrow, // <-
    OpDefault, // \\ .
    OpTypeAnn, // ::
    OpPow, // **
    OpMatchRegex, // =~
    // unary
    OpNeg,
    OpPlus,
    OpNot, // not
    OpBang, // !
    OpPin, // ^
    OpCapture, // &
    OpAt, // @
};

} // namespace vigil::script

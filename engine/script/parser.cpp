#include "script/parser.h"

#include <cstring>
#include <unordered_map>

namespace vigil::script {

namespace {

struct OpInfo {
    int prec;
    bool right;
    Op op;
};

const std::unordered_map<std::string, OpInfo>& binaryOps()
{
    static const std::unordered_map<std::string, OpInfo> ops = {
        { "<-", { 10, false, OpLeftArrow } },
        { "\\\\", { 10, false, OpDefault } },
        { "when", { 20, true, OpWhen } },
        { "::", { 30, true, OpTypeAnn } },
        { "|", { 40, true, OpBar } },
        { "=>", { 50, true, OpArrow } },
        { "=", { 70, true, OpMatch } },
        { "||", { 80, false, OpOrElse } },
        { "or", { 80, false, OpOr } },
        { "&&", { 90, false, OpAndAlso } },
        { "and", { 90, false, OpAnd } },
        { "==", { 100, false, OpEq } },
        { "!=", { 100, false, OpNe } },
        { "===", { 100, false, OpStrictEq } },
        { "!==", { 100, false, OpStrictNe } },
        { "=~", { 100, false, OpMatchRegex } },
        { "<", { 110, false, OpLt } },
        { ">", { 110, false, OpGt } },
        { "<=", { 110, false, OpLe } },
        { ">=", { 110, false, OpGe } },
        { "|>", { 120, false, OpPipe } },
        { "in", { 130, false, OpIn } },
        { "++", { 140, true, OpListAppend } },
        { "--", { 140, true, OpListSubtract } },
        { "<>", { 140, true, OpConcat } },
        { "..", { 140, true, OpRange } },
        { "+", { 150, false, OpAdd } },
        { "-", { 150, false, OpSub } },
        { "*", { 160, false, OpMul } },
        { "/", { 160, false, OpDiv } },
        { "**", { 170, false, OpPow } }, // left-associative in Elixir 1.14: 2 ** 3 ** 2 is 64
    };
    return ops;
}

constexpr int kUnaryPrec = 180;
constexpr int kCapturePrec = 60;
constexpr int kPinPrec = 190;

bool isReserved(const std::string& s)
{
    static const char* const words[] = { "do", "end", "fn", "when", "and", "or", "not", "in", "else", "after", "rescue",
        "catch", "true", "false", "nil" };
    for (const char* w : words)
        if (s == w)
            return true;
    return false;
}

bool isBlockKeyword(const Token& t)
{
    return t.kind == Tok::Ident
        && (t.text == "end" || t.text == "else" || t.text == "after" || t.text == "rescue" || t.text == "catch");
}

class Parser {
public:
    Parser(Arena& arena, std::vector<Token> toks, int depth = 0)
        : m_arena(arena)
        , m_t(std::move(toks))
        , m_depth(depth)
    {
    }

    Node* program()
    {
        Node* block = m_arena.node(NodeKind::Block, 1, 1);
        skipEol();
        while (!at(Tok::Eof)) {
            if (isBlockKeyword(cur()) || at(Tok::RParen) || at(Tok::RBracket) || at(Tok::RBrace))
                unexpected();
            block->kids.push_back(expr(0));
            expectTerminator();
            skipEol();
        }
        return block;
    }

private:
    const Token& cur() const { return m_t[m_p]; }
    const Token& ahead(size_t k = 1) const { return m_t[std::min(m_p + k, m_t.size() - 1)]; }
    bool at(Tok k) const { return cur().kind == k; }
    bool atIdent(const char* s) const { return cur().kind == Tok::Ident && cur().text == s; }
    bool atOp(const char* s) const { return cur().kind == Tok::Op && cur().text == s; }
    const Token& take() { return m_t[m_p < m_t.size() - 1 ? m_p++ : m_p]; }
    void skipEol()
    {
        while (at(Tok::Eol))
            ++m_p;
    }

    static std::string describe(const Token& t)
    {
        switch (t.kind) {
        case Tok::Eof: return "end of file";
        case Tok::Eol: return t.text == ";" ? "';'" : "end of line";
        case Tok::Int: return "'" + std::to_string(t.ival) + "'";
        case Tok::Float: return "number";
        case Tok::String: return "string";
        case Tok::Charlist: return "charlist";
        case Tok::Atom: return "':" + t.text + "'";
        case Tok::KwKey: return "'" + t.text + ":'";
        case Tok::Ident:
        case Tok::Alias:
        case Tok::Op: return "'" + t.text + "'";
        case Tok::LParen: return "'('";
        case Tok::RParen: return "')'";
        case Tok::LBracket: return "'['";
        case Tok::RBracket: return "']'";
        case Tok::LBrace: return "'{'";
        case Tok::RBrace: return "'}'";
        case Tok::PercentBrace: return "'%{'";
        case Tok::Percent: return "'%'";
        case Tok::Comma: return "','";
        case Tok::Dot: return "'.'";
        case Tok::Arrow: return "'->'";
        case Tok::CaptureArg: return "'&" + std::to_string(t.ival) + "'";
        case Tok::Char: return "char";
        case Tok::Sigil: return "sigil";
        case Tok::BinOpen: return "'<<'";
        case Tok::BinClose: return "'>>'";
        }
        return "token";
    }

    [[noreturn]] void unexpected()
    {
        const Token& t = cur();
        if (t.kind == Tok::Eof) {
            if (!m_open.empty()) {
                auto& o = m_open.back();
                throw SyntaxError(t.line, t.col,
                    "missing terminator: " + o.closer + " (for \"" + o.opener + "\" starting at line " + std::to_string(o.line) + ")");
            }
            throw SyntaxError(t.line, t.col, "syntax error: expression is incomplete");
        }
        throw SyntaxError(t.line, t.col, "syntax error before: " + describe(t));
    }
    [[noreturn]] void failAt(const Token& t, const std::string& msg) { throw SyntaxError(t.line, t.col, msg); }

    void expect(Tok k)
    {
        if (!at(k))
            unexpected();
        take();
    }
    void expectIdent(const char* s)
    {
        if (!atIdent(s))
            unexpected();
        take();
    }
    // After a top-level or block expression: end of line, ';', or a block end.
    void expectTerminator()
    {
        if (at(Tok::Eol) || at(Tok::Eof) || isBlockKeyword(cur()) || at(Tok::RParen))
            return;
        unexpected();
    }

    struct Open {
        std::string opener, closer;
        int line;
    };
    void open(const Token& t, const std::string& opener, const std::string& closer) { m_open.push_back({ opener, closer, t.line }); }
    void close() { m_open.pop_back(); }

    Node* node(NodeKind k, const Token& t) { return m_arena.node(k, t.line, t.col); }
    Node* lit(Term v, const Token& t)
    {
        Node* n = node(NodeKind::Lit, t);
        n->lit = std::move(v);
        return n;
    }

    // ---------------------------------------------------------------- expressions

    // Bounds the parser's (and so the compiler's) recursion on deeply nested input.
    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser)
            : p(parser)
        {
            if (++p.m_depth > kMaxDepth)
                throw SyntaxError(p.cur().line, p.cur().col, "expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
        }
        ~DepthGuard() { --p.m_depth; }
    };
    static constexpr int kMaxDepth = 1000;

    Node* expr(int minPrec)
    {
        DepthGuard guard(*this);
        Node* lhs = unary();
        int chain = 0; // a left-associative chain deepens the tree like nesting does
        for (;;) {
            const Token& t = cur();
            // a pipe at the start of the next line continues the expression
            if (t.kind == Tok::Eol && t.text == "\n") {
                size_t k = m_p;
                while (m_t[k].kind == Tok::Eol && m_t[k].text == "\n")
                    ++k;
                if (m_t[k].kind == Tok::Op && m_t[k].text == "|>" && minPrec <= 120) {
                    m_p = k;
                    continue;
                }
                return lhs;
            }
            std::string opText;
            bool notIn = false;
            if (t.kind == Tok::Op) {
                opText = t.text;
            } else if (t.kind == Tok::Ident && (t.text == "when" || t.text == "and" || t.text == "or" || t.text == "in")) {
                opText = t.text;
            } else if (t.kind == Tok::Ident && t.text == "not" && ahead().kind == Tok::Ident && ahead().text == "in") {
                opText = "in";
                notIn = true;
            } else {
                return lhs;
            }
            auto it = binaryOps().find(opText);
            if (it == binaryOps().end())
                return lhs;
            const OpInfo& info = it->second;
            if (info.prec < minPrec)
                return lhs;
            Token opTok = take();
            if (notIn)
                take();
            if (++chain + m_depth > kMaxDepth)
                throw SyntaxError(opTok.line, opTok.col, "expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
            skipEol();
            Node* rhs = expr(info.right ? info.prec : info.prec + 1);
            if (info.op == OpMatch) {
                Node* m = m_arena.node(NodeKind::Match, opTok.line, opTok.col);
                m->a = lhs;
                m->b = rhs;
                lhs = m;
                continue;
            }
            Node* b = m_arena.node(NodeKind::BinOp, opTok.line, opTok.col);
            b->op = notIn ? OpNotIn : info.op;
            b->a = lhs;
            b->b = rhs;
            b->name = opText;
            lhs = b;
        }
    }

    // &+/2, &Kernel.+/2 (the operator as a function of two arguments): read as &(&1 + &2). nullptr when what follows
    // the & is not that.
    Node* operatorCapture()
    {
        size_t k = 0;
        if (cur().kind == Tok::Alias && cur().text == "Kernel" && ahead().kind == Tok::Dot)
            k = 2;
        const Token& op = ahead(k);
        if (op.kind != Tok::Op || ahead(k + 1).kind != Tok::Op || ahead(k + 1).text != "/"
            || ahead(k + 2).kind != Tok::Int || ahead(k + 2).ival != 2)
            return nullptr;
        const auto it = binaryOps().find(op.text);
        if (it == binaryOps().end() || it->second.op == OpMatch || it->second.op == OpWhen || it->second.op == OpBar
            || it->second.op == OpArrow || it->second.op == OpDefault || it->second.op == OpTypeAnn
            || it->second.op == OpPipe)
            return nullptr;
        for (size_t i = 0; i < k + 3; ++i)
            take();
        Node* b = m_arena.node(NodeKind::BinOp, op.line, op.col);
        b->op = it->second.op;
        b->name = op.text;
        b->a = node(NodeKind::CaptureArg, op);
        b->a->slot = 1;
        b->b = node(NodeKind::CaptureArg, op);
        b->b->slot = 2;
        return b;
    }

    Node* unary()
    {
        const Token& t = cur();
        if (t.kind == Tok::Op) {
            if (t.text == "-" || t.text == "+") {
                Token opTok = take();
                if ((at(Tok::Int) || at(Tok::Float)) && !cur().spaceBefore) {
                    const Token& n = take();
                    Node* l = n.kind == Tok::Int ? lit(Term::integer(opTok.text == "-" ? -n.ival : n.ival), opTok)
                                                 : lit(Term::floating(opTok.text == "-" ? -n.fval : n.fval), opTok);
                    return postfix(l);
                }
                Node* u = node(NodeKind::UnOp, opTok);
                u->op = opTok.text == "-" ? OpNeg : OpPlus;
                u->a = expr(kUnaryPrec);
                return u;
            }
            if (t.text == "!") {
                Token opTok = take();
                Node* u = node(NodeKind::UnOp, opTok);
                u->op = OpBang;
                u->a = expr(kUnaryPrec);
                return u;
            }
            if (t.text == "^") {
                Token opTok = take();
                if (!at(Tok::Ident))
                    unexpected();
                const Token& v = take();
                Node* p = node(NodeKind::Pin, opTok);
                p->name = v.text;
                return p;
            }
            if (t.text == "&") {
                Token opTok = take();
                Node* u = node(NodeKind::Capture, opTok);
                if (Node* op = operatorCapture())
                    u->a = op;
                else
                    u->a = expr(kCapturePrec + 1);
                return u;
            }
            if (t.text == "@") {
                Token opTok = take();
                if (!at(Tok::Ident))
                    unexpected();
                const Token& name = take();
                Node* n = node(NodeKind::Attr, opTok);
                n->name = name.text;
                // @name value (definition) when a value follows on the same line
                if (!at(Tok::Eol) && !at(Tok::Eof) && cur().spaceBefore && canStartArg(cur()) && !isBlockKeyword(cur())) {
                    int saved = m_noDo;
                    m_noDo = 1;
                    n->a = expr(kUnaryPrec);
                    m_noDo = saved;
                }
                return n;
            }
        }
        if (t.kind == Tok::Ident && t.text == "not") {
            Token opTok = take();
            Node* u = node(NodeKind::UnOp, opTok);
            u->op = OpNot;
            u->a = expr(kUnaryPrec);
            return u;
        }
        return postfix(primary());
    }

    bool canStartArg(const Token& t) const
    {
        switch (t.kind) {
        case Tok::Int:
        case Tok::Float:
        case Tok::String:
        case Tok::Charlist:
        case Tok::Atom:
        case Tok::KwKey:
        case Tok::Alias:
        case Tok::LBracket:
        case Tok::LBrace:
        case Tok::PercentBrace:
        case Tok::Percent:
        case Tok::CaptureArg:
        case Tok::Char:
        case Tok::Sigil:
        case Tok::BinOpen:
        case Tok::LParen:
            return true;
        case Tok::Ident:
            return !(t.text == "do" || t.text == "end" || t.text == "when" || t.text == "and" || t.text == "or"
                || t.text == "in" || t.text == "else" || t.text == "after" || t.text == "rescue" || t.text == "catch");
        case Tok::Op:
            if (t.text == "^" || t.text == "@" || t.text == "!" || t.text == "&")
                return !t.spaceAfter;
            if (t.text == "-" || t.text == "+")
                return !t.spaceAfter;
            return false;
        default:
            return false;
        }
    }

    // Whether the token after an identifier starts arguments of a call without parentheses.
    bool noParensArgsFollow() const
    {
        const Token& t = cur();
        if (!t.spaceBefore)
            return false;
        return canStartArg(t);
    }

    Node* primary()
    {
        const Token& t = cur();
        switch (t.kind) {
        case Tok::Int: take(); return lit(Term::integer(t.ival), t);
        case Tok::Float: take(); return lit(Term::floating(t.fval), t);
        case Tok::Char: take(); return lit(Term::integer(t.ival), t);
        case Tok::Atom: take(); return lit(Term::atom(t.text), t);
        case Tok::String: {
            Token s = take();
            return stringNode(s, false);
        }
        case Tok::Charlist: {
            Token s = take();
            return stringNode(s, true);
        }
        case Tok::Sigil: {
            Token s = take();
            return sigilNode(s);
        }
        case Tok::CaptureArg: {
            take();
            Node* n = node(NodeKind::CaptureArg, t);
            n->slot = int(t.ival);
            return n;
        }
        case Tok::LParen: {
            Token o = take();
            open(o, "(", ")");
            int saved = m_noDo;
            m_noDo = 0;
            skipEol();
            if (at(Tok::RParen)) {
                take();
                close();
                m_noDo = saved;
                return lit(Term::nil(), o);
            }
            Node* body = stabOrBlock(true);
            if (!at(Tok::RParen))
                unexpected();
            take();
            close();
            m_noDo = saved;
            if (body->kind == NodeKind::Stab)
                return body;
            body->flags |= kParens;
            if (body->kids.size() == 1)
                return body->kids[0];
            return body;
        }
        case Tok::LBracket: return listLiteral();
        case Tok::LBrace: return tupleLiteral();
        case Tok::PercentBrace: return mapLiteral(nullptr);
        case Tok::Percent: {
            Token p = take();
            Node* name;
            if (at(Tok::Alias)) {
                name = aliasChain();
            } else if (atIdent("__MODULE__")) {
                take();
                name = node(NodeKind::Module__, p);
            } else {
                unexpected();
            }
            if (!at(Tok::LBrace) || cur().spaceBefore)
                unexpected();
            return mapLiteral(name);
        }
        case Tok::BinOpen: return binaryLiteral();
        case Tok::KwKey: {
            // a bare keyword list (e.g. in argument position handled by callers)
            return kwList();
        }
        case Tok::Alias: return aliasChain();
        case Tok::Ident: return identifier();
        default: unexpected();
        }
    }

    Node* stringNode(const Token& s, bool charlist)
    {
        if (s.parts.empty()) {
            if (!charlist)
                return lit(Term::binary(s.text), s);
            return lit(charlistTerm(s.text), s);
        }
        Node* n = node(NodeKind::Interp, s);
        if (charlist)
            n->flags |= kCheck; // result converted to a charlist
        for (const StringPart& part : s.parts) {
            if (!part.code) {
                n->kids.push_back(lit(Term::binary(part.text), s));
                continue;
            }
            std::vector<Token> toks = tokenize(part.text, part.line, part.col);
            Parser sub(m_arena, std::move(toks), m_depth + 1);
            Node* block = sub.program();
            if (block->kids.size() == 1)
                n->kids.push_back(block->kids[0]);
            else if (block->kids.empty())
                n->kids.push_back(lit(Term::binary(""), s));
            else
                n->kids.push_back(block);
            n->kids.back()->flags |= kNoParensCall; // marks an interpolated expression
        }
        return n;
    }

    static Term charlistTerm(const std::string& utf8)
    {
        std::vector<Term> cps;
        for (size_t i = 0; i < utf8.size();) {
            unsigned char c = utf8[i];
            int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
            int64_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
            for (int k = 1; k < n && i + k < utf8.size(); ++k)
                v = (v << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
            i += n;
            cps.push_back(Term::integer(v));
        }
        return Term::list(std::move(cps));
    }

    Node* sigilNode(const Token& s)
    {
        if (s.sigil == 'w') {
            // words as strings, or with the a modifier atoms, with c charlists
            const char as = s.sigilModifiers.empty() ? 's' : s.sigilModifiers[0];
            if (s.sigilModifiers.size() > 1 || !std::strchr("sac", as))
                failAt(s, "invalid modifier for ~w: " + s.sigilModifiers);
            std::vector<Term> words;
            std::string w;
            for (char c : s.text + " ") {
                if (c == ' ' || c == '\n' || c == '\t') {
                    if (!w.empty())
                        words.push_back(as == 'a' ? Term::atom(Atom::intern(w))
                                : as == 'c'       ? charlistTerm(w)
                                                  : Term::binary(w));
                    w.clear();
                } else {
                    w += c;
                }
            }
            return lit(Term::list(std::move(words)), s);
        }
        if (s.sigil == 's' || s.sigil == 'S')
            return lit(Term::binary(s.text), s);
        if (s.sigil == 'c' || s.sigil == 'C')
            return lit(charlistTerm(s.text), s);
        failAt(s, std::string("sigil ~") + s.sigil + " is not supported by this Elixir subset");
    }

    Node* aliasChain()
    {
        const Token& first = take();
        std::string name = first.text;
        while (at(Tok::Dot) && ahead().kind == Tok::Alias && !cur().spaceBefore) {
            take();
            name += "." + take().text;
        }
        Node* n = node(NodeKind::Alias, first);
        n->name = name;
        n->lit = Term::atom(name == "Elixir" ? std::string("Elixir") : "Elixir." + name);
        return n;
    }

    Node* identifier()
    {
        const Token& t = take();
        const std::string& name = t.text;
        if (name == "true")
            return lit(Term::boolean(true), t);
        if (name == "false")
            return lit(Term::boolean(false), t);
        if (name == "nil")
            return lit(Term::nil(), t);
        if (name == "fn")
            return fnLiteral(t);
        if (name == "__MODULE__")
            return node(NodeKind::Module__, t);
        if (isReserved(name)) {
            --m_p;
            unexpected();
        }
        // call with parentheses
        if (at(Tok::LParen) && !cur().spaceBefore) {
            Node* call = node(NodeKind::LocalCall, t);
            call->name = name;
            call->flags |= kParens;
            parenArgs(call);
            maybeDoBlock(call);
            return call;
        }
        if (noParensArgsFollow()) {
            Node* call = node(NodeKind::LocalCall, t);
            call->name = name;
            call->flags |= kNoParensCall;
            noParenArgs(call);
            maybeDoBlock(call);
            return call;
        }
        if (atIdent("do") && m_noDo == 0) {
            Node* call = node(NodeKind::LocalCall, t);
            call->name = name;
            maybeDoBlock(call);
            return call;
        }
        Node* v = node(NodeKind::Var, t);
        v->name = name;
        return v;
    }

    void parenArgs(Node* call)
    {
        Token o = take(); // (
        open(o, "(", ")");
        int saved = m_noDo;
        m_noDo = 0;
        skipEol();
        while (!at(Tok::RParen)) {
            if (at(Tok::KwKey)) {
                call->kids.push_back(kwList());
                skipEol();
                if (!at(Tok::RParen))
                    unexpected();
                break;
            }
            call->kids.push_back(expr(0));
            skipEol();
            if (at(Tok::Comma)) {
                take();
                skipEol();
                continue;
            }
            if (!at(Tok::RParen))
                unexpected();
        }
        take();
        close();
        m_noDo = saved;
    }

    void noParenArgs(Node* call)
    {
        ++m_noDo;
        for (;;) {
            if (at(Tok::KwKey)) {
                call->kids.push_back(kwList());
                break;
            }
            call->kids.push_back(expr(0));
            if (at(Tok::Comma)) {
                take();
                skipEol();
                continue;
            }
            break;
        }
        --m_noDo;
    }

    // key: value, key2: value2 (stops at a token that cannot continue the list)
    Node* kwList()
    {
        const Token& first = cur();
        Node* kw = node(NodeKind::KwList, first);
        for (;;) {
            if (!at(Tok::KwKey))
                unexpected();
            const Token& k = take();
            skipEol();
            kw->kids.push_back(lit(Term::atom(k.text), k));
            kw->kids.push_back(expr(0));
            if (at(Tok::Comma) && (ahead().kind == Tok::KwKey || (ahead().kind == Tok::Eol && nextNonEol().kind == Tok::KwKey))) {
                take();
                skipEol();
                continue;
            }
            break;
        }
        return kw;
    }

    const Token& nextNonEol() const
    {
        size_t k = m_p + 1;
        while (k < m_t.size() - 1 && m_t[k].kind == Tok::Eol)
            ++k;
        return m_t[k];
    }

    void maybeDoBlock(Node* call)
    {
        if (!(atIdent("do") && m_noDo == 0))
            return;
        Token d = take();
        open(d, "do", "end");
        int saved = m_noDo;
        m_noDo = 0;
        Node* blk = node(NodeKind::DoBlock, d);
        blk->kids.assign(5, nullptr);
        int section = 0;
        for (;;) {
            Node* body = stabOrBlock();
            blk->kids[section] = body;
            if (atIdent("end")) {
                take();
                break;
            }
            const std::string& kw = cur().text;
            int next = kw == "else" ? 1 : kw == "after" ? 2 : kw == "rescue" ? 3 : kw == "catch" ? 4 : -1;
            if (next < 0)
                unexpected();
            take();
            section = next;
        }
        close();
        m_noDo = saved;
        call->a = blk;
    }

    // Either a sequence of expressions (Block) or clauses "head -> body" (Stab).
    Node* stabOrBlock(bool parens = false)
    {
        skipEol();
        const Token& start = cur();
        Node* block = node(NodeKind::Block, start);
        Node* stab = nullptr;
        Clause* clause = nullptr;
        for (;;) {
            skipEol();
            if (parens ? at(Tok::RParen) : isBlockKeyword(cur())) 
                break;
            if (at(Tok::Eof) || at(Tok::RParen) || (parens && isBlockKeyword(cur())))
                unexpected();
            const Token& headTok = cur();
            std::vector<Node*> items;
            if (at(Tok::Arrow)) {
                // empty head: fn -> ... end
            } else {
                items.push_back(expr(0));
                while (at(Tok::Comma)) {
                    take();
                    skipEol();
                    if (at(Tok::KwKey)) {
                        items.push_back(kwList());
                        break;
                    }
                    items.push_back(expr(0));
                }
            }
            if (at(Tok::Arrow)) {
                take();
                if (!stab) {
                    if (!block->kids.empty())
                        failAt(headTok, "syntax error before: '->' (unexpected clause after expressions)");
                    stab = node(NodeKind::Stab, headTok);
                }
                clause = m_arena.clause();
                clause->line = headTok.line;
                // guard: the last head item may be "x when guard"
                if (!items.empty() && items.back()->kind == NodeKind::BinOp && items.back()->op == OpWhen) {
                    Node* w = items.back();
                    items.back() = w->a;
                    clause->guard = w->b;
                }
                if (items.size() == 1 && items[0]->kind == NodeKind::Block && (items[0]->flags & kParens))
                    items = items[0]->kids; // fn (a, b) -> ...
                clause->pats = std::move(items);
                clause->body = node(NodeKind::Block, cur());
                stab->clauses.push_back(clause);
                continue;
            }
            if (items.size() != 1)
                failAt(headTok, "syntax error before: ',' (unexpected comma)");
            if (clause)
                clause->body->kids.push_back(items[0]);
            else
                block->kids.push_back(items[0]);
            expectTerminator();
        }
        if (stab) {
            for (Clause* c : stab->clauses)
                if (c->body->kids.empty())
                    c->body->kids.push_back(lit(Term::nil(), headTokenOf(c)));
            return stab;
        }
        return block;
    }

    const Token& headTokenOf(Clause*) const { return cur(); }

    Node* fnLiteral(const Token& fnTok)
    {
        open(fnTok, "fn", "end");
        int saved = m_noDo;
        m_noDo = 0;
        Node* body = stabOrBlock();
        if (body->kind != NodeKind::Stab)
            failAt(fnTok, "syntax error: expected clauses with -> in fn");
        expectIdent("end");
        close();
        m_noDo = saved;
        Node* fn = node(NodeKind::Fn, fnTok);
        fn->clauses = body->clauses;
        return fn;
    }

    // <<seg, seg::spec, ...>>: segments stay raw expressions (value or value :: spec); the compiler reads them
    Node* binaryLiteral()
    {
        Token o = take();
        open(o, "<<", ">>");
        int saved = m_noDo;
        m_noDo = 0;
        Node* bin = node(NodeKind::Binary, o);
        skipEol();
        while (!at(Tok::BinClose)) {
            bin->kids.push_back(expr(30));
            skipEol();
            if (at(Tok::Comma)) {
                take();
                skipEol();
                continue;
            }
            if (!at(Tok::BinClose))
                unexpected();
        }
        take();
        close();
        m_noDo = saved;
        return bin;
    }

    Node* listLiteral()
    {
        Token o = take();
        open(o, "[", "]");
        int saved = m_noDo;
        m_noDo = 0;
        Node* list = node(NodeKind::List, o);
        skipEol();
        while (!at(Tok::RBracket)) {
            if (at(Tok::KwKey)) {
                Node* kw = kwList();
                for (size_t i = 0; i < kw->kids.size(); i += 2) {
                    Node* tup = m_arena.node(NodeKind::Tuple, kw->kids[i]->line, kw->kids[i]->col);
                    tup->kids = { kw->kids[i], kw->kids[i + 1] };
                    list->kids.push_back(tup);
                }
                skipEol();
                if (at(Tok::Comma)) {
                    take();
                    skipEol();
                }
                if (!at(Tok::RBracket))
                    unexpected();
                break;
            }
            list->kids.push_back(expr(41));
            skipEol();
            if (atOp("|")) {
                take();
                skipEol();
                list->tail = expr(41);
                skipEol();
                if (!at(Tok::RBracket))
                    unexpected();
                break;
            }
            if (at(Tok::Comma)) {
                take();
                skipEol();
                continue;
            }
            if (!at(Tok::RBracket))
                unexpected();
        }
        take();
        close();
        m_noDo = saved;
        return list;
    }

    Node* tupleLiteral()
    {
        Token o = take();
        open(o, "{", "}");
        int saved = m_noDo;
        m_noDo = 0;
        Node* tup = node(NodeKind::Tuple, o);
        skipEol();
        while (!at(Tok::RBrace)) {
            if (at(Tok::KwKey)) {
                tup->kids.push_back(kwList());
                skipEol();
                if (!at(Tok::RBrace))
                    unexpected();
                break;
            }
            tup->kids.push_back(expr(0));
            skipEol();
            if (at(Tok::Comma)) {
                take();
                skipEol();
                continue;
            }
            if (!at(Tok::RBrace))
                unexpected();
        }
        take();
        close();
        m_noDo = saved;
        return tup;
    }

    // After "%{" or "%Name" (structName set, current token '{').
    Node* mapLiteral(Node* structName)
    {
        Token o = cur();
        if (structName)
            take(); // {
        else
            take(); // %{
        open(o, "%{", "}");
        int saved = m_noDo;
        m_noDo = 0;
        Node* map = node(structName ? NodeKind::Struct : NodeKind::Map, o);
        if (structName) {
            map->a = nullptr;
            map->b = structName;
        }
        skipEol();
        bool first = true;
        while (!at(Tok::RBrace)) {
            if (at(Tok::KwKey)) {
                Node* kw = kwList();
                for (Node* k : kw->kids)
                    map->kids.push_back(k);
                skipEol();
                if (at(Tok::Comma)) {
                    take();
                    skipEol();
                }
                if (!at(Tok::RBrace))
                    unexpected();
                break;
            }
            Node* key = expr(51);
            skipEol();
            if (first && atOp("|")) {
                take();
                skipEol();
                if (structName) {
                    map->a = key;
                } else {
                    map->kind = NodeKind::MapUpdate;
                    map->a = key;
                }
                first = false;
                continue;
            }
            first = false;
            if (!atOp("=>"))
                unexpected();
            take();
            skipEol();
            map->kids.push_back(key);
            map->kids.push_back(expr(41));
            skipEol();
            if (at(Tok::Comma)) {
                take();
                skipEol();
                continue;
            }
            if (!at(Tok::RBrace))
                unexpected();
        }
        take();
        close();
        m_noDo = saved;
        return map;
    }

    Node* postfix(Node* n)
    {
        for (;;) {
            if (at(Tok::Dot)) {
                Token dot = take();
                skipEol();
                if (at(Tok::LParen)) {
                    Node* call = node(NodeKind::AnonCall, dot);
                    call->a = n;
                    parenArgs(call);
                    n = call;
                    continue;
                }
                if (at(Tok::Alias) && n->kind == NodeKind::Alias) {
                    n->name += "." + take().text;
                    n->lit = Term::atom("Elixir." + n->name);
                    continue;
                }
                if (!at(Tok::Ident) && !at(Tok::KwKey) && !(at(Tok::Alias)))
                    unexpected();
                if (at(Tok::KwKey))
                    unexpected();
                Token name = take();
                bool staticModule = n->kind == NodeKind::Alias || n->kind == NodeKind::Lit || n->kind == NodeKind::Module__;
                if (at(Tok::LParen) && !cur().spaceBefore) {
                    Node* call = node(NodeKind::RemoteCall, name);
                    call->a = n;
                    call->name = name.text;
                    call->flags |= kParens;
                    parenArgs(call);
                    maybeDoBlock(call);
                    n = call;
                    continue;
                }
                if (staticModule && noParensArgsFollow()) {
                    Node* call = node(NodeKind::RemoteCall, name);
                    call->a = n;
                    call->name = name.text;
                    call->flags |= kNoParensCall;
                    noParenArgs(call);
                    maybeDoBlock(call);
                    n = call;
                    continue;
                }
                if (staticModule) {
                    Node* call = node(NodeKind::RemoteCall, name);
                    call->a = n;
                    call->name = name.text;
                    call->flags |= kNoParensCall;
                    n = call;
                    continue;
                }
                Node* f = node(NodeKind::DotField, name);
                f->a = n;
                f->name = name.text;
                n = f;
                continue;
            }
            if (at(Tok::LBracket) && !cur().spaceBefore) {
                Token o = take();
                open(o, "[", "]");
                skipEol();
                Node* acc = node(NodeKind::Access, o);
                acc->a = n;
                acc->b = expr(0);
                skipEol();
                expect(Tok::RBracket);
                close();
                n = acc;
                continue;
            }
            return n;
        }
    }

    Arena& m_arena;
    std::vector<Token> m_t;
    size_t m_p = 0;
    int m_noDo = 0;
    int m_depth = 0;
    std::vector<Open> m_open;
};

} // namespace

Node* parseProgram(Arena& arena, std::string_view src, int firstLine)
{
    std::vector<Token> toks = tokenize(src, firstLine, 1);
    Parser p(arena, std::move(toks));
    return p.program();
}

} // namespace vigil::script

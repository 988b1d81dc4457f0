#include "script/lexer.h"
#include "term/syntax.h"

#include <cctype>
#include <cstring>

namespace vigil::script {

namespace {

bool isIdentStart(unsigned char c) { return (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80; }
bool isIdentChar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Operators, longest first.
const char* const kOps[] = { "===", "!==", "...", "<<<", ">>>", "|||", "&&&", "^^^", "~~~", "<~>", "<<~", "~>>",
    "\\\\", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "<>", "|>", "..", "=~", "=>", "<-", "::", "**", "<~",
    "~>", "+", "-", "*", "/", "=", "<", ">", "!", "^", "&", "|", "@" };

class Lexer {
public:
    Lexer(std::string_view s, int line, int col)
        : m_s(s)
        , m_line(line)
        , m_col(col)
    {
    }

    std::vector<Token> run()
    {
        std::vector<Token> out;
        bool space = false;
        while (m_i < m_s.size()) {
            char c = m_s[m_i];
            if (c == ' ' || c == '\t' || c == '\r') {
                advance();
                space = true;
                continue;
            }
            if (c == '\\' && m_i + 1 < m_s.size() && m_s[m_i + 1] == '\n') { // line continuation
                advance();
                advance();
                space = true;
                continue;
            }
            if (c == '#') {
                while (m_i < m_s.size() && m_s[m_i] != '\n')
                    advance();
                continue;
            }
            Token t;
            t.line = m_line;
            t.col = m_col;
            t.spaceBefore = space;
            space = false;
            if (c == '\n' || c == ';') {
                advance();
                t.kind = Tok::Eol;
                t.text = c == ';' ? ";" : "\n";
                push(out, std::move(t));
                continue;
            }
            lexToken(t, out);
            push(out, std::move(t));
        }
        Token e;
        e.kind = Tok::Eof;
        e.line = m_line;
        e.col = m_col;
        out.push_back(e);
        for (size_t k = 0; k + 1 < out.size(); ++k)
            out[k].spaceAfter = out[k + 1].spaceBefore || out[k + 1].kind == Tok::Eol || out[k + 1].kind == Tok::Eof;
        return out;
    }

private:
    void push(std::vector<Token>& out, Token&& t) { out.push_back(std::move(t)); }

    char peek(size_t k = 0) const { return m_i + k < m_s.size() ? m_s[m_i + k] : '\0'; }
    void advance()
    {
        unsigned char c = m_s[m_i++];
        if (c == '\n') {
            ++m_line;
            m_col = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++m_col;
        }
    }
    [[noreturn]] void fail(int line, int col, const std::string& msg) { throw SyntaxError(line, col, msg); }

    void lexToken(Token& t, std::vector<Token>& /*out*/)
    {
        char c = peek();
        if (isDigit(c)) {
            lexNumber(t);
            return;
        }
        if (c == '"') {
            if (peek(1) == '"' && peek(2) == '"') {
                lexHeredoc(t);
                return;
            }
            advance();
            t.kind = Tok::String;
            lexQuoted(t, '"');
            return;
        }
        if (c == '\'') {
            advance();
            t.kind = Tok::Charlist;
            lexQuoted(t, '\'');
            return;
        }
        if (c == ':' && peek(1) == ':') {
            advance();
            advance();
            t.kind = Tok::Op;
            t.text = "::";
            return;
        }
        if (c == ':') {
            char n = peek(1);
            if (n == '"') {
                advance();
                advance();
                Token q;
                lexQuoted(q, '"');
                if (!q.parts.empty())
                    fail(t.line, t.col, "interpolation in quoted atoms is not supported");
                t.kind = Tok::Atom;
                t.text = q.text;
                return;
            }
            if (isIdentStart(n) || (n >= 'A' && n <= 'Z')) {
                advance();
                size_t start = m_i;
                // @ may come anywhere after the first character (:nonode@nohost)
                while (isIdentChar(peek()) || peek() == '@'
                    || (peek() == '.' && (isIdentStart(peek(1)) || (peek(1) >= 'A' && peek(1) <= 'Z')) && n >= 'A'
                        && n <= 'Z'))
                    advance();
                if (peek() == '?' || peek() == '!')
                    advance();
                t.kind = Tok::Atom;
                t.text = std::string(m_s.substr(start, m_i - start));
                return;
            }
            // operator atoms like :+ or :"..."
            for (const char* op : kOps) {
                size_t len = std::strlen(op);
                if (m_s.substr(m_i + 1, len) == op) {
                    advance();
                    for (size_t k = 0; k < len; ++k)
                        advance();
                    t.kind = Tok::Atom;
                    t.text = op;
                    return;
                }
            }
            fail(t.line, t.col, "unexpected token: \":\"");
        }
        if (isIdentStart(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z')) {
            size_t start = m_i;
            bool upper = c >= 'A' && c <= 'Z';
            while (isIdentChar(peek()))
                advance();
            if (!upper && (peek() == '?' || peek() == '!'))
                advance();
            t.text = std::string(m_s.substr(start, m_i - start));
            if (peek() == ':' && peek(1) != ':' && (peek(1) == ' ' || peek(1) == '\n' || peek(1) == '\t' || peek(1) == '\r')) {
                advance();
                t.kind = Tok::KwKey;
                return;
            }
            t.kind = upper ? Tok::Alias : Tok::Ident;
            return;
        }
        if (c == '?' && m_i + 1 < m_s.size()) {
            advance();
            t.kind = Tok::Char;
            unsigned char d = peek();
            if (d == '\\') {
                advance();
                char e = peek();
                advance();
                t.ival = escapeValue(e);
                return;
            }
            // decode one UTF-8 code point
            t.ival = decodeUtf8();
            return;
        }
        if (c == '~' && m_i + 2 < m_s.size() && ((peek(1) >= 'a' && peek(1) <= 'z') || (peek(1) >= 'A' && peek(1) <= 'Z'))) {
            advance();
            t.sigil = peek();
            advance();
            char open = peek();
            char close = open == '(' ? ')' : open == '[' ? ']' : open == '{' ? '}' : open == '<' ? '>' : open;
            if (!std::strchr("([{</|\"'", open))
                fail(t.line, t.col, "invalid sigil delimiter");
            advance();
            size_t start = m_i;
            while (m_i < m_s.size() && peek() != close)
                advance();
            if (m_i >= m_s.size())
                fail(t.line, t.col, std::string("missing terminator: ") + close);
            t.text = std::string(m_s.substr(start, m_i - start));
            advance();
            const size_t mods = m_i;
            while (isIdentChar(peek()))
                advance();
            t.sigilModifiers = std::string(m_s.substr(mods, m_i - mods));
            t.kind = Tok::Sigil;
            return;
        }
        if (c == '&' && isDigit(peek(1))) {
            advance();
            int64_t v = 0;
            while (isDigit(peek())) {
                v = v * 10 + (peek() - '0');
                advance();
            }
            t.kind = Tok::CaptureArg;
            t.ival = v;
            return;
        }
        if (c == '%' && peek(1) == '{') {
            advance();
            advance();
            t.kind = Tok::PercentBrace;
            return;
        }
        if (c == '-' && peek(1) == '>') {
            advance();
            advance();
            t.kind = Tok::Arrow;
            return;
        }
        if (c == '<' && peek(1) == '<' && peek(2) != '<' && peek(2) != '~') {
            advance();
            advance();
            t.kind = Tok::BinOpen;
            return;
        }
        if (c == '>' && peek(1) == '>' && peek(2) != '>') {
            advance();
            advance();
            t.kind = Tok::BinClose;
            return;
        }
        switch (c) {
        case '(': advance(); t.kind = Tok::LParen; return;
        case ')': advance(); t.kind = Tok::RParen; return;
        case '[': advance(); t.kind = Tok::LBracket; return;
        case ']': advance(); t.kind = Tok::RBracket; return;
        case '{': advance(); t.kind = Tok::LBrace; return;
        case '}': advance(); t.kind = Tok::RBrace; return;
        case ',': advance(); t.kind = Tok::Comma; return;
        case '%': advance(); t.kind = Tok::Percent; return;
        default: break;
        }
        if (c == '.' && peek(1) != '.') {
            advance();
            t.kind = Tok::Dot;
            return;
        }
        for (const char* op : kOps) {
            size_t len = std::strlen(op);
            if (m_s.substr(m_i, len) == op) {
                for (size_t k = 0; k < len; ++k)
                    advance();
                t.kind = Tok::Op;
                t.text = op;
                return;
            }
        }
        std::string shown(1, c);
        if (static_cast<unsigned char>(c) >= 0x80)
            shown = "non-ASCII character";
        fail(t.line, t.col, "unexpected token: \"" + shown + "\"");
    }

    int64_t decodeUtf8()
    {
        unsigned char c = peek();
        int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        int64_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        advance();
        for (int k = 1; k < n && m_i < m_s.size(); ++k) {
            v = (v << 6) | (static_cast<unsigned char>(peek()) & 0x3F);
            advance();
        }
        return v;
    }

    void lexNumber(Token& t)
    {
        size_t start = m_i;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'b' || peek(1) == 'o')) {
            int base = peek(1) == 'x' ? 16 : peek(1) == 'b' ? 2 : 8;
            advance();
            advance();
            int64_t v = 0;
            bool any = false;
            for (;;) {
                char d = peek();
                int dv = isDigit(d) ? d - '0' : (d >= 'a' && d <= 'f') ? d - 'a' + 10 : (d >= 'A' && d <= 'F') ? d - 'A' + 10 : d == '_' ? -2 : -1;
                if (dv == -2) {
                    advance();
                    continue;
                }
                if (dv < 0 || dv >= base)
                    break;
                v = v * base + dv;
                any = true;
                advance();
            }
            if (!any)
                fail(t.line, t.col, "invalid number");
            t.kind = Tok::Int;
            t.ival = v;
            return;
        }
        std::string digits;
        while (isDigit(peek()) || (peek() == '_' && isDigit(peek(1)))) {
            if (peek() != '_')
                digits += peek();
            advance();
        }
        bool isFloat = false;
        if (peek() == '.' && isDigit(peek(1))) {
            isFloat = true;
            digits += '.';
            advance();
            while (isDigit(peek()) || (peek() == '_' && isDigit(peek(1)))) {
                if (peek() != '_')
                    digits += peek();
                advance();
            }
            if ((peek() == 'e' || peek() == 'E') && (isDigit(peek(1)) || ((peek(1) == '-' || peek(1) == '+') && isDigit(peek(2))))) {
                digits += 'e';
                advance();
                if (peek() == '-' || peek() == '+') {
                    digits += peek();
                    advance();
                }
                while (isDigit(peek())) {
                    digits += peek();
                    advance();
                }
            }
        }
        (void)start;
        if (isFloat) {
            t.kind = Tok::Float;
            t.fval = std::strtod(digits.c_str(), nullptr);
            return;
        }
        t.kind = Tok::Int;
        // overflow check
        int64_t v = 0;
        for (char d : digits) {
            if (v > (INT64_MAX - (d - '0')) / 10)
                fail(t.line, t.col, "integer literal too large: " + digits);
            v = v * 10 + (d - '0');
        }
        t.ival = v;
    }

    static int64_t escapeValue(char e)
    {
        switch (e) {
        case 'n': return '\n';
        case 't': return '\t';
        case 'r': return '\r';
        case 's': return ' ';
        case 'e': return 27;
        case '0': return 0;
        case 'a': return 7;
        case 'b': return 8;
        case 'f': return 12;
        case 'v': return 11;
        case 'd': return 127;
        default: return static_cast<unsigned char>(e);
        }
    }

    // After the opening quote. Fills t.text (no interpolation) or t.parts.
    void lexQuoted(Token& t, char quote)
    {
        int line = t.line, col = t.col;
        std::string cur;
        bool interpolated = false;
        for (;;) {
            if (m_i >= m_s.size())
                fail(line, col, std::string("missing terminator: ") + quote + " (for string starting at line " + std::to_string(line) + ")");
            char c = peek();
            if (c == quote) {
                advance();
                break;
            }
            if (c == '\\') {
                advance();
                if (m_i >= m_s.size())
                    continue;
                char e = peek();
                if (e == 'u') {
                    advance();
                    int64_t cp = 0;
                    if (peek() == '{') {
                        advance();
                        while (m_i < m_s.size() && peek() != '}') {
                            cp = cp * 16 + hexVal(peek());
                            advance();
                        }
                        advance();
                    } else {
                        for (int k = 0; k < 4; ++k) {
                            cp = cp * 16 + hexVal(peek());
                            advance();
                        }
                    }
                    syntax::appendUtf8(cur, uint32_t(cp));
                    continue;
                }
                if (e == 'x' && m_i + 2 < m_s.size() && peek(1) == '{'
                    && std::isxdigit(static_cast<unsigned char>(peek(2)))) {
                    // \x{H+}: a code point (deprecated in Elixir, which still reads it)
                    advance();
                    advance();
                    int64_t cp = 0;
                    while (m_i < m_s.size() && std::isxdigit(static_cast<unsigned char>(peek())) && cp <= 0x10FFFF) {
                        cp = cp * 16 + hexVal(peek());
                        advance();
                    }
                    if (peek() != '}' || cp > 0x10FFFF)
                        fail(m_line, m_col, "invalid \\x{...} escape");
                    advance();
                    syntax::appendUtf8(cur, uint32_t(cp));
                    continue;
                }
                if (e == 'x' && m_i + 1 < m_s.size() && std::isxdigit(static_cast<unsigned char>(peek(1)))) {
                    // \xHH: one byte (\xH, one digit, is deprecated in Elixir but still a byte)
                    const int l = m_line, c = m_col;
                    advance();
                    int byte = hexVal(peek());
                    advance();
                    if (m_i < m_s.size() && std::isxdigit(static_cast<unsigned char>(peek()))) {
                        byte = byte * 16 + hexVal(peek());
                        advance();
                    }
                    // a charlist holds characters: a lone byte past ASCII is no UTF-8 (Elixir refuses it too)
                    if (quote == '\'' && byte >= 0x80)
                        fail(l, c, "incomplete encoding starting at <<" + std::to_string(byte) + ">>");
                    cur += char(byte);
                    continue;
                }
                if (e == '\n') {
                    advance();
                    continue;
                }
                advance();
                cur += char(escapeValue(e));
                continue;
            }
            if (c == '#' && peek(1) == '{') {
                interpolated = true;
                advance();
                advance();
                if (!cur.empty())
                    t.parts.push_back({ false, cur, 0, 0 });
                cur.clear();
                int cl = m_line, cc = m_col;
                size_t start = m_i;
                int depth = 0;
                for (;;) {
                    if (m_i >= m_s.size())
                        fail(cl, cc, "missing interpolation terminator: }");
                    char d = peek();
                    if (d == '"' || d == '\'') {
                        // skip a nested string
                        char q = d;
                        advance();
                        while (m_i < m_s.size() && peek() != q) {
                            if (peek() == '\\')
                                advance();
                            if (m_i < m_s.size())
                                advance();
                        }
                        if (m_i < m_s.size())
                            advance();
                        continue;
                    }
                    if (d == '{')
                        ++depth;
                    if (d == '}') {
                        if (depth == 0)
                            break;
                        --depth;
                    }
                    advance();
                }
                t.parts.push_back({ true, std::string(m_s.substr(start, m_i - start)), cl, cc });
                advance(); // }
                continue;
            }
            cur += c;
            advance();
        }
        if (interpolated) {
            if (!cur.empty())
                t.parts.push_back({ false, cur, 0, 0 });
        } else {
            t.text = cur;
        }
    }

    static int hexVal(char c)
    {
        if (isDigit(c))
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return 0;
    }

    void lexHeredoc(Token& t)
    {
        advance();
        advance();
        advance();
        while (m_i < m_s.size() && peek() != '\n')
            advance();
        if (m_i >= m_s.size())
            fail(t.line, t.col, "heredoc start must be followed by a new line");
        advance();
        // collect raw lines until a line whose trimmed content is """
        std::vector<std::string> lines;
        std::string cur;
        size_t indent = 0;
        for (;;) {
            if (m_i >= m_s.size())
                fail(t.line, t.col, "missing terminator: \"\"\" (for heredoc starting at line " + std::to_string(t.line) + ")");
            size_t ls = m_i;
            size_t k = ls;
            while (k < m_s.size() && (m_s[k] == ' ' || m_s[k] == '\t'))
                ++k;
            if (m_s.substr(k, 3) == "\"\"\"") {
                indent = k - ls;
                while (m_i < k + 3)
                    advance();
                break;
            }
            while (m_i < m_s.size() && peek() != '\n')
                advance();
            lines.emplace_back(m_s.substr(ls, m_i - ls));
            if (m_i < m_s.size())
                advance();
        }
        std::string body;
        for (auto& l : lines) {
            size_t strip = 0;
            while (strip < indent && strip < l.size() && (l[strip] == ' ' || l[strip] == '\t'))
                ++strip;
            body += l.substr(strip);
            body += '\n';
        }
        // decode escapes and interpolation by re-lexing the body as a quoted string
        std::string quoted = body;
        Lexer sub(quoted, t.line + 1, 1);
        Token q;
        q.line = t.line;
        q.col = t.col;
        sub.m_s = quoted;
        sub.lexQuotedToEnd(q);
        t.kind = Tok::String;
        t.text = q.text;
        t.parts = q.parts;
    }

    // Lexes the whole remaining text as quoted content (heredoc bodies).
    void lexQuotedToEnd(Token& t)
    {
        std::string copy(m_s);
        copy += '\x01';
        std::string_view saved = m_s;
        m_s = copy;
        lexQuoted(t, '\x01');
        m_s = saved;
    }

    std::string_view m_s;
    size_t m_i = 0;
    int m_line;
    int m_col;
};

} // namespace

std::vector<Token> tokenize(std::string_view src, int firstLine, int firstCol)
{
    Lexer lx(src, firstLine, firstCol);
    return lx.run();
}

bool isIncomplete(std::string_view src)
{
    std::vector<Token> toks;
    try {
        toks = tokenize(src);
    } catch (const SyntaxError& e) {
        std::string m = e.what();
        return m.find("missing terminator") != std::string::npos || m.find("missing interpolation") != std::string::npos;
    }
    int depth = 0;
    int blocks = 0;
    const Token* last = nullptr;
    for (const Token& t : toks) {
        switch (t.kind) {
        case Tok::LParen:
        case Tok::LBracket:
        case Tok::LBrace:
        case Tok::PercentBrace:
        case Tok::BinOpen:
            ++depth;
            break;
        case Tok::RParen:
        case Tok::RBracket:
        case Tok::RBrace:
        case Tok::BinClose:
            --depth;
            break;
        case Tok::Ident:
            if (t.text == "do" || t.text == "fn")
                ++blocks;
            else if (t.text == "end")
                --blocks;
            break;
        default:
            break;
        }
        if (t.kind != Tok::Eol && t.kind != Tok::Eof)
            last = &t;
    }
    if (depth > 0 || blocks > 0)
        return true;
    if (last && (last->kind == Tok::Op || last->kind == Tok::Comma || last->kind == Tok::Arrow) && last->text != "@")
        return true;
    return false;
}

} // namespace vigil::script

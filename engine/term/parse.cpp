#include "term/parse.h"

#include "term/syntax.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace vigil {

std::string ParseError::toString() const
{
    return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

namespace {

// Keeps each nesting level's stack frame small: only the parser of the container actually open is on the stack.
#define NOINLINE [[gnu::noinline]]

constexpr int kMaxDepth = 10000;
constexpr size_t kMaxAtomChars = 255;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool isWordChar(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'z') || isUpper(c) || c == '_' || (static_cast<unsigned char>(c) >= 0x80);
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

class Parser {
public:
    Parser(std::string_view text, const TermParseOptions& options)
        : m_text(text)
        , m_options(options)
    {
    }

    Expected<Term, ParseError> run()
    {
        Term result;
        skipSpace();
        if (parseValue(result)) {
            skipSpace();
            if (m_pos < m_text.size())
                fail(m_pos, "unexpected " + describeHere() + " after the term");
        }
        if (m_error)
            return unexpected(std::move(*m_error));
        return result;
    }

private:
    // Records the first error only; every parse function returns false once one exists.
    NOINLINE bool fail(size_t pos, std::string message)
    {
        if (m_error)
            return false;
        ParseError e;
        e.message = std::move(message);
        locate(pos, e.line, e.column);
        m_error = std::move(e);
        return false;
    }

    void locate(size_t pos, int& line, int& column) const
    {
        line = 1;
        column = 1;
        size_t i = 0;
        while (i < pos && i < m_text.size()) {
            if (m_text[i] == '\n') {
                ++line;
                column = 1;
                ++i;
                continue;
            }
            uint32_t cp = 0;
            const size_t n = syntax::decodeUtf8(m_text, i, cp);
            i += n ? n : 1;
            ++column;
        }
    }

    std::string position(size_t pos) const
    {
        int line = 0, column = 0;
        locate(pos, line, column);
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    }

    std::string describeHere() const
    {
        if (m_pos >= m_text.size())
            return "end of input";
        uint32_t cp = 0;
        const size_t n = syntax::decodeUtf8(m_text, m_pos, cp);
        if (!n)
            return "byte 0x" + std::string(1, "0123456789ABCDEF"[uint8_t(m_text[m_pos]) >> 4])
                + "0123456789ABCDEF"[uint8_t(m_text[m_pos]) & 15];
        if (cp < 0x20 || cp == 0x7F)
            return "control character " + std::to_string(cp);
        return "'" + std::string(m_text.substr(m_pos, n)) + "'";
    }

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek(size_t ahead = 0) const { return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0'; }
    bool lookingAt(std::string_view s) const { return m_text.substr(m_pos).starts_with(s); }

    void skipSpace()
    {
        while (!atEnd() && isSpace(m_text[m_pos]))
            ++m_pos;
    }

    NOINLINE bool unexpectedHere()
    {
        if (atEnd())
            return fail(m_pos, "unexpected end of input");
        return fail(m_pos, "unexpected " + describeHere());
    }

    NOINLINE bool makeAtom(size_t pos, std::string_view name, Term& out)
    {
        size_t chars = 0;
        for (size_t i = 0; i < name.size();) {
            uint32_t cp = 0;
            const size_t n = syntax::decodeUtf8(name, i, cp);
            if (!n)
                return fail(pos, "atoms must be valid UTF-8");
            i += n;
            ++chars;
        }
        if (chars > kMaxAtomChars)
            return fail(pos, "atom too long (at most 255 characters)");
        try {
            out = Term::atom(name);
        } catch (const std::exception&) {
            return fail(pos, "too many atoms");
        }
        return true;
    }

    // Any value that is not a tuple, list, map or struct; the caller has skipped spaces and checked for input.
    NOINLINE bool parseLeaf(Term& out)
    {
        const char c = m_text[m_pos];
        switch (c) {
        case '<':
            if (lookingAt("<<"))
                return parseBinary(out);
            return unexpectedHere();
        case '"':
            return parseString(out);
        case '\'':
            return parseCharlist(out);
        case ':':
            return parseColonAtom(out);
        case '#':
            return parseHash(out);
        case '?':
            return parseChar(out);
        case '-':
        case '+':
            if (isDigit(peek(1)))
                return parseNumber(out) && parseRangeRest(out);
            return unexpectedHere();
        case '.':
            if (lookingAt("..."))
                return fail(m_pos, "cannot parse a truncated term ('...')");
            return unexpectedHere();
        default:
            break;
        }
        if (isDigit(c))
            return parseNumber(out) && parseRangeRest(out);
        if (isUpper(c))
            return parseAlias(out);
        const size_t n = syntax::scanIdentifier(m_text, m_pos);
        if (n) {
            const std::string_view word = m_text.substr(m_pos, n);
            if (word == "nil" || word == "true" || word == "false") {
                out = Term::atom(word);
                m_pos += n;
                return true;
            }
            if (peek(n) == ':' && peek(n + 1) != ':')
                return fail(m_pos, "keyword pair '" + std::string(word) + ":' is only allowed inside a list or map");
            return fail(m_pos,
                "unexpected identifier '" + std::string(word) + "' (variables and function calls are not supported)");
        }
        return unexpectedHere();
    }

    // Reports a missing closing delimiter, pointing back at the opening one.
    NOINLINE bool expectClose(std::string_view close, const char* what, size_t openPos)
    {
        return fail(
            m_pos, "expected '" + std::string(close) + "' to close the " + what + " opened at " + position(openPos));
    }

    // A keyword key at the current position (`a: `, `"a b": `, `+: `); consumes it and returns true when present.
    NOINLINE bool tryKeywordKey(Term& key, bool& failed)
    {
        failed = false;
        const size_t start = m_pos;
        const char c = peek();
        if (c == '"' || c == '\'') {
            const size_t save = m_pos;
            std::string text;
            if (!scanQuoted(c, text)) {
                failed = true;
                return false;
            }
            if (peek() == ':' && peek(1) != ':') {
                ++m_pos;
                if (!makeAtom(start, text, key)) {
                    failed = true;
                    return false;
                }
                return true;
            }
            m_pos = save;
            return false;
        }
        size_t n = syntax::scanIdentifier(m_text, m_pos);
        if (!n)
            n = syntax::scanOperator(m_text, m_pos, true);
        if (n && peek(n) == ':' && peek(n + 1) != ':') {
            if (!makeAtom(start, m_text.substr(m_pos, n), key)) {
                failed = true;
                return false;
            }
            m_pos += n + 1;
            return true;
        }
        return false;
    }

    // One open tuple, list, map or struct. Containers live on an explicit stack so that nesting depth costs heap, not
    // the caller's thread stack.
    struct Frame {
        enum class Kind { Tuple, List, Map, Struct };
        // What the next value completes.
        enum class Slot { Element, KeywordValue, MapKey, MapValue, Tail };
        Kind kind;
        size_t open;
        Slot slot = Slot::Element;
        bool inKeywords = false;
        std::vector<Term> elems;
        std::vector<std::pair<Term, Term>> entries;
        Term key;
        Term tail = Term::emptyList();
    };

    static const char* closer(const Frame& f) { return f.kind == Frame::Kind::List ? "]" : "}"; }
    static const char* noun(const Frame& f)
    {
        switch (f.kind) {
        case Frame::Kind::Tuple:
            return "tuple";
        case Frame::Kind::List:
            return "list";
        case Frame::Kind::Map:
            return "map";
        case Frame::Kind::Struct:
            return "struct";
        }
        return "";
    }

    NOINLINE bool openContainer(std::vector<Frame>& stack)
    {
        if (stack.size() >= size_t(kMaxDepth))
            return fail(m_pos, "nesting too deep (more than 10000 levels)");
        Frame f;
        f.open = m_pos;
        const char c = m_text[m_pos];
        if (c == '{') {
            f.kind = Frame::Kind::Tuple;
            ++m_pos;
        } else if (c == '[') {
            f.kind = Frame::Kind::List;
            ++m_pos;
        } else {
            ++m_pos; // '%'
            f.kind = Frame::Kind::Map;
            if (isUpper(peek())) {
                Term name;
                if (!parseAlias(name))
                    return false;
                f.kind = Frame::Kind::Struct;
                f.entries.emplace_back(Term::atom(atoms::struct_), std::move(name));
            }
            if (peek() != '{')
                return fail(m_pos, "expected '{' after '%'");
            ++m_pos;
        }
        stack.push_back(std::move(f));
        return true;
    }

    static Term build(Frame& f)
    {
        switch (f.kind) {
        case Frame::Kind::Tuple:
            return Term::tuple(std::move(f.elems));
        case Frame::Kind::List:
            return Term::list(std::move(f.elems), std::move(f.tail));
        default:
            return Term::map(std::move(f.entries));
        }
    }

    // Starts the next element of the innermost container; returns with the frame's slot set, or closes it.
    // Sets closed when the container ended (value then holds it).
    NOINLINE bool startElement(std::vector<Frame>& stack, Term& value, bool& closed)
    {
        Frame& f = stack.back();
        closed = false;
        skipSpace();
        if (peek() == closer(f)[0]) {
            ++m_pos;
            value = build(f);
            stack.pop_back();
            closed = true;
            return true;
        }
        if (atEnd())
            return expectClose(closer(f), noun(f), f.open);
        const size_t elemPos = m_pos;
        if (f.kind != Frame::Kind::Tuple) {
            bool failed = false;
            if (tryKeywordKey(f.key, failed)) {
                f.slot = Frame::Slot::KeywordValue;
                return true;
            }
            if (failed)
                return false;
            if (lookingAt("..."))
                return fail(elemPos, "cannot parse a truncated term ('...')");
            if (f.kind == Frame::Kind::Struct)
                return fail(elemPos, "struct fields must be written as 'key: value'");
            if (f.inKeywords)
                return fail(elemPos,
                    f.kind == Frame::Kind::List ? "keyword pairs must come last in a list"
                                                : "keyword pairs must come last in a map");
        }
        f.slot = f.kind == Frame::Kind::Map ? Frame::Slot::MapKey : Frame::Slot::Element;
        return true;
    }

    // Hands a finished value to the innermost container. Sets needValue when the container wants another value now
    // (a map value or a list tail); otherwise looks at what follows: ',' (next element), '|' or the closer.
    NOINLINE bool deliver(std::vector<Frame>& stack, Term& value, bool& needValue, bool& closed)
    {
        Frame& f = stack.back();
        needValue = false;
        closed = false;
        switch (f.slot) {
        case Frame::Slot::Element:
            f.elems.push_back(std::move(value));
            break;
        case Frame::Slot::KeywordValue:
            if (f.kind == Frame::Kind::List)
                f.elems.push_back(Term::tuple({ std::move(f.key), std::move(value) }));
            else
                f.entries.emplace_back(std::move(f.key), std::move(value));
            f.inKeywords = true;
            break;
        case Frame::Slot::MapKey:
            skipSpace();
            if (!lookingAt("=>"))
                return atEnd() ? expectClose("}", noun(f), f.open) : fail(m_pos, "expected '=>' after the map key");
            m_pos += 2;
            f.key = std::move(value);
            f.slot = Frame::Slot::MapValue;
            needValue = true;
            return true;
        case Frame::Slot::MapValue:
            f.entries.emplace_back(std::move(f.key), std::move(value));
            break;
        case Frame::Slot::Tail:
            f.tail = std::move(value);
            skipSpace();
            if (peek() != ']')
                return expectClose("]", "list", f.open);
            ++m_pos;
            value = build(f);
            stack.pop_back();
            closed = true;
            return true;
        }
        skipSpace();
        if (peek() == ',') {
            ++m_pos;
            return true;
        }
        if (peek() == '|' && f.kind == Frame::Kind::List && !f.inKeywords) {
            ++m_pos;
            f.slot = Frame::Slot::Tail;
            needValue = true;
            return true;
        }
        if (peek() == closer(f)[0]) {
            ++m_pos;
            value = build(f);
            stack.pop_back();
            closed = true;
            return true;
        }
        return expectClose(closer(f), noun(f), f.open);
    }

    bool parseValue(Term& out)
    {
        std::vector<Frame> stack;
        Term value;
        while (true) {
            // Read one value: either a leaf, or open containers until a leaf or an empty container closes one.
            bool haveValue = false;
            while (!haveValue) {
                skipSpace();
                if (atEnd())
                    return stack.empty() ? fail(m_pos, "unexpected end of input")
                                         : expectClose(closer(stack.back()), noun(stack.back()), stack.back().open);
                const char c = m_text[m_pos];
                if (c == '{' || c == '[' || c == '%') {
                    if (!openContainer(stack))
                        return false;
                    bool closed = false;
                    if (!startElement(stack, value, closed))
                        return false;
                    haveValue = closed;
                } else {
                    if (!parseLeaf(value))
                        return false;
                    haveValue = true;
                }
            }
            // Hand values up until one container wants more.
            while (true) {
                if (stack.empty()) {
                    out = std::move(value);
                    return true;
                }
                bool needValue = false;
                bool closed = false;
                if (!deliver(stack, value, needValue, closed))
                    return false;
                if (closed)
                    continue;
                if (needValue)
                    break;
                bool closedNow = false;
                if (!startElement(stack, value, closedNow))
                    return false;
                if (!closedNow)
                    break;
            }
        }
    }

    NOINLINE bool parseBinary(Term& out)
    {
        const size_t open = m_pos;
        m_pos += 2;
        std::string bytes;
        skipSpace();
        while (!lookingAt(">>")) {
            if (atEnd())
                return expectClose(">>", "binary", open);
            const size_t elemPos = m_pos;
            if (peek() == '"') {
                if (!scanQuoted('"', bytes, true))
                    return false;
            } else if (lookingAt("...")) {
                return fail(m_pos, "cannot parse a truncated term ('...')");
            } else if (isDigit(peek())) {
                Term v;
                if (!parseNumber(v))
                    return false;
                if (!v.isInteger() || v.asInteger() < 0 || v.asInteger() > 255)
                    return fail(elemPos, "binary elements must be integers from 0 to 255 or strings");
                bytes += char(uint8_t(v.asInteger()));
            } else {
                return atEnd() ? expectClose(">>", "binary", open) : unexpectedHere();
            }
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                skipSpace();
                continue;
            }
            if (!lookingAt(">>"))
                return expectClose(">>", "binary", open);
        }
        m_pos += 2;
        out = Term::binary(bytes);
        return true;
    }

    // Reads one escape sequence after '\' and appends its bytes (UTF-8).
    bool scanEscape(std::string& out, bool bytes)
    {
        const size_t start = m_pos - 1;
        if (atEnd())
            return fail(m_pos, "unexpected end of input");
        const char c = m_text[m_pos++];
        switch (c) {
        case 'a':
            out += '\a';
            return true;
        case 'b':
            out += '\b';
            return true;
        case 'd':
            out += char(127);
            return true;
        case 'e':
            out += char(27);
            return true;
        case 'f':
            out += '\f';
            return true;
        case 'n':
            out += '\n';
            return true;
        case 'r':
            out += '\r';
            return true;
        case 's':
            out += ' ';
            return true;
        case 't':
            out += '\t';
            return true;
        case 'v':
            out += '\v';
            return true;
        case '0':
            out += '\0';
            return true;
        case '\n':
            return true; // line continuation
        case 'x':
        case 'u': {
            uint32_t value = 0;
            if (peek() == '{') {
                ++m_pos;
                int digits = 0;
                while (hexValue(peek()) >= 0 && digits < 7) {
                    value = value * 16 + uint32_t(hexValue(peek()));
                    ++m_pos;
                    ++digits;
                }
                if (digits == 0 || digits > 6 || peek() != '}')
                    return fail(start, "invalid escape sequence");
                ++m_pos;
            } else {
                const int want = c == 'x' ? 2 : 4;
                for (int i = 0; i < want; ++i) {
                    if (hexValue(peek()) < 0)
                        return fail(start, "invalid escape sequence");
                    value = value * 16 + uint32_t(hexValue(peek()));
                    ++m_pos;
                }
            }
            // \xHH is a raw byte in a binary; in atoms and charlists, and for \u or \x{...}, a code point.
            if (bytes && c == 'x' && value < 0x100 && m_text[start + 2] != '{') {
                out += char(uint8_t(value));
                return true;
            }
            if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
                return fail(start, "invalid code point in escape sequence");
            syntax::appendUtf8(out, value);
            return true;
        }
        default: {
            // Unknown escapes stand for the character itself, as in Elixir.
            --m_pos;
            uint32_t cp = 0;
            const size_t n = syntax::decodeUtf8(m_text, m_pos, cp);
            const size_t len = n ? n : 1;
            out.append(m_text.substr(m_pos, len));
            m_pos += len;
            return true;
        }
        }
    }

    // Reads a quoted literal at the current position into raw bytes.
    bool scanQuoted(char quote, std::string& out, bool bytes = false)
    {
        const size_t open = m_pos++;
        while (true) {
            if (atEnd())
                return fail(m_pos,
                    std::string("expected ") + quote + " to close the " + (quote == '"' ? "string" : "charlist")
                        + " opened at " + position(open));
            const char c = m_text[m_pos];
            if (c == quote) {
                ++m_pos;
                return true;
            }
            if (c == '\\') {
                ++m_pos;
                if (!scanEscape(out, bytes))
                    return false;
                continue;
            }
            if (c == '#' && peek(1) == '{')
                return fail(m_pos, "string interpolation is not supported here");
            out += c;
            ++m_pos;
        }
    }

    NOINLINE bool parseString(Term& out)
    {
        std::string bytes;
        if (!scanQuoted('"', bytes, true))
            return false;
        out = Term::binary(bytes);
        return true;
    }

    NOINLINE bool parseCharlist(Term& out)
    {
        std::string bytes;
        if (!scanQuoted('\'', bytes))
            return false;
        std::vector<Term> chars;
        for (size_t i = 0; i < bytes.size();) {
            uint32_t cp = 0;
            const size_t n = syntax::decodeUtf8(bytes, i, cp);
            if (!n) {
                // A raw byte from \xHH or invalid input stands for itself.
                cp = uint8_t(bytes[i]);
                i += 1;
            } else {
                i += n;
            }
            chars.push_back(Term::integer(cp));
        }
        out = Term::list(std::move(chars));
        return true;
    }

    NOINLINE bool parseColonAtom(Term& out)
    {
        const size_t start = m_pos++;
        const char c = peek();
        if (c == '"' || c == '\'') {
            std::string name;
            if (!scanQuoted(c, name))
                return false;
            return makeAtom(start, name, out);
        }
        size_t n = syntax::scanIdentifier(m_text, m_pos);
        if (!n)
            n = syntax::scanOperator(m_text, m_pos, true);
        if (!n)
            return fail(start, "expected an atom name after ':'");
        if (!makeAtom(start, m_text.substr(m_pos, n), out))
            return false;
        m_pos += n;
        return true;
    }

    NOINLINE bool parseAlias(Term& out)
    {
        const size_t start = m_pos;
        std::string name;
        while (true) {
            if (!isUpper(peek()))
                return fail(m_pos, "expected an alias segment starting with an uppercase letter");
            const size_t segStart = m_pos;
            while (!atEnd() && (isWordChar(peek()) && static_cast<unsigned char>(peek()) < 0x80))
                ++m_pos;
            if (!name.empty())
                name += '.';
            name.append(m_text.substr(segStart, m_pos - segStart));
            if (peek() == '.' && isUpper(peek(1))) {
                ++m_pos;
                continue;
            }
            break;
        }
        if (peek() == ':' && peek(1) != ':')
            return fail(start, "keyword pair '" + name + ":' is only allowed inside a list or map");
        if (peek() == '.' || peek() == '?' || peek() == '!' || static_cast<unsigned char>(peek()) >= 0x80)
            return fail(start, "invalid alias");
        if (name != "Elixir" && !name.starts_with("Elixir."))
            name = "Elixir." + name;
        return makeAtom(start, name, out);
    }

    NOINLINE bool parseChar(Term& out)
    {
        const size_t start = m_pos++;
        if (atEnd())
            return fail(m_pos, "unexpected end of input");
        if (peek() == '\\') {
            ++m_pos;
            std::string bytes;
            if (!scanEscape(bytes, false))
                return false;
            uint32_t cp = 0;
            const size_t n = bytes.empty() ? 0 : syntax::decodeUtf8(bytes, 0, cp);
            if (bytes.empty())
                return fail(start, "invalid character literal");
            out = Term::integer(n == bytes.size() ? cp : uint8_t(bytes[0]));
            return true;
        }
        uint32_t cp = 0;
        const size_t n = syntax::decodeUtf8(m_text, m_pos, cp);
        if (!n || isSpace(peek()))
            return fail(start, "invalid character literal");
        m_pos += n;
        out = Term::integer(cp);
        return true;
    }

    NOINLINE bool parseHash(Term& out)
    {
        const size_t start = m_pos;
        if (lookingAt("#PID<")) {
            m_pos += 5;
            uint64_t parts[3];
            if (!parseDottedNumbers(parts, 3, start, "pid"))
                return false;
            const std::string text = "#PID<" + std::to_string(parts[0]) + "." + std::to_string(parts[1]) + "."
                + std::to_string(parts[2]) + ">";
            if (!m_options.resolvePid)
                return fail(start, "pids cannot be entered here (" + text + ")");
            if (parts[0] != 0 || parts[2] != 0)
                return fail(start, "unknown pid " + text);
            Term pid;
            if (!m_options.resolvePid(parts[1], pid) || !pid.isPid())
                return fail(start, "unknown pid " + text);
            out = std::move(pid);
            return true;
        }
        if (lookingAt("#Reference<")) {
            m_pos += 11;
            uint64_t parts[4];
            if (!parseDottedNumbers(parts, 4, start, "reference"))
                return false;
            uint64_t id = 0;
            if (parts[0] != 0 || !syntax::decodeReference(parts[1], parts[2], parts[3], id))
                return fail(start, "unknown reference " + std::string(m_text.substr(start, m_pos - start)));
            out = Term::reference(id);
            return true;
        }
        if (lookingAt("#Function<"))
            return fail(start, "functions cannot be parsed");
        return unexpectedHere();
    }

    bool parseDottedNumbers(uint64_t* parts, int count, size_t start, const char* what)
    {
        for (int i = 0; i < count; ++i) {
            if (i) {
                if (peek() != '.')
                    return fail(m_pos, std::string("malformed ") + what);
                ++m_pos;
            }
            if (!isDigit(peek()))
                return fail(m_pos, std::string("malformed ") + what);
            uint64_t v = 0;
            while (isDigit(peek())) {
                if (v > (UINT64_MAX - 9) / 10)
                    return fail(start, std::string("malformed ") + what);
                v = v * 10 + uint64_t(peek() - '0');
                ++m_pos;
            }
            parts[i] = v;
        }
        if (peek() != '>')
            return fail(m_pos, std::string("malformed ") + what);
        ++m_pos;
        return true;
    }

    // `first..last` or `first..last//step` after an integer: a Range struct, as Elixir prints ranges.
    NOINLINE bool parseRangeRest(Term& first)
    {
        if (!lookingAt("..") || lookingAt("...") || !first.isInteger())
            return true;
        const size_t start = m_pos;
        m_pos += 2;
        Term last;
        if (!(isDigit(peek()) || ((peek() == '-' || peek() == '+') && isDigit(peek(1)))))
            return fail(m_pos, "expected an integer after '..'");
        if (!parseNumber(last))
            return false;
        if (!last.isInteger())
            return fail(start, "ranges must have integer bounds");
        Term step = Term::integer(first.asInteger() <= last.asInteger() ? 1 : -1);
        if (lookingAt("//")) {
            m_pos += 2;
            if (!(isDigit(peek()) || ((peek() == '-' || peek() == '+') && isDigit(peek(1)))))
                return fail(m_pos, "expected an integer after '//'");
            if (!parseNumber(step))
                return false;
            if (!step.isInteger() || step.asInteger() == 0)
                return fail(start, "a range step must be a non-zero integer");
        }
        first = Term::map({ { Term::atom(atoms::struct_), Term::atom("Elixir.Range") }, { Term::atom("first"), first },
            { Term::atom("last"), std::move(last) }, { Term::atom("step"), std::move(step) } });
        return true;
    }

    // Digits with single '_' separators between them; appends the digits without separators.
    bool scanDigits(std::string& digits, int base)
    {
        bool any = false;
        while (!atEnd()) {
            const char c = peek();
            const int v = hexValue(c);
            if (v >= 0 && v < base && !(base == 10 && !isDigit(c))) {
                digits += c;
                any = true;
                ++m_pos;
            } else if (c == '_' && any && hexValue(peek(1)) >= 0 && hexValue(peek(1)) < base
                && !(base == 10 && !isDigit(peek(1)))) {
                ++m_pos;
            } else {
                break;
            }
        }
        return any;
    }

    NOINLINE bool parseNumber(Term& out)
    {
        const size_t start = m_pos;
        bool negative = false;
        if (peek() == '-' || peek() == '+') {
            negative = peek() == '-';
            ++m_pos;
        }
        int base = 10;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'o' || peek(1) == 'b')) {
            base = peek(1) == 'x' ? 16 : peek(1) == 'o' ? 8 : 2;
            m_pos += 2;
        }
        std::string digits;
        if (!scanDigits(digits, base))
            return fail(start, "invalid number");
        bool isFloat = false;
        if (base == 10 && peek() == '.' && isDigit(peek(1))) {
            isFloat = true;
            digits += '.';
            ++m_pos;
            scanDigits(digits, 10);
            if (peek() == 'e' || peek() == 'E') {
                digits += 'e';
                ++m_pos;
                if (peek() == '-' || peek() == '+')
                    digits += m_text[m_pos++];
                if (!scanDigits(digits, 10))
                    return fail(start, "invalid number");
            }
        }
        if (!atEnd() && (isWordChar(peek()) || (peek() == '.' && isDigit(peek(1)))))
            return fail(start, "invalid number");
        if (isFloat) {
            double d = 0;
            auto r = std::from_chars(digits.data(), digits.data() + digits.size(), d);
            if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || !std::isfinite(d))
                return fail(start, "invalid number");
            out = Term::floating(negative ? -d : d);
            return true;
        }
        // Accumulate as a negative magnitude so that INT64_MIN fits.
        int64_t v = 0;
        for (char c : digits) {
            const int d = hexValue(c);
            if (v < (INT64_MIN + d) / base)
                return fail(start, "integer out of range (integers are limited to 64 bits)");
            v = v * base - d;
        }
        if (!negative) {
            if (v == INT64_MIN)
                return fail(start, "integer out of range (integers are limited to 64 bits)");
            v = -v;
        }
        out = Term::integer(v);
        return true;
    }

    std::string_view m_text;
    const TermParseOptions& m_options;
    size_t m_pos = 0;
    std::optional<ParseError> m_error;
};

} // namespace

Expected<Term, ParseError> parseTerm(std::string_view text, const TermParseOptions& options)
{
    return Parser(text, options).run();
}

} // namespace vigil

#include "term/print.h"

#include "term/syntax.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace vigil {

namespace {

constexpr size_t kInfinity = InspectOptions::infinity;

// Keeps the frames of the recursive container printers small; leaf formatting stays out of them.
#define NOINLINE [[gnu::noinline]]

size_t decrement(size_t limit) { return limit == kInfinity ? limit : limit - 1; }

NOINLINE void appendUnsigned(std::string& out, uint64_t v)
{
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

NOINLINE void appendSigned(std::string& out, int64_t v)
{
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Keyword syntax (`a: 1`) is used only for atom keys that are not aliases, as Elixir 1.14 decides.
bool isKeywordKey(const Term& key) { return key.isAtom() && !key.asAtom().name().starts_with("Elixir."); }

NOINLINE void appendKey(std::string& out, Atom a)
{
    const std::string_view name = a.name();
    if (name != "Elixir" && (syntax::isIdentifier(name) || syntax::isUnquotedOperator(name))) {
        out += name;
    } else {
        out += '"';
        syntax::appendEscaped(out, name, '"');
        out += '"';
    }
    out += ": ";
}

NOINLINE void appendAtom(std::string& out, Atom a)
{
    const std::string_view name = a.name();
    if (name == "nil" || name == "true" || name == "false" || name == "Elixir") {
        out += name;
    } else if (syntax::isAliasAtom(name)) {
        out += name.substr(7);
    } else if (syntax::isIdentifier(name) || syntax::isUnquotedOperator(name)) {
        out += ':';
        out += name;
    } else {
        out += ":\"";
        syntax::appendEscaped(out, name, '"');
        out += '"';
    }
}

// Erlang io_lib_format:fwrite_g/1 given the shortest digits and the decimal point position (value = 0.digits *
// 10^place).
void appendShortestFloat(std::string& out, std::string_view digits, int place, double absValue)
{
    const int len = int(digits.size());
    auto appendExp = [&] {
        out += digits[0];
        out += '.';
        if (len == 1)
            out += '0';
        else
            out.append(digits.substr(1));
        out += 'e';
        appendSigned(out, place - 1);
    };
    if (place < 0 || place >= len) {
        char expBuf[8];
        const int expLen = int(std::to_chars(expBuf, expBuf + sizeof expBuf, place - 1).ptr - expBuf);
        const int expCost = expLen + 1 + (len == 1 ? 2 : 1);
        if (place < 0) {
            if (2 - place <= expCost) {
                out += "0.";
                out.append(size_t(-place), '0');
                out.append(digits);
            } else {
                appendExp();
            }
        } else if (place - len + 2 <= expCost && absValue < 9007199254740992.0) {
            // Past 2^53 the fixed form could suggest precision the float does not have.
            out.append(digits);
            out.append(size_t(place - len), '0');
            out += ".0";
        } else {
            appendExp();
        }
        return;
    }
    if (place == 0) {
        out += "0.";
        out.append(digits);
        return;
    }
    out.append(digits.substr(0, size_t(place)));
    out += '.';
    out.append(digits.substr(size_t(place)));
}

NOINLINE void appendFloat(std::string& out, double d)
{
    if (std::isnan(d)) {
        out += "nan";
        return;
    }
    if (std::isinf(d)) {
        out += d < 0 ? "-inf" : "inf";
        return;
    }
    const double a = std::fabs(d);
    // Elixir's Inspect.Float prints whole numbers below 1.0e16 in full before falling back to Erlang's rules.
    if (a >= 1.0 && a < 1.0e16 && std::trunc(d) == d) {
        appendSigned(out, int64_t(d));
        out += ".0";
        return;
    }
    if (std::signbit(d))
        out += '-';
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, a, std::chars_format::scientific);
    const std::string_view sci(buf, size_t(r.ptr - buf));
    const size_t e = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e))
        if (c != '.')
            digits += c;
    const int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
    appendShortestFloat(out, digits, exp10 + 1, a);
}

class Printer {
public:
    Printer(std::string& out, const InspectOptions& options)
        : m_out(out)
        , m_options(options)
        , m_start(out.size())
    {
        // Bytes are an upper bound on characters; the exact cut happens in finish().
        if (options.limitChars)
            m_byteBudget = options.limitChars * 4 + 4;
    }

    void term(const Term& t, size_t limit)
    {
        if (full())
            return;
        switch (t.type()) {
        case Term::Type::Integer:
            appendSigned(m_out, t.asInteger());
            return;
        case Term::Type::Float:
            appendFloat(m_out, t.asFloat());
            return;
        case Term::Type::Atom:
            appendAtom(m_out, t.asAtom());
            return;
        case Term::Type::Reference:
            reference(t.asReference());
            return;
        case Term::Type::Fun:
            fun(t);
            return;
        case Term::Type::Pid:
            m_out += "#PID<0.";
            appendUnsigned(m_out, t.pidSerial());
            m_out += ".0>";
            return;
        case Term::Type::Tuple:
            tuple(t, limit);
            return;
        case Term::Type::Map:
            map(t, limit);
            return;
        case Term::Type::Nil:
            m_out += "[]";
            return;
        case Term::Type::Cons:
            list(t, limit);
            return;
        case Term::Type::Binary:
            binary(t.asBinary(), limit);
            return;
        }
    }

    void finish()
    {
        const size_t max = m_options.limitChars;
        if (!max || m_out.size() - m_start <= max)
            return;
        size_t pos = m_start;
        size_t chars = 0;
        while (pos < m_out.size() && chars < max) {
            uint32_t cp = 0;
            const size_t n = syntax::decodeUtf8(m_out, pos, cp);
            pos += n ? n : 1;
            ++chars;
        }
        if (pos >= m_out.size())
            return;
        m_out.resize(pos);
        m_out += "...";
    }

private:
    NOINLINE void reference(uint64_t id)
    {
        uint32_t a = 0, b = 0, c = 0;
        syntax::encodeReference(id, a, b, c);
        m_out += "#Reference<0.";
        appendUnsigned(m_out, a);
        m_out += '.';
        appendUnsigned(m_out, b);
        m_out += '.';
        appendUnsigned(m_out, c);
        m_out += '>';
    }

    NOINLINE void fun(const Term& t)
    {
        m_out += "#Function<";
        m_out += t.asFun()->describe();
        m_out += '>';
    }

    bool full() const { return m_byteBudget && m_out.size() - m_start > m_byteBudget; }

    NOINLINE void tuple(const Term& t, size_t limit)
    {
        m_out += '{';
        const size_t n = t.tupleSize();
        for (size_t i = 0; i < n && !full(); ++i) {
            if (i)
                m_out += ", ";
            if (limit == 0) {
                m_out += "...";
                break;
            }
            limit = decrement(limit);
            term(t.element(i), limit);
        }
        m_out += '}';
    }

    NOINLINE bool isKeywordList(const Term& t) const
    {
        for (const Term* cur = &t; cur->isCons(); cur = &cur->tail()) {
            const Term& h = cur->head();
            if (!h.isTuple(2) || !isKeywordKey(h.element(0)))
                return false;
            if (!cur->tail().isList())
                return false;
        }
        return true;
    }

    // Elixir's List.ascii_printable?/2: only the first printableLimit elements are looked at.
    NOINLINE bool isPrintableCharlist(const Term& t) const
    {
        size_t budget = m_options.printableLimit;
        const Term* cur = &t;
        for (; cur->isCons(); cur = &cur->tail()) {
            if (budget == 0)
                return true;
            const Term& h = cur->head();
            if (!h.isInteger() || !syntax::isAsciiPrintable(h.asInteger()))
                return false;
            budget = decrement(budget);
        }
        return cur->isEmptyList();
    }

    NOINLINE void charlist(const Term& t)
    {
        size_t budget = m_options.printableLimit;
        m_out += '\'';
        const Term* cur = &t;
        for (; cur->isCons() && budget != 0 && !full(); cur = &cur->tail()) {
            const Term& next = cur->tail();
            const bool nextIsBrace = next.isCons() && next.head().isInteger() && next.head().asInteger() == '{';
            syntax::appendEscapedCodePoint(m_out, uint32_t(cur->head().asInteger()), '\'', nextIsBrace);
            budget = decrement(budget);
        }
        m_out += '\'';
        if (cur->isCons())
            m_out += " ++ ...";
    }

    NOINLINE void list(const Term& t, size_t limit)
    {
        if (m_options.charlists && isPrintableCharlist(t)) {
            charlist(t);
            return;
        }
        const bool keywords = isKeywordList(t);
        m_out += '[';
        const Term* cur = &t;
        bool first = true;
        for (; cur->isCons() && !full(); cur = &cur->tail()) {
            if (!first)
                m_out += ", ";
            first = false;
            if (limit == 0) {
                m_out += "...";
                break;
            }
            limit = decrement(limit);
            const Term& h = cur->head();
            if (keywords) {
                appendKey(m_out, h.element(0).asAtom());
                term(h.element(1), limit);
            } else {
                term(h, limit);
            }
        }
        if (!cur->isList()) {
            m_out += " | ";
            term(*cur, limit);
        }
        m_out += ']';
    }

    NOINLINE void map(const Term& t, size_t limit)
    {
        const size_t n = t.mapSize();
        const auto* entries = t.mapBegin();
        bool allAtoms = true;
        for (size_t i = 0; i < n && allAtoms; ++i)
            allAtoms = isKeywordKey(entries[i].first);
        const Term* structName = nullptr;
        bool exception = false;
        if (allAtoms) {
            const Term* s = t.mapGet(Term::atom(atoms::struct_));
            if (s && s->isAtom() && syntax::isAliasAtom(s->asAtom().name()))
                structName = s;
            // a defined struct whose keys are not its fields prints as a map (Inspect.Any)
            if (structName && structFieldsOf(structName->asAtom()) && !structPrintOrder(t, structName->asAtom()))
                structName = nullptr;
            const Term* e = t.mapGet(Term::atom(atoms::exception_));
            exception = structName && e && e->isAtom(atoms::true_);
        }
        if (structName && structName->asAtom().name() == "Elixir.Range" && range(t, limit))
            return;
        if (structName) {
            m_out += '%';
            appendAtom(m_out, structName->asAtom());
            m_out += '{';
        } else {
            m_out += "%{";
        }
        bool first = true;
        // Separator and the element limit before each entry; false once the limit cut the rest off.
        auto nextEntry = [&] {
            if (!first)
                m_out += ", ";
            first = false;
            if (limit == 0) {
                m_out += "...";
                return false;
            }
            limit = decrement(limit);
            return true;
        };
        if (const std::vector<Atom>* order = structName ? structPrintOrder(t, structName->asAtom()) : nullptr) {
            for (Atom f : *order) {
                if (full() || !nextEntry())
                    break;
                appendKey(m_out, f);
                term(*t.mapGet(Term::atom(f)), limit);
            }
            m_out += '}';
            return;
        }
        for (size_t i = 0; i < n && !full(); ++i) {
            const Term& key = entries[i].first;
            if (structName && (key.isAtom(atoms::struct_) || (exception && key.isAtom(atoms::exception_))))
                continue;
            if (!nextEntry())
                break;
            if (allAtoms) {
                appendKey(m_out, key.asAtom());
            } else {
                term(key, limit);
                m_out += " => ";
            }
            term(entries[i].second, limit);
        }
        m_out += '}';
    }

    // Elixir prints Range structs as `1..3` or `1..10//2`.
    NOINLINE bool range(const Term& t, size_t limit)
    {
        const Term* first = t.mapGet(Term::atom("first"));
        const Term* last = t.mapGet(Term::atom("last"));
        const Term* step = t.mapGet(Term::atom("step"));
        if (!first || !last || !step)
            return false;
        term(*first, limit);
        m_out += "..";
        term(*last, limit);
        const bool plain = step->isInteger() && step->asInteger() == 1 && first->isInteger() && last->isInteger()
            && last->asInteger() >= first->asInteger();
        if (!plain) {
            m_out += "//";
            term(*step, limit);
        }
        return true;
    }

    NOINLINE bool isPrintableString(std::string_view s) const
    {
        size_t budget = m_options.printableLimit;
        size_t i = 0;
        while (i < s.size()) {
            if (budget == 0)
                return true;
            uint32_t cp = 0;
            const size_t n = syntax::decodeUtf8(s, i, cp);
            if (!n || !syntax::isPrintableCodePoint(cp))
                return false;
            i += n;
            budget = decrement(budget);
        }
        return true;
    }

    NOINLINE void binary(std::string_view s, size_t limit)
    {
        if (isPrintableString(s)) {
            size_t budget = m_options.printableLimit;
            size_t end = 0;
            while (end < s.size() && budget != 0) {
                uint32_t cp = 0;
                end += syntax::decodeUtf8(s, end, cp);
                budget = decrement(budget);
            }
            if (m_byteBudget && end > m_byteBudget)
                end = m_byteBudget;
            m_out += '"';
            syntax::appendEscaped(m_out, s.substr(0, end), '"');
            m_out += '"';
            if (end < s.size())
                m_out += " <> ...";
            return;
        }
        m_out += "<<";
        for (size_t i = 0; i < s.size() && !full(); ++i) {
            if (i)
                m_out += ", ";
            if (limit == 0) {
                m_out += "...";
                break;
            }
            limit = decrement(limit);
            appendUnsigned(m_out, uint8_t(s[i]));
        }
        m_out += ">>";
    }

    std::string& m_out;
    const InspectOptions& m_options;
    size_t m_start;
    size_t m_byteBudget = 0;
};

} // namespace

void inspectTo(std::string& out, const Term& t, const InspectOptions& options)
{
    Printer printer(out, options);
    printer.term(t, options.limit);
    printer.finish();
}

std::string inspect(const Term& t, const InspectOptions& options)
{
    std::string out;
    inspectTo(out, t, options);
    return out;
}

std::string inspectAtom(Atom a)
{
    std::string out;
    appendAtom(out, a);
    return out;
}

std::string formatFloat(double d)
{
    std::string out;
    appendFloat(out, d);
    return out;
}

std::string Term::inspect() const { return vigil::inspect(*this); }

namespace {
std::atomic<StructFieldsLookup> g_structFieldsLookup { nullptr };
}

void setStructFieldsLookup(StructFieldsLookup lookup) { g_structFieldsLookup.store(lookup); }

const std::vector<Atom>* structFieldsOf(Atom module)
{
    StructFieldsLookup f = g_structFieldsLookup.load();
    return f ? f(module) : nullptr;
}

const std::vector<Atom>* structPrintOrder(const Term& map, Atom module)
{
    const std::vector<Atom>* fields = structFieldsOf(module);
    if (!fields || map.mapSize() != fields->size() + 1)
        return nullptr;
    for (Atom f : *fields)
        if (!map.mapGet(Term::atom(f)))
            return nullptr;
    return fields;
}

} // namespace vigil

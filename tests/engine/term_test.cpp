#include "term/parse.h"
#include "term/print.h"
#include "term/term.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

using namespace vigil;

namespace vigil {
// Lets GoogleTest show terms in Elixir syntax.
inline void PrintTo(const Term& t, std::ostream* os) { *os << inspect(t); }
} // namespace vigil

namespace {

Term intT(int64_t v) { return Term::integer(v); }
Term atomT(std::string_view name) { return Term::atom(name); }

struct TestFun : FunObject {
    explicit TestFun(uint64_t id)
        : m_id(id)
    {
    }
    int arity() const override { return 0; }
    std::string describe() const override { return "0." + std::to_string(m_id) + "/0 in Test.fun/0"; }
    uint64_t identity() const override { return m_id; }
    uint64_t m_id;
};

// Builds random terms that inspect/1 can print and parseTerm can read back (no functions, no exceptions).
class TermGenerator {
public:
    explicit TermGenerator(uint64_t seed)
        : m_rng(seed)
    {
        for (uint64_t serial : { 0u, 1u, 85u, 4096u, 123456u }) {
            auto* obj = new PidObject(serial);
            m_pids[serial] = Term::pid(obj, true);
        }
    }

    bool resolve(uint64_t serial, Term& out) const
    {
        auto it = m_pids.find(serial);
        if (it == m_pids.end())
            return false;
        out = it->second;
        return true;
    }

    Term term(int depth)
    {
        const int kind = int(pick(depth > 0 ? 14 : 8));
        switch (kind) {
        case 0:
            return integer();
        case 1:
            return floating();
        case 2:
            return Term::atom(atomName());
        case 3:
            return Term::binary(binary());
        case 4:
            return Term::reference(m_rng());
        case 5: {
            auto it = m_pids.begin();
            std::advance(it, pick(m_pids.size()));
            return it->second;
        }
        case 6:
            return Term::emptyList();
        case 7:
            return charlist();
        case 8:
        case 9: {
            std::vector<Term> elems;
            const size_t n = pick(6);
            for (size_t i = 0; i < n; ++i)
                elems.push_back(term(depth - 1));
            if (kind == 9)
                return Term::tuple(std::move(elems));
            Term tail = pick(5) == 0 ? term(depth - 1) : Term::emptyList();
            return Term::list(std::move(elems), std::move(tail));
        }
        case 10: {
            std::vector<Term> pairs;
            const size_t n = 1 + pick(4);
            for (size_t i = 0; i < n; ++i)
                pairs.push_back(Term::tuple({ Term::atom(atomName()), term(depth - 1) }));
            return Term::list(std::move(pairs));
        }
        case 11:
        case 12: {
            std::vector<std::pair<Term, Term>> entries;
            const size_t n = pick(5);
            for (size_t i = 0; i < n; ++i) {
                Term key = kind == 11 ? Term::atom(atomName()) : term(depth - 1);
                entries.emplace_back(std::move(key), term(depth - 1));
            }
            return Term::map(std::move(entries));
        }
        default: {
            std::vector<std::pair<Term, Term>> entries;
            if (pick(4) == 0) {
                const int64_t step = int64_t(pick(5)) - 2;
                entries.emplace_back(Term::atom(atoms::struct_), Term::atom("Elixir.Range"));
                entries.emplace_back(Term::atom("first"), integer());
                entries.emplace_back(Term::atom("last"), integer());
                entries.emplace_back(Term::atom("step"), intT(step ? step : 1));
                return Term::map(std::move(entries));
            }
            entries.emplace_back(Term::atom(atoms::struct_), Term::atom(pick(2) ? "Elixir.Foo" : "Elixir.Foo.Bar"));
            const size_t n = pick(3);
            for (size_t i = 0; i < n; ++i)
                entries.emplace_back(Term::atom(atomName()), term(depth - 1));
            return Term::map(std::move(entries));
        }
        }
    }

private:
    uint64_t pick(uint64_t n) { return m_rng() % n; }

    Term integer()
    {
        switch (pick(4)) {
        case 0:
            return intT(int64_t(pick(200)) - 100);
        case 1:
            return intT(pick(2) ? INT64_MIN : INT64_MAX);
        default:
            return intT(int64_t(m_rng()) >> pick(64));
        }
    }

    Term floating()
    {
        if (pick(3) == 0) {
            static const double nice[] = { 0.0, -0.0, 1.0, 0.1, 1.0e15, 1.0e16, 1.0e-5, 1.0e20, 123.456, 5.0e-324,
                1.7976931348623157e308, 9007199254740992.0, 9007199254740993.0 };
            return Term::floating(nice[pick(std::size(nice))] * (pick(2) ? 1 : -1));
        }
        while (true) {
            const uint64_t bits = m_rng();
            double d = 0;
            std::memcpy(&d, &bits, sizeof d);
            if (std::isfinite(d))
                return Term::floating(d);
        }
    }

    uint32_t codePoint()
    {
        switch (pick(6)) {
        case 0:
            return uint32_t(pick(0x80));
        case 1:
            return uint32_t(0x80 + pick(0x780));
        case 2: {
            uint32_t cp = uint32_t(0x800 + pick(0x10000 - 0x800));
            return (cp >= 0xD800 && cp <= 0xDFFF) ? 'x' : cp;
        }
        case 3:
            return uint32_t(0x10000 + pick(0x100000));
        default:
            return uint32_t(0x20 + pick(0x5F));
        }
    }

    std::string atomName()
    {
        static const char* const pool[] = { "ok", "error", "nil", "true", "false", "foo?", "a@b", "+", "|>", "%{}",
            "...", "Elixir", "Elixir.Foo", "Elixir.Foo.bar", "Foo", "foo bar", "", "9x", "\\\\", "::", "^^^", "#{x}",
            "@foo", "h\xC3\xA9llo", "\xE6\x97\xA5", "a\"b", "__struct__" };
        if (pick(3)) {
            std::string_view name = pool[pick(std::size(pool))];
            if (name == "__struct__")
                name = "message";
            return std::string(name);
        }
        std::string s;
        const size_t n = pick(8);
        for (size_t i = 0; i < n; ++i)
            appendCodePoint(s, codePoint());
        return s;
    }

    static void appendCodePoint(std::string& out, uint32_t cp)
    {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }

    std::string binary()
    {
        std::string s;
        const size_t n = pick(12);
        if (pick(2)) {
            for (size_t i = 0; i < n; ++i)
                s += char(m_rng());
        } else {
            for (size_t i = 0; i < n; ++i)
                appendCodePoint(s, codePoint());
        }
        return s;
    }

    Term charlist()
    {
        std::vector<Term> chars;
        const size_t n = 1 + pick(8);
        for (size_t i = 0; i < n; ++i)
            chars.push_back(intT(pick(4) ? int64_t(0x20 + pick(0x5F)) : int64_t(pick(0x110000))));
        return Term::list(std::move(chars));
    }

    std::mt19937_64 m_rng;
    std::map<uint64_t, Term> m_pids;
};

} // namespace

TEST(TermOrder, TypesCompareInErlangOrder)
{
    auto* pidObj = new PidObject(7);
    const Term ordered[]
        = { intT(1), atomT("a"), Term::reference(1), Term::fun(new TestFun(1)), Term::pid(pidObj, true),
              Term::tuple({ intT(1) }), Term::map({}), Term::emptyList(), Term::list({ intT(1) }), Term::binary("") };
    for (size_t i = 0; i < std::size(ordered); ++i)
        for (size_t j = 0; j < std::size(ordered); ++j) {
            const int expected = i < j ? -1 : (i > j ? 1 : 0);
            EXPECT_EQ(compareTerms(ordered[i], ordered[j]), expected) << i << " vs " << j;
        }
}

TEST(TermOrder, NumbersAndValues)
{
    EXPECT_EQ(compareTerms(intT(1), Term::floating(1.0)), 0);
    EXPECT_TRUE(looseEquals(intT(1), Term::floating(1.0)));
    EXPECT_FALSE(intT(1) == Term::floating(1.0));
    EXPECT_EQ(compareTermsExact(intT(1), Term::floating(1.0)), -1);
    EXPECT_EQ(compareTermsExact(Term::floating(1.0), intT(1)), 1);
    EXPECT_EQ(compareTerms(intT(1), Term::floating(1.5)), -1);
    EXPECT_EQ(compareTerms(intT(2), Term::floating(1.5)), 1);
    EXPECT_EQ(compareTerms(intT(-2), Term::floating(-1.5)), -1);
    EXPECT_EQ(compareTerms(Term::floating(-1.5), intT(-1)), -1);
    // Integers beyond 2^53 must not be rounded when compared with floats.
    EXPECT_EQ(compareTerms(intT(9007199254740993), Term::floating(9007199254740992.0)), 1);
    EXPECT_EQ(compareTerms(intT(INT64_MAX), Term::floating(9223372036854775808.0)), -1);
    EXPECT_EQ(compareTerms(intT(INT64_MIN), Term::floating(-9223372036854775808.0)), 0);
    EXPECT_EQ(compareTerms(intT(INT64_MIN), Term::floating(-1e300)), 1);
    EXPECT_EQ(compareTerms(atomT("abc"), atomT("abd")), -1);
    EXPECT_EQ(compareTerms(atomT("b"), atomT("abc")), 1);
    EXPECT_EQ(compareTerms(Term::tuple({ intT(9) }), Term::tuple({ intT(1), intT(1) })), -1);
    EXPECT_EQ(compareTerms(Term::list({ intT(1), intT(2) }), Term::list({ intT(1), intT(3) })), -1);
    EXPECT_EQ(compareTerms(Term::list({ intT(1) }), Term::list({ intT(1), intT(0) })), -1);
    EXPECT_EQ(compareTerms(Term::cons(intT(1), intT(2)), Term::list({ intT(1) })), -1);
    EXPECT_EQ(compareTerms(Term::binary("ab"), Term::binary("abc")), -1);
    EXPECT_EQ(compareTerms(Term::binary("\xFF"), Term::binary("a")), 1);
    // Maps: by size first, then keys, then values.
    const Term small = Term::map({ { atomT("z"), intT(1) } });
    const Term big = Term::map({ { atomT("a"), intT(1) }, { atomT("b"), intT(1) } });
    EXPECT_EQ(compareTerms(small, big), -1);
    EXPECT_EQ(compareTerms(Term::map({ { atomT("a"), intT(2) } }), Term::map({ { atomT("b"), intT(1) } })), -1);
    EXPECT_EQ(compareTerms(Term::map({ { atomT("a"), intT(2) } }), Term::map({ { atomT("a"), intT(1) } })), 1);
    EXPECT_FALSE(Term::map({ { intT(1), atomT("a") } }) == Term::map({ { Term::floating(1.0), atomT("a") } }));
}

TEST(TermOrder, MapKeysAreSortedAndUnique)
{
    const Term m
        = Term::map({ { Term::binary("b"), intT(1) }, { atomT("a"), intT(2) }, { Term::floating(1.0), intT(3) },
            { intT(1), intT(4) }, { atomT("a"), intT(5) }, { Term::tuple({}), intT(6) } });
    ASSERT_EQ(m.mapSize(), 5u);
    EXPECT_EQ(m.mapBegin()[0].first, intT(1));
    EXPECT_EQ(m.mapBegin()[1].first, Term::floating(1.0));
    EXPECT_EQ(m.mapBegin()[2].first, atomT("a"));
    EXPECT_EQ(m.mapBegin()[2].second, intT(5)); // the later duplicate wins
    EXPECT_EQ(m.mapBegin()[3].first, Term::tuple({}));
    EXPECT_EQ(m.mapBegin()[4].first, Term::binary("b"));
    ASSERT_NE(m.mapGet(intT(1)), nullptr);
    EXPECT_EQ(*m.mapGet(intT(1)), intT(4));
    EXPECT_EQ(*m.mapGet(Term::floating(1.0)), intT(3));
    EXPECT_EQ(m.mapGet(atomT("missing")), nullptr);
    const Term put = m.mapPut(atomT("b"), intT(7)).mapPut(intT(1), intT(8)).mapPut(Term::binary("z"), intT(9));
    EXPECT_EQ(put.inspect(), R"(%{1 => 8, 1.0 => 3, :a => 5, :b => 7, {} => 6, "b" => 1, "z" => 9})");
    EXPECT_EQ(m.inspect(), R"(%{1 => 4, 1.0 => 3, :a => 5, {} => 6, "b" => 1})");
    EXPECT_EQ(m.mapRemove(atomT("a")).inspect(), R"(%{1 => 4, 1.0 => 3, {} => 6, "b" => 1})");
}

TEST(TermBasics, EqualityAndHash)
{
    const Term defaultNil;
    EXPECT_EQ(defaultNil, Term::nil());
    EXPECT_EQ(hashTerm(defaultNil), hashTerm(Term::nil()));
    EXPECT_EQ(Term::floating(0.0), Term::floating(-0.0));
    EXPECT_EQ(hashTerm(Term::floating(0.0)), hashTerm(Term::floating(-0.0)));
    const Term a = Term::tuple({ atomT("ok"), Term::list({ intT(1), Term::binary("x") }) });
    const Term b = Term::tuple({ atomT("ok"), Term::list({ intT(1), Term::binary("x") }) });
    EXPECT_EQ(a, b);
    EXPECT_EQ(hashTerm(a), hashTerm(b));
    EXPECT_NE(a, Term::tuple({ atomT("ok"), Term::list({ intT(1), Term::binary("y") }) }));
    EXPECT_NE(Term::makeRef(), Term::makeRef());
    std::vector<Term> v;
    EXPECT_TRUE(Term::list({ intT(1), intT(2) }).toVector(v));
    EXPECT_EQ(v.size(), 2u);
    EXPECT_FALSE(Term::cons(intT(1), intT(2)).toVector(v));
    EXPECT_EQ(Term::list({ intT(1), intT(2) }).listLength(), 2u);
}

TEST(TermBasics, MovedFromAndCopies)
{
    Term a = Term::binary("shared");
    Term b = a;
    Term c = std::move(a);
    EXPECT_EQ(b, c);
    a = b;
    EXPECT_EQ(a, c);
    a = std::move(a);
    b = Term::integer(3);
    EXPECT_EQ(c.asBinary(), "shared");
}

TEST(TermBasics, LongListsAndDeepTermsAreDestroyedWithoutRecursion)
{
    {
        Term list = Term::emptyList();
        for (int i = 0; i < 1000000; ++i)
            list = Term::cons(intT(i), std::move(list));
        EXPECT_EQ(list.listLength(), 1000000u);
        Term copy = list; // shared tail: destroying one owner must leave the other intact
        list = Term::emptyList();
        EXPECT_EQ(copy.listLength(), 1000000u);
        EXPECT_EQ(compareTerms(copy, copy), 0);
        EXPECT_NE(hashTerm(copy), 0u);
    }
    std::vector<Term> elems(1000000, Term::binary("x"));
    Term big = Term::list(std::move(elems));
    EXPECT_TRUE(big.isProperList());
    big = Term();
    EXPECT_TRUE(big.isNilAtom());
}

TEST(TermRoundTrip, InspectThenParseGivesTheSameTerm)
{
    TermGenerator gen(20261122);
    TermParseOptions parseOptions;
    parseOptions.resolvePid = [&](uint64_t serial, Term& out) { return gen.resolve(serial, out); };
    InspectOptions full;
    full.limit = InspectOptions::infinity;
    full.printableLimit = InspectOptions::infinity;
    for (int i = 0; i < 5000; ++i) {
        const Term t = gen.term(4);
        const std::string text = inspect(t, full);
        auto parsed = parseTerm(text, parseOptions);
        ASSERT_TRUE(parsed.hasValue()) << text << "\n" << parsed.error().toString();
        ASSERT_EQ(*parsed, t) << text << "\nreprinted: " << inspect(*parsed, full);
        ASSERT_EQ(inspect(*parsed, full), text);
    }
}

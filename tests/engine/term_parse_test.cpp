#include "term/parse.h"
#include "term/print.h"

#include <gtest/gtest.h>

#include <random>

using namespace vigil;

namespace vigil {
// Lets GoogleTest show terms in Elixir syntax.
inline void PrintTo(const Term& t, std::ostream* os) { *os << inspect(t); }
} // namespace vigil

namespace {

Term parseOk(std::string_view text, const TermParseOptions& options = {})
{
    auto r = parseTerm(text, options);
    EXPECT_TRUE(r.hasValue()) << text << ": " << (r.hasValue() ? "" : r.error().toString());
    return r.hasValue() ? *r : Term::atom("parse_failed");
}

ParseError parseErr(std::string_view text, const TermParseOptions& options = {})
{
    auto r = parseTerm(text, options);
    EXPECT_FALSE(r.hasValue()) << text << " parsed as " << (r.hasValue() ? r->inspect() : "");
    return r.hasValue() ? ParseError {} : r.error();
}

Term intT(int64_t v) { return Term::integer(v); }
Term atomT(std::string_view name) { return Term::atom(name); }

} // namespace

TEST(TermParse, Numbers)
{
    EXPECT_EQ(parseOk("42"), intT(42));
    EXPECT_EQ(parseOk("-42"), intT(-42));
    EXPECT_EQ(parseOk("+7"), intT(7));
    EXPECT_EQ(parseOk("1_000_000"), intT(1000000));
    EXPECT_EQ(parseOk("0x1F"), intT(31));
    EXPECT_EQ(parseOk("0xff_ff"), intT(65535));
    EXPECT_EQ(parseOk("0b101"), intT(5));
    EXPECT_EQ(parseOk("0o17"), intT(15));
    EXPECT_EQ(parseOk("-0x10"), intT(-16));
    EXPECT_EQ(parseOk("9223372036854775807"), intT(INT64_MAX));
    EXPECT_EQ(parseOk("-9223372036854775808"), intT(INT64_MIN));
    EXPECT_EQ(parseOk("?a"), intT('a'));
    EXPECT_EQ(parseOk("?\\n"), intT('\n'));
    EXPECT_EQ(parseOk("?\xC3\xA9"), intT(0xE9));
    EXPECT_EQ(parseOk("1.5"), Term::floating(1.5));
    EXPECT_EQ(parseOk("-0.0").inspect(), "-0.0");
    EXPECT_EQ(parseOk("1.0e20"), Term::floating(1.0e20));
    EXPECT_EQ(parseOk("1.0E-5"), Term::floating(1.0e-5));
    EXPECT_EQ(parseOk("1_000.5"), Term::floating(1000.5));
    EXPECT_TRUE(parseOk("1.0").isFloat());
    EXPECT_TRUE(parseOk("1").isInteger());
}

TEST(TermParse, NumberErrors)
{
    for (const char* bad : { "12abc", "1_", "1__0", "0x", "0xZ", "1.0e", "1e10", "0b2", "1.5.5" }) {
        const ParseError e = parseErr(bad);
        EXPECT_EQ(e.message, "invalid number") << bad;
        EXPECT_EQ(e.line, 1);
        EXPECT_EQ(e.column, 1);
    }
    EXPECT_EQ(parseErr("9223372036854775808").message, "integer out of range (integers are limited to 64 bits)");
    EXPECT_EQ(parseErr("1.0e400").message, "invalid number");
    const ParseError e = parseErr("[1, 2x]");
    EXPECT_EQ(e.column, 5);
    EXPECT_EQ(e.message, "invalid number");
}

TEST(TermParse, AtomsAndAliases)
{
    EXPECT_EQ(parseOk(":ok"), atomT("ok"));
    EXPECT_EQ(parseOk(":\"foo bar\""), atomT("foo bar"));
    EXPECT_EQ(parseOk(":'single'"), atomT("single"));
    EXPECT_EQ(parseOk(":foo?"), atomT("foo?"));
    EXPECT_EQ(parseOk(":+"), atomT("+"));
    EXPECT_EQ(parseOk(":..//"), atomT("..//"));
    EXPECT_EQ(parseOk(":\\\\"), atomT("\\\\"));
    EXPECT_EQ(parseOk(":a@b"), atomT("a@b"));
    EXPECT_EQ(parseOk("nil"), Term::nil());
    EXPECT_EQ(parseOk("true"), Term::boolean(true));
    EXPECT_EQ(parseOk("false"), Term::boolean(false));
    EXPECT_EQ(parseOk("Foo"), atomT("Elixir.Foo"));
    EXPECT_EQ(parseOk("Foo.Bar"), atomT("Elixir.Foo.Bar"));
    EXPECT_EQ(parseOk("Elixir.Foo"), atomT("Elixir.Foo"));
    EXPECT_EQ(parseOk("Elixir"), atomT("Elixir"));
    EXPECT_EQ(parseOk(":\"\\x85\""), atomT("\xC2\x85"));
    EXPECT_EQ(parseErr(":").message, "expected an atom name after ':'");
    EXPECT_EQ(
        parseErr(std::string(":\"") + std::string(256, 'a') + "\"").message, "atom too long (at most 255 characters)");
    EXPECT_EQ(parseErr("foo").message, "unexpected identifier 'foo' (variables and function calls are not supported)");
    EXPECT_EQ(parseErr("Foo.bar").message, "invalid alias");
}

TEST(TermParse, StringsAndCharlists)
{
    EXPECT_EQ(parseOk(R"("a\"b\\c\n\t\s\e\d\a\0")"), Term::binary(std::string_view("a\"b\\c\n\t \x1B\x7F\a\0", 12)));
    EXPECT_EQ(parseOk(R"("\x41\u00e9\u{1F600}")"), Term::binary("A\xC3\xA9\xF0\x9F\x98\x80"));
    EXPECT_EQ(parseOk(R"("\xFF")"), Term::binary("\xFF"));
    EXPECT_EQ(parseOk(R"("\#{x}")"), Term::binary("#{x}"));
    EXPECT_EQ(parseOk("\"line\nbreak\""), Term::binary("line\nbreak"));
    EXPECT_EQ(parseOk("'hi'"), Term::list({ intT('h'), intT('i') }));
    EXPECT_EQ(parseOk("'\xC3\xA9'"), Term::list({ intT(0xE9) }));
    EXPECT_EQ(parseOk("''"), Term::emptyList());
    EXPECT_EQ(parseOk("<<1, 2, 3>>"), Term::binary("\x01\x02\x03"));
    EXPECT_EQ(parseOk("<<\"ab\", 0>>"), Term::binary(std::string_view("ab\0", 3)));
    EXPECT_EQ(parseOk("<<>>"), Term::binary(""));
    EXPECT_EQ(parseErr("\"#{x}\"").message, "string interpolation is not supported here");
    EXPECT_EQ(parseErr("<<256>>").message, "binary elements must be integers from 0 to 255 or strings");
    const ParseError e = parseErr("\"abc");
    EXPECT_EQ(e.message, "expected \" to close the string opened at line 1, column 1");
    EXPECT_EQ(e.column, 5);
}

TEST(TermParse, Collections)
{
    EXPECT_EQ(parseOk("{}"), Term::tuple(std::vector<Term> {}));
    EXPECT_EQ(parseOk("{1, :a}"), Term::tuple({ intT(1), atomT("a") }));
    EXPECT_EQ(parseOk("[]"), Term::emptyList());
    EXPECT_EQ(parseOk("[1, 2, 3]"), Term::list({ intT(1), intT(2), intT(3) }));
    EXPECT_EQ(parseOk("[1, 2,]"), Term::list({ intT(1), intT(2) }));
    EXPECT_EQ(parseOk("[1 | 2]"), Term::cons(intT(1), intT(2)));
    EXPECT_EQ(parseOk("[1, 2 | [3]]"), Term::list({ intT(1), intT(2), intT(3) }));
    EXPECT_EQ(parseOk("[a: 1, \"b c\": 2]"),
        Term::list({ Term::tuple({ atomT("a"), intT(1) }), Term::tuple({ atomT("b c"), intT(2) }) }));
    EXPECT_EQ(parseOk("[1, a: 2]"), Term::list({ intT(1), Term::tuple({ atomT("a"), intT(2) }) }));
    EXPECT_EQ(parseOk("[+: 1, ...: 2, Foo: 3, nil: 4]").inspect(), "[+: 1, ...: 2, Foo: 3, nil: 4]");
    EXPECT_EQ(parseOk("%{}"), Term::map({}));
    EXPECT_EQ(parseOk("%{\"k\" => 1, a: 2}"), Term::map({ { Term::binary("k"), intT(1) }, { atomT("a"), intT(2) } }));
    EXPECT_EQ(parseOk("%{1 => :a, 1 => :b}"), Term::map({ { intT(1), atomT("b") } }));
    EXPECT_EQ(
        parseOk("%Foo{a: 1}"), Term::map({ { atomT("__struct__"), atomT("Elixir.Foo") }, { atomT("a"), intT(1) } }));
    EXPECT_EQ(parseOk("%Foo.Bar{}").inspect(), "%Foo.Bar{}");
    EXPECT_EQ(parseOk(" \n\t{ 1 ,\n 2 }\n "), Term::tuple({ intT(1), intT(2) }));
}

TEST(TermParse, PidsReferencesFunctions)
{
    EXPECT_EQ(parseErr("#PID<0.85.0>").message, "pids cannot be entered here (#PID<0.85.0>)");
    auto* known = new PidObject(85);
    const Term knownPid = Term::pid(known, true);
    TermParseOptions options;
    options.resolvePid = [&](uint64_t serial, Term& out) {
        if (serial != 85)
            return false;
        out = knownPid;
        return true;
    };
    EXPECT_EQ(parseOk("{:hello, #PID<0.85.0>}", options), Term::tuple({ atomT("hello"), knownPid }));
    ParseError e = parseErr("[#PID<0.999.0>]", options);
    EXPECT_EQ(e.message, "unknown pid #PID<0.999.0>");
    EXPECT_EQ(e.column, 2);
    EXPECT_EQ(parseErr("#PID<1.85.0>", options).message, "unknown pid #PID<1.85.0>");
    EXPECT_EQ(parseErr("#PID<0.85>", options).message, "malformed pid");
    TermParseOptions notAPid;
    notAPid.resolvePid = [](uint64_t, Term& out) {
        out = Term::integer(1);
        return true;
    };
    EXPECT_EQ(parseErr("#PID<0.85.0>", notAPid).message, "unknown pid #PID<0.85.0>");
    const Term ref = Term::makeRef();
    EXPECT_EQ(parseOk(ref.inspect()), ref);
    EXPECT_EQ(parseErr("#Reference<0.1.2.3>").message, "unknown reference #Reference<0.1.2.3>");
    EXPECT_EQ(parseErr("#Function<0.1/1 in Foo.bar/0>").message, "functions cannot be parsed");
}

TEST(TermParse, ErrorPositions)
{
    ParseError e = parseErr("{1, 2");
    EXPECT_EQ(e.message, "expected '}' to close the tuple opened at line 1, column 1");
    EXPECT_EQ(e.line, 1);
    EXPECT_EQ(e.column, 6);
    EXPECT_EQ(e.toString(), "line 1, column 6: expected '}' to close the tuple opened at line 1, column 1");

    e = parseErr("[1,\n  {2, 3]");
    EXPECT_EQ(e.message, "expected '}' to close the tuple opened at line 2, column 3");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 8);

    e = parseErr("%{a: 1");
    EXPECT_EQ(e.message, "expected '}' to close the map opened at line 1, column 1");
    e = parseErr("[1, 2");
    EXPECT_EQ(e.message, "expected ']' to close the list opened at line 1, column 1");
    e = parseErr("<<1, 2");
    EXPECT_EQ(e.message, "expected '>>' to close the binary opened at line 1, column 1");

    e = parseErr("");
    EXPECT_EQ(e.message, "unexpected end of input");
    EXPECT_EQ(e.column, 1);
    e = parseErr("[1,");
    EXPECT_EQ(e.message, "expected ']' to close the list opened at line 1, column 1");
    e = parseErr("{:a, ");
    EXPECT_EQ(e.message, "expected '}' to close the tuple opened at line 1, column 1");
    e = parseErr("   ");
    EXPECT_EQ(e.message, "unexpected end of input");
    EXPECT_EQ(e.column, 4);

    // Columns count characters, not bytes.
    e = parseErr("\"\xC3\xA9\xC3\xA9\" x");
    EXPECT_EQ(e.column, 6);
    EXPECT_EQ(e.message, "unexpected 'x' after the term");

    e = parseErr("1 2");
    EXPECT_EQ(e.message, "unexpected '2' after the term");
    EXPECT_EQ(e.column, 3);
    e = parseErr("[a: 1, 2]");
    EXPECT_EQ(e.message, "keyword pairs must come last in a list");
    EXPECT_EQ(e.column, 8);
    e = parseErr("%{1 2}");
    EXPECT_EQ(e.message, "expected '=>' after the map key");
    EXPECT_EQ(e.column, 5);
    e = parseErr("[1, ...]");
    EXPECT_EQ(e.message, "cannot parse a truncated term ('...')");
    e = parseErr("a: 1");
    EXPECT_EQ(e.message, "keyword pair 'a:' is only allowed inside a list or map");
    e = parseErr("@");
    EXPECT_EQ(e.message, "unexpected '@'");
    e = parseErr(std::string_view("\x01", 1));
    EXPECT_EQ(e.message, "unexpected control character 1");
    e = parseErr("%Foo{1 => 2}");
    EXPECT_EQ(e.message, "struct fields must be written as 'key: value'");
}

TEST(TermParse, DeepNestingIsAnErrorNotACrash)
{
    std::string deep(200000, '[');
    ParseError e = parseErr(deep);
    EXPECT_EQ(e.message, "nesting too deep (more than 10000 levels)");
    EXPECT_EQ(e.column, 10001);

    // Exactly at the cap: the term parses, prints, compares and is destroyed without exhausting the stack.
    std::string ok = std::string(10000, '{') + std::string(10000, '}');
    auto deepTuple = parseTerm(ok);
    ASSERT_TRUE(deepTuple.hasValue());
    InspectOptions full;
    full.limit = InspectOptions::infinity;
    EXPECT_EQ(inspect(*deepTuple, full), ok);
    EXPECT_EQ(*parseTerm(ok), *deepTuple);
    std::string keywords;
    for (int i = 0; i < 10000; ++i)
        keywords += "%{a: ";
    keywords += "1" + std::string(10000, '}');
    EXPECT_TRUE(parseTerm(keywords).hasValue());
    e = parseErr(std::string(10001, '{') + std::string(10001, '}'));
    EXPECT_EQ(e.message, "nesting too deep (more than 10000 levels)");
}

TEST(TermParse, GarbageNeverCrashes)
{
    std::mt19937_64 rng(12345);
    const std::string alphabet = "[]{}%<>,|:\"'\\#?._-+0123456789abcxAZ=> \n\xC3\xA9\x00";
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const int n = int(rng() % 24);
        for (int j = 0; j < n; ++j)
            s += alphabet[rng() % alphabet.size()];
        auto r = parseTerm(s);
        if (r.hasValue()) {
            auto again = parseTerm(r->inspect());
            ASSERT_TRUE(again.hasValue()) << s << " -> " << r->inspect();
            EXPECT_EQ(*again, *r) << s;
        } else {
            EXPECT_GE(r.error().line, 1);
            EXPECT_GE(r.error().column, 1);
            EXPECT_FALSE(r.error().message.empty());
        }
    }
}

#include "term/parse.h"
#include "term/print.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace vigil;

namespace vigil {
// Lets GoogleTest show terms in Elixir syntax.
inline void PrintTo(const Term& t, std::ostream* os) { *os << inspect(t); }
} // namespace vigil

namespace {

// Lines printed by Elixir 1.14's inspect/1; each must parse and print back to exactly the same text.
const char* const kElixirOutput[] = {
    R"__(:ok)__",
    R"__(:"foo bar")__",
    R"__(:foo?)__",
    R"__(:+)__",
    R"__(:"9x")__",
    R"__(:a@b)__",
    R"__(nil)__",
    R"__(true)__",
    R"__(false)__",
    R"__(Foo)__",
    R"__(Foo.Bar)__",
    R"__(:"Elixir.foo")__",
    R"__(Elixir)__",
    R"__(:"")__",
    R"__(:"@foo")__",
    R"__(:héllo)__",
    R"__(:"a\nb")__",
    R"__(:"\x85")__",
    R"__(:"a\"b")__",
    R"__(:"\#{x}")__",
    R"__(:<<>>)__",
    R"__(:%{})__",
    R"__(:\\)__",
    R"__(:..//)__",
    R"__(:"^^^")__",
    R"__(:"::")__",
    R"__(1)__",
    R"__(-1)__",
    R"__(0)__",
    R"__(123456789)__",
    R"__(-9223372036854775808)__",
    R"__(9223372036854775807)__",
    R"__(1.0)__",
    R"__(0.1)__",
    R"__(1.0e20)__",
    R"__(1.0e-5)__",
    R"__(0.001)__",
    R"__(1000000000000000.0)__",
    R"__(1.0e16)__",
    R"__(-0.0)__",
    R"__(0.0)__",
    R"__(1.5e-4)__",
    R"__(0.0015)__",
    R"__(1000000000000000.0)__",
    R"__(9999999999999998.0)__",
    R"__(1.2345678901234568e16)__",
    R"__(0.30000000000000004)__",
    R"__(5.0e-324)__",
    R"__(1.7976931348623157e308)__",
    R"__(123.456)__",
    R"__(-1.5)__",
    R"__(2.0e-308)__",
    R"__(1.0e22)__",
    R"__(1.0e21)__",
    R"__(4.35e100)__",
    R"__(1.23e-4)__",
    R"__(0.12345678901234568)__",
    R"__("abc")__",
    R"__("a\"b")__",
    R"__("a\\b")__",
    R"__("\#{x}")__",
    R"__("#x")__",
    R"__("a\nb\tc\rd")__",
    R"__("\a\b\v\f\e\d")__",
    R"__(<<0>>)__",
    R"__(<<1, 2, 3>>)__",
    R"__("é")__",
    R"__(<<233>>)__",
    R"__(<<194, 133>>)__",
    R"__(" ")__",
    R"__("日本")__",
    R"__("")__",
    R"__(<<97, 0, 98>>)__",
    R"__(<<255, 0>>)__",
    R"__('hi')__",
    R"__('\a\b')__",
    R"__('\n')__",
    R"__([0])__",
    R"__([127])__",
    R"__([233])__",
    R"__('a\'b')__",
    R"__('a"b')__",
    R"__('a\\b')__",
    R"__('\#{x}')__",
    R"__([])__",
    R"__([1 | 2])__",
    R"__([1, 2 | 3])__",
    R"__([a: 1])__",
    R"__(["a b": 1])__",
    R"__([{Foo, 1}])__",
    R"__([nil: 1])__",
    R"__([+: 1])__",
    R"__(["9x": 1])__",
    R"__([a@b: 1])__",
    R"__([foo?: 1])__",
    R"__(["": 1])__",
    R"__([a: 1, b: 2])__",
    R"__([{:a, 1}, 2])__",
    R"__([{:a, 1, 2}])__",
    R"__([{"a", 1}])__",
    R"__(["Elixir": 1])__",
    R"__([{:"Elixir.Foo.bar", 1}])__",
    R"__([...: 1])__",
    R"__([%{}: 1])__",
    R"__(["::": 1])__",
    R"__(["a\nb": 1])__",
    R"__(["\#{a}": 1])__",
    R"__({})__",
    R"__({1})__",
    R"__({1, 2})__",
    R"__(%{})__",
    R"__(%{a: 1})__",
    R"__(%{:a => 1, "b" => 2})__",
    R"__(%{1 => 2, :a => 3})__",
    R"__(%{"a b": 1})__",
    R"__(%{Foo => 1})__",
    R"__(%{nil: 1, true: 2})__",
    R"__(%{{1} => [1], [1] => %{}})__",
    R"__(%{1 => :b, 1.0 => :a})__",
    R"__(%RuntimeError{message: "x"})__",
    R"__([{:a, 1} | 2])__",
    R"__([{:a, 1}, {:b, 2} | :c])__",
    R"__(["a" | "b"])__",
    R"__(%{a: [b: 1]})__",
    R"__({:ok, 'abc', "x"})__",
    R"__([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50 | 5])__",
    R"__([1, 2, 97, 98])__",
    R"__([97, 98, 1])__",
    R"__(%{3.5 => -2, :z => :y, {:a} => nil, [1, 2] => {3}, "k" => <<200>>})__",
    R"__([[], [[]], {[]}])__",
    R"__(%{a: %{b: %{c: {}}}})__",
    R"__([ok: :error, error: {:ok, 1}])__",
    R"__(%{a: 1, b: 2, c: 3, d: 4})__",
    // Unicode atoms: letters, scripts that may not mix, non-NFKC characters.
    R"__(:ß)__",
    R"__(:Ω)__",
    R"__(:αβ)__",
    R"__(:a·b)__",
    R"__(:"a—b")__",
    R"__(:"😀")__",
    R"__(:Å)__",
    R"__(:"ª")__",
    R"__(:"á")__",
    R"__(:é?)__",
    R"__(:日本語)__",
    R"__(:"a b")__",
    R"__(:ä@)__",
    R"__(:_é)__",
    R"__(:"١")__",
    R"__(:"a١")__",
    R"__(:"Ωmega")__",
    R"__(:Привет)__",
    R"__(:"a×b")__",
    R"__(:"µ")__",
    R"__(:"a​b")__",
    R"__(:"¿")__",
};

Term atomT(std::string_view name) { return Term::atom(name); }
Term intT(int64_t v) { return Term::integer(v); }
Term str(std::string_view s) { return Term::binary(s); }

Term range(int64_t from, int64_t to)
{
    std::vector<Term> v;
    for (int64_t i = from; i <= to; ++i)
        v.push_back(intT(i));
    return Term::list(std::move(v));
}

struct TestFun : FunObject {
    int arity() const override { return 1; }
    std::string describe() const override { return "0.49822979/1 in Cache.start/0"; }
};

} // namespace

TEST(TermPrint, ElixirOutputPrintsBackIdentically)
{
    for (const char* text : kElixirOutput) {
        auto parsed = parseTerm(text);
        ASSERT_TRUE(parsed.hasValue()) << text << ": " << parsed.error().toString();
        EXPECT_EQ(inspect(*parsed), text);
    }
}

TEST(TermPrint, Atoms)
{
    EXPECT_EQ(inspectAtom(Atom::intern("ok")), ":ok");
    EXPECT_EQ(inspectAtom(Atom::intern("foo bar")), ":\"foo bar\"");
    EXPECT_EQ(inspectAtom(Atom::intern("foo?")), ":foo?");
    EXPECT_EQ(inspectAtom(Atom::intern("foo?!")), ":\"foo?!\"");
    EXPECT_EQ(inspectAtom(Atom::intern("+")), ":+");
    EXPECT_EQ(inspectAtom(Atom::intern("9x")), ":\"9x\"");
    EXPECT_EQ(inspectAtom(Atom::intern("a@b")), ":a@b");
    EXPECT_EQ(inspectAtom(Atom::intern("@")), ":@");
    EXPECT_EQ(inspectAtom(Atom::intern("@foo")), ":\"@foo\"");
    EXPECT_EQ(inspectAtom(atoms::nil), "nil");
    EXPECT_EQ(inspectAtom(atoms::true_), "true");
    EXPECT_EQ(inspectAtom(atoms::false_), "false");
    EXPECT_EQ(inspectAtom(Atom::intern("Elixir.Foo")), "Foo");
    EXPECT_EQ(inspectAtom(Atom::intern("Elixir.Foo.Bar1")), "Foo.Bar1");
    EXPECT_EQ(inspectAtom(Atom::intern("Elixir.foo")), ":\"Elixir.foo\"");
    EXPECT_EQ(inspectAtom(Atom::intern("Elixir._Foo")), ":\"Elixir._Foo\"");
    EXPECT_EQ(inspectAtom(Atom::intern("Elixir")), "Elixir");
    EXPECT_EQ(inspectAtom(Atom::intern("Foo")), ":Foo");
    EXPECT_EQ(inspectAtom(Atom::intern("")), ":\"\"");
    EXPECT_EQ(inspectAtom(Atom::intern("^^^")), ":\"^^^\"");
    EXPECT_EQ(inspectAtom(Atom::intern("::")), ":\"::\"");
    EXPECT_EQ(inspectAtom(Atom::intern("\\\\")), ":\\\\");
    EXPECT_EQ(inspectAtom(Atom::intern("%{}")), ":%{}");
    EXPECT_EQ(inspectAtom(Atom::intern("$gen_call")), ":\"$gen_call\"");
    EXPECT_EQ(inspectAtom(Atom::intern("nonode@nohost")), ":nonode@nohost");
    EXPECT_EQ(inspectAtom(Atom::intern("héllo")), ":héllo");
    EXPECT_EQ(inspectAtom(Atom::intern("\x1F")), ":\"\\x1F\"");
    EXPECT_EQ(inspectAtom(Atom::intern("\xC2\x85")), ":\"\\x85\"");
    EXPECT_EQ(inspectAtom(Atom::intern(std::string_view("a\0b", 3))), ":\"a\\0b\"");
    EXPECT_EQ(inspectAtom(Atom::intern("\x1B\x7F\x07")), ":\"\\e\\d\\a\"");
    EXPECT_EQ(inspectAtom(Atom::intern("\xEF\xBF\xBF")), ":\"\\x{FFFF}\"");
    EXPECT_EQ(Term::atom("#{x}").inspect(), ":\"\\#{x}\"");
}

TEST(TermPrint, Floats)
{
    const std::pair<double, const char*> cases[] = { { 1.0, "1.0" }, { 0.1, "0.1" }, { 1.0e20, "1.0e20" },
        { 1.0e21, "1.0e21" }, { 1.0e-5, "1.0e-5" }, { 1.0e-4, "0.0001" }, { 0.001, "0.001" }, { 1.2e-4, "1.2e-4" },
        { 1.0e15, "1000000000000000.0" }, { 1.0e16, "1.0e16" }, { 9999999999999998.0, "9999999999999998.0" },
        { 123456789012345.6, "123456789012345.6" }, { 1234567890123456.7, "1234567890123456.8" },
        { 12345678901234567.0, "1.2345678901234568e16" }, { -0.0, "-0.0" }, { 0.0, "0.0" }, { 1.5, "1.5" },
        { 100.0, "100.0" }, { 1.2e16, "1.2e16" }, { 1.0e100, "1.0e100" }, { 1.0e-100, "1.0e-100" },
        { 5.0e-324, "5.0e-324" }, { 1.7976931348623157e308, "1.7976931348623157e308" },
        { 0.1 + 0.2, "0.30000000000000004" }, { 1.0 / 3, "0.3333333333333333" }, { 0.0015, "0.0015" }, { 0.01, "0.01" },
        { 1.2345678e19, "1.2345678e19" }, { 4.5e15, "4500000000000000.0" }, { 4.56e16, "4.56e16" },
        { 2.5e-5, "2.5e-5" }, { 3.0e-4, "0.0003" }, { 1.0e16 + 2, "1.0000000000000002e16" }, { 1.25e-4, "1.25e-4" },
        { 0.00125, "0.00125" }, { 0.000123456, "1.23456e-4" }, { 9.999999999999998e16, "9.999999999999998e16" },
        { -1.5, "-1.5" }, { -1.0e20, "-1.0e20" } };
    for (const auto& [value, text] : cases)
        EXPECT_EQ(formatFloat(value), text) << text;
}

TEST(TermPrint, Integers)
{
    EXPECT_EQ(intT(0).inspect(), "0");
    EXPECT_EQ(intT(-1).inspect(), "-1");
    EXPECT_EQ(intT(std::numeric_limits<int64_t>::min()).inspect(), "-9223372036854775808");
    EXPECT_EQ(intT(std::numeric_limits<int64_t>::max()).inspect(), "9223372036854775807");
}

TEST(TermPrint, StringsAndBinaries)
{
    EXPECT_EQ(str("abc").inspect(), "\"abc\"");
    EXPECT_EQ(str("").inspect(), "\"\"");
    EXPECT_EQ(str("a\"b\\c").inspect(), R"("a\"b\\c")");
    EXPECT_EQ(str("#{x} #x").inspect(), R"("\#{x} #x")");
    EXPECT_EQ(str("\a\b\v\f\x1B\x7F\n\t\r").inspect(), R"("\a\b\v\f\e\d\n\t\r")");
    EXPECT_EQ(str(std::string_view("\0", 1)).inspect(), "<<0>>");
    EXPECT_EQ(str("\x01\x02\x03").inspect(), "<<1, 2, 3>>");
    EXPECT_EQ(str("\xE9").inspect(), "<<233>>");
    EXPECT_EQ(str("\xC3\xA9").inspect(), "\"\xC3\xA9\"");
    EXPECT_EQ(str("\xC2\x85").inspect(), "<<194, 133>>");
    EXPECT_EQ(str("\xEF\xBF\xBE").inspect(), "<<239, 191, 190>>");
    EXPECT_EQ(str("\xEF\xBF\xBD").inspect(), "\"\xEF\xBF\xBD\"");
    // Non-printable binaries show at most 50 bytes; strings at most 4096 code points.
    std::string zeros(60, '\0');
    std::string expected = "<<";
    for (int i = 0; i < 50; ++i)
        expected += "0, ";
    expected += "...>>";
    EXPECT_EQ(str(zeros).inspect(), expected);
    std::string longText(5000, 'a');
    EXPECT_EQ(str(longText).inspect(), "\"" + std::string(4096, 'a') + "\" <> ...");
    EXPECT_EQ(str(std::string(4096, 'a')).inspect(), "\"" + std::string(4096, 'a') + "\"");
}

TEST(TermPrint, Charlists)
{
    EXPECT_EQ(Term::list({ intT('h'), intT('i') }).inspect(), "'hi'");
    EXPECT_EQ(Term::list({ intT(7), intT(8) }).inspect(), R"('\a\b')");
    EXPECT_EQ(Term::list({ intT('\n') }).inspect(), R"('\n')");
    EXPECT_EQ(Term::list({ intT(27) }).inspect(), R"('\e')");
    EXPECT_EQ(Term::list({ intT(0) }).inspect(), "[0]");
    EXPECT_EQ(Term::list({ intT(127) }).inspect(), "[127]");
    EXPECT_EQ(Term::list({ intT(233) }).inspect(), "[233]");
    EXPECT_EQ(Term::list({ intT('a'), intT('\''), intT('"') }).inspect(), R"('a\'"')");
    EXPECT_EQ(Term::list({ intT('#'), intT('{'), intT('}') }).inspect(), R"('\#{}')");
    EXPECT_EQ(Term::list({ intT('a'), intT('b'), intT(1) }).inspect(), "[97, 98, 1]");
    EXPECT_EQ(Term::emptyList().inspect(), "[]");
    InspectOptions noCharlists;
    noCharlists.charlists = false;
    EXPECT_EQ(inspect(Term::list({ intT('h'), intT('i') }), noCharlists), "[104, 105]");
    std::vector<Term> many(4100, intT('a'));
    EXPECT_EQ(Term::list(many).inspect(), "'" + std::string(4096, 'a') + "' ++ ...");
}

TEST(TermPrint, ListsAndKeywords)
{
    EXPECT_EQ(Term::cons(intT(1), intT(2)).inspect(), "[1 | 2]");
    EXPECT_EQ(Term::list({ intT(1), intT(2) }, intT(3)).inspect(), "[1, 2 | 3]");
    EXPECT_EQ(Term::list({ Term::tuple({ atomT("a"), intT(1) }) }).inspect(), "[a: 1]");
    EXPECT_EQ(Term::list({ Term::tuple({ atomT("a b"), intT(1) }), Term::tuple({ atomT("+"), intT(2) }) }).inspect(),
        R"(["a b": 1, +: 2])");
    EXPECT_EQ(Term::list({ Term::tuple({ atomT("Elixir.Foo"), intT(1) }) }).inspect(), "[{Foo, 1}]");
    EXPECT_EQ(Term::list({ Term::tuple({ atomT("Elixir"), intT(1) }) }).inspect(), R"(["Elixir": 1])");
    EXPECT_EQ(Term::list({ Term::tuple({ atomT("nil"), intT(1) }) }).inspect(), "[nil: 1]");
    EXPECT_EQ(Term::list({ Term::tuple({ atomT("a"), intT(1) }), intT(2) }).inspect(), "[{:a, 1}, 2]");
    EXPECT_EQ(Term::list({ Term::tuple({ atomT("a"), intT(1) }) }, intT(2)).inspect(), "[{:a, 1} | 2]");
    EXPECT_EQ(range(1, 51).inspect().substr(0, 4), "[1, ");
    EXPECT_TRUE(range(1, 51).inspect().ends_with(", 49, 50, ...]"));
    EXPECT_TRUE(range(1, 50).inspect().ends_with(", 49, 50]"));
}

TEST(TermPrint, LimitIsSharedWithNestedCollections)
{
    // From Elixir: inspect({1, 'abc', "abc", <<1, 2>>, Enum.to_list(1..60)}) shows 45 elements of the list.
    const Term t = Term::tuple(
        { intT(1), Term::list({ intT('a'), intT('b'), intT('c') }), str("abc"), str("\x01\x02"), range(1, 60) });
    std::string expected = "{1, 'abc', \"abc\", <<1, 2>>, [";
    for (int i = 1; i <= 45; ++i)
        expected += std::to_string(i) + ", ";
    expected += "...]}";
    EXPECT_EQ(t.inspect(), expected);

    Term nested = intT(1);
    for (int i = 0; i < 55; ++i)
        nested = Term::list({ nested });
    EXPECT_EQ(nested.inspect(), std::string(50, '[') + "[...]" + std::string(50, ']'));

    std::vector<Term> items;
    for (int i = 1; i <= 49; ++i)
        items.push_back(intT(i));
    std::vector<Term> withMap = items;
    withMap.push_back(Term::map({ { atomT("a"), intT(1) } }));
    EXPECT_TRUE(Term::list(withMap).inspect().ends_with(", 49, %{...}]"));
    std::vector<Term> withTuple = items;
    withTuple.push_back(Term::tuple({ intT(1), intT(2) }));
    EXPECT_TRUE(Term::list(withTuple).inspect().ends_with(", 49, {...}]"));
    std::vector<Term> withBinary = items;
    withBinary.push_back(str("\x01\x02"));
    EXPECT_TRUE(Term::list(withBinary).inspect().ends_with(", 49, <<...>>]"));
    std::vector<Term> withCharlist = items;
    withCharlist.push_back(Term::list({ intT('a'), intT('b') }));
    EXPECT_TRUE(Term::list(withCharlist).inspect().ends_with(", 49, 'ab']"));
    std::vector<Term> withStruct = items;
    withStruct.push_back(Term::map({ { atomT("__struct__"), atomT("Elixir.RuntimeError") },
        { atomT("__exception__"), Term::boolean(true) }, { atomT("message"), str("x") } }));
    EXPECT_TRUE(Term::list(withStruct).inspect().ends_with(", 49, %RuntimeError{...}]"));

    std::vector<Term> fifty;
    for (int i = 1; i <= 50; ++i)
        fifty.push_back(intT(i));
    EXPECT_TRUE(Term::list(fifty, intT(5)).inspect().ends_with(", 50 | 5]"));

    InspectOptions unlimited;
    unlimited.limit = InspectOptions::infinity;
    EXPECT_TRUE(inspect(range(1, 60), unlimited).ends_with(", 59, 60]"));
}

TEST(TermPrint, TuplesAndMaps)
{
    EXPECT_EQ(Term::tuple(std::vector<Term> {}).inspect(), "{}");
    EXPECT_EQ(Term::tuple({ intT(1), intT(2) }).inspect(), "{1, 2}");
    EXPECT_EQ(Term::map({}).inspect(), "%{}");
    EXPECT_EQ(Term::map({ { atomT("b"), intT(2) }, { atomT("a"), intT(1) } }).inspect(), "%{a: 1, b: 2}");
    EXPECT_EQ(Term::map({ { str("b"), intT(2) }, { atomT("a"), intT(1) } }).inspect(), R"(%{:a => 1, "b" => 2})");
    EXPECT_EQ(Term::map({ { atomT("a"), intT(3) }, { intT(1), intT(2) } }).inspect(), "%{1 => 2, :a => 3}");
    EXPECT_EQ(
        Term::map({ { Term::floating(1.0), atomT("a") }, { intT(1), atomT("b") } }).inspect(), "%{1 => :b, 1.0 => :a}");
    EXPECT_EQ(Term::map({ { atomT("a b"), intT(1) } }).inspect(), R"(%{"a b": 1})");
    EXPECT_EQ(Term::map({ { atomT("Elixir.Foo"), intT(1) } }).inspect(), "%{Foo => 1}");
    // Keys print in term order: number < atom < reference < fun < pid < tuple < map < [] < list < binary.
    EXPECT_EQ(Term::map({ { str("s"), intT(0) }, { Term::list({ intT(1) }), intT(0) }, { Term::emptyList(), intT(0) },
                            { Term::map({}), intT(0) }, { Term::tuple({ intT(1) }), intT(0) }, { atomT("x"), intT(0) },
                            { intT(9), intT(0) } })
                  .inspect(),
        R"(%{9 => 0, :x => 0, {1} => 0, %{} => 0, [] => 0, [1] => 0, "s" => 0})");
}

TEST(TermPrint, Structs)
{
    EXPECT_EQ(Term::map({ { atomT("__struct__"), atomT("Elixir.Foo") }, { atomT("message"), str("x") } }).inspect(),
        R"(%Foo{message: "x"})");
    EXPECT_EQ(Term::map({ { atomT("__struct__"), atomT("Elixir.Foo.Bar") } }).inspect(), "%Foo.Bar{}");
    EXPECT_EQ(Term::map({ { atomT("__struct__"), atomT("Elixir.RuntimeError") },
                            { atomT("__exception__"), Term::boolean(true) }, { atomT("message"), str("boom") } })
                  .inspect(),
        R"(%RuntimeError{message: "boom"})");
    // A __struct__ that is not an alias is just a map, as in Elixir.
    EXPECT_EQ(Term::map({ { atomT("__struct__"), atomT("foo") }, { atomT("a"), intT(1) } }).inspect(),
        "%{__struct__: :foo, a: 1}");
    EXPECT_EQ(Term::map({ { atomT("__struct__"), str("x") }, { atomT("a"), intT(1) } }).inspect(),
        R"(%{__struct__: "x", a: 1})");
}

TEST(TermPrint, Ranges)
{
    auto rangeT = [](Term first, Term last, Term step) {
        return Term::map({ { atomT("__struct__"), atomT("Elixir.Range") }, { atomT("first"), std::move(first) },
            { atomT("last"), std::move(last) }, { atomT("step"), std::move(step) } });
    };
    // Expected texts from Elixir 1.14.
    EXPECT_EQ(rangeT(intT(1), intT(3), intT(1)).inspect(), "1..3");
    EXPECT_EQ(rangeT(intT(1), intT(10), intT(2)).inspect(), "1..10//2");
    EXPECT_EQ(rangeT(intT(3), intT(1), intT(-1)).inspect(), "3..1//-1");
    EXPECT_EQ(rangeT(intT(-3), intT(-1), intT(1)).inspect(), "-3..-1");
    EXPECT_EQ(rangeT(atomT("a"), intT(3), intT(1)).inspect(), ":a..3//1");
    EXPECT_EQ(
        Term::list({ rangeT(intT(1), intT(2), intT(1)), Term::tuple({ rangeT(intT(1), intT(2), intT(1)) }) }).inspect(),
        "[1..2, {1..2}]");
    for (const char* text : { "1..3", "1..10//2", "3..1//-1", "-3..-1", "[1..2, {1..2}]", "0..0" }) {
        auto parsed = parseTerm(text);
        ASSERT_TRUE(parsed.hasValue()) << text;
        EXPECT_EQ(parsed->inspect(), text);
    }
    EXPECT_EQ(parseTerm("3..1")->inspect(), "3..1//-1");
    EXPECT_EQ(parseTerm("1..5//0").error().message, "a range step must be a non-zero integer");
}

TEST(TermPrint, PidsReferencesFunctions)
{
    auto* pidObj = new PidObject(85);
    const Term pid = Term::pid(pidObj, true);
    EXPECT_EQ(pid.inspect(), "#PID<0.85.0>");
    EXPECT_EQ(Term::fun(new TestFun).inspect(), "#Function<0.49822979/1 in Cache.start/0>");
    const std::string r1 = Term::reference(1).inspect();
    const std::string r2 = Term::reference(2).inspect();
    EXPECT_TRUE(r1.starts_with("#Reference<0.")) << r1;
    EXPECT_NE(r1, r2);
    EXPECT_EQ(Term::reference(1).inspect(), r1); // deterministic
    for (uint64_t id : { uint64_t(0), uint64_t(1), uint64_t(1) << 18, uint64_t(1) << 40, ~uint64_t(0) }) {
        auto parsed = parseTerm(Term::reference(id).inspect());
        ASSERT_TRUE(parsed.hasValue());
        EXPECT_EQ(*parsed, Term::reference(id));
    }
}

TEST(TermPrint, LimitChars)
{
    InspectOptions preview;
    preview.limitChars = 10;
    EXPECT_EQ(inspect(range(1, 100), preview), "[1, 2, 3, ...");
    EXPECT_EQ(inspect(intT(12345), preview), "12345");
    EXPECT_EQ(inspect(str("0123456"), preview), "\"0123456\"");
    EXPECT_EQ(inspect(str("01234567890"), preview), "\"012345678...");
    // Characters, not bytes: a multi-byte code point is never cut.
    std::string accents;
    for (int i = 0; i < 12; ++i)
        accents += "\xC3\xA9";
    EXPECT_EQ(inspect(str(accents), preview), "\"" + accents.substr(0, 18) + "...");
    // A huge term is cut without printing all of it.
    InspectOptions big;
    big.limit = InspectOptions::infinity;
    big.limitChars = 20;
    std::vector<Term> million(1000000, intT(1000));
    EXPECT_EQ(inspect(Term::list(million), big), "[1000, 1000, 1000, 1...");
}

TEST(TermPrint, InspectToAppends)
{
    std::string out = "x = ";
    inspectTo(out, Term::tuple({ atomT("ok"), intT(1) }));
    EXPECT_EQ(out, "x = {:ok, 1}");
}

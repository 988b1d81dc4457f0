// Front end of the script interpreter: tokens, syntax errors with positions, compile errors naming the
// construct, console continuation detection.

#include "script/lexer.h"
#include "script/machine.h"
#include "script/parser.h"

#include <gtest/gtest.h>

using namespace vigil::script;

namespace {

struct ErrorAt {
    int line = 0;
    int col = 0;
    std::string message;
};

ErrorAt syntaxError(const std::string& text)
{
    Arena arena;
    try {
        parseProgram(arena, text);
    } catch (const SyntaxError& e) {
        return { e.line, e.col, e.what() };
    }
    ADD_FAILURE() << "no syntax error for: " << text;
    return {};
}

std::string compileError(const std::string& text, int* line = nullptr)
{
    ScriptEngine engine(nullptr);
    try {
        engine.load(text, "t.exs");
    } catch (const CompileError& e) {
        if (line)
            *line = e.line;
        return e.what();
    }
    ADD_FAILURE() << "no compile error for: " << text;
    return {};
}

} // namespace

TEST(ScriptLexer, TokensCarryPositionsAndValues)
{
    auto toks = tokenize("x = :ok\n  foo(1_000, 2.5, \"a#{b}c\", 'cl', ?a)");
    ASSERT_GE(toks.size(), 10u);
    EXPECT_EQ(toks[0].kind, Tok::Ident);
    EXPECT_EQ(toks[2].kind, Tok::Atom);
    EXPECT_EQ(toks[2].text, "ok");
    EXPECT_EQ(toks[3].kind, Tok::Eol);
    EXPECT_EQ(toks[4].line, 2);
    EXPECT_EQ(toks[4].col, 3);
    EXPECT_EQ(toks[6].ival, 1000);
    EXPECT_DOUBLE_EQ(toks[8].fval, 2.5);
    EXPECT_EQ(toks[10].parts.size(), 3u);
    EXPECT_TRUE(toks[10].parts[1].code);
    EXPECT_EQ(toks[12].kind, Tok::Charlist);
    EXPECT_EQ(toks[14].ival, 'a');
}

TEST(ScriptParser, SyntaxErrorBeforeToken)
{
    ErrorAt e = syntaxError("x = 1 + * 2");
    EXPECT_EQ(e.line, 1);
    EXPECT_EQ(e.col, 9);
    EXPECT_EQ(e.message, "syntax error before: '*'");
}

TEST(ScriptParser, MissingTerminatorNamesOpener)
{
    ErrorAt e = syntaxError("foo(1,\n  2");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.message, "missing terminator: ) (for \"(\" starting at line 1)");
    e = syntaxError("defmodule A do\n  def f do\n    1\n  end\n");
    EXPECT_EQ(e.message, "missing terminator: end (for \"do\" starting at line 1)");
    e = syntaxError("IO.puts \"abc");
    EXPECT_EQ(e.line, 1);
    EXPECT_EQ(e.col, 9);
    EXPECT_NE(e.message.find("missing terminator: \""), std::string::npos);
}

TEST(ScriptParser, UnexpectedClosers)
{
    ErrorAt e = syntaxError("x = 1)\n");
    EXPECT_EQ(e.col, 6);
    EXPECT_EQ(e.message, "syntax error before: ')'");
    e = syntaxError("case x do\n  1 -> :a\n  2 ->\nend end");
    EXPECT_EQ(e.line, 4);
}

TEST(ScriptParser, UnsupportedSyntaxIsNamed)
{
    EXPECT_EQ(syntaxError("<<1, 2").message.rfind("missing terminator: >>", 0), 0u) << syntaxError("<<1, 2").message;
    EXPECT_EQ(syntaxError("~r/abc/").message, "sigil ~r is not supported by this Elixir subset");
}

TEST(ScriptParser, DeepNestingIsAnErrorNotACrash)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the parser depth cap is set for optimised frames; AddressSanitizer frames are several times larger.";
#endif
    std::string deep(100000, '(');
    ErrorAt e = syntaxError(deep);
    EXPECT_NE(e.message.find("nested too deeply"), std::string::npos);
    std::string lists;
    for (int i = 0; i < 50000; ++i)
        lists += "[";
    EXPECT_NE(syntaxError(lists).message.find("nested too deeply"), std::string::npos);
    std::string interp = "\"";
    for (int i = 0; i < 2000; ++i)
        interp += "#{\"";
    EXPECT_FALSE(syntaxError(interp).message.empty());
}

TEST(ScriptParser, ParsesTheSeedForms)
{
    Arena arena;
    const char* src = R"(
defmodule Crashy do
  def run do
    Process.flag(:trap_exit, true)
    spawn_link(Crashy, :splode, [])
    receive do
      {signal, pid, msg} when is_pid(pid) ->
        IO.inspect signal
        IO.inspect msg
    after
      1_000 -> :timeout
    end
  end
  def splode, do: exit :kaboom
end
pid = spawn_link(fn -> receive do :crash -> 1 / 0 end end)
send pid, :crash
{:ok, pid} = KV.start_link
value = Task.async(fn -> func.() end) |> Task.await()
%{state | count: state.count + 1}
for x <- 1..3, rem(x, 2) == 1, into: %{}, do: {x, x}
)";
    Node* top = parseProgram(arena, src);
    ASSERT_EQ(top->kind, NodeKind::Block);
    EXPECT_EQ(top->kids.size(), 7u);
}

TEST(ScriptCompiler, ErrorsNameTheConstruct)
{
    int line = 0;
    EXPECT_EQ(compileError("IO.puts 1\nnope(1)", &line), "undefined function nope/1 (there is no such import)");
    EXPECT_EQ(line, 2);
    {
        ScriptEngine engine(nullptr);
        EXPECT_NO_THROW(engine.load("defmodule A do\n  defstruct [:a, b: 2]\n  def f, do: %A{a: 1}\nend", "t.exs"));
    }
    EXPECT_EQ(compileError("defmodule A do\n  defstruct [:a]\n  def f, do: %A{b: 1}\nend", &line), "unknown key :b for struct A");
    EXPECT_EQ(line, 3);
    EXPECT_EQ(compileError("defmodule A do\n  defstruct [:a]\n  defstruct [:b]\nend"), "defstruct has already been called for A, defstruct can only be called once per module");
    EXPECT_EQ(compileError("defmodule A do\n  defstruct [:a, :a]\nend"), "duplicate key :a found in struct");
    EXPECT_EQ(compileError("defmodule A do\n  defstruct a: self()\nend"), "struct field defaults must be constants in Vigil's Elixir subset");
    EXPECT_EQ(compileError("defstruct [:a]"), "defstruct must be called inside a module body");
    EXPECT_EQ(compileError("defmodule N do\n  def f, do: 1\nend\n%N{}").rfind("N.__struct__/1 is undefined, cannot expand struct N", 0), 0u);
    EXPECT_EQ(compileError("defprotocol Size do\n  def size(d)\nend"), "defprotocol is not supported by Vigil's Elixir subset");
    EXPECT_EQ(compileError("defmodule A do\n  defimpl String.Chars do\n  end\nend"), "defimpl is not supported by Vigil's Elixir subset");
    EXPECT_EQ(compileError("<<1::utf16>>"), "binary segment type utf16 is not supported by Vigil's Elixir subset");
    EXPECT_EQ(compileError("<<1::4>>"), "integer segments of 4 bits are not supported by Vigil's Elixir subset (whole bytes up to 64 bits)");
    EXPECT_EQ(compileError("<<a::binary, b::binary>> = \"xy\""), "a binary field without size is only allowed at the end of a binary pattern");
    EXPECT_EQ(compileError("<<x::bits>> = <<1>>"), "binary segment type bits is not supported by Vigil's Elixir subset");
    EXPECT_EQ(compileError("<<1::unit(8)>>").rfind("unknown binary segment specification", 0), 0u);
    EXPECT_EQ(compileError("^y = 1"), "undefined variable ^y");
    EXPECT_EQ(compileError("x = ^y"), "misplaced operator ^y; the pin operator can only be used in patterns");
    EXPECT_EQ(compileError("String.jaro_distance(\"a\", \"b\")"), "String.jaro_distance/2 is not supported by Vigil's Elixir subset");
    EXPECT_EQ(compileError("quote do: 1"), "quote is not supported by Vigil's Elixir subset");
    EXPECT_EQ(compileError("x = 1 =~ 2"), "regular expressions (=~) are not supported by this Elixir subset");
    EXPECT_EQ(compileError("flush()"), "undefined function flush/0 (there is no such import)");
}

TEST(ScriptConsole, ContinuationDetection)
{
    EXPECT_TRUE(isIncomplete("fn ->"));
    EXPECT_TRUE(isIncomplete("defmodule A do\n  def f, do: 1"));
    EXPECT_TRUE(isIncomplete("receive do\n  :a -> 1"));
    EXPECT_TRUE(isIncomplete("[1,"));
    EXPECT_TRUE(isIncomplete("x = 1 +"));
    EXPECT_TRUE(isIncomplete("\"abc"));
    EXPECT_TRUE(isIncomplete("%{a: 1"));
    EXPECT_FALSE(isIncomplete("1 + 1"));
    EXPECT_FALSE(isIncomplete("receive do\n  :a -> 1\nend"));
    EXPECT_FALSE(isIncomplete("x = )"));
}

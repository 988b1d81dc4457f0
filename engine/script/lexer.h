#pragma once

// Tokenizer for the Elixir subset.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::script {

enum class Tok : uint8_t {
    Eof,
    Eol, // newline or ';'
    Int,
    Float,
    String, // text = decoded content; parts when interpolated
    Charlist,
    Atom, // :foo, :"foo bar", true/false/nil are Ident keywords
    KwKey, // foo: (text = foo)
    Ident,
    Alias, // Foo
    Op, // text = operator
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    PercentBrace, // %{
    Percent, // % (struct)
    Comma,
    Dot,
    Arrow, // ->
    CaptureArg, // &1
    Char, // ?a (ival)
    Sigil, // ~w(...) : text = content, sigilChar
    BinOpen, // <<
    BinClose, // >>
};

struct StringPart {
    bool code = false; // interpolation: text is source code starting at line/col
    std::string text;
    int line = 0;
    int col = 0;
};

struct Token {
    Tok kind = Tok::Eof;
    bool spaceBefore = false; // whitespace (not newline) right before
    bool spaceAfter = false;
    int line = 1;
    int col = 1;
    int64_t ival = 0;
    double fval = 0;
    std::string text;
    std::vector<StringPart> parts; // strings with interpolation
    char sigil = 0;
    std::string sigilModifiers; // the letters after a sigil's closing delimiter (~w(a b)a)
};

struct SyntaxError : std::runtime_error {
    SyntaxError(int l, int c, const std::string& m)
        : std::runtime_error(m)
        , line(l)
        , col(c)
    {
    }
    int line;
    int col;
};

// Throws SyntaxError. lineOffset/colOffset place the text inside a larger file (interpolations).
std::vector<Token> tokenize(std::string_view src, int firstLine = 1, int firstCol = 1);

// Whether the text is an unfinished expression (open block, bracket or string), for the console.
bool isIncomplete(std::string_view src);

} // namespace vigil::script

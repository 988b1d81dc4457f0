#pragma once

// Lexical rules of Elixir atoms and strings shared by the printer and the parser (internal to engine/term).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::syntax {

// Decodes one UTF-8 code point at text[pos]; returns its length in bytes, or 0 when the bytes are not valid UTF-8.
size_t decodeUtf8(std::string_view text, size_t pos, uint32_t& cp);
void appendUtf8(std::string& out, uint32_t cp);

// Identifier characters: ASCII letters, digits, '_' and (approximately) Unicode letters.
bool isIdentifierStart(uint32_t cp);
bool isIdentifierContinue(uint32_t cp);

// Length of the longest identifier (`foo`, `foo?`, `a@b`, `héllo`) at text[pos], 0 when none.
size_t scanIdentifier(std::string_view text, size_t pos);
// Length of the longest operator atom (`+`, `|>`, `%{}`, `...`) at text[pos], 0 when none.
size_t scanOperator(std::string_view text, size_t pos, bool acceptDeprecated);

// Whole-name classifications used to decide whether an atom needs quotes.
bool isIdentifier(std::string_view name);
bool isUnquotedOperator(std::string_view name);
// "Elixir.Foo.Bar" (each segment an ASCII alias); "Elixir" alone is not.
bool isAliasAtom(std::string_view name);

// Elixir String.printable?/1 for one code point.
bool isPrintableCodePoint(uint32_t cp);
// Elixir List.ascii_printable?/1 for one element.
bool isAsciiPrintable(int64_t c);

// Appends text with the escapes Elixir uses inside a literal delimited by quote (" or ').
void appendEscaped(std::string& out, std::string_view text, char quote);
// Appends one code point of a charlist, escaped for '...'.
void appendEscapedCodePoint(std::string& out, uint32_t cp, char quote, bool nextIsBrace);

// `#Reference<0.a.b.c>` numbers: a bijection between 64-bit reference ids and the (a, b, c) the BEAM would show.
void encodeReference(uint64_t id, uint32_t& a, uint32_t& b, uint32_t& c);
bool decodeReference(uint64_t a, uint64_t b, uint64_t c, uint64_t& id);

} // namespace vigil::syntax

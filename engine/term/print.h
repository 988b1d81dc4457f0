#pragma once

// Elixir 1.14 `inspect/1` text for terms.

#include "term/term.h"

#include <string>
#include <vector>

namespace vigil {

struct InspectOptions {
    // Stop after this many characters and end with "..." (0 = unlimited). Used for bounded previews.
    size_t limitChars = 0;
    // Print lists of printable code points as 'charlists' (Elixir's default).
    bool charlists = true;
    // Elixir's :limit: how many collection elements are shown, shared with nested collections (infinity = all).
    size_t limit = 50;
    // Elixir's :printable_limit: code points of a string or charlist shown before " <> ..." (infinity = all).
    size_t printableLimit = 4096;
    static constexpr size_t infinity = static_cast<size_t>(-1);
};

std::string inspect(const Term& t, const InspectOptions& options = {});
void inspectTo(std::string& out, const Term& t, const InspectOptions& options = {});

// Text of an atom as Elixir prints it: `:ok`, `:"foo bar"`, `nil`, `true`, `Foo.Bar` for Elixir aliases.
std::string inspectAtom(Atom a);

// Field order of struct modules: Elixir prints a struct whose keys are exactly its module's fields in the order
// defstruct declared them. The lookup (installed by the script layer) returns nullptr for unknown modules; the
// vectors it returns must stay valid for the life of the program.
using StructFieldsLookup = const std::vector<Atom>* (*)(Atom module);
void setStructFieldsLookup(StructFieldsLookup lookup);
const std::vector<Atom>* structFieldsOf(Atom module);
// The struct's keys in print order (declared order when known and the keys are exactly the fields, else nullptr).
const std::vector<Atom>* structPrintOrder(const Term& map, Atom module);

// Elixir/Erlang shortest round-trip float text: 1.0, 0.1, 1.0e20, 1.0e-5.
std::string formatFloat(double d);

} // namespace vigil

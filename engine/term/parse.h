#pragma once

// Parser for Elixir term syntax (the literal subset that `inspect/1` prints), with precise error positions.

#include "term/result.h"
#include "term/term.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace vigil {

struct ParseError {
    int line = 1; // 1-based
    int column = 1; // 1-based, in characters
    std::string message;
    // "line 1, column 14: expected '}' to close the tuple opened at column 1"
    std::string toString() const;
};

struct TermParseOptions {
    // Turns `#PID<0.N.0>` into a pid term; returning a non-pid term makes the parse fail with
    // "unknown pid". When unset, pids are rejected with an error.
    std::function<bool(uint64_t serial, Term& out)> resolvePid;
};

// Parses exactly one term (surrounding whitespace allowed).
Expected<Term, ParseError> parseTerm(std::string_view text, const TermParseOptions& options = {});

} // namespace vigil

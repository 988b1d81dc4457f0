#pragma once

// Parser for the Elixir subset: tokens -> syntax tree (ast.h). Errors carry 1-based line and column.

#include "script/ast.h"
#include "script/lexer.h"

#include <string_view>

namespace vigil::script {

// Parses a whole file or console input into a Block node. Throws SyntaxError.
Node* parseProgram(Arena& arena, std::string_view src, int firstLine = 1);

// Elixir-style error text: "syntax error before: ')'" etc. are the messages of SyntaxError.

} // namespace vigil::script

// libFuzzer harness for the script front end: tokenizer, parser, console continuation detection and the
// compiler must reject any input with an error, never crash or hang.

#include "script/lexer.h"
#include "script/machine.h"
#include "script/parser.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace vigil::script;
    std::string text(reinterpret_cast<const char*>(data), size);
    (void)isIncomplete(text);
    auto program = std::make_shared<Program>();
    program->file = "fuzz.exs";
    try {
        program->top = parseProgram(program->arena, text);
    } catch (const SyntaxError&) {
        return 0;
    }
    // A fresh engine per input: compiled modules point into their program.
    ScriptEngine engine(nullptr);
    try {
        compileProgram(engine, *program, false, nullptr);
    } catch (const CompileError&) {
    } catch (const SyntaxError&) {
    }
    return 0;
}

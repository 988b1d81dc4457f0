#pragma once

// Public entry points of the Elixir-subset interpreter.
//
//  - runScriptFile: `vigil --script FILE.exs`, prints what `elixir FILE.exs` prints and returns its exit code.
//  - ScriptRuntime::apply: lets native code (OTP behaviours) call a scripted function inside its own process.
//  - ScriptSession: an iex-like console whose shell is a real process.

#include "runtime/runtime.h"

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace vigil {

namespace script {
class ScriptEngine;
}

// Runs FILE.exs headless: stdout goes to out, error reports to err. Returns the exit code elixir would give.
int runScriptFile(const std::string& path, std::ostream& out, std::ostream& err);
// The same for source text (file names the text in stack traces).
int runScriptText(const std::string& text, const std::string& file, std::ostream& out, std::ostream& err,
    RuntimeConfig config = {});

// Shared interpreter state (modules, output) usable from native processes.
class ScriptRuntime {
public:
    explicit ScriptRuntime(std::function<void(const std::string&)> output);
    ~ScriptRuntime();
    // Compiles and registers the modules of a text. Error: "file:line:col: message".
    Expected<bool, std::string> load(const std::string& text, const std::string& file);
    // Calls a scripted function value (or an external &Mod.fun/n) inside the calling process.
    Task<Term> apply(ProcessContext& ctx, Term fun, std::vector<Term> args);
    // Calls Module.function(args) inside the calling process.
    Task<Term> applyMfa(ProcessContext& ctx, Atom module, Atom function, std::vector<Term> args);
    // Spawns a process that evaluates the top level of a loaded text.
    script::ScriptEngine& engine() { return *m_engine; }

private:
    std::shared_ptr<script::ScriptEngine> m_engine;
};

// An iex-like console. Output (results, flush(), IO.puts, error reports) arrives through the callback, from
// engine threads. Thread-safe.
class ScriptSession {
public:
    using Output = std::function<void(const std::string&)>;
    ScriptSession(Runtime& runtime, Output output);
    ~ScriptSession();

    // True when text is an unfinished expression (open do/fn/bracket/string): the console asks for more lines.
    static bool needsMoreInput(const std::string& text);
    // Evaluates one input in the shell process and waits (up to timeoutMs) for it to finish. Returns false on
    // timeout (the evaluation keeps running; its output still arrives).
    bool evaluate(const std::string& text, int64_t timeoutMs = 30'000);
    // "iex(N)> "
    std::string prompt() const;
    int counter() const;
    Term shellPid() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vigil

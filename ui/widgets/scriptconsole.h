#pragma once

// Connects the console tab to the Elixir-subset interpreter: the shell is a real process in the observed runtime
// (like iex), evaluations run off the GUI thread, and what the shell prints comes back through the console's
// printer (error reports, "** (...)", in the error colour). Builds without the interpreter leave the console as it
// is and return nullptr.

#include <memory>

namespace vigil {

class ConsoleWidget;
class Runtime;

// Returns the session; the console keeps using it for as long as the returned pointer (or the console) lives.
std::shared_ptr<void> attachScriptConsole(ConsoleWidget* console, Runtime& runtime);

} // namespace vigil

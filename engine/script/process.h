#pragma once

// Scripted processes: a machine driven by a process coroutine. The coroutine runs the machine until it needs a
// message, then awaits ProcessContext::receive with a predicate that tries the receive clauses.

#include "runtime/runtime.h"
#include "script/machine.h"

namespace vigil::script {

// Runs the machine to completion inside the calling process, suspending at receives. Throws ProcessException.
Task<Term> runMachine(ProcessContext& ctx, Machine& machine);

// Spawns an interpreted process from the caller's machine.
SpawnResult spawnScriptFun(Machine& parent, const Term& fun, std::vector<Term> args, bool link, bool monitor,
    Term label = Term(), Atom behaviour = atoms::nil);
SpawnResult spawnScriptMfa(Machine& parent, Atom module, Atom name, std::vector<Term> args, bool link, bool monitor);

// Process dictionary of the machine's process.
Term processDictGet(Machine& m, const Term& key, const Term& def);
Term processDictPut(Machine& m, const Term& key, const Term& value);
Term processDictDelete(Machine& m, const Term& key); // the value it had, or nil
Term processDictKeys(Machine& m);
// State shown by the inspector for behaviour processes (GenServer state etc.).
void setBehaviourState(Machine& m, const Term& state);

// The report Elixir's logger prints when a plain process dies of an error: "Process #PID<...> raised an exception..."
std::string crashReport(const Term& pid, const ProcessException& e);

} // namespace vigil::script

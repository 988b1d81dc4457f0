#pragma once

// Atoms of the OTP layer that are not among the engine's common atoms. Interned once, on first use.

#include "term/term.h"

namespace vigil::otp::atom {

#define VIGIL_OTP_ATOM(fn, text)                                                                                      \
    inline Atom fn()                                                                                                   \
    {                                                                                                                  \
        static const Atom a = Atom::intern(text);                                                                      \
        return a;                                                                                                      \
    }

VIGIL_OTP_ATOM(genServerModule, "Elixir.GenServer")
VIGIL_OTP_ATOM(supervisorModule, "Elixir.Supervisor")
VIGIL_OTP_ATOM(dynamicSupervisorModule, "Elixir.DynamicSupervisor")
VIGIL_OTP_ATOM(taskModule, "Elixir.Task")
VIGIL_OTP_ATOM(agentModule, "Elixir.Agent")
VIGIL_OTP_ATOM(ack, "ack")
VIGIL_OTP_ATOM(system, "system")
VIGIL_OTP_ATOM(terminate, "terminate")
VIGIL_OTP_ATOM(getState, "get_state")
VIGIL_OTP_ATOM(continue_, "continue")
VIGIL_OTP_ATOM(hibernate, "hibernate")
VIGIL_OTP_ATOM(callingSelf, "calling_self")
VIGIL_OTP_ATOM(alreadyStarted, "already_started")
VIGIL_OTP_ATOM(badReturnValue, "bad_return_value")
VIGIL_OTP_ATOM(genServer, "gen_server")
VIGIL_OTP_ATOM(dynamicSupervisor, "dynamic_supervisor")
VIGIL_OTP_ATOM(task, "task")
VIGIL_OTP_ATOM(agent, "agent")
VIGIL_OTP_ATOM(init, "init")
VIGIL_OTP_ATOM(startLink, "start_link")
VIGIL_OTP_ATOM(await, "await")
VIGIL_OTP_ATOM(never, "never")
VIGIL_OTP_ATOM(anySignificant, "any_significant")
VIGIL_OTP_ATOM(allSignificant, "all_significant")
VIGIL_OTP_ATOM(restarting, "restarting")
VIGIL_OTP_ATOM(dynamic, "dynamic")
VIGIL_OTP_ATOM(whichChildren, "which_children")
VIGIL_OTP_ATOM(countChildren, "count_children")
VIGIL_OTP_ATOM(terminateChild, "terminate_child")
VIGIL_OTP_ATOM(restartChild, "restart_child")
VIGIL_OTP_ATOM(deleteChild, "delete_child")
VIGIL_OTP_ATOM(startChild, "start_child")
VIGIL_OTP_ATOM(tryAgainRestart, "try_again_restart")
VIGIL_OTP_ATOM(notFound, "not_found")
VIGIL_OTP_ATOM(running, "running")
VIGIL_OTP_ATOM(alreadyPresent, "already_present")
VIGIL_OTP_ATOM(maxChildren, "max_children")
VIGIL_OTP_ATOM(specs, "specs")
VIGIL_OTP_ATOM(active, "active")
VIGIL_OTP_ATOM(supervisors, "supervisors")
VIGIL_OTP_ATOM(workers, "workers")
VIGIL_OTP_ATOM(failedToStartChild, "failed_to_start_child")
VIGIL_OTP_ATOM(startSpec, "start_spec")
VIGIL_OTP_ATOM(invalidChildSpec, "invalid_child_spec")
VIGIL_OTP_ATOM(reachedMaxRestartIntensity, "reached_max_restart_intensity")
VIGIL_OTP_ATOM(pid, "pid")
VIGIL_OTP_ATOM(ref, "ref")
VIGIL_OTP_ATOM(owner, "owner")
VIGIL_OTP_ATOM(mfa, "mfa")
VIGIL_OTP_ATOM(get, "get")
VIGIL_OTP_ATOM(update, "update")
VIGIL_OTP_ATOM(getAndUpdate, "get_and_update")
VIGIL_OTP_ATOM(castTag, "cast")
VIGIL_OTP_ATOM(badfun, "badfun")
VIGIL_OTP_ATOM(stateUnavailable, "vigil_state_unavailable")
VIGIL_OTP_ATOM(exit, "exit")
VIGIL_OTP_ATOM(strategy, "strategy")
VIGIL_OTP_ATOM(children, "children")
VIGIL_OTP_ATOM(restarts, "restarts")
VIGIL_OTP_ATOM(maxRestarts, "max_restarts")
VIGIL_OTP_ATOM(maxSeconds, "max_seconds")
VIGIL_OTP_ATOM(id, "id")
VIGIL_OTP_ATOM(restart, "restart")
VIGIL_OTP_ATOM(type, "type")
VIGIL_OTP_ATOM(shutdownKey, "shutdown")
VIGIL_OTP_ATOM(yield, "yield")
VIGIL_OTP_ATOM(stopFn, "stop")
VIGIL_OTP_ATOM(callFn, "call")

#undef VIGIL_OTP_ATOM

} // namespace vigil::otp::atom

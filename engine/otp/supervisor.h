#pragma once

// Supervisor (SEMANTICS.md §6): a GenServer that traps exits, starts its children in order, restarts them by
// strategy within the restart intensity, and stops them in reverse order. Requests use the OTP protocol, so a
// scripted process can call a native supervisor: which_children, count_children, {:terminate_child, id},
// {:restart_child, id}, {:delete_child, id}, {:start_child, spec_term}.
//
// Every decision is traced: ChildStarted, ChildRestarted (old pid → new pid, restart count, strategy),
// ChildTerminated (when the supervisor stopped the child; extra = its exit reason), SupervisorGaveUp.

#include "otp/childspec.h"
#include "otp/genserver.h"

namespace vigil::otp {

struct SupervisorFlags {
    Atom strategy = atoms::one_for_one; // :one_for_one | :one_for_all | :rest_for_one
    int maxRestarts = 3; // Elixir defaults: 3 restarts in 5 seconds
    int maxSeconds = 5;
    Atom autoShutdown = Atom::intern("never"); // :never | :any_significant | :all_significant
};

struct SupervisorSpec {
    SupervisorFlags flags;
    std::vector<ChildSpec> children;
};

// Module-style init (`use Supervisor`): runs inside the new supervisor; nullopt means :ignore.
using SupervisorInit = std::function<Task<std::optional<SupervisorSpec>>(ProcessContext&)>;

struct SupervisorOptions {
    std::optional<Atom> name;
    Term label; // nil = the name, else the module
    Term module; // nil = Supervisor
};

class Supervisor {
public:
    // {:ok, pid} | :ignore | {:error, reason}; a child that fails to start gives
    // {:error, {:shutdown, {:failed_to_start_child, id, reason}}} after the started ones were stopped.
    static Task<Term> startLink(ProcessContext& ctx, std::vector<ChildSpec> children, SupervisorFlags flags = {},
        SupervisorOptions options = {});
    static Task<Term> startLink(ProcessContext& ctx, SupervisorInit init, SupervisorOptions options = {});
    // Host start (unlinked). Value: pid.
    static Expected<Term, Term> start(Runtime& rt, std::vector<ChildSpec> children, SupervisorFlags flags = {},
        SupervisorOptions options = {});
    static Expected<Term, Term> start(Runtime& rt, SupervisorInit init, SupervisorOptions options = {});
    // For callers that cannot suspend: spawns the supervisor, which sends {:ack, pid, result} to the caller.
    static SpawnResult spawnSupervisor(ProcessContext& ctx, SupervisorInit init, SupervisorOptions options, bool link);
    // A child spec that starts a nested supervisor (type :supervisor, shutdown :infinity).
    static ChildSpec childSpec(Term id, std::vector<ChildSpec> children, SupervisorFlags flags = {},
        SupervisorOptions options = {});

    // Operations (inside a process; they raise exit like GenServer.call on failure).
    static Task<Term> whichChildren(ProcessContext& ctx, Term sup); // [{id, pid | :restarting | :undefined, type, modules}]
    static Task<Term> countChildren(ProcessContext& ctx, Term sup); // %{specs:, active:, supervisors:, workers:}
    static Task<Term> terminateChild(ProcessContext& ctx, Term sup, Term id); // :ok | {:error, :not_found}
    static Task<Term> restartChild(ProcessContext& ctx, Term sup, Term id); // {:ok, pid} | {:error, r}
    static Task<Term> deleteChild(ProcessContext& ctx, Term sup, Term id); // :ok | {:error, r}
    static Task<Term> startChild(ProcessContext& ctx, Term sup, const ChildSpec& spec); // {:ok, pid} | {:error, r}

    // Host versions (thread-safe); the error is the exit reason a process would have raised.
    static Expected<Term, Term> whichChildren(Runtime& rt, const Term& sup);
    static Expected<Term, Term> countChildren(Runtime& rt, const Term& sup);
    static Expected<Term, Term> terminateChild(Runtime& rt, const Term& sup, Term id);
    static Expected<Term, Term> restartChild(Runtime& rt, const Term& sup, Term id);
    static Expected<Term, Term> deleteChild(Runtime& rt, const Term& sup, Term id);
    static Expected<Term, Term> startChild(Runtime& rt, const Term& sup, const ChildSpec& spec);

    // The keyword list count_children replies with, as a map (what Elixir returns).
    static Term countsToMap(const Term& keywordList);
};

} // namespace vigil::otp

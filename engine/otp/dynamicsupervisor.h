#pragma once

// DynamicSupervisor (SEMANTICS.md §6.9): starts empty, one_for_one, children added with startChild and
// identified by pid; max_children and extra_arguments; children are stopped concurrently on shutdown.
// Protocol: {:start_child, spec_term}, {:terminate_child, pid}, :which_children, :count_children (a map).

#include "otp/childspec.h"
#include "otp/genserver.h"

namespace vigil::otp {

struct DynamicSupervisorFlags {
    int maxRestarts = 3;
    int maxSeconds = 5;
    int64_t maxChildren = -1; // -1 = :infinity
    std::vector<Term> extraArguments; // prepended to each child's start arguments (StartWithArgsFun)
};

struct DynamicSupervisorOptions {
    std::optional<Atom> name;
    Term label;
    Term module; // nil = DynamicSupervisor
};

class DynamicSupervisor {
public:
    static Task<Term> startLink(ProcessContext& ctx, DynamicSupervisorFlags flags = {},
        DynamicSupervisorOptions options = {});
    static Expected<Term, Term> start(Runtime& rt, DynamicSupervisorFlags flags = {},
        DynamicSupervisorOptions options = {});
    static ChildSpec childSpec(Term id, DynamicSupervisorFlags flags = {}, DynamicSupervisorOptions options = {});

    // {:ok, pid} | :ignore | {:error, :max_children} | {:error, reason}
    static Task<Term> startChild(ProcessContext& ctx, Term sup, const ChildSpec& spec);
    static Task<Term> terminateChild(ProcessContext& ctx, Term sup, Term pid); // :ok | {:error, :not_found}
    static Task<Term> whichChildren(ProcessContext& ctx, Term sup); // [{:undefined, pid, type, modules}]
    static Task<Term> countChildren(ProcessContext& ctx, Term sup); // %{specs:, active:, supervisors:, workers:}

    static Expected<Term, Term> startChild(Runtime& rt, const Term& sup, const ChildSpec& spec);
    static Expected<Term, Term> terminateChild(Runtime& rt, const Term& sup, Term pid);
    static Expected<Term, Term> whichChildren(Runtime& rt, const Term& sup);
    static Expected<Term, Term> countChildren(Runtime& rt, const Term& sup);
};

} // namespace vigil::otp
